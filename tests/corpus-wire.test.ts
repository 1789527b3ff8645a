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
import { compileTypeScript } from '../generator/src/backends/js/index.js';
import { RustNaming } from '../generator/src/backends/rust/naming.js';
import { buildNameTable } from '../generator/src/backends/ts/naming.js';
import type { GenerateResult } from '../generator/src/codegen/generate.js';
import { loadSchemaSet, type SchemaSet } from '../generator/src/codegen/schema-set.js';
import type { ObjectDef } from '../generator/src/ir/model.js';
import { classify, corpusFiles, corpusIncludePaths, corpusPath, corpusTest, repoRoot } from './support/corpus.js';
import { fn, generateTs, importModule, oracle, workDir, type Oracle } from './support/emit-ts-harness.js';
import { cargo, generatedFiles, generateRust, run, WIRE_DIR, WIRE_TARGET } from './support/emit-rust-crate.js';
import { Samples } from './support/wire-samples.js';

/** Corpus schemas the TypeScript backend rejects (E200), with the reason its message gives. */
const UNSUPPORTED_TS: ReadonlyMap<string, string> = new Map([
  ['tests/annotated_binary/annotated_binary.fbs', 'AnnotatedBinary.Any.Tolerance: structs as union members'],
  ['tests/annotated_binary/annotated_binary_old.fbs', 'AnnotatedBinary.Any.Tolerance: structs as union members'],
  ['tests/union_vector/union_vector.fbs', 'Character.Rapunzel: structs as union members'],
]);

/** Corpus schemas the Rust backend rejects (E200), with the reason its message gives. */
const UNSUPPORTED_RUST: ReadonlyMap<string, string> = new Map([
  ['tests/annotated_binary/annotated_binary.fbs', 'union AnnotatedBinary.Any: member Tolerance is not a table'],
  ['tests/annotated_binary/annotated_binary_old.fbs', 'union AnnotatedBinary.Any: member Tolerance is not a table'],
  ['tests/union_vector/union_vector.fbs', 'union Character: member Rapunzel is not a table'],
]);

// Every test here needs the corpus: without it they are skipped (and listed by scripts/test).
const corpusOnly = corpusTest(test, 'corpus-wire.test.ts');

// Only this suite's directories: other suites of the same uvu process use workDir too.
const disposers: (() => void)[] = [];
test.after(() => {
  for (const d of disposers) d();
});

function dir(name: string): string {
  const w = workDir(name);
  disposers.push(w.dispose);
  return w.dir;
}

/** One corpus schema flatc 2.0.8 accepts, compiled once for both backends. */
interface CorpusSchema {
  readonly rel: string;
  readonly file: string;
  readonly set: SchemaSet;
  readonly samples: Samples;
  readonly flatc: Oracle;
}

let schemas: CorpusSchema[] | undefined;

function corpusSchemas(): CorpusSchema[] {
  if (schemas !== undefined) return schemas;
  const work = dir('corpus-flatc');
  schemas = corpusFiles()
    .filter((rel) => rel.startsWith('tests/') && classify(rel) === 'valid')
    .map((rel) => {
      const file = corpusPath(rel);
      const loaded = loadSchemaSet([file], corpusIncludePaths);
      if (loaded.set === undefined) throw new Error(`${rel}: ${loaded.rendered}`);
      return { rel, file, set: loaded.set, samples: new Samples(loaded.set), flatc: oracle(work, file, corpusIncludePaths) };
    });
  return schemas;
}

