import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../../codegen/backend.js';

/**
 * cbindgen, pinned: the header's bytes depend on its version, and versions before 0.28 cannot parse
 * edition-2024 `#[unsafe(no_mangle)]` (shared/notes/ffi-koffi.md §12). scripts/setup reads this line
 * to install the same version (`cargo install cbindgen --version <this> --locked`).
 */
export const CBINDGEN_VERSION = '0.29.4';

const INSTALL_HINT = `install it with \`cargo install cbindgen --version ${CBINDGEN_VERSION} --locked\` (or run \`bash scripts/setup\`)`;

/** `cbindgen` on PATH, else cargo's bin directory (where `cargo install` puts it). */
function candidates(): string[] {
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
  return ['cbindgen', join(cargoHome, 'bin', 'cbindgen')];
}

let resolved: string | undefined;

/** The cbindgen executable of the pinned version; throws with an install hint otherwise. */
export function requireCbindgen(): string {
  if (resolved !== undefined) return resolved;
  const found: string[] = [];
  for (const exe of candidates()) {
    const r = spawnSync(exe, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) continue;
    const version = r.stdout.trim().split(/\s+/).pop() ?? '';
    if (version === CBINDGEN_VERSION) {
      resolved = exe;
      return exe;
    }
    found.push(`${exe} is ${version || 'of an unknown version'}`);
  }
  const what = found.length === 0 ? 'cbindgen was not found' : found.join('; ');
  throw new ToolError(`cbindgen ${CBINDGEN_VERSION} is needed to emit the C header (${what}): ${INSTALL_HINT}`);
}

/**
 * Runs cbindgen over one Rust source file (single-file mode: no Cargo.toml, no `cargo metadata`,
 * `parse_deps = false` in the config) and returns the header it prints.
 */
export function runCbindgen(source: string, config: string): string {
  const exe = requireCbindgen();
  const dir = mkdtempSync(join(tmpdir(), 'hms-gen-cbindgen-'));
  try {
    const src = join(dir, 'lib.rs');
    const cfg = join(dir, 'cbindgen.toml');
    const out = join(dir, 'header.h');
    writeFileSync(src, source);
    writeFileSync(cfg, config);
    const r = spawnSync(exe, ['--quiet', '--config', cfg, '--output', out, src], { encoding: 'utf8' });
    if (r.error) throw new ToolError(`cannot run cbindgen (${r.error.message}): ${INSTALL_HINT}`);
    let header: string;
    try {
      header = readFileSync(out, 'utf8');
    } catch {
      header = '';
    }
    if (r.status !== 0 || header === '') {
      throw new ToolError(
        `cbindgen failed on the generated rust/agent-lib/src/lib.rs (exit ${r.status}):\n${r.stderr}${r.stdout}`,
      );
    }
    return header;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
