import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * The inputs of a run, in place: without FILEs the contracts of this repository (every idl/*.fbs,
 * includes resolved through idl/); each file and include directory must exist (else a UsageError).
 * `generate` and `new agent` read the same set.
 */
export function resolveInputs(files: string[], includePaths: string[]): void {
  if (files.length === 0) {
    let names: string[];
    try {
      names = readdirSync('idl')
        .filter((f) => f.endsWith('.fbs'))
        .sort();
    } catch {
      throw new UsageError('no input files and no idl/ directory here');
    }
    files.push(...names.map((f) => `idl/${f}`));
    if (includePaths.length === 0) includePaths.push('idl');
  }
  checkInputs(files, includePaths);
}

/**
 * Every include directory exists and every file is a readable file, else a UsageError naming the
 * first one that is not. The one check of every command that reads schemas.
 */
export function checkInputs(files: readonly string[], includePaths: readonly string[]): void {
  for (const d of includePaths) {
    if (!statSync(d, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`include directory not found: ${d}`);
  }
  for (const f of files) {
    let ok = false;
    try {
      if (!statSync(f).isFile()) throw new UsageError(`file is not a file: ${f}`);
      accessSync(f, constants.R_OK);
      ok = true;
    } catch (e) {
      if (e instanceof UsageError) throw e;
    }
    if (!ok) throw new UsageError(`cannot read file: ${f}`);
  }
}

/**
 * Refuses an output directory generate cannot or must not write, before anything runs: an empty
 * `--out` (it would write into the working directory), a path that is a file or lies under one,
 * a directory that cannot be written, and the kernel's /proc and /sys (Node's recursive mkdir
 * hangs there).
 */
export function checkOutDir(outDir: string): void {
  if (outDir.trim() === '')
    throw new UsageError('--out needs a directory (an empty one would write into the working directory)');
  const full = resolve(outDir);
  if (/^\/(proc|sys)(\/|$)/.test(full))
    throw new UsageError(
      `--out ${outDir}: under ${full.split('/')[1] === 'proc' ? '/proc' : '/sys'}, which holds no files`,
    );
  let at = full;
  for (;;) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(at, { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR: a file further up, found on the way
    }
    if (st !== undefined) {
      if (!st.isDirectory())
        throw new UsageError(`--out ${outDir}: ${at === full ? 'is' : `${at} is`} a file, not a directory`);
      try {
        accessSync(at, constants.W_OK);
      } catch {
        throw new UsageError(`--out ${outDir}: cannot write in ${at}`);
      }
      return;
    }
    const up = dirname(at);
    if (up === at) return;
    at = up;
  }
}
