// The FlatBuffers schema corpus (google/flatbuffers @ 81edeb17, see shared/notes/flatbuffers-idl.md §6)
// and hms-gen's own schemas under idl/. The corpus is read in place, never copied.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Callback, suite as uvuSuite, Test } from 'uvu';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `HMS_FBS_CORPUS` (absolute, or relative to the repo root), default `<repo>/../shared/fbs-corpus`. */
export const corpusRoot = resolve(repoRoot, process.env['HMS_FBS_CORPUS'] || join('..', 'shared', 'fbs-corpus'));

/**
 * Whether the corpus is there (its root is a directory; an incomplete one fails the corpus tests).
 * Without it the corpus-based tests are skipped, not failed: a clone outside the workspace has no
 * ../shared/fbs-corpus. scripts/test lists what was skipped and says how to enable it.
 */
export const corpusPresent: boolean = existsSync(corpusRoot) && statSync(corpusRoot).isDirectory();

/**
 * Records that `what` (a suite or test of `file`) did not run because the corpus is absent: one line
 * that scripts/test collects into its closing notice.
 */
export function corpusSkipped(file: string, what: string): void {
  console.log(`hms-test: corpus not found, not run: ${file}: ${what}`);
}

/**
 * `t` itself when the corpus is present; otherwise a registrar that skips each test (uvu counts it
 * as skipped) and records it with corpusSkipped.
 */
export function corpusTest<T>(t: Test<T>, file: string): (name: string, fn: Callback<T>) => void {
  if (corpusPresent) return (name, fn) => t(name, fn);
  return (name, fn) => {
    corpusSkipped(file, name);
    t.skip(name, fn);
  };
}

/**
 * `suite` itself when the corpus is present; otherwise every suite it makes registers and runs
 * nothing (no hooks either) and is recorded whole with corpusSkipped.
 */
export function corpusSuite(suite: typeof uvuSuite, file: string): typeof uvuSuite {
  if (corpusPresent) return suite;
  return <T>(title?: string): Test<T> => {
    corpusSkipped(file, `suite "${title ?? ''}"`);
    const noop = (): void => {};
    const hook = Object.assign(noop, { each: noop });
    return Object.assign(() => {}, { only: noop, skip: noop, before: hook, after: hook, run: noop }) as unknown as Test<T>;
  };
}

/** `-I . -I tests/include_test -I tests/include_test/sub -I tests/flatc`; works for every corpus file. */
export const corpusIncludePaths: readonly string[] = ['.', 'tests/include_test', 'tests/include_test/sub', 'tests/flatc'].map(
  (p) => resolve(corpusRoot, p),
);

/** Reflection schema matching flatc 2.0.8 (tag v2.0.8): converts the oracle's .bfbs to JSON. */
export const reflectionSchema208 = join(corpusRoot, 'reflection', 'reflection.v2.0.8.fbs');
/** HEAD reflection schema (adds Vector64, EnumVal.attributes, Field.offset64): for the upstream goldens. */
export const reflectionSchemaHead = join(corpusRoot, 'reflection', 'reflection.fbs');

/** hms-gen's own schemas; compiled with `-I idl`. */
export const idlRoot = join(repoRoot, 'idl');
export const idlIncludePaths: readonly string[] = [idlRoot];

/** Every `*.fbs` below `root`, as sorted "/"-separated paths relative to `root`. */
export function listFbs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.fbs')) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

export const corpusFiles = (): string[] => listFbs(corpusRoot);
export const corpusPath = (rel: string): string => join(corpusRoot, rel);

export type Classification =
  /** Accepted by flatc 2.0.8; hms-gen must accept it and match the 2.0.8 reflection (normalised). */
  | 'valid'
  /** Rejected by every flatc; hms-gen must reject it with located diagnostics. */
  | 'invalid'
  /** Valid at flatc HEAD / 25.x, rejected by 2.0.8; hms-gen must accept it (hand-checked expectations). */
  | 'newer';

