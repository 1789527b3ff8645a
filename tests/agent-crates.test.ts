// Several agents crates behind one agent library (hms-gen.json `rust.agents` as a list) with a
// library crate name of its own (`rust.agentLibrary.crate`): the generated library serves the
// agent types of every crate, and two crates registering one name are refused when a type is
// looked up. Built like a user would: hms-gen.json in the working directory, `hms-gen generate
// --lang rust`, `cargo build`, then loaded through the committed TypeScript bindings (same idl/).
//
// Layout under target/hms-agent-crates/ (its own Cargo workspace; builds share the target dir of
// tests/support/ffi-memory-lib.ts, so the dependencies are built once):
//   Cargo.toml, Cargo.lock, hms-gen.json
//   first-agents/, evolved-agents/   two agents crates, one agent type each
//   gen/rust/{contracts,agent-lib}   generator output

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentLibrary, ErrorCodes, RustError } from 'hms-runtime';
import { CONTRACT, DECLARATIONS } from '../generated/ts/_ffi.js';
import { decodeAgentError, decodeAgentHealth } from '../generated/ts/hms.js';
import { REPO } from './support/cli.js';
import { MEMORY_TARGET } from './support/ffi-memory-lib.js';

const DIR = join(REPO, 'target', 'hms-agent-crates');
const LIBRARY = 'evolved-agent-lib';

function writeIfChanged(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { status: number; output: string } {
  const r = spawnSync(cmd, args, { cwd: DIR, env, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** An agents crate with one agent type `name` serving no service. */
function agentsCrate(crate: string, name: string): void {
  writeIfChanged(
    join(DIR, crate, 'Cargo.toml'),
    `# Written by tests/agent-crates.test.ts.\n[package]\nname = "${crate}"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nhms-contracts = { path = "../gen/rust/contracts" }\n`,
  );
  writeIfChanged(
    join(DIR, crate, 'src', 'lib.rs'),
    `//! Written by tests/agent-crates.test.ts: one agent type, serving no service.
use hms_contracts::agent::Agent;
use hms_contracts::hms::{AgentError, AgentHealth};

pub struct Idle;

impl Agent for Idle {
    fn health(&self) -> AgentHealth {
        AgentHealth {
            agent_id: ${JSON.stringify(crate)}.to_string(),
            ..AgentHealth::default()
        }
    }
}

fn create(_: &[u8]) -> Result<Idle, AgentError> {
    Ok(Idle)
}

hms_contracts::agents! {
    Idle { name: ${JSON.stringify(name)}, create: create, serves: [] },
}
`,
  );
}

/** Generates and builds the library over `first-agents` and `evolved-agents`; returns its cdylib. */
function build(evolvedName: string): string {
  agentsCrate('first-agents', 'first');
  agentsCrate('evolved-agents', evolvedName);
  const config = {
    rust: {
      agents: [
        { crate: 'first-agents', path: 'first-agents' },
        { crate: 'evolved-agents', path: 'evolved-agents' },
      ],
      agentLibrary: { crate: LIBRARY },
    },
  };
  writeIfChanged(join(DIR, 'hms-gen.json'), `${JSON.stringify(config)}\n`);
  writeIfChanged(join(DIR, 'Cargo.toml'), '# Written by tests/agent-crates.test.ts.\n[workspace]\nresolver = "2"\nmembers = ["gen/rust/agent-lib"]\n');
  if (!existsSync(join(DIR, 'Cargo.lock'))) copyFileSync(join(REPO, 'Cargo.lock'), join(DIR, 'Cargo.lock'));
  const idl = join(REPO, 'idl');
  const inputs = readdirSync(idl).filter((f) => f.endsWith('.fbs')).sort().map((f) => join(idl, f));
  const main = join(REPO, 'generator', 'src', 'cli', 'main.ts');
  const gen = run(process.execPath, ['--import', 'tsx', main, 'generate', '--lang', 'rust', '--out', 'gen', '-I', idl, ...inputs]);
  assert.is(gen.status, 0, gen.output);
  const cargo = run('cargo', ['build', '--quiet', '-p', LIBRARY], { ...process.env, CARGO_TARGET_DIR: MEMORY_TARGET });
  assert.is(cargo.status, 0, cargo.output);
  // A copy per build: the process keeps a library it loaded once, so a rebuilt one needs another path.
  const copy = join(DIR, `libevolved_agent_lib-${evolvedName}.so`);
  copyFileSync(join(MEMORY_TARGET, 'debug', 'libevolved_agent_lib.so'), copy);
  return copy;
}

const open = (path: string): AgentLibrary => AgentLibrary.open(path, DECLARATIONS, CONTRACT, { decodeError: decodeAgentError });

test('the library is named by rust.agentLibrary.crate and lists every agents crate', () => {
  build('evolved');
  const manifest = readFileSync(join(DIR, 'gen', 'rust', 'agent-lib', 'Cargo.toml'), 'utf8');
  assert.match(manifest, `name = "${LIBRARY}"`);
  assert.match(manifest, 'name = "evolved_agent_lib"');
  assert.match(manifest, 'over the agents of first-agents and evolved-agents,');
  assert.match(manifest, 'first-agents = { path = "../../../first-agents" }\nevolved-agents = { path = "../../../evolved-agents" }\n');
  const fmt = run('rustfmt', ['--edition', '2021', '--check', join('gen', 'rust', 'agent-lib', 'src', 'lib.rs')]);
  assert.is(fmt.status, 0, fmt.output);
  const clippy = run('cargo', ['clippy', '--quiet', '-p', LIBRARY, '--', '-D', 'warnings'], { ...process.env, CARGO_TARGET_DIR: MEMORY_TARGET });
  assert.is(clippy.status, 0, clippy.output);
});

test('the agent types of both crates are created through the one library', () => {
  const lib = open(build('evolved'));
  try {
    for (const [type, crate] of [['first', 'first-agents'], ['evolved', 'evolved-agents']] as const) {
      const handle = lib.create(type);
      assert.is(decodeAgentHealth(lib.health(handle)).agentId, crate);
      lib.destroy(handle);
    }
  } finally {
    lib.close();
  }
});

test('two crates registering one name: creating an agent fails with Panic, naming both', () => {
  const lib = open(build('first'));
  try {
    const e = (() => {
      try {
        lib.create(1);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    assert.instance(e, RustError);
    assert.is((e as RustError).code, ErrorCodes.Panic);
    assert.match((e as RustError).message, 'agent types "first" and "first" have one type id');
  } finally {
    lib.close();
  }
});

test.run();
