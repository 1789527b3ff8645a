import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { watch as chokidar, type FSWatcher } from 'chokidar';
import { Generator, type GenerateOutput } from '../api.js';
import { HmsGenError } from '../errors.js';
import { failure, type GenerateArgs } from './cli.js';
import { CONFIG_FILE, loadConfig, type GeneratorConfig } from './config.js';
import { defaultTemplatesDir } from './locations.js';
import type { Lang } from './output.js';

/**
 * `hms-gen generate --watch`: one long-running Generator (parses of unchanged files and files
 * whose inputs did not change are reused, see api.ts) driven by chokidar. chokidar rather than
 * `fs.watch`: editors save by writing a temporary file and renaming it over the schema, or (vim)
 * by renaming the schema to a backup and writing a new file; `fs.watch` on the file then follows the
 * old inode or stops reporting, chokidar's `atomic` handling reports both as one change (tests/watch.test.ts
 * saves both ways).
 *
 * Watched: every .fbs the set read (includes too; the list is refreshed after each build), every
 * include candidate found empty (a file appearing there changes how an include resolves),
 * hms-gen.json and the templates. Changes are debounced: a burst of saves is one rebuild.
 */

/** chokidar (5.x, `FSWatcher._emit`) passes a file's first `change` and drops others for this long. */
const CHOKIDAR_CHANGE_THROTTLE_MS = 50;

export interface WatchOptions {
  /** The command line (inputs resolved, --out checked). */
  readonly args: GenerateArgs;
  readonly langs: readonly Lang[];
  readonly config: GeneratorConfig;
  /**
   * Quiet time after the last change before a rebuild (ms). An editor's save (in place, by rename,
   * vim's backup dance) is a handful of events within a millisecond or two; 30 ms gathers them and
   * adds little to the rebuild an edit waits for (`tsc --watch` waits 250 ms, which is for polling).
   */
  readonly debounceMs?: number;
}

/** Runs until SIGINT or SIGTERM; resolves to exit code 0. */
export async function watch(o: WatchOptions): Promise<number> {
  const gen = new Generator({
    files: o.args.files,
    includePaths: o.args.includePaths,
    outDir: o.args.outDir,
    langs: o.langs,
    write: true,
    warningsAsErrors: o.args.warningsAsErrors,
  });
  let config = o.config;
  // The directories holding the watched files are what chokidar watches: a directory watch sees a
  // file replaced by a rename or deleted and written anew (a watch on the file itself can stay on
  // the old inode); events are then kept for the watched paths only.
  const templates = defaultTemplatesDir();
  const watched = new Set<string>();
  const dirs = new Set<string>();
  const watcher: FSWatcher = chokidar([], { ignoreInitial: true, atomic: true, depth: 2 });
  const sync = (paths: Iterable<string>): void => {
    watched.clear();
    for (const p of paths) watched.add(resolve(p));
    watched.add(resolve(CONFIG_FILE));
    const want = new Set([...watched].map((p) => dirname(p)));
    want.add(templates);
    const add = [...want].filter((d) => !dirs.has(d));
    const drop = [...dirs].filter((d) => !want.has(d));
    if (add.length > 0) watcher.add(add);
    if (drop.length > 0) watcher.unwatch(drop);
    for (const d of add) dirs.add(d);
    for (const d of drop) dirs.delete(d);
  };
  const relevant = (path: string): boolean => {
    const p = resolve(path);
    return watched.has(p) || p.startsWith(templates + sep);
  };

  // What the last build read: checked again once chokidar's throttle window has passed (below).
  let read: ReadonlyMap<string, string> = new Map();
  let recheck: NodeJS.Timeout | undefined;
  const build = (why: string): void => {
    const t0 = performance.now();
    let line: string;
    try {
      config = loadConfig();
      const r: GenerateOutput = gen.generate({ config });
      read = r.sources;
      const ms = (performance.now() - t0).toFixed(0);
      if (r.diagnostics.length > 0) process.stderr.write(`${r.format()}\n`);
      if (r.ok) {
        const { changed, missing, extra } = r.drift;
        line = `hms-gen: ${why}: ${changed.length + missing.length} of ${r.files.size} files written, ${extra.length} removed in ${ms} ms`;
        sync([...r.sources.keys(), ...r.absent]);
      } else {
        const n = Math.max(1, r.errorCount);
        line = `hms-gen: ${why}: ${n} error${n === 1 ? '' : 's'}, previous output kept (${ms} ms)`;
        // Still watch what this attempt read (a new include being fixed).
        sync([...watched, ...r.sources.keys(), ...r.absent]);
      }
    } catch (e) {
      // A bad hms-gen.json, a vanished input, a failing tool: reported, and the watch goes on.
      line = `hms-gen: ${why}: ${e instanceof HmsGenError && e.exitCode === 2 ? e.message : failure(e)}; previous output kept`;
    }
    process.stdout.write(`${line}\n`);
    // chokidar drops a file's `change` within 50 ms of its previous one, with no trailing event
    // (its throttle in `_emit`): a save landing then would be lost. So once that window is over,
    // the schemas this build read are compared with the disk, and a difference is a change.
    if (recheck) clearTimeout(recheck);
    recheck = setTimeout(() => {
      recheck = undefined;
      if (timer) return;
      for (const [path, text] of read) {
        let now: string | undefined;
        try {
          now = readFileSync(path, 'utf8');
        } catch {
          now = undefined;
        }
        if (now !== text) {
          changed(path);
          return;
        }
      }
    }, CHOKIDAR_CHANGE_THROTTLE_MS + 10);
  };

  let timer: NodeJS.Timeout | undefined;
  const changes = new Set<string>();
  const changed = (path: string): void => {
    changes.add(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const names = [...changes].map((p) => p.replace(`${process.cwd()}/`, ''));
      changes.clear();
      build(names.length === 1 ? `${names[0]} changed` : `${names.length} files changed`);
    }, o.debounceMs ?? 30);
  };
  watcher.on('all', (_event, path) => {
    if (relevant(path)) changed(path);
  });

  build('initial build');
  await new Promise<void>((ready) => watcher.once('ready', ready));
  process.stdout.write(`hms-gen: watching ${watched.size} paths (Ctrl-C to stop)\n`);
  await new Promise<void>((stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (timer) clearTimeout(timer);
  if (recheck) clearTimeout(recheck);
  await watcher.close();
  return 0;
}
