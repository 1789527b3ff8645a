import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../cli/args.js';
import { ToolError } from './backend.js';
import { generatorFingerprint, record, treeHash, upToDate, type CacheKey } from './cache.js';
import { loadConfig, type GeneratorConfig } from './config.js';
import { defaultTemplatesDir } from './locations.js';
// Only light modules are imported statically: a warm run (nothing changed) answers from the cache
// without loading the compiler, the emitters or Handlebars.
import { DEFAULT_LANGS, LANGS, type Lang } from './output.js';

export const GENERATE_USAGE = `usage: hms-gen generate [options] [FILE...]

Emits Rust, TypeScript and C code (and JavaScript on request) for the contracts in FILE... (default: every idl/*.fbs, with -I idl)
into the output directory, rewriting only files that changed.

options:
  --out DIR          output directory (default: generated)
  -I DIR             add an include search directory (repeatable)
  --lang LIST        comma-separated subset of rust,ts,c,js (default: rust,ts,c; c, the agent library's
                     header, needs cbindgen and exists only with rust.agents in hms-gen.json; js, the
                     TypeScript bindings compiled to .js with .d.ts beside them, needs typescript and
                     prettier installed beside hms-gen)
  --check            write nothing; exit 1 and list the files that differ from what the schema produces
  -h, --help         print this help

exit codes:
  0  ok (or up to date)
  1  schema errors, unsupported constructs, or stale output (--check)
  2  usage errors (unknown option, missing argument, file or directory; a bad hms-gen.json; an --out
     that is empty, a file, not writable, or under /proc or /sys)
  3  a required tool is missing or failed (cbindgen for the C header; tsc, prettier for js), an I/O error
     during the run, or an internal error`;

interface GenerateArgs {
  readonly files: string[];
  readonly includePaths: string[];
  readonly outDir: string;
  readonly langs: Lang[];
  readonly check: boolean;
  readonly help: boolean;
}

export function parseGenerateArgs(argv: readonly string[]): GenerateArgs {
  const files: string[] = [];
  const includePaths: string[] = [];
  let outDir = 'generated';
  let langs: Lang[] = [...DEFAULT_LANGS];
  let check = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
      return v;
    };
    if (!a.startsWith('-') || a === '-') files.push(a);
    else if (a === '--out' || a === '-o') outDir = value();
    else if (a.startsWith('--out=')) outDir = a.slice(6);
    else if (a === '-I' || a === '--include') includePaths.push(value());
    else if (a.startsWith('-I')) includePaths.push(a.slice(2));
    else if (a === '--lang' || a.startsWith('--lang=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : value();
      const parts = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const p of parts) {
        if (!(LANGS as readonly string[]).includes(p))
          throw new UsageError(`--lang: unknown language ${p} (expected rust, ts, c or js)`);
      }
      if (parts.length === 0) throw new UsageError('--lang needs at least one language');
      langs = LANGS.filter((l) => parts.includes(l));
    } else if (a === '--check') check = true;
    else if (a === '--help' || a === '-h') help = true;
    else throw new UsageError(`unknown option: ${a}`);
  }
  return { files, includePaths, outDir, langs, check, help };
}

/** `hms-gen generate ...`: resolves to the exit code, never rejects (no stack trace). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await mainUnguarded(argv);
  } catch (e) {
    process.stderr.write(`hms-gen: ${failure(e)}\n`);
    return 3;
  }
}

/**
 * One line for an error that is not the schema's or the user's: a missing or failing tool and an
 * I/O error say what they are; anything else is a bug.
 */
function failure(e: unknown): string {
  if (e instanceof ToolError) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string') return msg;
  return `internal error: ${msg}`;
}

/**
 * The inputs of a run, in place: without FILEs the contracts of this repository (every idl/*.fbs,
 * includes resolved through idl/); each file and include directory must exist (else a UsageError).
 * `generate` and `new agent` read the same set.
 */
