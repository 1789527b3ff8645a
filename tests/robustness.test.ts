// Robustness of the hms-gen front end: seeded mutations of the FlatBuffers corpus plus a fixed set
// of pathological schemas, fed to compileText / compileFile, and a few of the nastiest through the
// CLI. For every input: no exception escapes, diagnostics are well formed, an error-free result
// has a schema, and the input compiles in under PER_INPUT_LIMIT_MS (10 s; a hang guard, not a timing target).
//
//   node --import tsx tests/robustness.test.ts
//
// Environment:
//   HMS_FUZZ_SEED   seed (decimal or 0x-hex; default 0x484d5331); printed on every run
//   HMS_FUZZ_COUNT  number of mutated corpus inputs (default 10000)
//   HMS_FUZZ_ONLY   run only the mutated input with this index (reproduce one failure)
//   HMS_FBS_CORPUS  corpus root (see tests/support/corpus.ts)
//
// A failing input is written to $TMPDIR/hms-fuzz-failures-<seed>/ and named in the failure
// message; "seed S, input #i" regenerates it exactly (HMS_FUZZ_SEED=S HMS_FUZZ_ONLY=i).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CODES, compileFile, compileText, renderDiagnostic } from '../generator/src/index.js';
import type { CompileResult, Diagnostic } from '../generator/src/index.js';
import { corpusFiles, corpusIncludePaths, corpusPath, corpusPresent, corpusRoot, corpusTest, repoRoot } from './support/corpus.js';
import {
  CLI_CASES,
  Rng,
  deriveSeed,
  extremeCases,
  mutateBytes,
  mutateChars,
  mutateTokens,
  parseSeed,
  splice,
  truncate,
  truncateBytes,
  type Extreme,
} from './support/mutate.js';

let started = performance.now();
const SEED = process.env['HMS_FUZZ_SEED'] ? parseSeed(process.env['HMS_FUZZ_SEED']) : 0x484d5331;
const COUNT = process.env['HMS_FUZZ_COUNT'] ? Math.max(0, Number(process.env['HMS_FUZZ_COUNT'])) : 10_000;
const ONLY = process.env['HMS_FUZZ_ONLY'] ? Number(process.env['HMS_FUZZ_ONLY']) : undefined;
// A hang and blow-up guard, not a timing target (timings belong to scripts/bench-frontend): the
// largest pathological inputs (50k-100k declarations) take ~1 s on a slow 2-core host, so a 1 s limit
// failed by chance; a quadratic path on them takes minutes and still trips this one.
const PER_INPUT_LIMIT_MS = 10_000;
const CLI_TIMEOUT_MS = 60_000;
const seedHex = `0x${SEED.toString(16)}`;

console.log(`robustness: seed ${seedHex} (HMS_FUZZ_SEED), ${COUNT} mutated inputs (HMS_FUZZ_COUNT)` +
  (ONLY !== undefined ? `, only input #${ONLY}` : ''));

const options = { includePaths: corpusIncludePaths };
const work = mkdtempSync(join(tmpdir(), 'hms-fuzz-'));
const failDir = join(tmpdir(), `hms-fuzz-failures-${seedHex}`);

// ---------------------------------------------------------------------------------------------
// Bookkeeping

interface Input {
  /** Mutation kind or extreme-case name: the unit of the timing report. */
  readonly kind: string;
  /** How to regenerate it, e.g. "seed 0x…, input #12: tests/monster_test.fbs tokens[…]". */
  readonly label: string;
  /** Path used for compileText (a real corpus path, so that includes resolve). */
  readonly file: string;
  readonly text?: string;
  /** Raw bytes: written to a temp file and compiled with compileFile (exercises the decoder). */
  readonly bytes?: Uint8Array;
  /** Error cap (default: the library's); small caps stop compilation at arbitrary points. */
  readonly maxErrors?: number;
}

interface Failure {
  readonly label: string;
  readonly problem: string;
  readonly saved: string;
}

interface KindStats {
  count: number;
  totalMs: number;
  maxMs: number;
  maxLabel: string;
  rejected: number;
}

const failures: Failure[] = [];
const slow: { label: string; ms: number }[] = [];
const stats = new Map<string, KindStats>();
let inputsRun = 0;
let diagnosticsChecked = 0;
let slowest = { ms: 0, kind: '', label: '' };

