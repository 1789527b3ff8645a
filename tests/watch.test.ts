// `hms-gen generate --watch`, run as a user runs it (the bin, in a scratch project): editors' save
// patterns each trigger one rebuild, a burst of saves is one rebuild, a schema error keeps the
// previous output and fixing it rebuilds, a file newly included is watched, Ctrl-C exits 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, REPO } from './support/cli.js';

const DIR = join(REPO, 'target', 'hms-watch-test');
const RECOVERY = join(DIR, 'idl', 'recovery.fbs');
const OUT_TS = join(DIR, 'out', 'ts', 'hms', 'recovery.ts');

/** The watch process and its output lines as they arrive. */
class Watch {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  private waiters: (() => void)[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor() {
    this.child = spawn(process.execPath, [CLI, 'generate', '--watch', '--lang', 'rust,ts', '--out', 'out'], {
      cwd: DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (into: string[]) => {
      let buf = '';
      return (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        const parts = buf.split('\n');
        buf = parts.pop() as string;
        into.push(...parts);
        for (const w of this.waiters.splice(0)) w();
      };
    };
    this.child.stdout?.on('data', collect(this.lines));
    this.child.stderr?.on('data', collect(this.stderr));
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
  }

  /** Waits (at most 15 s) until `count` stdout lines match `re`; returns the last of them. */
  async until(re: RegExp, count = 1): Promise<string> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const hits = this.lines.filter((l) => re.test(l));
      if (hits.length >= count) return hits[count - 1] as string;
      if (Date.now() > deadline)
        throw new Error(`no ${count}x ${re} in:\n${this.lines.join('\n')}\nstderr:\n${this.stderr.join('\n')}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }
}

const rebuilds = (w: Watch): number => w.lines.filter((l) => /changed: \d+ of \d+ files written/.test(l)).length;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('watch: atomic and vim-style saves, a burst, an error kept out, a new include, Ctrl-C', async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  cpSync(join(REPO, 'idl'), join(DIR, 'idl'), { recursive: true });
  const w = new Watch();
  try {
    assert.match(await w.until(/^hms-gen: initial build: \d+ of \d+ files written, 0 removed in \d+ ms$/), /written/);
    await w.until(/^hms-gen: watching \d+ paths/);
    const original = readFileSync(RECOVERY, 'utf8');

    // An editor's atomic save: a temporary file renamed over the schema.
    const v1 = original.replace('table ', '/// Edited (atomic save).\ntable ');
    writeFileSync(`${RECOVERY}.tmp123`, v1);
    renameSync(`${RECOVERY}.tmp123`, RECOVERY);
    assert.match(await w.until(/recovery\.fbs changed: \d+ of \d+ files written/), / [1-9]\d* of /);
    assert.match(readFileSync(OUT_TS, 'utf8'), /Edited \(atomic save\)/);

    // vim: the schema renamed to a backup, a new file written, the backup removed.
    const v2 = v1.replace('(atomic save)', '(vim save)');
    renameSync(RECOVERY, `${RECOVERY}~`);
    writeFileSync(RECOVERY, v2);
    unlinkSync(`${RECOVERY}~`);
    await w.until(/changed: \d+ of \d+ files written/, 2);
    assert.match(readFileSync(OUT_TS, 'utf8'), /Edited \(vim save\)/);

    // A burst of saves within the debounce window: one rebuild, with the last content.
    await settle(300);
    const before = rebuilds(w);
    for (let i = 0; i < 5; i++) writeFileSync(RECOVERY, v2.replace('(vim save)', `(burst ${i})`));
    await w.until(/changed: \d+ of \d+ files written/, before + 1);
    await settle(500);
    assert.is(rebuilds(w), before + 1, w.lines.join('\n'));
    assert.match(readFileSync(OUT_TS, 'utf8'), /Edited \(burst 4\)/);

    // A second save 40 ms after the first: chokidar drops that event (it throttles a file's changes
    // for 50 ms); the watch finds the change by comparing what it read with the disk.
    await settle(300);
    writeFileSync(RECOVERY, v2.replace('(vim save)', '(first of two)'));
    await settle(40);
    writeFileSync(RECOVERY, v2.replace('(vim save)', '(second of two)'));
    const deadline = Date.now() + 10_000;
    while (!/Edited \(second of two\)/.test(readFileSync(OUT_TS, 'utf8')) && Date.now() < deadline) await settle(50);
    assert.match(readFileSync(OUT_TS, 'utf8'), /Edited \(second of two\)/, w.lines.join('\n'));
    await settle(300);

    // A schema error: located diagnostics, the previous output untouched; fixing it rebuilds.
    const kept = readFileSync(OUT_TS, 'utf8');
    writeFileSync(RECOVERY, `${v2}\ntable Broken { x: Nope; }\n`);
    await w.until(/1 error, previous output kept/);
    assert.ok(
      w.stderr.some((l) => /recovery\.fbs:\d+:\d+: error\[E030\]/.test(l)),
      w.stderr.join('\n'),
    );
    assert.is(readFileSync(OUT_TS, 'utf8'), kept);
    writeFileSync(RECOVERY, v2.replace('(vim save)', '(fixed)'));
    await w.until(/changed: \d+ of \d+ files written/, rebuilds(w) + 1);
    assert.match(readFileSync(OUT_TS, 'utf8'), /Edited \(fixed\)/);

    // A file the schema starts to include is watched from then on.
    const extra = join(DIR, 'idl', 'hms', 'extra.fbs');
    writeFileSync(extra, 'namespace hms.extra;\n\ntable Extra { n: int; }\n');
    const withInclude = v2
      .replace('(vim save)', '(include)')
      .replace(/include "hms\/common.fbs";/, (m) => `${m}\ninclude "hms/extra.fbs";`);
    assert.ok(withInclude.includes('hms/extra.fbs'));
    writeFileSync(RECOVERY, withInclude);
    await w.until(/changed: \d+ of \d+ files written/, rebuilds(w) + 1);
    await settle(300);
    const n = rebuilds(w);
    writeFileSync(extra, 'namespace hms.extra;\n\n/// Now documented.\ntable Extra { n: int; }\n');
    await w.until(/extra\.fbs changed: [1-9]\d* of \d+ files written/);
    assert.is(rebuilds(w), n + 1);
    assert.match(readFileSync(join(DIR, 'out', 'ts', 'hms', 'extra.ts'), 'utf8'), /Now documented/);
  } finally {
    w.child.kill('SIGINT');
  }
  assert.is(await w.exited, 0, w.stderr.join('\n'));
});

test.run();
