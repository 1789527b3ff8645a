// The in-process API (generator/src/api.ts): what the evolution loop and watch mode run. Diagnostics
// and files come back as data, nothing is printed or written unless asked, and a Generator that
// reuses its previous run's files produces exactly what a fresh run does, edit after edit.

import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, generate, Generator, UsageError, type GenerateOutput } from '../generator/src/index.js';
import { REPO } from './support/cli.js';

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

/** One edit per kind of change that reaches other files: a field, a default, a new table, a rename, a new rpc. */
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
  assert.ok(checked >= 20, `${checked} edits checked`);
  assert.ok(reusedSome, 'some outputs were reused');
  assert.ok(last.ok);
});

api.run();
incremental.run();