function fail(message: string): never {
  const e = new assert.Assertion({ message, operator: 'fail', expects: undefined, actual: undefined });
  e.stack = 'Assertion';
  throw e;
}

function save(input: Input, index: number): string {
  mkdirSync(failDir, { recursive: true });
  const name = `${String(index).padStart(5, '0')}-${input.kind.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  const path = join(failDir, `${name}.fbs`);
  writeFileSync(path, input.bytes ?? Buffer.from(input.text ?? '', 'utf8'));
  if (input.text !== undefined && /[\ud800-\udfff]/.test(input.text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    // Lone surrogates do not survive UTF-8: keep the exact string too.
    writeFileSync(`${path}.json`, JSON.stringify(input.text));
  }
  return path;
}

function record(input: Input, index: number, problem: string): void {
  if (failures.length >= 200) return;
  failures.push({ label: input.label, problem, saved: failures.length < 50 ? save(input, index) : '(not saved)' });
}

// ---------------------------------------------------------------------------------------------
// Checks on one result

const lineIndex = new Map<string, number[]>();
function lineStarts(text: string): number[] {
  let s = lineIndex.get(text);
  if (!s) {
    s = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) s.push(i + 1);
    if (lineIndex.size > 8) lineIndex.clear();
    lineIndex.set(text, s);
  }
  return s;
}

/** Diagnostics rendered per input: all when few; otherwise the first and last 300 and a sample. */
function toRender(diags: readonly Diagnostic[], r: Rng): readonly Diagnostic[] {
  if (diags.length <= 1000) return diags;
  const out = [...diags.slice(0, 300), ...diags.slice(-300)];
  for (let k = 0; k < 200; k++) out.push(diags[r.int(diags.length)] as Diagnostic);
  return out;
}

function checkDiagnostic(d: Diagnostic, result: CompileResult): string | undefined {
  const where = `${String(d.file)}:${String(d.line)}:${String(d.column)} ${String(d.code)}`;
  if (typeof d.file !== 'string' || d.file === '') return `diagnostic without a file: ${where}`;
  if (!Number.isInteger(d.line) || d.line < 1) return `diagnostic line is not >= 1: ${where}`;
  if (!Number.isInteger(d.column) || d.column < 1) return `diagnostic column is not >= 1: ${where}`;
  const info = CODES.get(d.code);
  if (!info) return `unknown diagnostic code: ${where}`;
  if (info.severity !== d.severity) return `severity ${d.severity} differs from the catalogue's ${info.severity}: ${where}`;
  if (typeof d.message !== 'string' || d.message.trim() === '') return `empty message: ${where}`;
  if (!Number.isInteger(d.length) || d.length < 1) return `diagnostic length is not >= 1: ${where} length ${d.length}`;
  const text = result.sources.get(d.file);
  if (text !== undefined) {
    const starts = lineStarts(text);
    if (d.line > starts.length) return `line past the end of the file (${starts.length} lines): ${where}`;
    const start = starts[d.line - 1] as number;
    const next = starts[d.line];
    const len = (next === undefined ? text.length : next - 1) - start;
    if (d.column > len + 1) return `column past the end of the line (${len} code units): ${where}`;
  }
  return undefined;
}

function check(result: CompileResult, r: Rng): string[] {
  const problems: string[] = [];
  if (result.errorCount === 0 && result.schema === undefined) problems.push('errorCount is 0 but schema is undefined');
  if (result.errorCount > 0 && !result.diagnostics.some((d) => d.severity === 'error')) {
    problems.push(`errorCount is ${result.errorCount} but no diagnostic is an error`);
  }
  for (const d of result.diagnostics) {
    diagnosticsChecked++;
    const p = checkDiagnostic(d, result);
    if (p) {
      problems.push(p);
      break;
    }
  }
  for (const d of toRender(result.diagnostics, r)) {
    try {
      const s = renderDiagnostic(d, result.sources);
      if (typeof s !== 'string' || !s.startsWith(`${d.file}:${d.line}:${d.column}: `)) {
        problems.push(`renderDiagnostic returned a malformed string: ${JSON.stringify(String(s).slice(0, 120))}`);
        break;
      }
    } catch (e) {
      problems.push(`renderDiagnostic threw: ${(e as Error).stack ?? String(e)}`);
      break;
    }
  }
  return problems;
}