/** The schema's tables a backend has not checked yet (a table included by several schemas is checked once). */
function newTables(s: CorpusSchema, seen: Set<string>): ObjectDef[] {
  return s.set.objects.filter((o) => {
    const key = `${o.declarationFile}:${o.name}`;
    if (o.isStruct || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// A table's sample binary (flatc -b) and flatc's JSON of it, made once for both backends.
const expected = new Map<string, { readonly input: Uint8Array; readonly json: string }>();

function sampleOf(s: CorpusSchema, table: string): { readonly input: Uint8Array; readonly json: string } {
  const key = `${s.file}:${table}`;
  let e = expected.get(key);
  if (e === undefined) {
    const input = s.flatc.binary(s.samples.table(table), table);
    expected.set(key, (e = { input, json: JSON.stringify(s.flatc.json(input, table, true)) }));
  }
  return e;
}

/** What is wrong with `again`, a table re-encoded by generated code, as flatc reads it; undefined if nothing. */
function mismatch(s: CorpusSchema, table: string, again: Uint8Array): string | undefined {
  const want = sampleOf(s, table).json;
  const got = JSON.stringify(s.flatc.json(again, table, true));
  return got === want ? undefined : `${s.rel} ${table}: flatc reads\n  ${got}\nfrom the re-encoded buffer, expected\n  ${want}`;
}

/** The schemas a backend rejected must be exactly the expected ones, each with its E200. */
function assertRejected(rejected: ReadonlyMap<string, string>, expectedRejections: ReadonlyMap<string, string>): void {
  assert.equal([...rejected.keys()].sort(), [...expectedRejections.keys()].sort());
  for (const [rel, reason] of expectedRejections) {
    assert.match(rejected.get(rel) ?? '', 'error[E200]');
    assert.match(rejected.get(rel) ?? '', reason);
  }
}

/** The schemas `generate` handles, and those it rejects with their rendered diagnostics. */
function generateAll(generate: (s: CorpusSchema, index: number) => GenerateResult): {
  supported: { s: CorpusSchema; result: GenerateResult; index: number }[];
  rejected: Map<string, string>;
} {
  const supported: { s: CorpusSchema; result: GenerateResult; index: number }[] = [];
  const rejected = new Map<string, string>();
  corpusSchemas().forEach((s, index) => {
    const result = generate(s, index);
    if (result.kind === 'unsupported') rejected.set(s.rel, result.rendered);
    else if (result.kind !== 'done') throw new Error(`${s.rel}: generation failed:\n${result.rendered}`);
    else supported.push({ s, result, index });
  });
  return { supported, rejected };
}

corpusOnly('every corpus table round-trips through the generated TypeScript codecs as flatc reads it', async () => {
  const outDirs = new Map<number, string>();
  const outDir = (index: number): string => {
    let d = outDirs.get(index);
    if (d === undefined) outDirs.set(index, (d = dir(`corpus-ts-${index}`)));
    return d;
  };
  const { supported, rejected } = generateAll((s, index) => generateTs(outDir(index), [s.file], corpusIncludePaths));
  assertRejected(rejected, UNSUPPORTED_TS);
  const problems: string[] = [];
  const seen = new Set<string>();
  let tables = 0;
  for (const { s, index } of supported) {
    const names = buildNameTable(s.set);
    for (const o of newTables(s, seen)) {
      const d = names.decl(o.name);
      try {
        const m = await importModule(join(outDir(index), 'ts', d.module.path));
        const value = fn<[Uint8Array], unknown>(m, d.decode)(sampleOf(s, o.name).input);
        const problem = mismatch(s, o.name, fn<[unknown], Uint8Array>(m, d.encode)(value));
        if (problem !== undefined) problems.push(problem);
      } catch (e) {
        problems.push(`${s.rel} ${o.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
      tables++;
    }
  }
  assert.equal(problems.slice(0, 5), [], `${problems.length} problems`);
  // 68 schemas with 149 distinct tables when this was written: a drop means schemas went missing.
  assert.ok(supported.length >= 68 && tables >= 149, `${supported.length} schemas, ${tables} tables`);
});

corpusOnly('every corpus table round-trips through the JavaScript bindings (--lang js) with the TypeScript bytes', async () => {
  // Every schema's TypeScript, compiled in one tsc run (what the js backend does per generate run).
  const { supported } = generateAll((s, index) => generateTs(dir(`corpus-js-ts-${index}`), [s.file], corpusIncludePaths));
  const sources = new Map<string, string>();
  for (const { result, index } of supported) {
    if (result.kind !== 'done') continue;
    for (const [p, text] of result.out.entries()) if (p.startsWith('ts/')) sources.set(`s${index}/${p.slice(3)}`, text);
  }
  const js = compileTypeScript(sources);
  const root = dir('corpus-js');
  for (const [p, text] of js) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  // One plain node process (no TypeScript loader) decodes and re-encodes every sample.
  const jobs: { module: string; decode: string; encode: string; input: string; output: string; label: string }[] = [];
  const tsBytes = new Map<string, Uint8Array>();
  const seen = new Set<string>();
  for (const { s, index } of supported) {
    const names = buildNameTable(s.set);
    for (const o of newTables(s, seen)) {
      const d = names.decl(o.name);
      const label = `${s.rel} ${o.name}`;
      const input = join(root, `in-${jobs.length}.bin`);
      writeFileSync(input, sampleOf(s, o.name).input);
      jobs.push({
        module: join(root, `s${index}`, d.module.path.replace(/\.ts$/, '.js')), decode: d.decode, encode: d.encode, input,
        output: join(root, `out-${jobs.length}.bin`), label,
      });
      const m = await importModule(join(root, '..', `corpus-js-ts-${index}`, 'ts', d.module.path));
      tsBytes.set(label, fn<[unknown], Uint8Array>(m, d.encode)(fn<[Uint8Array], unknown>(m, d.decode)(sampleOf(s, o.name).input)));
    }
  }
  writeFileSync(join(root, 'jobs.json'), JSON.stringify(jobs));
  writeFileSync(
    join(root, 'run.mjs'),
    `import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const problems = [];
for (const j of JSON.parse(readFileSync(process.argv[2], 'utf8'))) {
  try {
    const m = await import(pathToFileURL(j.module).href);
    writeFileSync(j.output, m[j.encode](m[j.decode](readFileSync(j.input))));
  } catch (e) {
    problems.push(j.label + ': ' + (e && e.message));
  }
}
console.log(JSON.stringify(problems));
`,
  );
  const r = run(process.execPath, [join(root, 'run.mjs'), join(root, 'jobs.json')], root, { NODE_OPTIONS: '' });
  assert.is(r.status, 0, r.stderr);
  const problems = JSON.parse(r.stdout) as string[];
  for (const j of jobs) {
    if (problems.some((p) => p.startsWith(`${j.label}:`))) continue;
    const again = new Uint8Array(readFileSync(j.output));
    const want = tsBytes.get(j.label) as Uint8Array;
    if (Buffer.compare(Buffer.from(again), Buffer.from(want)) !== 0) problems.push(`${j.label}: the JS bytes differ from the TypeScript bytes`);
  }
  assert.equal(problems.slice(0, 5), [], `${problems.length} problems`);
  assert.ok(jobs.length >= 149, `${jobs.length} tables`);
});

corpusOnly('every corpus table round-trips through the generated Rust codecs as flatc reads it', () => {
  const root = join(WIRE_DIR, 'corpus');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const { supported, rejected } = generateAll((s) => generateRust([s.file], corpusIncludePaths));
  assertRejected(rejected, UNSUPPORTED_RUST);

  // One crate per schema, under its own name so that one binary can depend on all of them.
  const crates: string[] = [];
  const arms: string[] = [];
  const cases: { s: CorpusSchema; crate: string; table: string }[] = [];
  const seen = new Set<string>();
  for (const { s, result } of supported) {
    const crate = `c${crates.length}`;
    crates.push(crate);
    for (const [p, text] of generatedFiles(result)) {
      if (!p.startsWith('rust/contracts/')) continue;
      const target = join(root, crate, p.slice('rust/contracts/'.length));
      mkdirSync(join(target, '..'), { recursive: true });
      const renamed = text.replace('name = "hms-contracts"', `name = "corpus-${crate}"`).replace('name = "hms_contracts"', `name = "corpus_${crate}"`);
      writeFileSync(target, p.endsWith('Cargo.toml') ? renamed : text);
    }
    const names = new RustNaming(s.set.objects, s.set.enums, s.set.services);
    for (const o of newTables(s, seen)) {
      const t = names.of(o.name);
      const path = [`corpus_${crate}`, ...(t.module === '' ? [] : [t.module]), t.owned].join('::');
      arms.push(`        ${JSON.stringify(`${crate}:${o.name}`)} => roundtrip(&bytes, ${path}::decode, ${path}::encode),`);
      cases.push({ s, crate, table: o.name });
    }
  }

  // `corpus-roundtrip CRATE:TYPE IN OUT` over every crate.
  mkdirSync(join(root, 'roundtrip', 'src'), { recursive: true });
  const dependencies = crates.map((c) => `corpus-${c} = { path = "../${c}" }`);
  writeFileSync(
    join(root, 'roundtrip', 'Cargo.toml'),
    ['[package]', 'name = "corpus-roundtrip"', 'version = "0.1.0"', 'edition = "2021"', 'publish = false', '', '[dependencies]', ...dependencies, ''].join('\n'),
  );
  writeFileSync(join(root, 'roundtrip', 'src', 'main.rs'), roundtripMain(arms));
  const members = [...crates, 'roundtrip'].map((c) => JSON.stringify(c)).join(', ');
  writeFileSync(join(root, 'Cargo.toml'), ['[workspace]', 'resolver = "2"', `members = [${members}]`, ''].join('\n'));
  const build = cargo(['build', '--quiet', '-p', 'corpus-roundtrip'], root);
  assert.is(build.status, 0, build.stderr);
  // Every generated crate is also clippy-clean and in rustfmt's layout, as the committed one is.
  const clippy = cargo(['clippy', '--quiet', '--workspace', '--exclude', 'corpus-roundtrip', '--', '-D', 'warnings'], root);
  assert.is(clippy.status, 0, clippy.stderr);
  const sources = crates.flatMap((c) => listRust(join(root, c, 'src')));
  const fmt = run('rustfmt', ['--check', '--config-path', join(repoRoot, 'templates', 'rust', 'rustfmt.toml'), ...sources], root);
  assert.is(fmt.status, 0, `${fmt.stdout.slice(0, 3000)}${fmt.stderr}`);

  const bin = join(WIRE_TARGET, 'debug', 'corpus-roundtrip');
  const work = join(root, 'data');
  mkdirSync(work, { recursive: true });
  const problems: string[] = [];
  for (const { s, crate, table } of cases) {
    try {
      writeFileSync(join(work, 'in.bin'), sampleOf(s, table).input);
      const rt = run(bin, [`${crate}:${table}`, join(work, 'in.bin'), join(work, 'out.bin')], work);
      const problem =
        rt.status !== 0 ? `${s.rel} ${table}: roundtrip exited ${rt.status}: ${rt.stderr}${rt.stdout}` : mismatch(s, table, readFileSync(join(work, 'out.bin')));
      if (problem !== undefined) problems.push(problem);
    } catch (e) {
      problems.push(`${s.rel} ${table}: ${e instanceof Error ? e.message : String(e)}`);
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
