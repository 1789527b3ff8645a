// The values the generated TypeScript encoders take: fields with a default or optional may be left
// out (the `…Init` input types; decoded values stay fully populated), and a value of the wrong type
// from an untyped caller (plain JS, `as any`) is an EncodeTypeError (a TypeError) naming its path —
// never a silent coercion or a wrapped-around integer. Schema: tests/fixtures/wire/ts/values.fbs.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { idlRoot, repoRoot } from './support/corpus.js';
import { fn, generateTs, importModule, oracle, tsc, type Module } from './support/emit-ts-harness.js';
import { readdirSync } from 'node:fs';

// Own work directory: the emit-ts suite disposes of its own when it ends.
const work = join(repoRoot, 'target', `hms-test-ts-values-${process.pid}`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
test.after(() => rmSync(work, { recursive: true, force: true }));

const schema = join(repoRoot, 'tests', 'fixtures', 'wire', 'ts', 'values.fbs');
const idlFiles = readdirSync(idlRoot)
  .filter((f) => f.endsWith('.fbs'))
  .map((f) => join(idlRoot, f));

function gen(name: string, files: readonly string[], includes: readonly string[]): string {
  const dir = join(work, name);
  const r = generateTs(dir, files, includes);
  if (r.kind !== 'done') throw new Error(`generation of ${name} failed:\n${r.rendered}`);
  return dir;
}

const valuesDir = gen('values', [schema], []);
const idlDir = gen('idl', idlFiles, [idlRoot]);
const values = (): Promise<Module> => importModule(join(valuesDir, 'ts', 'wire', 'values.ts'));

type Encode = (v: unknown) => Uint8Array;
type Decode = (b: Uint8Array) => Record<string, unknown>;

const point = { x: 1, y: 2, tags: [3, 4] };
const segment = { from: point, to: point, ids: [1n, -2n] };

test('fields with a default or optional may be left out; the decoded value has every field', async () => {
  const m = await values();
  const encode = fn<[unknown], Uint8Array>(m, 'encodeValues');
  const decode = fn<[Uint8Array], Record<string, unknown>>(m, 'decodeValues');
  mkdirSync(join(work, 'oracle'), { recursive: true });
  const o = oracle(join(work, 'oracle'), schema, []);
  const bytes = encode({ id: 'x' });
  assert.equal(o.json(bytes), { id: 'x' });
  assert.equal(decode(bytes), {
    b: 0,
    ub: 0,
    s: 0,
    us: 0,
    i: -1,
    u: 0,
    l: 0n,
    ul: 0n,
    f: 0,
    d: 0,
    flag: false,
    maybe: null,
    color: 1,
    id: 'x',
    text: null,
    at: null,
    segment: null,
    leaf: null,
    node: null,
    bytes: null,
    shorts: null,
    longs: null,
    flags: null,
    names: null,
    points: null,
    leaves: null,
    colors: null,
  });
  // Left out, undefined and (where null means absent) null are the same buffer.
  const undef = encode({ id: 'x', i: undefined, maybe: undefined, text: undefined, at: undefined, node: undefined });
  assert.equal(undef, bytes);
  assert.equal(encode({ id: 'x', maybe: null, text: null, at: null, leaf: null, node: null, names: null }), bytes);
  // Nested tables and union members take their input types too.
  const nested = encode({ id: 'x', leaf: { name: 'l' }, node: { type: 'Leaf', value: { name: 'n' } }, leaves: [{ name: 'a' }] });
  assert.equal(o.json(nested), {
    id: 'x',
    leaf: { name: 'l' },
    node_type: 'Leaf',
    node: { name: 'n' },
    leaves: [{ name: 'a' }],
  });
  const back = decode(nested);
  assert.equal(back['leaf'], { name: 'l', weight: 1.5 });
  // A decoded value is an input as it is.
  assert.equal(encode(back), nested);
});

test('NaN and the infinities are floats; an enum value in range that names no member is kept (open enums)', async () => {
  const m = await values();
  const encode = fn<[unknown], Uint8Array>(m, 'encodeValues');
  const decode = fn<[Uint8Array], Record<string, unknown>>(m, 'decodeValues');
  const v = decode(encode({ id: 'x', f: NaN, d: -Infinity, color: 200, colors: [0, 99] }));
  assert.ok(Number.isNaN(v['f']));
  assert.is(v['d'], -Infinity);
  assert.is(v['color'], 200);
  assert.equal(v['colors'], [0, 99]);
  // -0 is an integer zero.
  assert.is(decode(encode({ id: 'x', i: -0 }))['i'], 0);
});

/** Each case: a value given where `id: 'x'` is otherwise valid, and the message it must raise. */
const cases: [string, Record<string, unknown>, string][] = [
  ['a missing required field', { id: undefined }, 'wire.values.Values.id: required field is missing (got undefined)'],
  ['null for a required field', { id: null }, 'wire.values.Values.id: required field is missing (got null)'],
  ['a negative ubyte', { ub: -1 }, 'wire.values.Values.ub: expected a ubyte (an integer in 0..255), got number -1'],
  ['a byte out of range', { b: 128 }, 'wire.values.Values.b: expected a byte (an integer in -128..127), got number 128'],
  ['a ushort out of range', { us: 65536 }, 'wire.values.Values.us: expected a ushort (an integer in 0..65535), got number 65536'],
  ['2**31 for an int', { i: 2 ** 31 }, 'wire.values.Values.i: expected an int (an integer in -2147483648..2147483647), got number 2147483648'],
  ['a fraction for a uint', { u: 1.5 }, 'wire.values.Values.u: expected a uint (an integer in 0..4294967295), got number 1.5'],
  ['NaN for a uint', { u: NaN }, 'wire.values.Values.u: expected a uint (an integer in 0..4294967295), got number NaN'],
  ['a numeric string for a uint', { u: '1' }, 'wire.values.Values.u: expected a uint (an integer in 0..4294967295), got string "1"'],
  ['a number for a long', { l: 5 }, 'wire.values.Values.l: expected a long (a bigint in -9223372036854775808n..9223372036854775807n), got number 5'],
  ['a bigint outside u64', { ul: 2n ** 64n }, 'wire.values.Values.ul: expected a ulong (a bigint in 0n..18446744073709551615n), got bigint 18446744073709551616n'],
  ['a negative ulong', { ul: -1n }, 'wire.values.Values.ul: expected a ulong (a bigint in 0n..18446744073709551615n), got bigint -1n'],
  ['a string for a float', { f: 'x' }, 'wire.values.Values.f: expected a float (a number), got string "x"'],
  ['a number for a bool', { flag: 1 }, 'wire.values.Values.flag: expected a bool (true or false), got number 1'],
  ['a string for an optional int', { maybe: '3' }, 'wire.values.Values.maybe: expected an int (an integer in -2147483648..2147483647), got string "3"'],
  ['a member name for an enum', { color: 'Green' }, 'wire.values.Values.color: expected a wire.values.Color (ubyte: an integer in 0..255), got string "Green"'],
  ['an enum value out of its range', { color: 256 }, 'wire.values.Values.color: expected a wire.values.Color (ubyte: an integer in 0..255), got number 256'],
  ['a number for a string', { text: 5 }, 'wire.values.Values.text: expected a string, got number 5'],
  ['a string for a struct', { at: 'x' }, 'wire.values.Values.at: expected an object, got string "x"'],
  ['a struct member out of range', { at: { ...point, y: 70000 } }, 'wire.values.Values.at.y: expected a short (an integer in -32768..32767), got number 70000'],
  ['a struct member missing', { at: { y: 1, tags: [0, 0] } }, 'wire.values.Values.at.x: expected a float (a number), got undefined'],
  ['a fixed-size array too short', { at: { ...point, tags: [1] } }, 'wire.values.Values.at.tags: expected an array of 2 elements, got 1 elements'],
  ['a fixed-size array element', { at: { ...point, tags: [1, 256] } }, 'wire.values.Values.at.tags[1]: expected a ubyte (an integer in 0..255), got number 256'],
  ['a nested struct member', { segment: { ...segment, to: { ...point, x: 'a' } } }, 'wire.values.Values.segment.to.x: expected a float (a number), got string "a"'],
  ['an element of a fixed-size array of longs', { segment: { ...segment, ids: [1n, 2] } }, 'wire.values.Values.segment.ids[1]: expected a long (a bigint in -9223372036854775808n..9223372036854775807n), got number 2'],
  ['a nested table missing its required field', { leaf: {} }, 'wire.values.Values.leaf.name: required field is missing (got undefined)'],
  ['a nested table field', { leaf: { name: 'a', weight: 'heavy' } }, 'wire.values.Values.leaf.weight: expected a double (a number), got string "heavy"'],
  ['a number for a table', { leaf: 3 }, 'wire.values.Values.leaf: expected an object, got number 3'],
  ['a union member field', { node: { type: 'Leaf', value: { name: 3 } } }, 'wire.values.Values.node.value.name: expected a string, got number 3'],
  ['an unknown union member', { node: { type: 'Tree', value: {} } }, `wire.values.Values.node.type: expected one of 'Leaf', 'Twig', got string "Tree"`],
  ['a union member of the wrong type', { node: { type: 'Twig', value: 5 } }, 'wire.values.Values.node.value: expected an object, got number 5'],
  ['a union member missing', { node: { type: 'Leaf' } }, 'wire.values.Values.node.value: required field is missing (got undefined)'],
  ['a string for a union', { node: 'Leaf' }, 'wire.values.Values.node: expected an object, got string "Leaf"'],
  ['an array for [ubyte]', { bytes: [1, 2] }, 'wire.values.Values.bytes: expected a Uint8Array, got an array'],
  ['a vector element out of range', { shorts: [1, 40000] }, 'wire.values.Values.shorts[1]: expected a short (an integer in -32768..32767), got number 40000'],
  ['a negative element of [ulong]', { longs: [1n, -1n] }, 'wire.values.Values.longs[1]: expected a ulong (a bigint in 0n..18446744073709551615n), got bigint -1n'],
  ['a number in [bool]', { flags: [true, 0] }, 'wire.values.Values.flags[1]: expected a bool (true or false), got number 0'],
  ['a string for a vector of strings', { names: 'a,b' }, 'wire.values.Values.names: expected an array, got string "a,b"'],
  ['a number in a vector of strings', { names: ['a', 5] }, 'wire.values.Values.names[1]: expected a string, got number 5'],
  ['null in a vector of structs', { points: [point, null] }, 'wire.values.Values.points[1]: expected an object, got null'],
  ['a struct member in a vector', { points: [point, { ...point, tags: [0, -1] }] }, 'wire.values.Values.points[1].tags[1]: expected a ubyte (an integer in 0..255), got number -1'],
  ['a field of a table in a vector', { leaves: [{ name: 'a' }, { name: 'b' }, { name: 7 }] }, 'wire.values.Values.leaves[2].name: expected a string, got number 7'],
  ['a member name in a vector of enums', { colors: ['Red'] }, 'wire.values.Values.colors[0]: expected a ubyte (an integer in 0..255), got string "Red"'],
];

test('a value of the wrong type is an EncodeTypeError (a TypeError) naming its path', async () => {
  const m = await values();
  const encode = fn<[unknown], Uint8Array>(m, 'encodeValues');
  const { EncodeTypeError } = (await importModule(join(valuesDir, 'ts', 'index.ts'))) as {
    EncodeTypeError: new () => TypeError & { root: string; path: string; problem: string };
  };
  for (const [what, change, message] of cases) {
    let thrown: unknown;
    try {
      encode({ id: 'x', ...change });
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof EncodeTypeError, `${what}: ${String(thrown)}`);
    assert.ok(thrown instanceof TypeError, what);
    assert.is((thrown as Error).message, message, what);
    const e = thrown as InstanceType<typeof EncodeTypeError>;
    assert.is(`${e.root}${e.path}: ${e.problem}`, message, what);
    assert.ok(String((thrown as Error).stack).includes(message), `${what}: the stack shows the final message`);
  }
  // Not an object at all.
  for (const [v, got] of [
    [undefined, 'undefined'],
    [null, 'null'],
    ['x', 'string "x"'],
    [[], 'an array'],
  ] as const) {
    assert.throws(
      () => encode(v),
      (e: unknown) => e instanceof EncodeTypeError && (e as Error).message === `wire.values.Values: expected an object, got ${got}`,
    );
  }
  // The encoder is usable after a failure (the shared builder starts afresh).
  assert.equal(fn<[Uint8Array], Record<string, unknown>>(m, 'decodeValues')(encode({ id: 'y' }))['id'], 'y');
});

test('idl: the path runs through nested tables and vectors (hms.metrics)', async () => {
  const metrics = await importModule(join(idlDir, 'ts', 'hms', 'metrics.ts'));
  const encode = fn<[unknown], Uint8Array>(metrics, 'encodeRecordSampleRequest');
  const labels = [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 3, value: '3' }];
  assert.throws(
    () => encode({ agentId: 'a', sample: { name: 'm', labels } }),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === 'hms.metrics.RecordSampleRequest.sample.labels[2].key: expected a string, got number 3',
  );
  // What a caller must give: the required fields only.
  const decode = fn<[Uint8Array], Record<string, unknown>>(metrics, 'decodeRecordSampleRequest');
  assert.equal(decode(encode({ agentId: 'a', sample: { name: 'm' } })), {
    agentId: 'a',
    sample: { name: 'm', value: 0, kind: 1, labels: null, timestampMs: 0n },
  });
});

