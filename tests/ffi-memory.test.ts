import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import koffi from 'koffi';
import { AgentLibrary, ErrorCodes, RustError, type AgentHandle } from 'hms-runtime';
import { CONTRACT, DECLARATIONS } from '../generated/ts/_ffi.js';
import { decodeAgentError, decodeAgentHealth } from '../generated/ts/hms.js';
import { CircuitBreakerClient } from '../generated/ts/hms/breaker.js';
import {
  decodeListMetricsResponse,
  encodeListMetricsRequest,
  encodeListMetricsResponse,
  ExpositionFormat,
  MetricKind,
  MetricsCollectorClient,
} from '../generated/ts/hms/metrics.js';
import { REPO } from './support/cli.js';
import { expectRejection, expectRustError } from './support/rust-error.js';
import { allocationCounters, buildMemoryProbeLibrary, type AllocationCounters } from './support/ffi-memory-lib.js';

// The FFI memory and panic boundary of the agent ABI (docs/ffi-abi.md). An agent library generated
// by hms-gen for the test agents of tests/fixtures/ffi-memory/agents (a counting global allocator,
// agents that succeed, fail or panic by metric name) is driven through the committed TypeScript
// bindings (generated/ts): after 100,000 calls mixing successes, errors and panics, sync, async and
// through the allocation fallback, the library's live allocations are back at their baseline.
// Set HMS_FFI_MEMORY_LOG=1 to print the measurements.

const log = (...args: unknown[]): void => {
  if (process.env.HMS_FFI_MEMORY_LOG) console.log('[ffi-memory]', ...args);
};

let LIB = '';
let counters: AllocationCounters;

const open = (scratchBytes?: number): AgentLibrary =>
  AgentLibrary.open(LIB, DECLARATIONS, CONTRACT, {
    decodeError: decodeAgentError,
    ...(scratchBytes === undefined ? {} : { scratchBytes }),
  });
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const sample = (name: string, value: number, zone = 'a') => ({
  agentId: 'tester',
  sample: { name, value, kind: MetricKind.Gauge, labels: [{ key: 'zone', value: zone }], timestampMs: BigInt(value) },
});

/** The message each panic kind of the probe agent carries (see the fixture's `misbehave`). */
const PANIC_KINDS = ['fmt', 'static', 'locked', 'any', 'deep'] as const;
type PanicKind = (typeof PANIC_KINDS)[number];
function panicMessage(kind: PanicKind, name: string, value: number): string {
  switch (kind) {
    case 'fmt':
      return `memory-probe panic in ${name} (value ${value})`;
    case 'static':
      return 'memory-probe static panic';
    case 'locked':
      return `memory-probe panic holding the lock in ${name}`;
    case 'any':
      return 'panic with a non-string payload';
    case 'deep':
      return `memory-probe deep panic at ${name}/0`;
  }
}

const setup = (name: string) => {
  const s = suite(name);
  s.before(() => {
    if (LIB === '') {
      const started = Date.now();
      LIB = buildMemoryProbeLibrary();
      counters = allocationCounters(LIB);
      log(`generated and built ${LIB} in ${Date.now() - started} ms`);
    }
  });
  return s;
};

// ---------------------------------------------------------------------------------------------

const panics = setup('ffi-memory: panics cross the boundary as RustError(Panic)');

