import { readFileSync } from 'node:fs';
import { renderDiagnostic, type Diagnostic } from '../frontend/diagnostics.js';
import { VERSION } from '../version.js';
import { UnsupportedError, type Backend, type EmitContext } from './backend.js';
import { Dependencies } from './dependencies.js';
import { bindingsOf } from './bindings.js';
import { withDependencies, type Lang } from './langs.js';
import { diff, emittedFiles, OutputSet, write, type Drift } from './output.js';
import { planAll, PlanError } from './plan.js';
import { loadSchemaSet } from './schema-set.js';
import type { CompileCache } from '../frontend/compile-cache.js';
import { Templates } from './templates.js';
import { checkSupported } from './unsupported.js';
import type { GeneratorConfig } from './config.js';

export interface GenerateOptions {
  readonly files: readonly string[];
  readonly includePaths: readonly string[];
  readonly outDir: string;
  readonly langs: readonly Lang[];
  readonly templatesDir: string;
  /** Compare with `outDir` instead of writing. */
  readonly check: boolean;
  /** The backends to run (BACKENDS of codegen/backends.ts): those of `langs` and of their dependencies. */
  readonly backends: readonly Backend[];
  readonly config?: GeneratorConfig;
  /** Emit into memory only: neither write nor compare (`drift` is then empty). */
  readonly emitOnly?: boolean;
  /** Files of an earlier run with the same generator, templates, configuration and options (see emitFile). */
  readonly previous?: ReadonlyMap<string, string>;
  /** Compiled templates of `templatesDir` to reuse (a long-running generator keeps them). */
  readonly templates?: Templates;
  /** Compiles and parses to reuse for unchanged .fbs files (a long-running generator keeps them). */
  readonly compileCache?: CompileCache;
}

export type GenerateResult =
  | {
      /** Nothing generated: the schema has errors, or a construct a selected backend cannot emit. */
      readonly kind: 'schema-errors' | 'unsupported';
      readonly rendered: string;
      readonly errorCount: number;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | {
      readonly kind: 'done';
      /** Warnings of the compile. */
      readonly diagnostics: readonly Diagnostic[];
      readonly drift: Drift;
      readonly files: number;
      readonly rendered: string;
      readonly out: OutputSet;
      /** Every .fbs file read, by displayed path (for the warm-run cache). */
      readonly sources: ReadonlyMap<string, string>;
      /** Paths the include search found empty (for the warm-run cache). */
      readonly absent: readonly string[];
    };

/** Compiles the inputs, runs the selected backends and writes (or checks) the output directory. */
export function generate(o: GenerateOptions): GenerateResult {
  const loaded = loadSchemaSet(o.files, o.includePaths, o.compileCache);
  if (!loaded.set)
    return {
      kind: 'schema-errors',
      rendered: loaded.rendered,
      errorCount: loaded.errorCount,
      diagnostics: loaded.diagnostics,
      sources: loaded.sources,
    };
  const set = loaded.set;
  const out = new OutputSet();
  try {
    const config = o.config ?? {};
    const plans = planAll(set);
    const bindings = bindingsOf(set, config);
    // The selected languages and those they depend on, in run order; a dependency not selected
    // emits into a scratch set that is never written.
    const run = withDependencies(o.langs);
    checkSupported({ set, plans, bindings }, run);
    const scratch = new OutputSet();
    const ctx: EmitContext = {
      set,
      plans,
      out,
      templates: o.templates ?? new Templates(o.templatesDir),
      version: VERSION,
      deps: new Dependencies(set),
      config,
      outDir: o.outDir,
      bindings,
      emitted: emittedFiles([out, scratch]),
      ...(o.previous ? { previous: o.previous } : {}),
    };
    for (const lang of run) {
      for (const b of o.backends) if (b.lang === lang) b.emit({ ...ctx, out: o.langs.includes(lang) ? out : scratch });
    }
  } catch (e) {
    const located = locate(e);
    if (!located) throw e;
    const d: Diagnostic = {
      code: 'E200',
      severity: 'error',
      message: located.message,
      file: located.file,
      line: located.line,
      column: located.column,
      length: 1,
    };
    const sources = new Map<string, string>(loaded.sources);
    if (!sources.has(d.file)) {
      try {
        sources.set(d.file, readFileSync(d.file, 'utf8'));
      } catch {
        // rendered without the source line
      }
    }
    const rendered = [loaded.rendered, renderDiagnostic(d, sources)].filter((s) => s !== '').join('\n');
    return { kind: 'unsupported', rendered, errorCount: 1, diagnostics: [...loaded.diagnostics, d], sources };
  }
  const drift: Drift = o.emitOnly
    ? { changed: [], missing: [], extra: [] }
    : o.check
      ? diff(out, o.outDir, o.langs)
      : write(out, o.outDir, o.langs);
  return {
    kind: 'done',
    diagnostics: loaded.diagnostics,
    drift,
    files: out.size,
    rendered: loaded.rendered,
    out,
    sources: loaded.sources,
    absent: loaded.absent,
  };
}

function locate(e: unknown): { file: string; line: number; column: number; message: string } | undefined {
  if (e instanceof UnsupportedError) return { ...e.location, message: e.message };
  if (e instanceof PlanError) {
    const loc = e.field?.location ?? e.object.location;
    return { ...loc, message: `${e.object.name}${e.field ? `.${e.field.name}` : ''}: ${e.message}` };
  }
  return undefined;
}
