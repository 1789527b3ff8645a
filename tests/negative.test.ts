// Negative suite for the hms-gen front end: invalid schemas and the diagnostics they must produce.
//
//   node --import tsx tests/negative.test.ts
//
// Table-driven: every tests/fixtures/negative/<code>-<slug>.fbs (or multi-<slug>.fbs) is one case.
// Its leading `//` lines are the expectation (helpers/ holds include targets, not cases):
//
//   // expect: E061 4:18 "constant does not fit"          code, line:col, message substring
//   // expect: W004 helpers/cycle_b.fbs:2:9 "cycle"       ... in another file (relative to the fixture)
//   // options: {"maxErrors": 2}                          CompileOptions (JSON), optional
//   // flatc: rejects ("<flatc 2.0.8's message>")       or: accepts (hms-gen is stricter: <reason>)
//
// The diagnostics must be exactly the expected ones (order-insensitive, by position): the code,
// the position of the offending token, and the substring. Warning-only cases must also compile
// (errorCount 0, schema present). Adding a case = adding a file.
//
// The `// flatc:` verdict is checked against `flatc -b --schema` (HMS_FLATC, default
// /usr/bin/flatc, Debian 2.0.8), all files in one parallel batch; skipped (with a note) when
// flatc is missing. A few cases that cannot be small fixtures are generated below (GENERATED).

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CODES,
  compileFile,
  compileText,
  renderDiagnostic,
  type CompileOptions,
  type CompileResult,
} from '../generator/src/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'negative');
const FLATC = process.env['HMS_FLATC'] ?? '/usr/bin/flatc';

// ---------------------------------------------------------------------------------------------
// Cases

interface Expect {
  readonly code: string;
  /** Absolute path of the file the diagnostic must be in. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

interface Case {
  readonly name: string;
  /** Path of the schema (for generated cases: where it claims to live). */
  readonly path: string;
  readonly expects: readonly Expect[];
  readonly flatc: 'rejects' | 'accepts';
  readonly flatcNote: string;
  readonly options: CompileOptions;
  /** Generated cases: the text (compiled with compileText; written to a temp file for flatc). */
  readonly text?: string;
}

const EXPECT_RE = /^\/\/ expect: ([EW]\d{3}) (?:([^\s:]+):)?(\d+):(\d+) "(.*)"\s*$/;
const FLATC_RE = /^\/\/ flatc: (rejects|accepts)\b\s*(.*)$/;
const OPTIONS_RE = /^\/\/ options: (\{.*\})\s*$/;
const NAME_RE = /^(?:([EW]\d{3})|multi)-[a-z0-9]+(?:-[a-z0-9]+)*\.fbs$/;

function parseCase(name: string): Case {
  const path = join(FIXTURES, name);
  const lines = readFileSync(path, 'latin1').split(/\r?\n/);
  const expects: Expect[] = [];
  let flatc: Case['flatc'] | undefined;
  let flatcNote = '';
  let options: CompileOptions = {};
  for (const line of lines) {
    if (!line.startsWith('//')) break;
    let m: RegExpExecArray | null;
    if ((m = EXPECT_RE.exec(line))) {
      expects.push({
        code: m[1]!,
        file: m[2] ? resolve(FIXTURES, m[2]) : path,
        line: Number(m[3]),
        column: Number(m[4]),
        text: m[5]!,
      });
    } else if ((m = FLATC_RE.exec(line))) {
      if (flatc) throw new Error(`${name}: more than one '// flatc:' line`);
      flatc = m[1] as Case['flatc'];
      flatcNote = m[2]!;
    } else if ((m = OPTIONS_RE.exec(line))) {
      options = JSON.parse(m[1]!) as CompileOptions;
    } else if (/^\/\/ *(expect|flatc|options)\b/.test(line)) {
      throw new Error(`${name}: malformed header line: ${line}`);
    }
  }
  if (expects.length === 0) throw new Error(`${name}: no '// expect:' line`);
  if (!flatc) throw new Error(`${name}: no '// flatc:' line`);
  return { name, path, expects, flatc, flatcNote, options };
}

const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith('.fbs')).sort();
const cases: Case[] = fixtureNames.map(parseCase);

