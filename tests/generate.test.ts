import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileText } from '../generator/src/frontend/compile.js';
import { COMMON_EXPORTS, rpcExport, serviceChecksum, serviceContractText } from '../generator/src/codegen/abi.js';
import { cPrototype as koffiPrototype } from '../generator/src/backends/c/prototypes.js';
import { rustSignature } from '../generator/src/backends/rust/abi.js';
import type { Backend } from '../generator/src/codegen/backend.js';
import { stampText } from '../generator/src/codegen/backend.js';
import { BACKENDS } from '../generator/src/codegen/backends.js';
import { generate } from '../generator/src/codegen/generate.js';
import { DEFAULT_LANGS } from '../generator/src/codegen/output.js';
import { fnv1a64, fnv1a64Hex, fnv1a64Slow } from '../generator/src/codegen/hash.js';
import { mergeSchemas } from '../generator/src/codegen/schema-set.js';
import { CodeWriter, TsImports } from '../generator/src/codegen/writer.js';
import { defaultTemplatesDir } from '../generator/src/codegen/templates.js';
import type { Schema } from '../generator/src/ir/model.js';

function schemaOf(text: string, file = 'mem.fbs'): Schema {
  const r = compileText(file, text);
  if (!r.schema) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.schema;
}

const hash = suite('codegen: FNV-1a 64');
hash('matches the published test vectors and the reference implementation', () => {
  // Vectors from the FNV reference (and hms_ffi::fnv1a64's tests).
  assert.is(fnv1a64Hex(''), 'cbf29ce484222325');
  assert.is(fnv1a64Hex('a'), 'af63dc4c8601ec8c');
  assert.is(fnv1a64Hex('foobar'), '85944171f73967e8');
  for (let i = 0; i < 200; i++) {
    const b = randomBytes(i * 7);
    assert.is(fnv1a64(b), fnv1a64Slow(b));
  }
});
hash.run();

const abi = suite('codegen: ABI description');
abi('renders the same function for koffi and for Rust', () => {
  const create = COMMON_EXPORTS.find((f) => f.name === 'hms_agent_create');
  assert.ok(create);
  assert.is(
    koffiPrototype(create),
    'int32_t hms_agent_create(uint32_t type_id, const uint8_t *config, uint32_t config_len, uint64_t *out_handle, ' +
      'uint8_t *out, uint32_t out_cap)',
  );
  assert.is(
    rustSignature(create),
    'hms_agent_create(type_id: u32, config: *const u8, config_len: u32, out_handle: *mut u64, out: *mut u8, ' +
      'out_cap: u32) -> i32',
  );
  const free = COMMON_EXPORTS.find((f) => f.name === 'hms_free_buffer');
  assert.ok(free);
  assert.is(koffiPrototype(free), 'void hms_free_buffer(uint8_t *ptr, uint32_t len)');
  assert.is(rustSignature(free), 'hms_free_buffer(ptr: *mut u8, len: u32)');
});

const SERVICE = `
namespace t;
/// docs do not count
table Req { a: int; b: string; }
table Resp { ok: bool = true; items: [Item]; }
table Item { v: ushort; }
rpc_service Svc { call(Req):Resp; }
`;

abi('service checksums cover the layout of every reachable type, not only names', () => {
  const base = mergeSchemas([schemaOf(SERVICE)]);
  const svc = base.services[0];
  assert.ok(svc);
  const sum = serviceChecksum(base, svc);
  const text = serviceContractText(base, svc);
  assert.match(text, 'table t.Item');
  assert.match(text, 'rpc call t.Req -> t.Resp');
  const variants: Record<string, string> = {
    'nested field retyped': SERVICE.replace('v: ushort', 'v: uint'),
    'field added': SERVICE.replace('a: int; b: string;', 'a: int; b: string; c: long;'),
    'default changed': SERVICE.replace('= true', '= false'),
    'rpc renamed': SERVICE.replace('call(Req)', 'invoke(Req)'),
  };
  for (const [what, text2] of Object.entries(variants)) {
    const s2 = mergeSchemas([schemaOf(text2)]);
    assert.is.not(serviceChecksum(s2, s2.services[0] as never), sum, what);
  }
  const docsOnly = mergeSchemas([schemaOf(SERVICE.replace('/// docs do not count', '/// other words'))]);
  assert.is(serviceChecksum(docsOnly, docsOnly.services[0] as never), sum, 'documentation does not change bytes');
  assert.is(rpcExport('hms_t_svc_call', svc.calls[0] as never).params.length, 5);
});
abi.run();

