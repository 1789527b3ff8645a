// Positive front-end suite: tricky but valid schemas (tests/fixtures/positive/*.fbs), each asserting
// specific IR values.
//
//   node --import tsx tests/positive.test.ts
//
// Every expected value was taken from flatc 2.0.8 reflection output
//   flatc -b --schema --bfbs-comments --bfbs-builtins --bfbs-filenames DIR -o OUT file.fbs
//   flatc --json --strict-json --defaults-json -o OUT reflection.v2.0.8.fbs -- OUT/file.bfbs
// except where a fixture says it uses syntax newer than 2.0.8 (hand-checked against upstream HEAD,
// the comment in the fixture says how). Where flatc's reflection cannot represent an IR value, the
// test says so next to the assertion (ulong values above INT64_MAX, 2.0.8-only quirks).

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileFile, compileText, renderDiagnostic, type CompileResult } from '../generator/src/index.js';
import type { DefaultValue, EnumDef, EnumVal, Field, ObjectDef, Schema, Service, TypeRef } from '../generator/src/index.js';

const FIX = fileURLToPath(new URL('./fixtures/positive/', import.meta.url));
const test = suite('positive');

// ---------------------------------------------------------------------------------------------
// Helpers

function fail(message: string): never {
  const e = new assert.Assertion({ message, operator: 'fail', expects: undefined, actual: undefined });
  e.stack = 'Assertion';
  throw e;
}

function schemaOf(r: CompileResult, what: string): Schema {
  if (r.errorCount > 0 || !r.schema) {
    const shown = r.diagnostics.slice(0, 8).map((d) => renderDiagnostic(d, r.sources));
    fail(`${what}: expected to compile, got ${r.errorCount} error(s)\n${shown.join('\n')}`);
  }
  return r.schema;
}

/** Compiles fixtures/positive/<name>; include paths are relative to the fixture directory. */
function load(name: string, includePaths: readonly string[] = []): Schema {
  let r: CompileResult;
  try {
    r = compileFile(join(FIX, name), { includePaths: includePaths.map((p) => join(FIX, p)) });
  } catch (e) {
    fail(`${name}: hms-gen threw: ${(e as Error).stack ?? String(e)}`);
  }
  return schemaOf(r, name);
}

/** `Base<Element>@Object|Enum[N]`, the same notation as the comments of the expectations. */
function ts(t: TypeRef): string {
  let s: string = t.base;
  if (t.element !== 'None') s += `<${t.element}>`;
  if (t.object !== undefined) s += `@${t.object}`;
  if (t.enum !== undefined) s += `@${t.enum}`;
  if (t.fixedLength) s += `[${t.fixedLength}]`;
  return s;
}

const int = (value: bigint): DefaultValue => ({ kind: 'integer', value });
const flt = (value: number): DefaultValue => ({ kind: 'float', value });
const NULL: DefaultValue = { kind: 'null' };
const str = (value: string): DefaultValue => ({ kind: 'string', value });
const EMPTY_VECTOR: DefaultValue = { kind: 'emptyVector' };

type Pairs = readonly (readonly [string, string])[];
const pairs = (list: readonly { key: string; value: string }[]): Pairs => list.map((a) => [a.key, a.value] as const);

function obj(s: Schema, name: string): ObjectDef {
  return s.objects.find((o) => o.name === name) ?? fail(`objects[${name}] missing; have ${s.objects.map((o) => o.name).join(', ')}`);
}
function enm(s: Schema, name: string): EnumDef {
  return s.enums.find((e) => e.name === name) ?? fail(`enums[${name}] missing; have ${s.enums.map((e) => e.name).join(', ')}`);
}
function svc(s: Schema, name: string): Service {
  return s.services.find((e) => e.name === name) ?? fail(`services[${name}] missing; have ${s.services.map((e) => e.name).join(', ')}`);
}
function fld(o: ObjectDef, name: string): Field {
  return o.fields.find((f) => f.name === name) ?? fail(`objects[${o.name}].fields[${name}] missing; have ${o.fields.map((f) => f.name).join(', ')}`);
}
function val(e: EnumDef, name: string): EnumVal {
  return e.values.find((v) => v.name === name) ?? fail(`enums[${e.name}].values[${name}] missing`);
}

interface FieldExpect {
  type?: string;
  id?: number;
  offset?: number;
  default?: DefaultValue;
  deprecated?: boolean;
  required?: boolean;
  key?: boolean;
  optional?: boolean;
  padding?: number;
  attributes?: Pairs;
  documentation?: readonly string[];
  synthetic?: boolean;
  unionPartner?: string;
}

/** Compares only the properties given in `x`. */
function field(o: ObjectDef, name: string, x: FieldExpect): void {
  const f = fld(o, name);
  const at = `objects[${o.name}].fields[${name}]`;
  const view: Record<string, unknown> = {
    type: ts(f.type), id: f.id, offset: f.offset, default: f.default, deprecated: f.deprecated, required: f.required,
    key: f.key, optional: f.optional, padding: f.padding, attributes: pairs(f.attributes),
    documentation: f.documentation, synthetic: f.synthetic, unionPartner: f.unionPartner,
  };
  for (const [k, v] of Object.entries(x)) assert.equal(view[k], v, `${at}.${k}`);
}

/** Names in IR field order (slot order for tables, memory order for structs). */
function names(o: ObjectDef): string[] {
  return o.fields.map((f) => f.name);
}

/** [name, value] in IR order (sorted by value). */
function values(e: EnumDef): [string, bigint][] {
  return e.values.map((v) => [v.name, v.value]);
}

/** [name, union member type] in IR order; an absent unionType (NONE) reads as flatc's `None`. */
function members(e: EnumDef): [string, string][] {
  return e.values.map((v) => [v.name, v.unionType ? ts(v.unionType) : 'None']);
}

function layout(o: ObjectDef): [string, number, number][] {
  return o.fields.map((f) => [f.name, f.offset, f.padding]);
}

function approx(actual: DefaultValue, expected: number, what: string): void {
  if (actual.kind !== 'float') fail(`${what}: expected a float default, got ${JSON.stringify(actual, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
  assert.ok(Math.abs(actual.value - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual.value} != ~${expected}`);
}

// ---------------------------------------------------------------------------------------------
// Names, namespaces, lookup

