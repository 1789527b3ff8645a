// The audit of flatc 2.0.8's parser messages against hms-gen's checks (issue 9).
//
//   node --import tsx node_modules/uvu/bin.js tests '^flatc-audit\.test'
//
// tests/fixtures/flatc-2.0.8-messages.txt lists flatc 2.0.8's diagnostic literals, one per line;
// docs/conformance.md's section "flatc 2.0.8's messages, one by one" has one table row per message:
//
//   | `message` | E0xx, W0yy (or —) | `fixture.fbs`, `generated:<case>` (or —) | notes |
//
// Checked: every message has exactly one row and every row a message; every code named in a row
// is in codes.ts; every fixture named exists (a generated case is named in tests/negative.test.ts)
// and expects one of the row's codes; a row with codes names a test, a row without a reason. With
// flatc present (HMS_FLATC, default /usr/bin/flatc), flatc's output on at least one of a row's
// fixtures contains the message.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CODES, compileText } from '../generator/src/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MESSAGES = join(ROOT, 'tests', 'fixtures', 'flatc-2.0.8-messages.txt');
const DOC = join(ROOT, 'docs', 'conformance.md');
const NEGATIVE = join(ROOT, 'tests', 'fixtures', 'negative');
const NEGATIVE_TEST = join(ROOT, 'tests', 'negative.test.ts');
const HEADING = "## flatc 2.0.8's messages, one by one";
const FLATC = process.env['HMS_FLATC'] ?? '/usr/bin/flatc';

/** Fail with a multi-line message printed once (uvu would repeat it in the stack). */
function fail(message: string): never {
  const e = new assert.Assertion({ message, operator: 'fail', expects: undefined, actual: undefined });
  e.stack = 'Assertion';
  throw e;
}

export interface Row {
  readonly line: number;
  readonly message: string;
  readonly codes: readonly string[];
  readonly fixtures: readonly string[];
  readonly generated: readonly string[];
  readonly notes: string;
  /** Every E/W code named anywhere in the row (codes column and notes). */
  readonly mentioned: readonly string[];
  /** Negative fixtures named in the notes. */
  readonly notedFixtures: readonly string[];
}

const CODE_RE = /\b[EW]\d{3}\b/g;
const FIXTURE_RE = /\b(?:[EW]\d{3}|multi)-[a-z0-9-]+\.fbs\b/g;

