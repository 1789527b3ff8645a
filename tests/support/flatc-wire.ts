// flatc 2.0.8 as the wire oracle of the emitter tests (tests/emit-ts.test.ts, tests/emit-rust.test.ts):
// JSON → binary with `flatc -b`, binary → JSON with `flatc --json --strict-json --raw-binary`
// (with `--defaults-json` when asked: printing defaults on both sides makes a default written
// explicitly and one left absent read the same, while optional scalars still show presence).

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatcPath } from './flatc-oracle.js';

export interface Oracle {
  /** `flatc -b`: the binary of `json` (JSON text, or a value to stringify; root `rootType` when given). */
  binary(json: unknown, rootType?: string): Uint8Array;
  /** `flatc --json`: the JSON of `bytes` (see `parseFlatcJson`), defaults printed when `defaults`. */
  json(bytes: Uint8Array, rootType?: string, defaults?: boolean): unknown;
}

function run(args: readonly string[], cwd: string): void {
  const r = spawnSync(flatcPath, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`flatc ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
}

// File names are unique per process: several oracles may share a directory, and flatc names a
// binary after the schema's file_extension, so an old `dataN.*` of another schema must never match.
let n = 0;

/** The oracle for `schema` (with its include paths); its files go to `dir`, which must exist. */
export function oracle(dir: string, schema: string, includePaths: readonly string[]): Oracle {
  const inc = includePaths.flatMap((p) => ['-I', p]);
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