test('keywords_as_names: table `table`, field `namespace`, enum value `nan`, namespace `namespace.include`', () => {
  const s = load('keywords_as_names.fbs');
  const t = obj(s, 'namespace.include.table');
  assert.equal(t.namespace, ['namespace', 'include']);
  assert.equal(t.shortName, 'table');
  assert.equal(names(t), ['namespace', 'color', 'include', 'root_type', 'native_include', 'attribute', 'rpc_service', 'string', 'file_extension']);
  field(t, 'namespace', { type: 'Int', id: 0, offset: 4 });
  field(t, 'color', { type: 'Byte@namespace.include.enum', default: int(0n) }); // = nan (the enum value)
  field(t, 'attribute', { type: 'Byte@namespace.include.enum', default: int(2n) }); // = "table"
  field(t, 'rpc_service', { type: 'Float', default: flt(Infinity) }); // = inf (the float)
  field(t, 'file_extension', { type: 'Double', default: flt(NaN) });
  field(t, 'native_include', { type: 'Obj@namespace.include.struct', optional: true });
  field(t, 'string', { type: 'Vector<Obj>@namespace.include.table', id: 7, offset: 18 });
  assert.equal(values(enm(s, 'namespace.include.enum')), [['nan', 0n], ['inf', 1n], ['table', 2n], ['struct', 3n], ['null_', 4n]]);
  const st = obj(s, 'namespace.include.struct');
  assert.equal(layout(st), [['union', 0, 0], ['enum', 4, 2]]);
  assert.equal([st.minalign, st.bytesize], [4, 8]);
  assert.equal(members(enm(s, 'namespace.include.union')), [['NONE', 'None'], ['table', 'Obj@namespace.include.table']]);
  field(obj(s, 'namespace.include.holder'), 'u_type', { type: 'UType@namespace.include.union', id: 0 });
  assert.is(s.rootTable, 'namespace.include.table');
});

test('namespace_reset: `namespace;` returns to the global namespace', () => {
  const s = load('namespace_reset.fbs');
  assert.equal(s.objects.map((o) => o.name), ['A.B.InAB', 'A.InA', 'Global']);
  const g = obj(s, 'Global');
  assert.equal([g.namespace, g.shortName], [[], 'Global']);
  field(g, 'a', { type: 'Obj@A.B.InAB' });
  field(obj(s, 'A.InA'), 'g', { type: 'Obj@Global' });
  field(obj(s, 'A.InA'), 'b', { type: 'Obj@A.B.InAB' }); // B.InAB found from A
});

test('namespace_reopen: a namespace may be reopened', () => {
  const s = load('namespace_reopen.fbs');
  assert.equal(s.objects.map((o) => o.name), ['A.First', 'A.Second', 'B.Other']);
  assert.equal(obj(s, 'A.Second').namespace, ['A']);
  field(obj(s, 'A.Second'), 'f', { type: 'Obj@A.First' });
  field(obj(s, 'A.Second'), 'o', { type: 'Obj@B.Other' });
  field(obj(s, 'B.Other'), 'f', { type: 'Obj@A.First' });
});

test('lookup_outward: current namespace, then enclosing ones, then global', () => {
  const s = load('lookup_outward.fbs');
  const u = obj(s, 'A.B.C.User');
  field(u, 'here', { type: 'Obj@A.B.C.Thing' });
  field(u, 'outer', { type: 'Obj@A.B.Inner' });
  field(u, 'top', { type: 'Obj@Top' });
  field(u, 'partial', { type: 'Obj@A.B.Inner' });
  field(u, 'full', { type: 'Obj@A.Thing' });
  field(u, 'color', { type: 'UByte@A.Color', default: int(6n) }); // A.Color.Magenta, not global Color
  assert.equal(values(enm(s, 'Color')), [['Red', 0n], ['Green', 1n]]);
});

test('lookup_shadow: a table named like a namespace component', () => {
  const s = load('lookup_shadow.fbs');
  const u = obj(s, 'Foo.Bar.User');
  field(u, 'a', { type: 'Obj@Foo.Foo' });
  field(u, 'b', { type: 'Obj@Foo.Bar.Bar' });
  field(u, 'c', { type: 'Obj@Foo.Foo' });
  field(u, 'd', { type: 'Obj@Foo.Bar.Bar' });
  field(u, 'e', { type: 'Obj@Foo.Bar.Bar' });
  assert.equal([obj(s, 'Foo.Foo').namespace, obj(s, 'Foo.Foo').shortName], [['Foo'], 'Foo']);
});

test('forward_refs_ns: forward references across namespaces', () => {
  const s = load('forward_refs_ns.fbs');
  const u = obj(s, 'A.User');
  field(u, 'later', { type: 'Obj@B.Later' });
  field(u, 'qual', { type: 'Obj@C.Qualified' });
  field(u, 'same', { type: 'Obj@A.Same' });
  field(u, 'vec', { type: 'Vector<Obj>@B.Later' });
  field(obj(s, 'B.Later'), 'back', { type: 'Obj@A.User' });
  assert.equal(s.objects.map((o) => o.name), ['A.Same', 'A.User', 'B.Later', 'C.Qualified']);
});

test('forward_binding: early binding to a visible type, late binding to the next definition', () => {
  const s = load('forward_binding.fbs');
  field(obj(s, 'A.U'), 'f', { type: 'Obj@B.Later' });
  field(obj(s, 'A.U'), 'early', { type: 'Obj@X' });
  field(obj(s, 'A.V'), 'late', { type: 'Obj@A.X' });
  field(obj(s, 'A.V'), 'l', { type: 'Obj@A.Later' });
  assert.equal(s.objects.map((o) => o.name), ['A.Later', 'A.U', 'A.V', 'A.X', 'B.Later', 'X']);
});

// ---------------------------------------------------------------------------------------------
// Files and includes

test('include_ipath: include found through an -I path; its root_type/ident/ext are not inherited', () => {
  const s = load('include_ipath.fbs', ['ipath']);
  field(obj(s, 'Main'), 'f', { type: 'Obj@IP.FromIPath' });
  assert.is(obj(s, 'IP.FromIPath').declarationFile, '//ipath/ip_types.fbs');
  assert.is(obj(s, 'Main').declarationFile, '//include_ipath.fbs');
  assert.equal([s.rootTable, s.fileIdent, s.fileExt], [undefined, '', '']);
  assert.equal(s.fbsFiles, [
    { filename: '//include_ipath.fbs', includedFilenames: ['//ipath/ip_types.fbs'] },
    { filename: '//ipath/ip_types.fbs', includedFilenames: [] },
  ]);
});