// Cases that cannot be a small fixture file.
const GENERATED: Case[] = [];
{
  // W012 (was E067 until flatc parity, issue 9): a table needs more fields than a uint16 vtable can
  // address. With N fields the vtable is 4 + 2·N bytes and the last field's voffset is 4 + 2·(N−1):
  // N = 32765 is the maximum, so the 32766th field (f32765, line 32767) is the first one too many.
  // flatc accepts it, so hms-gen warns (once) and `generate` refuses it (tests/generate.test.ts).
  const n = 32767;
  const body = Array.from({ length: n }, (_, i) => `  f${i}: byte;`).join('\n');
  const path = join(FIXTURES, 'W012-generated-too-many-fields.fbs');
  GENERATED.push({
    name: 'W012-generated-too-many-fields',
    path,
    text: `table Huge {\n${body}\n}\n`,
    expects: [{ code: 'W012', file: path, line: 32767, column: 3, text: 'too many fields' }],
    flatc: 'accepts',
    flatcNote: '(warning only: flatc 2.0.8 does not limit the field count; the voffsets overflow uint16)',
    options: {},
  });
}
{
  // E022 on the main file: a library caller passes a path that does not exist.
  const path = join(FIXTURES, 'E022-generated-no-such-file.fbs');
  GENERATED.push({
    name: 'E022-generated-main-file-missing',
    path,
    expects: [{ code: 'E022', file: path, line: 1, column: 1, text: 'unable to read file' }],
    flatc: 'rejects',
    flatcNote: '("unable to load file")',
    options: {},
  });
}

{
  // E001 on a broken byte order mark: it must be the file's first bytes, where a fixture keeps its
  // header. U+F000 is written as EF 80 80, which flatc's SkipByteOrderMark rejects (EF not
  // followed by BB BF).
  const path = join(FIXTURES, 'E001-generated-broken-byte-order-mark.fbs');
  GENERATED.push({
    name: 'E001-generated-broken-byte-order-mark',
    path,
    text: '\uf000table Monster { hp: short; }\n',
    expects: [{ code: 'E001', file: path, line: 1, column: 1, text: 'invalid utf-8 byte order mark' }],
    flatc: 'rejects',
    flatcNote: '("invalid utf-8 byte order mark")',
    options: {},
  });
}

const ALL: Case[] = [...cases, ...GENERATED];

// ---------------------------------------------------------------------------------------------
// Helpers

/** Fail with a multi-line message printed once (uvu would repeat it in the stack). */
function fail(message: string): never {
  const e = new assert.Assertion({ message, operator: 'fail', expects: undefined, actual: undefined });
  e.stack = 'Assertion';
  throw e;
}

function shownPath(abs: string): string {
  const r = relative(process.cwd(), abs);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : abs;
}

function compileCase(c: Case): CompileResult {
  try {
    return c.text !== undefined ? compileText(c.path, c.text, c.options) : compileFile(c.path, c.options);
  } catch (e) {
    fail(`hms-gen crashed on ${c.name}: ${(e as Error).stack ?? String(e)}`);
  }
}

interface Seen {
  readonly code: string;
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const byPosition = <T extends { file: string; line: number; column: number; code: string }>(a: T, b: T): number =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);

const fmtExpect = (e: Expect): string => `${e.code} ${shownPath(e.file)}:${e.line}:${e.column} "${e.text}"`;
const fmtSeen = (d: Seen): string => `${d.code} ${shownPath(d.file)}:${d.line}:${d.column} ${d.severity}: ${d.message}`;

