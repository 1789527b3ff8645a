import type { QName } from './ast.js';
import type { IntKind } from './numbers.js';
import type { Span } from './source.js';
import { BASE_SIZE } from '../ir/model.js';
import type { BaseType, DefaultValue, EnumDef, KeyValue, ObjectDef, TypeRef } from '../ir/model.js';

/**
 * The resolver's internal, mutable records of declarations and types, and the facts about base
 * types it computes with. The immutable IR (../ir/model.ts) is built from them.
 */

export interface AttrVal {
  readonly value: string;
  readonly kind: 'int' | 'string' | 'flag';
  /** The value literal (the name for a bare flag): where value errors point. */
  readonly span: Span;
  /** The attribute name: where placement errors point. */
  readonly nameSpan: Span;
}
export type Attrs = ReadonlyMap<string, AttrVal>;
/** Most declarations have no attributes: one shared empty map instead of one per field. */
export const NO_ATTRS: Attrs = new Map();
export function withAttr(a: Attrs, key: string, v: AttrVal): Attrs {
  return new Map(a).set(key, v);
}
export function withoutAttr(a: Attrs, key: string): Attrs {
  const m = new Map(a);
  m.delete(key);
  return m;
}

export interface RType {
  base: BaseType;
  element: BaseType;
  struct?: SDef;
  enumDef?: EDef;
  fixedLength: number;
}

export interface FDef {
  name: string;
  type: RType;
  offset: number;
  padding: number;
  def: DefaultValue;
  deprecated: boolean;
  required: boolean;
  key: boolean;
  optional: boolean;
  attrs: Attrs;
  docs: readonly string[];
  span: Span;
  synthetic: boolean;
  partner: FDef | undefined;
}

/** What tables, structs, enums and unions have in common: a named, referable type. */
export interface TypeDef {
  /** Identity for cache keys. */
  uid: number;
  /** Qualified name, once asked for (see `qn`). */
  qname?: string;
  /** Type references to this type, by shape (see `typeRef`): the first, then any others. */
  ref0Key?: number;
  ref0?: MutableTypeRef;
  refs?: Map<number, MutableTypeRef>;
  shortName: string;
  ns: readonly string[];
  attrs: Attrs;
  docs: readonly string[];
  span: Span;
  /** The whole declaration, keyword to closing brace (set when the declaration is read). */
  extent?: Span;
  declFile: string;
}

/** A table or struct (`fixed`), or a name referenced before its definition (`predecl`). */
export interface SDef extends TypeDef {
  predecl: boolean;
  fixed: boolean;
  fields: FDef[];
  /** Field names taken so far (hidden union type fields included); made for large tables only. */
  fieldNames: Map<string, FDef> | undefined;
  minalign: number;
  bytesize: number;
  hasKey: boolean;
  /** Where a not-yet-defined type was first referenced. */
  firstRef: Span;
  /** The finished IR object, once the declaration is complete. */
  ir?: ObjectDef;
  /** What JSON data needs of the fields, kept only when a file holds JSON data (fields are recycled). */
  jsonFields?: readonly JsonField[];
}

export interface JsonField {
  readonly name: string;
  readonly type: RType;
  readonly required: boolean;
  readonly deprecated: boolean;
  /** A scalar declared `= null`: JSON data may give it `null`. */
  readonly optional: boolean;
  /** `(flexbuffer)`: any JSON value (checked as FlexBuffers data). */
  readonly flexbuffer: boolean;
  /** `(nested_flatbuffer: "Root")`: the value is a Root object. */
  readonly nested: SDef | undefined;
}

export interface EVal {
  name: string;
  value: bigint;
  unionType?: RType;
  attrs: Attrs;
  docs: readonly string[];
  span: Span;
  /** The explicit value literal, else the name. */
  valueSpan: Span;
}

/** An enum or union. */
export interface EDef extends TypeDef {
  isUnion: boolean;
  underlying: RType;
  vals: EVal[];
  bitFlags: boolean;
  ir?: EnumDef;
}

export interface CallDef {
  name: string;
  request: SDef;
  response: SDef;
  reqName: QName;
  respName: QName;
  attrs: Attrs;
  docs: readonly string[];
  span: Span;
}

export interface SvcDef {
  shortName: string;
  ns: readonly string[];
  calls: CallDef[];
  attrs: Attrs;
  docs: readonly string[];
  span: Span;
  /** The whole declaration, keyword to closing brace. */
  extent: Span;
  declFile: string;
}

export const SCALAR_BASE: Readonly<Record<string, BaseType>> = {
  bool: 'Bool',
  byte: 'Byte',
  ubyte: 'UByte',
  short: 'Short',
  ushort: 'UShort',
  int: 'Int',
  uint: 'UInt',
  long: 'Long',
  ulong: 'ULong',
  float: 'Float',
  double: 'Double',
};

