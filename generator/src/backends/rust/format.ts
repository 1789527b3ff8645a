import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * rustfmt over generated text (stdin → stdout), with the config in `templates/rust/rustfmt.toml`
 * so the bytes do not depend on the machine's or the output directory's rustfmt.toml.
 */
export function rustfmt(text: string, templatesDir: string, what: string): string {
  const r = spawnSync('rustfmt', ['--config-path', join(templatesDir, 'rust', 'rustfmt.toml'), '--emit', 'stdout'], {
    input: text,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`hms-gen needs rustfmt to emit Rust (${r.error.message})`);
  if (r.status !== 0) throw new Error(`rustfmt rejected the generated ${what}:\n${r.stderr}`);
  return r.stdout;
}
