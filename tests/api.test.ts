// The in-process API (generator/src/api.ts): what the evolution loop and watch mode run. Diagnostics
// and files come back as data, nothing is printed or written unless asked, and a Generator that
// reuses its previous run's files produces exactly what a fresh run does, edit after edit.

import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, generate, Generator, UsageError, type GenerateOutput } from '../generator/src/index.js';
import { REPO } from './support/cli.js';
import { syntheticSchema } from '../scripts/gen-synthetic-schema.js';

const SCRATCH = join(REPO, 'target', 'hms-api-test');
const idlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.fbs'))
    .sort()
    .map((f) => join(dir, f));

/** Runs `fn` with process output captured; returns what was printed. */
function silent<T>(fn: () => T): { value: T; printed: string } {
  let printed = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array): boolean => {
    printed += String(chunk);
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    return { value: fn(), printed };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

const api = suite('in-process API');

api('compile: diagnostics as data, nothing printed, no exit', () => {
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(SCRATCH, { recursive: true });
  const bad = join(SCRATCH, 'bad.fbs');
  writeFileSync(bad, 'table T { a: Missing; }\ntable U { b: int = 300000000000; }\n');
  const { value: r, printed } = silent(() => compile({ files: [bad] }));
  assert.is(printed, '');
  assert.is(r.ok, false);
  assert.is(r.errorCount, 2);
  assert.equal(
    r.diagnostics.map((d) => [d.code, d.line, d.column]),
    [
      ['E061', 2, 20],
      ['E030', 1, 14],
    ],
  );
  assert.match(r.format(), /bad\.fbs:1:14: error\[E030\]/);
  assert.match(r.format(), /\n2 errors, 0 warnings$/);
  const good = compile({ files: idlFiles(join(REPO, 'idl')), includePaths: [join(REPO, 'idl')] });
  assert.ok(good.ok, good.format());
  assert.is(good.schemas.length, idlFiles(join(REPO, 'idl')).length);
});

api('generate: the committed output, in memory; nothing written or printed unless asked', () => {
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    const { value: r, printed } = silent(() => generate({ langs: ['rust', 'ts'], outDir: 'generated' }));
    assert.is(printed, '');
    assert.ok(r.ok, r.format());
    assert.ok(r.files.size > 20);
    for (const [path, text] of r.files) assert.is(text, readFileSync(join('generated', path), 'utf8'), path);
    assert.equal(r.drift, { changed: [], missing: [], extra: [] });
    const lines: string[] = [];
    const checked = generate({ langs: ['rust', 'ts'], check: true, log: (l) => lines.push(l) });
    assert.equal(checked.drift, { changed: [], missing: [], extra: [] });
    assert.is(lines.length, 1);
    assert.match(lines[0] ?? '', /^hms-gen: \d+ files, \d+ changed \(\d+ ms\)$/);
  } finally {
    process.chdir(cwd);
  }
});

api('generate: usage problems are thrown (UsageError, exit code 2), schema problems are data', () => {
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(SCRATCH, { recursive: true });
  const file = join(SCRATCH, 'a.fbs');
  writeFileSync(file, 'namespace a;\ntable T { x: int; }\n');
  assert.throws(
    () => generate({ files: [file], langs: ['ts'], outDir: '/proc/x', write: true }),
    (e: unknown) => e instanceof UsageError && e.exitCode === 2 && /under \/proc/.test(e.message),
  );
  assert.throws(
    () => generate({ files: [join(SCRATCH, 'none.fbs')] }),
    (e: unknown) => e instanceof UsageError,
  );
  writeFileSync(file, 'namespace a;\ntable T { x: Nope; }\n');
  const r = generate({ files: [file], langs: ['ts'] });
  assert.is(r.ok, false);
  assert.is(r.files.size, 0);
  assert.is(r.diagnostics[0]?.code, 'E030');
  // Written only when asked, and then exactly the set.
  writeFileSync(file, 'namespace a;\ntable T { x: int; }\n');
  const out = join(SCRATCH, 'out');
  const w = generate({ files: [file], langs: ['ts'], outDir: out, write: true });
  assert.ok(w.ok);
  for (const [path, text] of w.files) assert.is(readFileSync(join(out, path), 'utf8'), text);
  assert.is(w.drift.missing.length, w.files.size);
});

/**
 * One edit per kind of change that reaches other files: a field, a default, a new table, a rename,
 * a new rpc; and, for tables other files reference, what a referrer could read of them (a field's
 * type, a `key`, a doc comment, the declaration order), struct layouts, enum values and union
 * members (references to those are read in full).
 */
