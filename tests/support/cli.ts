import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot as REPO } from './corpus.js';

export { REPO };

/** The npm bin: the bundled CLI run from its code cache (what `npx hms-gen` runs). */
export const CLI = join(REPO, 'generator', 'bin', 'hms-gen.cjs');

export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built hms-gen bin (scripts/setup builds it) as a user would. */
export function hmsGen(args: readonly string[], cwd = REPO): Run {
  if (!existsSync(join(REPO, 'generator', 'dist', 'hms-gen.cjs'))) {
    throw new Error('generator/dist/hms-gen.cjs missing: run scripts/setup (scripts/build-generator) first');
  }
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
