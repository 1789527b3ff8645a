// The ConfigurationManager agent (runtime-rs/hms-agents/src/config.rs over hms_core::config)
// through its generated client: validators from its configuration, compare-and-set, and
// watch_config long polls, a `(deferred)` rpc: 1,000 parked polls hold no worker thread of the
// library's pool (other calls keep being answered at once) and are all answered by one change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes } from 'hms-runtime';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { ErrorCode } from '../generated/ts/hms.js';
import {
  ChangeKind,
  ConfigurationManagerClient,
  encodeConfigManagerConfig,
  WatchEvents,
} from '../generated/ts/hms/config.js';
import { AgentControlClient } from '../generated/ts/hms/control.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';
import { expectRejection, expectRustError } from './support/rust-error.js';

test.before(requireAgentLib);

const config = encodeConfigManagerConfig({
  rules: [
    { selector: 'ga.population_size', type: 'int', min: 2, max: 10_000, required: true },
    { selector: 'ga.selection', type: 'string', allowed: ['tournament', 'roulette'] },
    { selector: 'net.*', type: 'string', pattern: '[a-z]+:[0-9]{2,5}' },
  ],
});

function open() {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('configuration-manager', config);
  return {
    lib,
    handle,
    cfg: new ConfigurationManagerClient(lib, handle),
    control: new AgentControlClient(lib, handle),
  };
}

const int = (value: number) => ({ type: 'IntValue' as const, value: { value: BigInt(value) } });
const str = (value: string) => ({ type: 'StringValue' as const, value: { value } });

test('validators come from the configuration; writes are compare-and-set by version', () => {
  const { lib, cfg } = open();
  const created = cfg.setConfig({
    key: 'ga.population_size',
    value: int(100),
    expectedVersion: 0n,
    updatedBy: 'tests',
  });
  assert.is(created.entry?.version, 1n);
  assert.is(created.entry?.value, '100');
  assert.is(created.previousVersion, 0n);
  expectRustError(
    () => cfg.setConfig({ key: 'ga.population_size', value: int(1) }),
    ErrorCodes.InvalidArgument,
    /between 2 and 10000/,
  );
  expectRustError(() => cfg.setConfig({ key: 'ga.population_size', value: str('many') }), ErrorCodes.InvalidArgument);
  expectRustError(() => cfg.setConfig({ key: 'ga.selection', value: str('random') }), ErrorCodes.InvalidArgument);
  expectRustError(() => cfg.setConfig({ key: 'net.db', value: str('db:5432x') }), ErrorCodes.InvalidArgument);
  assert.is(cfg.setConfig({ key: 'net.db', value: str('db:5432') }).entry?.version, 1n);
  // CAS: creating an existing key, and writing at a stale version, are VersionConflict.
  expectRustError(
    () => cfg.setConfig({ key: 'ga.population_size', value: int(50), expectedVersion: 0n }),
    ErrorCode.VersionConflict,
  );
  assert.is(cfg.setConfig({ key: 'ga.population_size', value: int(50), expectedVersion: 1n }).entry?.version, 2n);
  expectRustError(
    () => cfg.setConfig({ key: 'ga.population_size', value: int(60), expectedVersion: 1n }),
    ErrorCode.VersionConflict,
    /2/,
  );
  expectRustError(
    () => cfg.deleteConfig({ key: 'ga.population_size' }),
    ErrorCodes.InvalidArgument,
    /required|cannot be deleted/,
  );
  expectRustError(() => cfg.deleteConfig({ key: 'net.db', expectedVersion: 5n }), ErrorCode.VersionConflict);
  assert.is(cfg.deleteConfig({ key: 'net.db', expectedVersion: 1n }).deleted, true);
  const got = cfg.getConfig({ keys: ['ga.population_size', 'missing'], prefix: null });
  assert.equal(
    got.entries?.map((e) => [e.key, e.value, e.version]),
    [['ga.population_size', '50', 2n]],
  );
  assert.ok(got.revision >= 4n);
  lib.close();
});

