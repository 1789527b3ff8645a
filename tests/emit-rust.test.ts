// The Rust types backend end to end: one crate generated from idl/*.fbs plus the corpus'
// monster_test.fbs, optional_scalars.fbs and arrays_test.fbs, built once; every wire case runs
// through its roundtrip binary (flatc -b → Rust decode → Debug → Rust encode → flatc --json).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../generator/src/codegen/config.js';
import { REPO } from './support/cli.js';
import { corpusPresent, corpusRoot, corpusTest } from './support/corpus.js';
import { cargo, generatedFiles, generateRust, roundtripBin, roundtripSource, run, writeAndBuild } from './support/emit-rust-crate.js';
import { oracle } from './support/flatc-wire.js';
import { docLines } from '../generator/src/backends/rust/docs.js';

const FX = join(REPO, 'tests', 'fixtures', 'wire', 'rust');
const CORPUS = join(corpusRoot, 'tests');
const IDL = join(REPO, 'idl');
const idlFiles = readdirSync(IDL)
  .filter((f) => f.endsWith('.fbs'))
  .sort()
  .map((f) => join(IDL, f));
// Without the corpus: the crate has idl/ and names.fbs only, and the corpus cases are skipped.
const CORPUS_INPUTS = corpusPresent ? [join(CORPUS, 'monster_test.fbs'), join(CORPUS, 'optional_scalars.fbs'), join(CORPUS, 'arrays_test.fbs')] : [];
const CORPUS_TYPES = new Set(['MyGame.Example.Monster', 'optional_scalars.ScalarStuff', 'MyGame.Example.ArrayTable']);
const corpusOnly = corpusTest(test, 'emit-rust.test.ts');
const INPUTS = [...idlFiles, ...CORPUS_INPUTS, join(FX, 'names.fbs')];
const INCLUDES = [IDL, ...(corpusPresent ? [join(CORPUS, 'include_test')] : [])];

/** Root types the roundtrip binary knows: schema name → Rust path. */
const TYPES: readonly (readonly [string, string])[] = [
  ['hms.config.ConfigSnapshot', 'hms_contracts::hms::config::ConfigSnapshot'],
  ['hms.config.WatchConfigRequest', 'hms_contracts::hms::config::WatchConfigRequest'],
  ['hms.breaker.AcquireResponse', 'hms_contracts::hms::breaker::AcquireResponse'],
  ['hms.breaker.ResetRequest', 'hms_contracts::hms::breaker::ResetRequest'],
  ['hms.breaker.BreakerStatus', 'hms_contracts::hms::breaker::BreakerStatus'],
  ['hms.consensus.PersistentState', 'hms_contracts::hms::consensus::PersistentState'],
  ['hms.metrics.MetricBatch', 'hms_contracts::hms::metrics::MetricBatch'],
  ['hms.AgentMessage', 'hms_contracts::hms::AgentMessage'],
  ['MyGame.Example.Monster', 'hms_contracts::my_game::example::Monster'],
  ['optional_scalars.ScalarStuff', 'hms_contracts::optional_scalars::ScalarStuff'],
  ['MyGame.Example.ArrayTable', 'hms_contracts::my_game::example::ArrayTable'],
  ['rust_names.b_c.Holder', 'hms_contracts::rust_names::b_c::Holder'],
];

/** A schema of the wire round trips: its file, include paths and the root type the binaries have. */
interface WireSchema {
  readonly schema: string;
  readonly includes: readonly string[];
  readonly rootType: string;
}

const idl = (file: string, rootType: string): WireSchema => ({ schema: join(IDL, file), includes: [IDL], rootType });
const monster: WireSchema = { schema: join(CORPUS, 'monster_test.fbs'), includes: [join(CORPUS, 'include_test')], rootType: 'MyGame.Example.Monster' };
const scalars: WireSchema = { schema: join(CORPUS, 'optional_scalars.fbs'), includes: [], rootType: 'optional_scalars.ScalarStuff' };
const names: WireSchema = { schema: join(FX, 'names.fbs'), includes: [], rootType: 'rust_names.b_c.Holder' };
const arrays: WireSchema = { schema: join(CORPUS, 'arrays_test.fbs'), includes: [], rootType: 'MyGame.Example.ArrayTable' };