const tmpInput = join(work, 'input');
mkdirSync(tmpInput);

function runOne(input: Input, index: number, r: Rng): void {
  let result: CompileResult;
  let ms: number;
  try {
    if (input.bytes) {
      const path = join(tmpInput, basename(input.file));
      writeFileSync(path, input.bytes);
      const t0 = performance.now();
      result = compileFile(path, { ...options, maxErrors: input.maxErrors });
      ms = performance.now() - t0;
    } else {
      const t0 = performance.now();
      result = compileText(input.file, input.text ?? '', { ...options, maxErrors: input.maxErrors });
      ms = performance.now() - t0;
    }
  } catch (e) {
    record(input, index, `exception escaped: ${(e as Error).stack ?? String(e)}`);
    return;
  }
  inputsRun++;
  const s = stats.get(input.kind) ?? { count: 0, totalMs: 0, maxMs: 0, maxLabel: '', rejected: 0 };
  s.count++;
  s.totalMs += ms;
  if (result.errorCount > 0) s.rejected++;
  if (ms > s.maxMs) {
    s.maxMs = ms;
    s.maxLabel = input.label;
  }
  stats.set(input.kind, s);
  if (ms > slowest.ms) slowest = { ms, kind: input.kind, label: input.label };
  if (ms >= PER_INPUT_LIMIT_MS) slow.push({ label: input.label, ms });
  for (const p of check(result, r)) record(input, index, p);
}

function report(what: string): void {
  if (failures.length === 0) return;
  const shown = failures.slice(0, 20).map((f) => `- ${f.label}\n    ${f.problem.split('\n').slice(0, 6).join('\n    ')}\n    saved: ${f.saved}`);
  if (failures.length > 20) shown.push(`... and ${failures.length - 20} more`);
  const n = failures.length;
  failures.length = 0;
  fail(`${what}: ${n} failing input(s) (seed ${seedHex}):\n${shown.join('\n')}`);
}

function reportSlow(what: string): void {
  if (slow.length === 0) return;
  const list = slow.map((s) => `- ${s.label}: ${s.ms.toFixed(0)} ms`).join('\n');
  slow.length = 0;
  fail(`${what}: input(s) over the ${PER_INPUT_LIMIT_MS} ms per-input limit:\n${list}`);
}

// ---------------------------------------------------------------------------------------------
// Inputs

interface CorpusEntry {
  readonly rel: string;
  readonly path: string;
  readonly text: string;
  readonly bytes: Uint8Array;
}

function loadCorpus(): CorpusEntry[] {
  if (!existsSync(corpusRoot)) fail(`FlatBuffers corpus not found at ${corpusRoot} (set HMS_FBS_CORPUS)`);
  return corpusFiles().map((rel) => {
    const path = corpusPath(rel);
    const bytes = readFileSync(path);
    return { rel, path, bytes: new Uint8Array(bytes), text: bytes.toString('utf8') };
  });
}

type Kind = 'bytes-text' | 'bytes-file' | 'truncate' | 'truncate-bytes-file' | 'chars' | 'tokens' | 'splice' | 'stacked';
const WEIGHTS: Record<Kind, number> = {
  'bytes-text': 14,
  'bytes-file': 10,
  truncate: 10,
  'truncate-bytes-file': 4,
  chars: 12,
  tokens: 30,
  splice: 10,
  stacked: 10,
};
const lossy = new TextDecoder('utf-8', { fatal: false });

