import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatorCodeDir } from './locations.js';
import { filesUnder, isGenerated, isLeftoverTemp } from './output.js';

/**
 * The warm-run cache of `hms-gen generate`: `<outDir>/.hms-gen-cache.json` records content hashes of
 * everything a run depends on (the generator's own code, the templates, hms-gen.json, the options,
 * every .fbs file read including includes) and of every file it produced. When all of them are
 * unchanged the output is known to be up to date and nothing is compiled or emitted. Any doubt —
 * a missing, unreadable or foreign cache, an edited output, another generator build — means a full
 * run. `--check` never uses it: it always regenerates and compares.
 */

export const CACHE_FILE = '.hms-gen-cache.json';
const FORMAT = 2;

export interface CacheKey {
  readonly generator: string;
  readonly templates: string;
  readonly config: string;
  readonly options: string;
}

interface CacheData {
  readonly format: number;
  readonly key: CacheKey;
  /** .fbs files read (paths as the compiler displayed them, relative to the working directory). */
  readonly sources: Readonly<Record<string, string>>;
  /** Produced files, relative to the output directory. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Include candidates that held no file: one appearing there would change how includes resolve. */
  readonly absent: readonly string[];
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function fileHash(path: string): string | undefined {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Hash of every file under `dir` (names and contents, in a fixed order). */
export function treeHash(dir: string, keep: (name: string) => boolean = () => true): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, `${rel}${n}/`);
      else if (keep(n)) h.update(`${rel}${n}\0`).update(readFileSync(p)).update('\0');
    }
  };
  walk(dir, '');
  return h.digest('hex');
}

/** The running generator's own code (dist/ when built, src/ under tsx): a rebuilt generator invalidates the cache. */
export function generatorFingerprint(): string {
  return treeHash(generatorCodeDir(), (n) => n.endsWith('.js') || (n.endsWith('.ts') && !n.endsWith('.d.ts')));
}

function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // ENOTDIR: a file where a directory was probed, still no file at the path
  }
}

/**
 * True when the cache in `outDir` proves the output current for `key`: every input and output as
 * recorded, no file now where the include search found none (it would resolve differently), and no
 * stamped file of an earlier run left in the language directories `langs` (the
 * full run would remove it, and `--check` reports it).
 */
export function upToDate(outDir: string, key: CacheKey, langs: readonly string[]): boolean {
  let data: CacheData;
  try {
    data = JSON.parse(readFileSync(join(outDir, CACHE_FILE), 'utf8')) as CacheData;
  } catch {
    return false;
  }
  if (data.format !== FORMAT || JSON.stringify(data.key) !== JSON.stringify(key)) return false;
  for (const [path, hash] of Object.entries(data.sources)) if (fileHash(path) !== hash) return false;
  for (const path of data.absent) if (exists(path)) return false;
  for (const [path, hash] of Object.entries(data.outputs)) if (fileHash(join(outDir, path)) !== hash) return false;
  for (const lang of langs) {
    for (const f of filesUnder(outDir, lang))
      if (!(f in data.outputs) && (isLeftoverTemp(f) || isGenerated(join(outDir, f)))) return false;
  }
  return true;
}

/** Records a completed run (written last, atomically, so an interrupted run leaves no false promise). */
export function record(
  outDir: string,
  key: CacheKey,
  sources: ReadonlyMap<string, string>,
  outputs: ReadonlyMap<string, string>,
  absent: readonly string[],
): void {
  const data: CacheData = {
    format: FORMAT,
    key,
    sources: Object.fromEntries([...sources].map(([p, text]) => [p, sha256(Buffer.from(text, 'utf8'))]).sort()),
    outputs: Object.fromEntries([...outputs].map(([p, text]) => [p, sha256(Buffer.from(text, 'utf8'))]).sort()),
    absent: [...absent].sort(),
  };
  const target = join(outDir, CACHE_FILE);
  // Unique per process: two runs into one output directory must not share a temporary file.
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(data, null, 1)}\n`);
    renameSync(tmp, target);
  } catch {
    // A cache that cannot be written only costs the next run its shortcut.
    rmSync(tmp, { force: true });
  }
}
