// The hand-written runtimes repeat a few facts of the ABI (generator/src/codegen/abi.ts) and of the
// contracts (idl/hms/common.fbs): the result record's size and the status codes. Each copy is held
// to its source here, so they cannot drift apart again (hms-ffi said ABI version 1 while it was 2).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes } from 'hms-runtime';
import { RESULT_RECORD_SIZE } from '../generator/src/codegen/abi.js';
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

test("the result record size is abi.ts' in hms-ffi and in hms-runtime", () => {
  assert.match(source('runtime-rs/hms-ffi/src/result.rs'), `pub const RECORD_SIZE: usize = ${RESULT_RECORD_SIZE};`);
  assert.match(source('runtime-ts/src/ffi/library.ts'), `const RECORD_SIZE = ${RESULT_RECORD_SIZE};`);
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
