// Several AgentLibrary instances of one cdylib in one process: in one thread, in worker threads,
// and closed then reopened. The library's worker pool is shared, but each instance has its own
// completion queue (ABI 3), so every async call settles in the instance (and thread) that made it;
// with ABI 2's one queue per library most of them never settled. Closing an instance destroys the
// agents it created, and handles and ids are validated before they reach native code.
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes, type AgentHandle } from 'hms-runtime';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { MetricsCollectorClient } from '../generated/ts/hms/metrics.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';
import { runQueries, type QueryResult } from './support/ffi-instances.js';
import { expectRustError } from './support/rust-error.js';

const CALLS = 10_000;

test.before(requireAgentLib);

function allOwn(r: QueryResult, who: string): void {
  assert.equal(r.failed, [], `${who}: failures`);
  assert.is(r.wrong, 0, `${who}: responses to another request`);
  assert.is(r.settled, CALLS, `${who}: settled`);
}

test('two instances in one thread: 10,000 async calls each, all settle with their own results', async () => {
  const a = openAgentLibrary(LIB);
  const b = openAgentLibrary(LIB);
  const ma = new MetricsCollectorClient(a, a.create('metrics-collector'));
  const mb = new MetricsCollectorClient(b, b.create('metrics-collector'));
  const [ra, rb] = await Promise.all([runQueries(ma, 'a', CALLS), runQueries(mb, 'b', CALLS)]);
  allOwn(ra, 'instance a');
  allOwn(rb, 'instance b');
  assert.is(a.pendingCalls + b.pendingCalls, 0);
  a.close();
  b.close();
});

test('4 worker threads and the main thread, each its own instance: 10,000 async calls each, all settle', async () => {
  const worker = (tag: string): Promise<QueryResult> =>
    new Promise((resolve, reject) => {
      // Node 20 checks a worker's entry file's extension before any loader hook runs, so the
      // worker starts from a line of JavaScript that registers tsx and then imports the .ts entry.
      const entry = new URL('./support/ffi-instance-worker.ts', import.meta.url).href;
      const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`;
      const w = new Worker(boot, { eval: true, workerData: { lib: LIB, calls: CALLS, tag } });
      w.once('message', (r: QueryResult) => resolve(r));
      w.once('error', reject);
      w.once('exit', (code) => {
        if (code !== 0) reject(new Error(`worker ${tag} exited with ${code}`));
      });
    });
  const main = openAgentLibrary(LIB);
  const mm = new MetricsCollectorClient(main, main.create('metrics-collector'));
  const results = await Promise.all([...['w0', 'w1', 'w2', 'w3'].map(worker), runQueries(mm, 'main', CALLS)]);
  results.forEach((r, i) => allOwn(r, i < 4 ? `worker ${i}` : 'main thread'));
  main.close();
});

test('close then reopen: the closed instance rejects what it had pending, the new one settles everything', async () => {
  const old = openAgentLibrary(LIB);
  const oldHandle = old.create('metrics-collector');
  const om = new MetricsCollectorClient(old, oldHandle);
  const pending = Array.from({ length: 2000 }, () =>
    om.listMetricsAsync({ prefix: null }).then(
      () => 'ok',
      (e: { code?: number }) => e.code,
    ),
  );
  old.close();
  const outcomes = await Promise.all(pending);
  assert.ok(
    outcomes.every((o) => o === 'ok' || o === ErrorCodes.InvalidHandle),
    `outcomes: ${[...new Set(outcomes)].join(', ')}`,
  );
  const lib = openAgentLibrary(LIB);
  // close() destroyed the agent it created: its handle is dead for every instance.
  expectRustError(() => lib.health(oldHandle), ErrorCodes.InvalidHandle);
  expectRustError(
    () => new MetricsCollectorClient(lib, oldHandle).listMetrics({ prefix: null }),
    ErrorCodes.InvalidHandle,
  );
  const m = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
  allOwn(await runQueries(m, 'reopened', CALLS), 'reopened instance');
  lib.close();
  // Reopening after close, many times: no queue or agent is left behind to collect anything.
  for (let i = 0; i < 20; i++) {
    const l = openAgentLibrary(LIB);
    const c = new MetricsCollectorClient(l, l.create('metrics-collector'));
    const acks = await Promise.all(Array.from({ length: 50 }, () => c.listMetricsAsync({ prefix: null })));
    assert.is(acks.length, 50);
    l.close();
  }
});

test('close() destroys the agents the instance created, and only those', () => {
  const a = openAgentLibrary(LIB);
  const b = openAgentLibrary(LIB);
  const ha = a.create('metrics-collector');
  const hb = b.create('metrics-collector');
  assert.equal(a.liveAgents, [ha]);
  // Another instance may call an agent (one handle table per process), until its creator closes.
  assert.ok(b.health(ha).length > 0);
  a.close();
  expectRustError(() => b.health(ha), ErrorCodes.InvalidHandle);
  assert.ok(b.health(hb).length > 0, 'b keeps its own agent');
  expectRustError(() => a.health(hb), ErrorCodes.InvalidHandle, /closed/);
  b.close();
});

test('handles and ids are validated before they reach native code', async () => {
  const lib = openAgentLibrary(LIB);
  const h = lib.create('metrics-collector');
  // koffi would pass h + 0.5 as h, a live agent: it must be refused, not truncated.
  for (const bad of [h + 0.5, 0, -1, 2 ** 53, Number.NaN, Infinity]) {
    const handle = bad as AgentHandle;
    expectRustError(() => lib.health(handle), ErrorCodes.InvalidHandle, /not an agent handle/);
    expectRustError(
      () => new MetricsCollectorClient(lib, handle).listMetrics({ prefix: null }),
      ErrorCodes.InvalidHandle,
    );
    expectRustError(() => lib.sendMessage(handle, new Uint8Array(8)), ErrorCodes.InvalidHandle);
    expectRustError(() => lib.destroy(handle), ErrorCodes.InvalidHandle);
    try {
      await new MetricsCollectorClient(lib, handle).listMetricsAsync({ prefix: null });
      assert.unreachable('expected a rejection');
    } catch (e) {
      assert.is((e as { code?: number }).code, ErrorCodes.InvalidHandle);
    }
  }
  // A type id of 2^32 + 1 would wrap to 1; 1.5 would truncate.
  for (const id of [2 ** 32 + 1, 1.5, -1]) expectRustError(() => lib.create(id), ErrorCodes.InvalidArgument, /uint32/);
  try {
    await lib.callAsync(2 ** 32 + 1, h, new Uint8Array(0));
    assert.unreachable('expected a rejection');
  } catch (e) {
    assert.is((e as { code?: number }).code, ErrorCodes.InvalidArgument);
  }
  lib.close();
});

test.run();
