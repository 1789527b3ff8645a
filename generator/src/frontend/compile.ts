import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve as resolvePath, sep } from 'node:path';
import { Reporter, TooManyErrors, type Diagnostic } from './diagnostics.js';
import { parseFile, type FileParse, type ParseCache } from './parse-cache.js';
import { Resolver } from './resolver.js';
import { SourceFile } from './source.js';
import type { Schema } from '../ir/model.js';

export interface CompileOptions {
  /** `-I` directories, searched in order after the including file's own directory. */
  readonly includePaths?: readonly string[];
  /** Stop after this many errors (default 50). */
  readonly maxErrors?: number;
  /** Validate only (`hms-gen check`): every check runs, but no IR is built (`schema` stays undefined). */
  readonly validateOnly?: boolean;
  /** Parses of earlier compiles to reuse for files that did not change (a long-running generator keeps one). */
  readonly parseCache?: ParseCache;
}

export interface CompileResult {
  /** Present when there were no errors. */
  readonly schema: Schema | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly errorCount: number;
  /** Text of every file read, by the path used in diagnostics (for rendering source lines). */
  readonly sources: ReadonlyMap<string, string>;
  /**
   * Paths the include search probed that held no file (as diagnostics display paths): a file
   * appearing at one of them changes what an include resolves to (an earlier -I shadows a later one).
   */
  readonly absent: readonly string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a schema as UTF-8; invalid UTF-8 falls back to one char per byte (then flagged where it matters). */
function decode(bytes: Buffer): { text: string; binary: boolean } {
  try {
    return { text: utf8.decode(bytes), binary: false };
  } catch {
    return { text: bytes.toString('latin1'), binary: true };
  }
}

/**
 * The diagnostics of several compiles, each reported once (files shared through includes are
 * compiled once per main file), and every source text read, by path.
 */
export function mergeRuns(results: readonly CompileResult[]): {
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  absent: string[];
} {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const absent = new Set<string>();
  const seen = new Set<string>();
  for (const r of results) {
    for (const [k, v] of r.sources) sources.set(k, v);
    for (const p of r.absent) absent.add(p);
    for (const d of r.diagnostics) {
      const key = `${d.file}:${d.line}:${d.column}:${d.code}:${d.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        diagnostics.push(d);
      }
    }
  }
  return { diagnostics, sources, absent: [...absent].sort() };
}

/** Several main files compiled on their own (as flatc does) and their diagnostics merged. */
export interface CompileRuns {
  readonly results: readonly CompileResult[];
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
  readonly errorCount: number;
  readonly warningCount: number;
  /** No errors, and no warnings either when `warningsAsErrors`. */
  readonly ok: boolean;
}

/** What `hms-gen check`/`ir` and the in-process `compile` run: every file, merged, counted. */
export function compileFiles(
  files: readonly string[],
  options: CompileOptions & { readonly warningsAsErrors?: boolean },
): CompileRuns {
  const results = files.map((f) => compileFile(f, options));
  const { diagnostics, sources } = mergeRuns(results);
  const errorCount = diagnostics.filter((d) => d.severity === 'error').length;
  const warningCount = diagnostics.length - errorCount;
  const ok = errorCount === 0 && !(options.warningsAsErrors === true && warningCount > 0);
  return { results, diagnostics, sources, errorCount, warningCount, ok };
}

export function compileFile(file: string, options: CompileOptions = {}): CompileResult {
  return compile(file, undefined, options);
}

/** Compiles `text` as if it were the content of `file` (includes still resolve on disk). */
export function compileText(file: string, text: string, options: CompileOptions = {}): CompileResult {
  return compile(file, text, options);
}

/** The real path (symlinks resolved), or the path itself for a file that is not on disk. */
function canonical(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

function compile(mainPath: string, mainText: string | undefined, options: CompileOptions): CompileResult {
  const reporter = new Reporter(options.maxErrors ?? 50);
  const sources = new Map<string, string>();
  const includeDirs = (options.includePaths ?? []).map((p) => resolvePath(p));
  const mainAbs = resolvePath(mainPath);
  // Files are keyed by real path (symlinked checkouts), so the root for reflection names is one too.
  const mainKey = canonical(mainAbs);
  const root = dirname(mainKey);
  const relativeName = (p: string): string => {
    const r = relative(root, p).split(sep).join('/');
    return `//${r}`;
  };
  /** Direct includes of every file visited so far (its keys are the files already started). */
  const fileIncludes = new Map<string, { path: string; raw: string }[]>();
  const stack: string[] = [];
  let nativeIncludes: readonly string[] = [];
  let mainFile: SourceFile | undefined;

  const display = (abs: string): string => {
    const r = relative(process.cwd(), abs);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : abs;
  };

  const load = (abs: string, text: string | undefined): SourceFile | undefined => {
    let decoded: { text: string; binary: boolean };
    if (text !== undefined) decoded = { text, binary: false };
    else {
      try {
        decoded = decode(readFileSync(abs));
      } catch {
        return undefined;
      }
    }
    const sf = new SourceFile(display(abs), decoded.text, decoded.binary);
    sources.set(sf.path, sf.text);
    return sf;
  };

  /**
   * NUL bytes. flatc refuses a main file holding one ("input file appears to be binary", checked
   * by flatc.cpp before parsing) and reads an included file as a C string, i.e. up to its first NUL:
   * hms-gen does the same, with E008 and W006 at the byte.
   */
  const mainHasNul = (sf: SourceFile): boolean => {
    const at = sf.text.indexOf('\0');
    if (at < 0) return false;
    reporter.report(
      'E008',
      { file: sf, start: at, end: at + 1 },
      `input file appears to be binary: ${sf.path} (a NUL byte)`,
    );
    return true;
  };
  const cutAtNul = (sf: SourceFile): SourceFile => {
    const at = sf.text.indexOf('\0');
    if (at < 0) return sf;
    reporter.report(
      'W006',
      { file: sf, start: at, end: at + 1 },
      'NUL byte in an included file: the rest of the file is ignored (flatc reads it up to here)',
    );
    return new SourceFile(sf.path, sf.text.slice(0, at), sf.binary);
  };

  /**
   * flatc's spelling of a path: directory + '/' + name as written, never normalised. The reflection
   * output orders each file's includes by it, so it is tracked alongside the canonical path.
   */
  const rawPaths = new Map<string, string>();
  const concat = (dir: string, name: string): string => {
    const p = dir === '' ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`;
    return p.startsWith('./') ? p.slice(2) : p;
  };
  const rawDir = (raw: string): string => {
    const slash = raw.lastIndexOf('/');
    return slash < 0 ? '' : raw.slice(0, slash);
  };
  const isFile = (p: string): boolean => {
    try {
      return statSync(p, { throwIfNoEntry: false })?.isFile() === true;
    } catch {
      return false; // unreadable candidate: keep searching
    }
  };
  const absent = new Set<string>();
  // The including file's directory first, then each -I directory in order (flatc's search).
  const findInclude = (from: string, name: string): { path: string; raw: string } | undefined => {
    const beside = resolvePath(dirname(from), name);
    if (isFile(beside)) return { path: canonical(beside), raw: concat(rawDir(rawPaths.get(from) ?? from), name) };
    absent.add(display(beside));
    const dirs = options.includePaths ?? [];
    for (let k = 0; k < dirs.length; k++) {
      const candidate = resolvePath(includeDirs[k] as string, name);
      if (isFile(candidate)) return { path: canonical(candidate), raw: concat(dirs[k] as string, name) };
      absent.add(display(candidate));
    }
    return undefined;
  };

  let resolver: Resolver | undefined;
  const brokenTypes = new Set<string>();
  let brokenUnnamed = false;

  // flatc's order: a file's includes are processed completely before its own declarations.
  // Depth-first with an explicit stack, not recursion: include chains thousands of files deep are
  // legal (flatc accepts them) and must not exhaust the call stack. `key`: the file's real path.
  interface Frame {
    readonly key: string;
    readonly sf: SourceFile;
    readonly parser: FileParse;
    readonly includes: FileParse['includes'];
    readonly incs: { path: string; raw: string }[];
    next: number;
  }
  /** The keys of `frames`, for the cycle check. */
  const onStack = new Set<string>();
  const frames: Frame[] = [];
  const enter = (key: string, sf: SourceFile): void => {
    if (!rawPaths.has(key)) rawPaths.set(key, key === mainKey ? mainPath : key);
    stack.push(key);
    onStack.add(key);
    const parser = parseFile(sf, reporter, options.parseCache);
    if (parser.topLevelBrace) (resolver as Resolver).keepJsonFields();
    const includes = parser.includes;
    const incs: { path: string; raw: string }[] = [];
    fileIncludes.set(key, incs);
    if (sf === mainFile) nativeIncludes = includes.filter((i) => i.native).map((i) => i.path);
    frames.push({ key, sf, parser, includes, incs, next: 0 });
  };
  const visit = (mainKeyArg: string, sf: SourceFile): void => {
    enter(mainKeyArg, sf);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as Frame;
      const { key, parser, includes, incs } = frame;
      if (frame.next < includes.length) {
        const inc = includes[frame.next++]!;
        if (inc.native) continue;
        const found = findInclude(key, inc.path);
        if (found === undefined) {
          reporter.report('E021', inc.pathSpan, `unable to locate include file: ${inc.path}`);
          continue;
        }
        incs.push(found);
        const target = found.path;
        if (!rawPaths.has(target)) rawPaths.set(target, found.raw);
        if (onStack.has(target)) {
          const cycle = [...stack.slice(stack.indexOf(target)), target].map((p) => relativeName(p).slice(2));
          reporter.report('W004', inc.pathSpan, `include cycle (ignored, as flatc does): ${cycle.join(' -> ')}`);
          continue;
        }
        if (fileIncludes.has(target)) continue;
        const child = load(target, undefined);
        if (!child) {
          reporter.report('E022', inc.pathSpan, `unable to load include file: ${inc.path}`);
          continue;
        }
        enter(target, cutAtNul(child));
        continue;
      }
      // Every include done: the file's own declarations.
      const r = resolver as Resolver;
      r.beginFile(key);
      for (let d = parser.next(); d !== undefined; d = parser.next()) r.declare(d);
      for (const t of parser.brokenTypes) brokenTypes.add(t);
      if (parser.brokenUnnamed) brokenUnnamed = true;
      parser.done();
      frames.pop();
      stack.pop();
      onStack.delete(key);
    }
  };

  let schema: Schema | undefined;
  try {
    mainFile = load(mainAbs, mainText);
    if (!mainFile) {
      // The CLI checks readability first (usage error); keep a located diagnostic for library callers.
      const sf = new SourceFile(display(mainAbs), '');
      reporter.report('E022', { file: sf, start: 0, end: 0 }, `unable to read file: ${display(mainAbs)}`);
    } else if (!mainHasNul(mainFile)) {
      resolver = new Resolver(
        { mainFile, mainPath: mainKey, relativeName, buildIr: options.validateOnly !== true },
        reporter,
      );
      visit(mainKey, mainFile);
      // Each file's includes in flatc's order (by raw path), duplicates dropped.
      const ordered = new Map<string, string[]>();
      for (const [file, list] of fileIncludes) {
        const sorted = [...list].sort((a, b) => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0));
        ordered.set(file, [...new Set(sorted.map((x) => x.path))]);
      }
      const s = resolver.finish({
        fileIncludes: ordered,
        nativeIncludes,
        suppressUndefined: (name) => brokenUnnamed || brokenTypes.has(name.slice(name.lastIndexOf('.') + 1)),
      });
      if (reporter.errorCount === 0) schema = s;
    }
  } catch (e) {
    if (!(e instanceof TooManyErrors)) throw e;
  }
  return { schema, diagnostics: reporter.diagnostics, errorCount: reporter.errorCount, sources, absent: [...absent] };
}
