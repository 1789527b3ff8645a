// flatc as a reflection oracle (shared/notes/flatbuffers-idl.md §4):
//   flatc -b --schema --bfbs-comments --bfbs-builtins -I … -o TMP file.fbs
//   flatc --json --strict-json --defaults-json -o TMP reflection.v2.0.8.fbs -- TMP/file.bfbs
// Results are cached in-process (key: flatc path + file + include paths + reflection schema).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { reflectionSchema208 } from './corpus.js';
import { parseFlatcJson, type Json } from './normalize.js';

export const flatcPath = process.env['HMS_FLATC'] ?? '/usr/bin/flatc';

export interface OracleResult {
  /** flatc accepted the schema (exit 0 and a .bfbs was written). */
  readonly accepted: boolean;
  /** flatc's stderr (+ stdout) from the schema compile, trimmed. */
  readonly stderr: string;
  /** Parsed reflection JSON (non-finite reals quoted), when accepted. */
  readonly json: Json | undefined;
  /** Wall time of the flatc invocations for this file, in milliseconds. */
  readonly ms: number;
}

/** Cumulative flatc cost of this process (cache hits cost nothing). */
export const oracleStats = { invocations: 0, files: 0, cacheHits: 0, ms: 0 };

const cache = new Map<string, OracleResult>();

function run(args: readonly string[]): { status: number | null; output: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(flatcPath, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  oracleStats.invocations++;
  oracleStats.ms += ms;
  if (r.error) throw new Error(`cannot run ${flatcPath}: ${r.error.message}`);
  return { status: r.status, output: `${r.stderr ?? ''}${r.stdout ?? ''}`.trim(), ms };
}

let version: string | undefined;
/** e.g. "2.0.8" */
export function flatcVersion(): string {
  if (version === undefined) {
    const r = run(['--version']);
    const m = /flatc version (\S+)/.exec(r.output);
    if (!m) throw new Error(`unexpected \`${flatcPath} --version\` output: ${r.output}`);
    version = m[1]!;
  }
  return version;
}

/** Convert a .bfbs to JSON with the given reflection schema (2.0.8 flatc, HEAD schema works too). */
export function bfbsToJson(bfbsFile: string, reflectionSchema: string): Json {
  const dir = mkdtempSync(join(tmpdir(), 'hms-flatc-'));
  try {
    const r = run(['--json', '--strict-json', '--defaults-json', '-o', dir, reflectionSchema, '--', bfbsFile]);
    if (r.status !== 0) throw new Error(`flatc --json failed on ${bfbsFile}:\n${r.output}`);
    return parseFlatcJson(readFileSync(join(dir, basename(bfbsFile).replace(/\.bfbs$/, '.json')), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compile `file` (absolute) with flatc into reflection JSON. */
export function flatcReflection(
  file: string,
  includePaths: readonly string[],
  reflectionSchema: string = reflectionSchema208,
): OracleResult {
  const key = JSON.stringify([flatcPath, file, includePaths, reflectionSchema]);
  const hit = cache.get(key);
  if (hit) {
    oracleStats.cacheHits++;
    return hit;
  }
  oracleStats.files++;
  const dir = mkdtempSync(join(tmpdir(), 'hms-flatc-'));
  try {
    const includes = includePaths.flatMap((p) => ['-I', p]);
    const compile = run(['-b', '--schema', '--bfbs-comments', '--bfbs-builtins', ...includes, '-o', dir, file]);
    let result: OracleResult;
    if (compile.status !== 0) {
      result = { accepted: false, stderr: compile.output, json: undefined, ms: compile.ms };
    } else {
      const bfbs = join(dir, basename(file).replace(/\.fbs$/, '') + '.bfbs');
      const t0 = performance.now();
      const json = bfbsToJson(bfbs, reflectionSchema);
      result = { accepted: true, stderr: compile.output, json, ms: compile.ms + (performance.now() - t0) };
    }
    cache.set(key, result);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