test('include_relative: nested includes resolve relative to the including file', () => {
  const s = load('include_relative.fbs');
  assert.is(obj(s, 'Rel.RelA').declarationFile, '//sub/rel_a.fbs');
  assert.is(obj(s, 'Rel.RelB').declarationFile, '//sub/deeper/rel_b.fbs');
  field(obj(s, 'Rel.RelA'), 'b', { type: 'Obj@Rel.RelB' });
  assert.equal(s.fbsFiles, [
    { filename: '//include_relative.fbs', includedFilenames: ['//sub/rel_a.fbs'] },
    { filename: '//sub/deeper/rel_b.fbs', includedFilenames: [] },
    { filename: '//sub/rel_a.fbs', includedFilenames: ['//sub/deeper/rel_b.fbs'] },
  ]);
});

test('include_precedence: including directory first, then -I paths in order', () => {
  const s = load('include_precedence.fbs', ['ipath2', 'ipath']);
  field(obj(s, 'Main'), 'a', { type: 'Obj@NextToMain.Dup' });
  field(obj(s, 'Main'), 'b', { type: 'Obj@FromIPath2.Twice' });
  assert.is(obj(s, 'FromIPath2.Twice').declarationFile, '//ipath2/prec_twice.fbs');
  assert.equal(s.objects.map((o) => o.name), ['FromIPath2.Twice', 'Main', 'NextToMain.Dup']);
  assert.equal(s.fbsFiles[0], { filename: '//include_precedence.fbs', includedFilenames: ['//ipath2/prec_twice.fbs', '//prec_dup.fbs'] });
});

test('include_once: a file included several times (also as ./x) is parsed once', () => {
  const s = load('include_once.fbs');
  assert.equal(s.objects.map((o) => o.name), ['Main', 'Once.Common', 'Once.FromA', 'Once.FromB']);
  assert.equal(s.enums.map((e) => e.name), ['Once.Kind']);
  field(obj(s, 'Once.FromA'), 'k', { type: 'Byte@Once.Kind', default: int(1n) });
  assert.is(enm(s, 'Once.Kind').declarationFile, '//once_common.fbs');
  assert.equal(s.fbsFiles, [
    { filename: '//include_once.fbs', includedFilenames: ['//once_a.fbs', '//once_b.fbs', '//once_common.fbs'] },
    { filename: '//once_a.fbs', includedFilenames: ['//once_common.fbs'] },
    { filename: '//once_b.fbs', includedFilenames: ['//once_common.fbs'] },
    { filename: '//once_common.fbs', includedFilenames: [] },
  ]);
});

test('include_cycle: include cycles and self-includes are legal', () => {
  const s = load('include_cycle.fbs');
  field(obj(s, 'Cyc.CA'), 'b', { type: 'Obj@Cyc.CB' });
  field(obj(s, 'Cyc.CB'), 'a', { type: 'Obj@Cyc.CA' });
  assert.is(obj(s, 'Cyc.CB').declarationFile, '//cycle_b.fbs');
  assert.equal(s.fbsFiles, [
    { filename: '//cycle_a.fbs', includedFilenames: ['//cycle_a.fbs', '//cycle_b.fbs'] },
    { filename: '//cycle_b.fbs', includedFilenames: ['//cycle_a.fbs'] },
    { filename: '//include_cycle.fbs', includedFilenames: ['//cycle_a.fbs'] },
  ]);
});

test('native_include: recorded in order, mixed with include, not a file dependency', () => {
  const s = load('native_include.fbs');
  assert.equal(s.nativeIncludes, ['native/point.h', 'other.h']);
  assert.equal(s.fbsFiles, [
    { filename: '//native_include.fbs', includedFilenames: ['//once_common.fbs'] },
    { filename: '//once_common.fbs', includedFilenames: [] },
  ]);
  assert.equal(pairs(obj(s, 'Vec2').attributes), [['native_type', 'Point']]);
  field(obj(s, 'Shape'), 'pos', { type: 'Obj@Vec2', attributes: [['native_inline', '0']] });
});

test('include_bom_crlf: single-quoted include of a BOM + CRLF file; root_type from an include', () => {
  const s = load('include_bom_crlf.fbs');
  const t = obj(s, 'Inc2.FromBomCrlf');
  assert.equal(t.documentation, [' doc from a BOM+CRLF include']);
  field(t, 'v', { type: 'Short', default: int(16n) });
  assert.is(s.rootTable, 'Inc2.FromBomCrlf');
});

test('file_props: root_type (last wins), file_identifier, file_extension; include not inherited', () => {
  const s = load('file_props.fbs');
  assert.equal([s.rootTable, s.fileIdent, s.fileExt], ['Props.Second', 'PRP1', 'prp']);
});

test('file_props_inherit: an included file\'s root_type/file_identifier/file_extension are reset', () => {
  const s = load('file_props_inherit.fbs');
  assert.equal([s.rootTable, s.fileIdent, s.fileExt], [undefined, '', '']);
  assert.ok(s.objects.some((o) => o.name === 'IP.FromIPath'));
});

test('file_identifier_escape: escapes in file_identifier, single-quoted file_extension', () => {
  const s = load('file_identifier_escape.fbs');
  assert.equal([s.fileIdent, s.fileExt, s.rootTable], ['A\u0001BC', 'bin.x', 'T']);
});

test('trailing_json: a JSON value after root_type is accepted', () => {
  const s = load('trailing_json.fbs');
  assert.is(s.rootTable, 'T');
  assert.equal(names(obj(s, 'T')), ['a', 's']);
});

test('compileText: includes resolve relative to the given path; BOM in text', () => {
  const text = '\uFEFFinclude "once_common.fbs";\nnamespace Virt;\ntable V { c: Once.Common; k: Once.Kind = K1; }\nroot_type V;\n';
  const s = schemaOf(compileText(join(FIX, 'virtual_not_on_disk.fbs'), text), 'compileText');
  field(obj(s, 'Virt.V'), 'c', { type: 'Obj@Once.Common' });
  field(obj(s, 'Virt.V'), 'k', { default: int(1n) });
  assert.is(obj(s, 'Virt.V').declarationFile, '//virtual_not_on_disk.fbs');
  assert.is(s.rootTable, 'Virt.V');
});

