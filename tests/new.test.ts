// `hms-gen new`: names, the registration edits, refusals that leave the tree as it was, usage errors.
// (The whole path, scaffold → generate → build → call, is tests/adding-an-agent.test.ts.)

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { registerRustAgent } from '../generator/src/backends/rust/scaffold.js';
import { ScaffoldError } from '../generator/src/codegen/scaffold.js';
import { nameForms } from '../generator/src/cli/new.js';
import { hmsGen as run, REPO } from './support/cli.js';

const units = suite('hms-gen new: names and registration');

units('NAME in any of its forms gives the same kebab, snake and Camel forms', () => {
  for (const n of ['order-router', 'order_router', 'OrderRouter', 'orderRouter']) {
    assert.equal(nameForms(n), { kebab: 'order-router', snake: 'order_router', camel: 'OrderRouter' }, n);
  }
  assert.equal(nameForms('HTTPProbe2'), { kebab: 'http-probe2', snake: 'http_probe2', camel: 'HttpProbe2' });
  for (const bad of ['', '9lives', 'a b', 'a--b', '-a', 'a-', 'ä']) assert.throws(() => nameForms(bad), /NAME must be/, bad);
});

const LIB = `//! An agent crate.

pub mod alpha;
pub mod zulu;

hms_contracts::agents! {
    alpha::AlphaAgent {
        name: alpha::TYPE_NAME,
        create: alpha::AlphaAgent::create,
        serves: [alpha],
    },
}
`;

units('the Rust registration: the module declared in order, the entry last in the list', () => {
  const out = registerRustAgent(LIB, 'mid-way', 'health_monitor');
  assert.match(out, 'pub mod alpha;\npub mod mid_way;\npub mod zulu;\n');
  assert.match(
    out,
    '        serves: [alpha],\n    },\n    mid_way::MidWayAgent {\n        name: mid_way::TYPE_NAME,\n        create: mid_way::MidWayAgent::create,\n        serves: [health_monitor],\n    },\n}\n',
  );
  // No module declarations yet: the declaration goes before the registration.
  const bare = 'hms_contracts::agents! {\n}\n';
  assert.is(registerRustAgent(bare, 'one', 'x'), 'pub mod one;\n\nhms_contracts::agents! {\n    one::OneAgent {\n        name: one::TYPE_NAME,\n        create: one::OneAgent::create,\n        serves: [x],\n    },\n}\n');
});

units('the Rust registration refuses what it cannot do, with the reason', () => {
  assert.throws(() => registerRustAgent(LIB, 'alpha', 'x'), (e: Error) => e instanceof ScaffoldError && /module alpha is already declared/.test(e.message));
  assert.throws(() => registerRustAgent('pub mod a;\n', 'b', 'x'), /no `hms_contracts::agents! \{` registration/);
  assert.throws(() => registerRustAgent('hms_contracts::agents! {\n    a::A { ... },\n', 'b', 'x'), /no closing `\}`/);
});

units.run();

// ---------------------------------------------------------------------------------------------

const cli = suite('hms-gen new: the command');

let dir = '';
/** The built bin, as a user runs it (scripts/setup builds it). */
const hmsGen = (...args: string[]) => run(args, dir);

cli.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'hms-new-'));
  cpSync(join(REPO, 'idl'), join(dir, 'idl'), { recursive: true });
  mkdirSync(join(dir, 'agents', 'src'), { recursive: true });
  writeFileSync(join(dir, 'agents', 'src', 'lib.rs'), LIB);
  writeFileSync(join(dir, 'hms-gen.json'), JSON.stringify({ rust: { agents: { crate: 'agents', path: 'agents' } }, ts: { agents: { path: 'ts-agents' } } }));
});
cli.after.each(() => rmSync(dir, { recursive: true, force: true }));

cli('new service writes a schema hms-gen accepts, in the namespace asked for', () => {
  const r = hmsGen('new', 'service', 'OrderRouter', '--namespace', 'shop.routing');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, 'hms-gen: wrote idl/order_router.fbs (rpc_service shop.routing.OrderRouter)');
  const text = readFileSync(join(dir, 'idl', 'order_router.fbs'), 'utf8');
  assert.match(text, 'namespace shop.routing;');
  assert.match(text, 'rpc_service OrderRouter {');
  const check = hmsGen('check', '-I', 'idl', 'idl/order_router.fbs');
  assert.is(check.status, 0, check.stderr);
});