export function readMessages(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The message of a table's first cell: one code span (`…` or `` … `` when it holds a backtick). */
function codeSpan(cell: string, line: number): string {
  const m = /^(`+)(.*)\1$/.exec(cell.trim());
  if (!m) throw new Error(`docs/conformance.md:${line}: first cell is not a code span: ${cell}`);
  return m[2]!.trim();
}

export function readTable(doc: string): Row[] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === HEADING);
  if (start < 0) throw new Error(`docs/conformance.md has no section "${HEADING.slice(3)}"`);
  const rows: Row[] = [];
  let header = 0;
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('## '); i++) {
    const l = lines[i]!.trim();
    if (!l.startsWith('|')) continue;
    if (header < 2) {
      header++; // the header row and the |---| row
      continue;
    }
    const cells = l.slice(1, l.endsWith('|') ? -1 : undefined).split('|');
    if (cells.length !== 4) throw new Error(`docs/conformance.md:${i + 1}: expected 4 cells, got ${cells.length}`);
    const [msg, codes, tests, notes] = cells.map((c) => c.trim()) as [string, string, string, string];
    const testNames = tests === '—' ? [] : [...tests.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    rows.push({
      line: i + 1,
      message: codeSpan(msg, i + 1),
      codes: codes.match(CODE_RE) ?? [],
      fixtures: testNames.filter((t) => !t.startsWith('generated:')),
      generated: testNames.filter((t) => t.startsWith('generated:')).map((t) => t.slice('generated:'.length)),
      notes,
      mentioned: l.match(CODE_RE) ?? [],
      notedFixtures: notes.match(FIXTURE_RE) ?? [],
    });
  }
  return rows;
}

/** Problems of the table against the messages, the catalogue and the fixtures (no flatc). */
export function auditProblems(messages: readonly string[], rows: readonly Row[]): string[] {
  const problems: string[] = [];
  const byMessage = new Map<string, Row[]>();
  for (const r of rows) byMessage.set(r.message, [...(byMessage.get(r.message) ?? []), r]);
  const known = new Set(messages);
  for (const m of messages) {
    const rs = byMessage.get(m) ?? [];
    if (rs.length === 0) problems.push(`no row for flatc message "${m}"`);
    if (rs.length > 1) problems.push(`${rs.length} rows for "${m}" (lines ${rs.map((r) => r.line).join(', ')})`);
  }
  if (new Set(messages).size !== messages.length) problems.push('the messages file repeats a message');
  const generatedCases = readFileSync(NEGATIVE_TEST, 'utf8');
  for (const r of rows) {
    const at = `docs/conformance.md:${r.line}`;
    if (!known.has(r.message)) problems.push(`${at}: "${r.message}" is not in flatc-2.0.8-messages.txt`);
    for (const c of r.mentioned) if (!CODES.has(c)) problems.push(`${at}: code ${c} is not in codes.ts`);
    for (const f of [...r.fixtures, ...r.notedFixtures])
      if (!existsSync(join(NEGATIVE, f))) problems.push(`${at}: fixture ${f} does not exist`);
    for (const g of r.generated)
      if (!generatedCases.includes(`name: '${g}'`))
        problems.push(`${at}: no generated case ${g} in tests/negative.test.ts`);
    if (r.codes.length > 0 && r.fixtures.length + r.generated.length === 0)
      problems.push(`${at}: "${r.message}" names codes but no test`);
    if (r.codes.length === 0 && r.notes === '') problems.push(`${at}: "${r.message}" has no code and no reason`);
    for (const f of r.fixtures) {
      if (!existsSync(join(NEGATIVE, f))) continue;
      const expected = [...readFileSync(join(NEGATIVE, f), 'latin1').matchAll(/^\/\/ expect: ([EW]\d{3}) /gm)].map(
        (m) => m[1]!,
      );
      if (!expected.some((c) => r.codes.includes(c)))
        problems.push(
          `${at}: ${f} expects ${expected.join(', ') || 'nothing'}, none of ${r.codes.join(', ') || '(no code)'}`,
        );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// flatc on every fixture the table names, in one parallel batch

function flatcAvailable(): boolean {
  const r = spawnSync(FLATC, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

function runFlatc(file: string, out: string): Promise<string> {
  return new Promise((done) => {
    const p = spawn(FLATC, ['-b', '--schema', '-o', out, file], { cwd: NEGATIVE, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (b: Buffer) => (output += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (output += b.toString('latin1')));
    p.on('error', (e) => done(`(flatc did not run: ${e.message})`));
    p.on('close', () => done(output));
  });
}

async function flatcOutputs(files: readonly string[]): Promise<Map<string, string>> {
  const tmp = mkdtempSync(join(tmpdir(), 'hms-flatc-audit-'));
  const results = new Map<string, string>();
  try {
    const queue = [...files];
    const workers = Array.from({ length: Math.max(2, Math.min(16, availableParallelism())) }, async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift())
        results.set(f, await runFlatc(f, join(tmp, 'out')));
    });
    await Promise.all(workers);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Tests

const messages = readMessages(readFileSync(MESSAGES, 'utf8'));
const rows = readTable(readFileSync(DOC, 'utf8'));

const audit = suite('flatc-audit');

audit('the messages file holds flatc 2.0.8 parser literals', () => {
  assert.ok(messages.length >= 120, `only ${messages.length} messages`);
  for (const m of ['all enum values must be unique:', 'datatype already exists:', 'size 0 structs not allowed'])
    assert.ok(messages.includes(m), `missing "${m}"`);
});

audit('every message has one row; rows name known codes and existing fixtures', () => {
  const problems = auditProblems(messages, rows);
  if (problems.length)
    fail(`${problems.length} problem(s) in docs/conformance.md's message table:\n${problems.join('\n')}`);
});

audit('the checks fail on a missing row, an unknown code and a missing fixture', () => {
  const row = rows.find((r) => r.codes.length > 0 && r.fixtures.length > 0)!;
  const dropped = auditProblems(
    messages,
    rows.filter((r) => r !== row),
  );
  assert.ok(
    dropped.some((p) => p.startsWith('no row for') && p.includes(row.message)),
    dropped.join('\n'),
  );
  const badCode = auditProblems(
    messages,
    rows.map((r) => (r === row ? { ...r, codes: ['E999'], mentioned: ['E999'] } : r)),
  );
  assert.ok(
    badCode.some((p) => p.includes('code E999 is not in codes.ts')),
    badCode.join('\n'),
  );
  const badFixture = auditProblems(
    messages,
    rows.map((r) => (r === row ? { ...r, fixtures: ['E001-no-such-case.fbs'] } : r)),
  );
  assert.ok(
    badFixture.some((p) => p.includes('fixture E001-no-such-case.fbs does not exist')),
    badFixture.join('\n'),
  );
});

audit('flatc prints each row’s message on one of its fixtures', async () => {
  if (!flatcAvailable()) {
    console.log(`  (skipped: ${FLATC} not found or not runnable; set HMS_FLATC)`);
    return;
  }
  const files = [...new Set(rows.flatMap((r) => r.fixtures))].filter((f) => existsSync(join(NEGATIVE, f)));
  const outputs = await flatcOutputs(files);
  const problems: string[] = [];
  for (const r of rows) {
    if (r.fixtures.length === 0) continue;
    if (!r.fixtures.some((f) => (outputs.get(f) ?? '').includes(r.message)))
      problems.push(
        `docs/conformance.md:${r.line}: flatc says "${r.message}" on none of ${r.fixtures.join(', ')}:\n` +
          r.fixtures
            .map(
              (f) =>
                `    ${f}: ${
                  (outputs.get(f) ?? '')
                    .split('\n')
                    .find((l) => / (error|warning): /.test(l))
                    ?.trim() ?? ''
                }`,
            )
            .join('\n'),
      );
  }
  if (problems.length) fail(problems.join('\n'));
});

audit.run();

// The other way: JSON data forms flatc 2.0.8 accepts, which hms-gen rejected before the audit.
const ACCEPTED: readonly (readonly [string, string])[] = [
  [
    'any JSON in a flexbuffer field',
    'table T { f: [ubyte] (flexbuffer); }\nroot_type T;\n{ f: { a: [1, 2.5, "s"], b: { c: true, d: null, e: -inf, g: nan } } }\n',
  ],
  [
    'a nested_flatbuffer field given its root table',
    'table Inner { hp: short; }\ntable T { n: [ubyte] (nested_flatbuffer: "Inner"); }\nroot_type T;\n{ n: { hp: 3 } }\n',
  ],
  [
    'tables and structs written as arrays of their fields',
    'struct V { x: float; y: float; }\ntable W { d: short; s: string; }\ntable T { v: V; w: W; ws: [W]; }\nroot_type T;\n{ v: [1.0, 2.0], w: [5, "x"], ws: [[1, "a"], { d: 2 }] }\n',
  ],
  [
    'a union type field right after its value',
    'table A { x: int; }\nunion U { A }\ntable T { u: U; }\nroot_type T;\n{ u: { x: 1 }, u_type: A }\n',
  ],
  [
    'scalar values flatc accepts (hex, nan, -inf, quoted numbers and names, bit flag lists, null if optional, an integer outside the enum)',
    'enum C : byte { Red, Green }\nenum F : ubyte (bit_flags) { A, B }\ntable T { b: byte; f: float; g: double; i: int; c: C; d: C; fl: F; o: int = null; bo: bool; }\nroot_type T;\n{ b: 0x7f, f: nan, g: -inf, i: "12", c: "Green", d: 5, fl: "A B", o: null, bo: true }\n',
  ],
  [
    'a union type given as a number',
    'table A { x: int; }\nunion U { A }\ntable T { u: U; }\nroot_type T;\n{ u_type: 1, u: { x: 1 } }\n',
  ],
];

const accepted = suite('flatc-audit: JSON data both accept');
for (const [name, text] of ACCEPTED) {
  accepted(name, () => {
    const r = compileText('accepted.fbs', text);
    assert.is(r.errorCount, 0, r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
    if (!flatcAvailable()) return;
    const dir = mkdtempSync(join(tmpdir(), 'hms-flatc-audit-'));
    try {
      writeFileSync(join(dir, 'accepted.fbs'), text);
      const f = spawnSync(FLATC, ['-b', '--schema', '-o', join(dir, 'out'), join(dir, 'accepted.fbs')], {
        encoding: 'utf8',
      });
      assert.is(f.status, 0, `flatc rejects it: ${f.stdout}${f.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
accepted.run();