interface WireCase {
  readonly json: string;
  readonly schema: WireSchema;
  /** Substrings the decoded value's `{:?}` must contain. */
  readonly expect: readonly string[];
}

const CASES: readonly WireCase[] = [
  {
    json: 'config_snapshot.json',
    schema: idl('configuration_manager.fbs', 'hms.config.ConfigSnapshot'),
    expect: [
      'revision: 42',
      'typed_value: StringValue(StringValue { value: Some("hello") })',
      'version: 18446744073709551615, typed_value: IntValue(IntValue { value: -9223372036854775808 })',
      'typed_value: DoubleValue(DoubleValue { value: 2.5 })',
      'typed_value: BoolValue(BoolValue { value: true })',
      'key: "e.plain", value: Some(""), version: 0, typed_value: None, updated_at_ms: 0, updated_by: None',
    ],
  },
  // Non-zero bit_flags default (= "Put Delete") read when absent (flatc 2.0.8 --rust reads 0).
  { json: 'watch_default.json', schema: idl('configuration_manager.fbs', 'hms.config.WatchConfigRequest'), expect: ['prefix: None', 'events: WatchEvents(Put | Delete), timeout_ms: 30000, max_changes: 256'] },
  { json: 'watch_flags.json', schema: idl('configuration_manager.fbs', 'hms.config.WatchConfigRequest'), expect: ['prefix: Some("")', 'events: WatchEvents(Delete)', 'max_changes: 0'] },
  { json: 'watch_no_events.json', schema: idl('configuration_manager.fbs', 'hms.config.WatchConfigRequest'), expect: ['events: WatchEvents(0x0)'] },
  // Optional scalars: 0 is present, absent is None.
  { json: 'acquire_zero.json', schema: idl('circuit_breaker.fbs', 'hms.breaker.AcquireResponse'), expect: ['AcquireResponse { permitted: true, state: HalfOpen, retry_after_ms: Some(0) }'] },
  { json: 'acquire_absent.json', schema: idl('circuit_breaker.fbs', 'hms.breaker.AcquireResponse'), expect: ['AcquireResponse { permitted: false, state: Open, retry_after_ms: None }'] },
  { json: 'reset_request.json', schema: idl('circuit_breaker.fbs', 'hms.breaker.ResetRequest'), expect: ['name: "svc", force_state: Some(Closed), reason: Some("ops")'] },
  {
    json: 'breaker_status.json',
    schema: idl('circuit_breaker.fbs', 'hms.breaker.BreakerStatus'),
    expect: [
      'state: ForcedOpen, failure_rate: 12.5, slow_call_rate: -1.0',
      'not_permitted_calls: 7',
      'config: Some(BreakerConfig { failure_threshold: 25.0, success_threshold: 0, window_type: TimeBased, sliding_window_size: 100, minimum_calls: 0, open_timeout_ms: 60000',
      'automatic_half_open: true',
    ],
  },
  {
    json: 'persistent_state.json',
    schema: idl('consensus.fbs', 'hms.consensus.PersistentState'),
    expect: [
      'snapshot_last: Some(LogId { term: 2, index: 17 })',
      'LogEntry { term: 3, index: 18, command: Some([1, 2, 255]), kind: NoOp, client_id: Some("c")',
      'LogEntry { term: 3, index: 19, command: None, kind: Command, client_id: None',
    ],
  },
  {
    json: 'metric_batch.json',
    schema: idl('metrics_collector.fbs', 'hms.metrics.MetricBatch'),
    expect: ['agent_id: "a1"', 'value: -1.25, kind: Histogram, labels: Some([Label { key: "k", value: "v" }])', 'name: "g", value: 0.0, kind: Gauge, labels: None'],
  },
  // A Rust keyword field (`type`) and an empty vector (distinct from absent).
  { json: 'agent_message.json', schema: idl('hms/common.fbs', 'hms.AgentMessage'), expect: ['id: "m1", type_: "ping", payload: Some([])'] },
  {
    json: 'monster.json',
    schema: monster,
    expect: [
      'pos: Some(Vec3 { x: 1.0, y: 2.0, z: 3.0, test1: 3.0, test2: Color(Green), test3: Test { a: 5, b: 6 } })',
      'mana: 150, hp: 80, name: "MyMonster", inventory: Some([0, 1, 2, 3, 4]), color: Color(Red | Blue)',
      'test: Monster(Monster {',
      'name: "Fred"',
      'test4: Some([Test { a: 10, b: 20 }, Test { a: 30, b: 40 }]), testarrayofstring: Some(["test1", "test2"])',
      'name: "Barney"',
      'enemy: Some(Monster {',
      'testbool: true',
      'testarrayofbools: Some([true, false, true]), testf: 3.5, testf2: 3.0, testf3: 0.0',
      'testarrayofsortedstruct: Some([Ability { id: 1, distance: 10 }, Ability { id: 2, distance: 20 }])',
      'vector_of_longs: Some([1, -100, 10000000000]), vector_of_doubles: Some([-1.5, 0.0, 10000000000.0])',
      'any_unique: M2(Monster)',
      'any_ambiguous: M3(Monster {',
      'vector_of_enums: Some([Color(Blue), Color(Green)]), signed_enum: Human',
      'long_enum_non_enum_default: LongEnum(0x0), long_enum_normal_default: LongEnum(LongBig)',
      'nan_default: NaN, inf_default: inf',
      'negative_infinity_default: -inf, double_inf_default: inf',
      'native_inline: Some(Test { a: 1, b: 2 })',
    ],
  },
  {
    json: 'monster_defaults.json',
    schema: monster,
    expect: ['pos: None, mana: 150, hp: 100, name: "Plain", inventory: None, color: Color(Blue), test: None', 'signed_enum: None', 'testf: 3.14159'],
  },
  {
    json: 'scalar_stuff.json',
    schema: scalars,
    expect: [
      'just_i8: -1, maybe_i8: Some(0), default_i8: 42, just_u8: 0, maybe_u8: Some(255), default_u8: 0',
      'maybe_i16: Some(-32768)',
      'maybe_u32: Some(0)',
      'maybe_i64: Some(-9223372036854775808)',
      'maybe_u64: Some(18446744073709551615)',
      'maybe_f32: Some(0.0), default_f32: 1.5',
      'maybe_f64: Some(-2.5)',
      'maybe_bool: Some(false), default_bool: false',
      'just_enum: OptionalByte(5), maybe_enum: Some(None), default_enum: Two',
    ],
  },
  {
    json: 'scalar_stuff_empty.json',
    schema: scalars,
    expect: ['maybe_i8: None, default_i8: 42', 'maybe_bool: None, default_bool: true, just_enum: None, maybe_enum: None, default_enum: One'],
  },
  {
    json: 'array_table.json',
    schema: arrays,
    expect: [
      'a: 1.5, b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, -15], c: -3',
      'NestedStruct { a: [1, -2], b: B, c: [A, C], d: [9223372036854775807, -1] }',
      'NestedStruct { a: [3, 4], b: C, c: [B, B], d: [0, 5] }',
      'e: 9, f: [-9223372036854775808, 2]',
    ],
  },
  // Renamed identifiers (keywords, a table named Option, FooRef vs Foo's reader), required
  // struct/table/vector fields, an absent optional union and a required one, an unknown enum value.
  {
    json: 'holder.json',
    schema: names,
    expect: [
      'Holder { p: Pair { a: HTTPServer, b: true }, f: Foo { r: Some(FooRef { x: self }), o: Some(Option2 { type_: 7, self_: Some("me"), foo_bar: 1, foo_bar_2: 2 }) }',
      'names: ["x", ""], u: None, u2: FooRef(FooRef { x: Kind(9) }) }',
    ],
  },
];