function edits(text: string): string[] {
  const out: string[] = [];
  const table = /table (\w+) \{/.exec(text);
  if (table) {
    out.push(text.replace(table[0], `${table[0]}\n  added_by_test: int = 7;`));
    out.push(text.replace(table[0], `table ${table[1]}Renamed {`).replaceAll(`:${table[1]};`, `:${table[1]}Renamed;`));
  }
  out.push(`${text}\ntable AddedByTest { n: [string]; }\n`);
  const def = /= (\d+);/.exec(text);
  if (def) out.push(text.replace(def[0], `= ${Number(def[1]) + 1};`));
  const rpc = /rpc_service (\w+) \{/.exec(text);
  if (rpc) {
    const call = /\n\s*(\w+)\((\w+)\):(\w+)/.exec(text.slice(rpc.index));
    if (call) out.push(text.replace(rpc[0], `${rpc[0]}\n  AddedByTest(${call[2]}):${call[3]};`));
  }
  // Every table (up to 4 per file): a field's type and name, a key, documentation.
  for (const t of [...text.matchAll(/\ntable (\w+) \{\n([^}]*)\}/g)].slice(0, 4)) {
    const body = t[2] as string;
    const field = /^(\s*)(\w+):\s*(\w+)/m.exec(body);
    if (field) {
      const swapped = field[3] === 'string' ? 'int' : 'string';
      out.push(text.replace(t[0], t[0].replace(field[0], `${field[1]}${field[2]}: ${swapped}`)));
      out.push(text.replace(t[0], t[0].replace(field[0], `${field[1]}${field[2]}_renamed: ${field[3]}`)));
    }
    const str = /^(\s*\w+:\s*string)\s*;/m.exec(body);
    if (str && !body.includes('(key')) out.push(text.replace(t[0], t[0].replace(str[0], `${str[1]} (key);`)));
    out.push(text.replace(t[0], `\n/// Documented by the test.${t[0]}`));
    // Moved to the end of the file: the declaration order of its namespace.
    out.push(`${text.replace(t[0], '\n')}${t[0]}\n`);
  }
  for (const st of [...text.matchAll(/\nstruct (\w+) \{\n([^}]*)\}/g)].slice(0, 2)) {
    const member = /^(\s*)(\w+):\s*(\w+);/m.exec(st[2] as string);
    if (member)
      out.push(text.replace(st[0], st[0].replace(member[0], `${member[0]}\n${member[1]}added_by_test: ushort;`)));
  }
  for (const e of [...text.matchAll(/\n(enum|union) (\w+)[^{]*\{\n([^}]*)\}/g)].slice(0, 3)) {
    const value = /^(\s*)(\w+)/m.exec(e[3] as string);
    if (!value) continue;
    out.push(text.replace(e[0], e[0].replace(value[0], `${value[1]}${value[2]}Renamed`)));
    if (e[1] === 'enum') out.push(text.replace(e[0], e[0].replace(/\}$/, ',\n  AddedByTest\n}')));
  }
  return out;
}

const incremental = suite('in-process API: a Generator reuses only what an edit cannot reach');

incremental('after every edit of every idl/ file, the reused output is byte for byte a fresh run', () => {
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(SCRATCH, { recursive: true });
  cpSync(join(REPO, 'idl'), join(SCRATCH, 'idl'), { recursive: true });
  const idl = relative(process.cwd(), join(SCRATCH, 'idl'));
  const mains = idlFiles(idl);
  const files = [...mains, join(idl, 'hms', 'common.fbs')];
  const options = {
    files: mains,
    includePaths: [idl],
    langs: ['rust', 'ts'] as const,
    config: join(REPO, 'hms-gen.json'),
  };
  const gen = new Generator(options);
  let last: GenerateOutput = gen.generate();
  assert.ok(last.ok, last.format());
  let checked = 0;
  let reusedSome = false;
  for (const file of files) {
    const original = readFileSync(file, 'utf8');
    for (const edited of edits(original)) {
      // Each edit from the original (the output a warm run reuses is the original's).
      writeFileSync(file, original);
      gen.generate();
      writeFileSync(file, edited);
      const warm = gen.generate();
      const fresh = generate(options);
      assert.is(warm.ok, fresh.ok, `${file}: ${warm.format()}`);
      if (!fresh.ok) continue;
      assert.equal([...warm.files.keys()], [...fresh.files.keys()], file);
      for (const [path, text] of fresh.files) assert.is(warm.files.get(path), text, `${file}: ${path} after an edit`);
      if (warm.changed.length < warm.files.size) reusedSome = true;
      checked++;
      last = warm;
    }
    writeFileSync(file, original);
  }
  assert.ok(checked >= 150, `${checked} edits checked`);
  assert.ok(reusedSome, 'some outputs were reused');
  assert.ok(last.ok);
});