function mutated(corpus: readonly CorpusEntry[], index: number): { input: Input; r: Rng } {
  const r = new Rng(deriveSeed(SEED, index));
  const src = r.pick(corpus);
  const kind = r.weighted(WEIGHTS);
  const label = (note: string): string => `seed ${seedHex}, input #${index}: ${src.rel} ${note}`;
  let input: Input;
  switch (kind) {
    case 'bytes-text': {
      const m = mutateBytes(src.bytes, r);
      const latin1 = r.chance(0.3);
      const text = latin1 ? Buffer.from(m.value).toString('latin1') : lossy.decode(m.value);
      input = { kind, file: src.path, text, label: label(`${m.note} decoded as ${latin1 ? 'latin1' : 'lossy UTF-8'}`) };
      break;
    }
    case 'bytes-file': {
      const m = mutateBytes(src.bytes, r);
      input = { kind, file: src.path, bytes: m.value, label: label(`${m.note} via compileFile`) };
      break;
    }
    case 'truncate-bytes-file': {
      const m = truncateBytes(src.bytes, r);
      input = { kind, file: src.path, bytes: m.value, label: label(`${m.note} via compileFile`) };
      break;
    }
    case 'truncate': {
      const m = truncate(src.text, r);
      input = { kind, file: src.path, text: m.value, label: label(m.note) };
      break;
    }
    case 'chars': {
      const m = mutateChars(src.text, r);
      input = { kind, file: src.path, text: m.value, label: label(m.note) };
      break;
    }
    case 'tokens': {
      const m = mutateTokens(src.text, r);
      input = { kind, file: src.path, text: m.value, label: label(m.note) };
      break;
    }
    case 'splice': {
      const m = splice(src.text, r, r.pick(corpus).text);
      input = { kind, file: src.path, text: m.value, label: label(m.note) };
      break;
    }
    case 'stacked': {
      let text = src.text;
      const notes: string[] = [];
      const n = r.range(2, 5);
      for (let k = 0; k < n; k++) {
        const m = r.pick([
          () => mutateTokens(text, r),
          () => mutateChars(text, r),
          () => splice(text, r, r.pick(corpus).text),
          () => truncate(text, r),
          () => {
            const b = mutateBytes(Buffer.from(text, 'utf8'), r);
            return { value: lossy.decode(b.value), note: b.note };
          },
        ])();
        text = m.value;
        notes.push(m.note);
      }
      input = { kind, file: src.path, text, label: label(notes.join(' + ')) };
      break;
    }
  }
  if (r.chance(0.1)) {
    const maxErrors = r.range(1, 4);
    input = { ...input, maxErrors, label: `${input.label} maxErrors=${maxErrors}` };
  }
  return { input, r };
}

function extremeInput(c: Extreme): Input {
  return {
    kind: c.name,
    label: `extreme case ${c.name}`,
    file: join(corpusRoot, 'tests', `fuzz_${c.name.replace(/[^A-Za-z0-9_]/g, '_')}.fbs`),
    text: c.text,
    bytes: c.bytes,
  };
}

// ---------------------------------------------------------------------------------------------
// Tests

const robustness = suite('robustness');
let corpus: CorpusEntry[] = [];
let extremes: Extreme[] = [];

robustness.before(() => {
  started = performance.now(); // under uvu's runner, other suites may have run since this module loaded
  if (!corpusPresent) return; // only the mutated-corpus test needs it (skipped without it)
  corpus = loadCorpus();
  assert.ok(corpus.length > 0, `no .fbs files under ${corpusRoot}`);
  // Warm-up (untimed): every corpus file once, so JIT compilation is not billed to input #0.
  for (const c of corpus) compileText(c.path, c.text, options);
});

robustness.after(() => {
  rmSync(work, { recursive: true, force: true });
  const total = (performance.now() - started) / 1000;
  console.log(`robustness: total ${total.toFixed(1)} s for ${inputsRun} inputs, ${diagnosticsChecked} diagnostics checked; ` +
    `slowest input ${slowest.ms.toFixed(1)} ms (${slowest.kind}: ${slowest.label})`);
});

