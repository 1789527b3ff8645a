import { STAMP_PREFIX } from './backend.js';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import type { Lang } from './langs.js';

/** The language registry (codegen/langs.ts), re-exported for the callers that import it from here. */
export { DEFAULT_LANGS, LANGS, type Lang } from './langs.js';

/**
 * The files one `generate` run produces, by path relative to the output directory (always with
 * `/`). Emitters add files; `write` and `check` compare them with what is on disk.
 */
export class OutputSet {
  private readonly files = new Map<string, string>();

  add(path: string, content: string): void {
    if (this.files.has(path)) throw new Error(`two emitters produced ${path}`);
    this.files.set(path, content);
  }

  get(path: string): string | undefined {
    return this.files.get(path);
  }

  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  get size(): number {
    return this.files.size;
  }

  /** Every file, by path. */
  entries(): ReadonlyMap<string, string> {
    return this.files;
  }
}

/** Files a backend reads but does not add to: what other backends of the run emitted. */
export interface EmittedFiles {
  get(path: string): string | undefined;
  /** Every file, by path (in no particular order). */
  entries(): Iterable<[string, string]>;
}

/** The files of several sets as one (a path is in at most one of them). */
export function emittedFiles(sets: readonly OutputSet[]): EmittedFiles {
  return {
    get: (path) => {
      for (const s of sets) {
        const text = s.get(path);
        if (text !== undefined) return text;
      }
      return undefined;
    },
    entries: () => sets.flatMap((s) => [...s.entries()]),
  };
}

export interface Drift {
  /** Files whose content differs from what the schema produces. */
  readonly changed: readonly string[];
  /** Files the schema produces that do not exist. */
  readonly missing: readonly string[];
  /** Stamped files under a generated language directory that the schema no longer produces. */
  readonly extra: readonly string[];
}

/** Every file below `root/dir`, as `dir/...` paths. */
export function filesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(join(root, dir));
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = `${dir}/${e}`;
    const st = statSync(join(root, rel));
    if (st.isDirectory()) out.push(...filesUnder(root, rel));
    else out.push(rel);
  }
  return out;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Compares the set with `outDir`; `langs` are the language directories this run owns. */
export function diff(out: OutputSet, outDir: string, langs: readonly Lang[]): Drift {
  const changed: string[] = [];
  const missing: string[] = [];
  for (const p of out.paths()) {
    const disk = readOrUndefined(join(outDir, p));
    if (disk === undefined) missing.push(p);
    else if (disk !== out.get(p)) changed.push(p);
  }
  const produced = new Set(out.paths());
  const extra: string[] = [];
  for (const lang of langs) {
    for (const f of filesUnder(outDir, lang))
      if (!produced.has(f) && (isLeftoverTemp(f) || isGenerated(join(outDir, f)))) extra.push(f);
  }
  return { changed, missing, extra: extra.sort() };
}

/**
 * Whether a file carries hms-gen's stamp near its top: only such files are the generator's to
 * remove. Anything else under an output directory (a user's file, another tool's) is left alone.
 */
export function isGenerated(path: string): boolean {
  let head: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(1024);
      head = buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return head.split('\n', 4).some((l) => l.includes(STAMP_PREFIX));
}

/** Temporary names unique to this process and write, so that concurrent runs never share one. */
let tmpSerial = 0;
const tmpName = (target: string): string => `${target}.hms-gen-tmp-${process.pid}-${++tmpSerial}`;

/**
 * A temporary file of a run killed between writing it and renaming it into place: the generator's
 * by its name (it may be empty, so it need not carry the stamp) and left by a process that is gone
 * (a concurrent run's file is in flight, not left over); removed, and reported by --check.
 */
export function isLeftoverTemp(path: string): boolean {
  const m = /\.hms-gen-tmp-(\d+)-\d+$/.exec(path);
  if (!m) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Writes what changed (and only that, so build tools watching `generated/` see no churn) and
 * deletes leftovers of a previous schema in the owned language directories. Returns the drift
 * that was repaired.
 */
export function write(out: OutputSet, outDir: string, langs: readonly Lang[]): Drift {
  const d = diff(out, outDir, langs);
  const dirs = new Set<string>();
  const ensureDir = (target: string): void => {
    const dir = dirname(target);
    if (!dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
  };
  for (const p of d.changed) {
    const target = join(outDir, p);
    ensureDir(target);
    // An existing file is replaced through a sibling and a rename: a reader (a watching build
    // tool) never sees half a file.
    const tmp = tmpName(target);
    try {
      writeFileSync(tmp, out.get(p) as string);
      renameSync(tmp, target);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  // New files are written in place: nobody reads them yet, and an interrupted run leaves a file
  // the next run (or --check) finds different and rewrites.
  for (const p of d.missing) {
    const target = join(outDir, p);
    ensureDir(target);
    writeFileSync(target, out.get(p) as string);
  }
  for (const p of d.extra) rmSync(join(outDir, p), { force: true });
  return d;
}
