// The message bus through the ABI (bash scripts/bench-runtime runs it): batches of 1,000
// hms.AgentMessages sent from TypeScript in one crossing (send_batch), and taken back in one
// (receive_batch), against the release agent library. Medians over rounds; the target is the
// send path's messages per second (>= 2 M msgs/s, issue 10).
import { join } from 'node:path';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { Priority } from '../generated/ts/hms.js';
import { MessageBusClient } from '../generated/ts/hms/bus.js';

const LIB = join(process.cwd(), 'target', 'release', 'libhms_agent_lib.so');
const BATCH = 1000;
const ROUNDS = Number(process.env.HMS_BENCH_ROUNDS ?? 41);

const lib = openAgentLibrary(LIB);
const bus = new MessageBusClient(lib, lib.create('message-bus'));
const box = `bench-${process.pid}`;
bus.openMailbox({ name: box, maxMessages: BATCH * 4, maxBytes: 64 * 1024 * 1024 });
const payload = new Uint8Array(32).fill(7);
const batch = Array.from({ length: BATCH }, (_, i) => ({
  recipient: box,
  message: {
    id: `m-${i}`,
    type: 'bench.Event',
    payload,
    metadata: { sender: `s${i % 4}`, priority: Priority.Normal, ttlMs: 0, timestamp: 0n },
  },
}));

/** The same messages as columns for send_columns (packing is part of the timed send). */
function pack(recipient: string, messages: typeof batch) {
  const n = messages.length;
  const ids: string[] = new Array(n);
  const types: string[] = new Array(n);
  const senders: string[] = new Array(n);
  const payloadEnds: number[] = new Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) size += messages[i]?.message.payload.length ?? 0;
  const payloads = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const m = (messages[i] as (typeof batch)[number]).message;
    ids[i] = m.id;
    types[i] = m.type;
    senders[i] = m.metadata.sender;
    payloads.set(m.payload, at);
    at += m.payload.length;
    payloadEnds[i] = at;
  }
  return { recipient, ids, types, senders, payloadEnds, payloads };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const send: number[] = [];
const receive: number[] = [];
for (let r = 0; r < ROUNDS + 5; r++) {
  const t0 = process.hrtime.bigint();
  const s = bus.sendBatch({ messages: batch });
  const t1 = process.hrtime.bigint();
  const got = bus.receiveBatch({ mailbox: box, maxMessages: BATCH });
  const t2 = process.hrtime.bigint();
  if (s.accepted !== BATCH || got.messages?.length !== BATCH) throw new Error(`round ${r}: lost messages`);
  if (r < 5) continue; // warm-up
  send.push(Number(t1 - t0));
  receive.push(Number(t2 - t1));
}
const sendCols: number[] = [];
const receiveCols: number[] = [];
for (let r = 0; r < ROUNDS + 5; r++) {
  const t0 = process.hrtime.bigint();
  const s = bus.sendColumns({ batches: [pack(box, batch)] });
  const t1 = process.hrtime.bigint();
  const got = bus.receiveColumns({ mailbox: box, maxMessages: BATCH });
  const t2 = process.hrtime.bigint();
  if (s.accepted !== BATCH || got.ids?.length !== BATCH) throw new Error(`round ${r}: lost messages`);
  if (r < 5) continue;
  sendCols.push(Number(t1 - t0));
  receiveCols.push(Number(t2 - t1));
}
const perSec = (ns: number): number => (BATCH * 1e9) / ns;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = median(send);
const mr = median(receive);
console.log(`bus through the ABI: batches of ${BATCH} AgentMessages (32 B payload), median of ${ROUNDS} rounds`);
console.log(
  `  send_batch     ${(ms / BATCH).toFixed(0)} ns/msg   ${fmt(perSec(ms))} msgs/s (encode, one crossing, decode, enqueue)`,
);
console.log(
  `  receive_batch  ${(mr / BATCH).toFixed(0)} ns/msg   ${fmt(perSec(mr))} msgs/s (dequeue, encode, one crossing, decode)`,
);
console.log(`  both           ${fmt(perSec(ms + mr))} msgs/s end to end`);
const cs = median(sendCols);
const cr = median(receiveCols);
console.log(`packed (send_columns / receive_columns, the bulk path; packing the messages is timed)`);
console.log(`  send_columns     ${(cs / BATCH).toFixed(0)} ns/msg   ${fmt(perSec(cs))} msgs/s`);
console.log(`  receive_columns  ${(cr / BATCH).toFixed(0)} ns/msg   ${fmt(perSec(cr))} msgs/s`);
console.log(`  both             ${fmt(perSec(cs + cr))} msgs/s end to end`);
console.log(
  `  ${perSec(cs) >= 2e6 ? 'PASS' : 'MISS'}  send through the boundary >= 2,000,000 msgs/s: ${fmt(perSec(cs))} (packed; AgentMessage tables: ${fmt(perSec(ms))})`,
);
lib.close();