// ---------------------------------------------------------------------------------------------
// Lexical oddities

test('bom: a UTF-8 BOM at the start of the file', () => {
  const s = load('bom.fbs');
  field(obj(s, 'Bom.WithBom'), 'v', { default: int(7n) });
  assert.is(s.rootTable, 'Bom.WithBom');
});

test('crlf: CRLF line endings, doc comments without a trailing CR', () => {
  const s = load('crlf.fbs');
  const t = obj(s, 'Crlf.Lines');
  assert.equal(t.documentation, [' doc with CRLF']);
  field(t, 'a', { default: int(1n), documentation: [' field doc'] });
  assert.equal(values(enm(s, 'Crlf.E')), [['X', 0n], ['Y', 3n]]);
});

test('comments_odd: // and /* */ comments between every token', () => {
  const s = load('comments_odd.fbs');
  const t = obj(s, 'Odd.T');
  assert.equal(t.documentation, []);
  field(t, 'a', { type: 'Int', default: int(5n), documentation: [] });
  field(t, 'b', { type: 'Vector<Int>' });
  field(t, 'c', { type: 'String', deprecated: true, attributes: [['deprecated', '0']], documentation: [] });
  assert.equal(values(enm(s, 'Odd.E')), [['A', 1n], ['B', 2n]]);
});

test('trailing_commas: in enums and unions', () => {
  const s = load('trailing_commas.fbs');
  assert.equal(values(enm(s, 'Color')), [['Red', 0n], ['Green', 1n], ['Blue', 2n]]);
  assert.equal(values(enm(s, 'One')), [['Only', 4n]]);
  assert.equal(members(enm(s, 'U')), [['NONE', 'None'], ['Member', 'Obj@Member']]);
  field(obj(s, 'T'), 'c', { default: int(2n) });
});

test('doc_comments: on every declaration kind, verbatim incl. leading/trailing spaces', () => {
  const s = load('doc_comments.fbs');
  const req = obj(s, 'Docs.Req');
  assert.equal(req.documentation, [' Table doc line 1', 'Table doc line 2 (no space)', '   indented  ']);
  field(req, 'a', { documentation: [' field doc'] });
  field(req, 'b', { documentation: [] });
  assert.equal(obj(s, 'Docs.S').documentation, [' struct doc']);
  field(obj(s, 'Docs.S'), 'x', { documentation: [' struct member doc'] });
  const e = enm(s, 'Docs.E');
  assert.equal(e.documentation, [' enum doc']);
  assert.equal(val(e, 'A').documentation, [' first value']);
  assert.equal(val(e, 'B').documentation, [' second value']);
  const u = enm(s, 'Docs.U');
  assert.equal(u.documentation, [' union doc']);
  assert.equal(val(u, 'NONE').documentation, []);
  assert.equal(val(u, 'Req').documentation, [' member Req']);
  assert.equal(val(u, 'Alias').documentation, [' aliased member']);
  const sv = svc(s, 'Docs.Svc');
  assert.equal(sv.documentation, [' service doc']);
  assert.equal(sv.calls.map((c) => [c.name, c.documentation]), [
    ['Call', [' method doc']],
    ['Other', [' second method', ' two lines']],
  ]);
  assert.is(s.rootTable, 'Docs.Req');
});

// ---------------------------------------------------------------------------------------------
// Attributes

test('attribute_string: `attribute "x.y";` used as ("x.y"), bare flags are "0", sorted by key', () => {
  const s = load('attribute_string.fbs');
  const t = obj(s, 'T');
  assert.equal(pairs(t.attributes), [['priority', '1'], ['x.y', 'table-level']]);
  field(t, 'f', { attributes: [['priority', '7'], ['x.y', 'z']] });
  field(t, 'g', { attributes: [['quoted_single', '0']] });
  field(t, 'h', { attributes: [['x.y', '0']] });
  assert.equal(pairs(enm(s, 'E').attributes), [['x.y', 'e']]);
});

test('attributes_misc: escapes in values, attribute declared in an include, builtins', () => {
  const s = load('attributes_misc.fbs');
  const t = obj(s, 'T');
  assert.equal(pairs(t.attributes), [['from_include', 'A\u00e9\t"\\/'], ['my.attr', 'single']]);
  field(t, 'nested', { type: 'Vector<UByte>', attributes: [['nested_flatbuffer', 'Later']] });
  field(t, 'h32', { type: 'UInt', attributes: [['hash', 'fnv1a_32']] });
  field(t, 'h64', { type: 'ULong', attributes: [['hash', 'fnv1_64']] });
  field(t, 'hs', { type: 'Vector<UShort>', attributes: [['hash', 'fnv1a_16']] });
  field(t, 'sh', { type: 'String', attributes: [['shared', '0']] });
  field(t, 'fb', { type: 'Vector<UByte>', attributes: [['flexbuffer', '0']] });
  field(obj(s, 'Inc.IncT'), 'v', { attributes: [['from_include', 'yes']] });
});

test('enum_val_attributes (newer than 2.0.8): metadata on enum and union values', () => {
  const s = load('enum_val_attributes.fbs');
  const e = enm(s, 'ValAttributes');
  assert.equal(values(e), [['Val1', 0n], ['Val2', 1n], ['Val3', 2n]]);
  assert.equal(pairs(val(e, 'Val1').attributes), [['display_name', 'Value 1']]);
  assert.equal(pairs(val(e, 'Val3').attributes), [['deprecated', '0'], ['display_name', 'Value 3 (deprecated)']]);
  const u = enm(s, 'WithMeta');
  assert.equal(members(u), [['NONE', 'None'], ['Tbl', 'Obj@Tbl'], ['Alias', 'Obj@Tbl']]);
  assert.equal(pairs(val(u, 'Tbl').attributes), [['display_name', 'table']]);
  assert.equal(pairs(val(u, 'Alias').attributes), [['id', '0']]);
});

// ---------------------------------------------------------------------------------------------
// Defaults

