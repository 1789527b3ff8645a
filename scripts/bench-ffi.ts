// FFI benchmark of the agent ABI (entry point: scripts/bench-ffi). In one run:
//   setup — generates Rust + TypeScript bindings for bench/ffi/bench.fbs (hms.bench.Echo) with the
//     generator's sources into target/hms-bench/gen, builds the agent library over bench/ffi/agents
//     in release mode (CARGO_TARGET_DIR=target/hms-bench-target) and typechecks bench/ffi/cases.ts
//     against the fresh bindings;
//   per call — one small request and response table (three scalars and a short string each way),
//     answered by: (1) the generated sync binding `EchoClient.ping` (TS encode, koffi call, Rust
//     verify/decode/dispatch/encode, TS decode); (2) the same payload as JSON over koffi (JSON.stringify,
//     serde_json in a hand-written export, JSON.parse); (3) koffi calls of no-op exports (the floor);
//     (4) the same service in TypeScript, called in-process through the generated `Echo` interface;
//     plus the parts of (1) on their own (encode, AgentLibrary.call, decode, and the Rust dispatch
//     run n times inside Rust) and the Rust side of (2) alone;
//   batched — `EchoClient.pingBatch`: N messages encoded in TS, one crossing, N results decoded in TS.
// Every case runs in interleaved rounds (rotating order), so machine noise hits all alike; the
// ratios are taken per round (side by side) and their median printed. PASS/MISS per target; the
// exit status is 0 either way (a benchmark is not a test).
//
//   node --import tsx scripts/bench-ffi.ts
//
// Environment: HMS_BENCH_ROUNDS (interleaved rounds, default 61), HMS_BENCH_SAMPLE_MS (length of one
// sample, default 10), HMS_BENCH_BATCH (the batch size the throughput target is checked at, default 1000).

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release, arch } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One measured way of doing something `n` times; returns a value derived from every result. */
export interface Case {
  readonly key: string;
  readonly label: string;
  run(n: number): number;
}

/** The batched cases at one batch size: the whole round trip and its parts. */
export interface BatchCases {
  readonly size: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly full: Case;
  readonly parts: readonly Case[];
}

/** What bench/ffi/cases.ts builds over the generated bindings and the bench agent library. */
export interface Cases {
  readonly perCall: readonly Case[];
  batch(size: number): BatchCases;
  close(): void;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(REPO, 'bench', 'ffi');
const WORK = join(REPO, 'target', 'hms-bench');
const GEN = join(WORK, 'gen');
const CARGO_TARGET = join(REPO, 'target', 'hms-bench-target');
const LIB = join(CARGO_TARGET, 'release', 'libhms_agent_lib.so');

const positive = (name: string, dflt: number): number => {
  const raw = process.env[name];
  const v = raw === undefined ? dflt : Number(raw);
  if (!Number.isFinite(v) || v <= 0) die(`${name} must be a positive number, got ${raw}`);
  return v;
};
const ROUNDS = Math.round(positive('HMS_BENCH_ROUNDS', 61));
const SAMPLE_NS = positive('HMS_BENCH_SAMPLE_MS', 10) * 1e6;
const TARGET_BATCH = Math.round(positive('HMS_BENCH_BATCH', 1000));
const WARMUP_NS = 300e6;
const BATCH_SIZES = [...new Set([1, 10, 100, 1000, 10000, TARGET_BATCH])].sort((a, b) => a - b);

const TARGET_CALL_NS = 1500;
const TARGET_VS_JSON = 0.5;
const TARGET_VS_TS = 40;
const TARGET_MSGS_PER_S = 2_000_000;

function die(message: string): never {
  process.stderr.write(`bench-ffi: ${message}\n`);
  process.exit(1);
}

// --- Setup ----------------------------------------------------------------------------------------

function run(what: string, cmd: string, args: readonly string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error || r.status !== 0) {
    die(
      `${what} failed (${cmd} ${args.join(' ')}):\n${String(r.stdout ?? '')}${String(r.stderr ?? '')}${r.error?.message ?? ''}`,
    );
  }
  return String(r.stdout ?? '');
}