let crateDir = '';
let firstFiles = new Map<string, string>();

test.before(() => {
  firstFiles = generatedFiles(generateRust(INPUTS, INCLUDES));
  crateDir = writeAndBuild('contracts', firstFiles, roundtripSource(TYPES.filter(([t]) => corpusPresent || !CORPUS_TYPES.has(t))));
});

test('generated files carry the stamp and the expected module layout', () => {
  const paths = [...firstFiles.keys()];
  for (const p of ['rust/contracts/Cargo.toml', 'rust/contracts/src/lib.rs', 'rust/contracts/src/hms.rs', 'rust/contracts/src/hms/health.rs', ...(corpusPresent ? ['rust/contracts/src/my_game/example.rs', 'rust/contracts/src/optional_scalars.rs'] : [])]) {
    assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
  }
  for (const [p, text] of firstFiles) {
    const first = text.split('\n')[0] ?? '';
    assert.ok(first.startsWith(p.endsWith('.toml') ? '# @generated Generated by hms-gen' : '// @generated Generated by hms-gen'), `${p}: ${first}`);
  }
  assert.match(firstFiles.get('rust/contracts/src/hms.rs') ?? '', 'pub mod health;');
  // .fbs doc comments become rustdoc.
  assert.match(firstFiles.get('rust/contracts/src/hms/breaker.rs') ?? '', '/// Failure rate in percent at or above which the breaker opens (inclusive).');
});