panics('each kind of panic arrives as code 100 with its message, and the same agent answers after it', () => {
  const lib = open();
  const handle = lib.create('memory-probe');
  const metrics = new MetricsCollectorClient(lib, handle);
  for (const kind of PANIC_KINDS) {
    const name = `panic_${kind}_1`;
    const err = expectRustError(
      () => metrics.recordSample(sample(name, 7)),
      ErrorCodes.Panic,
      panicMessage(kind, name, 7),
    );
    assert.is(err.name, 'RustError');
    // The same agent (same handle) still answers, also after a panic that poisoned its mutex.
    const ack = metrics.recordSample(sample(`ok_after_${kind}`, 1));
    assert.is(ack.ok, true);
    assert.match(ack.message ?? '', `ok_after_${kind}`);
    assert.is(metrics.querySummary({ name: `ok_after_${kind}`, matchers: null, fromMs: 0n, toMs: null }).count, 1n);
  }
  // Every rpc contains its panics, also mid-batch (after part of the batch was stored).
  expectRustError(
    () => metrics.querySummary({ name: 'panic_deep_2', matchers: null, fromMs: 0n, toMs: null }),
    100,
    'memory-probe deep panic at panic_deep_2/0',
  );
  expectRustError(
    () => metrics.listMetrics({ prefix: 'panic_fmt_3' }),
    100,
    'memory-probe panic in panic_fmt_3 (value 0)',
  );
  const batch = {
    batch: {
      agentId: 'tester',
      samples: [sample('ok_b', 1).sample, sample('panic_locked_4', 2).sample],
      collectedAtMs: 0n,
    },
  };
  expectRustError(() => metrics.recordBatch(batch), 100, 'memory-probe panic holding the lock in panic_locked_4');
  assert.is(metrics.querySummary({ name: 'ok_b', matchers: null, fromMs: 0n, toMs: null }).count, 1n);
  // Agent errors keep every field.
  const refused = expectRustError(
    () => metrics.recordSample(sample('err_x', 1)),
    4,
    'memory-probe refuses metric "err_x"',
  );
  assert.is(refused.retryable, true);
  assert.is(refused.retryAfterMs, 25);
  assert.is(refused.agentId, 'memory-probe');
  assert.match(refused.details ?? '', 'calls so far');
  lib.destroy(handle);
  lib.close();
});

panics('panics in a factory and in health, and panics on the worker pool (async)', async () => {
  const lib = open();
  expectRustError(
    () => lib.create('memory-probe', utf8('panic')),
    100,
    'memory-probe refuses to be created (config "panic")',
  );
  expectRustError(
    () => lib.create('memory-probe', utf8('error')),
    ErrorCodes.InvalidArgument,
    'memory-probe: bad configuration "error"',
  );
  const sick = lib.create('memory-probe', utf8('sick'));
  expectRustError(() => lib.health(sick), 100, 'memory-probe is too sick to report its health');
  const metrics = new MetricsCollectorClient(lib, sick);
  for (const kind of PANIC_KINDS) {
    const name = `panic_${kind}_async`;
    await expectRejection(metrics.recordSampleAsync(sample(name, 3)), 100, panicMessage(kind, name, 3));
    assert.is((await metrics.recordSampleAsync(sample('ok_async', 1))).ok, true);
  }
  // Many panics at once on every worker thread; the pool keeps serving.
  const outcomes = await Promise.allSettled(
    Array.from({ length: 500 }, (_, i) =>
      metrics.recordSampleAsync(sample(i % 2 ? `panic_fmt_${i}` : `ok_${i % 8}`, i)),
    ),
  );
  outcomes.forEach((o, i) => {
    if (i % 2)
      assert.ok(
        o.status === 'rejected' &&
          (o.reason as RustError).code === 100 &&
          (o.reason as Error).message === panicMessage('fmt', `panic_fmt_${i}`, i),
        `call ${i}`,
      );
    else assert.ok(o.status === 'fulfilled' && o.value.ok, `call ${i}`);
  });
  lib.destroy(sick);
  const healthy = lib.create('memory-probe');
  assert.is(decodeAgentHealth(lib.health(healthy)).agentId, 'memory-probe');
  lib.destroy(healthy);
  lib.close();
});

