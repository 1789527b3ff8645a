import { FieldNode, LiteralNode, NameNode, ScalarTypeNode } from './ast.js';
import type {
  Attribute,
  AttrValue,
  Decl,
  DefaultExpr,
  EnumDecl,
  EnumValueDecl,
  FieldDecl,
  IncludeDecl,
  JsonObject,
  JsonValue,
  MethodDecl,
  Name,
  QName,
  ScalarName,
  ServiceDecl,
  TableDecl,
  TypeExpr,
} from './ast.js';
import type { DiagnosticCode } from './codes.js';
import type { Reporter } from './diagnostics.js';
import { HAS_DOCS, HAS_VALUE, Lexer, NON_TRIVIAL, T, type TokenBuffer } from './lexer.js';
import type { SourceFile, Span } from './source.js';

/** Thrown inside the parser to unwind to the nearest recovery point; already reported. */
class Bail extends Error {}

const SCALARS: ReadonlyMap<string, ScalarName> = new Map<string, ScalarName>([
  ['bool', 'bool'],
  ['byte', 'byte'],
  ['int8', 'byte'],
  ['ubyte', 'ubyte'],
  ['uint8', 'ubyte'],
  ['short', 'short'],
  ['int16', 'short'],
  ['ushort', 'ushort'],
  ['uint16', 'ushort'],
  ['int', 'int'],
  ['int32', 'int'],
  ['uint', 'uint'],
  ['uint32', 'uint'],
  ['long', 'long'],
  ['int64', 'long'],
  ['ulong', 'ulong'],
  ['uint64', 'ulong'],
  ['float', 'float'],
  ['float32', 'float'],
  ['double', 'double'],
  ['float64', 'double'],
]);

/** The built-in type names (scalars, their aliases, `string`): a type, never a declaration's name as written. */
export const BUILTIN_TYPE_NAMES: ReadonlySet<string> = new Set([...SCALARS.keys(), 'string']);

const DECL_KEYWORDS = new Set([
  'table',
  'struct',
  'enum',
  'union',
  'namespace',
  'root_type',
  'rpc_service',
  'attribute',
  'file_identifier',
  'file_extension',
  'include',
  'native_include',
]);

/** Shared empty list: most declarations have no docs or attributes. */
const NONE: readonly never[] = Object.freeze([]);

const TYPE_KEYWORDS = new Set(['table', 'struct', 'enum', 'union']);

