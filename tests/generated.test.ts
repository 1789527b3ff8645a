import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hmsGen, REPO } from './support/cli.js';

// generated/ is committed: these tests keep it equal to what idl/ produces, and keep the
// committed TypeScript compiling and formatted (the Rust crate is a workspace member, so
// cargo test/clippy/fmt in scripts/test cover it).

test('hms-gen generate --check: the committed generated/ is what idl/ produces', () => {
  const r = hmsGen(['generate', '--check']);
  assert.is(r.status, 0, `generated/ is stale:\n${r.stderr}`);
  assert.is(r.stderr, '');
});

test('generate --check lists a stale file and exits 1', () => {
  // A different output directory: nothing exists there, so every file is missing.
  const r = hmsGen(['generate', '--check', '--lang', 'ts', '--out', join('target', 'hms-missing-out')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /generated files are stale/);
  assert.match(r.stderr, /missing\s+target\/hms-missing-out\/ts\/hms\.ts/);
});

test('generated TypeScript passes tsc --strict', () => {
  const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, [
    '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--noUncheckedIndexedAccess', '--skipLibCheck', join('generated', 'ts', 'index.ts'),
  ], { cwd: REPO, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test('generated TypeScript is prettier-formatted', () => {
  const prettier = join(REPO, 'node_modules', '.bin', 'prettier');
  const r = spawnSync(prettier, ['--check', join('generated', 'ts')], { cwd: REPO, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test('a warm run of an unchanged schema answers from the cache; any change regenerates', () => {
  const dir = mkdtempSync(join(REPO, 'target', 'hms-cache-'));
  try {
    const schema = join(dir, 'a.fbs');
    writeFileSync(schema, 'namespace c;\ntable T { x: int; }\n');
    const out = join(dir, 'out');
    const gen = (): { status: number; stdout: string } => hmsGen(['generate', '--lang', 'ts', '--out', out, schema], dir);
    assert.match(gen().stdout, /written/);
    const file = join(out, 'ts', 'c.ts');
    const mtime = statSync(file).mtimeMs;
    assert.match(gen().stdout, /is up to date/);
    assert.is(statSync(file).mtimeMs, mtime);
    // An edited output is regenerated (and restored).
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, `${original}// hand edit\n`);
    assert.match(gen().stdout, /1 written/);
    assert.is(readFileSync(file, 'utf8'), original);
    // A changed schema is regenerated.
    writeFileSync(schema, 'namespace c;\ntable T { x: int; y: long; }\n');
    assert.match(gen().stdout, /[1-9]\d* written/, 'every file carries the new schema hash');
    assert.match(readFileSync(file, 'utf8'), /y: bigint/);
    assert.match(gen().stdout, /is up to date/);
    // Other options are another key.
    assert.match(hmsGen(['generate', '--lang', 'ts,rust', '--out', out, schema], dir).stdout, /written/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