test('defaults_int: hex, leading zeros (no octal), negative hex, +, quoted, extremes, bool forms', () => {
  const s = load('defaults_int.fbs');
  const t = obj(s, 'Ints');
  const expected: [string, string, bigint][] = [
    ['hex', 'Int', 16n], ['hex_upper', 'Int', 255n], ['leading_zero', 'Int', 10n], ['zeros', 'Short', -7n],
    ['neg_hex', 'Int', -16n], ['plus', 'Int', 5n], ['quoted', 'Int', 42n], ['quoted_hex', 'Int', 16n],
    ['byte_min', 'Byte', -128n], ['ubyte_max', 'UByte', 255n], ['long_min', 'Long', -9223372036854775808n],
    ['long_max', 'Long', 9223372036854775807n],
    // flatc's reflection stores default_integer as int64 and prints 0 for this one (overflow); the IR keeps it exact.
    ['ulong_big', 'ULong', 18446744073709551615n],
    ['uint_max', 'UInt', 4294967295n], ['i8', 'Byte', -1n], ['u16', 'UShort', 65535n],
    ['bool_true', 'Bool', 1n], ['bool_false', 'Bool', 0n], ['bool_int', 'Bool', 1n], ['bool_quoted', 'Bool', 1n],
  ];
  assert.equal(names(t), expected.map((e) => e[0]));
  expected.forEach(([n, type, v], i) => field(t, n, { type, default: int(v), id: i, offset: 4 + 2 * i, optional: false }));
});

test('defaults_float: 1., .5, 1e3, hex float, nan/-nan/inf/+inf/-infinity, integer literal, quoted', () => {
  const s = load('defaults_float.fbs');
  const t = obj(s, 'Floats');
  const expected: [string, string, number][] = [
    ['trailing_dot', 'Float', 1], ['leading_dot', 'Double', 0.5], ['exp', 'Double', 1000], ['neg_exp', 'Float', -0.25],
    ['hex_float', 'Double', 3], ['nan_', 'Double', NaN], ['neg_nan', 'Double', NaN], ['inf_', 'Float', Infinity],
    ['pos_inf', 'Float', Infinity], ['neg_infinity', 'Double', -Infinity], ['infinity_', 'Double', Infinity],
    ['int_literal', 'Float', 3], ['neg_int_literal', 'Double', -42], ['quoted', 'Float', 1.5], ['f32', 'Float', 0.1],
    ['f64', 'Double', 0.0025],
  ];
  assert.equal(names(t), expected.map((e) => e[0]));
  for (const [n, type, v] of expected) field(t, n, { type, default: flt(v), optional: false });
});

test('defaults_more: hex float spellings, quoted bit_flags integer, bool 0/"false", deprecated default', () => {
  const s = load('defaults_more.fbs');
  const t = obj(s, 'More');
  field(t, 'h1', { default: flt(16) });
  field(t, 'h2', { default: flt(1) });
  field(t, 'h3', { default: flt(-8) });
  field(t, 'e1', { default: flt(100) });
  field(t, 'fq', { type: 'UByte@F', default: int(3n) });
  field(t, 'ff', { type: 'UByte@F', default: int(3n) });
  field(t, 'b0', { type: 'Bool', default: int(0n) });
  field(t, 'bf', { type: 'Bool', default: int(0n) });
  field(t, 'dep', { default: int(5n), deprecated: true, id: 8, offset: 20 });
});

test('defaults_enum: by name, quoted name, integer, bit_flags "A C", non-member 0 for bit_flags', () => {
  const s = load('defaults_enum.fbs');
  const t = obj(s, 'Enums');
  field(t, 'by_name', { type: 'UByte@Color', default: int(2n) });
  field(t, 'quoted_name', { default: int(8n) });
  field(t, 'by_int', { default: int(8n) });
  field(t, 'quoted_int', { default: int(1n) });
  field(t, 'implicit', { default: int(1n) });
  field(t, 'flags_multi', { type: 'UByte@Flags', default: int(17n) });
  field(t, 'flags_one', { default: int(2n) });
  field(t, 'flags_zero', { default: int(0n) });
  field(t, 'flags_all', { default: int(19n) });
  field(t, 'neg', { type: 'Short@Signed', default: int(-5n) });
  field(t, 'neg_int', { default: int(-5n) });
  assert.equal(values(enm(s, 'Flags')), [['A', 1n], ['B', 2n], ['C', 16n]]);
  assert.ok(enm(s, 'Flags').bitFlags);
  assert.equal(values(enm(s, 'Signed')), [['Neg', -5n], ['Zero', 0n]]);
});

test('optional_null: `= null` for int, ulong, float, double, bool and an enum without a 0 member', () => {
  const s = load('optional_null.fbs');
  const t = obj(s, 'Optionals');
  for (const [n, type] of [['i', 'Int'], ['u64', 'ULong'], ['f', 'Float'], ['d', 'Double'], ['b', 'Bool'], ['m', 'Byte@Mode']] as const) {
    field(t, n, { type, default: NULL, optional: true });
  }
  field(t, 'plain', { optional: false });
  assert.ok(s.advancedFeatures.includes('OptionalScalars'));
});

test('defaults_func: rad() and deg()', () => {
  const s = load('defaults_func.fbs');
  const t = obj(s, 'Angles');
  approx(fld(t, 'r').default, 3.14159265359, 'r = rad(180)');
  approx(fld(t, 'd').default, 180, 'd = deg(pi)');
  approx(fld(t, 'half').default, 1.570796326795, 'half = rad(90.0)');
  approx(fld(t, 'neg').default, -0.785398163397, 'neg = rad(-45)');
});

test('defaults_string_vector (binary schema newer than 2.0.8): string and [] defaults', () => {
  const s = load('defaults_string_vector.fbs');
  const t = obj(s, 'Defaults');
  field(t, 's', { type: 'String', default: str('hello'), optional: false });
  field(t, 's_single', { default: str('single "q" \u00e9'), optional: false });
  field(t, 's_empty', { default: str(''), optional: false });
  field(t, 'v', { type: 'Vector<Int>', default: EMPTY_VECTOR, optional: false });
  field(t, 'vs', { type: 'Vector<String>', default: EMPTY_VECTOR, optional: false });
  field(t, 'plain_s', { default: { kind: 'none' }, optional: true });
  field(t, 'plain_v', { default: { kind: 'none' }, optional: true });
  assert.ok(s.advancedFeatures.includes('DefaultVectorsAndStrings'));
});

