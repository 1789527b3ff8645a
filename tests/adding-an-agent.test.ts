// docs/adding-an-agent.md, executed: every command of the page runs on a scratch copy of this
// repository (with its own Cargo target dir) and must print what the page shows, every edit is
// applied, so the page cannot drift from the tools. Then the wiring mistakes the page promises
// are compile errors are built, one example each, and must fail with their message.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from './support/cli.js';
import { applyEdit, outputMatches, parseWalkthrough, runCommand } from './support/walkthrough.js';

const PAGE = join(REPO, 'docs', 'adding-an-agent.md');
const SCRATCH = join(REPO, 'target', 'hms-walkthrough', 'repo');
const TARGET = join(REPO, 'target', 'hms-walkthrough', 'target');
/** tsc as the repository runs it on tests/ (tests/tsconfig.json), for single files. */
const TSC =
  'npx --no-install tsc --noEmit --strict --noUncheckedIndexedAccess --target es2022 --module nodenext --moduleResolution nodenext --skipLibCheck --types node';
const ENV: NodeJS.ProcessEnv = { ...process.env, CARGO_TARGET_DIR: TARGET, CARGO_TERM_COLOR: 'never', NO_COLOR: '1', FORCE_COLOR: '0' };

/**
 * A copy of the repository as a fresh clone would have it after setup: the files git knows (tracked
 * and untracked-but-not-ignored), the built generator and runtime, and a node_modules whose
 * workspace links (hms-gen, hms-runtime) point into the copy.
 */
function makeScratchRepo(): void {
  rmSync(SCRATCH, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(REPO, f)));
  for (const f of files) {
    mkdirSync(dirname(join(SCRATCH, f)), { recursive: true });
    cpSync(join(REPO, f), join(SCRATCH, f));
  }
  for (const built of ['generator/dist', 'runtime-ts/dist']) cpSync(join(REPO, built), join(SCRATCH, built), { recursive: true });
  const modules = join(SCRATCH, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (name === '.bin' || name.startsWith('.package-lock')) continue;
    const target = name === 'hms-gen' ? '../generator' : name === 'hms-runtime' ? '../runtime-ts' : join(REPO, 'node_modules', name);
    symlinkSync(target, join(modules, name));
  }
  // The bin links are relative to node_modules/.bin, so they resolve inside the copy.
  for (const bin of readdirSync(join(REPO, 'node_modules', '.bin'))) {
    symlinkSync(readlinkSync(join(REPO, 'node_modules', '.bin', bin)), join(modules, '.bin', bin));
  }
}

const walkthrough = suite('docs/adding-an-agent.md, run');

walkthrough.before(() => {
  makeScratchRepo();
});

walkthrough('every command prints what the page shows, every edit applies', () => {
  const steps = parseWalkthrough(readFileSync(PAGE, 'utf8'));
  assert.ok(steps.filter((s) => s.kind === 'command').length >= 6, 'the page has its commands');
  for (const step of steps) {
    if (step.kind === 'edit') {
      applyEdit(SCRATCH, step);
      continue;
    }
    const r = runCommand(step.command, SCRATCH, ENV);
    const where = `docs/adding-an-agent.md:${step.line}: \`${step.command}\``;
    assert.is(r.status, 0, `${where} exited ${r.status}:\n${r.output.join('\n')}`);
    if (!outputMatches(step.expected, r.output)) {
      assert.fixture(r.output.join('\n'), step.expected.join('\n'), `${where} printed other output`);
    }
  }
});

walkthrough('the scaffolded code is what the repository itself accepts: rustfmt, clippy, tsc --strict', () => {
  const fmt = runCommand('cargo fmt -p hms-agents --check', SCRATCH, ENV);
  assert.is(fmt.status, 0, fmt.output.join('\n'));
  const clippy = runCommand('cargo clippy -p hms-agents --quiet -- -D warnings', SCRATCH, ENV);
  assert.is(clippy.status, 0, clippy.output.join('\n'));
  const tsc = runCommand(`${TSC} tests/greeter-agent.test.ts tests/greeter-ts-agent.test.ts`, SCRATCH, ENV);
  assert.is(tsc.status, 0, tsc.output.join('\n'));
  const prettier = runCommand('npx --no-install prettier --check runtime-ts/agents tests/greeter-agent.test.ts tests/greeter-ts-agent.test.ts', SCRATCH, ENV);
  assert.is(prettier.status, 0, prettier.output.join('\n'));
});

walkthrough('a TypeScript agent registered for a service it does not implement does not type-check', () => {
  writeFileSync(
    join(SCRATCH, 'runtime-ts', 'agents', 'wrong.ts'),
    [
      "import { agentType } from 'hms-runtime';",
      "import { GreeterDispatch } from '../../generated/ts/hms/greeter.js';",
      '',
      'class Idle {}',
      '',
      "export const wrong = agentType({ name: 'idle', create: () => new Idle(), serves: [GreeterDispatch] });",
      '',
    ].join('\n'),
  );
  const tsc = runCommand(`${TSC} runtime-ts/agents/wrong.ts`, SCRATCH, ENV);
  assert.is.not(tsc.status, 0);
  assert.match(tsc.output.join('\n'), /wrong\.ts\(6,\d+\): error TS\d+: .*Property 'ping' is missing in type 'Idle'/s);
  rmSync(join(SCRATCH, 'runtime-ts', 'agents', 'wrong.ts'));
});