const FUNCTIONS = new Set(['deg', 'rad', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan']);

/** flatc's parsing depth guard (FLATBUFFERS_MAX_PARSING_DEPTH). */
const MAX_DEPTH = 64;

/**
 * Recursive-descent parser for one file. Syntax errors are reported and the parser resynchronises
 * at the next field or declaration, so one run reports every independent error.
 */
export function createParser(file: SourceFile, reporter: Reporter): Parser {
  return new Parser(file, new Lexer(file, reporter).tokenize(), reporter);
}

/** A token is its index in the file's TokenBuffer. */
type Token = number;

export class Parser {
  /** Index of the current token; also counts tokens consumed (recovery checks progress with it). */
  private pos = 0;
  private depth = 0;
  private prevEnd = 0;
  /** The current token's doc comment was taken by a declaration. */
  private docsTaken = false;
  /** Inside recoverDecl/recoverField: skipping tokens after a syntax error. */
  private recovering = false;
  /** Name of the type declaration being parsed, once read. */
  private declName: string | undefined;
  /**
   * Types whose declaration was abandoned after a syntax error. References to them are not
   * reported as undefined: that would only repeat the syntax error.
   */
  readonly brokenTypes = new Set<string>();
  /** A type declaration was abandoned before its name was read: any name may be affected. */
  brokenUnnamed = false;
  private readonly src: string;
  private readonly last: number;
  // The token arrays, read directly: an accessor call per read is what a cold start pays for.
  private readonly kinds: Uint8Array;
  private readonly codes: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;

  constructor(
    private readonly file: SourceFile,
    private readonly toks: TokenBuffer,
    private readonly reporter: Reporter,
  ) {
    this.src = file.text;
    this.last = toks.count - 1;
    this.kinds = toks.kinds;
    this.codes = toks.codes;
    this.flags = toks.flags;
    this.starts = toks.starts;
    this.ends = toks.ends;
  }

  /** Identifier name, decoded string value, literal text of a number, or the punctuation. */
  private textOf(t: Token): string {
    if (((this.flags[t] as number) & HAS_VALUE) !== 0) return this.toks.values.get(t) as string;
    if (this.kinds[t] === T.Ident) return this.name(this.starts[t] as number, this.ends[t] as number);
    return this.src.slice(this.starts[t] as number, this.ends[t] as number);
  }

  /** Names seen in this file: one string per distinct name. */
  private readonly names = new Map<string, string>();

  /**
   * A name's text, shared by every occurrence: schemas repeat the same few names (field names
   * across tables, type names at each use), and the IR then holds one string per distinct name
   * instead of one per occurrence (fewer long-lived objects for the garbage collector to copy).
   * The lookup slices first: hashing in JavaScript measured slower on a cold start.
   */
  private name(start: number, end: number): string {
    const s = this.src.slice(start, end);
    const seen = this.names.get(s);
    if (seen !== undefined) return seen;
    this.names.set(s, s);
    return s;
  }

  /** Text of an identifier token (no stored value): the shared name string. */
  private identText(t: Token): string {
    if (((this.flags[t] as number) & HAS_VALUE) !== 0) return this.toks.values.get(t) as string;
    const s = this.src.slice(this.starts[t] as number, this.ends[t] as number);
    const seen = this.names.get(s);
    if (seen !== undefined) return seen;
    this.names.set(s, s);
    return s;
  }

  private trivialOf(t: Token): boolean {
    return ((this.flags[t] as number) & NON_TRIVIAL) === 0;
  }
  private docsOf(t: Token): { readonly lines: readonly string[]; readonly start: number } | undefined {
    return ((this.flags[t] as number) & HAS_DOCS) !== 0 ? this.toks.docs.get(t) : undefined;
  }
  private describe(t: Token): string {
    return describeToken(this.kinds[t] as T, this.textOf(t));
  }

  private peek(): Token {
    return Math.min(this.pos + 1, this.last);
  }
  private span(t: Token): Span {
    return { file: this.file, start: this.starts[t] as number, end: this.ends[t] as number };
  }
  private spanFrom(start: number): Span {
    return { file: this.file, start, end: Math.max(this.prevEnd, start) };
  }
  private dropDocs(t: Token): void {
    const docs = this.docsOf(t);
    // Tokens skipped after a syntax error: their doc comments are lost with them, and a warning
    // about that would only distract from the error (a missing `;` before a documented field).
    if (docs !== undefined && !this.docsTaken && !this.recovering) {
      this.reporter.report(
        'W005',
        { file: this.file, start: docs.start, end: docs.start + 3 },
        `documentation comment is not attached to a declaration and is dropped (before ${this.describe(t)})`,
      );
    }
  }
  /**
   * next() for the usual token (no doc comment before it), written out at the hot call sites:
   * a call per token is what a cold start pays most for. Returns false when next() must run.
   */
  private plain(t: Token): boolean {
    return t < this.last && ((this.flags[t] as number) & HAS_DOCS) === 0;
  }

  private next(): Token {
    const t = this.pos;
    if (t >= this.last) return t;
    if (((this.flags[t] as number) & HAS_DOCS) !== 0) this.dropDocs(t);
    this.docsTaken = false;
    this.pos++;
    this.prevEnd = this.ends[t] as number;
    return t;
  }
  private atEof(): boolean {
    return this.pos >= this.last;
  }
  private isIdent(word?: string): boolean {
    if ((this.kinds[this.pos] as T) !== T.Ident) return false;
    if (word === undefined) return true;
    const start = this.starts[this.pos] as number;
    return (this.ends[this.pos] as number) - start === word.length && this.src.startsWith(word, start);
  }

  private fail(code: DiagnosticCode, t: Token, message: string): never {
    this.reporter.report(code, this.span(t), message);
    throw new Bail();
  }
  private unexpected(expected: string): never {
    const t = this.pos;
    if ((this.kinds[t] as T) === T.Eof) this.fail('E011', t, `unexpected end of file, expecting: ${expected}`);
    this.fail('E010', t, `expecting: ${expected} instead got: ${this.describe(t)}`);
  }
  private expectPunct(ch: string): Token {
    if (this.codes[this.pos] !== ch.charCodeAt(0)) this.unexpected(ch);
    return this.next();
  }
  private expectIdent(): Name {
    if ((this.kinds[this.pos] as T) !== T.Ident) this.unexpected('identifier');
    const t = this.next();
    return new NameNode(this.textOf(t), this.file, this.starts[t] as number, this.ends[t] as number);
  }
  private expectString(): Token {
    if ((this.kinds[this.pos] as T) !== T.String) this.unexpected('string constant');
    return this.next();
  }
  private takeDocs(): readonly string[] {
    if (((this.flags[this.pos] as number) & HAS_DOCS) === 0) return NONE;
    const block = this.docsOf(this.pos);
    if (block === undefined) return NONE;
    this.docsTaken = true;
    return block.lines;
  }

  /**
   * The include section. Declarations are then pulled one at a time with `nextDecl()`, so the
   * driver can process included files first and each declaration's syntax tree dies young.
   */
  parseIncludes(): IncludeDecl[] {
    const includes: IncludeDecl[] = [];
    if (this.atEof()) {
      // Also true for a file of only comments; flatc reports it at the start.
      this.reporter.report('E007', { file: this.file, start: 0, end: 1 }, 'input file is empty');
      return includes;
    }
    // Includes come first; a later one is reported by the declaration loop.
    while (this.isIdent('include') || this.isIdent('native_include')) {
      const start = this.starts[this.pos] as number;
      const native = this.textOf(this.pos) === 'native_include';
      try {
        this.next();
        const path = this.expectString();
        this.expectPunct(';');
        includes.push({
          native,
          path: this.textOf(path),
          span: { file: this.file, start, end: this.ends[path] as number },
          pathSpan: this.span(path),
        });
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.recoverDecl(false);
      }
    }
    return includes;
  }

  /** The next declaration, or undefined at the end of the schema. */
  nextDecl(): Decl | undefined {
    while (!this.atEof()) {
      if (this.jsonSeen && !this.jsonTrailReported) {
        // flatc stops after the JSON object and expects the end of the file; what follows is still
        // parsed here, so that its own errors (undefined types, …) are reported too.
        this.jsonTrailReported = true;
        this.reporter.report(
          'E010',
          this.span(this.pos),
          `expecting: end of file instead got: ${this.describe(this.pos)}`,
        );
        // Anything but a declaration or more JSON (`{a: 1} garbage`) would only repeat the error.
        const t = this.pos;
        const keyword = (this.kinds[t] as T) === T.Ident && DECL_KEYWORDS.has(this.textOf(t));
        if (!keyword && this.codes[t] !== 123 /* { */) break;
      }
      if (this.codes[this.pos] === 123 /* { */) {
        // A JSON object after the schema: flatc parses it as data of the root type.
        const before = this.pos;
        const depth = this.depth;
        this.jsonSeen = true;
        try {
          const value = this.parseJsonObject();
          return { kind: 'json', value, span: value.span };
        } catch (e) {
          if (!(e instanceof Bail)) throw e;
          this.depth = depth;
          this.recoverDecl(this.pos > before);
          if (this.pos === before) this.next();
          continue;
        }
      }
      const before = this.pos;
      const keyword = (this.kinds[this.pos] as T) === T.Ident ? this.textOf(this.pos) : '';
      this.declName = undefined;
      try {
        return this.parseDecl();
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        if (this.declName !== undefined) this.brokenTypes.add(this.declName);
        else if (TYPE_KEYWORDS.has(keyword)) this.brokenUnnamed = true;
        this.recoverDecl(this.pos > before);
      }
      if (this.pos === before) this.next();
    }
    if (this.atEof()) this.dropDocs(this.pos);
    return undefined;
  }

  /**
   * Whether the file has a `{` outside every declaration (after `;` or `}` or at the start): JSON
   * data, which the resolver can only check if it keeps field records (Resolver.keepJsonFields).
   */
  hasTopLevelBrace(): boolean {
    if (!this.toks.braceAfterBoundary) return false;
    let depth = 0;
    let prev = -1;
    for (let t = 0; t < this.last; t++) {
      if ((this.kinds[t] as T) === T.Punct) {
        const c = this.codes[t];
        if (c === 123 /* { */) {
          if (depth === 0 && (prev < 0 || this.codes[prev] === 59 || this.codes[prev] === 125)) return true;
          depth++;
        } else if (c === 125 /* } */ && depth > 0) depth--;
      }
      prev = t;
    }
    return false;
  }

  /** A JSON object was parsed: anything after it is an error (flatc expects the end of file). */
  private jsonSeen = false;
  private jsonTrailReported = false;

  /** `{ key: value, … }` (keys are identifiers or strings; a trailing comma is allowed). */
  private parseJsonObject(): JsonObject {
    const open = this.pos;
    this.enter(open);
    this.expectPunct('{');
    const entries: { key: Name; value: JsonValue }[] = [];
    while (this.codes[this.pos] !== 125 /* } */ || (this.kinds[this.pos] as T) !== T.Punct) {
      const k = this.pos;
      const kind = this.kinds[k] as T;
      if (kind !== T.Ident && kind !== T.String) this.unexpected('}');
      this.next();
      const key = new NameNode(this.textOf(k), this.file, this.starts[k] as number, this.ends[k] as number);
      this.expectPunct(':');
      entries.push({ key, value: this.parseJsonValue() });
      if (this.codes[this.pos] === 44 /* , */ && (this.kinds[this.pos] as T) === T.Punct) this.next();
      else if (this.codes[this.pos] !== 125 /* } */) this.unexpected(',');
    }
    const close = this.next();
    this.depth--;
    return { kind: 'object', entries, span: this.span(open), close: this.span(close) };
  }

  private parseJsonValue(): JsonValue {
    const t = this.pos;
    const kind = this.kinds[t] as T;
    if (kind === T.Punct && this.codes[t] === 123 /* { */) return this.parseJsonObject();
    if (kind === T.Punct && this.codes[t] === 91 /* [ */) {
      this.enter(t);
      this.next();
      const items: JsonValue[] = [];
      while (this.codes[this.pos] !== 93 /* ] */ || (this.kinds[this.pos] as T) !== T.Punct) {
        items.push(this.parseJsonValue());
        if (this.codes[this.pos] === 44 /* , */ && (this.kinds[this.pos] as T) === T.Punct) this.next();
        else if (this.codes[this.pos] !== 93 /* ] */) this.unexpected(',');
      }
      this.next();
      this.depth--;
      return { kind: 'array', items, span: this.spanFrom(this.starts[t] as number) };
    }
    if (kind === T.Punct && (this.codes[t] === 45 /* - */ || this.codes[t] === 43) /* + */) {
      const n = this.peek();
      const nk = this.kinds[n] as T;
      if (nk === T.Integer || nk === T.Float || nk === T.Ident) {
        this.next();
        this.next();
        const text = this.textOf(t) + this.textOf(n);
        const token = nk === T.Integer ? 'integer' : nk === T.Float ? 'float' : 'ident';
        const span = this.spanFrom(this.starts[t] as number);
        return { kind: 'atom', token, describe: this.describe(n), text, trivial: true, span };
      }
    }
    if (kind === T.String || kind === T.Integer || kind === T.Float || kind === T.Ident) {
      this.next();
      const token =
        kind === T.String ? 'string' : kind === T.Integer ? 'integer' : kind === T.Float ? 'float' : 'ident';
      const trivial = kind !== T.String || this.trivialOf(t);
      return { kind: 'atom', token, describe: this.describe(t), text: this.textOf(t), trivial, span: this.span(t) };
    }
    this.unexpected('value');
  }

  /** Skip to the end of the broken declaration: its closing `}` or `;`, or the next declaration keyword. */
  private recoverDecl(progressed: boolean): void {
    this.recovering = true;
    try {
      this.skipDecl(progressed);
    } finally {
      this.recovering = false;
    }
  }

  private skipDecl(progressed: boolean): void {
    let depth = 0;
    if (!progressed && !this.atEof()) this.next();
    while (!this.atEof()) {
      const t = this.pos;
      if ((this.kinds[t] as T) === T.Punct) {
        if (this.textOf(t) === '{') depth++;
        else if (this.textOf(t) === '}') {
          this.next();
          if (--depth <= 0) return;
          continue;
        } else if (this.textOf(t) === ';' && depth === 0) {
          this.next();
          return;
        }
      } else if (
        depth === 0 &&
        (this.kinds[t] as T) === T.Ident &&
        DECL_KEYWORDS.has(this.textOf(t)) &&
        this.atLineStart(t)
      ) {
        return;
      }
      this.next();
    }
  }

  private atLineStart(t: Token): boolean {
    const text = this.file.text;
    for (let k = (this.starts[t] as number) - 1; k >= 0; k--) {
      const c = text.charCodeAt(k);
      if (c === 10) return true;
      if (c !== 32 && c !== 9 && c !== 13) return false;
    }
    return true;
  }

  private parseDecl(): Decl {
    const t = this.pos;
    if ((this.kinds[t] as T) !== T.Ident) this.fail('E012', t, `declaration expected, got: ${this.describe(t)}`);
    switch (this.textOf(t)) {
      case 'namespace': {
        this.next();
        const parts: Name[] = [];
        if (!(this.codes[this.pos] === 59 /* ; */)) {
          for (;;) {
            parts.push(this.expectIdent());
            if (!(this.codes[this.pos] === 46 /* . */)) break;
            this.next();
          }
        }
        this.expectPunct(';');
        return { kind: 'namespace', parts, span: this.spanFrom(this.starts[t] as number) };
      }
      case 'table':
      case 'struct':
        return this.parseTable();
      case 'enum':
      case 'union':
        return this.parseEnum();
      case 'rpc_service':
        return this.parseService();
      case 'root_type': {
        this.next();
        const name = this.parseQName();
        this.expectPunct(';');
        return { kind: 'root_type', name, span: name.span };
      }
      case 'file_identifier':
      case 'file_extension': {
        this.next();
        const s = this.expectString();
        this.expectPunct(';');
        return {
          kind: this.textOf(t) as 'file_identifier' | 'file_extension',
          value: this.textOf(s),
          span: this.span(s),
        };
      }
      case 'attribute': {
        this.next();
        if ((this.kinds[this.pos] as T) !== T.Ident && (this.kinds[this.pos] as T) !== T.String)
          this.unexpected('identifier or string constant');
        const n = this.next();
        this.expectPunct(';');
        return {
          kind: 'attribute',
          name: new NameNode(this.textOf(n), this.file, this.starts[n] as number, this.ends[n] as number),
          span: this.spanFrom(this.starts[t] as number),
        };
      }
      case 'include':
      case 'native_include':
        this.fail('E020', t, 'includes must come before declarations');
      // fallthrough impossible: fail() never returns
      default:
        this.fail('E012', t, `declaration expected, got: ${this.describe(t)}`);
    }
  }

  private parseQName(): QName {
    const first = this.expectIdent();
    if (!(this.codes[this.pos] === 46 /* . */)) return first;
    let text = first.text;
    let last = first;
    while (this.codes[this.pos] === 46 /* . */) {
      this.next();
      last = this.expectIdent();
      text = `${text}.${last.text}`;
    }
    return new NameNode(text, this.file, first.span.start, last.span.end);
  }

  private parseTable(): TableDecl {
    const docs = this.takeDocs();
    const kw = this.next();
    const name = this.expectIdent();
    this.declName = name.text;
    const attributes = this.parseMetadata();
    this.expectPunct('{');
    const fields: FieldDecl[] = [];
    while (!(this.codes[this.pos] === 125 /* } */)) {
      if (this.atEof()) this.unexpected('}');
      const before = this.pos;
      try {
        fields.push(this.simpleField() ?? this.parseField());
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.recoverField(before);
      }
    }
    this.next();
    return {
      kind: this.textOf(kw) as 'table' | 'struct',
      name,
      attributes,
      fields,
      docs,
      span: this.spanFrom(this.starts[kw] as number),
    };
  }

  /**
   * The usual field (`name: T;`, `name: [T];`, `name: T = literal (attrs);`, T a plain name)
   * read straight off the token arrays, producing exactly what parseField() would. Anything else
   * (qualified or fixed-array types, signed or string defaults, calls, doc comments inside the
   * field) is left to parseField(): nothing is consumed then and undefined is returned.
   * Written for a cold start, where each call per token costs more than the token's own work.
   */
  private simpleField(): FieldDecl | undefined {
    const kinds = this.kinds;
    const codes = this.codes;
    const flags = this.flags;
    const starts = this.starts;
    const ends = this.ends;
    const p = this.pos;
    // name ':'
    if ((kinds[p] as T) !== T.Ident || ((flags[p] as number) & HAS_VALUE) !== 0 || codes[p + 1] !== 58)
      return undefined;
    if (((flags[p + 1] as number) & HAS_DOCS) !== 0) return undefined;
    // T or [T], T one plain name
    let q = p + 2;
    const vector = codes[q] === 91; /* [ */
    if (vector) {
      if (((flags[q] as number) & HAS_DOCS) !== 0) return undefined;
      q++;
    }
    const tt = q;
    if (
      (kinds[tt] as T) !== T.Ident ||
      ((flags[tt] as number) & (HAS_VALUE | HAS_DOCS)) !== 0 ||
      codes[tt + 1] === 46 /* . */
    ) {
      return undefined;
    }
    q++;
    if (vector) {
      if (codes[q] !== 93 /* ] */ || ((flags[q] as number) & HAS_DOCS) !== 0) return undefined;
      q++;
    }
    // '=' literal: an unsigned number or a name that is not a call
    let dt = -1;
    if (codes[q] === 61 /* = */) {
      dt = q + 1;
      const k = kinds[dt] as T;
      if (
        (k !== T.Integer && k !== T.Float && k !== T.Ident) ||
        ((flags[q] as number) & HAS_DOCS) !== 0 ||
        ((flags[dt] as number) & (HAS_VALUE | HAS_DOCS)) !== 0
      )
        return undefined;
      if (k === T.Ident && codes[dt + 1] === 40 /* ( */ && starts[dt + 1] === ends[dt]) return undefined;
      q = dt + 1;
    }
    // Committed: the tokens p .. q-1 are consumed.
    const docs = ((flags[p] as number) & HAS_DOCS) === 0 ? NONE : this.takeDocs();
    const file = this.file;
    const nameText = this.identText(p);
    const typeText = this.identText(tt);
    const scalar = SCALARS.get(typeText);
    let type: TypeExpr;
    if (scalar !== undefined) type = new ScalarTypeNode(scalar, file, starts[tt] as number, ends[tt] as number);
    else if (typeText === 'string')
      type = { kind: 'string', span: { file, start: starts[tt] as number, end: ends[tt] as number } };
    else {
      const name = new NameNode(typeText, file, starts[tt] as number, ends[tt] as number);
      type = { kind: 'named', name, span: name };
    }
    if (vector)
      type = {
        kind: 'vector',
        element: type,
        span: { file, start: starts[p + 2] as number, end: ends[tt + 1] as number },
      };
    let def: DefaultExpr | undefined;
    if (dt >= 0) {
      const k = kinds[dt] as T;
      def =
        k === T.Ident
          ? new LiteralNode('ident', this.identText(dt), file, starts[dt] as number, ends[dt] as number)
          : new LiteralNode(
              k === T.Integer ? 'int' : 'float',
              this.src.slice(starts[dt] as number, ends[dt] as number),
              file,
              starts[dt] as number,
              ends[dt] as number,
            );
    }
    this.pos = q;
    this.prevEnd = ends[q - 1] as number;
    this.docsTaken = false;
    const attributes = codes[q] === 40 /* ( */ ? this.parseMetadata() : NONE;
    const t = this.pos;
    if (codes[t] === 59 /* ; */ && this.plain(t)) {
      this.pos = t + 1;
      this.prevEnd = ends[t] as number;
    } else this.expectPunct(';');
    return new FieldNode(nameText, file, starts[p] as number, ends[p] as number, type, def, attributes, docs);
  }

  /** Skip to after the field's `;`, or stop before the body's `}`. */
  private recoverField(before: number): void {
    this.recovering = true;
    try {
      this.skipField(before);
    } finally {
      this.recovering = false;
    }
  }

  private skipField(before: number): void {
    let depth = 0;
    if (this.pos === before) this.next();
    while (!this.atEof()) {
      const t = this.pos;
      if ((this.kinds[t] as T) === T.Punct) {
        if (this.textOf(t) === '(' || this.textOf(t) === '[' || this.textOf(t) === '{') depth++;
        else if (this.textOf(t) === ')' || this.textOf(t) === ']') depth = Math.max(0, depth - 1);
        else if (this.textOf(t) === '}') {
          if (depth === 0) return;
          depth--;
        } else if (this.textOf(t) === ';' && depth === 0) {
          this.next();
          return;
        }
      } else if (
        depth === 0 &&
        (this.kinds[t] as T) === T.Ident &&
        DECL_KEYWORDS.has(this.textOf(t)) &&
        this.atLineStart(t) &&
        (this.kinds[this.peek()] as T) === T.Ident
      ) {
        // A missing `}`: the next declaration starts here.
        throw new Bail();
      }
      this.next();
    }
  }

  private parseField(): FieldDecl {
    const codes = this.codes;
    const ends = this.ends;
    const n = this.pos;
    const docs = ((this.flags[n] as number) & HAS_DOCS) === 0 ? NONE : this.takeDocs();
    if ((this.kinds[n] as T) !== T.Ident) this.unexpected('identifier');
    const nameText = this.identText(n);
    // name ':' (the usual tokens advanced in place; see plain())
    if (n < this.last) {
      this.docsTaken = false;
      this.pos = n + 1;
      this.prevEnd = ends[n] as number;
    }
    let t = this.pos;
    if (codes[t] === 58 /* : */ && this.plain(t)) {
      this.pos = t + 1;
      this.prevEnd = ends[t] as number;
    } else this.expectPunct(':');
    const type = this.parseType();
    let def: DefaultExpr | undefined;
    if (codes[this.pos] === 61 /* = */) {
      this.next();
      def = this.parseDefault();
    }
    const attributes = codes[this.pos] === 40 /* ( */ ? this.parseMetadata() : NONE;
    t = this.pos;
    if (codes[t] === 59 /* ; */ && this.plain(t)) {
      this.pos = t + 1;
      this.prevEnd = ends[t] as number;
      this.docsTaken = false;
    } else this.expectPunct(';');
    return new FieldNode(nameText, this.file, this.starts[n] as number, ends[n] as number, type, def, attributes, docs);
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) this.fail('E013', t, `nesting too deep (more than ${MAX_DEPTH} levels)`);
  }

  private parseType(): TypeExpr {
    const t = this.pos;
    if ((this.kinds[t] as T) === T.Ident) {
      const text = this.identText(t);
      const scalar = SCALARS.get(text);
      if (scalar !== undefined || text === 'string') {
        if (this.plain(t)) {
          this.pos = t + 1;
          this.prevEnd = this.ends[t] as number;
          this.docsTaken = false;
        } else this.next();
        return scalar !== undefined
          ? new ScalarTypeNode(scalar, this.file, this.starts[t] as number, this.ends[t] as number)
          : { kind: 'string', span: this.span(t) };
      }
      const name = this.parseQName();
      return { kind: 'named', name, span: name.span };
    }
    if (this.codes[this.pos] === 91 /* [ */) {
      this.enter(t);
      this.next();
      const element = this.parseType();
      if (this.codes[this.pos] === 58 /* : */) {
        this.next();
        const len = this.pos;
        let length = this.textOf(len);
        if ((this.kinds[len] as T) !== T.Integer) {
          // Reported here; the member is kept (length 1) so the struct is not reported as empty.
          this.reporter.report('E062', this.span(len), 'length of fixed-length array must be an integer value');
          length = '1';
          if ((this.kinds[len] as T) === T.Punct && this.textOf(len) === ']') {
            this.next();
            this.depth--;
            return {
              kind: 'array',
              element,
              length,
              lengthSpan: this.span(len),
              span: this.spanFrom(this.starts[t] as number),
            };
          }
        }
        this.next();
        this.expectPunct(']');
        this.depth--;
        return {
          kind: 'array',
          element,
          length,
          lengthSpan: this.span(len),
          span: this.spanFrom(this.starts[t] as number),
        };
      }
      this.expectPunct(']');
      this.depth--;
      return { kind: 'vector', element, span: this.spanFrom(this.starts[t] as number) };
    }
    if ((this.kinds[t] as T) === T.Eof) this.unexpected('type');
    this.fail('E054', t, `illegal type syntax: ${this.describe(t)}`);
  }

  private parseDefault(): DefaultExpr {
    const t = this.pos;
    if ((this.kinds[t] as T) === T.Punct && (this.textOf(t) === '+' || this.textOf(t) === '-')) {
      // Sign before a name: -inf, -nan, +infinity.
      this.next();
      if ((this.kinds[this.pos] as T) !== T.Ident) this.fail('E072', this.pos, 'constant name expected after sign');
      const id = this.next();
      return {
        kind: 'ident',
        text: this.textOf(t) + this.textOf(id),
        span: { file: this.file, start: this.starts[t] as number, end: this.ends[id] as number },
      };
    }
    switch (this.kinds[t] as T) {
      case T.Integer:
        this.next();
        return new LiteralNode('int', this.textOf(t), this.file, this.starts[t] as number, this.ends[t] as number);
      case T.Float:
        this.next();
        return new LiteralNode('float', this.textOf(t), this.file, this.starts[t] as number, this.ends[t] as number);
      case T.String:
        this.next();
        return new LiteralNode(
          'string',
          this.textOf(t),
          this.file,
          this.starts[t] as number,
          this.ends[t] as number,
          this.trivialOf(t),
        );
      case T.Ident: {
        this.next();
        // flatc treats `name(` as a call only when the parenthesis touches the name.
        const call =
          this.codes[this.pos] === 40 /* ( */ && (this.starts[this.pos] as number) === (this.ends[t] as number);
        if (call && FUNCTIONS.has(this.textOf(t))) {
          this.enter(t);
          this.next();
          const arg = this.parseDefault();
          this.expectPunct(')');
          this.depth--;
          return { kind: 'call', fn: this.textOf(t), arg, span: this.spanFrom(this.starts[t] as number) };
        }
        if (call) this.fail('E072', t, `unknown conversion function: ${this.textOf(t)}`);
        return new LiteralNode('ident', this.textOf(t), this.file, this.starts[t] as number, this.ends[t] as number);
      }
      default:
        if (this.codes[this.pos] === 91 /* [ */) {
          this.next();
          if (!(this.codes[this.pos] === 93 /* ] */)) this.fail('E075', this.pos, 'Expected `]` in vector default');
          this.next();
          return { kind: 'emptyVector', span: this.spanFrom(this.starts[t] as number) };
        }
        this.unexpected('default value');
    }
  }

  private parseMetadata(): readonly Attribute[] {
    if (!(this.codes[this.pos] === 40 /* ( */)) return NONE;
    const out: Attribute[] = [];
    this.next();
    for (;;) {
      const t = this.pos;
      if ((this.kinds[t] as T) !== T.Ident && (this.kinds[t] as T) !== T.String) {
        if ((this.kinds[t] as T) === T.Eof) this.unexpected('attribute name');
        this.fail('E010', t, `attribute name must be either identifier or string: ${this.describe(t)}`);
      }
      this.next();
      const name: Name = new NameNode(this.textOf(t), this.file, this.starts[t] as number, this.ends[t] as number);
      let value: AttrValue | undefined;
      if (this.codes[this.pos] === 58 /* : */) {
        this.next();
        value = this.parseAttrValue();
      }
      out.push({ name, value });
      if (this.codes[this.pos] === 41 /* ) */) {
        this.next();
        break;
      }
      this.expectPunct(',');
    }
    return out;
  }

  private parseAttrValue(): AttrValue {
    let t = this.pos;
    if (
      (this.kinds[t] as T) === T.Punct &&
      (this.textOf(t) === '+' || this.textOf(t) === '-') &&
      (this.kinds[this.peek()] as T) === T.Ident
    ) {
      this.fail('E081', t, 'attribute value must be an integer or a string');
    }
    if ((this.kinds[t] as T) === T.Integer || (this.kinds[t] as T) === T.String) {
      this.next();
      return new LiteralNode(
        (this.kinds[t] as T) === T.Integer ? 'int' : 'string',
        this.textOf(t),
        this.file,
        this.starts[t] as number,
        this.ends[t] as number,
      );
    }
    if ((this.kinds[t] as T) === T.Float) {
      this.next();
      return new LiteralNode('float', this.textOf(t), this.file, this.starts[t] as number, this.ends[t] as number);
    }
    if ((this.kinds[t] as T) === T.Eof) this.unexpected('attribute value');
    t = this.pos;
    this.fail('E081', t, `attribute value must be an integer or a string, got: ${this.describe(t)}`);
  }

  private parseEnum(): EnumDecl {
    const docs = this.takeDocs();
    const kw = this.next();
    const isUnion = this.textOf(kw) === 'union';
    const name = this.expectIdent();
    this.declName = name.text;
    let underlying: TypeExpr | undefined;
    if (this.codes[this.pos] === 58 /* : */) {
      this.next();
      underlying = this.parseType();
    }
    const attributes = this.parseMetadata();
    const brace = this.pos;
    this.expectPunct('{');
    const values: EnumValueDecl[] = [];
    if (!(this.codes[this.pos] === 125 /* } */)) {
      for (;;) {
        values.push(this.parseEnumValue(isUnion));
        if (!(this.codes[this.pos] === 44 /* , */)) break;
        this.next();
        if (this.codes[this.pos] === 125 /* } */) break;
      }
    }
    this.expectPunct('}');
    return {
      kind: isUnion ? 'union' : 'enum',
      name,
      underlying,
      attributes,
      values,
      docs,
      span: this.spanFrom(this.starts[kw] as number),
      bodySpan: this.span(brace),
    };
  }

  private parseEnumValue(isUnion: boolean): EnumValueDecl {
    const docs = this.takeDocs();
    const name = isUnion ? this.parseQName() : this.expectIdent();
    let type: TypeExpr | undefined;
    if (isUnion && this.codes[this.pos] === 58 /* : */) {
      this.next();
      type = this.parseType();
    }
    let value: EnumValueDecl['value'];
    if (this.codes[this.pos] === 61 /* = */) {
      this.next();
      const v = this.pos;
      if ((this.kinds[v] as T) !== T.Integer) this.unexpected('integer constant');
      this.next();
      value = { text: this.textOf(v), span: this.span(v) };
    }
    const attributes = this.parseMetadata();
    return { name, type, value, attributes, docs };
  }

  private parseService(): ServiceDecl {
    const docs = this.takeDocs();
    const kw = this.next();
    const name = this.expectIdent();
    const attributes = this.parseMetadata();
    this.expectPunct('{');
    const methods: MethodDecl[] = [];
    if (this.codes[this.pos] === 125 /* } */)
      this.fail('E051', this.pos, `rpc_service ${name.text} must declare at least one method`);
    do {
      if (this.atEof()) this.unexpected('}');
      const before = this.pos;
      try {
        const mdocs = this.takeDocs();
        const mname = this.expectIdent();
        this.expectPunct('(');
        const request = this.parseQName();
        this.expectPunct(')');
        this.expectPunct(':');
        const response = this.parseQName();
        const mattrs = this.parseMetadata();
        this.expectPunct(';');
        methods.push({ name: mname, request, response, attributes: mattrs, docs: mdocs });
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.recoverField(before);
      }
    } while (!(this.codes[this.pos] === 125 /* } */));
    this.next();
    return { kind: 'service', name, attributes, methods, docs, span: this.spanFrom(this.starts[kw] as number) };
  }
}

function describeToken(kind: T, text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  switch (kind) {
    case T.Ident:
      return shown;
    case T.String:
      return 'string constant';
    case T.Integer:
      return `integer constant ${shown}`;
    case T.Float:
      return `float constant ${shown}`;
    case T.Eof:
      return 'end of file';
    default:
      return text;
  }
}
