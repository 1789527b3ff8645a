// The HealthMonitor agent (runtime-rs/hms-agents/src/health.rs over hms_core::health) through its
// generated client: registration, heartbeats with anomaly detection, missed deadlines degrading
// an agent (real time here: the library runs on the system clock; the exact deadline semantics
// are tested with a manual clock in hms-core), deregistration, errors, and an injected panic.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes } from 'hms-runtime';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { HealthStatus } from '../generated/ts/hms.js';
import { AgentControlClient } from '../generated/ts/hms/control.js';
import { HealthMonitorClient } from '../generated/ts/hms/health.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';
import { expectRejection, expectRustError } from './support/rust-error.js';

test.before(requireAgentLib);

function open() {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('health-monitor');
  return { lib, health: new HealthMonitorClient(lib, handle), control: new AgentControlClient(lib, handle) };
}

const beat = (agentId: string, sequence: number, errorRate: number) => ({
  agentId,
  sequence: BigInt(sequence),
  timestampMs: BigInt(Date.now()),
  status: HealthStatus.Healthy,
  uptimeMs: BigInt(sequence * 100),
  errorRate,
  checks: [{ name: 'disk', status: HealthStatus.Healthy, detail: 'ok', latencyUs: 5 }],
});

test('registered agents heartbeat; an error-rate spike after a steady baseline is an anomaly', () => {
  const { lib, health } = open();
  const reg = health.registerAgent({
    agentId: 'ga-1',
    kind: 'genetic_engine',
    heartbeatIntervalMs: 60_000,
    detector: { ewmaAlpha: 0.1, zThreshold: 3, warmupSamples: 20 },
  });
  assert.is(reg.heartbeatIntervalMs, 60_000);
  assert.is(reg.reregistered, false);
  assert.ok(Math.abs(Number(reg.registeredAtMs) - Date.now()) < 60_000, 'epoch time');
  assert.is(
    health.registerAgent({ agentId: 'ga-1', kind: 'genetic_engine', heartbeatIntervalMs: 60_000 }).reregistered,
    true,
  );
  let anomalies = 0;
  for (let i = 1; i <= 60; i++) {
    const r = health.reportHeartbeat(beat('ga-1', i, 0.01 + 0.001 * (i % 3)));
    anomalies += r.anomalies?.length ?? 0;
    assert.is(r.assignedStatus, HealthStatus.Healthy);
    assert.ok(r.nextDeadlineMs > BigInt(Date.now()));
  }
  assert.is(anomalies, 0, 'no anomaly on the steady baseline');
  const spike = health.reportHeartbeat(beat('ga-1', 61, 0.9));
  assert.ok(
    (spike.anomalies ?? []).some((a) => a.signal === 'error_rate' && a.zScore > 3),
    JSON.stringify(spike.anomalies, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
  const got = health.getHealth({ agentId: 'ga-1', includeAnomalies: true });
  assert.is(got.health?.agentId, 'ga-1');
  assert.equal(
    got.health?.checks?.map((c) => c.name),
    ['disk'],
  );
  assert.ok((got.anomalies?.length ?? 0) >= 1);
  lib.close();
});

test('missed heartbeat deadlines degrade an agent, then make it unhealthy; a heartbeat restores it', async () => {
  const { lib, health } = open();
  health.registerAgent({ agentId: 'slow', kind: 'worker', heartbeatIntervalMs: 100, missThreshold: 3 });
  health.reportHeartbeat(beat('slow', 1, 0));
  assert.equal(health.listUnhealthy({}).agents, []);
  await new Promise((r) => setTimeout(r, 150));
  const degraded = health.listUnhealthy({ minStatus: HealthStatus.Degraded });
  assert.equal(
    degraded.agents?.map((a) => [a.agentId, a.status]),
    [['slow', HealthStatus.Degraded]],
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.is(health.getHealth({ agentId: 'slow' }).health?.status, HealthStatus.Unhealthy);
  assert.is(health.reportHeartbeat(beat('slow', 2, 0)).assignedStatus, HealthStatus.Healthy);
  assert.is(health.deregisterAgent({ agentId: 'slow', reason: 'done' }).ok, true);
  assert.is(health.deregisterAgent({ agentId: 'slow', reason: 'again' }).ok, false);
  lib.close();
});

test('unknown agents are NotFound; bad requests are InvalidArgument; an injected panic is RustError 100', async () => {
  const { lib, health, control } = open();
  expectRustError(() => health.getHealth({ agentId: 'nobody' }), ErrorCodes.NotFound);
  expectRustError(() => health.reportHeartbeat(beat('nobody', 1, 0)), ErrorCodes.NotFound);
  expectRustError(() => health.registerAgent({ agentId: '', kind: 'x' }), ErrorCodes.InvalidArgument);
  control.injectFaults({ panics: 1 });
  await expectRejection(health.listUnhealthyAsync({}), ErrorCodes.Panic);
  assert.equal((await health.listUnhealthyAsync({})).agents, []);
  // Evolving the default detector applies to agents registered afterwards.
  const r = control.evolve({
    parameters: [
      { name: 'detector', number: 0, choice: 'robust_mad' },
      { name: 'z_threshold', number: 4, choice: null },
    ],
  });
  assert.is(r.generation, 1n);
  expectRustError(
    () => control.evolve({ parameters: [{ name: 'detector', number: 0, choice: 'magic' }] }),
    ErrorCodes.InvalidArgument,
  );
  lib.close();
});

test.run();