function checkCase(c: Case): void {
  const r = compileCase(c);
  const seen: Seen[] = r.diagnostics.map((d) => ({ ...d, file: resolve(d.file) })).sort(byPosition);
  const want = [...c.expects].sort(byPosition);
  const problems: string[] = [];
  for (let i = 0; i < Math.max(seen.length, want.length); i++) {
    const e = want[i];
    const d = seen[i];
    if (!e || !d || e.code !== d.code || e.file !== d.file || e.line !== d.line || e.column !== d.column) {
      problems.push('diagnostics differ');
      break;
    }
    if (!d.message.includes(e.text)) problems.push(`${e.code}: message lacks "${e.text}": ${d.message}`);
    const severity = e.code.startsWith('W') ? 'warning' : 'error';
    if (d.severity !== severity) problems.push(`${e.code}: severity ${d.severity}, expected ${severity}`);
  }
  const errors = want.filter((e) => e.code.startsWith('E') && e.code !== 'E099').length;
  if (r.errorCount !== errors) problems.push(`errorCount ${r.errorCount}, expected ${errors}`);
  if (errors === 0 && !r.schema) problems.push('no schema although there are only warnings');
  if (errors > 0 && r.schema) problems.push('a schema was returned although there are errors');
  // Every diagnostic must render (source line + caret) without throwing.
  for (const d of r.diagnostics) {
    const out = renderDiagnostic(d, r.sources);
    if (r.sources.get(d.file) && !out.includes('^')) problems.push(`renderDiagnostic shows no caret for ${d.code} ${d.line}:${d.column}`);
  }
  if (problems.length > 0) {
    fail(
      `${c.name}: ${problems.join('; ')}\n  expected:\n${want.map((e) => `    ${fmtExpect(e)}`).join('\n')}` +
        `\n  actual:\n${seen.map((d) => `    ${fmtSeen(d)}`).join('\n') || '    (none)'}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// flatc, in one parallel batch started at load time

interface FlatcRun {
  readonly status: number | null;
  readonly output: string;
}

function flatcAvailable(): boolean {
  const r = spawnSync(FLATC, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

function runFlatc(file: string, out: string): Promise<FlatcRun> {
  return new Promise((done) => {
    const p = spawn(FLATC, ['-b', '--schema', '-o', out, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (b: Buffer) => (output += b.toString()));
    p.stderr.on('data', (b: Buffer) => (output += b.toString()));
    p.on('error', (e) => done({ status: null, output: e.message }));
    p.on('close', (status) => done({ status, output: output.trim() }));
  });
}

async function runAllFlatc(list: readonly Case[]): Promise<Map<string, FlatcRun>> {
  const tmp = mkdtempSync(join(tmpdir(), 'hms-negative-'));
  const results = new Map<string, FlatcRun>();
  try {
    const jobs = list.map((c) => async () => {
      let file = c.path;
      if (c.text !== undefined) {
        file = join(tmp, `${c.name}.fbs`);
        writeFileSync(file, c.text);
      }
      results.set(c.name, await runFlatc(file, join(tmp, 'out')));
    });
    const workers = Array.from({ length: Math.max(2, Math.min(16, availableParallelism())) }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) await job();
    });
    await Promise.all(workers);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

const haveFlatc = flatcAvailable();
const flatcResults: Promise<Map<string, FlatcRun>> | undefined = haveFlatc ? runAllFlatc(ALL) : undefined;

// ---------------------------------------------------------------------------------------------
// Tests

const meta = suite('negative: fixtures');

meta('at least 90 single-rule cases and 3 multi-error cases, well named', () => {
  const single = cases.filter((c) => !c.name.startsWith('multi-'));
  const multi = cases.filter((c) => c.name.startsWith('multi-'));
  assert.ok(single.length >= 90, `only ${single.length} single-rule fixtures`);
  assert.ok(multi.length >= 3, `only ${multi.length} multi-error fixtures`);
  const problems: string[] = [];
  for (const c of cases) {
    const m = NAME_RE.exec(c.name);
    if (!m) problems.push(`${c.name}: name is not <code>-<slug>.fbs or multi-<slug>.fbs`);
    else if (m[1] && !c.expects.some((e) => e.code === m[1])) problems.push(`${c.name}: no expectation for ${m[1]}`);
    if (m?.[1] && m[1] !== 'E099' && c.expects.length !== 1 && !c.expects.every((e) => e.code === 'E099' || e.code === m[1] || e.code.startsWith('W')))
      problems.push(`${c.name}: a single-rule case expects other errors`);
    if (c.name.startsWith('multi-') && c.expects.filter((e) => e.code.startsWith('E')).length < 2)
      problems.push(`${c.name}: a multi-error case needs at least two errors`);
    for (const e of c.expects) if (!CODES.has(e.code)) problems.push(`${c.name}: unknown code ${e.code}`);
    if (c.flatc === 'accepts' && !/^\(.+\)$/.test(c.flatcNote)) problems.push(`${c.name}: 'flatc: accepts' needs a (reason)`);
  }
  if (problems.length) fail(problems.join('\n'));
});

meta('every code in the catalogue is exercised', () => {
  const covered = new Set(ALL.flatMap((c) => c.expects.map((e) => e.code)));
  // Code-generation errors (E2xx) come from `hms-gen generate`: tests/generate.test.ts covers them.
  // Retired codes (a check that became a warning, issue 9) are no longer reported.
  const retired = (code: string): boolean => /\(retired: now W\d{3}\)$/.test(CODES.get(code)?.title ?? '');
  const missing = [...CODES.keys()].filter((code) => !code.startsWith('E2') && !retired(code) && !covered.has(code));
  assert.equal(missing, [], `codes without a negative case: ${missing.join(', ')}`);
});

meta.run();

const single = suite('negative: one rule per case');
for (const c of ALL.filter((c) => !c.name.startsWith('multi-'))) single(c.name, () => checkCase(c));
single('E045 names a built-in type only when no table of that name exists (flatc 2.0.8 accepts this)', () => {
  const r = compileText('builtin-named.fbs', 'namespace x;\ntable Req {}\nrpc_service S { M(Req):string; }\ntable string { a: int; }\n');
  assert.is(r.errorCount, 0, r.diagnostics.map((d) => d.message).join('\n'));
  assert.is(r.schema?.services[0]?.calls[0]?.response, 'x.string');
});
single.run();

const multi = suite('negative: several errors in one run');
for (const c of cases.filter((c) => c.name.startsWith('multi-'))) multi(c.name, () => checkCase(c));

multi('E022: an include that exists but cannot be read', () => {
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    console.log('  (skipped E022 unreadable include: running as root, file modes do not stop reads)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hms-negative-e022-'));
  try {
    const locked = join(dir, 'locked.fbs');
    writeFileSync(locked, 'table Locked {}\n');
    chmodSync(locked, 0);
    const main = join(dir, 'main.fbs');
    writeFileSync(main, 'include "locked.fbs";\ntable Monster { hp: short; }\n');
    checkCase({
      name: 'E022-include-unreadable',
      path: main,
      expects: [{ code: 'E022', file: main, line: 1, column: 9, text: 'unable to load include file: locked.fbs' }],
      flatc: 'rejects',
      flatcNote: '',
      options: {},
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
multi.run();

const render = suite('negative: renderDiagnostic');

render('path:line:col: error[Exxx]: message, the source line, a caret under the column', () => {
  const file = join(FIXTURES, 'E071-enum-default-unknown-name.fbs');
  const r = compileFile(file);
  const d = r.diagnostics[0];
  assert.ok(d, 'no diagnostic');
  assert.equal(d.file, shownPath(file));
  assert.fixture(
    renderDiagnostic(d, r.sources),
    [
      `${shownPath(file)}:5:18: error[E071]: unknown enum value: Purple`,
      '  |',
      '5 |   color: Color = Purple;',
      `  | ${' '.repeat(17)}^^^^^^`,
    ].join('\n'),
  );
});

render('tabs are kept in the caret line; wide line numbers widen the gutter; warnings', () => {
  const file = join(FIXTURES, 'render-generated.fbs');
  const text = `${'\n'.repeat(9)}table Monster {\n\tlevel: ubyte = 256;\n  hitPoints: short;\n}\n`;
  const r = compileText(file, text);
  assert.equal(
    r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`),
    ['E061 11:17', 'W001 12:3'],
  );
  const [e, w] = r.diagnostics;
  assert.fixture(
    renderDiagnostic(e!, r.sources),
    [
      `${shownPath(file)}:11:17: error[E061]: invalid number: "256", constant does not fit [0; 255]`,
      '   |',
      '11 | \tlevel: ubyte = 256;',
      `   | \t${' '.repeat(15)}^^^`,
    ].join('\n'),
  );
  assert.fixture(
    renderDiagnostic(w!, r.sources),
    [
      `${shownPath(file)}:12:3: warning[W001]: field names should be lowercase snake_case, got: hitPoints`,
      '   |',
      '12 |   hitPoints: short;',
      `   |   ^^^^^^^^^`,
    ].join('\n'),
  );
});
render.run();

const oracle = suite('negative: flatc 2.0.8 verdicts');

oracle('flatc agrees with every `// flatc:` header', async () => {
  if (!flatcResults) {
    console.log(`  (skipped flatc verdicts: ${FLATC} not found or not runnable; set HMS_FLATC)`);
    return;
  }
  const results = await flatcResults;
  const problems: string[] = [];
  for (const c of ALL) {
    const r = results.get(c.name);
    if (!r || r.status === null) {
      problems.push(`${c.name}: flatc did not run: ${r?.output ?? 'no result'}`);
      continue;
    }
    const verdict = r.status === 0 ? 'accepts' : 'rejects';
    if (verdict !== c.flatc) {
      const first = r.output.split('\n').find((l) => /error|warning/.test(l) && l.includes(': ')) ?? r.output;
      problems.push(`${c.name}: header says flatc ${c.flatc}, flatc ${verdict} (exit ${r.status}) ${first}`);
    }
  }
  if (problems.length) fail(`${problems.length} flatc verdict(s) differ:\n${problems.join('\n')}`);
});
oracle.run();