cli('new service refuses an existing file and an existing service, writing nothing', () => {
  const again = hmsGen('new', 'service', 'metrics_collector');
  assert.is(again.status, 1);
  assert.match(again.stderr, 'idl/metrics_collector.fbs already exists; nothing written');
  // Same qualified name as an existing service, other file name.
  const clash = hmsGen('new', 'service', 'recovery-x', '--namespace', 'hms.recovery');
  assert.is(clash.status, 0, clash.stderr); // hms.recovery.RecoveryX: a new name
  const dup = hmsGen('new', 'service', 'Recovery', '--dir', 'idl', '--namespace', 'hms.recovery');
  assert.is(dup.status, 1);
  assert.match(dup.stderr, 'idl/recovery.fbs already exists');
});

cli('new agent refuses an unknown service, a missing registration, and files that exist', () => {
  const unknown = hmsGen('new', 'agent', 'probe', '--service', 'hms.nope.Nope');
  assert.is(unknown.status, 1);
  assert.match(unknown.stderr, 'no service hms.nope.Nope in the contracts (they declare hms.breaker.CircuitBreaker,');
  writeFileSync(join(dir, 'agents', 'src', 'lib.rs'), '//! no registration\n');
  const noList = hmsGen('new', 'agent', 'probe', '--service', 'hms.health.HealthMonitor');
  assert.is(noList.status, 1);
  assert.match(noList.stderr, 'agents/src/lib.rs: no `hms_contracts::agents! {` registration');
  assert.not.ok(existsSync(join(dir, 'agents', 'src', 'probe.rs')), 'nothing written');
  assert.not.ok(existsSync(join(dir, 'tests', 'probe-agent.test.ts')), 'nothing written');
  writeFileSync(join(dir, 'agents', 'src', 'lib.rs'), LIB);
  writeFileSync(join(dir, 'agents', 'src', 'probe.rs'), '// mine\n');
  const exists = hmsGen('new', 'agent', 'probe', '--service', 'hms.health.HealthMonitor');
  assert.is(exists.status, 1);
  assert.match(exists.stderr, 'agents/src/probe.rs already exists');
  assert.is(readFileSync(join(dir, 'agents', 'src', 'probe.rs'), 'utf8'), '// mine\n');
  assert.is(readFileSync(join(dir, 'agents', 'src', 'lib.rs'), 'utf8'), LIB);
});

cli('new agent --lang ts writes the agent, its index.ts entry and its test', () => {
  const r = hmsGen('new', 'agent', 'probe', '--service', 'hms.health.HealthMonitor', '--lang', 'ts');
  assert.is(r.status, 0, r.stderr);
  const index = readFileSync(join(dir, 'ts-agents', 'index.ts'), 'utf8');
  assert.match(index, "import { HealthMonitorDispatch } from '../generated/ts/hms/health.js';");
  assert.match(index, 'agentType({ name: probe.TYPE_NAME, create: probe.ProbeAgent.create, serves: [HealthMonitorDispatch] }),');
  assert.match(readFileSync(join(dir, 'ts-agents', 'probe.ts'), 'utf8'), 'export class ProbeAgent implements HealthMonitor {');
  assert.match(readFileSync(join(dir, 'tests', 'probe-agent.test.ts'), 'utf8'), "agents.create('probe')");
  // A second one goes into the same list.
  const two = hmsGen('new', 'agent', 'probe-two', '--service', 'hms.health.HealthMonitor', '--lang', 'ts');
  assert.is(two.status, 0, two.stderr);
  assert.match(readFileSync(join(dir, 'ts-agents', 'index.ts'), 'utf8'), /probe\.ProbeAgent\.create.*\n.*probeTwo\.ProbeTwoAgent\.create/);
});

cli('usage errors exit 2 and name the problem', () => {
  for (const [args, message] of [
    [['new'], 'new: expected service or agent'],
    [['new', 'thing', 'x'], 'new: unknown kind thing (expected service or agent)'],
    [['new', 'agent', 'x'], '--service QUALIFIED.SERVICE is required'],
    [['new', 'agent', 'x', '--service', 'hms.health.HealthMonitor', '--lang', 'go'], '--lang: unknown language go (expected rust or ts)'],
    [['new', 'service', '9x'], 'NAME must be kebab-case'],
    [['new', 'service', 'a', '--bogus'], 'unknown option: --bogus'],
  ] as const) {
    const r = hmsGen(...args);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, "Try 'hms-gen new --help'.");
  }
  const help = hmsGen('new', '--help');
  assert.is(help.status, 0);
  assert.match(help.stdout, 'usage: hms-gen new service NAME');
});

cli.run();
