// The measured code of scripts/bench-ffi: every way of answering one `hms.bench.Echo.ping`
// (bench/ffi/bench.fbs), over the bindings scripts/bench-ffi generates into target/hms-bench/gen.
// scripts/bench-ffi.ts does the timing and the report; this module only builds the cases.
//
// Typechecked against the freshly generated bindings by scripts/bench-ffi (`tsc -p bench/ffi`),
// not by `tsc -p tests` (the bindings do not exist before the benchmark generates them).
import koffi, { type LibraryHandle } from 'koffi';
import { type AgentHandle } from 'hms-runtime';
import { DECLARATIONS, openAgentLibrary } from '../../target/hms-bench/gen/ts/_ffi.js';
import {
  EchoClient,
  decodePingBatchResponse,
  decodePingResponse,
  encodePingBatch,
  encodePingRequest,
  type Echo,
  type PingBatch,
  type PingBatchResponse,
  type PingRequest,
  type PingResponse,
} from '../../target/hms-bench/gen/ts/hms/bench.js';
import type { BatchCases, Case, Cases } from '../../scripts/bench-ffi.js';

/** The request of every per-call case (its `seq` changes per call): three scalars and a short string. */
const TAG = 'bench-tag';
const request = (seq: number): PingRequest => ({ seq, value: 1.5, weight: 3, tag: TAG });

/** `hms.bench.Echo` in TypeScript, doing what the Rust agent does (bench/ffi/agents `answer`). */
export class TsEcho implements Echo {
  ping(req: PingRequest): PingResponse {
    return {
      seq: (req.seq + 1) >>> 0,
      value: req.value * req.weight,
      length: Buffer.byteLength(req.tag, 'utf8'),
      tag: req.tag,
    };
  }

  pingBatch(req: PingBatch): PingBatchResponse {
    return { items: req.items.map((m) => this.ping(m)) };
  }
}

/** What every path must answer for `request(seq)`. */
function expected(seq: number): PingResponse {
  return { seq: seq + 1, value: 4.5, length: TAG.length, tag: TAG };
}

