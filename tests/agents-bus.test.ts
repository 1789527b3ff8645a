// The MessageBus agent (runtime-rs/hms-agents/src/bus.rs over hms_core::bus, the library's one
// bus) through its generated client: batches in one crossing, priority then FIFO order, TTL
// expiry, back-pressure as per-message statuses (never a silent drop), exact counters, and the
// mailbox every RustAgent has on the same bus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCodes } from 'hms-runtime';
import { openAgentLibrary } from '../generated/ts/_ffi.js';
import { decodeAgentHealth, Priority } from '../generated/ts/hms.js';
import { MessageBusClient, SendStatus } from '../generated/ts/hms/bus.js';
import { AgentControlClient } from '../generated/ts/hms/control.js';
import { LIB, requireAgentLib } from './support/agent-lib.js';
import { expectRejection, expectRustError } from './support/rust-error.js';

test.before(requireAgentLib);

let unique = 0;
function open() {
  const lib = openAgentLibrary(LIB);
  const handle = lib.create('message-bus');
  return {
    lib,
    handle,
    bus: new MessageBusClient(lib, handle),
    control: new AgentControlClient(lib, handle),
    box: `box-${process.pid}-${unique++}`,
  };
}

const msg = (recipient: string, id: string, sender: string, priority: Priority, ttlMs = 0, timestamp = 0n) => ({
  recipient,
  message: {
    id,
    type: 'tests.Ping',
    payload: new Uint8Array([1, 2, 3]),
    metadata: { sender, priority, ttlMs, timestamp },
  },
});

test('1,000 messages in one crossing; delivered highest priority first, FIFO per sender within a priority', () => {
  const { lib, bus, box } = open();
  bus.openMailbox({ name: box });
  const priorities = [Priority.Low, Priority.Normal, Priority.High, Priority.Critical];
  const sent = Array.from({ length: 1000 }, (_, i) =>
    msg(box, `m${i}`, `s${i % 4}`, priorities[(i * 7) % 4] as Priority),
  );
  const r = bus.sendBatch({ messages: sent });
  assert.is(r.accepted, 1000);
  assert.ok(r.statuses?.every((s) => s === SendStatus.Accepted));
  const got = bus.receiveBatch({ mailbox: box, maxMessages: 2000 });
  assert.is(got.messages?.length, 1000);
  assert.is(got.remaining, 0);
  const ms = got.messages ?? [];
  for (let i = 1; i < ms.length; i++)
    assert.ok((ms[i - 1]?.metadata?.priority ?? 0) >= (ms[i]?.metadata?.priority ?? 0), `priority order at ${i}`);
  // Per sender and priority, ids in the order sent.
  const last = new Map<string, number>();
  for (const m of ms) {
    const key = `${m.metadata?.sender}/${m.metadata?.priority}`;
    const n = Number(m.id.slice(1));
    assert.ok((last.get(key) ?? -1) < n, `FIFO for ${key}`);
    last.set(key, n);
  }
  assert.equal([...(ms[0]?.payload ?? [])], [1, 2, 3]);
  const stats = bus.getStats({ mailbox: box }).mailboxes?.[0];
  assert.equal([stats?.accepted, stats?.delivered, stats?.depth], [1000n, 1000n, 0]);
  lib.close();
});

test('back-pressure and expiry are statuses to the sender, counted exactly; nothing is dropped silently', () => {
  const { lib, bus, box } = open();
  bus.openMailbox({ name: box, maxMessages: 10 });
  const now = BigInt(Date.now());
  const batch = [
    ...Array.from({ length: 12 }, (_, i) => msg(box, `f${i}`, 'a', Priority.Normal)),
    msg(box, 'old', 'a', Priority.Normal, 10, now - 60_000n),
    msg('no-such-mailbox', 'x', 'a', Priority.Normal),
    msg('', 'y', 'a', Priority.Normal),
  ];
  const r = bus.sendBatch({ messages: batch });
  assert.equal(r.statuses, [
    ...Array(10).fill(SendStatus.Accepted),
    SendStatus.Full,
    SendStatus.Full,
    SendStatus.Expired,
    SendStatus.UnknownMailbox,
    SendStatus.Invalid,
  ]);
  assert.is(r.accepted, 10);
  const s = bus.getStats({ mailbox: box }).mailboxes?.[0];
  assert.equal([s?.accepted, s?.rejectedFull, s?.depth], [10n, 2n, 10]);
  assert.is(bus.receiveBatch({ mailbox: box, maxMessages: 4 }).remaining, 6);
  bus.closeMailbox({ name: box });
  assert.is(
    bus.sendBatch({ messages: [msg(box, 'late', 'a', Priority.High)] }).statuses?.[0],
    SendStatus.MailboxClosed,
  );
  const closed = bus.getStats({ mailbox: box }).mailboxes?.[0];
  assert.equal([closed?.delivered, closed?.discarded, closed?.rejectedClosed], [4n, 6n, 1n]);
  expectRustError(() => bus.receiveBatch({ mailbox: 'never-opened' }), ErrorCodes.NotFound);
  lib.close();
});

