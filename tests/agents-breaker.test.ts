// The CircuitBreaker agent (runtime-rs/hms-agents/src/breaker.rs over hms_core::breaker, which
// ports resilience4j's state-machine tests) through its generated client, with the caller's clock
// (`now_ms`/`timestamp_ms`) driving time, so OPEN -> HALF_OPEN is tested without sleeping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes } from 'hms-runtime';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { AgentControlClient } from '../generated/ts/hms/control.js';
import { BreakerState, CallOutcome, CircuitBreakerClient } from '../generated/ts/hms/breaker.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';
import { expectRejection, expectRustError } from './support/rust-error.js';

test.before(requireAgentLib);

function open() {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('circuit-breaker');
  return { lib, breaker: new CircuitBreakerClient(lib, handle), control: new AgentControlClient(lib, handle) };
}

// A fake epoch clock, well after the real one so the agent's never-backwards clock follows it.
let now = BigInt(Date.now()) + 10n ** 9n;

function call(b: CircuitBreakerClient, name: string, outcome: CallOutcome) {
  const a = b.tryAcquire({ name, nowMs: now });
  if (!a.permitted) return a;
  b.recordOutcome({ name, outcome, durationUs: 1000n, timestampMs: now });
  return a;
}

test('window 100, threshold 50%: 49 failures of 100 stay CLOSED, the 50th opens; OPEN rejects until the wait is over', () => {
  const { lib, breaker } = open();
  breaker.configure({
    name: 'db',
    config: {
      failureThreshold: 50,
      slidingWindowSize: 100,
      minimumCalls: 100,
      openTimeoutMs: 60_000,
      halfOpenMaxCalls: 10,
    },
  });
  for (let i = 0; i < 51; i++) call(breaker, 'db', CallOutcome.Success);
  for (let i = 0; i < 49; i++) call(breaker, 'db', CallOutcome.Failure);
  let s = breaker.getState({ name: 'db' });
  assert.is(s.state, BreakerState.Closed);
  assert.is(s.bufferedCalls, 100);
  assert.is(s.failedCalls, 49);
  assert.ok(Math.abs(s.failureRate - 49) < 1e-3);
  // One more failure replaces a success: 50 of 100.
  call(breaker, 'db', CallOutcome.Failure);
  s = breaker.getState({ name: 'db' });
  assert.is(s.state, BreakerState.Open);
  const rejected = breaker.tryAcquire({ name: 'db', nowMs: now });
  assert.is(rejected.permitted, false);
  assert.is(rejected.state, BreakerState.Open);
  assert.is(rejected.retryAfterMs, 60_000);
  assert.ok(breaker.getState({ name: 'db' }).notPermittedCalls >= 1n);
  now += 59_999n;
  assert.is(breaker.tryAcquire({ name: 'db', nowMs: now }).permitted, false, 'still OPEN 1 ms before the wait ends');
  now += 1n;
  const trial = breaker.tryAcquire({ name: 'db', nowMs: now });
  assert.is(trial.permitted, true);
  assert.is(trial.state, BreakerState.HalfOpen);
  lib.close();
});

test('HALF_OPEN permits exactly its trials and their failure rate decides; nothing opens before the minimum', () => {
  const { lib, breaker } = open();
  breaker.configure({
    name: 'api',
    config: { failureThreshold: 50, slidingWindowSize: 10, minimumCalls: 10, openTimeoutMs: 1000, halfOpenMaxCalls: 4 },
  });
  for (let i = 0; i < 9; i++) call(breaker, 'api', CallOutcome.Failure);
  assert.is(breaker.getState({ name: 'api' }).state, BreakerState.Closed, 'below the minimum number of calls');
  assert.is(breaker.getState({ name: 'api' }).failureRate, -1);
  call(breaker, 'api', CallOutcome.Failure);
  assert.is(breaker.getState({ name: 'api' }).state, BreakerState.Open);
  now += 1000n;
  const permits = Array.from({ length: 6 }, () => breaker.tryAcquire({ name: 'api', nowMs: now }).permitted);
  assert.equal(permits, [true, true, true, true, false, false], 'four trials, the rest rejected');
  for (const outcome of [CallOutcome.Success, CallOutcome.Success, CallOutcome.Success, CallOutcome.Failure])
    breaker.recordOutcome({ name: 'api', outcome, durationUs: 10n, timestampMs: now });
  assert.is(breaker.getState({ name: 'api' }).state, BreakerState.Closed, '25% < 50% closes');
  breaker.reset({ name: 'api', forceState: BreakerState.ForcedOpen, reason: 'drill' });
  assert.is(breaker.tryAcquire({ name: 'api', nowMs: now }).permitted, false);
  breaker.reset({ name: 'api', reason: 'done' });
  assert.is(breaker.getState({ name: 'api' }).state, BreakerState.Closed);
  lib.close();
});

test('errors: unknown breaker NotFound, bad config InvalidArgument; an injected panic leaves the agent answering; evolve retunes every breaker', async () => {
  const { lib, breaker, control } = open();
  expectRustError(() => breaker.tryAcquire({ name: 'ghost' }), ErrorCodes.NotFound, /ghost/);
  expectRustError(() => breaker.configure({ name: 'x', config: { failureThreshold: 0 } }), ErrorCodes.InvalidArgument);
  breaker.configure({ name: 'x', config: {} });
  control.injectFaults({ panics: 1 });
  await expectRejection(breaker.getStateAsync({ name: 'x' }), ErrorCodes.Panic);
  assert.is((await breaker.getStateAsync({ name: 'x' })).state, BreakerState.Closed);
  const r = control.evolve({ parameters: [{ name: 'failure_rate_threshold', number: 25, choice: null }] });
  assert.is(r.generation, 1n);
  assert.is(breaker.getState({ name: 'x' }).config?.failureThreshold, 25);
  const state = control.exportState({});
  const next = open();
  next.control.importState(state);
  assert.is(next.breaker.getState({ name: 'x' }).config?.failureThreshold, 25);
  next.lib.close();
  lib.close();
});

test.run();
