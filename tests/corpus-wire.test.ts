// Wire compatibility over the whole corpus: for every corpus schema flatc 2.0.8 accepts and a backend
// supports, every table gets a sample value with every field set (tests/support/wire-samples.ts);
// `flatc -b` builds its binary, the generated code decodes and re-encodes it (TypeScript: decode* /
// encode*; Rust: `decode` / `encode` of the owned type, one crate per schema built together), and
// `flatc --json --defaults-json` must read the same JSON from both buffers. Schemas a backend
// rejects must be rejected with E200 and are listed below.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RustNaming } from '../generator/src/backends/rust/naming.js';
import { buildNameTable } from '../generator/src/backends/ts/naming.js';
import { loadSchemaSet } from '../generator/src/codegen/schema-set.js';
import { classify, corpusFiles, corpusIncludePaths, corpusPath, repoRoot } from './support/corpus.js';
import { fn, generateTs, importModule, oracle, workDir } from './support/emit-ts-harness.js';
import { generatedFiles, generateRust, run, WIRE_DIR, WIRE_TARGET } from './support/emit-rust-crate.js';
import { Samples } from './support/wire-samples.js';

/** Corpus schemas the TypeScript backend rejects (E200), with the reason its message gives. */
const UNSUPPORTED_TS: ReadonlyMap<string, string> = new Map([
  ['tests/annotated_binary/annotated_binary.fbs', 'AnnotatedBinary.Any.Tolerance: structs as union members'],
  ['tests/annotated_binary/annotated_binary_old.fbs', 'AnnotatedBinary.Any.Tolerance: structs as union members'],
  ['tests/union_vector/union_vector.fbs', 'Character.Rapunzel: structs as union members'],
]);

interface Outcome {
  readonly file: string;
  tables: number;
  readonly problems: string[];
}

const outcomes: Outcome[] = [];
const unsupported = new Map<string, string>();

// Only this suite's directories: other suites of the same uvu process use workDir too.
const disposers: (() => void)[] = [];
test.after(() => {
  for (const d of disposers) d();
});