test('the input types: required fields only, decoded values accepted, wrong types refused (tsc --strict)', () => {
  const consumer = join(valuesDir, 'consumer.ts');
  writeFileSync(
    consumer,
    `import { decodeValues, encodeValues, encodeLeaf, type Values, type ValuesInit } from './ts/wire/values.js';
import { encodeRecordSampleRequest, MetricKind } from '../idl/ts/hms/metrics.js';

encodeValues({ id: 'x' });
const names: readonly string[] = ['a'];
const init: ValuesInit = { id: 'x', text: null, leaf: { name: 'l' }, node: { type: 'Leaf', value: { name: 'n' } }, names };
encodeValues(init);
encodeLeaf({ name: 'l' });
const v: Values = decodeValues(encodeValues(init));
const i: number = v.i;
const color: number = v.color;
encodeValues(v);
encodeRecordSampleRequest({ agentId: 'a', sample: { name: 'm', kind: MetricKind.Counter } });
// @ts-expect-error id is required
encodeValues({});
// @ts-expect-error a nested table's required field
encodeValues({ id: 'x', leaf: {} });
// @ts-expect-error not a number
encodeValues({ id: 'x', u: '1' });
// @ts-expect-error a defaulted scalar is not nullable
encodeValues({ id: 'x', u: null });
export { i, color };
`,
  );
  const r = tsc([consumer]);
  assert.is(r.status, 0, r.output);
});

test.run();
