import type { Decl, IncludeDecl } from './ast.js';
import type { Reporter } from './diagnostics.js';
import { createParser } from './parser.js';
import type { SourceFile } from './source.js';

/** One file's syntax as the compile driver consumes it: its includes, then its declarations one by one. */
export interface FileParse {
  readonly includes: readonly IncludeDecl[];
  /** JSON data follows the schema (the resolver must keep field records to check it). */
  readonly topLevelBrace: boolean;
  /** The next declaration, or undefined at the end. */
  next(): Decl | undefined;
  /** Names of types whose declaration failed to parse (their uses are not reported as undefined). */
  readonly brokenTypes: ReadonlySet<string>;
  /** A type declaration failed before its name. */
  readonly brokenUnnamed: boolean;
  /** The file is done: a clean parse is kept for the next compile (see ParseCache). */
  done(): void;
}

interface Entry {
  readonly file: SourceFile;
  readonly topLevelBrace: boolean;
  readonly includes: readonly IncludeDecl[];
  readonly decls: readonly Decl[];
}

/**
 * Parsed files kept across compiles by a long-running generator (watch mode, the in-process API):
 * a file whose path and text are unchanged is not tokenized and parsed again; its syntax trees
 * (immutable) go straight to the resolver, which still checks them in their new context. Only
 * parses that reported nothing about their file are kept, so no diagnostic is ever lost or
 * reordered. One entry per path: an edited file replaces its old parse.
 */
export class ParseCache {
  private readonly entries = new Map<string, Entry>();

  /** The cached parse of a file with this path and text, if any (its SourceFile is the one the trees point into). */
  lookup(path: string, text: string, binary: boolean): Entry | undefined {
    const e = this.entries.get(path);
    return e !== undefined && e.file.text === text && e.file.binary === binary ? e : undefined;
  }

  store(entry: Entry): void {
    this.entries.set(entry.file.path, entry);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Parses `file`, or replays its cached parse; `cached` is the SourceFile the replayed trees point into. */
export function parseFile(file: SourceFile, reporter: Reporter, cache: ParseCache | undefined): FileParse {
  const hit = cache?.lookup(file.path, file.text, file.binary);
  if (hit) {
    let i = 0;
    return {
      includes: hit.includes,
      topLevelBrace: hit.topLevelBrace,
      next: () => hit.decls[i++],
      brokenTypes: new Set(),
      brokenUnnamed: false,
      done: () => undefined,
    };
  }
  const parser = createParser(file, reporter);
  const topLevelBrace = parser.hasTopLevelBrace();
  const includes = parser.parseIncludes();
  // Trees are kept only for a cache: without one each declaration's tree dies young, once resolved
  // (kept, a 280 KB schema's trees survived every scavenge: ~10 ms of a cold check).
  const decls: Decl[] | undefined = cache ? [] : undefined;
  return {
    includes,
    topLevelBrace,
    next: () => {
      const d = parser.nextDecl();
      if (d !== undefined) decls?.push(d);
      return d;
    },
    brokenTypes: parser.brokenTypes,
    get brokenUnnamed() {
      return parser.brokenUnnamed;
    },
    done: () => {
      if (!cache || !decls || parser.brokenTypes.size > 0 || parser.brokenUnnamed) return;
      if (reporter.diagnostics.some((d) => d.file === file.path)) return;
      cache.store({ file, topLevelBrace, includes, decls });
    },
  };
}
