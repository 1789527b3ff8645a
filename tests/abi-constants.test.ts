// The hand-written runtimes repeat facts of the ABI (generator/src/codegen/abi.ts) and of the
// contracts (idl/hms/common.fbs): the result record's and a completion batch's layouts, the names
// of the exports hms-runtime calls, and the status codes. Each copy is held to its source here, so
// they cannot drift apart again (hms-ffi said ABI version 1 while it was 2).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes } from 'hms-runtime';
import { COMMON_EXPORTS, COMPLETION, RESULT_RECORD, type LayoutField } from '../generator/src/codegen/abi.js';
import * as tsLayout from '../runtime-ts/src/ffi/layout.js';
import { compileFile } from '../generator/src/frontend/compile.js';
import { REPO } from './support/cli.js';

const source = (p: string): string => readFileSync(join(REPO, p), 'utf8');

/** `hms.ErrorCode`'s values by name, from the schema. */
function errorCodes(): Map<string, number> {
  const r = compileFile(join(REPO, 'idl', 'hms', 'common.fbs'));
  const e = r.schema?.enums.find((x) => x.name === 'hms.ErrorCode');
  if (!e) throw new Error('no hms.ErrorCode in idl/hms/common.fbs');
  return new Map(e.values.map((v) => [v.name, Number(v.value)]));
}

const screaming = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** A field of an abi.ts layout by name. */
function field(fields: readonly LayoutField[], name: string): LayoutField {
  const f = fields.find((x) => x.name === name);
  if (!f) throw new Error(`abi.ts has no field ${name}`);
  return f;
}

/** `pub const NAME: usize = N;` of a Rust source. */
function rustConst(text: string, name: string): number {
  const m = new RegExp(`^pub const ${name}: (?:usize|u32) = (\\d+);$`, 'm').exec(text);
  if (!m) throw new Error(`no pub const ${name}`);
  return Number(m[1]);
}

const DATAVIEW_READ: Readonly<Record<LayoutField['type'], string>> = { u32: 'getUint32', i32: 'getInt32', u64: 'getBigUint64' };

test("the result record's layout is abi.ts' in hms-ffi and in hms-runtime", () => {
  const rs = source('runtime-rs/hms-ffi/src/result.rs');
  assert.is(rustConst(rs, 'RECORD_SIZE'), RESULT_RECORD.size);
  assert.is(rustConst(rs, 'PLACE_OUT'), RESULT_RECORD.places.out);
  assert.is(rustConst(rs, 'PLACE_ALLOCATED'), RESULT_RECORD.places.allocated);
  assert.is(tsLayout.RECORD_SIZE, RESULT_RECORD.size);
  assert.is(tsLayout.PLACE_ALLOCATED, RESULT_RECORD.places.allocated);
  const ts = source('runtime-ts/src/ffi/library.ts');
  const tsOffsets: Readonly<Record<string, number>> = { len: tsLayout.RECORD_LEN_AT, place: tsLayout.RECORD_PLACE_AT, ptr: tsLayout.RECORD_PTR_AT };
  for (const f of RESULT_RECORD.fields) {
    const at = `RECORD_${f.name.toUpperCase()}_AT`;
    assert.is(rustConst(rs, at), f.offset, `hms-ffi ${at}`);
    // deliver writes the field with its type.
    assert.match(rs, `self.record.add(${at}).cast::<${f.type}>()`, `hms-ffi writes ${f.name} as ${f.type}`);
    assert.is(tsOffsets[f.name], f.offset, `hms-runtime ${at}`);
    assert.match(ts, `view.${DATAVIEW_READ[f.type]}(${at}, true)`, `hms-runtime reads ${f.name} as ${f.type}`);
  }
  assert.equal(RESULT_RECORD.fields.map((f) => f.name), ['len', 'place', 'ptr']);
});

test("a completion batch's layout is abi.ts' in hms-ffi and in hms-runtime", () => {
  const pool = source('runtime-rs/hms-ffi/src/pool.rs');
  assert.is(rustConst(pool, 'BATCH_HEADER'), COMPLETION.headerSize);
  assert.is(rustConst(pool, 'BATCH_ALIGN'), COMPLETION.align);
  // encode_batch writes the header fields in offset order, each with its size: id: u64, status: i32, len: u32.
  const encode = pool.slice(pool.indexOf('pub fn encode_batch'));
  const written = [...encode.matchAll(/out\.extend_from_slice\(\s*&(c\.id|c\.status|u32::try_from\(c\.bytes\.len\(\)\))/g)].map((m) => m[1]);
  assert.equal(written, ['c.id', 'c.status', 'u32::try_from(c.bytes.len())']);
  const sizes: Readonly<Record<LayoutField['type'], number>> = { u32: 4, i32: 4, u64: 8 };
  let at = 0;
  for (const f of COMPLETION.fields) {
    assert.is(f.offset, at, `abi.ts: ${f.name} follows the previous field`);
    at += sizes[f.type];
  }
  assert.is(at, COMPLETION.headerSize);
  assert.match(pool, `pub id: ${field(COMPLETION.fields, 'id').type},`);
  assert.match(pool, `pub status: ${field(COMPLETION.fields, 'status').type},`);
  assert.is(tsLayout.COMPLETION_HEADER, COMPLETION.headerSize);
  assert.is(tsLayout.COMPLETION_ALIGN, COMPLETION.align);
  const ts = source('runtime-ts/src/ffi/library.ts');
  const tsOffsets: Readonly<Record<string, number>> = { id: tsLayout.COMPLETION_ID_AT, status: tsLayout.COMPLETION_STATUS_AT, len: tsLayout.COMPLETION_LEN_AT };
  for (const f of COMPLETION.fields) {
    const name = `COMPLETION_${f.name.toUpperCase()}_AT`;
    assert.is(tsOffsets[f.name], f.offset, `hms-runtime ${name}`);
    assert.match(ts, `view.${DATAVIEW_READ[f.type]}(at + ${name}, true)`, `hms-runtime reads ${f.name} as ${f.type}`);
  }
});

test('every export hms-runtime calls by name is one of abi.ts', () => {
  const names = new Set(COMMON_EXPORTS.map((f) => f.name));
  const called = [...source('runtime-ts/src/ffi/library.ts').matchAll(/this\.fn\('(hms_\w+)'\)/g)].map((m) => m[1] as string);
  assert.ok(called.length >= 10, called.join(', '));
  for (const n of called) assert.ok(names.has(n), `${n} is not an export of abi.ts`);
});

test('hms-ffi status codes are hms.ErrorCode values', () => {
  const codes = errorCodes();
  const consts = [...source('runtime-rs/hms-ffi/src/status.rs').matchAll(/^pub const ([A-Z_]+): i32 = (\d+);$/gm)];
  assert.ok(consts.length >= 10, `${consts.length} status constants`);
  const byName = new Map([...codes].map(([n, v]) => [screaming(n), v]));
  for (const [, name, value] of consts) assert.is(Number(value), byName.get(name as string), `status::${name}`);
  assert.not.match(source('runtime-rs/hms-ffi/src/status.rs'), 'pub const ABI_VERSION');
});

test('hms-runtime ErrorCodes are hms.ErrorCode values', () => {
  const codes = errorCodes();
  for (const [name, value] of Object.entries(ErrorCodes)) assert.is(value, codes.get(name), `ErrorCodes.${name}`);
});

test.run();