function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function setup(): void {
  // The generator from its sources (warm runs answer from its cache in GEN).
  run(
    'hms-gen generate',
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'generator', 'src', 'cli', 'main.ts'),
      'generate',
      '--lang',
      'rust,ts',
      '-I',
      join(REPO, 'idl'),
      '--out',
      GEN,
      'bench.fbs',
    ],
    { cwd: BENCH },
  );
  // Its own Cargo workspace: the agent library (its contracts crate comes along as a path member;
  // bench/ffi/agents is a plain path dependency, excluded from the repository's workspace).
  writeIfChanged(
    join(WORK, 'Cargo.toml'),
    [
      "# Written by scripts/bench-ffi: the workspace of the FFI benchmark's agent library.",
      '[workspace]',
      'resolver = "2"',
      'members = ["gen/rust/agent-lib"]',
      '',
    ].join('\n'),
  );
  // Start from the repository's lock file, so shared dependencies (flatbuffers) have its versions.
  if (!existsSync(join(WORK, 'Cargo.lock')))
    writeFileSync(join(WORK, 'Cargo.lock'), readFileSync(join(REPO, 'Cargo.lock')));
  if (!existsSync(LIB))
    process.stderr.write('bench-ffi: first build of the bench agent library (cargo --release)...\n');
  run('cargo build', 'cargo', ['build', '--release', '--quiet', '--manifest-path', join(WORK, 'Cargo.toml')], {
    env: { ...process.env, CARGO_TARGET_DIR: CARGO_TARGET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The cases against the bindings just generated (a class implementing the generated interface).
  run('tsc -p bench/ffi', process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', BENCH], {
    cwd: REPO,
  });
}

// --- Measurement ------------------------------------------------------------------------------------

let sink = 0;

/** Nanoseconds per operation of one sample of `n` operations. */
function sample(c: Case, n: number): number {
  const t0 = process.hrtime.bigint();
  sink += c.run(n);
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Warms `c` up (at least WARMUP_NS of running) and returns how many operations make one sample. */
function calibrate(c: Case): number {
  let n = 1;
  let spent = 0;
  let perOp = 0;
  for (;;) {
    perOp = sample(c, n);
    spent += perOp * n;
    if (spent >= WARMUP_NS && perOp * n >= SAMPLE_NS / 8) break;
    n *= 2;
  }
  return Math.max(1, Math.round(SAMPLE_NS / perOp));
}

interface Measured {
  readonly c: Case;
  readonly n: number;
  readonly ns: number[];
}

/** ROUNDS interleaved rounds over `cases`, each round starting one case later than the previous. */
function measure(cases: readonly Case[]): Map<string, Measured> {
  const out = new Map<string, Measured>();
  for (const c of cases) out.set(c.key, { c, n: calibrate(c), ns: [] });
  const list = [...out.values()];
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < list.length; k++) {
      const m = list[(r + k) % list.length] as Measured;
      m.ns.push(sample(m.c, m.n));
    }
  }
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function get(ms: Map<string, Measured>, key: string): Measured {
  const m = ms.get(key);
  if (m === undefined) throw new Error(`no case ${key}`);
  return m;
}

/** Per-round ratios a/b (the two samples of one round were taken side by side). */
const ratios = (a: Measured, b: Measured): number[] => a.ns.map((x, i) => x / (b.ns[i] as number));

const group = (x: number): string => Math.round(x).toLocaleString('en-US');
const ns = (x: number): string =>
  x >= 1e6
    ? `${(x / 1e6).toFixed(2)} ms`
    : x >= 1e5
      ? `${(x / 1e3).toFixed(1)} µs`
      : x >= 100
        ? `${group(x)} ns`
        : `${x.toFixed(1)} ns`;
const times = (x: number): string => (x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`);
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

function row(label: string, n: number, m: readonly number[], extra = ''): string {
  return `  ${pad(label, 54)}${lpad(group(n), 9)}${lpad(ns(median(m)), 11)}${lpad(ns(Math.min(...m)), 11)}${extra}`;
}

function ratioRow(label: string, xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return `  ${pad(label, 44)}${lpad(times(median(xs)), 8)}   (per-round min ${times(s[0] as number)}, p10 ${times(q(0.1))}, p90 ${times(q(0.9))}, max ${times(s[s.length - 1] as number)})`;
}

// --- Main -----------------------------------------------------------------------------------------

const started = Date.now();
setup();
const setupMs = Date.now() - started;
const casesUrl = pathToFileURL(join(BENCH, 'cases.ts')).href;
const { openCases } = (await import(casesUrl)) as { openCases(libPath: string): Cases };
const cases = openCases(LIB);

const koffiVersion = (
  JSON.parse(readFileSync(join(REPO, 'node_modules', 'koffi', 'package.json'), 'utf8')) as { version: string }
).version;
const rustc = spawnSync('rustc', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? 'rustc ?';

console.log('hms-gen FFI benchmark: the agent ABI (docs/ffi-abi.md) through koffi');
console.log(
  `  machine:  ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), ${platform()} ${release()} ${arch()}`,
);
console.log(`  runtime:  node ${process.version}, koffi ${koffiVersion}, ${rustc}`);
console.log(`  library:  ${relative(REPO, LIB)} (cargo --release) over bench/ffi/agents, schema bench/ffi/bench.fbs`);
console.log(
  `  payload:  PingRequest {seq: uint, value: double, weight: int, tag: "bench-tag"} -> PingResponse {seq, value, length, tag}`,
);
console.log(
  `  method:   ${ROUNDS} interleaved rounds (rotating order); one sample = n operations (~${SAMPLE_NS / 1e6} ms),`,
);
console.log(
  `            n calibrated after >= ${WARMUP_NS / 1e6} ms of warm-up per case; setup (generate, cargo, tsc) took ${(setupMs / 1000).toFixed(1)} s`,
);

// Per call.
const perCall = measure(cases.perCall);
console.log('');
console.log(`per call${' '.repeat(49)}n/sample     median        min`);
for (const m of perCall.values()) console.log(row(m.c.label, m.n, m.ns));
const gen = get(perCall, 'generated');
const json = get(perCall, 'json');
const floor = get(perCall, 'floor');
const ts = get(perCall, 'ts');
const vsJson = ratios(gen, json);
const vsTs = ratios(gen, ts);
const vsFloor = ratios(gen, floor);
const med = (key: string): number => median(get(perCall, key).ns);
const [encode, call, decode] = [med('encode'), med('call'), med('decode')];
console.log('');
console.log(`ratios (per round, side by side)${' '.repeat(16)}median`);
console.log(ratioRow('generated / JSON over koffi', vsJson));
console.log(ratioRow('generated / in-process TypeScript', vsTs));
console.log(ratioRow('generated / floor (no-op, rpc signature)', vsFloor));
console.log(ratioRow('JSON over koffi / in-process TypeScript', ratios(json, ts)));
console.log('');
console.log('where a generated call goes (medians of the parts, each measured on its own)');
console.log(
  `  TS encode ${ns(encode)} + AgentLibrary.call ${ns(call)} + TS decode ${ns(decode)} = ${ns(encode + call + decode)} (whole call: ${ns(median(gen.ns))})`,
);
console.log(
  `  AgentLibrary.call ${ns(call)}: the bare koffi call of the export ${ns(med('rawcall'))} + ${ns(call - med('rawcall'))} in AgentLibrary (lookup, DataView, slice)`,
);
console.log(
  `    the export ${ns(med('rawcall'))}: koffi floor ${ns(median(floor.ns))} + Rust dispatch ${ns(med('rust'))} (verify, decode, agent, encode)`,
);
console.log(`    + ${ns(med('rawcall') - median(floor.ns) - med('rust'))} (handle table, panic guard, result copy)`);
console.log(
  `  JSON path: Rust serde_json ${ns(med('rustJson'))}, the rest ${ns(median(json.ns) - med('rustJson'))} (stringify, koffi, parse)`,
);

// Batched.
const batches = BATCH_SIZES.map((size) => cases.batch(size));
const batchCases: Case[] = [];
for (const b of batches) batchCases.push(b.full, ...(b.size === TARGET_BATCH ? b.parts : []));
const batched = measure(batchCases);
console.log('');
console.log('batched: EchoClient.pingBatch, one crossing per batch    n/sample median/msg    min/msg    messages/s');
for (const b of batches) {
  const m = get(batched, b.full.key);
  const perMsg = m.ns.map((x) => x / b.size);
  const mark = b.size === TARGET_BATCH ? '  <- target size' : '';
  const what = `${group(b.size)} message${b.size === 1 ? '' : 's'} (${group(b.requestBytes)} B in, ${group(b.responseBytes)} B out)`;
  console.log(row(what, m.n, perMsg, `${lpad(group(1e9 / median(perMsg)), 14)}${mark}`));
  if (b.size === TARGET_BATCH) {
    for (const p of b.parts) {
      const pm = get(batched, p.key);
      console.log(
        row(
          p.label,
          pm.n,
          pm.ns.map((x) => x / b.size),
        ),
      );
    }
  }
}
const target = get(batched, `batch${TARGET_BATCH}`);
const targetPerMsg = median(target.ns) / TARGET_BATCH;
const targetRate = 1e9 / targetPerMsg;

// Targets.
console.log('');
console.log('targets');
const genMedian = median(gen.ns);
console.log(
  `  ${verdict(genMedian <= TARGET_CALL_NS)}  generated sync call <= ${TARGET_CALL_NS / 1000} µs: median ${ns(genMedian)} (min ${ns(Math.min(...gen.ns))})`,
);
console.log(
  `  ${verdict(median(vsJson) <= TARGET_VS_JSON)}  generated <= ${TARGET_VS_JSON}× the JSON path: ${times(median(vsJson))} (median of per-round ratios)`,
);
console.log(
  `  ${verdict(median(vsTs) <= TARGET_VS_TS)}  generated <= ${TARGET_VS_TS}× the in-process TypeScript call: ${times(median(vsTs))} (median of per-round ratios)`,
);
console.log(
  `  ${verdict(targetRate >= TARGET_MSGS_PER_S)}  batched >= ${group(TARGET_MSGS_PER_S)} messages/s: ${group(targetRate)} messages/s at batch size ${TARGET_BATCH} (${ns(targetPerMsg)} per message)`,
);
cases.close();
console.log(`(total ${((Date.now() - started) / 1000).toFixed(1)} s; checksum ${sink % 1000})`);
