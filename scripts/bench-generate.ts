// Code-generation benchmark (entry point: scripts/bench-generate). On the synthetic schema of the
// front-end benchmark (N services, default 300) it measures, in interleaved rounds so that machine
// noise hits all alike, wall-time medians of:
//   - `flatc --ts --rust -o DIR FILE` into a fresh directory (the reference);
//   - `hms-gen generate --out DIR FILE` into a fresh directory (cold: everything emitted and written);
//   - the same into a directory it already generated (warm: unchanged schema, nothing to write);
//   - a bare `node -e 0` (for reference: Node's own start-up is part of hms-gen's time).
// Targets (issue 3): cold <= 3x flatc, warm <= 1x flatc. PASS/MISS per target; exit status 0 either way.
//
//   node --import tsx scripts/bench-generate.ts [N]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticSchema } from './gen-synthetic-schema.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const services = process.argv[2] !== undefined ? Number(process.argv[2]) : 300;
const runs = Math.max(5, Number(process.env['HMS_BENCH_RUNS'] ?? 9));
const flatc = process.env['HMS_FLATC'] ?? 'flatc';
const cli = join(repoRoot, 'generator', 'bin', 'hms-gen.cjs');

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
const ms = (x: number): string => `${x.toFixed(1)} ms`;

function timed(cmd: string, args: readonly string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const t = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    process.stderr.write(`bench-generate: ${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n`);
    process.exit(1);
  }
  return t;
}

const work = mkdtempSync(join(tmpdir(), 'hms-bench-generate-'));
try {
  const schema = join(work, 'synthetic.fbs');
  const { text } = syntheticSchema(services);
  writeFileSync(schema, text);
  const warmDir = join(work, 'warm');
  timed(process.execPath, [cli, 'generate', '--out', warmDir, schema], work);

  const times: Record<'flatc' | 'cold' | 'warm' | 'node', number[]> = { flatc: [], cold: [], warm: [], node: [] };
  for (let i = 0; i < runs; i++) {
    const fresh = (name: string): string => {
      const d = join(work, `${name}-${i}`);
      rmSync(d, { recursive: true, force: true });
      return d;
    };
    const round: [keyof typeof times, () => number][] = [
      ['flatc', () => timed(flatc, ['--ts', '--rust', '-o', fresh('flatc'), schema], work)],
      ['cold', () => timed(process.execPath, [cli, 'generate', '--out', fresh('cold'), schema], work)],
      ['warm', () => timed(process.execPath, [cli, 'generate', '--out', warmDir, schema], work)],
      ['node', () => timed(process.execPath, ['-e', '0'], work)],
    ];
    // Rotate the order each round.
    for (let k = 0; k < round.length; k++) {
      const [name, run] = round[(i + k) % round.length] as (typeof round)[number];
      times[name].push(run());
    }
    // Outside the timed region: drop this round's output so that dirty pages of earlier rounds
    // (10 MB per run) do not pile up and stall later writes of either tool.
    rmSync(join(work, `flatc-${i}`), { recursive: true, force: true });
    rmSync(join(work, `cold-${i}`), { recursive: true, force: true });
  }
  const m = { flatc: median(times.flatc), cold: median(times.cold), warm: median(times.warm), node: median(times.node) };
  console.log('hms-gen code-generation benchmark');
  console.log(`  machine:  ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log(`  schema:   ${services} services, ${text.length} bytes; ${runs} interleaved rounds, medians`);
  console.log('');
  console.log(`  flatc --ts --rust          ${ms(m.flatc)}`);
  console.log(`  hms-gen generate (cold)    ${ms(m.cold)}`);
  console.log(`  hms-gen generate (warm)    ${ms(m.warm)}`);
  console.log(`  node -e 0                  ${ms(m.node)}`);
  console.log('');
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
  console.log(`  ${verdict(m.cold <= 3 * m.flatc)}  cold / flatc = ${(m.cold / m.flatc).toFixed(2)}x (target <= 3x)`);
  console.log(`  ${verdict(m.warm <= m.flatc)}  warm / flatc = ${(m.warm / m.flatc).toFixed(2)}x (target <= 1x)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
