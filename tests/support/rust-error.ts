// Assertions on the RustError a binding call throws (tests/ffi.test.ts, tests/ffi-memory.test.ts).

import * as assert from 'uvu/assert';
import { RustError } from 'hms-runtime';

/** `e` is a RustError with `code`, and its message equals `message` (a string) or matches it (a RegExp). */
function assertRustError(e: unknown, code: number, message: string | RegExp | undefined): RustError {
  assert.instance(e, RustError);
  const err = e as RustError;
  assert.is(err.code, code, `code of: ${err.message}`);
  if (typeof message === 'string') assert.is(err.message, message);
  else if (message !== undefined) assert.match(err.message, message);
  return err;
}

/** Calls `f`, which must throw a RustError with `code` (and `message`, when given). */
export function expectRustError(f: () => unknown, code: number, message?: string | RegExp): RustError {
  try {
    f();
  } catch (e) {
    return assertRustError(e, code, message);
  }
  assert.unreachable(`expected RustError ${code}`);
  throw new Error('unreachable');
}

/** `p` must reject with a RustError with `code` (and `message`, when given). */
export async function expectRejection(p: Promise<unknown>, code: number, message?: string | RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assertRustError(e, code, message);
    return;
  }
  assert.unreachable(`expected a rejection with RustError ${code}`);
}
