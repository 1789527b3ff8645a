// Front-end benchmark (entry point: scripts/bench-frontend). Reports, in one run:
//   (a) in-process parse+resolve throughput of compileText on the synthetic schema (MB/s of
//       schema text; MB = 10^6 bytes), median of the timed runs after a warm-up;
//   (b) wall-time medians of `hms-gen check FILE` (generator/dist), `flatc -b --schema -o TMP FILE`
//       and a bare `node -e 0`, measured in interleaved rounds (rotating order) so that machine
//       noise hits all three alike;
// then the ratios against the targets: in-process >= 20 MB/s; (hms-gen check - bare node) <= 2.5 x flatc
// (the owner's decision in issue 9: cold runs judged on the bin itself, node_modules/.bin/hms-gen, not npx).
// PASS/MISS is printed per target; the exit status is 0 either way (a benchmark is not a test).
//
//   node --import tsx scripts/bench-frontend.ts [N]     (N services, default 300)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// The shipped build, not the TypeScript sources through tsx: that is what users run.
import { compileText } from '../generator/dist/index.js';
import { syntheticSchema } from './gen-synthetic-schema.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const services = process.argv[2] !== undefined ? Number(process.argv[2]) : 300;
const runs = Math.max(10, Number(process.env['HMS_BENCH_RUNS'] ?? 15));
const flatc = process.env['HMS_FLATC'] ?? 'flatc';
// The npm bin itself (the bundled CLI from its code cache), as a pipeline runs it; npx's own start-up
// (~0.25 s) is not hms-gen's.
const cli = join(repoRoot, 'node_modules', '.bin', 'hms-gen');

const TARGET_MBPS = 20;
const TARGET_RATIO = 2.5;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const spread = (xs: readonly number[]): string =>
  `(min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, n=${xs.length})`;

function die(message: string): never {
  process.stderr.write(`bench-frontend: ${message}\n`);
  process.exit(1);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

// --- Inputs and sanity checks ---------------------------------------------------------------------

if (!Number.isInteger(services) || services < 1) die(`N must be a positive integer, got: ${process.argv[2]}`);
if (!existsSync(join(repoRoot, 'generator', 'dist', 'hms-gen.cjs'))) die('generator/dist/hms-gen.cjs is missing: run `bash scripts/setup`');
const stale = statSync(join(repoRoot, 'generator', 'dist', 'hms-gen.cjs')).mtimeMs < newestMtime(join(repoRoot, 'generator', 'src'));

const work = mkdtempSync(join(tmpdir(), 'hms-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const schema = syntheticSchema(services);
const file = join(work, 'synthetic.fbs');
writeFileSync(file, schema.text);
const bytes = Buffer.byteLength(schema.text, 'utf8');

const flatcVersion = spawnSync(flatc, ['--version'], { encoding: 'utf8' });
if (flatcVersion.error || flatcVersion.status !== 0) die(`cannot run ${flatc}: ${flatcVersion.error?.message ?? flatcVersion.stderr}`);

const first = compileText(file, schema.text);
if (first.errorCount > 0 || !first.schema) {
  die(`hms-gen rejects the synthetic schema (${first.errorCount} errors); first: ${first.diagnostics[0]?.message ?? '?'}`);
}

console.log('hms-gen front-end benchmark');
console.log(`  machine:  ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, ${flatcVersion.stdout.trim()}`);
console.log(`  schema:   ${services} services, ${schema.declarations} declarations ` +
  `(${services} enums, ${services} structs, ${2 * services} tables, ${services} rpc_services), ` +
  `${bytes} bytes (${(bytes / 1e6).toFixed(3)} MB), ${schema.text.split('\n').length - 1} lines`);
if (stale) console.log('  WARNING:  generator/dist is older than generator/src: the CLI numbers measure a stale build (run `bash scripts/setup`)');

// --- (a) in-process ---------------------------------------------------------------------------------

// Two in-process figures, measured alternately so machine noise affects both alike:
//   validate: parse + resolve with every check, as `hms-gen check` (no IR materialised);
//   with IR:  the same plus building the IR, as `hms-gen ir` and the code generators.
const variants = [
  { name: 'validate (parse+resolve, as check)', options: { validateOnly: true }, times: [] as number[] },
  { name: 'with IR (parse+resolve+IR, as ir)', options: {}, times: [] as number[] },
];
const warmupUntil = performance.now() + 1500;
let warmups = 0;
while (warmups < 5 || performance.now() < warmupUntil) {
  for (const v of variants) compileText(file, schema.text, v.options);
  warmups++;
}
for (let k = 0; k < 2 * runs; k++) {
  for (const v of variants) {
    const t0 = performance.now();
    const r = compileText(file, schema.text, v.options);
    v.times.push(performance.now() - t0);
    if (r.errorCount > 0) die('compileText result changed between runs');
  }
}
const throughput = variants.map((v) => ({ ...v, median: median(v.times), mbps: bytes / 1e6 / (median(v.times) / 1000) }));

// --- (b) wall time, interleaved --------------------------------------------------------------------

interface Command {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly times: number[];
}
const out = join(work, 'out');
const commands: Command[] = [
  { name: 'hms-gen check', cmd: cli, args: ['check', file], times: [] },
  { name: 'flatc -b --schema', cmd: flatc, args: ['-b', '--schema', '-o', out, file], times: [] },
  { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], times: [] },
];
function runOnce(c: Command): number {
  const t0 = performance.now();
  const r = spawnSync(c.cmd, c.args as string[], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const t = performance.now() - t0;
  if (r.error || r.status !== 0) die(`${c.name} failed (exit ${r.status}): ${r.error?.message ?? r.stderr.slice(0, 500)}`);
  return t;
}
for (const c of commands) runOnce(c); // warm-up: file cache, first-run costs
for (let round = 0; round < runs; round++) {
  for (let k = 0; k < commands.length; k++) {
    const c = commands[(round + k) % commands.length] as Command;
    c.times.push(runOnce(c));
  }
}
const [hms, fl, bare] = commands.map((c) => median(c.times)) as [number, number, number];
const hmsNet = hms - bare;
const ratio = hmsNet / fl;

// --- Report ------------------------------------------------------------------------------------------

console.log('');
console.log(`(a) in-process compileText, ${warmups} warm-up rounds, median of ${2 * runs} each (alternating):`);
for (const v of throughput) {
  console.log(`      ${v.name.padEnd(36)} ${ms(v.median)} ${spread(v.times)}  =>  ${v.mbps.toFixed(1)} MB/s`);
}
console.log('');
console.log(`(b) wall time, median of ${runs} interleaved rounds:`);
for (const c of commands) console.log(`      ${c.name.padEnd(20)} ${ms(median(c.times)).padStart(10)}  ${spread(c.times)}`);
console.log(`      ${'hms-gen - bare node'.padEnd(20)} ${ms(hmsNet).padStart(10)}`);
console.log('');
console.log('targets:');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
for (const v of throughput) {
  console.log(`  ${verdict(v.mbps >= TARGET_MBPS)}  in-process ${v.name}: ${v.mbps.toFixed(1)} MB/s (target >= ${TARGET_MBPS} MB/s; ` +
    `${(v.mbps / TARGET_MBPS).toFixed(2)}x of target)`);
}
console.log(`  ${verdict(ratio <= TARGET_RATIO)}  (hms-gen check - bare node) / flatc = ${ms(hmsNet)} / ${ms(fl)} = ${ratio.toFixed(2)}x ` +
  `(target <= ${TARGET_RATIO}x)`);
process.exitCode = 0;
