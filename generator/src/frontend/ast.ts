import type { SourceFile, Span } from './source.js';

/** Syntax tree of one file: what was written, before any name or type is resolved. */

export interface Name {
  readonly text: string;
  readonly span: Span;
}

/** `A.B.C` as written (a single name is a QName too). */
export interface QName {
  readonly text: string;
  readonly span: Span;
}

export type ScalarName =
  'bool' | 'byte' | 'ubyte' | 'short' | 'ushort' | 'int' | 'uint' | 'long' | 'ulong' | 'float' | 'double';

export type TypeExpr =
  | { readonly kind: 'scalar'; readonly scalar: ScalarName; readonly span: Span }
  | { readonly kind: 'string'; readonly span: Span }
  | { readonly kind: 'named'; readonly name: QName; readonly span: Span }
  | { readonly kind: 'vector'; readonly element: TypeExpr; readonly span: Span }
  | {
      readonly kind: 'array';
      readonly element: TypeExpr;
      /** Literal text of the length; validated by the resolver. */
      readonly length: string;
      readonly lengthSpan: Span;
      readonly span: Span;
    };

export interface AttrValue {
  readonly kind: 'int' | 'float' | 'string';
  readonly text: string;
  readonly span: Span;
}

export interface Attribute {
  readonly name: Name;
  readonly value: AttrValue | undefined;
}

/** A default as written; flatc's ParseSingleValue decides its meaning once the field type is known. */
export type DefaultExpr =
  | { readonly kind: 'int' | 'float'; readonly text: string; readonly span: Span }
  | { readonly kind: 'string'; readonly text: string; readonly trivial: boolean; readonly span: Span }
  /** identifier, possibly signed: true, nan, -inf, null, an enum value name */
  | { readonly kind: 'ident'; readonly text: string; readonly span: Span }
  | { readonly kind: 'emptyVector'; readonly span: Span }
  | { readonly kind: 'call'; readonly fn: string; readonly arg: DefaultExpr; readonly span: Span };

export interface FieldDecl {
  readonly name: Name;
  readonly type: TypeExpr;
  readonly default: DefaultExpr | undefined;
  readonly attributes: readonly Attribute[];
  readonly docs: readonly string[];
}

export interface TableDecl {
  readonly kind: 'table' | 'struct';
  readonly name: Name;
  readonly attributes: readonly Attribute[];
  readonly fields: readonly FieldDecl[];
  readonly docs: readonly string[];
  readonly span: Span;
}

export interface EnumValueDecl {
  /** For union members: the (possibly qualified) member name, or the alias before `:`. */
  readonly name: QName;
  readonly type: TypeExpr | undefined;
  readonly value: { readonly text: string; readonly span: Span } | undefined;
  readonly attributes: readonly Attribute[];
  readonly docs: readonly string[];
}

export interface EnumDecl {
  readonly kind: 'enum' | 'union';
  readonly name: Name;
  readonly underlying: TypeExpr | undefined;
  readonly attributes: readonly Attribute[];
  readonly values: readonly EnumValueDecl[];
  readonly docs: readonly string[];
  readonly span: Span;
  /** Position of `{`, where flatc reports an enum with no underlying type. */
  readonly bodySpan: Span;
}

export interface MethodDecl {
  readonly name: Name;
  readonly request: QName;
  readonly response: QName;
  readonly attributes: readonly Attribute[];
  readonly docs: readonly string[];
}

export interface ServiceDecl {
  readonly kind: 'service';
  readonly name: Name;
  readonly attributes: readonly Attribute[];
  readonly methods: readonly MethodDecl[];
  readonly docs: readonly string[];
  readonly span: Span;
}

export type Decl =
  | { readonly kind: 'namespace'; readonly parts: readonly Name[]; readonly span: Span }
  | TableDecl
  | EnumDecl
  | ServiceDecl
  | { readonly kind: 'root_type'; readonly name: QName; readonly span: Span }
  | { readonly kind: 'file_identifier'; readonly value: string; readonly span: Span }
  | { readonly kind: 'file_extension'; readonly value: string; readonly span: Span }
  | { readonly kind: 'attribute'; readonly name: Name; readonly span: Span }
  /** A JSON object after the schema: flatc parses it as data of the root type (then expects EOF). */
  | { readonly kind: 'json'; readonly value: JsonObject; readonly span: Span };