test('every Rust agent has a mailbox on the same bus; an injected panic is RustError 100', async () => {
  const { lib, bus, control } = open();
  const recovery = lib.create('recovery');
  const id = decodeAgentHealth(lib.health(recovery)).agentId;
  assert.match(id, /^recovery-\d+$/);
  assert.is(bus.sendBatch({ messages: [msg(id, 'hello', 'tests', Priority.High)] }).accepted, 1);
  assert.equal(
    bus.receiveBatch({ mailbox: id }).messages?.map((m) => m.id),
    ['hello'],
  );
  control.injectFaults({ panics: 1 });
  await expectRejection(bus.getStatsAsync({}), ErrorCodes.Panic);
  assert.ok((await bus.getStatsAsync({})).mailboxes?.some((m) => m.name === id));
  lib.close();
});

test('packed batches (the bulk path): columns in, columns out, same order and payloads; malformed groups refused', () => {
  const { lib, bus, box } = open();
  bus.openMailbox({ name: box });
  const n = 500;
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  const payloads = new Uint8Array(n * 3);
  payloads.forEach((_, i) => (payloads[i] = i % 251));
  const r = bus.sendColumns({
    batches: [
      {
        recipient: box,
        ids,
        types: ids.map(() => 'tests.Packed'),
        senders: ids.map((_, i) => `s${i % 2}`),
        priorities: ids.map((_, i) => (i % 10 === 0 ? Priority.High : Priority.Normal)),
        payloadEnds: ids.map((_, i) => 3 * (i + 1)),
        payloads,
      },
      { recipient: '', ids: ['lost'], types: ['x'] },
    ],
  });
  assert.is(r.accepted, n);
  assert.is(r.statuses?.at(-1), SendStatus.Invalid);
  const got = bus.receiveColumns({ mailbox: box, maxMessages: 2 * n });
  assert.is(got.recipient, box);
  const order = got.ids ?? [];
  assert.is(order.length, n);
  // High first (every tenth), then Normal, each in the order sent.
  const high = ids.filter((_, i) => i % 10 === 0);
  assert.equal(order.slice(0, high.length), high);
  assert.equal(
    order.slice(high.length),
    ids.filter((_, i) => i % 10 !== 0),
  );
  const ends = got.payloadEnds ?? [];
  const all = got.payloads ?? new Uint8Array(0);
  order.forEach((id, k) => {
    const i = Number(id.slice(1));
    const start = k === 0 ? 0 : (ends[k - 1] as number);
    assert.equal(
      [...all.subarray(start, ends[k])],
      [3 * i, 3 * i + 1, 3 * i + 2].map((b) => b % 251),
    );
  });
  expectRustError(
    () => bus.sendColumns({ batches: [{ recipient: box, ids: ['a', 'b'], types: ['t'] }] }),
    ErrorCodes.InvalidArgument,
    /batch 0 .*types has 1 entries for 2 messages/,
  );
  expectRustError(
    () =>
      bus.sendColumns({
        batches: [{ recipient: box, ids: ['a'], types: ['t'], payloadEnds: [9], payloads: new Uint8Array(2) }],
      }),
    ErrorCodes.InvalidArgument,
    /payload_ends\[0\] = 9/,
  );
  assert.is(bus.getStats({ mailbox: box }).mailboxes?.[0]?.depth, 0, 'a refused call sent nothing');
  lib.close();
});

test.run();
