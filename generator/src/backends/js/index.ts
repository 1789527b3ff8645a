import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { STAMP_PREFIX, ToolError, type Backend, type EmitContext } from '../../codegen/backend.js';
import { filesUnder } from '../../codegen/output.js';

/**
 * `--lang js`: the TypeScript backend's modules compiled for plain Node (ESM `.js`, with a `.d.ts`
 * beside each), so JavaScript users import the bindings without a TypeScript loader. The JavaScript
 * is TypeScript's own emit of exactly the `ts/` files (the same encoders, decoders and checks, so
 * the same bytes on the wire), formatted by Prettier with the options the TS backend prints in,
 * and stamped like its source. Writing a JavaScript printer for every emitter instead would be a
 * second copy of each of them; TypeScript (`tsc`) and Prettier are the well-kept tools for the job
 * and run only when `js` is asked for. They are resolved from hms-gen's own installation
 * (devDependencies here; optional peer dependencies of the hms-gen package).
 */

const PRETTIER_OPTIONS = [
  '--no-config',
  '--print-width',
  '120',
  '--single-quote',
  '--trailing-comma',
  'all',
  '--end-of-line',
  'lf',
];

const require = createRequire(import.meta.url);

/** A package's bin script, found as Node finds the package (its `exports` may hide the file). */
function tool(pkg: string, bin: string): string {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const file = join(dir, pkg, bin);
    if (existsSync(file)) return file;
  }
  throw new ToolError(`--lang js needs ${pkg} (npm install --save-dev ${pkg} beside hms-gen)`);
}

function runTool(what: string, args: readonly string[], cwd: string): void {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(0, 20).join('\n');
    throw new ToolError(
      `--lang js: ${what} failed${r.error ? ` (${r.error.message})` : ` with exit ${r.status}`}${out === '' ? '' : `:\n${out}`}`,
    );
  }
}

/** `ts/<path>` files compiled: `<path>.js` and `<path>.d.ts`, by path relative to `ts/`. */
export function compileTypeScript(ts: ReadonlyMap<string, string>): Map<string, string> {
  const tsc = tool('typescript', 'bin/tsc');
  const prettier = tool('prettier', 'bin/prettier.cjs');
  const work = mkdtempSync(join(tmpdir(), 'hms-gen-js-'));
  try {
    for (const [p, text] of ts) {
      const target = join(work, 'src', p);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    // ESM output: the package type decides it under NodeNext. No type check (noCheck): the sources
    // were type-checked as TypeScript already, and `hms-runtime` need not resolve here.
    writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
    const config = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        declaration: true,
        noCheck: true,
        rootDir: 'src',
        outDir: 'out',
        types: [],
        skipLibCheck: true,
        newLine: 'lf',
      },
      include: ['src'],
    };
    writeFileSync(join(work, 'tsconfig.json'), `${JSON.stringify(config)}\n`);
    runTool('tsc', [tsc, '-p', work], work);
    runTool('prettier', [prettier, '--write', '--log-level', 'warn', ...PRETTIER_OPTIONS, 'out'], work);
    const out = new Map<string, string>();
    for (const p of filesUnder(work, 'out').sort())
      out.set(p.slice('out/'.length), readFileSync(join(work, p), 'utf8'));
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The stamp comment of a generated TypeScript file (its first line). */
function stampOf(text: string): string {
  const first = text.slice(0, text.indexOf('\n'));
  return first.startsWith(`// ${STAMP_PREFIX}`) ? first : '';
}

export const jsBackend: Backend<'js'> = {
  lang: 'js',
  emit(ctx: EmitContext) {
    // The TypeScript modules this run emitted (js depends on ts, codegen/langs.ts: when `ts` is
    // not selected they were emitted into a scratch set).
    const ts = [...ctx.emitted.entries()].filter(([p]) => p.startsWith('ts/'));
    const sources = new Map(ts.map(([p, text]) => [p.slice('ts/'.length), text]));
    const compiled = compileTypeScript(sources);
    for (const [p, text] of compiled) {
      const source = sources.get(p.replace(/\.d\.ts$|\.js$/, '.ts'));
      if (source === undefined) throw new Error(`tsc emitted ${p}, which has no TypeScript source`);
      // tsc drops the stamp with the import it is attached to: put it back.
      const stamp = stampOf(source);
      ctx.out.add(`js/${p}`, stamp === '' || text.startsWith(stamp) ? text : `${stamp}\n${text}`);
    }
  },
};