const writer = suite('codegen: code writer');
writer('indents blocks, trims trailing blank lines, renders imports sorted', () => {
  const w = new CodeWriter('  ');
  w.block('export function f() {', () => {
    w.line('return 1;');
  });
  w.gap().gap().line('// end').line();
  assert.is(w.toString(), 'export function f() {\n  return 1;\n}\n\n// end\n');
  const imp = new TsImports();
  imp.value('./b.js', 'B');
  imp.type('./b.js', 'BType');
  imp.namespace('flatbuffers', 'flatbuffers');
  imp.type('./a.js', 'A');
  assert.equal(imp.render(), [
    "import * as flatbuffers from 'flatbuffers';",
    "import type { A } from './a.js';",
    "import { B, type BType } from './b.js';",
  ]);
});
writer.run();

/** A backend writing one file per table, for the output-set tests. */
const fake: Backend = {
  lang: 'ts',
  emit(ctx) {
    for (const o of ctx.set.objects)
      ctx.out.add(`ts/${o.shortName}.txt`, `// ${stampText(ctx, ctx.deps.declaration(o.name))}\n${o.name}\n`);
  },
};

const out = suite('codegen: output directory');
function tempRepo(): { dir: string; schema: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hms-generate-'));
  const schema = join(dir, 'a.fbs');
  writeFileSync(schema, 'namespace n;\ntable A { x: int; }\ntable B { y: string; }\n');
  return { dir, schema, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `generate` of `schema` into `dir/generated` with the fake backend. */
function fakeOptions(dir: string, schema: string) {
  return {
    files: [schema],
    includePaths: [],
    outDir: join(dir, 'generated'),
    langs: ['ts' as const],
    templatesDir: defaultTemplatesDir(),
    backends: [fake],
  };
}

out('writes only what changed, reports drift, removes leftovers', () => {
  const { dir, schema, done } = tempRepo();
  try {
    const outDir = join(dir, 'generated');
    const opts = fakeOptions(dir, schema);
    const first = generate({ ...opts, check: true });
    assert.is(first.kind, 'done');
    if (first.kind !== 'done') return;
    assert.equal(first.drift.missing, ['ts/A.txt', 'ts/B.txt']);
    const written = generate({ ...opts, check: false });
    assert.is(written.kind, 'done');
    const a = join(outDir, 'ts', 'A.txt');
    assert.match(
      readFileSync(a, 'utf8'),
      /^\/\/ Generated by hms-gen \d+\.\d+\.\d+ from .*a\.fbs \(schema sha256 [0-9a-f]{16}\)\. Do not edit\.\n/,
    );
    const mtime = statSync(a).mtimeMs;
    const again = generate({ ...opts, check: false });
    if (again.kind !== 'done') throw new Error('expected done');
    assert.equal([...again.drift.changed, ...again.drift.missing, ...again.drift.extra], [], 'nothing to do twice');
    assert.is(statSync(a).mtimeMs, mtime, 'unchanged files are not rewritten');
    writeFileSync(a, 'edited by hand\n');
    mkdirSync(join(outDir, 'ts', 'old'), { recursive: true });
    // A leftover of an older schema carries the stamp (only stamped files are the generator's to remove).
    writeFileSync(
      join(outDir, 'ts', 'old', 'C.txt'),
      '// Generated by hms-gen 0.0.1 from old.fbs (schema sha256 0000000000000000). Do not edit.\n',
    );
    const drift = generate({ ...opts, check: true });
    if (drift.kind !== 'done') throw new Error('expected done');
    assert.equal(drift.drift.changed, ['ts/A.txt']);
    assert.equal(drift.drift.extra, ['ts/old/C.txt']);
    generate({ ...opts, check: false });
    const clean = generate({ ...opts, check: true });
    if (clean.kind !== 'done') throw new Error('expected done');
    assert.equal([...clean.drift.changed, ...clean.drift.missing, ...clean.drift.extra], []);
  } finally {
    done();
  }
});

out('an unsupported construct is a located E200 and nothing is written', () => {
  const { dir, done } = tempRepo();
  try {
    const schema = join(dir, 'v64.fbs');
    writeFileSync(schema, 'namespace n;\ntable Big {\n  data: [ubyte] (vector64);\n}\n');
    const r = generate({ ...fakeOptions(dir, schema), check: false });
    assert.is(r.kind, 'unsupported');
    if (r.kind !== 'unsupported') return;
    assert.match(r.rendered, `${schema}:3:3: error[E200]: n.Big.data: 64-bit vectors (vector64) are not supported`);
    assert.match(r.rendered, '3 |   data: [ubyte] (vector64);');
    assert.not.ok(statSync(join(dir, 'generated'), { throwIfNoEntry: false }));
  } finally {
    done();
  }
});

out(
  'what check accepts with a warning but no code can represent is a located E200 before any backend (issue 9)',
  () => {
    const { dir, done } = tempRepo();
    try {
      const many = Array.from({ length: 32766 }, (_, i) => `  f${i}: byte;`).join('\n');
      const cases: [string, string, string, RegExp][] = [
        [
          'union-tags',
          'table W {}\nunion U { A: W = 2, B: W = 1, C: W }\ntable T { u: U; }\n',
          'W009',
          /:2:31: error\[E200\]: U: union members A and C share the type tag 2/,
        ],
        [
          'rpc-struct',
          'table R {}\nrpc_service S {\n  Get(P): R;\n}\nstruct P { x: int; }\n',
          'W010',
          /:3:3: error\[E200\]: S\.Get: rpc request and response types must be tables: P is a struct/,
        ],
        [
          'self-struct',
          'struct V {\n  x: float;\n  next: V;\n}\ntable T { v: V; }\n',
          'W011',
          /:3:3: error\[E200\]: V\.next: a struct cannot contain itself/,
        ],
        ['vtable', `table Huge {\n${many}\n}\n`, 'W012', /:32767:3: error\[E200\]: Huge\.f32765: too many fields/],
        [
          'namespace',
          `namespace ${Array.from({ length: 65 }, (_, i) => `n${i}`).join('.')};\ntable T {}\n`,
          '',
          /:2:7: error\[E200\]: T: namespace has 65 components; the code generators allow at most 64/,
        ],
      ];
      for (const [name, text, warning, expected] of cases) {
        const schema = join(dir, `${name}.fbs`);
        writeFileSync(schema, text);
        let ran = false;
        const spy: Backend = { lang: 'ts', emit: () => void (ran = true) };
        const r = generate({
          files: [schema],
          includePaths: [],
          outDir: join(dir, 'generated'),
          langs: ['ts'],
          templatesDir: defaultTemplatesDir(),
          backends: [spy],
          check: false,
        });
        assert.is(r.kind, 'unsupported', `${name}: ${r.kind}`);
        if (r.kind !== 'unsupported') continue;
        if (warning) assert.match(r.rendered, `warning[${warning}]`, name);
        assert.match(r.rendered, expected, name);
        assert.not.ok(ran, `${name}: a backend ran`);
        assert.not.ok(statSync(join(dir, 'generated'), { throwIfNoEntry: false }), name);
      }
    } finally {
      done();
    }
  },
);

out('schema errors stop generation with the front end diagnostics', () => {
  const { dir, done } = tempRepo();
  try {
    const schema = join(dir, 'bad.fbs');
    writeFileSync(schema, 'table T { x: Missing; }\n');
    const r = generate({ ...fakeOptions(dir, schema), check: false });
    assert.is(r.kind, 'schema-errors');
    if (r.kind === 'schema-errors') assert.match(r.rendered, 'error[E030]');
  } finally {
    done();
  }
});
out.run();

const stamps = suite('codegen: a file changes only when an input it depends on changes');
const REPO = join(import.meta.dirname, '..');

/** Every generated file of `dir`: its text and mtime, by path relative to `dir`. */
function snapshot(dir: string): Map<string, { text: string; mtime: number }> {
  const out = new Map<string, { text: string; mtime: number }>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out.set(relative(dir, p), { text: readFileSync(p, 'utf8'), mtime: statSync(p).mtimeMs });
  }
  return out;
}

/** Generates the .fbs files of `dir/idl` (all languages, the repository's agent crate) into `dir/out`; returns what it rewrote. */
function regenerate(dir: string): { rewritten: string[]; after: Map<string, { text: string; mtime: number }> } {
  const idl = join(dir, 'idl');
  const outDir = join(dir, 'out');
  const before = statSync(outDir, { throwIfNoEntry: false }) ? snapshot(outDir) : new Map();
  const files = readdirSync(idl)
    .filter((f) => f.endsWith('.fbs'))
    .sort()
    .map((f) => join(idl, f));
  const r = generate({
    files,
    includePaths: [idl],
    outDir,
    langs: DEFAULT_LANGS,
    templatesDir: defaultTemplatesDir(),
    check: false,
    backends: BACKENDS,
    config: { rust: { agents: { crate: 'hms-agents', path: join(REPO, 'runtime-rs', 'hms-agents') } } },
  });
  if (r.kind !== 'done') throw new Error(r.rendered);
  const after = snapshot(outDir);
  const rewritten: string[] = [];
  for (const [p, now] of after) {
    const was = before.get(p);
    if (was === undefined || was.text !== now.text) rewritten.push(p);
    else assert.is(now.mtime, was.mtime, `${p}: unchanged content, not rewritten`);
  }
  return { rewritten: rewritten.sort(), after };
}

const stampOf = (files: Map<string, { text: string }>, p: string): string => files.get(p)?.text.split('\n')[0] ?? '';

/** The files a stamp names, relative to `dir`. */
function stampFiles(dir: string, stamp: string): string[] {
  const m = / from (.*?)(?: \(schema sha256 [0-9a-f]{16}\))?\. Do not edit\./.exec(stamp);
  if (!m) throw new Error(`no stamp: ${stamp}`);
  return m[1] === 'no schema' ? [] : (m[1] as string).split(', ').map((f) => relative(dir, f));
}

// Files that list every namespace or serve the whole ABI: they change with any service (their
// stamps name every schema declaring something).
const ABI_WIDE = [
  'c/hms_agent.h',
  'rust/agent-lib/src/lib.rs',
  'rust/contracts/src/agent.rs',
  'rust/contracts/src/hms.rs',
  'rust/contracts/src/lib.rs',
  'ts/_ffi.ts',
  'ts/index.ts',
];

stamps('adding a schema or editing a table rewrites only the files that depend on it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-stamps-'));
  try {
    cpSync(join(REPO, 'idl'), join(dir, 'idl'), { recursive: true });
    const first = regenerate(dir).after;
    // Stamps name a file's own inputs: its namespace's schema and what that references (common.fbs),
    // plus, for a service, the schemas of the services numbered before it (method ids, accessors).
    assert.equal(stampFiles(dir, stampOf(first, 'ts/hms.ts')), ['idl/hms/common.fbs']);
    assert.equal(stampFiles(dir, stampOf(first, 'ts/hms/breaker.ts')), [
      'idl/circuit_breaker.fbs',
      'idl/hms/common.fbs',
    ]);
    assert.equal(stampFiles(dir, stampOf(first, 'rust/contracts/src/hms/breaker.rs')), [
      'idl/circuit_breaker.fbs',
      'idl/hms/common.fbs',
    ]);
    // hms.config.ConfigurationManager is numbered after hms.breaker and hms.bus.
    assert.equal(stampFiles(dir, stampOf(first, 'ts/hms/config.ts')), [
      'idl/circuit_breaker.fbs',
      'idl/configuration_manager.fbs',
      'idl/hms/common.fbs',
      'idl/message_bus.fbs',
    ]);
    assert.equal(stampFiles(dir, stampOf(first, 'ts/_runtime.ts')), []);
    assert.equal(stampFiles(dir, stampOf(first, 'rust/contracts/Cargo.toml')), []);
    // The agent library's manifest names crates and paths of hms-gen.json, nothing of the schemas.
    assert.equal(stampFiles(dir, stampOf(first, 'rust/agent-lib/Cargo.toml')), []);
    assert.is(
      stampOf(first, 'ts/hms/breaker.ts').match(/sha256 (\w+)/)?.[1],
      stampOf(first, 'rust/contracts/src/hms/breaker.rs').match(/sha256 (\w+)/)?.[1],
    );

    // (a) A new agent schema: a service in its own namespace, sorting after every other service.
    writeFileSync(
      join(dir, 'idl', 'scheduler.fbs'),
      [
        'include "hms/common.fbs";',
        'namespace hms.scheduler;',
        'table ScheduleRequest { job: string; at_ms: ulong; }',
        'rpc_service Scheduler { schedule(ScheduleRequest):hms.Ack; }',
        '',
      ].join('\n'),
    );
    const added = regenerate(dir);
    assert.equal(added.rewritten, [...ABI_WIDE, 'rust/contracts/src/hms/scheduler.rs', 'ts/hms/scheduler.ts'].sort());
    assert.match(stampOf(added.after, 'ts/index.ts'), 'idl/scheduler.fbs');
    assert.not.match(stampOf(added.after, 'ts/hms/recovery.ts'), 'scheduler');

    // (b) A field added to a table of metrics_collector.fbs: its modules and the files serving the
    // whole ABI (the service checksums cover the layout), nothing else. The services numbered after
    // MetricsCollector keep their ids (its rpcs did not change), and a namespace's parent module
    // (rust/contracts/src/hms.rs) lists its children by name only: their stamps stay too.
    const metrics = join(dir, 'idl', 'metrics_collector.fbs');
    const text = readFileSync(metrics, 'utf8');
    assert.match(text, 'table Label {');
    writeFileSync(metrics, text.replace('table Label {', 'table Label {\n  unit: string;'));
    const edited = regenerate(dir);
    assert.equal(
      edited.rewritten,
      [
        ...ABI_WIDE.filter((f) => f !== 'rust/contracts/src/hms.rs'),
        'rust/contracts/src/hms/metrics.rs',
        'ts/hms/metrics.ts',
      ].sort(),
    );
    assert.match(edited.after.get('ts/hms/metrics.ts')?.text ?? '', 'unit');
    for (const p of ['ts/hms/recovery.ts', 'rust/contracts/src/hms/scheduler.rs', 'rust/contracts/src/hms.rs'])
      assert.is(edited.after.get(p)?.text, added.after.get(p)?.text, p);

    // (c) A new rpc in MetricsCollector renumbers the services after it: their modules change.
    writeFileSync(
      metrics,
      readFileSync(metrics, 'utf8').replace(
        /rpc_service MetricsCollector \{/,
        (m) => `${m}\n  added_by_test(hms.Ack):hms.Ack;`,
      ),
    );
    const renumbered = regenerate(dir);
    for (const p of ['ts/hms/recovery.ts', 'ts/hms/scheduler.ts', 'rust/contracts/src/hms/recovery.rs'])
      assert.ok(renumbered.rewritten.includes(p), `${p} is renumbered`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
stamps('dependencies: references, namespace neighbours, shadowing candidates, root types, services', async () => {
  const { loadSchemaSet } = await import('../generator/src/codegen/schema-set.js');
  const { Dependencies } = await import('../generator/src/codegen/dependencies.js');
  const dir = mkdtempSync(join(tmpdir(), 'hms-deps-'));
  try {
    const files: Record<string, string> = {
      'z.fbs': 'namespace z;\ntable Q { v: int; }\n',
      // Would shadow z.Q if it declared x.z.Q: B's code depends on it.
      'xz.fbs': 'namespace x.z;\ntable Other { v: int; }\n',
      // Same namespace as B: names are allocated per namespace.
      'xy.fbs': 'namespace x.y;\ntable Neighbour { v: int; }\n',
      'b.fbs': 'include "z.fbs";\ninclude "xz.fbs";\ninclude "xy.fbs";\nnamespace x.y;\ntable B { q: z.Q; }\n',
      'unrelated.fbs': 'namespace u;\ntable U { v: int; }\n',
      'root.fbs': 'include "z.fbs";\nnamespace r;\ntable R { v: int; }\nroot_type z.Q;\nfile_identifier "ROOT";\n',
    };
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    const loaded = loadSchemaSet(
      ['b.fbs', 'unrelated.fbs', 'root.fbs'].map((f) => join(dir, f)),
      [],
    );
    if (!loaded.set) throw new Error(loaded.rendered);
    const deps = new Dependencies(loaded.set);
    const names = (inputs: { readonly files: readonly string[] }) => inputs.files.map((f) => relative(dir, f));
    assert.equal(names(deps.namespace(['u'])), ['unrelated.fbs']);
    // z.Q is the root type of root.fbs (its file_identifier is in Q's code).
    assert.equal(names(deps.namespace(['z'])), ['root.fbs', 'z.fbs']);
    assert.equal(names(deps.namespace(['x', 'y'])), ['b.fbs', 'root.fbs', 'xy.fbs', 'xz.fbs', 'z.fbs']);
    assert.equal(names(deps.subtree(['x'])), ['b.fbs', 'xy.fbs', 'xz.fbs']);
    assert.equal(names(deps.all()), ['b.fbs', 'root.fbs', 'unrelated.fbs', 'xy.fbs', 'xz.fbs', 'z.fbs']);
    assert.is(deps.namespace(['u']).hash, deps.namespace(['u']).hash);
    assert.is.not(deps.namespace(['z']).hash, deps.namespace(['u']).hash);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
stamps.run();

const config = suite('codegen: hms-gen.json');
config('accepts the documented shape and rejects anything else with the key named', async () => {
  const { parseConfig } = await import('../generator/src/codegen/config.js');
  assert.equal(parseConfig('{}'), {});
  assert.equal(parseConfig('{"rust":{"agents":{"crate":"hms-agents","path":"runtime-rs/hms-agents"}}}'), {
    rust: { agents: { crate: 'hms-agents', path: 'runtime-rs/hms-agents' } },
  });
  const bad: Record<string, RegExp> = {
    '[]': /expected an object/,
    '{"rust":{"agent":{}}}': /unknown key rust\.agent/,
    '{"rust":{"agents":{"crate":"a b","path":"x"}}}': /rust\.agents\.crate/,
    '{"rust":{"agents":{"crate":"a"}}}': /rust\.agents\.path/,
    '{oops': /not valid JSON/,
    '{"rust":{"agents":[]}}': /rust\.agents: expected at least one agents crate/,
    '{"rust":{"agents":[{"crate":"a","path":"a"},{"crate":"b"}]}}': /rust\.agents\[1\]\.path: expected a path/,
    '{"rust":{"agents":[{"crate":"a","path":"a"},"b"]}}': /rust\.agents\[1\]: expected an object/,
    '{"rust":{"agents":[{"crate":"a-b","path":"a"},{"crate":"a_b","path":"b"}]}}':
      /rust\.agents\[1\]\.crate: a_b is the same crate as rust\.agents\[0\]\.crate/,
    '{"rust":{"agents":{"crate":"hms-ffi","path":"a"}}}':
      /rust\.agents\.crate: hms-ffi is the same crate as the library's dependency hms-ffi/,
    '{"rust":{"agents":{"crate":"lib","path":"a"},"agentLibrary":{"crate":"lib"}}}':
      /rust\.agents\.crate: lib is the same crate as rust\.agentLibrary\.crate/,
    '{"rust":{"agentLibrary":{"crate":"x y"}}}': /rust\.agentLibrary\.crate: expected a crate name/,
    '{"rust":{"agentLibrary":{"name":"x"}}}': /unknown key rust\.agentLibrary\.name/,
  };
  for (const [text, err] of Object.entries(bad)) assert.throws(() => parseConfig(text), err, text);
});

config('rust.agents as a list and the agent library crate name', async () => {
  const { agentLibrary, agentsCrates, parseConfig } = await import('../generator/src/codegen/config.js');
  const one = parseConfig('{"rust":{"agents":{"crate":"hms-agents","path":"runtime-rs/hms-agents"}}}');
  assert.equal(agentsCrates(one), [{ crate: 'hms-agents', path: 'runtime-rs/hms-agents' }]);
  assert.equal(agentLibrary(one), {
    crate: 'hms-agent-lib',
    ident: 'hms_agent_lib',
    agents: [{ crate: 'hms-agents', path: 'runtime-rs/hms-agents', ident: 'hms_agents' }],
  });
  const two = parseConfig(
    '{"rust":{"agents":[{"crate":"a","path":"x"},{"crate":"evolved-b","path":"y"}],"agentLibrary":{"crate":"my-lib"}}}',
  );
  assert.equal(agentLibrary(two), {
    crate: 'my-lib',
    ident: 'my_lib',
    agents: [
      { crate: 'a', path: 'x', ident: 'a' },
      { crate: 'evolved-b', path: 'y', ident: 'evolved_b' },
    ],
  });
  assert.is(
    agentLibrary(parseConfig('{"rust":{"agentLibrary":{"crate":"my-lib"}}}')),
    undefined,
    'no agents crate, no library',
  );
});
config.run();

const symbols = suite('codegen: rpc symbols');
symbols('both emitters name an rpc export hms_<service>_<rpc> in snake_case', async () => {
  const { rpcSymbol, snakeCase } = await import('../generator/src/codegen/abi.js');
  assert.is(snakeCase('HealthMonitor'), 'health_monitor');
  assert.is(snakeCase('getHTTPStatus'), 'get_http_status');
  assert.is(snakeCase('register_agent'), 'register_agent');
  const set = mergeSchemas([schemaOf(SERVICE)]);
  const svc = set.services[0];
  assert.ok(svc);
  assert.is(rpcSymbol(svc, svc.calls[0] as never), 'hms_svc_call');
});
symbols.run();