panics('the process never aborts: panics (sync and on worker threads) and exit with panicking calls in flight', () => {
  const script = `
    import { AgentLibrary } from 'hms-runtime';
    import { CONTRACT, DECLARATIONS } from '../generated/ts/_ffi.js';
    import { decodeAgentError } from '../generated/ts/hms.js';
    import { MetricsCollectorClient, MetricKind } from '../generated/ts/hms/metrics.js';
    const lib = AgentLibrary.open(${JSON.stringify(LIB)}, DECLARATIONS, CONTRACT, { decodeError: decodeAgentError });
    const m = new MetricsCollectorClient(lib, lib.create('memory-probe'));
    const sample = (name, i) => ({ agentId: 'a', sample: { name, value: i, kind: MetricKind.Gauge, labels: null, timestampMs: 1n } });
    let panics = 0;
    for (let i = 0; i < 2000; i++) try { m.recordSample(sample('panic_deep_' + i, i)); } catch (e) { if (e.code === 100) panics++; }
    const pending = Array.from({ length: 2000 }, (_, i) => m.recordSampleAsync(sample('panic_fmt_' + i, i)).catch((e) => e.code));
    if (process.argv[2] === 'exit') process.exit(7);
    Promise.all(pending).then((codes) => console.log('panics ' + panics + ' ' + codes.filter((c) => c === 100).length));
  `;
  const file = join(REPO, 'target', `hms-ffi-memory-exit-${process.pid}.mts`);
  writeFileSync(file, script);
  try {
    const all = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(all.signal, null, `killed by ${all.signal}: ${all.stderr}`);
    assert.is(all.status, 0, all.stderr);
    assert.is(all.stdout.trim(), 'panics 2000 2000');
    // Panics inside guarded calls are not printed (the message travels in the AgentError).
    assert.not.match(all.stderr, 'panicked');
    for (let i = 0; i < 3; i++) {
      const exit = spawnSync(process.execPath, ['--import', 'tsx', file, 'exit'], {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.is(exit.signal, null, `killed by ${exit.signal}: ${exit.stderr}`);
      assert.is(exit.status, 7, exit.stderr);
    }
  } finally {
    rmSync(file, { force: true });
  }
});

panics.run();

// ---------------------------------------------------------------------------------------------

const memory = setup('ffi-memory: no allocation outlives its call');

memory('the counters see the library: a fallback buffer stays live until hms_free_buffer frees it', async () => {
  const lib = open();
  const handle = lib.create('memory-probe');
  // The same call once through the bindings, so lazily initialised statics exist before measuring.
  new MetricsCollectorClient(lib, handle).listMetrics({ prefix: 'big_' });
  // The raw export, as the bindings call it, with room for 8 bytes before the 16-byte record: the
  // result must come back as a Rust allocation.
  const raw = koffi.load(LIB);
  const list = raw.func(
    DECLARATIONS.rpcs.find((p) => p.includes(' hms_metrics_collector_list_metrics(')) as string,
  ) as (...a: unknown[]) => number;
  const free = raw.func(DECLARATIONS.common.find((p) => p.includes(' hms_free_buffer(')) as string) as (
    ...a: unknown[]
  ) => void;
  const request = encodeListMetricsRequest({ prefix: 'big_' });
  const out = new Uint8Array(8 + 16);
  // The library keeps response builders between calls (hms_release_caches frees them): every
  // count here is taken with none kept.
  lib.releaseCaches();
  const before = { n: counters.liveAllocations(), bytes: counters.liveBytes() };
  assert.is(list(handle, request, request.length, out, out.length), 0);
  lib.releaseCaches();
  const view = new DataView(out.buffer, 8, 16);
  const len = view.getUint32(0, true);
  assert.is(view.getUint32(4, true), 1, 'place: allocated');
  const ptr = view.getBigUint64(8, true);
  // Exactly one allocation of `len` bytes survives the call: the result buffer.
  assert.is(counters.liveAllocations(), before.n + 1);
  assert.is(counters.liveBytes(), before.bytes + len);
  const names = decodeListMetricsResponse(new Uint8Array(koffi.decode(ptr, 'uint8_t', len) as number[])).names ?? [];
  assert.is(names.length, 1000);
  free(ptr, len);
  assert.is(counters.liveAllocations(), before.n);
  assert.is(counters.liveBytes(), before.bytes);
  // A live agent is visible too, and destroying it frees everything it held.
  const agent = lib.create('memory-probe');
  const metrics = new MetricsCollectorClient(lib, agent);
  for (let i = 0; i < 100; i++) metrics.recordSample(sample(`ok_${i}`, i));
  assert.ok(counters.liveAllocations() > before.n + 100, 'the agent holds its series');
  lib.destroy(agent);
  assert.ok(lib.releaseCaches() > 0, 'the calls above kept a builder');
  assert.is(counters.liveAllocations(), before.n);
  // The run below sends `huge_` listings async: their completion is larger than the bindings' async
  // batch buffer (256 KiB), so it too comes back as an allocation.
  const huge = await new MetricsCollectorClient(lib, handle).listMetricsAsync({ prefix: 'huge_' });
  assert.ok(encodeListMetricsResponse(huge).length > 256 * 1024);
  lib.destroy(handle);
  lib.close();
});

// --- the 100,000-call run ---------------------------------------------------------------------

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Via = 'sync' | 'fallback' | 'async';
type Op =
  | { readonly m: 'record'; readonly name: string; readonly value: number; readonly zone: string }
  | { readonly m: 'batch'; readonly names: readonly string[]; readonly value: number }
  | { readonly m: 'query'; readonly name: string }
  | { readonly m: 'list'; readonly prefix: string }
  | { readonly m: 'export' }
  | { readonly m: 'health' }
  | { readonly m: 'create'; readonly config: string }
  | { readonly m: 'forged' }
  | { readonly m: 'foreign' }
  | { readonly m: 'stale' };
interface Call {
  readonly op: Op;
  readonly via: Via;
  readonly agent: number;
  /** 0 for success, else the expected status and message (undefined: not checked). */
  readonly code: number;
  readonly message?: string;
}

const CALLS = 100_000;
const BLOCK = 1000;
/** Per block of 1000: positions 0–9 go through a fresh library with a 16-byte scratch buffer (every
 * result, also every error, comes back as a Rust allocation), 10–109 are async (in flight while the
 * block's sync calls run), the rest sync. */
const FALLBACK_PER_BLOCK = 10;
const ASYNC_PER_BLOCK = 100;
const AGENTS = 4;
/** Agent index whose `health` panics (created with configuration `sick`). */
const SICK = AGENTS - 1;
const OK_NAMES = 16;
const FORGED = new Uint8Array(32).fill(0xff);

/** Every agent gets every `ok_*` series first, so queries of them always succeed. */
function seedCalls(): Call[] {
  const calls: Call[] = [];
  for (let agent = 0; agent < AGENTS; agent++) {
    for (let k = 0; k < OK_NAMES; k++) {
      for (const zone of ['a', 'b'])
        calls.push({ op: { m: 'record', name: `ok_${k}`, value: k, zone }, via: 'sync', agent, code: 0 });
    }
  }
  return calls;
}

/** The workload: `count` calls (seed first), deterministic for a seed. */
function plan(count: number, seed: number): Call[] {
  const rand = prng(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const calls = seedCalls();
  let panicNo = 0;
  while (calls.length < count) {
    const pos = calls.length % BLOCK;
    const via: Via =
      pos < FALLBACK_PER_BLOCK ? 'fallback' : pos < FALLBACK_PER_BLOCK + ASYNC_PER_BLOCK ? 'async' : 'sync';
    const agent = pick(AGENTS);
    const value = pick(1000);
    const ok = `ok_${pick(OK_NAMES)}`;
    if (via === 'async' && pos === FALLBACK_PER_BLOCK) {
      // One completion per block larger than the bindings' async batch buffer (allocation fallback).
      calls.push({ op: { m: 'list', prefix: 'huge_' }, via, agent, code: 0 });
      continue;
    }
    const r = rand();
    if (r < 0.75) {
      // Success.
      const s = rand();
      const op: Op =
        s < 0.55
          ? { m: 'record', name: ok, value, zone: rand() < 0.5 ? 'a' : 'b' }
          : s < 0.7
            ? { m: 'query', name: ok }
            : s < 0.82
              ? { m: 'list', prefix: rand() < 0.2 ? 'big_' : 'ok_' }
              : s < 0.92
                ? { m: 'batch', names: [ok, `ok_${pick(OK_NAMES)}`, `err_${value % 4}`, ok], value }
                : s < 0.94
                  ? { m: 'export' }
                  : s < 0.97 && via !== 'async'
                    ? { m: 'health' }
                    : via !== 'async'
                      ? { m: 'create', config: '' }
                      : { m: 'record', name: ok, value, zone: 'a' };
      calls.push({ op, via, agent: op.m === 'health' ? pick(SICK) : agent, code: 0 });
    } else if (r < 0.87) {
      // An error: the agent's own (FailedPrecondition, NotFound, InvalidArgument from its factory)
      // or the ABI's (DecodeFailed, Unimplemented, InvalidHandle).
      const s = rand();
      const name = `err_${pick(8)}`;
      if (s < 0.35)
        calls.push({
          op: { m: 'record', name, value, zone: 'a' },
          via,
          agent,
          code: 4,
          message: `memory-probe refuses metric "${name}"`,
        });
      else if (s < 0.5)
        calls.push({ op: { m: 'query', name }, via, agent, code: 4, message: `memory-probe refuses query "${name}"` });
      else if (s < 0.6)
        calls.push({
          op: { m: 'list', prefix: name },
          via,
          agent,
          code: 4,
          message: `memory-probe refuses listing "${name}"`,
        });
      else if (s < 0.7)
        calls.push({
          op: { m: 'query', name: `missing_${value}` },
          via,
          agent,
          code: ErrorCodes.NotFound,
          message: `no metric "missing_${value}"`,
        });
      else if (s < 0.8)
        calls.push({
          op: { m: 'foreign' },
          via,
          agent,
          code: ErrorCodes.Unimplemented,
          message: 'this agent does not serve hms.breaker.CircuitBreaker',
        });
      else if (s < 0.9) calls.push({ op: { m: 'stale' }, via, agent, code: ErrorCodes.InvalidHandle });
      else if (via !== 'async' && s < 0.95)
        calls.push({ op: { m: 'forged' }, via, agent, code: ErrorCodes.DecodeFailed });
      else if (via !== 'async')
        calls.push({
          op: { m: 'create', config: 'error' },
          via,
          agent,
          code: ErrorCodes.InvalidArgument,
          message: 'memory-probe: bad configuration "error"',
        });
      else
        calls.push({
          op: { m: 'record', name, value, zone: 'b' },
          via,
          agent,
          code: 4,
          message: `memory-probe refuses metric "${name}"`,
        });
    } else {
      // A panic, of every kind in turn, from every kind of call.
      const kind = PANIC_KINDS[panicNo++ % PANIC_KINDS.length] as PanicKind;
      const name = `panic_${kind}_${pick(4)}`;
      const s = rand();
      if (s < 0.5)
        calls.push({
          op: { m: 'record', name, value, zone: 'a' },
          via,
          agent,
          code: 100,
          message: panicMessage(kind, name, value),
        });
      else if (s < 0.65)
        calls.push({ op: { m: 'query', name }, via, agent, code: 100, message: panicMessage(kind, name, 0) });
      else if (s < 0.75)
        calls.push({ op: { m: 'list', prefix: name }, via, agent, code: 100, message: panicMessage(kind, name, 0) });
      else if (s < 0.9)
        calls.push({
          op: { m: 'batch', names: [ok, name, ok], value },
          via,
          agent,
          code: 100,
          message: panicMessage(kind, name, value),
        });
      else if (via !== 'async' && s < 0.95)
        calls.push({
          op: { m: 'health' },
          via,
          agent: SICK,
          code: 100,
          message: 'memory-probe is too sick to report its health',
        });
      else if (via !== 'async')
        calls.push({
          op: { m: 'create', config: 'panic' },
          via,
          agent,
          code: 100,
          message: 'memory-probe refuses to be created (config "panic")',
        });
      else
        calls.push({
          op: { m: 'record', name, value, zone: 'b' },
          via,
          agent,
          code: 100,
          message: panicMessage(kind, name, value),
        });
    }
  }
  return calls;
}

interface Agents {
  readonly handles: readonly AgentHandle[];
  readonly stale: AgentHandle;
}

function createAgents(lib: AgentLibrary): Agents {
  const handles = Array.from({ length: AGENTS }, (_, i) => lib.create('memory-probe', utf8(i === SICK ? 'sick' : '')));
  const stale = lib.create('memory-probe');
  lib.destroy(stale);
  return { handles, stale };
}

/** Runs one call synchronously on `lib`. */
function runSync(lib: AgentLibrary, agents: Agents, call: Call): void {
  const handle = agents.handles[call.agent] as AgentHandle;
  const metrics = new MetricsCollectorClient(lib, handle);
  const { op } = call;
  switch (op.m) {
    case 'record':
      assert.is(metrics.recordSample(sample(op.name, op.value, op.zone)).ok, true);
      return;
    case 'batch': {
      const r = metrics.recordBatch({
        batch: { agentId: 'tester', samples: op.names.map((n) => sample(n, op.value).sample), collectedAtMs: 1n },
      });
      assert.is(r.accepted + r.rejected, op.names.length);
      return;
    }
    case 'query':
      assert.is(metrics.querySummary({ name: op.name, matchers: null, fromMs: 0n, toMs: null }).name, op.name);
      return;
    case 'list':
      assert.ok((metrics.listMetrics({ prefix: op.prefix }).names?.length ?? 0) > 0);
      return;
    case 'export':
      assert.ok(metrics.exportText({ format: ExpositionFormat.PrometheusText }).body.length > 0);
      return;
    case 'health':
      assert.is(decodeAgentHealth(lib.health(handle)).agentId, 'memory-probe');
      return;
    case 'create':
      lib.destroy(lib.create('memory-probe', utf8(op.config)));
      return;
    case 'forged':
      lib.call('hms_metrics_collector_record_sample', handle, FORGED);
      return;
    case 'foreign':
      new CircuitBreakerClient(lib, handle).getState({ name: 'breaker' });
      return;
    case 'stale':
      new MetricsCollectorClient(lib, agents.stale).listMetrics({ prefix: null });
      return;
  }
}

/** Starts one call on the worker pool. */
function runAsync(lib: AgentLibrary, agents: Agents, call: Call): Promise<unknown> {
  const handle = agents.handles[call.agent] as AgentHandle;
  const metrics = new MetricsCollectorClient(lib, handle);
  const { op } = call;
  switch (op.m) {
    case 'record':
      return metrics.recordSampleAsync(sample(op.name, op.value, op.zone)).then((a) => assert.is(a.ok, true));
    case 'batch':
      return metrics.recordBatchAsync({
        batch: { agentId: 'tester', samples: op.names.map((n) => sample(n, op.value).sample), collectedAtMs: 1n },
      });
    case 'query':
      return metrics
        .querySummaryAsync({ name: op.name, matchers: null, fromMs: 0n, toMs: null })
        .then((s) => assert.is(s.name, op.name));
    case 'list':
      return metrics.listMetricsAsync({ prefix: op.prefix }).then((r) => assert.ok((r.names?.length ?? 0) > 0));
    case 'export':
      return metrics.exportTextAsync({ format: ExpositionFormat.OpenMetrics });
    case 'foreign':
      return new CircuitBreakerClient(lib, handle).getStateAsync({ name: 'breaker' });
    case 'stale':
      return new MetricsCollectorClient(lib, agents.stale).listMetricsAsync({ prefix: null });
    default:
      throw new Error(`no async variant for ${op.m}`);
  }
}

interface Tally {
  readonly byVia: Record<Via, { ok: number; error: number; panic: number }>;
  readonly mismatches: string[];
}

const emptyTally = (): Tally => ({
  byVia: {
    sync: { ok: 0, error: 0, panic: 0 },
    fallback: { ok: 0, error: 0, panic: 0 },
    async: { ok: 0, error: 0, panic: 0 },
  },
  mismatches: [],
});

function expectedTally(calls: readonly Call[]): Tally['byVia'] {
  const t = emptyTally().byVia;
  for (const c of calls) t[c.via][c.code === 0 ? 'ok' : c.code === 100 ? 'panic' : 'error']++;
  return t;
}

/** Counts the outcome of `call` (`error` undefined: it succeeded) and notes any surprise. */
function record(tally: Tally, index: number, call: Call, error: unknown): void {
  const bucket = tally.byVia[call.via];
  if (error === undefined) {
    bucket.ok++;
    if (call.code !== 0) tally.mismatches.push(`call ${index} (${JSON.stringify(call)}) succeeded`);
    return;
  }
  if (!(error instanceof RustError)) {
    tally.mismatches.push(`call ${index} (${JSON.stringify(call)}) threw ${String(error)}`);
    return;
  }
  bucket[error.code === 100 ? 'panic' : 'error']++;
  if (error.code !== call.code || (call.message !== undefined && error.message !== call.message)) {
    tally.mismatches.push(
      `call ${index} (${JSON.stringify(call)}): RustError ${error.code} ${JSON.stringify(error.message)}`,
    );
  }
}

/**
 * Runs `calls` block by block: each block's async calls are started first and settle while its
 * sync calls run; fallback calls each use a fresh library (16-byte scratch buffer) over the same
 * agents. Returns the live allocations after each block (nothing in flight then).
 */
async function drive(lib: AgentLibrary, agents: Agents, calls: readonly Call[], tally: Tally): Promise<number[]> {
  const checkpoints: number[] = [];
  for (let start = 0; start < calls.length; start += BLOCK) {
    const block = calls.slice(start, start + BLOCK);
    const inFlight: Promise<void>[] = [];
    block.forEach((call, i) => {
      if (call.via !== 'async') return;
      inFlight.push(
        runAsync(lib, agents, call).then(
          () => record(tally, start + i, call, undefined),
          (e: unknown) => record(tally, start + i, call, e),
        ),
      );
    });
    block.forEach((call, i) => {
      if (call.via === 'async') return;
      const target = call.via === 'fallback' ? open(16) : lib;
      try {
        runSync(target, agents, call);
        record(tally, start + i, call, undefined);
      } catch (e) {
        record(tally, start + i, call, e);
      } finally {
        if (target !== lib) target.close();
      }
    });
    await Promise.all(inFlight);
    lib.releaseCaches();
    checkpoints.push(counters.liveAllocations());
  }
  return checkpoints;
}

memory(
  '100,000 calls (successes, errors, panics; sync, async, allocation fallback) leave no allocation behind',
  async () => {
    const lib = open();
    // Warm-up: the same kind of workload on agents that are then destroyed, so everything the
    // library initialises lazily exists before the baseline (the panic hook, the worker pool's
    // threads and queue capacity, the handle table's slots and free list).
    const warm = createAgents(lib);
    const warmTally = emptyTally();
    await drive(lib, warm, plan(5 * BLOCK, 0xbad5eed), warmTally);
    assert.equal(warmTally.mismatches, []);
    for (const h of warm.handles) lib.destroy(h);
    lib.releaseCaches();
    const baseline = { n: counters.liveAllocations(), bytes: counters.liveBytes(), total: counters.totalAllocations() };

    const calls = plan(CALLS, 0x5eed);
    assert.is(calls.length, CALLS);
    const started = Date.now();
    const agents = createAgents(lib);
    const tally = emptyTally();
    const checkpoints = await drive(lib, agents, calls, tally);
    const elapsed = Date.now() - started;
    for (const h of agents.handles) lib.destroy(h);
    lib.releaseCaches();
    const after = { n: counters.liveAllocations(), bytes: counters.liveBytes(), total: counters.totalAllocations() };
    lib.close();

    log(`${CALLS} calls in ${elapsed} ms; outcomes ${JSON.stringify(tally.byVia)}`);
    log(
      `live allocations: baseline ${baseline.n} (${baseline.bytes} B), during the run ${Math.min(...checkpoints)}..${Math.max(...checkpoints)}, after ${after.n} (${after.bytes} B); ${after.total - baseline.total} allocations made`,
    );
    log(`checkpoints every ${BLOCK} calls: ${checkpoints.filter((_, i) => i % 10 === 9).join(' ')}`);

    // Every call had the expected outcome: code and message of every error and panic.
    assert.equal(tally.mismatches.slice(0, 5), [], `${tally.mismatches.length} unexpected outcomes`);
    assert.equal(tally.byVia, expectedTally(calls));
    assert.ok(
      tally.byVia.sync.panic + tally.byVia.async.panic + tally.byVia.fallback.panic >= 10_000,
      'at least 10% panics',
    );
    assert.ok(tally.byVia.async.panic > 1000 && tally.byVia.fallback.ok > 500 && tally.byVia.fallback.panic > 50);
    // The calls really allocated (about 67 per call measured: requests, strings, vectors, responses).
    assert.ok(after.total - baseline.total > 10 * CALLS, `${after.total - baseline.total} allocations`);
    // No growth while the run went on: the agents' state is bounded (16 values per series), so
    // after the first blocks the live allocations between blocks stay flat.
    const settled = checkpoints.slice(10);
    assert.ok(
      Math.max(...settled) - Math.min(...settled) <= 0,
      `live allocations between blocks: ${Math.min(...settled)}..${Math.max(...settled)}`,
    );
    // Back to the baseline: not a single allocation outlives its call or its agent.
    assert.is(after.n, baseline.n, `live allocations ${after.n}, baseline ${baseline.n}`);
    // Bytes may differ only by the capacity of the worker pool's queues (VecDeques that keep their
    // largest size; how many completions pile up depends on thread timing).
    assert.ok(
      Math.abs(after.bytes - baseline.bytes) <= 64 * 1024,
      `live bytes ${after.bytes}, baseline ${baseline.bytes}`,
    );
  },
);

memory.run();
