/**
 * hms-gen in process: `compile` and `generate` for programs that run the generator themselves (the
 * evolution loop regenerating agents, build tools, watch mode). Diagnostics come back as data and
 * outputs as an in-memory file set; nothing is printed unless `log` is given, nothing is written
 * unless asked, and the process is never exited. The `hms-gen` CLI is a thin layer over this module.
 *
 * Failures that are not the schema's are thrown as {@link HmsGenError} (`UsageError`: arguments,
 * files, hms-gen.json, an unusable output directory; `ToolError`: cbindgen, tsc or prettier missing
 * or failing); each carries the CLI's exit code.
 */
import { compileFiles } from './frontend/compile.js';
import { CompileCache } from './frontend/compile-cache.js';
import { renderDiagnostics, type Diagnostic } from './frontend/diagnostics.js';
import type { Schema } from './ir/model.js';
import { BACKENDS } from './codegen/backends.js';
import { loadConfig, type GeneratorConfig } from './codegen/config.js';
import { generate as runBackends } from './codegen/generate.js';
import { treeHash } from './codegen/cache.js';
import { checkOutDir, resolveInputs } from './codegen/inputs.js';
import { defaultTemplatesDir } from './codegen/locations.js';
import { Templates } from './codegen/templates.js';
import { DEFAULT_LANGS, diff, write, type Drift, type Lang } from './codegen/output.js';
import { UsageError } from './errors.js';

export type { Diagnostic, Severity } from './frontend/diagnostics.js';
export type { Drift, Lang } from './codegen/output.js';
export type { GeneratorConfig } from './codegen/config.js';
export { HmsGenError, ToolError, UsageError } from './errors.js';

/** Options of {@link compile}. */
export interface CompileFilesOptions {
  /** Main `.fbs` files; each is compiled on its own with its includes, as flatc does. */
  readonly files: readonly string[];
  /** `-I` directories, searched in order after the including file's own directory. */
  readonly includePaths?: readonly string[];
  /** Stop after this many errors per file (default 50). */
  readonly maxErrors?: number;
  /** Count warnings as errors (`ok` is then false when there are any). */
  readonly warningsAsErrors?: boolean;
}

/** What a compile found: diagnostics as data, and the schemas when there were no errors. */
export interface CompileOutput {
  /** No errors (and, with `warningsAsErrors`, no warnings). */
  readonly ok: boolean;
  /** Every error and warning, each reported once, in the order found. */
  readonly diagnostics: readonly Diagnostic[];
  readonly errorCount: number;
  readonly warningCount: number;
  /** Each input's resolved schema, in input order (empty when there were errors). */
  readonly schemas: readonly Schema[];
  /** Text of every file read, by the path diagnostics name (inputs and includes). */
  readonly sources: ReadonlyMap<string, string>;
  /** The diagnostics as hms-gen prints them (source line and caret, then the counts), or ''. */
  format(): string;
}

/**
 * Compiles schemas without generating anything.
 *
 * @example
 * const r = compile({ files: ['idl/health_monitor.fbs'], includePaths: ['idl'] });
 * if (!r.ok) console.error(r.format());
 */
export function compile(options: CompileFilesOptions): CompileOutput {
  const { results, diagnostics, sources, errorCount, warningCount, ok } = compileFiles(options.files, {
    includePaths: options.includePaths ?? [],
    maxErrors: options.maxErrors ?? 50,
    ...(options.warningsAsErrors !== undefined ? { warningsAsErrors: options.warningsAsErrors } : {}),
  });
  const schemas = errorCount === 0 ? results.map((r) => r.schema).filter((s): s is Schema => s !== undefined) : [];
  return {
    ok,
    diagnostics,
    errorCount,
    warningCount,
    schemas,
    sources,
    format: () => renderDiagnostics(diagnostics, sources),
  };
}

/** Options of {@link generate} and {@link Generator}. */
export interface GenerateOptions {
  /** Main `.fbs` files (default: every `idl/*.fbs` of the working directory, with `-I idl`). */
  readonly files?: readonly string[];
  readonly includePaths?: readonly string[];
  /** Languages to emit (default rust, ts, c; `c` needs cbindgen, `js` needs typescript and prettier). */
  readonly langs?: readonly Lang[];
  /** Where the files go when written, and what paths inside them are computed against (default `generated`). */
  readonly outDir?: string;
  /** The configuration, or the path of an `hms-gen.json` (default: `hms-gen.json` of the working directory, if any). */
  readonly config?: GeneratorConfig | string;
  /** Write the files that differ into `outDir`, and remove stamped files it no longer produces. */
  readonly write?: boolean;
  /** Compare with `outDir` (`drift` lists what differs); nothing is written. */
  readonly check?: boolean;
  /** Count warnings as errors: nothing is generated when there are any. */
  readonly warningsAsErrors?: boolean;
  /** Handlebars templates (default: the `templates/` hms-gen ships with). */
  readonly templatesDir?: string;
  /** Where progress lines go (one per run); silent without it. */
  readonly log?: (line: string) => void;
}

