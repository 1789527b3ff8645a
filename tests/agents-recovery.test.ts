// The Recovery agent (runtime-rs/hms-agents/src/recovery.rs over hms_core::recovery) through its
// generated TypeScript client and the agent library: a plan for a failure, its progress to success
// or escalation, domain errors as RustError codes, and an injected panic that leaves the agent
// answering. AgentControl (idl/agent_control.fbs) on the same agent: parameters and evolve.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes } from 'hms-runtime';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { ErrorCode, HealthStatus } from '../generated/ts/hms.js';
import { AgentControlClient } from '../generated/ts/hms/control.js';
import { RecoveryClient, RecoveryStrategy, StepOutcome } from '../generated/ts/hms/recovery.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';
import { expectRejection, expectRustError } from './support/rust-error.js';

test.before(requireAgentLib);

const failure = (agentId: string, code: ErrorCode, retryable = true) => ({
  agentId,
  error: { code, message: 'upstream timed out', retryable },
  health: HealthStatus.Degraded,
  reportedBy: 'tests',
});

function open() {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('recovery');
  return { lib, recovery: new RecoveryClient(lib, handle), control: new AgentControlClient(lib, handle), handle };
}

test('a transient failure gets retries first (cheapest), then restart, escalation last; outcomes advance it', () => {
  const { lib, recovery } = open();
  recovery.setPolicy({
    agentId: 'db',
    policy: {
      strategies: [RecoveryStrategy.Restart, RecoveryStrategy.Retry],
      backoff: { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 1 },
      maxAttempts: 4,
      stepTimeoutMs: 5000,
      failoverTargets: null,
    },
  });
  const { plan } = recovery.planRecovery({ failure: failure('db', ErrorCode.Timeout), jitterSeed: 7n });
  assert.ok(plan);
  const steps = plan.steps ?? [];
  assert.is(steps[0]?.strategy, RecoveryStrategy.Retry, 'retry is cheaper than restart');
  assert.is(steps.at(-1)?.strategy, RecoveryStrategy.Escalate, 'escalation is last');
  assert.ok(steps.length <= 5, `${steps.length} steps for max_attempts 4 plus escalation`);
  steps.forEach((s, i) => {
    assert.is(s.index, i);
    assert.ok(s.estimatedCost > 0);
  });
  // Full jitter: each retry delay within [0, min(cap, 100 * 2^n)].
  steps
    .filter((s) => s.strategy === RecoveryStrategy.Retry)
    .forEach((s, n) => assert.ok(s.delayMs <= Math.min(1000, 100 * 2 ** n), `retry ${n}: ${s.delayMs} ms`));
  assert.ok(Math.abs(plan.estimatedCost - steps.reduce((a, s) => a + s.estimatedCost, 0)) < 1e-6);
  // The same seed gives the same plan.
  const again = open();
  again.recovery.setPolicy({
    agentId: 'db',
    policy: {
      strategies: [RecoveryStrategy.Restart, RecoveryStrategy.Retry],
      backoff: { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 1 },
      maxAttempts: 4,
      stepTimeoutMs: 5000,
      failoverTargets: null,
    },
  });
  const same = again.recovery.planRecovery({ failure: failure('db', ErrorCode.Timeout), jitterSeed: 7n }).plan;
  assert.equal(
    same?.steps?.map((s) => s.delayMs),
    steps.map((s) => s.delayMs),
  );
  again.lib.close();
  // Step 0 failed: the next step; step 1 succeeded: the plan is complete.
  const next = recovery.reportOutcome({
    planId: plan.planId,
    stepIndex: 0,
    outcome: StepOutcome.Failed,
    durationMs: 12,
    detail: null,
  });
  assert.is(next.nextStep?.index, 1);
  assert.is(next.planComplete, false);
  const done = recovery.reportOutcome({
    planId: plan.planId,
    stepIndex: 1,
    outcome: StepOutcome.Succeeded,
    durationMs: 3,
    detail: 'ok',
  });
  assert.is(done.planComplete, true);
  assert.is(done.escalated, false);
  const read = recovery.getPlan({ planId: plan.planId });
  assert.is(read.completedSteps, 2);
  assert.is(read.lastOutcome, StepOutcome.Succeeded);
  assert.is(read.plan?.failure?.agentId, 'db');
  lib.close();
});

test('when every step fails the failure is escalated; a finished plan takes no more outcomes', () => {
  const { lib, recovery } = open();
  const { plan } = recovery.planRecovery({ failure: failure('cache', ErrorCode.Unavailable), jitterSeed: 1n });
  assert.ok(plan);
  const steps = plan.steps ?? [];
  let last = { planComplete: false, escalated: false };
  for (let i = 0; i < steps.length - 1; i++) {
    last = recovery.reportOutcome({
      planId: plan.planId,
      stepIndex: i,
      outcome: StepOutcome.Failed,
      durationMs: 1,
      detail: null,
    });
  }
  assert.is(last.planComplete, true);
  assert.is(last.escalated, true);
  expectRustError(
    () =>
      recovery.reportOutcome({
        planId: plan.planId,
        stepIndex: steps.length - 1,
        outcome: StepOutcome.Failed,
        durationMs: 1,
        detail: null,
      }),
    ErrorCode.FailedPrecondition,
  );
  lib.close();
});

