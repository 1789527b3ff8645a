//! Throughput of the message bus: messages per second through one mailbox, single-message
//! send/receive and batches of 1,000, with 1 and 4 sender threads and one concurrent receiver
//! thread; each figure is the median over rounds, timed from the first send to the last receive.
//!
//! Two variants of each: "end to end" builds every message in the timed loop (16-byte payload,
//! short strings: four allocations) and the receiver drops it; "bus only" builds them before the
//! clock starts and drops them after it stops, so only the bus is timed. Senders that meet
//! back-pressure retry the refused messages in order after a `yield_now`.
//!
//! `cargo run --release -p hms-core --example bench_bus [rounds]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use hms_core::bus::{BusError, MailboxLimits, Message, MessageBus};
use hms_core::clock::SystemClock;

const INBOX: &str = "inbox";

fn message(sender: &str, seq: u64) -> Message {
    let mut payload = Vec::with_capacity(16);
    payload.extend_from_slice(&seq.to_le_bytes());
    payload.extend_from_slice(&[0; 8]);
    Message::new(INBOX, "bench.Msg", payload).with_sender(sender)
}

fn new_bus() -> Arc<MessageBus> {
    let bus = Arc::new(MessageBus::new(SystemClock::shared()));
    // Deep enough that a sender can run ahead, bounded like any mailbox.
    bus.open_mailbox(INBOX, MailboxLimits::new(100_000, 64 << 20))
        .expect("open");
    bus
}

#[derive(Clone, Copy)]
struct Setup {
    total: u64,
    senders: u64,
    /// 1 = `send`/`receive`; otherwise `send_batch`/`receive_batch` of this size.
    batch: usize,
    /// Build the messages before timing and drop them after ("bus only").
    prebuilt: bool,
}

/// Sends `msgs` (an iterator of messages to send, in order), retrying refusals in order.
fn send_all(
    bus: &MessageBus,
    batch: usize,
    msgs: impl Iterator<Item = Message>,
    refused: &AtomicU64,
) {
    let mut msgs = msgs.peekable();
    if batch == 1 {
        for mut m in msgs {
            loop {
                match bus.send_keep_refused(m) {
                    Ok(()) => break,
                    Err((BusError::Full { .. }, back)) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        m = back;
                        thread::yield_now();
                    }
                    Err((e, _)) => panic!("{e}"),
                }
            }
        }
        return;
    }
    let mut pending: Vec<Message> = Vec::with_capacity(batch);
    while msgs.peek().is_some() || !pending.is_empty() {
        let room = batch - pending.len();
        pending.extend(msgs.by_ref().take(room));
        // The accepted part is a prefix: the refused come back, in order, to retry.
        let (_, back) = bus.send_batch_keep_refused(pending);
        pending = back;
        if !pending.is_empty() {
            refused.fetch_add(pending.len() as u64, Ordering::Relaxed);
            thread::yield_now();
        }
    }
}

/// One round on `bus` (reused across rounds, so the mailbox's queues are already grown);
/// returns (messages/s, back-pressure refusals).
fn round(bus: &Arc<MessageBus>, s: Setup) -> (f64, u64) {
    let delivered_before = bus.stats().totals.delivered;
    let refused = Arc::new(AtomicU64::new(0));
    let per_sender = s.total / s.senders;
    let total = per_sender * s.senders;
    // Everyone (senders, receiver, this thread) starts the clock together.
    let start_line = Arc::new(Barrier::new(usize::try_from(s.senders).unwrap() + 2));

    let receiver = {
        let (bus, start_line) = (Arc::clone(bus), Arc::clone(&start_line));
        thread::spawn(move || {
            let mut kept: Vec<Message> = Vec::new();
            if s.prebuilt {
                // Touch the pages now, so page faults are not timed.
                kept.resize(usize::try_from(total).unwrap(), Message::default());
                kept.clear();
            }
            let mut buf = Vec::with_capacity(s.batch);
            let mut got = 0u64;
            start_line.wait();
            while got < total {
                buf.clear();
                let n = if s.batch == 1 {
                    buf.extend(bus.receive(INBOX).expect("receive"));
                    buf.len()
                } else {
                    bus.receive_batch_into(INBOX, s.batch, usize::MAX, &mut buf)
                        .expect("receive")
                };
                got += n as u64;
                if s.prebuilt {
                    kept.append(&mut buf);
                }
                if n == 0 {
                    thread::yield_now();
                }
            }
            let done = Instant::now();
            (done, kept) // dropped by the caller, after timing
        })
    };
    let threads: Vec<_> = (0..s.senders)
        .map(|i| {
            let (bus, refused, start_line) = (
                Arc::clone(bus),
                Arc::clone(&refused),
                Arc::clone(&start_line),
            );
            thread::spawn(move || {
                let name = format!("sender-{i}");
                if s.prebuilt {
                    let msgs: Vec<Message> = (0..per_sender).map(|q| message(&name, q)).collect();
                    start_line.wait();
                    send_all(&bus, s.batch, msgs.into_iter(), &refused);
                } else {
                    start_line.wait();
                    send_all(
                        &bus,
                        s.batch,
                        (0..per_sender).map(|q| message(&name, q)),
                        &refused,
                    );
                }
            })
        })
        .collect();
    start_line.wait();
    let start = Instant::now();
    for t in threads {
        t.join().expect("sender");
    }
    let (done, kept) = receiver.join().expect("receiver");
    let secs = done.duration_since(start).as_secs_f64();
    drop(kept);
    let delivered = bus.stats().totals.delivered - delivered_before;
    assert_eq!(delivered, total, "every message delivered");
    (total as f64 / secs, refused.load(Ordering::Relaxed))
}

/// One thread, no contention: send one message, receive it, `total` times.
fn ping_round(total: u64) -> (f64, u64) {
    let bus = new_bus();
    let start = Instant::now();
    for seq in 0..total {
        bus.send(message("sender-0", seq)).expect("send");
        bus.receive(INBOX).expect("receive").expect("a message");
    }
    (total as f64 / start.elapsed().as_secs_f64(), 0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `f` once to warm up, then `rounds` times, and prints the median rate.
fn report(label: &str, rounds: usize, mut f: impl FnMut() -> (f64, u64)) {
    f();
    let mut rates = Vec::with_capacity(rounds);
    let mut refused = 0;
    for _ in 0..rounds {
        let (rate, r) = f();
        rates.push(rate);
        refused += r;
    }
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rates.iter().copied().fold(0.0, f64::max);
    println!(
        "{label:<52} {:>6.2} M msg/s  (min {:.2}, max {:.2}; refusals/round {})",
        median(rates) / 1e6,
        lo / 1e6,
        hi / 1e6,
        refused / rounds as u64
    );
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let cores = thread::available_parallelism().map_or(1, usize::from);
    println!(
        "message bus throughput, median of {rounds} rounds, {cores} cores, 1 mailbox, 1 receiver"
    );
    report("1 thread, send then receive, end to end", rounds, || {
        ping_round(1_000_000)
    });
    for prebuilt in [false, true] {
        let variant = if prebuilt { "bus only" } else { "end to end" };
        for (batch, what) in [(1, "single messages"), (1_000, "batches of 1000")] {
            for senders in [1, 4] {
                let total = 1_000_000;
                let bus = new_bus();
                report(
                    &format!("{what}, {senders} sender(s), {variant}"),
                    rounds,
                    || {
                        round(
                            &bus,
                            Setup {
                                total,
                                senders,
                                batch,
                                prebuilt,
                            },
                        )
                    },
                );
            }
        }
    }
}
