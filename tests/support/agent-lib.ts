// The agent library the FFI tests load: the cdylib `cargo build --workspace` makes from
// generated/rust/agent-lib (scripts/setup builds it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cli.js';

export const LIB = join(REPO, 'target', 'debug', 'libhms_agent_lib.so');

/** Throws, saying how to build it, when the library is missing. */
export function requireAgentLib(): void {
  if (!existsSync(LIB)) throw new Error(`${LIB} is missing: run scripts/setup (cargo build --workspace)`);
}