/** What a generate run produced. */
export interface GenerateOutput {
  /** Files were generated: no errors, no unsupported construct (and no warnings with `warningsAsErrors`). */
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly errorCount: number;
  readonly warningCount: number;
  /** Every generated file by path relative to `outDir` (`rust/...`, `ts/...`, `c/...`), when `ok`. */
  readonly files: ReadonlyMap<string, string>;
  /** Files whose content differs from this generator's previous run (every file on a first run). */
  readonly changed: readonly string[];
  /** With `write`: what was written and removed; with `check`: what differs on disk; else empty. */
  readonly drift: Drift;
  /** Text of every `.fbs` file read, by the path diagnostics name. */
  readonly sources: ReadonlyMap<string, string>;
  /** Include candidates that held no file (a file appearing there changes how an include resolves). */
  readonly absent: readonly string[];
  /** Milliseconds the run took. */
  readonly ms: number;
  /** The diagnostics as hms-gen prints them, or ''. */
  format(): string;
}

const NO_DRIFT: Drift = { changed: [], missing: [], extra: [] };

/**
 * A generator that remembers its last run: a file whose inputs (the `.fbs` files its stamp names,
 * codegen/dependencies.ts) did not change is taken from that run instead of being printed again, so
 * a regenerate after an edit costs what the edit reaches. Watch mode and the evolution loop keep one;
 * options given to `generate` override the constructor's.
 *
 * @example
 * const gen = new Generator({ langs: ['rust', 'ts'] });
 * const first = gen.generate();            // everything printed
 * // ... edit idl/recovery.fbs ...
 * const next = gen.generate({ write: true }); // only what the edit reaches is printed; changed files written
 */
export class Generator {
  private previous: { readonly epoch: string; readonly files: ReadonlyMap<string, string> } | undefined;
  private readonly compileCache = new CompileCache();
  /** Compiled templates, by the hash of the templates directory they were read from. */
  private templates: { readonly key: string; readonly compiled: Templates } | undefined;

  constructor(private readonly defaults: GenerateOptions = {}) {}

  generate(overrides: GenerateOptions = {}): GenerateOutput {
    const t0 = performance.now();
    const o: GenerateOptions = { ...this.defaults, ...overrides };
    const files = [...(o.files ?? [])];
    const includePaths = [...(o.includePaths ?? [])];
    resolveInputs(files, includePaths);
    const outDir = o.outDir ?? 'generated';
    if (o.write === true && o.check === true) throw new UsageError('write and check exclude each other');
    if (o.write === true || o.check === true) checkOutDir(outDir);
    const langs = o.langs ?? DEFAULT_LANGS;
    const config = typeof o.config === 'object' ? o.config : loadConfig(o.config);
    const templatesDir = o.templatesDir ?? defaultTemplatesDir();
    // Everything a file depends on besides the schema files its stamp names.
    const templatesKey = `${templatesDir}\0${treeHash(templatesDir)}`;
    if (this.templates?.key !== templatesKey)
      this.templates = { key: templatesKey, compiled: new Templates(templatesDir) };
    const epoch = JSON.stringify({ files, includePaths, outDir, langs, config, templates: templatesKey });
    const previous = this.previous?.epoch === epoch ? this.previous.files : undefined;
    const r = runBackends({
      files,
      includePaths,
      outDir,
      langs,
      templatesDir,
      check: false,
      emitOnly: true,
      backends: BACKENDS,
      config,
      templates: this.templates.compiled,
      compileCache: this.compileCache,
      ...(previous ? { previous } : {}),
    });
    const diagnostics = r.diagnostics;
    const errorCount = diagnostics.filter((d) => d.severity === 'error').length;
    const warningCount = diagnostics.length - errorCount;
    const fmt = (): string => renderDiagnostics(diagnostics, r.sources);
    const failed =
      r.kind !== 'done' ? Math.max(errorCount, 1) : o.warningsAsErrors === true && warningCount > 0 ? warningCount : 0;
    if (r.kind !== 'done' || failed > 0) {
      const ms = performance.now() - t0;
      o.log?.(`hms-gen: ${failed} error${failed === 1 ? '' : 's'}; nothing generated (${ms.toFixed(0)} ms)`);
      return {
        ok: false,
        diagnostics,
        errorCount,
        warningCount,
        files: new Map(),
        changed: [],
        drift: NO_DRIFT,
        sources: r.sources,
        absent: r.kind === 'done' ? r.absent : [],
        ms,
        format: fmt,
      };
    }
    const produced = r.out.entries();
    const changed = [...produced.keys()].filter((p) => previous?.get(p) !== produced.get(p)).sort();
    const drift =
      o.write === true ? write(r.out, outDir, langs) : o.check === true ? diff(r.out, outDir, langs) : NO_DRIFT;
    this.previous = { epoch, files: produced };
    const ms = performance.now() - t0;
    if (o.log) {
      const written = drift.changed.length + drift.missing.length;
      o.log(
        o.write === true
          ? `hms-gen: ${produced.size} files in ${outDir}/, ${written} written, ${drift.extra.length} removed (${ms.toFixed(0)} ms)`
          : `hms-gen: ${produced.size} files, ${changed.length} changed (${ms.toFixed(0)} ms)`,
      );
    }
    return {
      ok: true,
      diagnostics,
      errorCount,
      warningCount,
      files: produced,
      changed,
      drift,
      sources: r.sources,
      absent: r.absent,
      ms,
      format: fmt,
    };
  }
}

/**
 * Generates code in one shot (a fresh {@link Generator}).
 *
 * @example
 * const r = generate({ files: ['idl/recovery.fbs'], includePaths: ['idl'], langs: ['ts'] });
 * if (r.ok) for (const [path, text] of r.files) console.log(path, text.length);
 * else console.error(r.format());
 */
export function generate(options: GenerateOptions = {}): GenerateOutput {
  return new Generator(options).generate();
}
