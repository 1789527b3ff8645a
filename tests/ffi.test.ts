import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentLibrary, ContractMismatchError, ErrorCodes, RustError, type AgentHandle } from 'hms-runtime';
import { CONTRACT, DECLARATIONS, openAgentLibrary } from '../generated/ts/_ffi.js';
import { decodeAgentError } from '../generated/ts/hms.js';
import { ExpositionFormat, MetricKind, MetricsCollectorClient } from '../generated/ts/hms/metrics.js';
import { REPO } from './support/cli.js';
import { expectRustError } from './support/rust-error.js';

// TypeScript → koffi → the generated Rust exports → the MetricsCollector agent of runtime-rs/hms-agents,
// through the committed bindings in generated/ts and the cdylib `cargo build --workspace` made.
const LIB = join(REPO, 'target', 'debug', 'libhms_agent_lib.so');

const sample = (name: string, value: number, timestampMs: bigint) => ({
  agentId: 'tester',
  sample: { name, value, kind: MetricKind.Gauge, labels: [{ key: 'zone', value: 'a' }], timestampMs },
});

test.before(() => {
  if (!existsSync(LIB)) throw new Error(`${LIB} is missing: run scripts/setup (cargo build --workspace)`);
});

test('a call from TypeScript reaches the Rust agent and returns its response', () => {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('metrics-collector');
  const metrics = new MetricsCollectorClient(lib, handle);
  for (const [i, v] of [3, 1, 2].entries()) {
    const ack = metrics.recordSample(sample('queue_depth', v, BigInt(1000 + i)));
    assert.is(ack.ok, true);
  }
  const summary = metrics.querySummary({ name: 'queue_depth', matchers: null, fromMs: 0n, toMs: null });
  assert.is(summary.name, 'queue_depth');
  assert.is(summary.count, 3n);
  assert.is(summary.min, 1);
  assert.is(summary.max, 3);
  assert.is(summary.sum, 6);
  const names = metrics.listMetrics({ prefix: null });
  assert.equal(names.names, ['queue_depth']);
  const text = metrics.exportText({ format: ExpositionFormat.PrometheusText });
  assert.match(text.body, 'queue_depth');
  lib.destroy(handle);
  lib.close();
});

test('an agent error arrives as RustError with its code and message', () => {
  const lib = openAgentLibrary(LIB);
  const metrics = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
  // An invalid metric name is the agent's InvalidArgument.
  expectRustError(() => metrics.recordSample(sample('not a metric name!', 1, 1n)), ErrorCodes.InvalidArgument);
  lib.close();
});

test('bad input: forged request bytes, unknown type, stale handle, closed library', () => {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('metrics-collector');
  for (const forged of [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(64).fill(0xff)]) {
    expectRustError(() => lib.call('hms_metrics_collector_record_sample', handle, forged), ErrorCodes.DecodeFailed);
  }
  expectRustError(() => lib.create('no-such-agent'), ErrorCodes.NotFound, /no-such-agent/);
  expectRustError(() => lib.create(987654), ErrorCodes.NotFound);
  lib.destroy(handle);
  expectRustError(() => new MetricsCollectorClient(lib, handle).listMetrics({ prefix: null }), ErrorCodes.InvalidHandle);
  expectRustError(() => lib.destroy(handle), ErrorCodes.InvalidHandle);
  // A reused slot gets a new generation: the old handle still does not reach the new agent.
  const again = lib.create('metrics-collector');
  assert.is.not(again, handle);
  expectRustError(() => lib.call('hms_metrics_collector_list_metrics', handle, new Uint8Array(0)), ErrorCodes.InvalidHandle);
  expectRustError(() => lib.call('hms_metrics_collector_list_metrics', 12345 as AgentHandle, new Uint8Array(0)), ErrorCodes.InvalidHandle);
  lib.close();
  expectRustError(() => lib.create('metrics-collector'), ErrorCodes.InvalidHandle, /closed/);
});