function same(a: PingResponse, b: PingResponse, what: string): void {
  if (a.seq !== b.seq || a.value !== b.value || a.length !== b.length || a.tag !== b.tag) {
    throw new Error(`${what} answered ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
  }
}

/** A result the optimizer cannot drop (each case returns the sum over its calls). */
const weigh = (r: PingResponse): number => r.seq + r.length;

export function openCases(libPath: string): Cases {
  const lib = openAgentLibrary(libPath);
  const handle: AgentHandle = lib.create('echo');
  const client = new EchoClient(lib, handle);
  const inProcess: Echo = new TsEcho();

  // The hand-written exports of bench/ffi/agents, from the same (already loaded) library.
  const raw = koffi.load(libPath);
  const jsonPing = raw.func(
    'int32_t bench_json_ping(const uint8_t *req, uint32_t req_len, uint8_t *out, uint32_t out_cap)',
  );
  // The rpc exports' prototype (from the generated declarations) under the no-op's name.
  const pingPrototype = DECLARATIONS.rpcs.find((d) => d.includes(' hms_echo_ping(')) ?? 'missing hms_echo_ping';
  const noop = raw.func(pingPrototype.replace(' hms_echo_ping(', ' bench_noop('));
  const noopBuffer = raw.func('int32_t bench_noop_buffer(const uint8_t *buf, uint32_t len)');
  const rustDispatchLoop = raw.func(
    'uint64_t bench_rust_dispatch_loop(const uint8_t *req, uint32_t req_len, uint32_t n)',
  );
  const rawPing = raw.func(pingPrototype);
  const rustJsonLoop = raw.func('uint64_t bench_rust_json_loop(const uint8_t *req, uint32_t req_len, uint32_t n)');

  // The JSON path's buffers, allocated once (the generated path's scratch buffer is, too).
  const jsonIn = Buffer.alloc(4096);
  const jsonOut = Buffer.alloc(4096);
  const viaJson = (req: PingRequest): PingResponse => {
    const written = jsonIn.write(JSON.stringify(req), 0, 'utf8');
    const n = jsonPing(jsonIn, written, jsonOut, jsonOut.length) as number;
    if (n < 0) throw new Error(`bench_json_ping failed with ${n}`);
    return JSON.parse(jsonOut.toString('utf8', 0, n)) as PingResponse;
  };

  // Inputs of the floor and of the breakdown: one encoded request and one encoded response.
  const requestBytes = encodePingRequest(request(1));
  const responseBytes = lib.call('hms_echo_ping', handle, requestBytes);
  const scratch = new Uint8Array(64 * 1024);
  const requestJson = Buffer.from(JSON.stringify(request(1)), 'utf8');

  for (const seq of [0, 1, 41, 0xfffffffe]) {
    const want = expected(seq);
    same(client.ping(request(seq)), want, 'the generated binding');
    same(viaJson(request(seq)), want, 'the JSON path');
    same(inProcess.ping(request(seq)), want, 'the in-process TypeScript service');
  }
  same(decodePingResponse(responseBytes), expected(1), 'the encoded response');
  if ((noop(handle, requestBytes, requestBytes.length, scratch, scratch.length) as number) !== 0)
    throw new Error('bench_noop failed');
  if ((rawPing(handle, requestBytes, requestBytes.length, scratch, scratch.length) as number) !== 0)
    throw new Error('hms_echo_ping failed');
  if ((noopBuffer(requestBytes, requestBytes.length) as number) !== 0) throw new Error('bench_noop_buffer failed');
  const loop = (f: ReturnType<LibraryHandle['func']>, bytes: Uint8Array, n: number, what: string): number => {
    const total = Number(f(bytes, bytes.length, n));
    if (total === 0) throw new Error(`${what} failed`);
    return total;
  };
  loop(rustDispatchLoop, requestBytes, 1, 'bench_rust_dispatch_loop');
  loop(rustJsonLoop, requestJson, 1, 'bench_rust_json_loop');

  const req = request(0);
  const perCall: Case[] = [
    {
      key: 'generated',
      label: 'generated sync binding (EchoClient.ping)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          req.seq = i;
          acc += weigh(client.ping(req));
        }
        return acc;
      },
    },
    {
      key: 'json',
      label: 'JSON over koffi (stringify, serde_json, parse)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          req.seq = i;
          acc += weigh(viaJson(req));
        }
        return acc;
      },
    },
    {
      key: 'floor',
      label: 'floor: koffi call, no-op export (rpc signature)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++)
          acc += noop(handle, requestBytes, requestBytes.length, scratch, scratch.length) as number;
        return acc + n;
      },
    },
    {
      key: 'floor1',
      label: 'floor: koffi call, no-op export (one buffer)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += noopBuffer(requestBytes, requestBytes.length) as number;
        return acc + n;
      },
    },
    {
      key: 'ts',
      label: 'in-process TypeScript service (Echo interface)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          req.seq = i;
          acc += weigh(inProcess.ping(req));
        }
        return acc;
      },
    },
    {
      key: 'encode',
      label: '  part: TS encode (encodePingRequest)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          req.seq = i;
          acc += encodePingRequest(req).length;
        }
        return acc;
      },
    },
    {
      key: 'call',
      label: '  part: AgentLibrary.call (koffi + Rust + copy out)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += lib.call('hms_echo_ping', handle, requestBytes).length;
        return acc;
      },
    },
    {
      key: 'rawcall',
      label: '  part of the part: koffi call of hms_echo_ping alone',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++)
          acc += rawPing(handle, requestBytes, requestBytes.length, scratch, scratch.length) as number;
        return acc + n;
      },
    },
    {
      key: 'decode',
      label: '  part: TS decode (decodePingResponse)',
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += weigh(decodePingResponse(responseBytes));
        return acc;
      },
    },
    {
      key: 'rust',
      label: '  part: Rust dispatch alone (n calls in one crossing)',
      run: (n) => loop(rustDispatchLoop, requestBytes, n, 'bench_rust_dispatch_loop'),
    },
    {
      key: 'rustJson',
      label: '  JSON part: Rust serde_json alone (n in one crossing)',
      run: (n) => loop(rustJsonLoop, requestJson, n, 'bench_rust_json_loop'),
    },
  ];

  const batch = (size: number): BatchCases => {
    const message: PingBatch = { items: Array.from({ length: size }, (_, i) => request(i)) };
    const encoded = encodePingBatch(message);
    const answered = lib.call('hms_echo_ping_batch', handle, encoded);
    const check = client.pingBatch(message);
    if (check.items.length !== size) throw new Error(`ping_batch(${size}) answered ${check.items.length} results`);
    check.items.forEach((r, i) => same(r, expected(i), `ping_batch(${size}) result ${i}`));
    return {
      size,
      requestBytes: encoded.length,
      responseBytes: answered.length,
      full: {
        key: `batch${size}`,
        label: `EchoClient.pingBatch, ${size} messages`,
        run(n) {
          let acc = 0;
          for (let i = 0; i < n; i++) {
            const items = client.pingBatch(message).items;
            acc += items.length + weigh(items[items.length - 1] as PingResponse);
          }
          return acc;
        },
      },
      parts: [
        {
          key: `encode${size}`,
          label: '  part: TS encode (encodePingBatch)',
          run(n) {
            let acc = 0;
            for (let i = 0; i < n; i++) acc += encodePingBatch(message).length;
            return acc;
          },
        },
        {
          key: `call${size}`,
          label: '  part: AgentLibrary.call (koffi + Rust + copy out)',
          run(n) {
            let acc = 0;
            for (let i = 0; i < n; i++) acc += lib.call('hms_echo_ping_batch', handle, encoded).length;
            return acc;
          },
        },
        {
          key: `decode${size}`,
          label: '  part: TS decode (decodePingBatchResponse)',
          run(n) {
            let acc = 0;
            for (let i = 0; i < n; i++) acc += decodePingBatchResponse(answered).items.length;
            return acc;
          },
        },
      ],
    };
  };

  return {
    perCall,
    batch,
    close() {
      lib.destroy(handle);
      lib.close();
    },
  };
}
