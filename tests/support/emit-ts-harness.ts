// Helpers of tests/emit-ts.test.ts: generate TypeScript with the ts backend into a directory inside the
// repository (so `flatbuffers` resolves from node_modules), import the generated modules, and use
// flatc 2.0.8 as the wire oracle (JSON → binary with `-b`, binary → JSON with `--json --raw-binary`).

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsBackend } from '../../generator/src/backends/ts/index.js';
import { generate, type GenerateResult } from '../../generator/src/codegen/generate.js';
import { defaultTemplatesDir } from '../../generator/src/codegen/templates.js';
import { repoRoot } from './corpus.js';
import { flatcPath } from './flatc-oracle.js';

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

function run(args: readonly string[], cwd: string): string {
  const r = spawnSync(flatcPath, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`flatc ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface Oracle {
  /** `flatc -b`: the binary of `json` (JSON text, or a value to stringify; root `rootType` when given). */
  binary(json: unknown, rootType?: string): Uint8Array;
  /** `flatc --json --strict-json --raw-binary`: the JSON of `bytes`, big integers kept as strings. */
  json(bytes: Uint8Array, rootType?: string, defaults?: boolean): unknown;
}

export function oracle(dir: string, schema: string, includePaths: readonly string[]): Oracle {
  const inc = includePaths.flatMap((p) => ['-I', p]);
  let n = 0;
  const root = (t: string | undefined): string[] => (t === undefined ? [] : ['--root-type', t]);
  return {
    binary(json, rootType) {
      const name = `data${n++}`;
      writeFileSync(join(dir, `${name}.json`), typeof json === 'string' ? json : JSON.stringify(json));
      run(['-b', ...inc, ...root(rootType), '-o', dir, schema, join(dir, `${name}.json`)], dir);
      // Named after the JSON file, with the schema's file_extension (default `bin`).
      const out = readdirSync(dir).find((f) => f.startsWith(`${name}.`) && f !== `${name}.json`);
      if (out === undefined) throw new Error(`flatc -b wrote no binary for ${name}`);
      return new Uint8Array(readFileSync(join(dir, out)));
    },
    json(bytes, rootType, defaults = false) {
      const name = `out${n++}`;
      writeFileSync(join(dir, `${name}.bin`), bytes);
      const flags = ['--json', '--strict-json', '--raw-binary', ...(defaults ? ['--defaults-json'] : [])];
      run([...flags, ...inc, ...root(rootType), '-o', dir, schema, '--', join(dir, `${name}.bin`)], dir);
      return parseFlatcJson(readFileSync(join(dir, `${name}.json`), 'utf8'));
    },
  };
}

/** flatc's JSON with integers beyond 2^53 quoted (so they survive JSON.parse) and bare nan/inf quoted. */
export function parseFlatcJson(text: string): unknown {
  const quoted = text
    .replace(/(?<=[:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '"$1"')
    .replace(/(?<=[:[,]\s*)(-?(?:nan|inf|infinity))(?=\s*[,\]}])/g, '"$1"');
  return JSON.parse(quoted) as unknown;
}

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