test('a watch replays changes after a revision, waits for the next one, and times out empty', async () => {
  const { lib, cfg } = open();
  const first = cfg.setConfig({ key: 'app.a', value: int(1) });
  const base = cfg.getConfig({ keys: null, prefix: null }).revision;
  cfg.setConfig({ key: 'app.b', value: int(2) });
  const replay = await cfg.watchConfigAsync({ prefix: 'app.', afterRevision: base, timeoutMs: 1000 });
  assert.equal(
    replay.changes?.map((c) => c.entry?.key),
    ['app.b'],
  );
  // Parked until the change (async: no thread waits for it).
  const waiting = cfg.watchConfigAsync({ prefix: 'app.', afterRevision: replay.revision, timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 20));
  cfg.deleteConfig({ key: 'app.a', expectedVersion: first.entry?.version ?? 0n });
  const woke = await waiting;
  assert.equal(
    woke.changes?.map((c) => [c.kind, c.entry?.key]),
    [[ChangeKind.Delete, 'app.a']],
  );
  // Only Put events: a delete does not answer it; the timeout does, empty.
  cfg.setConfig({ key: 'app.c', value: int(3) });
  const after = cfg.getConfig({ keys: null, prefix: null }).revision;
  const started = Date.now();
  const timedOut = await cfg.watchConfigAsync({
    prefix: 'app.',
    afterRevision: after,
    events: WatchEvents.Put,
    timeoutMs: 100,
  });
  cfg.deleteConfig({ key: 'app.c' });
  assert.equal(timedOut.changes, []);
  assert.ok(Date.now() - started >= 90, 'waited for its timeout');
  lib.close();
});

test('1,000 parked watches hold no worker: other async calls are answered meanwhile; one change answers them all', async () => {
  const { lib, cfg } = open();
  const rev = cfg.getConfig({ keys: null, prefix: null }).revision;
  let answered = 0;
  const watches = Array.from({ length: 1000 }, () =>
    cfg.watchConfigAsync({ prefix: 'fleet.', afterRevision: rev, timeoutMs: 60_000 }).then((r) => {
      answered++;
      return r;
    }),
  );
  // The library's pool has a worker or two: were a parked watch holding one, these would wait a minute.
  const start = Date.now();
  const reads = await Promise.all(Array.from({ length: 200 }, () => cfg.getConfigAsync({ keys: ['x'], prefix: null })));
  assert.is(reads.length, 200);
  assert.ok(Date.now() - start < 10_000, `200 reads took ${Date.now() - start} ms beside the parked watches`);
  assert.is(answered, 0, 'no watch answered before a change');
  cfg.setConfig({ key: 'fleet.size', value: int(12) });
  const all = await Promise.all(watches);
  assert.is(answered, 1000);
  assert.ok(all.every((r) => r.changes?.length === 1 && r.changes[0]?.entry?.key === 'fleet.size'));
  lib.close();
});

test('destroying the agent answers its parked watches (Cancelled); an injected panic is RustError 100', async () => {
  const { lib, handle, cfg, control } = open();
  control.injectFaults({ panics: 1, errors: 0, latencyMs: 0, delayed: 0 });
  await expectRejection(cfg.watchConfigAsync({ prefix: 'x', timeoutMs: 1000 }), ErrorCodes.Panic);
  // The agent keeps answering.
  assert.equal(cfg.getConfig({ keys: null, prefix: 'zz' }).entries, []);
  const parked = Array.from({ length: 10 }, () =>
    cfg.watchConfigAsync({ prefix: 'never.', timeoutMs: 60_000 }).then(
      () => 'answered',
      (e: { code?: number }) => e.code,
    ),
  );
  await new Promise((r) => setTimeout(r, 20));
  lib.destroy(handle);
  const outcomes = await Promise.all(parked);
  assert.ok(
    outcomes.every((o) => o === ErrorCode.Cancelled),
    String(outcomes),
  );
  lib.close();
});

test.run();