corpusTest(robustness, 'robustness.test.ts')('mutated corpus schemas: no exception, well-formed diagnostics, < 10 s each', () => {
  const t0 = performance.now();
  const first = ONLY ?? 0;
  const last = ONLY ?? COUNT - 1;
  for (let i = first; i <= last; i++) {
    const { input, r } = mutated(corpus, i);
    runOne(input, i, r);
  }
  const kinds = [...stats.entries()].sort((a, b) => b[1].maxMs - a[1].maxMs);
  console.log(`robustness: ${last - first + 1} mutated inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const [k, s] of kinds) {
    console.log(`  ${k.padEnd(20)} n=${String(s.count).padStart(5)} rejected=${String(s.rejected).padStart(5)} ` +
      `mean=${(s.totalMs / s.count).toFixed(2)} ms max=${s.maxMs.toFixed(1)} ms`);
  }
  report('mutated corpus schemas');
  reportSlow('mutated corpus schemas');
});

robustness('pathological schemas (deep nesting, 1 MB names, huge numbers, 100k lists, raw bytes)', () => {
  if (ONLY !== undefined) return;
  const t0 = performance.now();
  extremes = extremeCases();
  const before = new Map(stats);
  extremes.forEach((c, i) => runOne(extremeInput(c), 100_000 + i, new Rng(deriveSeed(SEED, 100_000 + i))));
  const mine = [...stats.entries()].filter(([k]) => !before.has(k)).sort((a, b) => b[1].maxMs - a[1].maxMs);
  console.log(`robustness: ${extremes.length} pathological inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s; slowest:`);
  for (const [k, s] of mine.slice(0, 8)) console.log(`  ${k.padEnd(36)} ${s.maxMs.toFixed(1)} ms`);
  report('pathological schemas');
  reportSlow('pathological schemas');
});

/** The npm bin when its bundle is at least as new as every source file, else the sources via tsx. */
function cliCommand(): { argv: string[]; what: string } {
  const dist = join(repoRoot, 'generator', 'dist', 'hms-gen.cjs');
  const bin = join(repoRoot, 'generator', 'bin', 'hms-gen.cjs');
  const src = join(repoRoot, 'generator', 'src');
  let newest = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      newest = Math.max(newest, st.mtimeMs);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(src);
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) return { argv: [bin], what: 'generator/bin/hms-gen.cjs' };
  return { argv: ['--import', 'tsx', join(src, 'cli', 'main.ts')], what: 'generator/src/cli/main.ts via tsx (dist missing or stale)' };
}

function runCli(argv: readonly string[]): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stderr.on('data', (b: Buffer) => {
      size += b.length;
      if (size < 64 * 1024 * 1024) chunks.push(b);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stderr: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 });
    });
  });
}

robustness('CLI on the nastiest inputs: exit 0 or 1, no stack trace, no internal error', async () => {
  if (ONLY !== undefined) return;
  const byName = new Map((extremes.length ? extremes : extremeCases()).map((c) => [c.name, c]));
  const cli = cliCommand();
  const dir = join(work, 'cli');
  mkdirSync(dir);
  const jobs = CLI_CASES.map((name) => {
    const c = byName.get(name);
    if (!c) fail(`CLI_CASES names an unknown case: ${name}`);
    const file = join(dir, `${name.replace(/[^A-Za-z0-9_]/g, '_')}.fbs`);
    writeFileSync(file, c.bytes ?? Buffer.from(c.text ?? '', 'utf8'));
    const includes = (corpusPresent ? corpusIncludePaths : []).flatMap((p) => ['-I', p]); // -I of a missing directory is exit 2
    return { name, file, argv: [...cli.argv, 'check', ...includes, file] };
  });
  const t0 = performance.now();
  const results: { name: string; file: string; code: number | null; signal: string | null; stderr: string; ms: number }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++] as (typeof jobs)[number];
      results.push({ name: job.name, file: job.file, ...(await runCli(job.argv)) });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(4, availableParallelism())) }, worker));
  results.sort((a, b) => b.ms - a.ms);
  console.log(`robustness: CLI (${cli.what}) on ${results.length} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s; slowest:`);
  for (const r of results.slice(0, 5)) console.log(`  ${r.name.padEnd(36)} ${r.ms.toFixed(0)} ms exit ${r.code ?? r.signal}`);
  // Not asserted (a child process's wall time is noisy), but worth a look.
  for (const r of results) if (r.ms > 5000) console.log(`  note: the CLI took ${(r.ms / 1000).toFixed(1)} s on ${r.name}`);
  const bad: string[] = [];
  const badFiles: string[] = [];
  for (const r of results) {
    const before = bad.length;
    const trace = r.stderr.split('\n').find((l) => l.startsWith('    at '));
    const internal = /internal error/i.test(r.stderr);
    if (r.code !== 0 && r.code !== 1) {
      const firstLines = r.stderr.split('\n').slice(0, 3).join(' | ').slice(0, 300);
      bad.push(`- ${r.name}: exit ${r.code ?? `signal ${r.signal}`} after ${r.ms.toFixed(0)} ms: ${firstLines}`);
    } else if (trace || internal) {
      bad.push(`- ${r.name}: stderr has ${trace ? `a stack trace (${trace.trim()})` : 'an internal error'}`);
    }
    if (bad.length > before) badFiles.push(r.file);
  }
  if (bad.length) {
    mkdirSync(failDir, { recursive: true });
    for (const f of badFiles) writeFileSync(join(failDir, `cli-${basename(f)}`), readFileSync(f));
    fail(`CLI misbehaved on ${bad.length} input(s) (inputs copied to ${failDir}/cli-*.fbs):\n${bad.join('\n')}`);
  }
});

const FLATC = process.env['HMS_FLATC'] ?? '/usr/bin/flatc';
const flatcPresent = existsSync(FLATC);

robustness('10,000-deep include chain: accepted like flatc, no stack overflow, < 10 s', () => {
  if (ONLY !== undefined) return;
  const n = 10_000;
  const dir = join(work, 'chain');
  mkdirSync(dir);
  for (let i = 0; i < n; i++) {
    const include = i + 1 < n ? `include "f${i + 1}.fbs";\n` : '';
    writeFileSync(join(dir, `f${i}.fbs`), `${include}table T${i} { a: int; }\n${i === 0 ? 'root_type T0;\n' : ''}`);
  }
  const main = join(dir, 'f0.fbs');
  const t0 = performance.now();
  const r = compileFile(main);
  const ms = performance.now() - t0;
  assert.is(r.errorCount, 0, r.diagnostics.slice(0, 3).map((d) => d.message).join('; '));
  assert.is(r.diagnostics.length, 0);
  assert.ok(r.schema);
  assert.is(r.schema.objects.length, n);
  assert.is(r.schema.fbsFiles.length, n);
  assert.ok(ms < PER_INPUT_LIMIT_MS, `${n}-deep include chain took ${ms.toFixed(0)} ms`);
  let note = '';
  if (flatcPresent) {
    const f0 = performance.now();
    const f = spawnSync(FLATC, ['-b', '--schema', '-o', join(work, 'chain-out'), main], { encoding: 'utf8' });
    note = `, flatc ${(performance.now() - f0).toFixed(0)} ms (exit ${f.status})`;
    assert.is(f.status, 0, `flatc rejects the chain: ${f.stderr}`);
  }
  console.log(`robustness: ${n}-deep include chain compiled in ${ms.toFixed(0)} ms${note}`);
});

robustness('10,000-part namespace: generate stops with a located E200 before any backend; 64 parts generate', async () => {
  if (ONLY !== undefined) return;
  const cli = cliCommand();
  const dir = join(work, 'deep-ns');
  mkdirSync(dir);
  const parts = (k: number): string => Array.from({ length: k }, (_, i) => `n${i}`).join('.');
  const deep = join(dir, 'deep.fbs');
  writeFileSync(deep, `namespace ${parts(10_000)};\ntable T { a: int; }\nroot_type T;\n`);
  const out = join(dir, 'out');
  const r = await runCli([...cli.argv, 'generate', '--out', out, '--lang', 'rust,ts', deep]);
  assert.is(r.code, 1, r.stderr.slice(0, 300));
  assert.ok(r.stderr.includes(`${deep}:2:7: error[E200]: T: namespace has 10000 components; the code generators allow at most 64`) ||
    /deep\.fbs:2:7: error\[E200\]: T: namespace has 10000 components; the code generators allow at most 64/.test(r.stderr),
    r.stderr.slice(0, 300));
  assert.not.ok(/internal error|ENAMETOOLONG|call stack/i.test(r.stderr), r.stderr.slice(0, 300));
  assert.not.ok(existsSync(join(out, 'ts')) || existsSync(join(out, 'rust')), 'a backend ran');
  // At the limit: generated, one file per namespace level.
  const ok = join(dir, 'ok.fbs');
  writeFileSync(ok, `namespace ${parts(64)};\ntable T { a: int; }\nroot_type T;\n`);
  const r64 = await runCli([...cli.argv, 'generate', '--out', out, '--lang', 'rust,ts', ok]);
  assert.is(r64.code, 0, r64.stderr.slice(0, 300));
  assert.ok(existsSync(join(out, 'ts', ...parts(64).split('.').slice(0, -1), 'n63.ts')));
  assert.ok(existsSync(join(out, 'rust', 'contracts', 'src', ...parts(64).split('.').slice(0, -1), 'n63.rs')));
});

robustness.run();