test('generating twice gives identical bytes', () => {
  const again = generatedFiles(generateRust(INPUTS, INCLUDES));
  assert.equal([...again.keys()], [...firstFiles.keys()]);
  for (const [p, text] of firstFiles) assert.ok(again.get(p) === text, `${p} differs between runs`);
});

test('clippy -D warnings passes on the generated crate', () => {
  const clippy = cargo(['clippy', '--quiet', '--lib', '--', '-D', 'warnings'], crateDir);
  assert.is(clippy.status, 0, clippy.stderr);
});

/**
 * generate runs no rustfmt: the backend prints rustfmt's layout itself (backends/rust/layout.ts).
 * Its raw output must be exactly what `rustfmt --check` accepts, file by file.
 */
function assertRustfmtLayout(files: ReadonlyMap<string, string>, what: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'hms-rust-fmt-'));
  const rs: string[] = [];
  for (const [p, text] of files) {
    if (!p.endsWith('.rs')) continue;
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
    rs.push(p);
  }
  assert.ok(rs.length > 0, `${what}: no .rs files`);
  const config = join(REPO, 'templates', 'rust', 'rustfmt.toml');
  const fmt = run('rustfmt', ['--check', '--edition', '2021', '--config-path', config, ...rs], dir);
  assert.is(fmt.status, 0, `${what}: the generated Rust is not rustfmt's layout:\n${fmt.stdout.slice(0, 4000)}${fmt.stderr}`);
}

test("raw generator output is rustfmt's layout: corpus set", () => {
  assertRustfmtLayout(firstFiles, 'corpus set');
});

test("raw generator output is rustfmt's layout: idl/ with hms-gen.json (contracts and agent library)", () => {
  const config = parseConfig(readFileSync(join(REPO, 'hms-gen.json'), 'utf8'));
  const files = generatedFiles(generateRust(idlFiles, [IDL], config));
  assert.ok(files.has('rust/agent-lib/src/lib.rs'), 'idl/ with hms-gen.json generates the agent library');
  assertRustfmtLayout(files, 'idl/');
});