test('results larger than the scratch buffer come back through a Rust allocation', () => {
  const lib = AgentLibrary.open(LIB, DECLARATIONS, CONTRACT, { decodeError: decodeAgentError, scratchBytes: 8 });
  const metrics = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
  for (let i = 0; i < 50; i++) metrics.recordSample(sample(`metric_${i}`, i, BigInt(i)));
  const names = metrics.listMetrics({ prefix: 'metric_' });
  assert.is(names.names?.length, 50);
  const text = metrics.exportText({ format: ExpositionFormat.OpenMetrics });
  assert.match(text.body, /# EOF\n?$/);
  lib.close();
});

test('a library built from other contracts is refused, naming the service, both checksums and the fix', () => {
  const service = 'hms.metrics.MetricsCollector';
  const expected = CONTRACT.services[service] as bigint;
  const forged = { ...CONTRACT, services: { ...CONTRACT.services, [service]: expected ^ 1n } };
  try {
    AgentLibrary.open(LIB, DECLARATIONS, forged, { decodeError: decodeAgentError });
    assert.unreachable('expected ContractMismatchError');
  } catch (e) {
    assert.instance(e, ContractMismatchError);
    const msg = (e as Error).message;
    assert.match(msg, service);
    assert.match(msg, expected.toString(16).padStart(16, '0'));
    assert.match(msg, (expected ^ 1n).toString(16).padStart(16, '0'));
    // ... and says what to do about it.
    assert.match(msg, 'run `hms-gen generate`');
    assert.match(msg, '`cargo build`');
  }
  const missing = { ...CONTRACT, services: { ...CONTRACT.services, 'hms.later.Added': 1n } };
  assert.throws(
    () => AgentLibrary.open(LIB, DECLARATIONS, missing, { decodeError: decodeAgentError }),
    (e: Error) => /hms\.later\.Added is missing from the library/.test(e.message) && /rebuild it with `cargo build`/.test(e.message),
  );
  const newerAbi = { ...CONTRACT, abiVersion: CONTRACT.abiVersion + 1 };
  assert.throws(() => AgentLibrary.open(LIB, DECLARATIONS, newerAbi, { decodeError: decodeAgentError }), /ABI version/);
});

test.run();

const async = suite('ffi: async calls on the Rust worker pool');

async('10,000 concurrent calls all settle with their own results; the event loop keeps running', async () => {
  const lib = openAgentLibrary(LIB);
  const metrics = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const n = 10_000;
  const started = Date.now();
  const acks = await Promise.all(
    Array.from({ length: n }, (_, i) => metrics.recordSampleAsync(sample(`m_${i % 100}`, i, BigInt(i + 1)))),
  );
  clearInterval(timer);
  assert.is(acks.length, n);
  assert.ok(acks.every((a) => a.ok));
  assert.is(lib.pendingCalls, 0);
  // The samples really arrived: 100 names, 100 samples each.
  const summary = await metrics.querySummaryAsync({ name: 'm_7', matchers: null, fromMs: 0n, toMs: null });
  assert.is(summary.count, 100n);
  const names = metrics.listMetrics({ prefix: 'm_' });
  assert.is(names.names?.length, 100);
  // JavaScript ran while the calls were in flight (the wait blocks a koffi worker, not the event loop).
  assert.ok(ticks > 0 || Date.now() - started < 5, `timer ticks while waiting: ${ticks}`);
  lib.close();
});

async('async failures reject with RustError; closing the library rejects what is pending', async () => {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('metrics-collector');
  const metrics = new MetricsCollectorClient(lib, handle);
  try {
    await metrics.recordSampleAsync(sample('bad name!', 1, 1n));
    assert.unreachable('expected a rejection');
  } catch (e) {
    assert.instance(e, RustError);
    assert.is((e as RustError).code, ErrorCodes.InvalidArgument);
  }
  lib.destroy(handle);
  try {
    await metrics.listMetricsAsync({ prefix: null });
    assert.unreachable('expected a rejection');
  } catch (e) {
    assert.is((e as RustError).code, ErrorCodes.InvalidHandle);
  }
  const live = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
  const pending = Array.from({ length: 100 }, () => live.listMetricsAsync({ prefix: null }).then(() => 'ok', (e: RustError) => e.code));
  lib.close();
  const outcomes = await Promise.all(pending);
  assert.ok(outcomes.every((o) => o === 'ok' || o === ErrorCodes.InvalidHandle), String(outcomes));
});

async('Node stays alive for pending calls and exits cleanly with calls in flight', () => {
  const script = `
    import { openAgentLibrary } from '../generated/ts/_ffi.js';
    import { MetricsCollectorClient, MetricKind } from '../generated/ts/hms/metrics.js';
    const lib = openAgentLibrary(${JSON.stringify(LIB)});
    const m = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
    const sample = (i) => ({ agentId: 'a', sample: { name: 'x', value: i, kind: MetricKind.Gauge, labels: null, timestampMs: 1n } });
    if (process.argv[2] === 'exit') {
      for (let i = 0; i < 2000; i++) m.recordSampleAsync(sample(i));
      process.exit(7);
    }
    // Nothing else keeps the loop alive: only the pending call does, until its result arrives.
    m.recordSampleAsync(sample(1)).then((ack) => console.log('settled ' + String(ack.ok)));
  `;
  const file = join(REPO, 'target', `hms-ffi-exit-${process.pid}.mts`);
  writeFileSync(file, script);
  try {
    const wait = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    assert.is(wait.status, 0, wait.stderr);
    assert.match(wait.stdout, 'settled true', JSON.stringify({ out: wait.stdout, err: wait.stderr }));
    for (let i = 0; i < 3; i++) {
      const exit = spawnSync(process.execPath, ['--import', 'tsx', file, 'exit'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
      assert.is(exit.signal, null, `killed by ${exit.signal}: ${exit.stderr}`);
      assert.is(exit.status, 7, exit.stderr);
    }
  } finally {
    rmSync(file, { force: true });
  }
});

async.run();