export function resolveInputs(files: string[], includePaths: string[]): void {
  if (files.length === 0) {
    let names: string[];
    try {
      names = readdirSync('idl')
        .filter((f) => f.endsWith('.fbs'))
        .sort();
    } catch {
      throw new UsageError('no input files and no idl/ directory here');
    }
    files.push(...names.map((f) => `idl/${f}`));
    if (includePaths.length === 0) includePaths.push('idl');
  }
  for (const f of files) {
    if (!statSync(f, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`cannot read file: ${f}`);
  }
  for (const d of includePaths) {
    if (!statSync(d, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`include directory not found: ${d}`);
  }
}

/**
 * Refuses an output directory generate cannot or must not write, before anything runs: an empty
 * `--out` (it would write into the working directory), a path that is a file or lies under one,
 * a directory that cannot be written, and the kernel's /proc and /sys (Node's recursive mkdir
 * hangs there).
 */
export function checkOutDir(outDir: string): void {
  if (outDir.trim() === '')
    throw new UsageError('--out needs a directory (an empty one would write into the working directory)');
  const full = resolve(outDir);
  if (/^\/(proc|sys)(\/|$)/.test(full))
    throw new UsageError(
      `--out ${outDir}: under ${full.split('/')[1] === 'proc' ? '/proc' : '/sys'}, which holds no files`,
    );
  let at = full;
  for (;;) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(at, { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR: a file further up, found on the way
    }
    if (st !== undefined) {
      if (!st.isDirectory())
        throw new UsageError(`--out ${outDir}: ${at === full ? 'is' : `${at} is`} a file, not a directory`);
      try {
        accessSync(at, constants.W_OK);
      } catch {
        throw new UsageError(`--out ${outDir}: cannot write in ${at}`);
      }
      return;
    }
    const up = dirname(at);
    if (up === at) return;
    at = up;
  }
}

async function mainUnguarded(argv: readonly string[]): Promise<number> {
  let args: GenerateArgs;
  let config: GeneratorConfig;
  try {
    config = loadConfig();
    args = parseGenerateArgs(argv);
    if (args.help) {
      process.stdout.write(`${GENERATE_USAGE}\n`);
      return 0;
    }
    resolveInputs(args.files, args.includePaths);
    checkOutDir(args.outDir);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hms-gen: ${e.message}\nTry 'hms-gen generate --help'.\n`);
      return 2;
    }
    throw e;
  }
  const key: CacheKey = {
    generator: generatorFingerprint(),
    templates: treeHash(defaultTemplatesDir()),
    config: JSON.stringify(config),
    options: JSON.stringify({ files: args.files, includePaths: args.includePaths, langs: args.langs }),
  };
  if (!args.check && upToDate(args.outDir, key, args.langs)) {
    process.stdout.write(`hms-gen: ${args.outDir}/ is up to date\n`);
    return 0;
  }
  const [{ generate }, { BACKENDS }] = await Promise.all([import('./generate.js'), import('./backends.js')]);
  // A missing tool (cbindgen) or a bug throws: main() reports it in one line, exit 3.
  const r = generate({
    files: args.files,
    includePaths: args.includePaths,
    outDir: args.outDir,
    langs: args.langs,
    templatesDir: defaultTemplatesDir(),
    check: args.check,
    backends: BACKENDS,
    config,
  });
  if (r.rendered !== '') process.stderr.write(`${r.rendered}\n`);
  if (r.kind !== 'done') {
    process.stderr.write(`hms-gen: ${r.errorCount} error${r.errorCount === 1 ? '' : 's'}; nothing generated\n`);
    return 1;
  }
  const { changed, missing, extra } = r.drift;
  const stale = changed.length + missing.length + extra.length;
  if (args.check) {
    if (stale === 0) return 0;
    const lines = [
      ...changed.map((p) => `  changed  ${join(args.outDir, p)}`),
      ...missing.map((p) => `  missing  ${join(args.outDir, p)}`),
      ...extra.map((p) => `  extra    ${join(args.outDir, p)}`),
    ];
    process.stderr.write(
      `hms-gen: ${stale} generated file${stale === 1 ? ' is' : 's are'} stale (run \`hms-gen generate\`):\n${lines.join('\n')}\n`,
    );
    return 1;
  }
  record(args.outDir, key, r.sources, r.out.entries(), r.absent);
  process.stdout.write(
    `hms-gen: ${r.files} files in ${args.outDir}/, ${changed.length + missing.length} written, ${extra.length} removed\n`,
  );
  return 0;
}