test('domain errors arrive as RustError codes: unknown plan, out-of-order step, bad policy', async () => {
  const { lib, recovery } = open();
  expectRustError(() => recovery.getPlan({ planId: 'no-such-plan' }), ErrorCodes.NotFound, /no-such-plan/);
  await expectRejection(recovery.getPlanAsync({ planId: 'nope' }), ErrorCodes.NotFound);
  const { plan } = recovery.planRecovery({ failure: failure('svc', ErrorCode.Timeout), jitterSeed: 3n });
  expectRustError(
    () =>
      recovery.reportOutcome({
        planId: plan?.planId ?? '',
        stepIndex: 2,
        outcome: StepOutcome.Failed,
        durationMs: 1,
        detail: null,
      }),
    ErrorCode.FailedPrecondition,
    /waits for the outcome of step 0, not step 2/,
  );
  expectRustError(
    () =>
      recovery.setPolicy({
        agentId: 'x',
        policy: {
          strategies: null,
          backoff: { initialMs: 1000, maxMs: 10, multiplier: 2, jitter: 0 },
          maxAttempts: 3,
          stepTimeoutMs: 1,
          failoverTargets: null,
        },
      }),
    ErrorCodes.InvalidArgument,
  );
  expectRustError(
    () => recovery.planRecovery({ failure: failure('', ErrorCode.Timeout) }),
    ErrorCodes.InvalidArgument,
    /agent id is empty/,
  );
  lib.close();
});

test('a panic inside the handler is RustError 100 and the agent keeps answering', async () => {
  const { lib, recovery, control, handle } = open();
  control.injectFaults({ panics: 2, errors: 1, errorCode: ErrorCode.Unavailable, latencyMs: 0, delayed: 0 });
  expectRustError(() => recovery.getPlan({ planId: 'p' }), ErrorCodes.Panic, /injected panic/);
  await expectRejection(recovery.getPlanAsync({ planId: 'p' }), ErrorCodes.Panic);
  expectRustError(() => recovery.getPlan({ planId: 'p' }), ErrorCode.Unavailable, /injected error/);
  // Answering again, through both paths.
  expectRustError(() => recovery.getPlan({ planId: 'p' }), ErrorCodes.NotFound);
  const { plan } = await recovery.planRecoveryAsync({
    failure: failure('after-panic', ErrorCode.Timeout),
    jitterSeed: 5n,
  });
  assert.ok(plan?.planId);
  const health = lib.health(handle);
  assert.ok(health.length > 0);
  lib.close();
});

test('AgentControl: parameters with ranges, an atomic evolve that reports what changed, conflicts refused', () => {
  const { lib, control } = open();
  const set = control.getParameters({});
  assert.is(set.agentType, 'recovery');
  assert.is(set.generation, 0n);
  const names = (set.parameters ?? []).map((p) => p.name);
  assert.equal(names, ['backoff_base_ms', 'backoff_cap_ms', 'max_attempts', 'order']);
  const r = control.evolve({
    parameters: [
      { name: 'max_attempts', number: 8, choice: null },
      { name: 'order', number: 0, choice: 'as_listed' },
    ],
    dryRun: false,
    expectedGeneration: 0n,
  });
  assert.is(r.generation, 1n);
  assert.equal(
    r.changes?.map((c) => [c.name, c.oldValue?.number, c.newValue?.number, c.oldValue?.choice, c.newValue?.choice]),
    [
      ['max_attempts', 5, 8, null, null],
      ['order', 0, 0, 'cheapest', 'as_listed'],
    ],
  );
  // A dry run changes nothing; an out-of-range value and a stale generation are refused, atomically.
  const dry = control.evolve({
    parameters: [{ name: 'max_attempts', number: 9, choice: null }],
    dryRun: true,
    expectedGeneration: 0n,
  });
  assert.is(dry.generation, 1n);
  expectRustError(
    () =>
      control.evolve({
        parameters: [
          { name: 'max_attempts', number: 9, choice: null },
          { name: 'backoff_base_ms', number: 0, choice: null },
        ],
        dryRun: false,
        expectedGeneration: 0n,
      }),
    ErrorCodes.InvalidArgument,
    /outside/,
  );
  expectRustError(
    () =>
      control.evolve({
        parameters: [{ name: 'max_attempts', number: 9, choice: null }],
        dryRun: false,
        expectedGeneration: 7n,
      }),
    202,
    /generation 1/,
  );
  expectRustError(
    () =>
      control.evolve({
        parameters: [{ name: 'nope', number: 1, choice: null }],
        dryRun: false,
        expectedGeneration: 0n,
      }),
    ErrorCodes.InvalidArgument,
    /no parameter "nope"/,
  );
  const after = control.getParameters({});
  assert.is(after.parameters?.find((p) => p.name === 'max_attempts')?.current?.number, 8);
  assert.is(after.generation, 1n);
  // State hand-over to a new agent of the same type carries the parameters.
  const state = control.exportState({});
  const next = open();
  assert.is(next.control.importState(state).ok, true);
  assert.is(next.control.getParameters({}).parameters?.find((p) => p.name === 'max_attempts')?.current?.number, 8);
  next.lib.close();
  lib.close();
});

test.run();