// ---------------------------------------------------------------------------------------------
// Enums

test('enum_values: implicit, explicit, going down, negative; sorted by value', () => {
  const s = load('enum_values.fbs');
  assert.equal(values(enm(s, 'Implicit')), [['A', 0n], ['B', 1n], ['C', 2n]]);
  assert.equal(values(enm(s, 'Explicit')), [['X', 10n], ['Y', 11n], ['Z', 20n], ['W', 21n]]);
  assert.equal(values(enm(s, 'Down')), [['Lo', 5n], ['Mid', 50n], ['Next', 51n], ['Hi', 100n]]);
  assert.equal(values(enm(s, 'Negative')), [['M', -3n], ['N', -2n], ['O', -1n]]);
  assert.equal(values(enm(s, 'Trailing')), [['P', 0n], ['Q', 1n]]);
  assert.is(ts(enm(s, 'Down').underlying), 'Short@Down');
  assert.not.ok(enm(s, 'Down').isUnion);
});

test('enum_ranges: ulong max, long/int/byte min, hex negative', () => {
  const s = load('enum_ranges.fbs');
  // flatc's reflection prints the ulong value as -1 (same 64 bits); the IR holds the unsigned value.
  assert.equal(values(enm(s, 'U64')), [['Zero', 0n], ['Max', 18446744073709551615n]]);
  assert.is(ts(enm(s, 'U64').underlying), 'ULong@U64');
  assert.equal(values(enm(s, 'I64')), [['Min', -9223372036854775808n], ['Max', 9223372036854775807n]]);
  assert.equal(values(enm(s, 'I8')), [['Min', -128n], ['Max', 127n]]);
  assert.is(ts(enm(s, 'I8').underlying), 'Byte@I8');
  assert.equal(values(enm(s, 'U8')), [['Lo', 0n], ['Hi', 255n]]);
  assert.equal(values(enm(s, 'I32')), [['Min', -2147483648n], ['AfterMin', -2147483647n]]);
  assert.equal(values(enm(s, 'HexNeg')), [['A', -32768n], ['B', 32767n]]);
});

test('enum_bitflags: values are 1<<N, implicit ones continue from the bit index', () => {
  const s = load('enum_bitflags.fbs');
  assert.equal(values(enm(s, 'Bits8')), [['A', 1n], ['B', 2n], ['C', 4n], ['D', 128n]]);
  // flatc's reflection prints High as -9223372036854775808 (same 64 bits).
  assert.equal(values(enm(s, 'Bits64')), [['Low', 1n], ['High', 9223372036854775808n]]);
  assert.equal(values(enm(s, 'Bits16')), [['X', 8n], ['Y', 16n], ['Z', 32768n]]);
  assert.equal(pairs(enm(s, 'Bits8').attributes), [['bit_flags', '0']]);
  const t = obj(s, 'T');
  field(t, 'b', { default: int(129n) });
  field(t, 'w', { default: int(9223372036854775808n) }); // flatc's reflection prints 0 (int64 overflow)
  field(t, 'x', { default: int(32792n) });
});

test('enum_empty: an enum without values gets NONE = 0', () => {
  const s = load('enum_empty.fbs');
  assert.equal(values(enm(s, 'Empty')), [['NONE', 0n]]);
  field(obj(s, 'T'), 'e', { type: 'Int@Empty' });
});

// ---------------------------------------------------------------------------------------------
// Unions

test('union_aliases: `Alias: Type` repeats a type; explicit values continue', () => {
  const s = load('union_aliases.fbs');
  const u = enm(s, 'Any');
  assert.ok(u.isUnion);
  assert.is(ts(u.underlying), 'UType@Any');
  assert.equal(values(u), [['NONE', 0n], ['Monster', 1n], ['Hero', 2n], ['Villain', 3n], ['Weapon', 10n], ['Sword', 11n]]);
  assert.equal(members(u), [['NONE', 'None'], ['Monster', 'Obj@Monster'], ['Hero', 'Obj@Monster'], ['Villain', 'Obj@Monster'], ['Weapon', 'Obj@Weapon'], ['Sword', 'Obj@Weapon']]);
  const h = obj(s, 'Holder');
  field(h, 'any_type', { type: 'UType@Any', id: 0, offset: 4, synthetic: true, unionPartner: 'any', optional: false });
  field(h, 'any', { type: 'Union@Any', id: 1, offset: 6, synthetic: false, unionPartner: 'any_type', optional: true });
});

test('union_qualified: qualified members are named with `_`', () => {
  const s = load('union_qualified.fbs');
  assert.equal(members(enm(s, 'Game.Thing')), [
    ['NONE', 'None'], ['Units_Tank', 'Obj@Game.Units.Tank'], ['Game_Items_Potion', 'Obj@Game.Items.Potion'], ['Items_Potion', 'Obj@Game.Items.Potion'],
  ]);
  field(obj(s, 'Game.Box'), 't_type', { type: 'UType@Game.Thing' });
});

test('union_values: explicit values going down, aliases of other namespaces', () => {
  const s = load('union_values.fbs');
  const u = enm(s, 'Here.Values');
  assert.equal(values(u), [['NONE', 0n], ['Other_Far', 2n], ['Again', 3n], ['Near', 5n], ['Remote', 200n]]);
  assert.equal(members(u).map((m) => m[1]), ['None', 'Obj@Other.Far', 'Obj@Here.Near', 'Obj@Here.Near', 'Obj@Other.Far']);
});

test('union_advanced: struct and string members, vector of unions', () => {
  const s = load('union_advanced.fbs');
  assert.equal(members(enm(s, 'Shape')), [['NONE', 'None'], ['Rect', 'Obj@Rect'], ['Pt', 'Obj@Point'], ['Label', 'String']]);
  const d = obj(s, 'Drawing');
  assert.equal(names(d), ['shape_type', 'shape', 'shapes_type', 'shapes']);
  field(d, 'shapes_type', { type: 'Vector<UType>@Shape', id: 2, offset: 8, synthetic: true, unionPartner: 'shapes', optional: true });
  field(d, 'shapes', { type: 'Vector<Union>@Shape', id: 3, offset: 10, unionPartner: 'shapes_type' });
  assert.ok(s.advancedFeatures.includes('AdvancedUnionFeatures'));
});