/** Plain scalar and string types carry no references: shared, never mutated. */
export const SCALAR_RTYPES: Readonly<Record<string, RType>> = Object.fromEntries(
  Object.entries(SCALAR_BASE).map(([k, base]) => [
    k,
    Object.freeze({ base, element: 'None', fixedLength: 0 }) as RType,
  ]),
);
export const STRING_RTYPE: RType = Object.freeze({ base: 'String', element: 'None', fixedLength: 0 }) as RType;

export const INT_KIND: Partial<Record<BaseType, IntKind>> = {
  UType: 'ubyte',
  Bool: 'bool',
  Byte: 'byte',
  UByte: 'ubyte',
  Short: 'short',
  UShort: 'ushort',
  Int: 'int',
  UInt: 'uint',
  Long: 'long',
  ULong: 'ulong',
};

export const TYPE_NAMES: Readonly<Record<BaseType, string>> = {
  None: 'none',
  UType: 'utype',
  Bool: 'bool',
  Byte: 'byte',
  UByte: 'ubyte',
  Short: 'short',
  UShort: 'ushort',
  Int: 'int',
  UInt: 'uint',
  Long: 'long',
  ULong: 'ulong',
  Float: 'float',
  Double: 'double',
  String: 'string',
  Vector: 'vector',
  Obj: 'struct',
  Union: 'union',
  Array: 'array',
  Vector64: 'vector64',
};

export function isScalar(b: BaseType): boolean {
  return INT_KIND[b] !== undefined || b === 'Float' || b === 'Double';
}
export function isInteger(b: BaseType): boolean {
  return INT_KIND[b] !== undefined;
}
export function isFloat(b: BaseType): boolean {
  return b === 'Float' || b === 'Double';
}
export function isUnsigned(b: BaseType): boolean {
  return b === 'UType' || b === 'Bool' || b === 'UByte' || b === 'UShort' || b === 'UInt' || b === 'ULong';
}
export function isVector(t: RType): boolean {
  return t.base === 'Vector' || t.base === 'Vector64';
}
export function isSeries(t: RType): boolean {
  return isVector(t) || t.base === 'Array';
}
export function isStruct(t: RType): boolean {
  return t.base === 'Obj' && t.struct !== undefined && t.struct.fixed && !t.struct.predecl;
}
export function elementType(t: RType): RType {
  return { base: t.element, element: 'None', struct: t.struct, enumDef: t.enumDef, fixedLength: 0 };
}
export function inlineSize(t: RType): number {
  if (t.base === 'Obj' && t.struct?.fixed) return t.struct.bytesize;
  if (t.base === 'Array') return inlineSize(elementType(t)) * t.fixedLength;
  return BASE_SIZE[t.base];
}
export function inlineAlignment(t: RType): number {
  if (t.base === 'Obj' && t.struct?.fixed) return t.struct.minalign;
  if (t.base === 'Array') return inlineAlignment(elementType(t));
  return BASE_SIZE[t.base];
}
/** A type's qualified name, computed once (a forward reference's is known once it is defined). */
export function qn(d: TypeDef): string {
  return (d.qname ??= qualify(d.ns, d.shortName));
}
export function qualify(ns: readonly string[], name: string): string {
  return ns.length ? `${ns.join('.')}.${name}` : name;
}
/** Qualified name in a namespace given as its dotted name. */
export function qualifyWith(ns: string, name: string): string {
  return ns === '' ? name : `${ns}.${name}`;
}
export function paddingBytes(size: number, align: number): number {
  return (-size & (align - 1)) >>> 0;
}
export const NO_KEYVALUES: readonly KeyValue[] = Object.freeze([]);
export const NO_DOCS: readonly string[] = Object.freeze([]);
export const NO_DEFAULT: DefaultValue = Object.freeze({ kind: 'none' });
export const BASE_INDEX: Readonly<Record<BaseType, number>> = {
  None: 0,
  UType: 1,
  Bool: 2,
  Byte: 3,
  UByte: 4,
  Short: 5,
  UShort: 6,
  Int: 7,
  UInt: 8,
  Long: 9,
  ULong: 10,
  Float: 11,
  Double: 12,
  String: 13,
  Vector: 14,
  Obj: 15,
  Union: 16,
  Array: 17,
  Vector64: 18,
};

/**
 * A symbol table keyed by (partly) qualified names that also counts last name components, so that
 * the many lookups of names that cannot match (field names checked against type names, enum
 * lookups of table names) cost one set probe instead of one concatenation and hash per namespace.
 */

export type MutableTypeRef = { -readonly [K in keyof TypeRef]: TypeRef[K] };