test('every corpus table round-trips through the generated TypeScript codecs as flatc reads it', async () => {
  const seen = new Set<string>();
  let index = 0;
  for (const rel of corpusFiles()) {
    if (!rel.startsWith('tests/') || classify(rel) !== 'valid') continue;
    const file = corpusPath(rel);
    const work = workDir(`corpus-${index++}`);
    disposers.push(work.dispose);
    const dir = work.dir;
    const generated = generateTs(dir, [file], corpusIncludePaths);
    if (generated.kind === 'unsupported') {
      unsupported.set(rel, generated.rendered);
      continue;
    }
    if (generated.kind !== 'done') {
      outcomes.push({ file: rel, tables: 0, problems: [`generation failed:\n${generated.rendered}`] });
      continue;
    }
    const loaded = loadSchemaSet([file], corpusIncludePaths);
    const set = loaded.set;
    if (set === undefined) throw new Error(`${rel}: ${loaded.rendered}`);
    const names = buildNameTable(set);
    const samples = new Samples(set);
    const flatc = oracle(dir, file, corpusIncludePaths);
    const outcome: Outcome = { file: rel, tables: 0, problems: [] };
    outcomes.push(outcome);
    for (const o of set.objects) {
      const key = `${o.declarationFile}:${o.name}`;
      if (o.isStruct || seen.has(key)) continue;
      seen.add(key);
      const d = names.decl(o.name);
      const m = await importModule(join(dir, 'ts', d.module.path));
      try {
        const input = flatc.binary(samples.table(o.name), o.name);
        const value = fn<[Uint8Array], unknown>(m, d.decode)(input);
        const again = fn<[unknown], Uint8Array>(m, d.encode)(value);
        const want = JSON.stringify(flatc.json(input, o.name, true));
        const got = JSON.stringify(flatc.json(again, o.name, true));
        if (process.env['HMS_CORPUS_WIRE_LOG']) console.log(rel, o.name, want);
        if (got !== want) outcome.problems.push(`${o.name}: flatc reads\n  ${got}\nfrom the re-encoded buffer, expected\n  ${want}`);
        outcome.tables++;
      } catch (e) {
        outcome.problems.push(`${o.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  const problems = outcomes.flatMap((o) => o.problems.map((p) => `${o.file}: ${p}`));
  assert.equal(problems.slice(0, 5), [], `${problems.length} problems`);
  const tables = outcomes.reduce((n, o) => n + o.tables, 0);
  // 68 schemas with 149 distinct tables when this was written: a drop means schemas went missing.
  assert.ok(outcomes.length >= 68 && tables >= 149, `${outcomes.length} schemas, ${tables} tables`);
});

test('the corpus schemas the TypeScript backend rejects are the expected ones, each with E200', () => {
  assert.equal([...unsupported.keys()].sort(), [...UNSUPPORTED_TS.keys()].sort());
  for (const [rel, reason] of UNSUPPORTED_TS) {
    const rendered = unsupported.get(rel) ?? '';
    assert.match(rendered, 'error[E200]');
    assert.match(rendered, reason);
  }
});

/** Corpus schemas the Rust backend rejects (E200), with the reason its message gives. */
const UNSUPPORTED_RUST: ReadonlyMap<string, string> = new Map([
  ['tests/annotated_binary/annotated_binary.fbs', 'union AnnotatedBinary.Any: member Tolerance is not a table'],
  ['tests/annotated_binary/annotated_binary_old.fbs', 'union AnnotatedBinary.Any: member Tolerance is not a table'],
  ['tests/union_vector/union_vector.fbs', 'union Character: member Rapunzel is not a table'],
]);

test('every corpus table round-trips through the generated Rust codecs as flatc reads it', () => {
  const root = join(WIRE_DIR, 'corpus');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const rejected = new Map<string, string>();
  const arms: string[] = [];
  const crates: string[] = [];
  const cases: { rel: string; file: string; crate: string; table: string; samples: Samples }[] = [];
  const seen = new Set<string>();
  for (const rel of corpusFiles()) {
    if (!rel.startsWith('tests/') || classify(rel) !== 'valid') continue;
    const file = corpusPath(rel);
    const generated = generateRust([file], corpusIncludePaths);
    if (generated.kind === 'unsupported') {
      rejected.set(rel, generated.rendered);
      continue;
    }
    const crate = `c${crates.length}`;
    crates.push(crate);
    // The crate under its own name, so that one binary can depend on all of them.
    for (const [p, text] of generatedFiles(generated)) {
      if (!p.startsWith('rust/contracts/')) continue;
      const target = join(root, crate, p.slice('rust/contracts/'.length));
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(
        target,
        p.endsWith('Cargo.toml') ? text.replace('name = "hms-contracts"', `name = "corpus-${crate}"`).replace('name = "hms_contracts"', `name = "corpus_${crate}"`) : text,
      );
    }
    const set = loadSchemaSet([file], corpusIncludePaths).set;
    if (set === undefined) throw new Error(`${rel} does not compile`);
    const names = new RustNaming(set.objects, set.enums, set.services);
    const samples = new Samples(set);
    for (const o of set.objects) {
      const key = `${o.declarationFile}:${o.name}`;
      if (o.isStruct || seen.has(key)) continue;
      seen.add(key);
      const t = names.of(o.name);
      const path = [`corpus_${crate}`, ...(t.module === '' ? [] : [t.module]), t.owned].join('::');
      arms.push(`        ${JSON.stringify(`${crate}:${o.name}`)} => roundtrip(&bytes, ${path}::decode, ${path}::encode),`);
      cases.push({ rel, file, crate, table: o.name, samples });
    }
  }
  assert.equal([...rejected.keys()].sort(), [...UNSUPPORTED_RUST.keys()].sort());
  for (const [rel, reason] of UNSUPPORTED_RUST) {
    assert.match(rejected.get(rel) ?? '', 'error[E200]');
    assert.match(rejected.get(rel) ?? '', reason);
  }

  // One binary over every crate: `corpus-roundtrip CRATE:TYPE IN OUT`.
  mkdirSync(join(root, 'roundtrip', 'src'), { recursive: true });
  writeFileSync(
    join(root, 'roundtrip', 'Cargo.toml'),
    ['[package]', 'name = "corpus-roundtrip"', 'version = "0.1.0"', 'edition = "2021"', 'publish = false', '', '[dependencies]',
      ...crates.map((c) => `corpus-${c} = { path = "../${c}" }`), ''].join('\n'),
  );
  writeFileSync(join(root, 'roundtrip', 'src', 'main.rs'), roundtripMain(arms));
  writeFileSync(join(root, 'Cargo.toml'), ['[workspace]', 'resolver = "2"', `members = [${[...crates, 'roundtrip'].map((c) => JSON.stringify(c)).join(', ')}]`, ''].join('\n'));
  const env = { CARGO_TARGET_DIR: WIRE_TARGET };
  let r = run('cargo', ['build', '--offline', '--quiet', '-p', 'corpus-roundtrip'], root, env);
  if (r.status !== 0 && /offline|download|registry|resolve/i.test(r.stderr)) r = run('cargo', ['build', '--quiet', '-p', 'corpus-roundtrip'], root, env);
  assert.is(r.status, 0, r.stderr);
  // Every generated crate is also clippy-clean and in rustfmt's layout, as the committed one is.
  const clippy = run('cargo', ['clippy', '--offline', '--quiet', '--workspace', '--exclude', 'corpus-roundtrip', '--', '-D', 'warnings'], root, env);
  assert.is(clippy.status, 0, clippy.stderr);
  const sources = crates.flatMap((c) => listRust(join(root, c, 'src')));
  const fmt = run('rustfmt', ['--check', '--config-path', join(repoRoot, 'templates', 'rust', 'rustfmt.toml'), ...sources], root);
  assert.is(fmt.status, 0, `${fmt.stdout.slice(0, 3000)}${fmt.stderr}`);
  const bin = join(WIRE_TARGET, 'debug', 'corpus-roundtrip');

  const problems: string[] = [];
  const work = join(root, 'data');
  mkdirSync(work, { recursive: true });
  for (const c of cases) {
    const flatc = oracle(work, c.file, corpusIncludePaths);
    try {
      const input = flatc.binary(c.samples.table(c.table), c.table);
      writeFileSync(join(work, 'in.bin'), input);
      const rt = run(bin, [`${c.crate}:${c.table}`, join(work, 'in.bin'), join(work, 'out.bin')], work);
      if (rt.status !== 0) {
        problems.push(`${c.rel} ${c.table}: roundtrip exited ${rt.status}: ${rt.stderr}${rt.stdout}`);
        continue;
      }
      const want = JSON.stringify(flatc.json(input, c.table, true));
      const got = JSON.stringify(flatc.json(readFileSync(join(work, 'out.bin')), c.table, true));
      if (got !== want) problems.push(`${c.rel} ${c.table}: flatc reads\n  ${got}\nfrom the re-encoded buffer, expected\n  ${want}`);
    } catch (e) {
      problems.push(`${c.rel} ${c.table}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  assert.equal(problems.slice(0, 5), [], `${problems.length} problems`);
  assert.ok(crates.length >= 60 && cases.length >= 140, `${crates.length} schemas, ${cases.length} tables`);
});

/** Every `.rs` file below `dir`. */
function listRust(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.rs'))
    .map((f) => join(dir, f));
}

function roundtripMain(arms: readonly string[]): string {
  return `//! Written by tests/corpus-wire.test.ts: decodes IN as CRATE:TYPE, re-encodes it into OUT.
use std::process::ExitCode;

fn roundtrip<T, E: std::fmt::Display>(
    bytes: &[u8],
    decode: fn(&[u8]) -> Result<T, E>,
    encode: fn(&T) -> Vec<u8>,
) -> Result<Vec<u8>, String> {
    decode(bytes).map(|v| encode(&v)).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[2]).expect("read input");
    let result = match args[1].as_str() {
${arms.join('\n')}
        other => Err(format!("unknown type {other}")),
    };
    match result {
        Ok(out) => {
            std::fs::write(&args[3], out).expect("write output");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            ExitCode::from(2)
        }
    }
}
`;
}

test.run();
