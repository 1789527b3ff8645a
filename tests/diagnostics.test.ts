import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CODES, compileText, renderDiagnostic, VERSION } from '../generator/src/index.js';
import { REPO } from './support/cli.js';

test('docs/diagnostics.md lists exactly the catalogue', () => {
  const doc = readFileSync(join(REPO, 'docs', 'diagnostics.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| ([EW]\d{3}) \| (error|warning) \| (.+) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
  const expected = [...CODES.values()].map((c) => [c.code, c.severity, c.title]);
  assert.equal(rows, expected);
});

test('codes are unique, well-formed and warnings are W-codes', () => {
  for (const c of CODES.values()) {
    assert.match(c.code, /^[EW]\d{3}$/);
    assert.is(c.code.startsWith('W'), c.severity === 'warning');
  }
});

test('VERSION matches generator/package.json', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'generator', 'package.json'), 'utf8')) as { version: string };
  assert.is(VERSION, pkg.version);
});

test('rendering: header, gutter, caret width, tabs kept for alignment', () => {
  const r = compileText('t.fbs', 'table T {\n\tx: int = 1.5;\n}\n');
  assert.is(r.errorCount, 1);
  const d = r.diagnostics[0];
  if (!d) throw new Error('no diagnostic');
  assert.is(renderDiagnostic(d, r.sources),
    "t.fbs:2:11: error[E072]: Cannot assign token starting with '1.5' to value of <int> type.\n" +
    '  |\n' +
    '2 | \tx: int = 1.5;\n' +
    '  | \t         ^^^');
});

test('rendering: very long lines are windowed around the column', () => {
  const name = 'a'.repeat(5000);
  const r = compileText('t.fbs', `table T { x: ${name}; }`);
  const d = r.diagnostics.find((x) => x.code === 'E030');
  if (!d) throw new Error('expected E030');
  const text = renderDiagnostic(d, r.sources);
  assert.ok(text.length < 1200, `rendered ${text.length} chars`);
  assert.match(text, '^');
});

test('error cap: E099 closes the list at --max-errors', () => {
  const body = Array.from({ length: 30 }, (_, i) => `table T${i} { x: int = 1.5; }`).join('\n');
  const r = compileText('t.fbs', body, { maxErrors: 10 });
  assert.is(r.errorCount, 10);
  assert.is(r.diagnostics[r.diagnostics.length - 1]?.code, 'E099');
});

test('control bytes of the schema never reach the terminal raw; the caret stays under its column', () => {
  const source = 'table T {\n  a: int; \u001b[31m\u0007 b: int;\r\n}\n';
  const r = compileText('ctl.fbs', source);
  assert.ok(r.diagnostics.length > 0);
  const sources = new Map([['ctl.fbs', source]]);
  for (const d of r.diagnostics) {
    const text = renderDiagnostic(d, sources);
    // Only newlines (between the rendered lines) and tabs may remain of the C0 controls.
    assert.not.match(text, /[\u0000-\u0008\u000b-\u001f\u007f]/, JSON.stringify(text));
    const lines = text.split('\n');
    const shown = lines[2] as string;
    const caret = lines[3] as string;
    // The caret column is the diagnostic's column in the shown line (one character per control).
    assert.is(caret.indexOf('^') - caret.indexOf('| ') - 2, d.column - 1, text);
    assert.is(shown.length - shown.indexOf('| ') - 2, (source.split('\n')[d.line - 1] as string).replace(/\r$/, '').length, text);
  }
  assert.match(renderDiagnostic(r.diagnostics[0]!, sources), '\u241b[31m\u2407');
});

test.run();