const CROSS = {
  'a.fbs': [
    'namespace a;',
    'enum Color : byte { Red = 0, Green, Blue = 5 }',
    'struct Inner { k: ushort; }',
    'struct Vec { x: float; y: short; c: Color; i: Inner; }',
    '/// A table others reference.',
    'table Leaf { id: ulong (key); name: string; }',
    'table Other { v: int; }',
    'union Pick { Leaf, Other }',
    '',
  ].join('\n'),
  'b.fbs': [
    'include "a.fbs";',
    'namespace b;',
    'table Uses { v: a.Vec; c: a.Color = Blue; cs: [a.Color]; vs: [a.Vec]; leaf: a.Leaf; leaves: [a.Leaf]; pick: a.Pick; }',
    'rpc_service S { go(Uses):a.Leaf; }',
    'root_type Uses;',
    'file_identifier "USES";',
    '',
  ].join('\n'),
};

/** Edits of a.fbs whose effect on b's code a reuse must not miss. */
const CROSS_EDITS = [
  ['Blue = 5', 'Blue = 6'],
  ['Red = 0, Green', 'Red = 0, Grey, Green'],
  ['enum Color : byte', 'enum Color : short'],
  ['k: ushort', 'k: uint'],
  ['y: short;', 'y: short; z: short;'],
  ['struct Inner', '/// Documented.\nstruct Inner'],
  ['union Pick { Leaf, Other }', 'union Pick { Other, Leaf }'],
  ['union Pick { Leaf, Other }', 'union Pick { Leaf }'],
  ['id: ulong (key); name: string;', 'id: ulong; name: string (key);'],
  ['name: string; }', 'name: string; extra: [int]; }'],
  ['/// A table others reference.', '/// Reworded.'],
  ['table Other { v: int; }', 'table Other { v: int; }\ntable Leaf2 { n: int; }'],
  ['namespace a;', 'namespace a;\ntable Uses { shadow: int; }'],
  // Struct sizes (printed into b's vector codecs).
  ['x: float;', 'x: double;'],
  ['k: ushort', 'k: ulong'],
  // A name claimed before Leaf's reader in a's module (enums are named first): b imports another name.
  ['namespace a;', 'namespace a;\nenum readLeaf : byte { X }'],
  // A declaration shadowing the one b's `a.Leaf` resolved to.
  ['union Pick { Leaf, Other }', 'union Pick { Leaf, Other }\nnamespace b.a;\ntable Leaf { q: int; }'],
] as const;

incremental('edits of declarations another namespace references: reused output equals a fresh run', () => {
  const dir = join(SCRATCH, 'cross');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(CROSS)) writeFileSync(join(dir, f), text);
  const options = { files: [join(dir, 'b.fbs')], langs: ['rust', 'ts'] as const };
  const gen = new Generator(options);
  assert.ok(gen.generate().ok);
  let checked = 0;
  for (const [from, to] of CROSS_EDITS) {
    assert.ok(CROSS['a.fbs'].includes(from), from);
    // Each edit from the original: what the warm run reuses is the original's output.
    writeFileSync(join(dir, 'a.fbs'), CROSS['a.fbs']);
    assert.ok(gen.generate().ok);
    writeFileSync(join(dir, 'a.fbs'), CROSS['a.fbs'].replace(from, to));
    const warm = gen.generate();
    const fresh = generate(options);
    assert.is(warm.ok, fresh.ok, `${to}: ${fresh.format()}`);
    if (!fresh.ok) continue;
    for (const [path, text] of fresh.files) assert.is(warm.files.get(path), text, `${path} after ${from} -> ${to}`);
    checked++;
  }
  assert.ok(checked >= CROSS_EDITS.length - 1, `${checked} edits checked`);
});

incremental('what an edit reaches: one default of one service of 30 rewrites its modules and the indexes only', () => {
  const dir = join(SCRATCH, 'synthetic');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'synthetic.fbs');
  const text = syntheticSchema(30).text;
  writeFileSync(file, text);
  const gen = new Generator({ files: [file], langs: ['rust', 'ts'] });
  assert.ok(gen.generate().ok);
  writeFileSync(file, text.replace('count:int = 12;', 'count:int = 1012;'));
  const one = gen.generate();
  assert.equal(one.changed, [
    'rust/contracts/src/lib.rs',
    'rust/contracts/src/synth/svc12.rs',
    'ts/index.ts',
    'ts/synth/svc12.ts',
  ]);
  // Service 13 references service 12's Response by name: its code does not change.
  assert.match(one.files.get('ts/synth/svc13.ts') ?? '', 'synth_svc12.readResponse');
  // Lines added above every declaration (a comment) move them all: nothing is rewritten.
  writeFileSync(file, `// moved\n// down\n${text.replace('count:int = 12;', 'count:int = 1012;')}`);
  assert.equal(gen.generate().changed, []);
});

api.run();
incremental.run();
