// Limits at the TypeScript side of the boundary: what an oversized message leaves behind, and the
// error a response too large for a JavaScript string gets.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes, RustError } from 'hms-runtime';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { DecodeError, encoderRetainedBytes, KEEP_ENCODER_BYTES } from '../generated/ts/_runtime.js';
import { decodeAck, encodeAck } from '../generated/ts/hms.js';
import { encodeRecordSampleRequest, MetricKind, MetricsCollectorClient } from '../generated/ts/hms/metrics.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';

const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** ArrayBuffer memory of the process after full collections. */
function arrayBuffersAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().arrayBuffers;
}

const request = (agentId: string) => ({
  agentId,
  sample: { name: 'big', value: 1, kind: MetricKind.Gauge, labels: null, timestampMs: 1n },
});

test('a 100 MB request leaves no encoder memory behind (ASCII and UTF-8 strings, vectors of offsets)', () => {
  encodeAck({ ok: true, message: 'warm' });
  const before = arrayBuffersAfterGc();
  // (Lengths only: a result kept in this frame would be the memory measured.)
  const encodedLength = (agentId: string): number => encodeRecordSampleRequest(request(agentId)).length;
  assert.ok(encodedLength('a'.repeat(100 * MB)) > 100 * MB);
  assert.ok(encodedLength('é'.repeat(50 * MB)) > 100 * MB);
  // A vector of 4 M labels (the offset stack grows to 16 MB for it).
  const withLabels = (n: number): number => {
    const labels = Array.from({ length: n }, () => ({ key: 'k', value: 'v' }));
    return encodeRecordSampleRequest({ ...request('x'), sample: { ...request('x').sample, labels } }).length;
  };
  assert.ok(withLabels(4 * MB) > 16 * MB);
  assert.ok(encoderRetainedBytes() <= 2 * KEEP_ENCODER_BYTES, `encoder keeps ${encoderRetainedBytes()} bytes`);
  const after = arrayBuffersAfterGc();
  assert.ok(after - before < 16 * MB, `ArrayBuffers grew by ${((after - before) / MB).toFixed(1)} MB`);
  // Small messages still work (and reuse the shrunk builder).
  assert.equal(decodeAck(encodeAck({ ok: true, message: 'après' })), { ok: true, message: 'après' });
});

test('a 100 MB call through the library: neither the encoder nor the scratch buffer keeps it', async () => {
  requireAgentLib();
  const lib = openAgentLibrary(LIB);
  const metrics = new MetricsCollectorClient(lib, lib.create('metrics-collector'));
  metrics.recordSample(request('warm'));
  const before = arrayBuffersAfterGc();
  // The agent refuses nothing here: a 100 MB agent id is a label value like any other.
  // (Results are checked in small functions: one kept in this frame would be the memory measured.)
  assert.is((() => metrics.recordSample(request('b'.repeat(100 * MB))).ok)(), true);
  assert.is(await (async () => (await metrics.recordSampleAsync(request('c'.repeat(100 * MB)))).ok)(), true);
  // A large response (the exposition holds both 100 MB label values) comes back through a Rust
  // allocation; neither the scratch buffer nor the decoder's cached view keeps it.
  assert.ok((() => metrics.exportText({ format: 0 }).body.length)() > 200 * MB);
  const after = arrayBuffersAfterGc();
  assert.ok(after - before < 16 * MB, `ArrayBuffers grew by ${((after - before) / MB).toFixed(1)} MB`);
  lib.close();
});

test('a string longer than JavaScript allows is a DecodeError saying so, not "invalid UTF-8"', () => {
  // An Ack whose message (the last thing its builder wrote) is replaced by 600 MB of ASCII: valid
  // UTF-8 and a valid FlatBuffer, but beyond V8's 2^29 - 24 string length.
  const small = encodeAck({ ok: true, message: 'abc' });
  const at = small.findIndex((b, i) => b === 0x61 && small[i + 1] === 0x62 && small[i + 2] === 0x63);
  const n = 600 * MB;
  const big = new Uint8Array(at + n + 1);
  big.set(small.subarray(0, at));
  big.fill(0x61, at, at + n);
  new DataView(big.buffer).setUint32(at - 4, n, true);
  try {
    decodeAck(big);
    assert.unreachable('expected a DecodeError');
  } catch (e) {
    assert.instance(e, DecodeError);
    const message = (e as Error).message;
    assert.match(message, /longer than a JavaScript string can be/);
    assert.not.match(message, /UTF-8/);
  }
  // Bad UTF-8 is still reported as such.
  const bad = encodeAck({ ok: true, message: 'abc' });
  bad[at] = 0xff;
  assert.throws(
    () => decodeAck(bad),
    (e: Error) => e instanceof DecodeError && /not valid UTF-8/.test(e.message),
  );
});

test("a DecodeFailed message is one line, without the verifier trace's trailing newlines", () => {
  requireAgentLib();
  const lib = openAgentLibrary(LIB);
  const h = lib.create('metrics-collector');
  for (const forged of [new Uint8Array([1, 2, 3]), new Uint8Array(64).fill(0xff), new Uint8Array(16)]) {
    try {
      lib.call('hms_metrics_collector_record_sample', h, forged);
      assert.unreachable('expected DecodeFailed');
    } catch (e) {
      assert.instance(e, RustError);
      assert.is((e as RustError).code, ErrorCodes.DecodeFailed);
      const message = (e as RustError).message;
      assert.not.match(message, /\n/, JSON.stringify(message));
      assert.is(message, message.trim());
      assert.match(message, /invalid FlatBuffer: /);
    }
  }
  lib.close();
});

test.run();