test('schema doc comments become rustdoc lines: brackets and tags escaped, links and code kept', () => {
  assert.equal(
    docLines([' Names match [a-z_]*, see [the spec](https://x.y/z) or <https://x.y>.', ' "<caller>", `steps[0] <T>`', '/ starts a comment']),
    [' Names match \\[a-z_\\]*, see [the spec](https://x.y/z) or <https://x.y>.', ' "\\<caller>", `steps[0] <T>`', ' / starts a comment'],
  );
});

for (const c of CASES) {
  (c.schema.schema.startsWith(CORPUS) ? corpusOnly : test)(`wire round trip ${c.json} (${c.schema.rootType})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'hms-rust-rt-'));
    const flatc = oracle(dir, c.schema.schema, c.schema.includes);
    const input = flatc.binary(readFileSync(join(FX, c.json), 'utf8'), c.schema.rootType);
    const inFile = join(dir, 'in.bin');
    const outFile = join(dir, 'out.bin');
    writeFileSync(inFile, input);
    const r = run(roundtripBin(), [c.schema.rootType, inFile, outFile], dir);
    assert.is(r.status, 0, r.stderr + r.stdout);
    for (const e of c.expect) assert.ok(r.stdout.includes(e), `missing ${e}\nin ${r.stdout}`);
    // Defaults printed on both sides: written and absent defaults read the same.
    const expected = flatc.json(input, c.schema.rootType, true);
    const actual = flatc.json(readFileSync(outFile), c.schema.rootType, true);
    assert.equal(actual, expected);
  });
}

corpusOnly('forged and truncated buffers make decode return an error, not panic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-rust-bad-'));
  const good = Buffer.from(
    oracle(dir, monster.schema, monster.includes).binary(readFileSync(join(FX, 'monster.json'), 'utf8'), monster.rootType),
  );
  const variants: [string, Buffer][] = [
    ['truncated', good.subarray(0, Math.floor(good.length / 2))],
    ['empty', Buffer.alloc(0)],
    ['root offset out of range', Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f]), good.subarray(4)])],
    ['three bytes', Buffer.from([1, 2, 3])],
  ];
  // A string length pointing past the end: patch the u32 before "MyMonster".
  const at = good.indexOf(Buffer.from('MyMonster'));
  if (at >= 4) {
    const forged = Buffer.from(good);
    forged.writeUInt32LE(0x7fffffff, at - 4);
    variants.push(['string length past the end', forged]);
  }
  for (const [what, bytes] of variants) {
    const f = join(dir, 'bad.bin');
    writeFileSync(f, bytes);
    const r = run(roundtripBin(), ['MyGame.Example.Monster', f, join(dir, 'out.bin')], dir);
    assert.is(r.status, 2, `${what}: exit ${r.status}\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, 'decode error: ', what);
  }
});

test('unsupported constructs: exit 1 with a located error[E200]', () => {
  const out = mkdtempSync(join(tmpdir(), 'hms-rust-unsup-'));
  const fx = join('tests', 'fixtures', 'wire', 'rust', 'unsupported_union_vector.fbs');
  const r = run(process.execPath, ['--import', 'tsx', 'generator/src/cli/main.ts', 'generate', '--lang', 'rust', '--out', out, fx], REPO);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, `${fx}:8:3: error[E200]: t.Holder.items: vectors of unions are not supported by the Rust generator`);
  assert.equal(readdirSync(out), []);
  for (const [file, message] of [
    ['unsupported_struct_member.fbs', 'member S is not a table'],
    ['unsupported_string_default.fbs', 'string and vector defaults are not supported'],
  ] as const) {
    const g = generateRust([join(FX, file)], []);
    assert.is(g.kind, 'unsupported', `${file}: ${g.rendered}`);
    assert.match(g.rendered, 'error[E200]');
    assert.match(g.rendered, message);
  }
});

test.run();
