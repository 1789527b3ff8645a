// Builds the agent library of tests/ffi-memory.test.ts: the test agents crate
// (tests/fixtures/ffi-memory/agents: a counting global allocator and misbehaving agents) served by
// an agent library (`hms-agent-lib`) that hms-gen generates for it, as a user with their own agent
// crate would: an `hms-gen.json` naming the crate in the generator's working directory,
// `hms-gen generate --lang rust` (run from sources), then `cargo build`.
//
// Layout under target/hms-ffi-memory/ (its own Cargo workspace, so the root workspace is not involved):
//   Cargo.toml, Cargo.lock   workspace of the generated agent library (lock copied from the root)
//   hms-gen.json             rust.agents → crate hms-ffi-memory-agents at agents/
//   agents/                  the test agents crate (src/lib.rs copied from the fixture)
//   gen/rust/{contracts,agent-lib}   generator output
// Builds share target/hms-ffi-memory-target; files are rewritten only when their content changes,
// so a second run is a no-op for cargo.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import koffi from 'koffi';
import { REPO } from './cli.js';

export const MEMORY_DIR = join(REPO, 'target', 'hms-ffi-memory');
export const MEMORY_TARGET = join(REPO, 'target', 'hms-ffi-memory-target');
const FIXTURE = join(REPO, 'tests', 'fixtures', 'ffi-memory', 'agents');

/**
 * Cargo profile of the test library. Debug keeps the build short (a few seconds from a warm
 * target dir); the whole 100,000-call run takes a few seconds either way, because most of the time
 * is spent in JavaScript (encoding, koffi) rather than in the agents.
 */
export const PROFILE = 'debug';

const AGENTS_CARGO_TOML = `# Written by tests/support/ffi-memory-lib.ts (not by hms-gen): the test agents crate.
[package]
name = "hms-ffi-memory-agents"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
name = "hms_ffi_memory_agents"
path = "src/lib.rs"

[dependencies]
# The contracts generated next to the agent library, so both use the same crate.
hms-contracts = { path = "../gen/rust/contracts" }
`;

const WORKSPACE_CARGO_TOML = `# Written by tests/support/ffi-memory-lib.ts: the workspace of the test agent library.
# (Path dependencies below this directory, the agents and contracts crates, join it automatically.)
[workspace]
resolver = "2"
members = ["gen/rust/agent-lib"]
`;

const CONFIG = `${JSON.stringify({ rust: { agents: { crate: 'hms-ffi-memory-agents', path: 'agents' } } })}\n`;

function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`,
    );
  }
}

/** Generates and builds the test agent library; returns the path of its cdylib. */
export function buildMemoryProbeLibrary(): string {
  mkdirSync(join(MEMORY_DIR, 'agents', 'src'), { recursive: true });
  writeIfChanged(join(MEMORY_DIR, 'agents', 'src', 'lib.rs'), readFileSync(join(FIXTURE, 'src', 'lib.rs'), 'utf8'));
  writeIfChanged(join(MEMORY_DIR, 'agents', 'Cargo.toml'), AGENTS_CARGO_TOML);
  writeIfChanged(join(MEMORY_DIR, 'Cargo.toml'), WORKSPACE_CARGO_TOML);
  writeIfChanged(join(MEMORY_DIR, 'hms-gen.json'), CONFIG);
  // Same dependency versions as the root workspace, and no registry lookup when nothing changed.
  if (!existsSync(join(MEMORY_DIR, 'Cargo.lock')))
    copyFileSync(join(REPO, 'Cargo.lock'), join(MEMORY_DIR, 'Cargo.lock'));

  // The generator reads hms-gen.json from its working directory; it rewrites only changed files.
  const idl = join(REPO, 'idl');
  const inputs = readdirSync(idl)
    .filter((f) => f.endsWith('.fbs'))
    .sort()
    .map((f) => join(idl, f));
  const main = join(REPO, 'generator', 'src', 'cli', 'main.ts');
  run(
    process.execPath,
    ['--import', 'tsx', main, 'generate', '--lang', 'rust', '--out', 'gen', '-I', idl, ...inputs],
    MEMORY_DIR,
  );
  for (const f of ['gen/rust/contracts/Cargo.toml', 'gen/rust/agent-lib/Cargo.toml']) {
    if (!existsSync(join(MEMORY_DIR, f)))
      throw new Error(`hms-gen did not write ${f} (is rust.agents of hms-gen.json read?)`);
  }

  const args = ['build', '--quiet', '-p', 'hms-agent-lib'];
  if (PROFILE !== 'debug') args.push('--profile', PROFILE);
  run('cargo', args, MEMORY_DIR, { ...process.env, CARGO_TARGET_DIR: MEMORY_TARGET });
  const lib = join(MEMORY_TARGET, PROFILE, 'libhms_agent_lib.so');
  if (!existsSync(lib)) throw new Error(`cargo build did not produce ${lib}`);
  return lib;
}

/** The test library's allocation counters (exports of the fixture crate's counting allocator). */
export interface AllocationCounters {
  /** Allocations not freed yet. */
  liveAllocations(): number;
  /** Bytes of the allocations not freed yet. */
  liveBytes(): number;
  /** Allocations and reallocations so far. */
  totalAllocations(): number;
}

/**
 * Binds the counters of the library at `path`. koffi.load of a path already loaded (by
 * AgentLibrary.open) returns the same dlopen handle, so these read the instance the agents use.
 */
export function allocationCounters(path: string): AllocationCounters {
  const lib = koffi.load(path);
  const fn = (name: string): (() => number) => {
    const f = lib.func(`uint64_t ${name}()`) as () => number | bigint;
    return () => Number(f());
  };
  return {
    liveAllocations: fn('hms_test_live_allocations'),
    liveBytes: fn('hms_test_live_bytes'),
    totalAllocations: fn('hms_test_total_allocations'),
  };
}