/** JSON data as written (flatc's relaxed JSON: unquoted keys, identifiers, trailing commas). */
export type JsonValue =
  | JsonObject
  | { readonly kind: 'array'; readonly items: readonly JsonValue[]; readonly span: Span }
  | {
      readonly kind: 'atom';
      readonly token: 'string' | 'integer' | 'float' | 'ident';
      /** The token as flatc describes it ("integer constant", "string constant", the identifier). */
      readonly describe: string;
      readonly text: string;
      /** A string holding only printable ASCII without escapes (flatc's attr_is_trivial_ascii_string_). */
      readonly trivial: boolean;
      readonly span: Span;
    };

export interface JsonObject {
  readonly kind: 'object';
  readonly entries: readonly { readonly key: Name; readonly value: JsonValue }[];
  /** The opening `{`. */
  readonly span: Span;
  /** The closing `}`. */
  readonly close: Span;
}

export interface IncludeDecl {
  readonly native: boolean;
  readonly path: string;
  readonly span: Span;
  /** The path literal, where include errors point. */
  readonly pathSpan: Span;
}

// Frequent nodes are their own span: one object instead of two (the front end is allocation-bound).
// They are plain constructors assigning every property: no getters and no class-field initializers,
// each of which is an extra call per node until V8 optimizes (a cold `hms-gen check` never gets there).

/** A name, simple or dotted (`A.B.C` is one node: the resolver never needs the parts). */
export class NameNode implements Name, QName {
  declare readonly text: string;
  declare readonly file: SourceFile;
  declare readonly start: number;
  declare readonly end: number;
  /** The node itself. */
  declare readonly span: Span;
  constructor(text: string, file: SourceFile, start: number, end: number) {
    this.text = text;
    this.file = file;
    this.start = start;
    this.end = end;
    this.span = this;
  }
}

export class ScalarTypeNode {
  declare readonly kind: 'scalar';
  declare readonly scalar: ScalarName;
  declare readonly file: SourceFile;
  declare readonly start: number;
  declare readonly end: number;
  declare readonly span: Span;
  constructor(scalar: ScalarName, file: SourceFile, start: number, end: number) {
    this.kind = 'scalar';
    this.scalar = scalar;
    this.file = file;
    this.start = start;
    this.end = end;
    this.span = this;
  }
}

/** Integer, float, identifier and string literals (defaults and attribute values). */
export class LiteralNode<K extends 'int' | 'float' | 'ident' | 'string'> {
  declare readonly kind: K;
  declare readonly text: string;
  declare readonly file: SourceFile;
  declare readonly start: number;
  declare readonly end: number;
  declare readonly trivial: boolean;
  declare readonly span: Span;
  constructor(kind: K, text: string, file: SourceFile, start: number, end: number, trivial = true) {
    this.kind = kind;
    this.text = text;
    this.file = file;
    this.start = start;
    this.end = end;
    this.trivial = trivial;
    this.span = this;
  }
}

/** A field declaration that is also its own name node (the most numerous declaration). */
export class FieldNode implements FieldDecl, Name {
  declare readonly text: string;
  declare readonly file: SourceFile;
  declare readonly start: number;
  declare readonly end: number;
  declare readonly type: TypeExpr;
  declare readonly default: DefaultExpr | undefined;
  declare readonly attributes: readonly Attribute[];
  declare readonly docs: readonly string[];
  declare readonly name: Name;
  declare readonly span: Span;
  constructor(
    text: string,
    file: SourceFile,
    start: number,
    end: number,
    type: TypeExpr,
    defaultValue: DefaultExpr | undefined,
    attributes: readonly Attribute[],
    docs: readonly string[],
  ) {
    this.text = text;
    this.file = file;
    this.start = start;
    this.end = end;
    this.type = type;
    this.default = defaultValue;
    this.attributes = attributes;
    this.docs = docs;
    this.name = this;
    this.span = this;
  }
}
