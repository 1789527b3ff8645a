// flatc 2.0.8 as the wire oracle for the Rust round trips: JSON → binary (`flatc -b`) and
// binary → JSON (`flatc --json --strict-json --defaults-json --raw-binary`). Printing defaults on
// both sides is the normalisation: a default written explicitly and one left absent read the
// same, while optional scalars (no default) still show whether they are present.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { flatcPath } from './flatc-oracle.js';
import { parseFlatcJson, type Json } from './normalize.js';
import { run } from './emit-rust-crate.js';

export interface WireSchema {
  readonly schema: string;
  readonly includes: readonly string[];
  /** Qualified root type (passed as --root-type). */
  readonly rootType: string;
}

const includeArgs = (s: WireSchema): string[] => s.includes.flatMap((i) => ['-I', i]);

/** `flatc -b` of a JSON file; returns the binary. */
export function jsonToBinary(s: WireSchema, jsonFile: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'hms-rust-wire-'));
  try {
    const r = run(flatcPath, ['-b', ...includeArgs(s), '--root-type', s.rootType, '-o', dir, s.schema, jsonFile], process.cwd());
    if (r.status !== 0) throw new Error(`flatc -b ${jsonFile} failed:\n${r.stderr}${r.stdout}`);
    const out = join(dir, basename(jsonFile).replace(/\.json$/, '.bin'));
    let bytes: Buffer;
    try {
      bytes = readFileSync(out);
    } catch {
      // flatc names the output after the schema's file_extension
      const ext = /file_extension\s+"([^"]+)"/.exec(readFileSync(s.schema, 'utf8'))?.[1] ?? 'bin';
      bytes = readFileSync(join(dir, basename(jsonFile).replace(/\.json$/, `.${ext}`)));
    }
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `flatc --json` of a binary, parsed (non-finite numbers quoted). */
export function binaryToJson(s: WireSchema, bytes: Buffer): Json {
  const dir = mkdtempSync(join(tmpdir(), 'hms-rust-wire-'));
  try {
    const bin = join(dir, 'data.bin');
    writeFileSync(bin, bytes);
    const r = run(
      flatcPath,
      ['--json', '--strict-json', '--defaults-json', '--raw-binary', ...includeArgs(s), '--root-type', s.rootType, '-o', dir, s.schema, '--', bin],
      process.cwd(),
    );
    if (r.status !== 0) throw new Error(`flatc --json failed:\n${r.stderr}${r.stdout}`);
    return parseFlatcJson(readFileSync(join(dir, 'data.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
