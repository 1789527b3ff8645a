import { readFileSync } from 'node:fs';
import { UsageError } from '../cli/args.js';

/**
 * `hms-gen.json` in the working directory (optional): what the schema cannot say. Unknown keys are
 * errors, so a typo does not silently change the output.
 *
 * ```json
 * {
 *   "rust": {
 *     "agents": [
 *       { "crate": "hms-agents", "path": "runtime-rs/hms-agents" },
 *       { "crate": "evolved-agents", "path": "target/evolved-agents" }
 *     ],
 *     "agentLibrary": { "crate": "hms-agent-lib" }
 *   }
 * }
 * ```
 * `rust.agents`: the crates implementing the agents, one object or a list of them (in the order the
 * library lists their agent types); with it, `generate` also emits the agent library
 * (`rust/agent-lib/`, the cdylib with the `extern "C"` exports of docs/ffi-abi.md) over all of
 * them. `path` is relative to the working directory. `rust.agentLibrary.crate`: the agent
 * library's package name (default `hms-agent-lib`; its lib target is the name with `_` for `-`).
 */
export interface GeneratorConfig {
  readonly rust?: {
    readonly agents?: AgentsCrate | readonly AgentsCrate[];
    readonly agentLibrary?: { readonly crate: string };
  };
  /**
   * `ts.agents.path`: the directory of the TypeScript agents (`index.ts` lists their types for
   * `LocalAgents`); where `hms-gen new agent --lang ts` puts one. Code generation does not read it.
   */
  readonly ts?: {
    readonly agents?: { readonly path: string };
  };
}

/** One crate of agents (`rust.agents`): its package name and directory. */
export interface AgentsCrate {
  readonly crate: string;
  readonly path: string;
}

/** The agent library's package name unless `rust.agentLibrary.crate` says otherwise. */
export const DEFAULT_AGENT_LIBRARY_CRATE = 'hms-agent-lib';

/** The agent library as configured: its crate and the agents crates it serves. */
export interface AgentLibraryConfig {
  /** Package name (`hms-agent-lib`). */
  readonly crate: string;
  /** Its Rust identifier, the lib target's name (`hms_agent_lib`). */
  readonly ident: string;
  /** The agents crates, in hms-gen.json's order, each with its Rust identifier. */
  readonly agents: readonly (AgentsCrate & { readonly ident: string })[];
}

/** A crate name as Rust code names it: `-` becomes `_`. */
export const crateIdent = (crate: string): string => crate.replace(/-/g, '_');

/** The agents crates of `rust.agents`, a list whichever form hms-gen.json used (empty without it). */
export function agentsCrates(config: GeneratorConfig): readonly AgentsCrate[] {
  const agents = config.rust?.agents;
  if (agents === undefined) return [];
  return isAgentsList(agents) ? agents : [agents];
}

function isAgentsList(a: AgentsCrate | readonly AgentsCrate[]): a is readonly AgentsCrate[] {
  return Array.isArray(a);
}

/** The agent library `config` asks for: undefined without agents crates. */
export function agentLibrary(config: GeneratorConfig): AgentLibraryConfig | undefined {
  const agents = agentsCrates(config);
  if (agents.length === 0) return undefined;
  const crate = config.rust?.agentLibrary?.crate ?? DEFAULT_AGENT_LIBRARY_CRATE;
  return { crate, ident: crateIdent(crate), agents: agents.map((a) => ({ ...a, ident: crateIdent(a.crate) })) };
}

export const CONFIG_FILE = 'hms-gen.json';

function fail(message: string): never {
  throw new UsageError(`${CONFIG_FILE}: ${message}`);
}

function onlyKeys(o: object, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`unknown key ${where}${k}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and validates a configuration text. */
export function parseConfig(text: string): GeneratorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(raw)) fail('expected an object');
  onlyKeys(raw, ['rust', 'ts'], '');
  return { ...parseRust(raw.rust), ...parseTs(raw.ts) };
}

const CRATE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Crates the agent library depends on besides the agents crates: no agents crate may be named so. */
const LIBRARY_DEPENDENCIES = ['hms-contracts', 'hms-ffi'];

function crateName(v: unknown, where: string): string {
  if (typeof v !== 'string' || !CRATE_NAME.test(v))
    fail(`${where}: expected a crate name (letters, digits, - and _), got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function agentsCrate(v: unknown, where: string): AgentsCrate {
  if (!isObject(v)) fail(`${where}: expected an object { "crate": ..., "path": ... }`);
  onlyKeys(v, ['crate', 'path'], `${where}.`);
  const crate = crateName(v.crate, `${where}.crate`);
  if (typeof v.path !== 'string' || v.path === '') fail(`${where}.path: expected a path`);
  return { crate, path: v.path };
}

function parseRust(rust: unknown): GeneratorConfig {
  if (rust === undefined) return {};
  if (!isObject(rust)) fail('rust: expected an object');
  onlyKeys(rust, ['agents', 'agentLibrary'], 'rust.');
  const out: { agents?: AgentsCrate | readonly AgentsCrate[]; agentLibrary?: { crate: string } } = {};
  const agents = rust.agents;
  if (Array.isArray(agents)) {
    if (agents.length === 0) fail('rust.agents: expected at least one agents crate (or no rust.agents)');
    out.agents = agents.map((a, i) => agentsCrate(a, `rust.agents[${i}]`));
  } else if (agents !== undefined) {
    if (!isObject(agents)) fail('rust.agents: expected an object or a list of objects');
    out.agents = agentsCrate(agents, 'rust.agents');
  }
  const library = rust.agentLibrary;
  if (library !== undefined) {
    if (!isObject(library)) fail('rust.agentLibrary: expected an object { "crate": ... }');
    onlyKeys(library, ['crate'], 'rust.agentLibrary.');
    out.agentLibrary = { crate: crateName(library.crate, 'rust.agentLibrary.crate') };
  }
  checkCrateNames(out);
  return { rust: out };
}

/** Every crate the agent library names must be a distinct Rust identifier. */
function checkCrateNames(rust: NonNullable<GeneratorConfig['rust']>): void {
  const lib = agentLibrary({ rust });
  if (!lib) return;
  const seen = new Map<string, string>([[lib.ident, 'rust.agentLibrary.crate']]);
  for (const d of LIBRARY_DEPENDENCIES) seen.set(crateIdent(d), `the library's dependency ${d}`);
  lib.agents.forEach((a, i) => {
    const where = Array.isArray(rust.agents) ? `rust.agents[${i}].crate` : 'rust.agents.crate';
    const other = seen.get(a.ident);
    if (other !== undefined) fail(`${where}: ${a.crate} is the same crate as ${other}`);
    seen.set(a.ident, where);
  });
}

function parseTs(ts: unknown): GeneratorConfig {
  if (ts === undefined) return {};
  if (!isObject(ts)) fail('ts: expected an object');
  onlyKeys(ts, ['agents'], 'ts.');
  const agents = ts.agents;
  if (agents === undefined) return { ts: {} };
  if (!isObject(agents)) fail('ts.agents: expected an object');
  onlyKeys(agents, ['path'], 'ts.agents.');
  if (typeof agents.path !== 'string' || agents.path === '') fail('ts.agents.path: expected a path');
  return { ts: { agents: { path: agents.path } } };
}

/** The configuration of `dir` (empty when there is no hms-gen.json). */
export function loadConfig(path = CONFIG_FILE): GeneratorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  return parseConfig(text);
}
