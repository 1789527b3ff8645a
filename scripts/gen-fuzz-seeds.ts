// Writes the seed buffers of the verifier and reader fuzz test (runtime-rs/hms-fuzz): one per root
// type of idl/ and per request type of its rpc_services (hms.AgentMessage included, the request of
// hms_agent_send_message), each with every field set (tests/support/wire-samples.ts, a fresh
// sample counter per type) and built by `flatc -b`, into runtime-rs/hms-fuzz/seeds/<type>.bin. The
// fuzz test decodes each seed, re-encodes it with the generated builders and mutates that buffer.
//
//   node --import tsx scripts/gen-fuzz-seeds.ts            write the seeds (and seeds/types.txt)
//   node --import tsx scripts/gen-fuzz-seeds.ts --check    exit 1 when a committed seed is stale
//
// Needs flatc (HMS_FLATC, as the tests; `. scripts/env.sh` sets it).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '../generator/src/codegen/schema-set.js';
import { oracle } from '../tests/support/flatc-wire.js';
import { Samples } from '../tests/support/wire-samples.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const IDL = join(REPO, 'idl');
export const SEEDS = join(REPO, 'runtime-rs', 'hms-fuzz', 'seeds');

/** The fuzzed types, sorted: every root type of idl/, every rpc request type and hms.AgentMessage. */
export function fuzzTypes(): { readonly types: string[]; readonly seeds: Map<string, Uint8Array> } {
  const files = readdirSync(IDL)
    .filter((f) => f.endsWith('.fbs'))
    .sort()
    .map((f) => join(IDL, f));
  const loaded = loadSchemaSet(files, [IDL]);
  const set = loaded.set;
  if (set === undefined) throw new Error(`idl/: ${loaded.rendered}`);
  const names = new Set<string>(['hms.AgentMessage']);
  for (const s of set.schemas) if (s.rootTable !== undefined) names.add(s.rootTable);
  for (const v of set.services) for (const c of v.calls) names.add(c.request);
  const types = [...names].sort();
  const work = mkdtempSync(join(tmpdir(), 'hms-fuzz-seeds-'));
  const seeds = new Map<string, Uint8Array>();
  try {
    for (const t of types) {
      const o = set.objectByName.get(t);
      if (o === undefined || o.isStruct) throw new Error(`${t}: not a table of idl/`);
      const flatc = oracle(work, join(REPO, o.location.file), [IDL]);
      seeds.set(t, flatc.binary(new Samples(set).table(t), t));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { types, seeds };
}

function main(): void {
  const check = process.argv.includes('--check');
  const { types, seeds } = fuzzTypes();
  const list = `${types.join('\n')}\n`;
  const stale: string[] = [];
  const read = (f: string): Buffer | undefined => {
    try {
      return readFileSync(f);
    } catch {
      return undefined;
    }
  };
  if (read(join(SEEDS, 'types.txt'))?.toString('utf8') !== list) stale.push('types.txt');
  for (const [t, bytes] of seeds) {
    const old = read(join(SEEDS, `${t}.bin`));
    if (old === undefined || !old.equals(Buffer.from(bytes))) stale.push(`${t}.bin`);
  }
  if (check) {
    if (stale.length > 0) {
      console.error(`gen-fuzz-seeds: stale in runtime-rs/hms-fuzz/seeds: ${stale.join(', ')}`);
      process.exit(1);
    }
    return;
  }
  mkdirSync(SEEDS, { recursive: true });
  for (const f of readdirSync(SEEDS)) if (f.endsWith('.bin') && !seeds.has(f.slice(0, -4))) rmSync(join(SEEDS, f));
  writeFileSync(join(SEEDS, 'types.txt'), list);
  for (const [t, bytes] of seeds) writeFileSync(join(SEEDS, `${t}.bin`), bytes);
  console.log(`gen-fuzz-seeds: ${seeds.size} seeds in runtime-rs/hms-fuzz/seeds (${stale.length} changed)`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
