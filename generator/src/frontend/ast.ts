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
  | 'bool' | 'byte' | 'ubyte' | 'short' | 'ushort' | 'int' | 'uint' | 'long' | 'ulong' | 'float' | 'double';

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
  | { readonly kind: 'attribute'; readonly name: Name; readonly span: Span };

export interface IncludeDecl {
  readonly native: boolean;
  readonly path: string;
  readonly span: Span;
  /** The path literal, where include errors point. */
  readonly pathSpan: Span;
}


// Frequent nodes are their own span: one object instead of two (the front end is allocation-bound).

/** A name, simple or dotted (`A.B.C` is one node: the resolver never needs the parts). */
export class NameNode implements Name, QName {
  constructor(
    readonly text: string,
    readonly file: SourceFile,
    readonly start: number,
    readonly end: number,
  ) {}
  /** The node itself (a plain field, not a getter: a getter is a call until V8 optimizes). */
  readonly span: Span = this;
}

export class ScalarTypeNode {
  readonly kind = 'scalar';
  constructor(
    readonly scalar: ScalarName,
    readonly file: SourceFile,
    readonly start: number,
    readonly end: number,
  ) {}
  /** The node itself (a plain field, not a getter: a getter is a call until V8 optimizes). */
  readonly span: Span = this;
}

/** Integer, float, identifier and string literals (defaults and attribute values). */
export class LiteralNode<K extends 'int' | 'float' | 'ident' | 'string'> {
  constructor(
    readonly kind: K,
    readonly text: string,
    readonly file: SourceFile,
    readonly start: number,
    readonly end: number,
    readonly trivial = true,
  ) {}
  /** The node itself (a plain field, not a getter: a getter is a call until V8 optimizes). */
  readonly span: Span = this;
}

/** A field declaration that is also its own name node (the most numerous declaration). */
export class FieldNode implements FieldDecl, Name {
  readonly default: DefaultExpr | undefined;
  constructor(
    readonly text: string,
    readonly file: SourceFile,
    readonly start: number,
    readonly end: number,
    readonly type: TypeExpr,
    defaultValue: DefaultExpr | undefined,
    readonly attributes: readonly Attribute[],
    readonly docs: readonly string[],
  ) {
    this.default = defaultValue;
  }
  readonly name: Name = this;
  /** The node itself (a plain field, not a getter: a getter is a call until V8 optimizes). */
  readonly span: Span = this;
}