test('union_underlying (newer than 2.0.8): `union U : int`', () => {
  const s = load('union_underlying.fbs');
  const u = enm(s, 'ABC');
  assert.ok(u.isUnion);
  assert.is(ts(u.underlying), 'Int@ABC');
  assert.equal(values(u), [['NONE', 0n], ['A', 555n], ['B', 1000000n]]);
  const d = obj(s, 'D');
  // flatc HEAD (ParseField): `Type union_type(enum_def->underlying_type); union_type.base_type = BASE_TYPE_UTYPE;`
  // the hidden field stays UType (its width comes from the union's underlying type).
  field(d, 'test_union_type', { type: 'UType@ABC', id: 0, offset: 4, synthetic: true });
  field(d, 'test_union', { type: 'Union@ABC', id: 1, offset: 6 });
  field(obj(s, 'E'), 'vec_type', { type: 'Vector<UType>@ABC', id: 0 });
});

test('union_ids: explicit ids with union gaps, the _type field gets id - 1, quoted id', () => {
  const s = load('union_ids.fbs');
  const t = obj(s, 'WithIds');
  assert.equal(names(t), ['a', 'u_type', 'u', 'c', 'v_type', 'v']);
  field(t, 'a', { id: 0, offset: 4, attributes: [['id', '0']] });
  field(t, 'u_type', { id: 1, offset: 6, attributes: [['id', '1']], synthetic: true });
  field(t, 'u', { id: 2, offset: 8, attributes: [['id', '2']] });
  field(t, 'c', { id: 3, offset: 10 });
  field(t, 'v_type', { id: 4, offset: 12, attributes: [['id', '4']] });
  field(t, 'v', { id: 5, offset: 14, attributes: [['id', '5']] });
});

test('union_required: required union vector makes its type vector required; attributes/doc stay on the value field', () => {
  const s = load('union_required.fbs');
  const t = obj(s, 'T');
  field(t, 'i', { id: 0, attributes: [['id', '0']] });
  field(t, 'u_type', { id: 1, required: false, optional: false, attributes: [['id', '1']], documentation: [] });
  field(t, 'u', { id: 2, required: true, optional: false, attributes: [['id', '2'], ['priority', '3'], ['required', '0']], documentation: [' union field doc (not copied to u_type)'] });
  field(t, 'v_type', { type: 'Vector<UType>@U', id: 3, required: true, optional: false, attributes: [['id', '3']] });
  field(t, 'v', { type: 'Vector<Union>@U', id: 4, required: true, optional: false });
});

test('deprecated_slots: deprecated fields keep their slot; a deprecated union deprecates its _type', () => {
  const s = load('deprecated_slots.fbs');
  const t = obj(s, 'Evolved');
  assert.equal(t.fields.map((f) => [f.name, f.id, f.offset, f.deprecated]), [
    ['a', 0, 4, false], ['old', 1, 6, true], ['b', 2, 8, false], ['gone_type', 3, 10, true], ['gone', 4, 12, true], ['c', 5, 14, false],
  ]);
  field(t, 'gone_type', { attributes: [] });
  field(t, 'gone', { attributes: [['deprecated', '0']] });
});

test('original_order: only an attribute, slots stay in declaration order', () => {
  const s = load('original_order.fbs');
  const t = obj(s, 'Ordered');
  assert.equal(pairs(t.attributes), [['original_order', '0']]);
  assert.equal(t.fields.map((f) => [f.name, f.id, f.offset]), [['small', 0, 4], ['big', 1, 6], ['mid', 2, 8]]);
});

// ---------------------------------------------------------------------------------------------
// Structs and tables

test('struct_layout: offsets, padding, minalign, bytesize for mixed sizes', () => {
  const s = load('struct_layout.fbs');
  const m = obj(s, 'Mixed');
  assert.equal(layout(m), [['a', 0, 3], ['b', 4, 0], ['c', 8, 6], ['d', 16, 0], ['e', 24, 1], ['f', 26, 4]]);
  assert.equal([m.isStruct, m.minalign, m.bytesize], [true, 8, 32]);
  assert.equal(m.fields.map((f) => f.id), [0, 1, 2, 3, 4, 5]);
  const t = obj(s, 'Tail');
  assert.equal(layout(t), [['x', 0, 0], ['y', 8, 7]]);
  assert.equal([t.minalign, t.bytesize], [8, 16]);
  const sm = obj(s, 'Small');
  assert.equal(layout(sm), [['a', 0, 0], ['b', 1, 0], ['c', 2, 0]]);
  assert.equal([sm.minalign, sm.bytesize], [1, 3]);
});

test('struct_nested: nested structs align to the inner struct', () => {
  const s = load('struct_nested.fbs');
  assert.equal(layout(obj(s, 'Inner')), [['a', 0, 0], ['b', 2, 1]]);
  assert.equal([obj(s, 'Inner').minalign, obj(s, 'Inner').bytesize], [2, 4]);
  assert.equal(layout(obj(s, 'Middle')), [['x', 0, 1], ['inner', 2, 2], ['y', 8, 0]]);
  assert.equal([obj(s, 'Middle').minalign, obj(s, 'Middle').bytesize], [8, 16]);
  assert.equal(layout(obj(s, 'Outer')), [['m', 0, 0], ['z', 16, 0], ['in2', 20, 0]]);
  assert.equal([obj(s, 'Outer').minalign, obj(s, 'Outer').bytesize], [8, 24]);
  // flatc 2.0.8 reports a struct member of struct type as optional: true, current flatc false.
  field(obj(s, 'Middle'), 'inner', { type: 'Obj@Inner', optional: false });
  field(obj(s, 'T'), 'o', { type: 'Obj@Outer', optional: true, offset: 4 });
});

test('struct_force_align: force_align 16/8/"4" raises minalign and pads the size', () => {
  const s = load('struct_force_align.fbs');
  const v = obj(s, 'Vec3');
  assert.equal([v.minalign, v.bytesize], [16, 16]);
  assert.equal(layout(v), [['x', 0, 0], ['y', 4, 0], ['z', 8, 4]]);
  assert.equal(pairs(v.attributes), [['force_align', '16']]);
  assert.equal([obj(s, 'Aligned8').minalign, obj(s, 'Aligned8').bytesize], [8, 8]);
  assert.equal(layout(obj(s, 'Aligned8')), [['a', 0, 7]]);
  const h = obj(s, 'HoldsVec3');
  assert.equal(layout(h), [['tag', 0, 15], ['v', 16, 0]]);
  assert.equal([h.minalign, h.bytesize], [16, 32]);
  assert.equal([obj(s, 'ForceAlignQuoted').minalign, obj(s, 'ForceAlignQuoted').bytesize], [4, 4]);
});

