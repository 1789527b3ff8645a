import { readFileSync } from 'node:fs';
import { UsageError } from '../cli/args.js';

/**
 * `hms-gen.json` in the working directory (optional): what the schema cannot say. Unknown keys are
 * errors, so a typo does not silently change the output.
 *
 * ```json
 * { "rust": { "agents": { "crate": "hms-agents", "path": "runtime-rs/hms-agents" } } }
 * ```
 * `rust.agents`: the crate implementing the agents; with it, `generate` also emits the agent library
 * (`rust/agent-lib/`, the cdylib with the `extern "C"` exports of docs/ffi-abi.md). `path` is relative
 * to the working directory.
 */
export interface GeneratorConfig {
  readonly rust?: {
    readonly agents?: { readonly crate: string; readonly path: string };
  };
  /**
   * `ts.agents.path`: the directory of the TypeScript agents (`index.ts` lists their types for
   * `LocalAgents`); where `hms-gen new agent --lang ts` puts one. Code generation does not read it.
   */
  readonly ts?: {
    readonly agents?: { readonly path: string };
  };
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

function parseRust(rust: unknown): GeneratorConfig {
  if (rust === undefined) return {};
  if (!isObject(rust)) fail('rust: expected an object');
  onlyKeys(rust, ['agents'], 'rust.');
  const agents = rust.agents;
  if (agents === undefined) return { rust: {} };
  if (!isObject(agents)) fail('rust.agents: expected an object');
  onlyKeys(agents, ['crate', 'path'], 'rust.agents.');
  if (typeof agents.crate !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(agents.crate))
    fail('rust.agents.crate: expected a crate name');
  if (typeof agents.path !== 'string' || agents.path === '') fail('rust.agents.path: expected a path');
  return { rust: { agents: { crate: agents.crate, path: agents.path } } };
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
