import { join } from 'node:path';
import type { GenerateOutput } from '../api.js';
import { ToolError, UsageError } from '../errors.js';
import { generatorFingerprint, record, treeHash, upToDate, type CacheKey } from './cache.js';
import { loadConfig, type GeneratorConfig } from './config.js';
import { checkOutDir, resolveInputs } from './inputs.js';
import { defaultTemplatesDir } from './locations.js';
// Only light modules are imported statically: a warm run (nothing changed) answers from the cache
// without loading the compiler, the emitters or Handlebars.
import { DEFAULT_LANGS, LANGS, type Lang } from './output.js';

export const GENERATE_USAGE = `usage: hms-gen generate [options] [FILE...]

Emits Rust, TypeScript and C code (and JavaScript on request) for the contracts in FILE... (default: every idl/*.fbs, with -I idl)
into the output directory, rewriting only files that changed.

options:
  --out DIR, -o DIR  output directory (default: generated)
  -I DIR             add an include search directory (repeatable; also -IDIR, --include DIR, --include=DIR)
  --lang LIST        comma-separated subset of rust,ts,c,js (default: rust,ts,c; c, the agent library's
                     header, needs cbindgen and exists only with rust.agents in hms-gen.json; js, the
                     TypeScript bindings compiled to .js with .d.ts beside them, needs typescript and
                     prettier installed beside hms-gen)
  --check            write nothing; exit 1 and list the files that differ from what the schema produces
  --watch            stay running: regenerate when a schema it reads (includes too), hms-gen.json or a
                     template changes, one line per rebuild; a schema error keeps the previous output.
                     Ctrl-C exits 0
  --json             diagnostics and the summary as one JSON object on stdout
  --warnings-as-errors
                     treat warnings as errors (nothing is generated when there are any)
  -h, --help         print this help

examples:
  hms-gen generate                                every idl/*.fbs into generated/
  hms-gen generate --check                        in CI: fail when generated/ is stale
  hms-gen generate --lang ts --out out -I idl idl/recovery.fbs
  hms-gen generate --watch                        regenerate on every save

exit codes:
  0  ok (or up to date; --watch: stopped with Ctrl-C)
  1  schema errors, unsupported constructs, or stale output (--check)
  2  usage errors (unknown option, missing argument, file or directory; a bad hms-gen.json; an --out
     that is empty, a file, not writable, or under /proc or /sys)
  3  a required tool is missing or failed (cbindgen for the C header; tsc, prettier for js), an I/O error
     during the run, or an internal error`;

/** `hms-gen generate`'s arguments, as the CLI parsed them. */
export interface GenerateArgs {
  readonly files: string[];
  readonly includePaths: string[];
  readonly outDir: string;
  /** The --lang value as given (validated here), or undefined for the default. */
  readonly lang: string | undefined;
  readonly check: boolean;
  readonly watch: boolean;
  readonly json: boolean;
  readonly warningsAsErrors: boolean;
}

function parseLangs(value: string | undefined): Lang[] {
  if (value === undefined) return [...DEFAULT_LANGS];
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const p of parts) {
    if (!(LANGS as readonly string[]).includes(p))
      throw new UsageError(`--lang: unknown language ${p} (expected rust, ts, c or js)`);
  }
  if (parts.length === 0) throw new UsageError('--lang needs at least one language');
  return LANGS.filter((l) => parts.includes(l));
}

/**
 * One line for an error that is not the schema's or the user's: a missing or failing tool and an
 * I/O error say what they are; anything else is a bug.
 */
export function failure(e: unknown): string {
  if (e instanceof ToolError) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string') return msg;
  return `internal error: ${msg}`;
}

/** `hms-gen generate ...` (arguments parsed by cli/run.ts): resolves to the exit code. Usage errors are thrown. */
export async function runGenerate(args: GenerateArgs): Promise<number> {
  const config: GeneratorConfig = loadConfig();
  const langs = parseLangs(args.lang);
  if (args.check && args.watch) throw new UsageError('--check and --watch exclude each other');
  resolveInputs(args.files, args.includePaths);
  checkOutDir(args.outDir);
  if (args.watch) {
    const { watch } = await import('./watch.js');
    return watch({ args, langs, config });
  }
  const key: CacheKey = {
    generator: generatorFingerprint(),
    templates: treeHash(defaultTemplatesDir()),
    config: JSON.stringify(config),
    options: JSON.stringify({ files: args.files, includePaths: args.includePaths, langs }),
  };
  if (!args.check && !args.json && !args.warningsAsErrors && upToDate(args.outDir, key, langs)) {
    process.stdout.write(`hms-gen: ${args.outDir}/ is up to date\n`);
    return 0;
  }
  const { Generator } = await import('../api.js');
  // A missing tool (cbindgen) or a bug throws: the CLI reports it in one line, exit 3.
  const r = new Generator().generate({
    files: args.files,
    includePaths: args.includePaths,
    outDir: args.outDir,
    langs,
    config,
    write: !args.check,
    check: args.check,
    warningsAsErrors: args.warningsAsErrors,
  });
  return report(args, r, () => record(args.outDir, key, r.sources, r.files, r.absent));
}

/** Prints a run's diagnostics and outcome as the CLI does (text or --json); returns the exit code. */
export function report(args: GenerateArgs, r: GenerateOutput, onWritten: () => void = () => undefined): number {
  const { changed, missing, extra } = r.drift;
  const stale = changed.length + missing.length + extra.length;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          ok: r.ok && !(args.check && stale > 0),
          errorCount: r.errorCount,
          warningCount: r.warningCount,
          diagnostics: r.diagnostics,
          files: r.files.size,
          ...(args.check
            ? { stale: { changed, missing, extra } }
            : { written: [...changed, ...missing], removed: extra }),
        },
        null,
        2,
      )}\n`,
    );
  } else if (r.diagnostics.length > 0) process.stderr.write(`${r.format()}\n`);
  if (!r.ok) {
    if (!args.json) {
      const n = Math.max(1, r.errorCount + (args.warningsAsErrors ? r.warningCount : 0));
      process.stderr.write(`hms-gen: ${n} error${n === 1 ? '' : 's'}; nothing generated\n`);
    }
    return 1;
  }
  if (args.check) {
    if (stale === 0) return 0;
    if (!args.json) {
      const lines = [
        ...changed.map((p) => `  changed  ${join(args.outDir, p)}`),
        ...missing.map((p) => `  missing  ${join(args.outDir, p)}`),
        ...extra.map((p) => `  extra    ${join(args.outDir, p)}`),
      ];
      process.stderr.write(
        `hms-gen: ${stale} generated file${stale === 1 ? ' is' : 's are'} stale (run \`hms-gen generate\`):\n${lines.join('\n')}\n`,
      );
    }
    return 1;
  }
  onWritten();
  if (!args.json)
    process.stdout.write(
      `hms-gen: ${r.files.size} files in ${args.outDir}/, ${changed.length + missing.length} written, ${extra.length} removed\n`,
    );
  return 0;
}