test('struct_arrays: [T:N] incl. hex length, arrays of enums and structs', () => {
  const s = load('struct_arrays.fbs');
  const a = obj(s, 'Arrays');
  assert.equal(a.fields.map((f) => [f.name, ts(f.type), f.offset, f.padding]), [
    ['bytes', 'Array<UByte>[3]', 0, 1],
    ['ints', 'Array<Int>[4]', 4, 0],
    ['enums', 'Array<Short>@E[2]', 20, 0],
    ['pairs', 'Array<Obj>@Pair[2]', 24, 0],
    ['d', 'Array<Double>[1]', 40, 0],
  ]);
  assert.equal([a.minalign, a.bytesize], [8, 48]);
  assert.ok(s.advancedFeatures.includes('AdvancedArrayFeatures'));
});

test('struct_array_aligned: an array of force-aligned structs', () => {
  const s = load('struct_array_aligned.fbs');
  const b = obj(s, 'B');
  assert.equal(layout(b), [['a', 0, 15], ['arr', 16, 0], ['c', 48, 14]]);
  assert.equal([b.minalign, b.bytesize], [16, 64]);
});

test('empty_decls: empty table, table of only a deprecated field, one-byte structs', () => {
  const s = load('empty_decls.fbs');
  assert.equal(obj(s, 'Empty').fields, []);
  assert.equal([obj(s, 'Empty').isStruct, obj(s, 'Empty').bytesize, obj(s, 'Empty').minalign], [false, 0, 1]);
  field(obj(s, 'OnlyDeprecated'), 'gone', { id: 0, offset: 4, deprecated: true });
  assert.equal([obj(s, 'OneBool').minalign, obj(s, 'OneBool').bytesize], [1, 1]);
  field(obj(s, 'OneArray'), 'a', { type: 'Array<Byte>[1]', offset: 0, padding: 0 });
  assert.equal([obj(s, 'OneArray').minalign, obj(s, 'OneArray').bytesize], [1, 1]);
});

test('vtable_offsets: offset = 4 + 2*id for every kind of field', () => {
  const s = load('vtable_offsets.fbs');
  const w = obj(s, 'Wide');
  assert.equal(w.fields.map((f) => [f.id, f.offset]), w.fields.map((_f, i) => [i, 4 + 2 * i]));
  assert.equal(w.fields.map((f) => ts(f.type)), [
    'Bool', 'Byte', 'UByte', 'Short', 'UShort', 'Int', 'UInt', 'Long', 'ULong', 'Float', 'Double', 'String', 'Vector<Int>', 'Obj@Wide',
  ]);
  assert.equal([w.minalign, w.bytesize], [1, 0]);
});

test('type_aliases: int8..float64 and vectors of every element kind', () => {
  const s = load('type_aliases.fbs');
  const a = obj(s, 'Aliases');
  assert.equal(a.fields.map((f) => ts(f.type)), [
    'Byte', 'UByte', 'Short', 'UShort', 'Int', 'UInt', 'Long', 'ULong', 'Float', 'Double',
    'Vector<Bool>', 'Vector<UShort>@E', 'Vector<Obj>@S', 'Vector<String>', 'Vector<Obj>@Child', 'Vector<ULong>',
  ]);
  assert.equal(a.fields.slice(10).map((f) => f.optional), [true, true, true, true, true, true]);
  assert.equal(layout(obj(s, 'S')), [['a', 0, 0], ['b', 8, 7]]);
});

test('keys_required: key on scalar, string (implicitly required) and struct member; required', () => {
  const s = load('keys_required.fbs');
  const bs = obj(s, 'ByString');
  field(bs, 'name', { key: true, required: true, optional: false, attributes: [['key', '0']] });
  field(bs, 'extra', { required: true, optional: false, attributes: [['required', '0']] });
  field(bs, 'other', { type: 'Vector<Int>', required: true, optional: false });
  const sc = obj(s, 'ByScalar');
  field(sc, 'id', { type: 'ULong', key: true, required: false, optional: false });
  field(sc, 't', { type: 'Obj@ByString', required: true, optional: false });
  field(sc, 's', { type: 'Obj@KeyedStruct', required: true, optional: false });
  field(obj(s, 'KeyedStruct'), 'k', { key: true, offset: 0 });
  field(obj(s, 'KeyedStruct'), 'v', { key: false, offset: 4 });
  field(obj(s, 'Plain'), 'list', { type: 'Vector<Obj>@ByString', required: false, optional: true });
});

// ---------------------------------------------------------------------------------------------
// Services

test('rpc_service: qualified and forward request/response types, streaming, idempotent', () => {
  const s = load('rpc_service.fbs');
  const g = svc(s, 'Svc.Api.Greeter');
  assert.equal([g.namespace, g.shortName], [['Svc', 'Api'], 'Greeter']);
  assert.equal(pairs(g.attributes), [['csharp_partial', '0']]);
  assert.equal(g.calls.map((c) => [c.name, c.request, c.response, c.streaming, c.idempotent]), [
    ['Hello', 'Svc.Api.Ping', 'Svc.Models.Pong', 'none', false],
    ['Stream', 'Svc.Models.Pong', 'Svc.Api.Ping', 'bidi', false],
    ['Upload', 'Svc.Api.Ping', 'Svc.Api.Later', 'client', true],
    ['Download', 'Svc.Api.Ping', 'Svc.Api.Later', 'server', false],
    ['Get', 'Svc.Api.Ping', 'Svc.Api.Ping', 'none', true],
  ]);
  assert.equal(g.calls.map((c) => pairs(c.attributes)), [
    [], [['streaming', 'bidi']], [['idempotent', '0'], ['streaming', 'client']], [['streaming', 'server']], [['idempotent', '0'], ['streaming', 'none']],
  ]);
  assert.is(g.declarationFile, '//rpc_service.fbs');
});

test.run();