export interface Expectation {
  readonly classification: Exclude<Classification, 'valid'>;
  readonly why: string;
  /** Stable substring of flatc 2.0.8's error message, checked so that drift is caught. */
  readonly flatc208Error: string;
}

/** Explicit list of every corpus file that flatc 2.0.8 `-b --schema` rejects. Everything else is 'valid'. */
export const EXPECTED_FAILURES: ReadonlyMap<string, Expectation> = new Map<string, Expectation>([
  // Negative by design.
  ['tests/name_clash_test/invalid_test1.fbs', { classification: 'invalid', why: 'negative test: A.X declared twice', flatc208Error: 'datatype already exists: A.X' }],
  // Include `imported.fbs`, which upstream has only as the .proto input of `flatc --proto`.
  ...[
    'tests/prototest/test_include.golden.fbs',
    'tests/prototest/test_include_id.golden.fbs',
    'tests/prototest/test_union_include.golden.fbs',
    'tests/prototest/test_union_include_id.golden.fbs',
    'tests/test.fbs',
  ].map((f): [string, Expectation] => [f, { classification: 'invalid', why: 'includes nonexistent imported.fbs', flatc208Error: 'unable to load include file: imported.fbs' }]),
  // Valid at HEAD, rejected by flatc 2.0.8 `-b --schema`.
  ['tests/64bit/evolution/v2.fbs', { classification: 'newer', why: '`vector64` attribute (v23.5.9)', flatc208Error: 'user define attributes must be declared before use: vector64' }],
  ['tests/64bit/test_64bit.fbs', { classification: 'newer', why: '`offset64`/`vector64` attributes (v23.5.9)', flatc208Error: 'user define attributes must be declared before use: offset64' }],
  ['tests/default_vectors_strings_test.fbs', { classification: 'newer', why: 'string/vector defaults in binary schema output', flatc208Error: 'Default values for strings and vectors are not supported' }],
  ['tests/more_defaults.fbs', { classification: 'newer', why: 'string/vector defaults in binary schema output', flatc208Error: 'Default values for strings and vectors are not supported' }],
  ['tests/even_more_defaults.fbs', { classification: 'newer', why: 'string/vector defaults in binary schema output', flatc208Error: 'Default values for strings and vectors are not supported' }],
  ['tests/flatc/enum_val_attributes.fbs', { classification: 'newer', why: 'metadata on enum values (v22.10.25)', flatc208Error: 'expecting: } instead got: (' }],
  ['tests/rust_namer_test.fbs', { classification: 'newer', why: 'metadata on union values (v22.10.25)', flatc208Error: 'expecting: } instead got: (' }],
  ['tests/key_field/key_field_sample.fbs', { classification: 'newer', why: '`key` on fixed-array and struct members of structs', flatc208Error: "'key' field must be string or scalar type" }],
  ['tests/union_underlying_type_test.fbs', { classification: 'newer', why: 'union underlying type `union X : int` (v23.5.26)', flatc208Error: 'expecting: { instead got: :' }],
]);

export function classify(rel: string): Classification {
  return EXPECTED_FAILURES.get(rel)?.classification ?? 'valid';
}

/** Upstream golden .bfbs files (recent flatc, --bfbs-comments --bfbs-filenames; builtins only in monster_test). */
export const GOLDEN_BFBS: ReadonlyMap<string, string> = new Map([
  ['tests/monster_test.fbs', 'tests/monster_test.bfbs'],
  ['tests/arrays_test.fbs', 'tests/arrays_test.bfbs'],
  ['tests/64bit/test_64bit.fbs', 'tests/64bit/test_64bit.bfbs'],
  ['tests/annotated_binary/annotated_binary.fbs', 'tests/annotated_binary/annotated_binary.bfbs'],
  ['samples/monster.fbs', 'samples/monster.bfbs'],
]);
