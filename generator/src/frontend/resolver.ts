import type {
  Attribute,
  Decl,
  DefaultExpr,
  EnumDecl,
  EnumValueDecl,
  FieldDecl,
  JsonObject,
  JsonValue,
  Name,
  QName,
  ServiceDecl,
  TableDecl,
  TypeExpr,
} from './ast.js';
import type { DiagnosticCode } from './codes.js';
import type { Reporter } from './diagnostics.js';
import {
  fitsInt,
  INT_RANGES,
  intervalString,
  isHexIntLiteral,
  parseFloatLiteral,
  parseIntLiteral,
  type IntKind,
} from './numbers.js';
import type { SourceFile, Span } from './source.js';
import {
  BASE_INDEX,
  elementType,
  inlineAlignment,
  inlineSize,
  INT_KIND,
  isFloat,
  isInteger,
  isScalar,
  isSeries,
  isStruct,
  isUnsigned,
  isVector,
  NO_ATTRS,
  NO_DEFAULT,
  NO_DOCS,
  NO_KEYVALUES,
  paddingBytes,
  qn,
  qualify,
  qualifyWith,
  SCALAR_RTYPES,
  STRING_RTYPE,
  TYPE_NAMES,
  withAttr,
  withoutAttr,
  type AttrVal,
  type Attrs,
  type CallDef,
  type EDef,
  type EVal,
  type FDef,
  type JsonField,
  type MutableTypeRef,
  type RType,
  type SDef,
  type SvcDef,
} from './declarations.js';
import { IrEnumVal, IrField } from './ir-records.js';
import { BUILTIN_TYPE_NAMES } from './parser.js';
import { IndexedTable } from './symbols.js';
import { BASE_SIZE, compareNames, type Extent } from '../ir/model.js';
import type {
  AdvancedFeature,
  BaseType,
  DefaultValue,
  EnumDef,
  EnumVal,
  Field,
  KeyValue,
  Location,
  ObjectDef,
  RpcCall,
  Schema,
  SchemaFile,
  Service,
  Streaming,
  TypeRef,
} from '../ir/model.js';

/**
 * Semantic analysis in flatc's order: files are visited depth-first through their includes, each
 * declaration is checked when it is reached (enums and unions must precede their use, tables may
 * be referenced before they are defined), and the remaining checks run once everything is known.
 */

/** flatc's built-in attributes (idl.h), plus HEAD's offset64/vector64; others must be declared. */
const BUILTIN_ATTRIBUTES = [
  'deprecated',
  'required',
  'key',
  'shared',
  'hash',
  'id',
  'force_align',
  'bit_flags',
  'original_order',
  'nested_flatbuffer',
  'csharp_partial',
  'streaming',
  'idempotent',
  'cpp_type',
  'cpp_ptr_type',
  'cpp_ptr_type_get',
  'cpp_str_type',
  'cpp_str_flex_ctor',
  'native_inline',
  'native_custom_alloc',
  'native_type',
  'native_type_pack_name',
  'native_default',
  'flexbuffer',
  'private',
  'offset64',
  'vector64',
];

/** Whether an earlier method of the same service has this method's name. */
function declaredBefore(methods: ServiceDecl['methods'], m: ServiceDecl['methods'][number]): boolean {
  for (let k = 0; k < methods.length; k++) {
    const x = methods[k] as ServiceDecl['methods'][number];
    if (x === m) return false;
    if (x.name.text === m.name.text) return true;
  }
  return false;
}

/** A `streaming` attribute value; unknown values are "none", as in flatc's gRPC generators (W007). */
function streamingOf(v: string | undefined): Streaming {
  return v === 'client' || v === 'server' || v === 'bidi' ? v : 'none';
}

/** The enum value with this name (a loop, not find(): no closure on a cold path). */
/** A JSON value as flatc names the token it starts with. */
function describeJson(v: JsonValue): string {
  return v.kind === 'object' ? '{' : v.kind === 'array' ? '[' : v.describe;
}
/** The identifiers flatc's ParseFlexBufferValue takes as values. */
const FLEX_WORDS: ReadonlySet<string> = new Set(['true', 'false', 'null', 'inf', 'infinity', 'nan']);
function valueNamed(vals: readonly EVal[], name: string): EVal | undefined {
  for (let k = 0; k < vals.length; k++) if ((vals[k] as EVal).name === name) return vals[k];
  return undefined;
}
function hasValue(vals: readonly EVal[], v: bigint): boolean {
  for (let k = 0; k < vals.length; k++) if ((vals[k] as EVal).value === v) return true;
  return false;
}

