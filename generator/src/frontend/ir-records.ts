import type { EVal, FDef } from './declarations.js';
import type { SourceFile } from './source.js';
import type { DefaultValue, EnumVal, Field, KeyValue, Location, TypeRef } from '../ir/model.js';

/**
 * IR fields and enum values, the most numerous IR records. Their location is computed on access
 * from the span kept in private slots: one object per field instead of two, which matters because
 * promoting long-lived objects is most of the garbage collector's work on big schemas.
 */
export class IrField implements Field {
  readonly name: string;
  readonly type: TypeRef;
  readonly default: DefaultValue;
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  readonly unionPartner: string | undefined;
  readonly #file: SourceFile;
  readonly #at: number;
  /** id | padding << 16 (id < 2^16, padding < 32: stays a small integer). */
  readonly #idPad: number;
  /** offset · 32 + flags (struct offsets may exceed 16 bits). */
  readonly #offFlags: number;
  constructor(f: FDef, id: number, type: TypeRef, attributes: readonly KeyValue[]) {
    this.name = f.name;
    this.type = type;
    this.default = f.def;
    this.attributes = attributes;
    this.documentation = f.docs;
    this.unionPartner = f.partner?.name;
    this.#file = f.span.file;
    this.#at = f.span.start;
    this.#idPad = id | (f.padding << 16);
    const flags =
      (f.deprecated ? 1 : 0) | (f.required ? 2 : 0) | (f.key ? 4 : 0) | (f.optional ? 8 : 0) | (f.synthetic ? 16 : 0);
    this.#offFlags = f.offset * 32 + flags;
  }
  get id(): number {
    return this.#idPad & 0xffff;
  }
  get padding(): number {
    return this.#idPad >>> 16;
  }
  get offset(): number {
    return Math.floor(this.#offFlags / 32);
  }
  get deprecated(): boolean {
    return (this.#offFlags & 1) !== 0;
  }
  get required(): boolean {
    return (this.#offFlags & 2) !== 0;
  }
  get key(): boolean {
    return (this.#offFlags & 4) !== 0;
  }
  get optional(): boolean {
    return (this.#offFlags & 8) !== 0;
  }
  get synthetic(): boolean {
    return (this.#offFlags & 16) !== 0;
  }
  get location(): Location {
    return this.#file.locate(this.#at);
  }
}

export class IrEnumVal implements EnumVal {
  readonly name: string;
  readonly value: bigint;
  readonly unionType: TypeRef | undefined;
  readonly attributes: readonly KeyValue[];
  readonly documentation: readonly string[];
  readonly #file: SourceFile;
  readonly #at: number;
  constructor(v: EVal, unionType: TypeRef | undefined, attributes: readonly KeyValue[]) {
    this.name = v.name;
    this.value = v.value;
    this.unionType = unionType;
    this.attributes = attributes;
    this.documentation = v.docs;
    this.#file = v.span.file;
    this.#at = v.span.start;
  }
  get location(): Location {
    return this.#file.locate(this.#at);
  }
}
