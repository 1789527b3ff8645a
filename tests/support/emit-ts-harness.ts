// Helpers of tests/emit-ts.test.ts: generate TypeScript with the ts backend into a directory inside the
// repository (so node_modules resolves), import the generated modules; the flatc wire oracle is
// ./flatc-wire.ts (re-exported here).

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsBackend } from '../../generator/src/backends/ts/index.js';
import { generate, type GenerateResult } from '../../generator/src/codegen/generate.js';
import { defaultTemplatesDir } from '../../generator/src/codegen/templates.js';
import { repoRoot } from './corpus.js';

/** Generates TS for `files` into `outDir` (in-process, the ts backend only). */
export function generateTs(outDir: string, files: readonly string[], includePaths: readonly string[]): GenerateResult {
  return generate({
    files,
    includePaths,
    outDir,
    langs: ['ts'],
    templatesDir: defaultTemplatesDir(),
    check: false,
    backends: [tsBackend],
  });
}

/** A fresh work directory under `target/` of the repository, removed by `dispose`. */
export function workDir(name: string): { readonly dir: string; dispose(): void } {
  const dir = join(repoRoot, 'target', `hms-test-ts-${process.pid}`, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function disposeAll(): void {
  rmSync(join(repoRoot, 'target', `hms-test-ts-${process.pid}`), { recursive: true, force: true });
}

/** A generated module's exports (the test looks functions up by name). */
export type Module = Record<string, unknown>;

export async function importModule(file: string): Promise<Module> {
  return (await import(pathToFileURL(file).href)) as Module;
}

export function fn<A extends unknown[], R>(m: Module, name: string): (...args: A) => R {
  const f = m[name];
  if (typeof f !== 'function') throw new Error(`generated module has no function ${name}`);
  return f as (...args: A) => R;
}

export { oracle, parseFlatcJson, type Oracle } from './flatc-wire.js';

/** Runs the hms-gen CLI from sources (for exit codes and rendered diagnostics). */
export function cliFromSources(args: readonly string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'generator', 'src', 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `tsc --strict --noEmit` over `files`, with the flags the generated code is specified for. */
export function tsc(files: readonly string[]): { status: number; output: string } {
  const bin = join(repoRoot, 'node_modules', '.bin', 'tsc');
  const flags = ['--strict', '--noEmit', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'];
  const r = spawnSync(bin, [...flags, '--noUncheckedIndexedAccess', '--skipLibCheck', ...files], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** `prettier --check` with the repository's config (target/ is git-ignored, so no ignore file). */
export function prettierCheck(dir: string): { status: number; output: string } {
  const bin = join(repoRoot, 'node_modules', '.bin', 'prettier');
  const r = spawnSync(bin, ['--config', join(repoRoot, '.prettierrc.json'), '--ignore-path=', '--check', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}