function isSortedByValue(vals: readonly EVal[]): boolean {
  for (let i = 1; i < vals.length; i++) {
    const a = vals[i - 1] as EVal;
    const b = vals[i] as EVal;
    if (a.value > b.value || (a.value === b.value && a.name > b.name)) return false;
  }
  return true;
}
/** Generated accessor suffixes per kind (flatc's CheckClash). */
interface ClashRule {
  readonly suffix: string;
  readonly applies: (t: RType) => boolean;
}
const CLASH_RULES: readonly ClashRule[] = [
  { suffix: '_type', applies: (t) => t.base === 'Union' },
  { suffix: 'Type', applies: (t) => t.base === 'Union' },
  { suffix: '_length', applies: (t) => isVector(t) },
  { suffix: 'Length', applies: (t) => isVector(t) },
  { suffix: '_byte_vector', applies: (t) => t.base === 'String' },
  { suffix: 'ByteVector', applies: (t) => t.base === 'String' },
];
function isLowerSnakeCase(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

export interface ResolveContext {
  readonly mainFile: SourceFile;
  /** Canonical path of the main file. */
  readonly mainPath: string;
  readonly relativeName: (path: string) => string;
  /** False for validation only: the IR is not built. */
  readonly buildIr: boolean;
}

export interface FinishInput {
  /** Direct includes of every file read, by canonical path, in flatc's order. */
  readonly fileIncludes: ReadonlyMap<string, readonly string[]>;
  readonly nativeIncludes: readonly string[];
  /**
   * After syntax errors, declarations may be missing; "referenced but not defined" would then be
   * a cascade of the syntax error rather than an independent error.
   */
  readonly suppressUndefined: (name: string) => boolean;
}

/** Fed one declaration at a time in flatc's order (`beginFile`, `declare`), then `finish()`. */
export class Resolver {
  private readonly structs = new IndexedTable<SDef>();
  private readonly structList: SDef[] = [];
  private readonly enums = new IndexedTable<EDef>();
  private readonly enumList: EDef[] = [];
  private readonly types = new Set<string>();
  private readonly services = new Map<string, SvcDef>();
  private readonly known = new Set<string>(BUILTIN_ATTRIBUTES);
  private readonly features = new Set<AdvancedFeature>();
  private ns: readonly string[] = [];
  /** The current namespace joined with dots ('' for the global one). */
  private nsName = '';
  /** `a.b.c`, `a.b`, `a` for namespaces of usual depth; undefined for absurdly deep ones. */
  private nsEnclosing: readonly string[] | undefined = [];
  private setNamespace(parts: readonly string[]): void {
    this.ns = parts;
    this.nsName = parts.join('.');
    this.nsEnclosing = parts.length > 32 ? undefined : parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
  }
  private root: SDef | undefined;
  private fileIdent = '';
  private fileExt = '';
  private declFile = '';
  /** Services whose request/response checks must wait until every type is defined. */
  private readonly pendingCalls: CallDef[] = [];
  /** Request and response types not yet defined when their service was declared. */
  private readonly forwardCallTypes: { readonly sd: SDef; readonly q: QName }[] = [];

  constructor(
    private readonly ctx: ResolveContext,
    private readonly rep: Reporter,
  ) {}

  private err(code: DiagnosticCode, span: Span, message: string): void {
    this.rep.report(this.jsonCode ?? code, span, message);
  }
  /** Set while a JSON scalar is checked with the default-value code: its diagnostics are E015. */
  private jsonCode: DiagnosticCode | undefined;

  /** `realPath`: the file's canonical path, which reflection names are relative to. */
  beginFile(realPath: string): void {
    this.declFile = this.ctx.relativeName(realPath);
    // Each file starts in the global namespace; root_type/file_identifier/file_extension of an
    // included file are not inherited (flatc resets them after every include).
    this.setNamespace([]);
    this.root = undefined;
    this.fileIdent = '';
    this.fileExt = '';
  }

  /** Keep each table's field names and types from now on: a file holds JSON data (checkJsonObject). */
  private jsonFields = false;
  keepJsonFields(): void {
    this.jsonFields = true;
  }

  declare(d: Decl): void {
    switch (d.kind) {
      case 'namespace':
        this.setNamespace(d.parts.map((p) => p.text));
        break;
      case 'table':
      case 'struct':
        this.declareTable(d);
        break;
      case 'enum':
      case 'union':
        this.declareEnum(d);
        break;
      case 'service':
        this.declareService(d);
        break;
      case 'root_type':
        this.setRoot(d.name);
        break;
      case 'file_identifier':
        if (Buffer.byteLength(d.value, 'utf8') !== 4) {
          this.err('E053', d.span, 'file_identifier must be exactly 4 characters');
        }
        this.fileIdent = d.value;
        break;
      case 'file_extension':
        this.fileExt = d.value;
        break;
      case 'attribute':
        this.known.add(d.name.text);
        break;
      case 'json':
        if (this.root) this.checkJsonObject(d.value, this.root);
        else this.err('E014', d.span, 'no root type set to parse json with');
        break;
    }
  }

  // ------------------------------------------------------------ JSON data after the schema

  /**
   * flatc parses a JSON object after the schema as data of the root type (`ParseTable`); a schema
   * whose data does not fit is rejected. The same checks of structure and names are made here:
   * unknown and repeated fields, missing required fields, incomplete structs, the kind of each
   * value (object, array, string, scalar), union type fields and ids, vectors of unions, array
   * lengths, tables and structs written as arrays of their fields, nested_flatbuffer objects and
   * flexbuffer data. Scalar ranges and enum value names of ordinary fields are not checked
   * (docs/conformance.md, "flatc 2.0.8's messages, one by one"). The parser limits nesting (E013).
   */
  private checkJsonObject(obj: JsonObject, sd: SDef): void {
    const list = this.jsonFieldsOf(sd);
    if (list === undefined) return;
    const fields = new Map<string, JsonField>();
    for (const f of list) fields.set(f.name, f);
    const given = new Map<string, JsonValue>();
    const entries = obj.entries;
    for (let k = 0; k < entries.length; k++) {
      const { key, value } = entries[k]!;
      const f = fields.get(key.text);
      if (!f) {
        this.err('E015', key.span, `unknown field: ${key.text}`);
        continue;
      }
      if (given.has(f.name)) {
        this.err('E015', key.span, `field set more than once: ${key.text}`);
        continue;
      }
      given.set(f.name, value);
      if (f.type.base === 'Union') {
        // flatc looks for the type field among the fields before, or as the very next one.
        const typeName = `${f.name}_type`;
        const next = entries[k + 1];
        const tag = given.get(typeName) ?? (next?.key.text === typeName ? next.value : undefined);
        if (tag === undefined) {
          this.err('E015', key.span, `missing type field for this union value: ${f.name}`);
          continue;
        }
        this.checkJsonUnionValue(f, tag, value);
        continue;
      }
      if (f.type.base === 'Vector' && f.type.element === 'Union') {
        // A vector of unions: its types must come first (flatc does not look ahead here).
        const tags = given.get(`${f.name}_type`);
        if (tags === undefined) this.err('E015', key.span, `missing type field for this union value: ${f.name}`);
        else if (value.kind !== 'array')
          this.err('E015', value.span, `expecting: [ instead got: ${describeJson(value)}`);
        else if (tags.kind === 'array') {
          for (let i = 0; i < value.items.length; i++) {
            const tag = tags.items[i];
            if (tag === undefined) {
              const at = (value.items[i] as JsonValue).span;
              this.err('E015', at, `union types vector smaller than union values vector for: ${f.name}`);
              break;
            }
            this.checkJsonUnionValue(f, tag, value.items[i] as JsonValue);
          }
        }
        continue;
      }
      this.checkJsonField(f, value);
    }
    if (sd.fixed) {
      if (given.size !== list.length)
        this.err('E015', obj.close, `struct: wrong number of initializers: ${sd.shortName}`);
      return;
    }
    for (const f of list) {
      if (f.required && !f.deprecated && !given.has(f.name))
        this.err('E015', obj.close, `required field is missing: ${f.name} in ${sd.shortName}`);
    }
  }

  /** What JSON data needs of `sd`'s fields; undefined for an undefined type (reported on its own). */
  private jsonFieldsOf(sd: SDef): readonly JsonField[] | undefined {
    if (sd.predecl) return undefined;
    // Field records are recycled once a table is declared; `jsonFields` keeps what JSON needs
    // (see keepJsonFields). Without it (a JSON object in a file entered after the type's
    // declaration: an include declared earlier), the fields are not checked.
    return sd.jsonFields ?? (sd.fields.length > 0 ? sd.fields.map((f) => this.jsonField(f)) : undefined);
  }

  private jsonField(f: FDef): JsonField {
    const nested = f.attrs.get('nested_flatbuffer');
    return {
      name: f.name,
      type: f.type,
      required: f.required,
      deprecated: f.deprecated,
      optional: f.optional,
      flexbuffer: f.attrs.has('flexbuffer'),
      nested:
        nested?.kind === 'string' && f.type.base === 'Vector' && f.type.element === 'UByte'
          ? this.lookupCreateStruct(nested.value, nested.span, true)
          : undefined,
    };
  }

  /** A field's value: FlexBuffers data, a nested root object, or a value of the field's type. */
  private checkJsonField(f: JsonField, value: JsonValue): void {
    if (f.flexbuffer) this.checkFlexValue(value);
    else if (f.nested) {
      if (value.kind === 'object') this.checkJsonObject(value, f.nested);
      else if (value.kind === 'array')
        this.err('E015', value.span, 'cannot parse nested_flatbuffer as bytes unless --json-nested-bytes is set');
      else this.err('E015', value.span, `expecting: { instead got: ${describeJson(value)}`);
    } else if (!(f.optional && value.kind === 'atom' && value.token === 'ident' && value.text === 'null'))
      this.checkJsonValue(value, f.type, f.type.base, f.name);
  }

  /** A union value given its type field's value (a member name or number). */
  private checkJsonUnionValue(f: JsonField, tag: JsonValue, value: JsonValue): void {
    const ed = f.type.enumDef;
    if (!ed || tag.kind !== 'atom') return; // a wrong tag is reported with the type field
    let member: EVal | undefined;
    if (tag.token === 'ident') member = valueNamed(ed.vals, tag.text);
    else if (tag.token === 'integer') {
      let v: bigint | undefined;
      try {
        v = BigInt(tag.text);
      } catch {
        return;
      }
      member = ed.vals.find((m) => m.value === v);
      if (!member) {
        this.err('E015', value.span, `illegal type id for: ${f.name}`);
        return;
      }
    } else return;
    if (!member) return; // unknown name: reported with the type field
    if (member.value === 0n) this.err('E015', value.span, `illegal type id for: ${f.name}`);
    else if (member.unionType) this.checkJsonValue(value, member.unionType, member.unionType.base, f.name);
  }

  /** JSON data of a `flexbuffer` field, as flatc's ParseFlexBufferValue reads it. */
  private checkFlexValue(v: JsonValue): void {
    if (v.kind === 'object') {
      const keys = new Set<string>();
      let dup = false;
      for (const e of v.entries) {
        if (keys.has(e.key.text)) dup = true;
        keys.add(e.key.text);
        this.checkFlexValue(e.value);
      }
      if (dup) this.err('E015', v.close, 'FlexBuffers map has duplicate keys');
    } else if (v.kind === 'array') {
      for (const item of v.items) this.checkFlexValue(item);
    } else if (v.token === 'ident') {
      if (/^[+-]/.test(v.text)) {
        if (!/^[+-](?:inf|infinity|nan)$/i.test(v.text))
          this.err('E015', v.span, `unexpected floating-point constant: ${v.text}`);
      } else if (!FLEX_WORDS.has(v.text)) this.err('E015', v.span, `cannot parse value starting with: ${v.text}`);
    }
  }

  /** A table or struct written as an array of its field values, in declaration order. */
  private checkJsonFieldArray(v: JsonValue & { kind: 'array' }, sd: SDef): void {
    const list = this.jsonFieldsOf(sd);
    if (list === undefined) return;
    for (let i = 0; i < v.items.length; i++) {
      const f = list[i];
      const item = v.items[i] as JsonValue;
      if (!f) {
        this.err('E015', item.span, 'too many unnamed fields in nested array');
        return;
      }
      if (f.type.base === 'Union' || f.type.element === 'Union') continue; // types are positional: not checked
      this.checkJsonField(f, item);
    }
    if (v.items.length !== list.length) this.err('E015', v.span, 'wrong number of unnamed fields in table vector');
  }

  /** `base`: the type of the value (the element type inside a vector or array); `name`: the field's. */
  private checkJsonValue(v: JsonValue, t: RType, base: BaseType, name: string): void {
    const got = describeJson(v);
    switch (base) {
      case 'Vector':
      case 'Vector64':
      case 'Array':
        if (v.kind !== 'array') this.err('E015', v.span, `expecting: [ instead got: ${got}`);
        else {
          for (const item of v.items) this.checkJsonValue(item, t, t.element, name);
          if (base === 'Array' && v.items.length !== t.fixedLength)
            this.err('E015', v.span, 'Fixed-length array size is incorrect.');
        }
        return;
      case 'Obj':
        if (v.kind === 'array' && t.struct) this.checkJsonFieldArray(v, t.struct);
        else if (v.kind !== 'object') this.err('E015', v.span, `expecting: { instead got: ${got}`);
        else if (t.struct) this.checkJsonObject(v, t.struct);
        return;
      case 'String':
        if (v.kind !== 'atom' || v.token !== 'string')
          this.err('E015', v.span, `expecting: string constant instead got: ${got}`);
        return;
      case 'Union':
        return; // only in vectors of unions: checked with their types (checkJsonObject)
      case 'UType':
        if (v.kind === 'atom' && v.token === 'ident' && t.enumDef && !valueNamed(t.enumDef.vals, v.text))
          this.err('E015', v.span, `unknown enum value: ${v.text}`);
        else if (v.kind !== 'atom')
          this.err(
            'E015',
            v.span,
            `Cannot assign token starting with '${got}' to value of <${TYPE_NAMES.UType}> type.`,
          );
        return;
      default:
        if (v.kind !== 'atom')
          this.err(
            'E015',
            v.span,
            `Cannot assign token starting with '${got}' to value of <${TYPE_NAMES[base]}> type.`,
          );
        else this.checkJsonScalar(v, base === t.base ? t : { ...t, base }, name);
    }
  }

  /** A scalar in JSON data: flatc's ParseSingleValue, as for a default (scalarValue), reported as E015. */
  private checkJsonScalar(v: JsonValue & { kind: 'atom' }, t: RType, name: string): void {
    const expr: DefaultExpr =
      v.token === 'string'
        ? { kind: 'string', text: v.text, trivial: v.trivial, span: v.span }
        : { kind: v.token === 'integer' ? 'int' : v.token, text: v.text, span: v.span };
    this.jsonCode = 'E015';
    try {
      const value = this.scalarValue(expr, t, name);
      // `null` is a value only for an optional scalar (checkJsonField); flatc reads it as a number.
      if (value?.kind === 'null') this.err('E015', v.span, 'invalid number: "null"');
    } finally {
      this.jsonCode = undefined;
    }
  }

  finish(input: FinishInput): Schema | undefined {
    this.finalChecks(input.suppressUndefined);
    return this.ctx.buildIr ? this.build(input) : undefined;
  }

  // ------------------------------------------------------------ lookup (flatc's rules)

  private lookupByName<V>(table: IndexedTable<V>, name: string): V | undefined {
    // Current namespace, then each enclosing one, then global; sibling namespaces never.
    return table.lookupFrom(this.nsName, name, this.nsEnclosing);
  }

  private lookupCreateStruct(name: string, span: Span, create: boolean): SDef | undefined {
    if (!create && !this.structs.mayHave(name)) return undefined;
    let sd = this.structs.get(name);
    if (sd?.predecl) return sd;
    sd = this.structs.getIn(this.nsName, name);
    if (sd?.predecl) return sd;
    if (!sd) sd = this.lookupByName(this.structs, name);
    if (!sd && create) {
      // A forward reference: registered under the name as written, bound by the later definition.
      sd = {
        uid: this.uids++,
        shortName: name,
        ns: this.ns,
        predecl: true,
        fixed: false,
        fields: [],
        fieldNames: undefined,
        minalign: 1,
        bytesize: 0,
        hasKey: false,
        attrs: NO_ATTRS,
        docs: NO_DOCS,
        span,
        firstRef: span,
        declFile: '',
      };
      this.structs.set(name, sd);
      this.structList.push(sd);
    }
    return sd;
  }

  private defineStruct(name: Name): SDef | undefined {
    const qualified = qualifyWith(this.nsName, name.text);
    let sd = this.structs.get(name.text);
    if (sd?.predecl) {
      this.structs.delete(name.text);
      this.structs.set(qualified, sd);
    } else {
      sd = this.structs.getIn(this.nsName, name.text);
      if (sd && !sd.predecl) {
        this.err('E032', name.span, `datatype already exists: ${qualified}`);
        return undefined;
      }
      if (!sd) {
        sd = {
          uid: this.uids++,
          shortName: name.text,
          ns: this.ns,
          predecl: true,
          fixed: false,
          fields: [],
          fieldNames: undefined,
          minalign: 1,
          bytesize: 0,
          hasKey: false,
          attrs: NO_ATTRS,
          docs: NO_DOCS,
          span: name.span,
          firstRef: name.span,
          declFile: '',
        };
        this.structs.set(qualified, sd);
        this.structList.push(sd);
      }
    }
    sd.ns = this.ns;
    sd.shortName = name.text;
    sd.qname = qualified;
    sd.span = name.span;
    sd.declFile = this.declFile;
    return sd;
  }

  // ------------------------------------------------------------ attributes

  private parseMetadata(list: readonly Attribute[]): Attrs {
    if (list.length === 0) return NO_ATTRS;
    const attrs = new Map<string, AttrVal>();
    for (let k = 0; k < list.length; k++) {
      const a = list[k] as Attribute;
      if (!this.known.has(a.name.text)) {
        this.err('E080', a.name.span, `user define attributes must be declared before use: ${a.name.text}`);
        continue;
      }
      let v: AttrVal;
      if (a.value === undefined) v = { value: '0', kind: 'flag', span: a.name.span, nameSpan: a.name.span };
      else if (a.value.kind === 'float') {
        this.err(
          'E081',
          a.value.span,
          `attribute value must be an integer or a string: ${a.name.text}: ${a.value.text}`,
        );
        continue;
      } else v = { value: a.value.text, kind: a.value.kind, span: a.value.span, nameSpan: a.name.span };
      if (attrs.has(a.name.text)) {
        this.err('W003', a.name.span, `attribute already found: ${a.name.text}`);
        continue;
      }
      attrs.set(a.name.text, v);
    }
    return attrs;
  }

  // ------------------------------------------------------------ types

  private resolveType(t: TypeExpr): RType | undefined {
    switch (t.kind) {
      case 'scalar':
        return SCALAR_RTYPES[t.scalar] as RType;
      case 'string':
        return STRING_RTYPE;
      case 'named': {
        const e = this.lookupByName(this.enums, t.name.text);
        if (e) {
          if (e.isUnion) return { base: 'Union', element: 'None', enumDef: e, fixedLength: 0 };
          return { base: e.underlying.base, element: 'None', enumDef: e, fixedLength: 0 };
        }
        const sd = this.lookupCreateStruct(t.name.text, t.name.span, true) as SDef;
        return { base: 'Obj', element: 'None', struct: sd, fixedLength: 0 };
      }
      case 'vector':
      case 'array': {
        const sub = this.resolveType(t.element);
        if (!sub) return undefined;
        if (isSeries(sub)) {
          this.err('E040', t.element.span, 'nested vector types not supported (wrap in table first)');
          return undefined;
        }
        if (t.kind === 'vector') {
          return { base: 'Vector', element: sub.base, struct: sub.struct, enumDef: sub.enumDef, fixedLength: 0 };
        }
        const len = parseIntLiteral(t.length);
        if (len === undefined || len < 1n || len > 65535n) {
          this.err('E062', t.lengthSpan, 'length of fixed-length array must be positive and fit to uint16_t type');
          return undefined;
        }
        return { base: 'Array', element: sub.base, struct: sub.struct, enumDef: sub.enumDef, fixedLength: Number(len) };
      }
    }
  }

  // ------------------------------------------------------------ tables and structs

  private declareTable(d: TableDecl): void {
    const sd = this.defineStruct(d.name);
    const fixed = d.kind === 'struct';
    // A duplicate still gets its body checked, against a throwaway definition.
    const def: SDef = sd ?? {
      uid: this.uids++,
      shortName: d.name.text,
      ns: this.ns,
      predecl: false,
      fixed,
      fields: [],
      fieldNames: undefined,
      minalign: 1,
      bytesize: 0,
      hasKey: false,
      attrs: NO_ATTRS,
      docs: NO_DOCS,
      span: d.name.span,
      firstRef: d.name.span,
      declFile: this.declFile,
    };
    def.predecl = false;
    def.fixed = fixed;
    def.docs = d.docs;
    def.extent = d.span;
    def.attrs = this.parseMetadata(d.attributes);
    const fields = d.fields;
    for (let k = 0; k < fields.length; k++) this.declareField(def, fields[k] as FieldDecl);
    if (fixed) {
      const fa = def.attrs.get('force_align');
      if (fa) {
        const align = fa.kind === 'string' || fa.kind === 'int' ? parseIntLiteral(fa.value) : undefined;
        if (align === undefined || align < BigInt(def.minalign) || align > 32n || (align & (align - 1n)) !== 0n) {
          this.err(
            'E065',
            fa.span,
            `force_align must be a power of two integer ranging from the struct's natural alignment ${def.minalign} to 32`,
          );
        } else def.minalign = Number(align);
      }
      if (def.bytesize === 0 && d.fields.length === 0) this.err('E048', d.name.span, 'size 0 structs not allowed');
    }
    this.padLastField(def, def.minalign);
    if (!fixed) this.assignIds(def);
    this.checkClashes(def);
    if (sd) {
      if (this.ctx.buildIr) sd.ir = this.objectIR(sd);
      if (this.jsonFields) {
        sd.jsonFields = sd.fields.map((f) => this.jsonField(f));
      }
      // Later declarations only need the layout (size, alignment), not the field records: these
      // are recycled for the next table (they are the front end's most numerous temporaries).
      for (let k = 0; k < sd.fields.length; k++) this.fdefPool.push(sd.fields[k] as FDef);
      sd.fields = [];
      sd.fieldNames = undefined;
      const q = qualifyWith(this.nsName, d.name.text);
      if (this.types.has(q)) this.err('E032', d.name.span, `datatype already exists: ${q}`);
      this.types.add(q);
    }
  }

  private padLastField(sd: SDef, align: number): void {
    const pad = paddingBytes(sd.bytesize, align);
    sd.bytesize += pad;
    const last = sd.fields[sd.fields.length - 1];
    if (last) last.padding = pad;
  }

  private addField(sd: SDef, name: string, type: RType, span: Span, synthetic: boolean): FDef | undefined {
    if (this.fieldByName(sd, name) !== undefined) {
      this.err('E033', span, `field already exists: ${name}`);
      return undefined;
    }
    // The vtable (4 + 2·N bytes) must fit its 16-bit size field: at most 32765 fields.
    // flatc 2.0.8 does not limit it (its voffsets then wrap around): a warning, once per table;
    // `generate` refuses the table (codegen/plan.ts).
    if (!sd.fixed && sd.fields.length === 32765) {
      this.err('W012', span, 'too many fields in table: the vtable would overflow (voffsets past 65535)');
    }
    let f = this.fdefPool.pop();
    if (f === undefined) {
      f = {
        name,
        type,
        offset: 4 + 2 * sd.fields.length,
        padding: 0,
        def: NO_DEFAULT,
        deprecated: false,
        required: false,
        key: false,
        optional: false,
        attrs: NO_ATTRS,
        docs: NO_DOCS,
        span,
        synthetic,
        partner: undefined,
      };
    } else {
      f.name = name;
      f.type = type;
      f.offset = 4 + 2 * sd.fields.length;
      f.padding = 0;
      f.def = NO_DEFAULT;
      f.deprecated = false;
      f.required = false;
      f.key = false;
      f.optional = false;
      f.attrs = NO_ATTRS;
      f.docs = NO_DOCS;
      f.span = span;
      f.synthetic = synthetic;
      f.partner = undefined;
    }
    if (sd.fixed) {
      const size = inlineSize(type);
      const align = inlineAlignment(type);
      sd.minalign = Math.max(sd.minalign, align);
      this.padLastField(sd, align);
      f.offset = sd.bytesize;
      sd.bytesize += size;
    }
    sd.fields.push(f);
    if (sd.fieldNames !== undefined) sd.fieldNames.set(name, f);
    else if (sd.fields.length > 16) sd.fieldNames = new Map(sd.fields.map((x) => [x.name, x]));
    return f;
  }

  /** Small tables are scanned; large ones get a name index (fuzzed inputs have 100k fields). */
  private fieldByName(sd: SDef, name: string): FDef | undefined {
    if (sd.fieldNames !== undefined) return sd.fieldNames.get(name);
    const fields = sd.fields;
    for (let k = 0; k < fields.length; k++) if ((fields[k] as FDef).name === name) return fields[k];
    return undefined;
  }

  private declareField(sd: SDef, d: FieldDecl): void {
    const name = d.name.text;
    // (a field name has no dots: the index of last name parts answers most names at once)
    if (this.structs.hasLastPart(name) && this.lookupCreateStruct(name, d.name.span, false)) {
      this.err('E039', d.name.span, `field name can not be the same as table/struct name: ${name}`);
    }
    if (!isLowerSnakeCase(name) && /^[A-Za-z0-9_]+$/.test(name)) {
      // (names with illegal characters were already reported by the lexer)
      this.err('W001', d.name.span, `field names should be lowercase snake_case, got: ${name}`);
    }
    const te = d.type;
    const type =
      te.kind === 'scalar'
        ? (SCALAR_RTYPES[te.scalar] as RType)
        : te.kind === 'string'
          ? STRING_RTYPE
          : this.resolveType(te);
    if (!type) return;

    if (sd.fixed) {
      const inner = type.base === 'Array' ? elementType(type) : type;
      if (inner.base === 'Obj' && inner.struct && inner.struct.predecl) {
        this.err('E047', d.type.span, `Incomplete type in struct is not allowed, type name: ${inner.struct.shortName}`);
        return;
      }
      if (inner.base === 'Obj' && inner.struct === sd) {
        // flatc 2.0.8 accepts it and lays the member out with the size seen so far; current flatc
        // rejects it. A warning here; `generate` refuses the struct (codegen/plan.ts).
        this.err(
          'W011',
          d.type.span,
          `struct ${sd.shortName} contains itself (flatc 2.0.8 lays it out with the size seen so far, ${sd.bytesize} bytes; current flatc rejects it)`,
        );
      }
      const valid =
        isScalar(type.base) || isStruct(type) || (type.base === 'Array' && (isScalar(inner.base) || isStruct(inner)));
      if (!valid) {
        const union = type.base === 'Union' || type.element === 'Union';
        const arrayElem = d.type.kind === 'array' ? d.type.element.span : d.type.span;
        this.err(
          union ? 'E049' : type.base === 'Array' ? 'E050' : 'E042',
          type.base === 'Array' ? arrayElem : d.type.span,
          union
            ? 'structs may contain only scalar or struct fields (a union may only be a table field)'
            : 'structs may contain only scalar or struct fields',
        );
        return;
      }
    } else if (type.base === 'Array') {
      this.err('E041', d.type.span, 'fixed-length array in table must be wrapped in struct');
      return;
    }
    if (type.base === 'Array') this.features.add('AdvancedArrayFeatures');

    let typefield: FDef | undefined;
    if (type.base === 'Union') {
      const ut = type.enumDef?.underlying as RType;
      // Always UType, whatever the union's underlying type (as current flatc).
      typefield = this.addField(sd, `${name}_type`, { ...ut, base: 'UType', enumDef: type.enumDef }, d.name.span, true);
      if (!typefield) return;
    } else if (isVector(type) && type.element === 'Union') {
      this.features.add('AdvancedUnionFeatures');
      typefield = this.addField(
        sd,
        `${name}_type`,
        { base: 'Vector', element: 'UType', enumDef: type.enumDef, fixedLength: 0 },
        d.name.span,
        true,
      );
      if (!typefield) return;
    }
    const field = this.addField(sd, name, type, d.name.span, false);
    if (!field) return;
    if (typefield) {
      typefield.partner = field;
      field.partner = typefield;
    }

    if (d.default) this.fieldDefault(sd, field, d.default);

    field.docs = d.docs;
    field.attrs = d.attributes.length === 0 ? NO_ATTRS : this.parseMetadata(d.attributes);
    // Most fields have no attributes: their checks are skipped as a whole (a cold start pays
    // for every Map lookup).
    if (field.attrs.size === 0) {
      const defStrOrVec =
        (type.base === 'String' || isVector(type)) && (field.def.kind === 'string' || field.def.kind === 'emptyVector');
      field.optional = sd.fixed ? false : isScalar(type.base) ? field.def.kind === 'null' : !defStrOrVec;
      if (field.def.kind === 'null') {
        this.features.add('OptionalScalars');
        if (sd.fixed) this.err('E096', field.span, 'Optional scalars are not supported in structs.');
      }
      if (type.enumDef && type.base !== 'Union' && !isSeries(type)) this.checkEnumDefault(field, type.enumDef, d);
      if (typefield && isVector(typefield.type)) typefield.optional = field.optional;
      return;
    }
    this.fieldAttributes(sd, field, typefield, type, d);
  }

  /** The checks and effects of a field's attributes (id, key, required, deprecated, hash, ...). */
  private fieldAttributes(sd: SDef, field: FDef, typefield: FDef | undefined, type: RType, d: FieldDecl): void {
    const name = field.name;
    // (no closure over `field`: it would allocate a context on every call)
    const attrs = field.attrs;
    field.deprecated = attrs.get('deprecated') !== undefined;

    const hash = attrs.get('hash');
    if (hash) this.checkHash(type, hash);

    field.key = attrs.get('key') !== undefined;
    const required = attrs.get('required') !== undefined || (type.base === 'String' && field.key);
    const defStrOrVec =
      (type.base === 'String' || isVector(type)) && (field.def.kind === 'string' || field.def.kind === 'emptyVector');
    const optional = sd.fixed ? false : isScalar(type.base) ? field.def.kind === 'null' : !(required || defStrOrVec);
    if (required && optional && isScalar(type.base)) {
      this.err('E076', (attrs.get('required') as AttrVal).nameSpan, 'Fields cannot be both optional and required.');
    }
    field.required = required;
    field.optional = optional;
    if (attrs.get('required') && (sd.fixed || isScalar(type.base)) && !(optional && isScalar(type.base))) {
      this.err(
        'E082',
        (attrs.get('required') as AttrVal).nameSpan,
        "only non-scalar fields in tables may be 'required'",
      );
    }
    if (field.key) {
      const k = attrs.get('key') as AttrVal;
      if (sd.hasKey) this.err('E084', k.nameSpan, "only one field may be set as 'key'");
      sd.hasKey = true;
      let valid = isScalar(type.base) || type.base === 'String' || isStruct(type);
      if (type.base === 'Array') valid = isScalar(type.element) || isStruct(elementType(type));
      if (!valid)
        this.err('E083', k.nameSpan, "'key' field must be string, scalar type or fixed size array of scalars");
      else if (field.def.kind === 'null') this.err('E083', k.nameSpan, "'key' field may not be an optional scalar");
    }
    if (field.def.kind === 'null') {
      this.features.add('OptionalScalars');
      if (sd.fixed) this.err('E096', field.span, 'Optional scalars are not supported in structs.');
    }
    if (type.enumDef && type.base !== 'Union' && !isSeries(type)) this.checkEnumDefault(field, type.enumDef, d);
    if (field.deprecated && sd.fixed) {
      this.err('E092', (attrs.get('deprecated') as AttrVal).nameSpan, "can't deprecate fields in a struct");
    }
    const cppType = attrs.get('cpp_type');
    if (cppType) {
      if (!hash) this.err('E094', cppType.nameSpan, 'cpp_type can only be used with a hashed field');
      else if (!attrs.get('cpp_ptr_type')) {
        // flatc records the implied pointer type; the reflection output shows it.
        field.attrs = withAttr(field.attrs, 'cpp_ptr_type', {
          value: 'naked',
          kind: 'string',
          span: cppType.span,
          nameSpan: cppType.nameSpan,
        });
      }
    }
    const shared = attrs.get('shared');
    if (shared && type.base !== 'String') this.err('E086', shared.nameSpan, 'shared can only be defined on strings');
    const nca = attrs.get('native_custom_alloc');
    if (nca) this.err('E095', nca.nameSpan, 'native_custom_alloc can only be used with a table or struct definition');
    const ni = attrs.get('native_inline');
    if (ni && !isStruct(type) && !(isVector(type) && type.element === 'Obj')) {
      this.err(
        'E093',
        ni.nameSpan,
        "'native_inline' can only be defined on structs, vector of structs or vector of tables",
      );
    }
    const nested = attrs.get('nested_flatbuffer');
    if (nested) {
      if (nested.kind !== 'string')
        this.err('E087', nested.span, 'nested_flatbuffer attribute must be a string (the root type)');
      else if (type.base !== 'Vector' || type.element !== 'UByte') {
        this.err('E087', nested.nameSpan, 'nested_flatbuffer attribute may only apply to a vector of ubyte');
      } else this.lookupCreateStruct(nested.value, nested.span, true);
    }
    const flex = attrs.get('flexbuffer');
    if (flex && (type.base !== 'Vector' || type.element !== 'UByte')) {
      this.err('E088', flex.nameSpan, 'flexbuffer attribute may only apply to a vector of ubyte');
    }
    const v64 = attrs.get('vector64');
    if (v64) {
      if (type.base !== 'Vector') this.err('E098', v64.nameSpan, "'vector64' may only apply to a vector");
      else field.type = { ...type, base: 'Vector64' };
    }
    const o64 = attrs.get('offset64');
    if (o64 && type.base !== 'Vector' && type.base !== 'String') {
      this.err('E098', o64.nameSpan, "'offset64' may only apply to a vector or a string");
    }
    if (typefield) {
      const id = attrs.get('id');
      if (id) {
        const v = parseIntLiteral(id.value);
        if (v !== undefined && v > 0n && v <= 65535n) {
          typefield.attrs = withAttr(typefield.attrs, 'id', {
            value: String(v - 1n),
            kind: id.kind,
            span: id.span,
            nameSpan: id.nameSpan,
          });
        } else {
          this.err(
            'E090',
            id.span,
            `a union type effectively adds two fields with non-negative ids, its id must be that of the second field (the first field is the type field and not explicitly declared in the schema); field: ${name}, id: ${id.value}`,
          );
          field.attrs = withoutAttr(field.attrs, 'id');
        }
      }
      if (field.deprecated) typefield.deprecated = true;
      // The hidden type vector of a union vector shares the union vector's presence (flatc).
      if (isVector(typefield.type)) {
        typefield.required = field.required;
        typefield.optional = field.optional;
      }
    }
  }

  private checkHash(type: RType, hash: AttrVal): void {
    const b = isVector(type) ? type.element : type.base;
    const bits =
      b === 'Short' || b === 'UShort' ? 16 : b === 'Int' || b === 'UInt' ? 32 : b === 'Long' || b === 'ULong' ? 64 : 0;
    if (bits === 0) {
      this.err('E085', hash.nameSpan, 'only short, ushort, int, uint, long and ulong data types support hashing.');
      return;
    }
    const ok = bits === 16 ? ['fnv1_16', 'fnv1a_16'] : bits === 32 ? ['fnv1_32', 'fnv1a_32'] : ['fnv1_64', 'fnv1a_64'];
    if (!ok.includes(hash.value)) {
      this.err('E085', hash.span, `Unknown hashing algorithm for ${bits} bit types: ${hash.value}`);
    }
  }

  private checkEnumDefault(field: FDef, e: EDef, d: FieldDecl): void {
    if (field.def.kind === 'null' || e.bitFlags) return;
    const v = field.def.kind === 'integer' ? field.def.value : 0n;
    if (field.def.kind !== 'integer' && field.def.kind !== 'none') return;
    if (!hasValue(e.vals, v)) {
      this.err(
        'E071',
        d.default?.span ?? d.name.span,
        `default value of \`${v}\` for field \`${field.name}\` is not part of enum \`${e.shortName}\`.`,
      );
    }
  }

  /** flatc's ParseSingleValue for a field default, then the placement rules. */
  private fieldDefault(sd: SDef, field: FDef, expr: DefaultExpr): void {
    const t = field.type;
    if (t.base === 'Obj' || t.base === 'Array') {
      this.err('E070', expr.span, 'default values are not supported for struct fields, table fields, or in structs.');
      return;
    }
    if (t.base === 'Union') {
      this.err('E074', expr.span, 'Union defaults must be NONE (the implicit default); no other default is allowed');
      return;
    }
    if ((isVector(t) || t.base === 'String') && expr.kind === 'ident' && expr.text === 'null') {
      this.err(
        'E073',
        expr.span,
        `Cannot assign token starting with 'null' to value of <${TYPE_NAMES[t.base]}> type. (\`= null\` is only for scalars; a ${TYPE_NAMES[t.base]} field is optional unless required)`,
      );
      return;
    }
    if (isVector(t)) {
      if (expr.kind !== 'emptyVector') {
        this.err('E075', expr.span, 'The only supported default for vectors is `[]`.');
        return;
      }
      this.features.add('DefaultVectorsAndStrings');
      field.def = { kind: 'emptyVector' };
      return;
    }
    if (t.base === 'String') {
      if (expr.kind !== 'string') {
        this.err('E072', expr.span, `Cannot assign token starting with '${exprText(expr)}' to value of <string> type.`);
        return;
      }
      this.features.add('DefaultVectorsAndStrings');
      field.def = { kind: 'string', value: expr.text };
      return;
    }
    const v = this.scalarValue(expr, t, field.name);
    if (v === undefined) return;
    if (v.kind === 'null' && t.enumDef && valueNamed(t.enumDef.vals, 'null')) {
      this.err(
        'E073',
        expr.span,
        `the default 'null' is reserved for declaring optional scalar fields, it conflicts with declaration of enum '${t.enumDef.shortName}'.`,
      );
      return;
    }
    if (sd.fixed && v.kind === 'null') {
      this.err('E096', expr.span, 'Optional scalars are not supported in structs.');
      return;
    }
    // flatc allows a default in a struct when its parsed constant is "0" (= no default): an
    // integer-typed zero in any spelling (0x0, -0, false, "0", an enum name worth 0), and for a
    // float field only the literal 0 itself (`0.0` and `-0` stay as written and are rejected).
    const zero = isFloat(t.base)
      ? (expr.kind === 'int' || expr.kind === 'string') && expr.text === '0'
      : v.kind === 'integer' && v.value === 0n;
    if (sd.fixed && !zero) {
      this.err('E070', expr.span, 'default values are not supported for struct fields, table fields, or in structs.');
      return;
    }
    field.def = v;
  }

  private scalarValue(expr: DefaultExpr, t: RType, name: string): DefaultValue | undefined {
    const b = t.base;
    const typeName = TYPE_NAMES[b];
    if (expr.kind === 'call') {
      if (!isFloat(b)) {
        this.err(
          'E072',
          expr.span,
          `conversion function ${expr.fn}() is only allowed for float types, not <${typeName}>`,
        );
        return undefined;
      }
      const arg = this.scalarValue(expr.arg, t, name);
      if (arg === undefined) return undefined;
      const x = arg.kind === 'float' ? arg.value : arg.kind === 'integer' ? Number(arg.value) : NaN;
      return { kind: 'float', value: applyFunction(expr.fn, x) };
    }
    if (expr.kind === 'emptyVector') {
      this.err('E072', expr.span, `Cannot assign token starting with '[' to value of <${typeName}> type.`);
      return undefined;
    }
    if (expr.kind === 'ident' || expr.kind === 'string') {
      let text = expr.text;
      if (expr.kind === 'string' && !expr.trivial) {
        this.err(
          'E072',
          expr.span,
          `type mismatch or invalid value, an initializer of non-string field must be trivial ASCII string: type: ${typeName}, name: ${name}, value: ${text}`,
        );
        return undefined;
      }
      if (b === 'Bool' && (text === 'true' || text === 'false'))
        return { kind: 'integer', value: text === 'true' ? 1n : 0n };
      if (text === 'null') return { kind: 'null' };
      if (isInteger(b) && b !== 'Bool' && /^[A-Za-z_]/.test(text)) return this.enumFromString(expr.span, t, text);
      if (expr.kind === 'string') {
        text = text.replace(/ +$/, '');
        if (isFloat(b) && text.includes(')')) {
          this.err('E072', expr.span, `invalid number: ${text}`);
          return undefined;
        }
      }
      return this.numberValue(expr.span, t, text, expr.kind === 'ident' ? 'ident' : 'string');
    }
    if (expr.kind === 'float') {
      if (!isFloat(b)) {
        this.err('E072', expr.span, `Cannot assign token starting with '${expr.text}' to value of <${typeName}> type.`);
        return undefined;
      }
      return this.numberValue(expr.span, t, expr.text, 'float');
    }
    return this.numberValue(expr.span, t, expr.text, 'int');
  }

  private numberValue(
    span: Span,
    t: RType,
    text: string,
    from: 'int' | 'float' | 'ident' | 'string',
  ): DefaultValue | undefined {
    const b = t.base;
    if (isFloat(b)) {
      if (from !== 'float' && isHexIntLiteral(text)) {
        this.err(
          'E072',
          span,
          `invalid number, the exponent suffix of hexadecimal floating-point literals is mandatory: "${text}"`,
        );
        return undefined;
      }
      const v = parseFloatLiteral(text);
      if (v === undefined) {
        this.err('E072', span, `invalid number: "${text}"`);
        return undefined;
      }
      return { kind: 'float', value: v };
    }
    const kind = INT_KIND[b] as IntKind;
    const v = parseIntLiteral(text.trim());
    if (v === undefined) {
      this.err('E072', span, `invalid number: "${text}"`);
      return undefined;
    }
    if (!fitsInt(v, kind)) {
      this.err('E061', span, `invalid number: "${text}", constant does not fit ${intervalString(kind)}`);
      return undefined;
    }
    return { kind: 'integer', value: v };
  }

  private enumFromString(span: Span, t: RType, text: string): DefaultValue | undefined {
    let acc = 0n;
    for (const word of text.split(' ')) {
      let ev: EVal | undefined;
      if (t.enumDef) {
        ev = valueNamed(t.enumDef.vals, word);
      } else {
        const dot = word.indexOf('.');
        if (dot < 0) {
          this.err('E072', span, `enum values need to be qualified by an enum type: ${word}`);
          return undefined;
        }
        const enumName = word.slice(0, dot);
        const e = this.lookupByName(this.enums, enumName);
        if (!e) {
          this.err('E071', span, `unknown enum: ${enumName}`);
          return undefined;
        }
        ev = valueNamed(e.vals, word.slice(dot + 1));
      }
      if (!ev) {
        this.err('E071', span, `unknown enum value: ${word}`);
        return undefined;
      }
      acc |= BigInt.asUintN(64, ev.value);
    }
    const kind = INT_KIND[t.base] as IntKind;
    const v = isUnsigned(t.base) ? acc : BigInt.asIntN(64, acc);
    if (!fitsInt(v, kind)) {
      this.err('E061', span, `invalid number: "${v}", constant does not fit ${intervalString(kind)}`);
      return undefined;
    }
    return { kind: 'integer', value: v };
  }

  private assignIds(sd: SDef): void {
    let withId = 0;
    for (let k = 0; k < sd.fields.length; k++) {
      const attrs = (sd.fields[k] as FDef).attrs;
      if (attrs.size !== 0 && attrs.has('id')) withId++;
    }
    if (withId === 0 || sd.fields.length === 0) return;
    if (withId !== sd.fields.length) {
      const missing = sd.fields.find((f) => !f.attrs.has('id') && !f.synthetic) ?? (sd.fields[0] as FDef);
      this.err(
        'E089',
        missing.span,
        `either all fields or no fields must have an 'id' attribute (missing on: ${missing.name})`,
      );
      return;
    }
    const ids = new Map<FDef, number>();
    for (const f of sd.fields) {
      const a = f.attrs.get('id') as AttrVal;
      // flatc reads the id with strtoull, which skips leading white space (`id: " 1"`).
      const v = parseIntLiteral(a.kind === 'string' ? a.value.replace(/^[ \t\n\v\f\r]+/, '') : a.value);
      if (v === undefined || v < 0n || v > 65535n) {
        this.err('E066', a.span, `field id's must be non-negative number, field: ${f.name}, id: ${a.value}`);
        return;
      }
      ids.set(f, Number(v));
    }
    const sorted = [...sd.fields].sort((a, b) => (ids.get(a) as number) - (ids.get(b) as number));
    for (let i = 0; i < sorted.length; i++) {
      const f = sorted[i] as FDef;
      if (ids.get(f) !== i) {
        const a = f.attrs.get('id') as AttrVal;
        this.err(
          'E063',
          a.span,
          `field id's must be consecutive from 0, id ${i} missing or set twice, field: ${f.name}, id: ${a.value}`,
        );
        return;
      }
      f.offset = 4 + 2 * i;
    }
    sd.fields = sorted;
  }

  private checkClashes(sd: SDef): void {
    for (let k = 0; k < sd.fields.length; k++) {
      const f = sd.fields[k] as FDef;
      const name = f.name;
      // Every suffix ends in e, h or r: most names are ruled out by their last letter.
      const last = name.charCodeAt(name.length - 1);
      if ((last !== 101 && last !== 104 && last !== 114) || f.type.base === 'UType' || f.synthetic) continue;
      for (let r = 0; r < CLASH_RULES.length; r++) {
        const { suffix, applies } = CLASH_RULES[r] as ClashRule;
        if (name.length > suffix.length && name.endsWith(suffix)) {
          const other = this.fieldByName(sd, name.slice(0, -suffix.length));
          if (other && applies(other.type)) {
            this.err('E038', f.span, `Field ${name} would clash with generated functions for field ${other.name}`);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------ enums and unions

  private declareEnum(d: EnumDecl): void {
    const isUnion = d.kind === 'union';
    const qualified = qualifyWith(this.nsName, d.name.text);
    const e: EDef = {
      uid: this.uids++,
      shortName: d.name.text,
      ns: this.ns,
      isUnion,
      underlying: { base: isUnion ? 'UType' : 'Int', element: 'None', fixedLength: 0 },
      vals: [],
      attrs: NO_ATTRS,
      docs: d.docs,
      span: d.name.span,
      extent: d.span,
      declFile: this.declFile,
      bitFlags: false,
    };
    e.underlying.enumDef = e;
    e.qname = qualified;
    const duplicate = this.enums.has(qualified);
    if (duplicate) this.err('E032', d.name.span, `enum already exists: ${qualified}`);
    // On a bad underlying type the enum is still declared (as int) so its uses do not cascade.
    if (!isUnion && d.underlying === undefined) {
      this.err(
        'E043',
        d.bodySpan,
        "must specify the underlying integer type for this enum (e.g. ': short', which was the default).",
      );
    }
    if (d.underlying) {
      const ut = this.resolveType(d.underlying);
      // Another enum as the underlying type means its integer type (flatc accepts it).
      if (ut && (!isInteger(ut.base) || ut.base === 'Bool' || ut.base === 'UType')) {
        this.err(
          isUnion ? 'E055' : 'E043',
          d.underlying.span,
          isUnion ? 'underlying union type must be integral' : 'underlying enum type must be integral',
        );
      } else if (ut) {
        e.underlying = { base: ut.base, element: 'None', enumDef: e, fixedLength: 0 };
      }
    }
    e.attrs = this.parseMetadata(d.attributes);
    const bitFlags = e.attrs.get('bit_flags');
    e.bitFlags = bitFlags !== undefined;
    const ub = e.underlying.base;
    if (bitFlags && !isUnsigned(ub)) {
      this.err('W002', bitFlags.span, 'underlying type of bit_flags enum must be unsigned');
    }
    const fa = e.attrs.get('force_align');
    // flatc 2.0.8 ignores it; since v22.9.24 it is an error.
    if (fa)
      this.err(
        'W008',
        fa.nameSpan,
        `\`force_align\` is not a valid attribute for ${e.isUnion ? 'unions' : 'enums'} and is ignored (an error since flatc v22.9.24)`,
      );
    if (!duplicate) this.enums.set(qualified, e);
    this.enumList.push(e);

    const kind = INT_KIND[ub] as IntKind;
    const lo = INT_RANGES[kind][0];
    const hi = INT_RANGES[kind][1];
    if (isUnion || d.values.length === 0) {
      e.vals.push({
        name: 'NONE',
        value: 0n,
        attrs: NO_ATTRS,
        docs: NO_DOCS,
        span: d.name.span,
        valueSpan: d.name.span,
      });
    }
    // Duplicate names: a set only for big enums (the usual handful is scanned).
    const names = d.values.length > 16 ? new Set(e.vals.map((v) => v.name)) : undefined;
    for (let k = 0; k < d.values.length; k++) {
      const vd = d.values[k] as EnumValueDecl;
      const last = e.vals[e.vals.length - 1];
      let value = last ? last.value + 1n : 0n;
      let name = vd.name.text;
      let unionType: RType | undefined;
      if (isUnion) {
        name = name.replace(/\./g, '_');
        if (vd.type) {
          const ut = this.resolveType(vd.type);
          if (!ut) continue;
          if (ut.base !== 'Obj' && ut.base !== 'String') {
            this.err('E044', vd.type.span, 'union value type may only be table/struct/string');
            continue;
          }
          unionType = ut;
        } else {
          if (vd.name.text === 'NONE') {
            this.err('E052', vd.name.span, 'enum value already exists: NONE (a union has an implicit NONE = 0)');
            continue;
          }
          const sd = this.lookupCreateStruct(vd.name.text, vd.name.span, true) as SDef;
          unionType = { base: 'Obj', element: 'None', struct: sd, fixedLength: 0 };
        }
      }
      if (vd.value) {
        const v = parseIntLiteral(vd.value.text);
        const range = kind === 'ulong' ? 'ulong' : 'long';
        if (v === undefined || !fitsInt(v, range)) {
          this.err('E060', vd.value.span, `constant does not fit ${intervalString(range)}`);
          continue;
        }
        value = v;
        if (value < lo || value > hi) {
          this.err('E060', vd.value.span, `enum value does not fit, "${value}" out of [${lo}; ${hi}]`);
          continue;
        }
      } else if (value < lo || value > hi) {
        this.err('E060', vd.name.span, `enum value does not fit, "${value - 1n} + 1" out of [${lo}; ${hi}]`);
        continue;
      }
      if (names !== undefined ? names.has(name) : valueNamed(e.vals, name) !== undefined) {
        this.err(isUnion ? 'E036' : 'E034', vd.name.span, `enum value already exists: ${name}`);
        continue;
      }
      names?.add(name);
      e.vals.push({
        name,
        value,
        unionType,
        attrs: this.parseMetadata(vd.attributes),
        docs: vd.docs,
        span: vd.name.span,
        valueSpan: vd.value?.span ?? vd.name.span,
      });
    }
    if (bitFlags) {
      const width = BigInt(8 * BASE_SIZE[ub]);
      for (const ev of e.vals) {
        const u = BigInt.asUintN(64, ev.value);
        if (!isUnsigned(ub) && u === width - 1n) {
          this.err('E064', ev.valueSpan, 'underlying type of bit_flags enum must be unsigned');
        } else if (u >= width) {
          this.err('E064', ev.valueSpan, 'bit flag out of range of underlying integral type');
        } else {
          ev.value = isUnsigned(ub) ? 1n << u : BigInt.asIntN(64, 1n << u);
        }
      }
    }
    // flatc's SortByValue: by value, equal values by name (only unions may repeat a value, W009).
    if (!isSortedByValue(e.vals))
      e.vals.sort((a, b) =>
        a.value < b.value ? -1 : a.value > b.value ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
    for (let i = 1; i < e.vals.length; i++) {
      const p = e.vals[i - 1] as EVal;
      const c = e.vals[i] as EVal;
      if (BigInt.asUintN(64, p.value) === BigInt.asUintN(64, c.value)) {
        // Names in flatc's order (equal values sort by name); located at the later declaration.
        const at = p.valueSpan.start > c.valueSpan.start ? p.valueSpan : c.valueSpan;
        // flatc 2.0.8 checks enums only, and a union member against NONE (0, the only value-0
        // member a union can have); for two members it is a warning, and `generate` refuses the
        // union (two members with one type tag cannot be told apart on the wire; codegen/plan.ts).
        if (e.isUnion && c.value !== 0n)
          this.err(
            'W009',
            at,
            `union values should be unique: ${p.name} and ${c.name} are both ${c.value} (they cannot be told apart on the wire)`,
          );
        else this.err('E035', at, `all enum values must be unique: ${p.name} and ${c.name} are both ${c.value}`);
      }
    }
    if (this.ctx.buildIr) e.ir = this.enumIR(e);
    if (this.types.has(qualified) && !duplicate) this.err('E032', d.name.span, `datatype already exists: ${qualified}`);
    this.types.add(qualified);
  }

  // ------------------------------------------------------------ services and root

  private declareService(d: ServiceDecl): void {
    const qualified = qualifyWith(this.nsName, d.name.text);
    const svc: SvcDef = {
      shortName: d.name.text,
      ns: this.ns,
      calls: [],
      attrs: this.parseMetadata(d.attributes),
      docs: d.docs,
      span: d.name.span,
      extent: d.span,
      declFile: this.declFile,
    };
    if (this.services.has(qualified)) this.err('E032', d.name.span, `service already exists: ${qualified}`);
    else this.services.set(qualified, svc);
    const callNames = d.methods.length > 16 ? new Set<string>() : undefined;
    for (let k = 0; k < d.methods.length; k++) {
      const m = d.methods[k] as ServiceDecl['methods'][number];
      const req = this.methodType(m.request);
      const resp = this.methodType(m.response);
      const attrs = this.parseMetadata(m.attributes);
      if (callNames !== undefined ? callNames.has(m.name.text) : declaredBefore(d.methods, m)) {
        this.err('E037', m.name.span, `rpc already exists: ${m.name.text}`);
        continue;
      }
      const streaming = attrs.get('streaming');
      if (streaming && !['none', 'client', 'server', 'bidi'].includes(streaming.value)) {
        // flatc does not validate it; its gRPC generators treat an unknown value as "none".
        this.err(
          'W007',
          streaming.span,
          `unknown 'streaming' value "${streaming.value}" (expected "none", "client", "server" or "bidi"); treated as "none"`,
        );
      }
      callNames?.add(m.name.text);
      if (!req || !resp) continue;
      const call: CallDef = {
        name: m.name.text,
        request: req,
        response: resp,
        reqName: m.request,
        respName: m.response,
        attrs,
        docs: m.docs,
        span: m.name.span,
      };
      svc.calls.push(call);
      // A struct already defined here is flatc's error; one defined later only a warning (W010).
      if (!req.predecl && req.fixed)
        this.err(
          'E045',
          m.request.span,
          `rpc request and response types must be tables: ${m.request.text} is a struct`,
        );
      if (!resp.predecl && resp.fixed)
        this.err(
          'E045',
          m.response.span,
          `rpc request and response types must be tables: ${m.response.text} is a struct`,
        );
      if (req.predecl || resp.predecl) this.pendingCalls.push(call);
      if (req.predecl) this.forwardCallTypes.push({ sd: req, q: m.request });
      if (resp.predecl) this.forwardCallTypes.push({ sd: resp, q: m.response });
    }
  }

  private methodType(q: QName): SDef | undefined {
    if (this.lookupByName(this.enums, q.text)) {
      this.err('E045', q.span, `rpc request and response types must be tables: ${q.text} is an enum or union`);
      return undefined;
    }
    return this.lookupCreateStruct(q.text, q.span, true);
  }

  private setRoot(q: QName): void {
    const sd = this.structs.get(q.text) ?? this.structs.get(qualifyWith(this.nsName, q.text));
    if (!sd || sd.predecl) {
      this.err('E046', q.span, `unknown root type: ${q.text}`);
      return;
    }
    if (sd.fixed) {
      this.err('E046', q.span, 'root type must be a table');
      return;
    }
    this.root = sd;
  }

  // ------------------------------------------------------------ whole-schema checks

  private finalChecks(suppressUndefined: (name: string) => boolean): void {
    // `M(Req):string`: a built-in type where a table must be (flatc 2.0.8 looks the name up as a
    // table and reports it undefined, E030; the real mistake is the kind). A table of that name,
    // declared anywhere, is a table, as in flatc.
    const builtinCalls = new Set<SDef>();
    for (let k = 0; k < this.pendingCalls.length; k++) {
      const c = this.pendingCalls[k] as CallDef;
      for (const [sd, q] of [
        [c.request, c.reqName],
        [c.response, c.respName],
      ] as const) {
        if (!sd.predecl || !BUILTIN_TYPE_NAMES.has(q.text) || suppressUndefined(sd.shortName)) continue;
        builtinCalls.add(sd);
        this.err('E045', q.span, `rpc request and response types must be tables: ${q.text} is a built-in type`);
      }
    }
    for (let k = 0; k < this.structList.length; k++) {
      const sd = this.structList[k] as SDef;
      if (sd.predecl && !builtinCalls.has(sd) && !suppressUndefined(sd.shortName)) {
        const laterEnum = this.enumDeclaredLater(sd);
        if (laterEnum !== undefined) {
          this.err(
            'E031',
            sd.firstRef,
            `type referenced but not defined (check namespace): ${sd.shortName} (the ${laterEnum.isUnion ? 'union' : 'enum'} of that name is declared later; enums and unions must be declared before use)`,
          );
        } else {
          this.err('E030', sd.firstRef, `type referenced but not defined (check namespace): ${sd.shortName}`);
        }
      }
    }
    for (const { sd, q } of this.forwardCallTypes) if (!sd.predecl && sd.fixed) this.structCall(q);
  }

  /** A struct named by a service before its definition: flatc 2.0.8 (and current flatc) accept it. */
  private structCall(q: QName): void {
    this.err(
      'W010',
      q.span,
      `rpc request and response types should be tables: ${q.text} is a struct (flatc checks only types defined before the service)`,
    );
  }

  /** The enum/union a forward reference would have found, had it been declared before the use. */
  private enumDeclaredLater(sd: SDef): EDef | undefined {
    return this.enums.lookupFrom(sd.ns.join('.'), sd.shortName, undefined);
  }

  // ------------------------------------------------------------ IR construction

  // IR objects are built as soon as a declaration is complete: the internal field records then die
  // young instead of surviving to the end next to their IR copies (GC dominated large schemas).

  private loc(s: Span): Location {
    return s.file.locate(s.start);
  }

  /** Single-attribute lists (`(key)`, `(required)`, `(id: 3)`) are shared by content. */
  private readonly oneKv = new Map<string, readonly KeyValue[]>();

  private kv(a: Attrs): readonly KeyValue[] {
    if (a === NO_ATTRS || a.size === 0) return NO_KEYVALUES;
    if (a.size === 1) {
      const [key, v] = a.entries().next().value as [string, AttrVal];
      const id = `${key}\u0000${v.value}`;
      let list = this.oneKv.get(id);
      if (list === undefined) {
        list = Object.freeze([Object.freeze({ key, value: v.value })]);
        this.oneKv.set(id, list);
      }
      return list;
    }
    const out: KeyValue[] = [];
    for (const [key, v] of a) out.push({ key, value: v.value });
    return out.length > 1 ? out.sort((x, y) => compareNames(x.key, y.key)) : out;
  }

  /** Type references are values: equal ones are shared (most fields are plain scalars). */
  private readonly typeRefs = new Map<number, MutableTypeRef>();
  private uids = 0;
  /** References to types still undeclared: their names are filled in by `finish`. */
  private readonly unnamedRefs: [MutableTypeRef, SDef][] = [];

  private readonly plainRefs: (TypeRef | undefined)[] = [];
  /** Field records of finished tables, reused by `addField`. */
  private readonly fdefPool: FDef[] = [];

  private typeRef(t: RType): TypeRef {
    if (t.struct === undefined && t.enumDef === undefined && t.fixedLength === 0) {
      const k = BASE_INDEX[t.base] * 32 + BASE_INDEX[t.element];
      let r = this.plainRefs[k];
      if (r === undefined) {
        r = { base: t.base, element: t.element, object: undefined, enum: undefined, fixedLength: 0 };
        this.plainRefs[k] = r;
      }
      return r;
    }
    // Cached per referenced type, by a small-integer shape key (base, element < 32; length < 2^16).
    const owner = t.struct ?? t.enumDef;
    const key = BASE_INDEX[t.base] * 0x200000 + BASE_INDEX[t.element] * 0x10000 + t.fixedLength;
    // A type is usually referenced in one shape (or two): the first lives on the type itself.
    if (owner !== undefined && owner.ref0Key === key) return owner.ref0 as MutableTypeRef;
    const cache =
      owner === undefined ? this.typeRefs : owner.ref0Key === undefined ? undefined : (owner.refs ??= new Map());
    let r = cache?.get(key);
    if (r === undefined) {
      r = {
        base: t.base,
        element: t.element,
        object: t.struct && !t.struct.predecl ? qn(t.struct) : undefined,
        enum: t.enumDef ? qn(t.enumDef) : undefined,
        fixedLength: t.fixedLength,
      };
      if (t.struct?.predecl) this.unnamedRefs.push([r, t.struct]);
      if (cache !== undefined) cache.set(key, r);
      else if (owner !== undefined) {
        owner.ref0Key = key;
        owner.ref0 = r;
      }
    }
    return r;
  }

  private objectIR(sd: SDef): ObjectDef {
    return {
      name: qn(sd),
      namespace: sd.ns,
      shortName: sd.shortName,
      isStruct: sd.fixed,
      minalign: sd.minalign,
      bytesize: sd.fixed ? sd.bytesize : 0,
      fields: sd.fields.map((f, i): Field => new IrField(f, i, this.typeRef(f.type), this.kv(f.attrs))),
      attributes: this.kv(sd.attrs),
      documentation: sd.docs,
      declarationFile: sd.declFile,
      location: this.loc(sd.span),
      ...extentOf(sd.extent),
    };
  }

  private enumIR(e: EDef): EnumDef {
    return {
      name: qn(e),
      namespace: e.ns,
      shortName: e.shortName,
      isUnion: e.isUnion,
      bitFlags: e.bitFlags,
      underlying: this.typeRef(e.underlying),
      values: e.vals.map(
        (v): EnumVal => new IrEnumVal(v, v.unionType ? this.typeRef(v.unionType) : undefined, this.kv(v.attrs)),
      ),
      attributes: this.kv(e.attrs),
      documentation: e.docs,
      declarationFile: e.declFile,
      location: this.loc(e.span),
      ...extentOf(e.extent),
    };
  }

  private build(input: FinishInput): Schema {
    for (const [r, sd] of this.unnamedRefs) r.object = qn(sd);
    const structQName = qn;
    const objects: ObjectDef[] = [];
    for (const sd of this.structList) if (sd.ir !== undefined && !sd.predecl) objects.push(sd.ir);
    const enums: EnumDef[] = [];
    for (const e of this.enumList) if (e.ir !== undefined && this.enums.get(qn(e)) === e) enums.push(e.ir);
    const services: Service[] = [...this.services.values()].map((s) => ({
      name: qualify(s.ns, s.shortName),
      namespace: s.ns,
      shortName: s.shortName,
      calls: s.calls.map((c): RpcCall => ({
        name: c.name,
        request: structQName(c.request),
        response: structQName(c.response),
        streaming: streamingOf(c.attrs.get('streaming')?.value),
        idempotent: c.attrs.has('idempotent'),
        attributes: this.kv(c.attrs),
        documentation: c.docs,
        location: this.loc(c.span),
      })),
      attributes: this.kv(s.attrs),
      documentation: s.docs,
      declarationFile: s.declFile,
      location: this.loc(s.span),
      ...extentOf(s.extent),
    }));
    objects.sort((a, b) => compareNames(a.name, b.name));
    enums.sort((a, b) => compareNames(a.name, b.name));
    services.sort((a, b) => compareNames(a.name, b.name));
    const fbsFiles: SchemaFile[] = [...input.fileIncludes.entries()]
      .map(([path, incs]) => ({
        filename: this.ctx.relativeName(path),
        includedFilenames: [...new Set(incs.map((p) => this.ctx.relativeName(p)))],
      }))
      .sort((a, b) => compareNames(a.filename, b.filename));
    const order: AdvancedFeature[] = [
      'AdvancedArrayFeatures',
      'AdvancedUnionFeatures',
      'OptionalScalars',
      'DefaultVectorsAndStrings',
    ];
    return freezeTop({
      objects,
      enums,
      services,
      fileIdent: this.fileIdent,
      fileExt: this.fileExt,
      rootTable: this.root && !this.root.predecl ? structQName(this.root) : undefined,
      advancedFeatures: order.filter((f) => this.features.has(f)),
      fbsFiles,
      mainFile: this.ctx.relativeName(this.ctx.mainPath),
      nativeIncludes: input.nativeIncludes,
    });
  }
}

function exprText(e: DefaultExpr): string {
  switch (e.kind) {
    case 'emptyVector':
      return '[';
    case 'call':
      return e.fn;
    default:
      return e.text.slice(0, 40);
  }
}

function applyFunction(fn: string, x: number): number {
  switch (fn) {
    case 'deg':
      return (x * 180) / Math.PI;
    case 'rad':
      return (x * Math.PI) / 180;
    case 'sin':
      return Math.sin(x);
    case 'cos':
      return Math.cos(x);
    case 'tan':
      return Math.tan(x);
    case 'asin':
      return Math.asin(x);
    case 'acos':
      return Math.acos(x);
    default:
      return Math.atan(x);
  }
}

/**
 * The model is immutable by type (every property is readonly). Only the top-level collections
 * are frozen at run time: freezing every node costs more than the whole parse (measured).
 */
function freezeTop<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(o);
}

/** `extent` of an IR declaration: the offsets of its whole text (see model.ts `Extent`). */
function extentOf(span: Span | undefined): { extent?: Extent } {
  return span === undefined ? {} : { extent: { start: span.start, end: span.end } };
}