walkthrough('scaffolding never overwrites: a second run refuses and changes nothing', () => {
  const before = readFileSync(join(SCRATCH, 'runtime-rs/hms-agents/src/lib.rs'), 'utf8');
  const agent = runCommand('npx hms-gen new agent greeter --service hms.greeter.Greeter', SCRATCH, ENV);
  assert.is(agent.status, 1);
  assert.match(agent.output.join('\n'), 'already exist');
  assert.is(readFileSync(join(SCRATCH, 'runtime-rs/hms-agents/src/lib.rs'), 'utf8'), before);
  const service = runCommand('npx hms-gen new service greeter', SCRATCH, ENV);
  assert.is(service.status, 1);
  assert.match(service.output.join('\n'), 'idl/greeter.fbs already exists');
  const unknown = runCommand('npx hms-gen new agent other --service hms.greeter.Nope', SCRATCH, ENV);
  assert.is(unknown.status, 1);
  assert.match(unknown.output.join('\n'), 'no service hms.greeter.Nope in the contracts (they declare');
  assert.not.ok(existsSync(join(SCRATCH, 'runtime-rs/hms-agents/src/other.rs')));
});

walkthrough.run();

// ---------------------------------------------------------------------------------------------
// Wiring mistakes are build errors (runtime-rs/hms-agents/src/lib.rs): each example registers
// agents wrongly and must fail to compile with the registration's message.

const wiring = suite('agent wiring mistakes fail at build time');

const PRELUDE = `use hms_contracts::agent::Agent;
use hms_contracts::hms::{AgentError, AgentHealth};

struct Idle;
impl Agent for Idle {
    fn health(&self) -> AgentHealth {
        AgentHealth::default()
    }
}
fn idle(_: &[u8]) -> Result<Idle, AgentError> {
    Ok(Idle)
}
`;

const MISTAKES: Record<string, { readonly code: string; readonly error: RegExp }> = {
  // The agent is registered for a service it does not implement (the accessor would have been None).
  service_not_implemented: {
    code: `hms_contracts::agents! {\n    Idle { name: "idle", create: idle, serves: [health_monitor] },\n}`,
    error: /the trait bound `Idle: HealthMonitor` is not satisfied/,
  },
  // A copied registration whose name was not changed: one type id twice.
  same_type_id: {
    code: `struct Copy;\nimpl Agent for Copy {\n    fn health(&self) -> AgentHealth {\n        AgentHealth::default()\n    }\n}\nhms_contracts::agents! {\n    Idle { name: "idle", create: idle, serves: [] },\n    Copy { name: "idle", create: |_| Ok(Copy), serves: [] },\n}`,
    error: /agent type "idle": its type id \(FNV-1a of the name\) is zero or another agent type's/,
  },
  unknown_service: {
    code: `hms_contracts::agents! {\n    Idle { name: "idle", create: idle, serves: [greeterr] },\n}`,
    error: /`greeterr` is not a service of these contracts; the services are: .*greeter \(hms\.greeter\.Greeter\)/,
  },
  not_an_agent: {
    code: `struct Plain;\nhms_contracts::agents! {\n    Plain { name: "plain", create: |_| Ok(Plain), serves: [] },\n}`,
    error: /the trait bound `Plain: Agent` is not satisfied|`Plain: Agent`/,
  },
};

wiring('each mistake is a compile error naming what is wrong', () => {
  const examples = join(SCRATCH, 'runtime-rs', 'hms-agents', 'examples');
  mkdirSync(examples, { recursive: true });
  for (const [name, m] of Object.entries(MISTAKES)) {
    writeFileSync(join(examples, `${name}.rs`), `${PRELUDE}\n${m.code}\n\nfn main() {\n    let _ = agent_factories();\n}\n`);
  }
  for (const [name, m] of Object.entries(MISTAKES)) {
    const r = runCommand(`cargo build -p hms-agents --example ${name}`, SCRATCH, ENV);
    assert.is.not(r.status, 0, `${name} compiled`);
    assert.match(r.output.join('\n'), m.error, `${name}:\n${r.output.join('\n')}`);
  }
  // And done right, the same registration builds.
  writeFileSync(join(examples, 'right.rs'), `${PRELUDE}\nhms_contracts::agents! {\n    Idle { name: "idle", create: idle, serves: [] },\n}\n\nfn main() {\n    assert_eq!(agent_factories()[0].type_id, hms_contracts::agent::type_id_of("idle"));\n}\n`);
  const right = runCommand('cargo run -q -p hms-agents --example right', SCRATCH, ENV);
  assert.is(right.status, 0, right.output.join('\n'));
});

wiring.run();
