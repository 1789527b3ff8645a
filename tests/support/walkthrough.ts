// Runs a Markdown walkthrough (docs/adding-an-agent.md) as a test: its `console` blocks are
// commands (`$ cmd`) each followed by the output it must print (`...` matches any lines), and a
// code block with `file=PATH replaces="TEXT"` edits PATH: the one line containing TEXT is replaced
// by the block (with the rest of its `{ ... }` body when that line opens one).

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Step =
  | { readonly kind: 'command'; readonly command: string; readonly expected: readonly string[]; readonly line: number }
  | { readonly kind: 'edit'; readonly file: string; readonly replaces: string; readonly text: string; readonly line: number };

/** The steps of a walkthrough, in page order; `line` is the 1-based line of the step in the page. */
export function parseWalkthrough(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)(.*)$/.exec(lines[i] as string);
    if (!fence) continue;
    const body: string[] = [];
    const start = i;
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] as string);
    const info = fence[2] as string;
    if (fence[1] === 'console') {
      for (let j = 0; j < body.length; j++) {
        const b = body[j] as string;
        if (!b.startsWith('$ ')) throw new Error(`line ${start + 2 + j}: console output before any command`);
        const expected: string[] = [];
        while (j + 1 < body.length && !(body[j + 1] as string).startsWith('$ ')) expected.push(body[++j] as string);
        steps.push({ kind: 'command', command: b.slice(2), expected, line: start + 2 + j - expected.length });
      }
      continue;
    }
    const file = /\bfile=(\S+)/.exec(info)?.[1];
    if (file === undefined) continue; // an illustration, not a step
    const replaces = /\breplaces="((?:[^"\\]|\\.)*)"/.exec(info)?.[1];
    if (replaces === undefined) throw new Error(`line ${start + 1}: a file= block needs replaces="..."`);
    steps.push({ kind: 'edit', file, replaces: replaces.replace(/\\(.)/g, '$1'), text: body.join('\n'), line: start + 1 });
  }
  return steps;
}

/** Whether `actual` lines match `expected` (`...` lines match any run of lines, trailing spaces ignored). */
export function outputMatches(expected: readonly string[], actual: readonly string[]): boolean {
  const a = actual.map((l) => l.trimEnd());
  const go = (e: number, k: number): boolean => {
    if (e === expected.length) return k === a.length;
    const want = (expected[e] as string).trimEnd();
    if (want === '...') {
      for (let j = k; j <= a.length; j++) if (go(e + 1, j)) return true;
      return false;
    }
    return k < a.length && a[k] === want && go(e + 1, k + 1);
  };
  return go(0, 0);
}

export interface CommandResult {
  readonly status: number;
  /** stdout then stderr, ANSI colour codes removed, final newline dropped. */
  readonly output: string[];
}

export function runCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): CommandResult {
  const r = spawnSync('bash', ['-c', `${command} 2>&1`], { cwd, env, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  const text = r.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\n$/, '');
  return { status: r.status ?? -1, output: text === '' ? [] : text.split('\n') };
}

/** Applies an edit step in `root`; throws unless TEXT is on exactly one line of the file. */
export function applyEdit(root: string, step: Extract<Step, { kind: 'edit' }>): void {
  const path = join(root, step.file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(step.replaces) ? [i] : []));
  if (hits.length !== 1) throw new Error(`${step.file}: ${hits.length} lines contain ${JSON.stringify(step.replaces)} (expected exactly one)`);
  const at = hits[0] as number;
  let end = at;
  const first = lines[at] as string;
  if (!first.trimEnd().endsWith(';')) {
    // A block: up to the `}` at the first line's indentation.
    const close = `${/^\s*/.exec(first)?.[0] ?? ''}}`;
    while (end < lines.length && lines[end] !== close) end++;
    if (end === lines.length) throw new Error(`${step.file}: no closing ${JSON.stringify(close)} after line ${at + 1}`);
  }
  lines.splice(at, end - at + 1, ...step.text.split('\n'));
  writeFileSync(path, lines.join('\n'));
}
