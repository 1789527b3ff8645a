//! Tests of the bus. Time is a [`ManualClock`]; nothing sleeps for semantics (the only waits
//! are blocking receives that a send or close ends, and one zero/short real-time timeout).

use super::*;
use crate::clock::ManualClock;
use crate::rng::Rng;
use std::sync::atomic::AtomicBool;
use std::thread;

const MS: u64 = 1_000_000;

fn bus_at(nanos: u64) -> (Arc<ManualClock>, MessageBus) {
    let clock = ManualClock::at(nanos);
    let bus = MessageBus::new(clock.clone());
    (clock, bus)
}

fn msg(to: &str, tag: &str) -> Message {
    Message::new(to, "t", tag.as_bytes().to_vec())
}

fn tags(msgs: &[Message]) -> Vec<String> {
    msgs.iter()
        .map(|m| String::from_utf8(m.payload.clone()).unwrap())
        .collect()
}

fn counters(bus: &MessageBus, name: &str) -> Counters {
    bus.mailbox_stats(name).unwrap().counters
}

/// Encodes (sender, priority, seq) in a 10-byte payload.
fn seq_payload(sender: u8, prio: Priority, seq: u64) -> Vec<u8> {
    let mut p = Vec::with_capacity(10);
    p.push(sender);
    p.push(prio.value() as u8);
    p.extend_from_slice(&seq.to_le_bytes());
    p
}

fn decode(p: &[u8]) -> (usize, usize, u64) {
    let seq = u64::from_le_bytes(p[2..10].try_into().unwrap());
    (usize::from(p[0]), usize::from(p[1]), seq)
}

#[test]
fn the_bus_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<MessageBus>();
    check::<Message>();
    check::<BusError>();
}

#[test]
fn priorities_order_delivery_and_each_priority_is_fifo() {
    let (_c, bus) = bus_at(0);
    bus.open_mailbox("a", MailboxLimits::default()).unwrap();
    let sends = [
        ("l1", Priority::Low),
        ("n1", Priority::Normal),
        ("c1", Priority::Critical),
        ("h1", Priority::High),
        ("l2", Priority::Low),
        ("c2", Priority::Critical),
        ("n2", Priority::Normal),
        ("h2", Priority::High),
    ];
    for (tag, p) in sends {
        bus.send(msg("a", tag).with_priority(p)).unwrap();
    }
    let got = bus.receive_batch("a", 100, usize::MAX).unwrap();
    assert_eq!(tags(&got), ["c1", "c2", "h1", "h2", "n1", "n2", "l1", "l2"]);
    // A later higher-priority message overtakes queued lower ones.
    bus.send(msg("a", "n3")).unwrap();
    bus.send(msg("a", "c3").with_priority(Priority::Critical))
        .unwrap();
    assert_eq!(tags(&[bus.receive("a").unwrap().unwrap()]), ["c3"]);
    assert_eq!(tags(&[bus.receive("a").unwrap().unwrap()]), ["n3"]);
    assert_eq!(bus.receive("a").unwrap(), None);
}

#[test]
fn priority_wire_values_match_the_idl() {
    for p in Priority::ALL {
        assert_eq!(Priority::from_value(p.value()), Some(p));
    }
    assert_eq!(Priority::Low.value(), 0);
    assert_eq!(Priority::Critical.value(), 3);
    assert_eq!(Priority::default(), Priority::Normal);
    assert_eq!(Priority::from_value(4), None);
    assert_eq!(Priority::from_value(-1), None);
}

#[test]
fn a_message_expires_exactly_at_its_deadline() {
    let t0 = 1_000;
    let (clock, bus) = bus_at(t0);
    bus.open_mailbox("a", MailboxLimits::default()).unwrap();
    bus.send(msg("a", "x").with_ttl_ms(5)).unwrap();
    bus.send(msg("a", "y").with_ttl_ms(5)).unwrap();
    bus.send(msg("a", "forever")).unwrap(); // ttl 0
    let deadline = t0 + 5 * MS;
    clock.set_nanos(deadline - 1);
    assert_eq!(tags(&bus.receive_batch("a", 1, usize::MAX).unwrap()), ["x"]);
    clock.set_nanos(deadline);
    let c = counters(&bus, "a");
    assert_eq!((c.expired, c.depth), (0, 2), "expiry is lazy");
    // At the deadline exactly, "y" is dropped, never delivered.
    assert_eq!(tags(&[bus.receive("a").unwrap().unwrap()]), ["forever"]);
    let c = counters(&bus, "a");
    assert_eq!((c.accepted, c.delivered, c.expired, c.depth), (3, 2, 1, 0));

    // No TTL: never expires.
    bus.send(msg("a", "forever")).unwrap();
    clock.advance_secs(1_000_000_000);
    assert_eq!(
        tags(&bus.receive_batch("a", 10, usize::MAX).unwrap()),
        ["forever"]
    );
    // The deadline counts from acceptance, not from the message's timestamp.
    let mut m = msg("a", "stamped").with_ttl_ms(1);
    m.timestamp_ms = 1;
    bus.send(m).unwrap();
    clock.advance_nanos(MS - 1);
    assert_eq!(tags(&[bus.receive("a").unwrap().unwrap()]), ["stamped"]);
}

#[test]
fn expired_messages_are_skipped_in_favour_of_live_ones_behind_them() {
    let (clock, bus) = bus_at(0);
    bus.open_mailbox("a", MailboxLimits::default()).unwrap();
    bus.send(
        msg("a", "short")
            .with_ttl_ms(1)
            .with_priority(Priority::High),
    )
    .unwrap();
    bus.send(
        msg("a", "long")
            .with_ttl_ms(10)
            .with_priority(Priority::High),
    )
    .unwrap();
    bus.send(msg("a", "short-low").with_ttl_ms(1)).unwrap();
    bus.send(msg("a", "live-low")).unwrap();
    clock.advance_millis(1);
    assert_eq!(
        tags(&bus.receive_batch("a", 10, usize::MAX).unwrap()),
        ["long", "live-low"]
    );
    let c = counters(&bus, "a");
    assert_eq!(
        (c.delivered, c.expired, c.depth, c.depth_bytes),
        (2, 2, 0, 0)
    );
}

#[test]
fn purge_expired_frees_capacity_and_counts() {
    let (clock, bus) = bus_at(0);
    bus.open_mailbox("a", MailboxLimits::new(10, 1_000))
        .unwrap();
    bus.open_mailbox("b", MailboxLimits::new(10, 1_000))
        .unwrap();
    for i in 0..4 {
        bus.send(msg("a", "x").with_ttl_ms(i + 1)).unwrap();
        bus.send(msg("b", "y").with_ttl_ms(2)).unwrap();
    }
    bus.send(msg("a", "keep")).unwrap();
    clock.advance_millis(2);
    // a: ttl 1 and 2 expired (2 messages); b: all 4.
    assert_eq!(bus.purge_expired_in("a").unwrap(), 2);
    assert_eq!(bus.purge_expired(), 4);
    assert_eq!(bus.purge_expired(), 0);
    let (a, b) = (counters(&bus, "a"), counters(&bus, "b"));
    assert_eq!((a.expired, a.depth, a.depth_bytes), (2, 3, 2 * 3 + 6));
    assert_eq!((b.expired, b.depth, b.depth_bytes), (4, 0, 0));
    assert_eq!(bus.stats().totals.expired, 6);
}

#[test]
fn a_full_mailbox_drops_its_expired_messages_before_refusing() {
    let (clock, bus) = bus_at(0);
    bus.open_mailbox("a", MailboxLimits::new(2, 1_000)).unwrap();
    bus.send(msg("a", "old").with_ttl_ms(1)).unwrap();
    bus.send(msg("a", "live")).unwrap();
    assert_eq!(
        bus.send(msg("a", "new")),
        Err(BusError::Full {
            limit: Limit::Messages
        })
    );
    clock.advance_millis(1);
    bus.send(msg("a", "new")).unwrap();
    let c = counters(&bus, "a");
    assert_eq!(
        (c.accepted, c.expired, c.rejected_full_messages, c.depth),
        (3, 1, 1, 2)
    );
    assert_eq!(
        tags(&bus.receive_batch("a", 10, usize::MAX).unwrap()),
        ["live", "new"]
    );
}

#[test]
fn capacity_in_messages_is_enforced_and_counted() {
    let (_c, bus) = bus_at(0);
    bus.open_mailbox("a", MailboxLimits::new(3, 1 << 20))
        .unwrap();
    for _ in 0..3 {
        bus.send(msg("a", "x")).unwrap();
    }
    let full = Err(BusError::Full {
        limit: Limit::Messages,
    });
    assert_eq!(bus.send(msg("a", "x")), full);
    assert_eq!(
        bus.send(msg("a", "x").with_priority(Priority::Critical)),
        full
    );
    bus.receive("a").unwrap().unwrap();
    bus.send(msg("a", "x")).unwrap();
    let c = counters(&bus, "a");
    assert_eq!((c.accepted, c.rejected_full_messages, c.depth), (4, 2, 3));
    assert_eq!(c.rejected_full(), 2);
    assert_eq!(c.attempted(), 6);
}

#[test]
fn capacity_in_bytes_is_enforced_and_counted() {
    let (_c, bus) = bus_at(0);
    // size_bytes = recipient (1) + type (1) + payload.
    bus.open_mailbox("a", MailboxLimits::new(100, 50)).unwrap();
    let sized = |n: usize| Message::new("a", "t", vec![0; n - 2]);
    assert_eq!(sized(20).size_bytes(), 20);
    bus.send(sized(20)).unwrap();
    bus.send(sized(20)).unwrap();
    let full = Err(BusError::Full {
        limit: Limit::Bytes,
    });
    assert_eq!(bus.send(sized(11)), full);
    bus.send(sized(10)).unwrap(); // exactly at the limit
    assert_eq!(bus.send(sized(2)), full);
    assert_eq!(
        bus.send(sized(51)),
        Err(BusError::TooLarge {
            size: 51,
            max_bytes: 50
        })
    );
    let c = counters(&bus, "a");
    assert_eq!(
        (c.accepted, c.rejected_full_bytes, c.rejected_too_large),
        (3, 2, 1)
    );
    assert_eq!((c.depth, c.depth_bytes), (3, 50));
    bus.receive("a").unwrap().unwrap();
    assert_eq!(counters(&bus, "a").depth_bytes, 30);
    bus.send(sized(20)).unwrap();
}

#[test]
fn unknown_and_closed_mailboxes_are_typed_errors_and_counted() {
    let (_c, bus) = bus_at(0);
    assert_eq!(bus.send(msg("nobody", "x")), Err(BusError::UnknownMailbox));
    assert_eq!(bus.receive("nobody"), Err(BusError::UnknownMailbox));
    assert_eq!(bus.close_mailbox("nobody"), Err(BusError::UnknownMailbox));
    assert_eq!(
        bus.open_mailbox("", MailboxLimits::default()),
        Err(BusError::InvalidArgument("empty mailbox name"))
    );
    assert!(bus.open_mailbox("a", MailboxLimits::new(0, 1)).is_err());

    assert_eq!(
        bus.open_mailbox("a", MailboxLimits::default()),
        Ok(OpenOutcome::Created)
    );
    assert_eq!(
        bus.open_mailbox("a", MailboxLimits::default()),
        Ok(OpenOutcome::AlreadyOpen)
    );
    bus.send(msg("a", "1")).unwrap();
    bus.send(msg("a", "2")).unwrap();
    assert_eq!(bus.close_mailbox("a"), Ok(2));
    assert_eq!(bus.close_mailbox("a"), Ok(0));
    assert_eq!(bus.send(msg("a", "3")), Err(BusError::MailboxClosed));
    assert_eq!(bus.receive("a"), Err(BusError::MailboxClosed));
    let s = bus.mailbox_stats("a").unwrap();
    assert!(!s.open);
    assert_eq!(
        (
            s.counters.discarded,
            s.counters.rejected_closed,
            s.counters.depth
        ),
        (2, 1, 0)
    );

    assert_eq!(
        bus.open_mailbox("a", MailboxLimits::default()),
        Ok(OpenOutcome::Reopened)
    );
    bus.send(msg("a", "4")).unwrap();
    let removed = bus.remove_mailbox("a").unwrap();
    assert_eq!(removed.counters.accepted, 3);
    assert_eq!(removed.counters.discarded, 3);
    assert_eq!(bus.send(msg("a", "5")), Err(BusError::UnknownMailbox));
    assert_eq!(bus.mailbox_stats("a"), Err(BusError::UnknownMailbox));

    let s = bus.stats();
    assert_eq!(s.mailboxes, 0);
    assert_eq!(s.rejected_unknown, 2);
    assert_eq!(s.totals.accepted, 3);
    assert_eq!(s.totals.discarded, 3);
    assert_eq!(s.totals.rejected_closed, 1);
    assert_eq!(BusError::UnknownMailbox.error_code(), 2);
    assert_eq!(
        BusError::Full {
            limit: Limit::Bytes
        }
        .error_code(),
        8
    );
    assert!(BusError::Full {
        limit: Limit::Bytes
    }
    .is_retryable());
    assert!(!BusError::MailboxClosed.is_retryable());
}

#[test]
fn a_batch_reports_per_message_results_and_accepts_a_prefix_per_mailbox() {
    let (_c, bus) = bus_at(0);
    bus.open_mailbox("m", MailboxLimits::new(2, 1 << 20))
        .unwrap();
    bus.open_mailbox("n", MailboxLimits::new(100, 1 << 20))
        .unwrap();
    let batch = vec![
        msg("m", "m1"),
        msg("n", "n1"),
        msg("m", "m2"),
        msg("m", "m3"), // full
        msg("x", "x1"), // unknown
        msg("n", "n2"),
        msg("m", "m4"), // after a refusal to m: refused alike
        msg("x", "x2"),
    ];
    let full = Err(BusError::Full {
        limit: Limit::Messages,
    });
    let unknown = Err(BusError::UnknownMailbox);
    assert_eq!(
        bus.send_batch(batch),
        [Ok(()), Ok(()), Ok(()), full, unknown, Ok(()), full, unknown]
    );
    assert_eq!(counters(&bus, "m").rejected_full_messages, 2);
    assert_eq!(bus.stats().rejected_unknown, 2);
    assert_eq!(
        tags(&bus.receive_batch("n", 10, usize::MAX).unwrap()),
        ["n1", "n2"]
    );

    // Bytes: a later small message that would fit is still refused (prefix), but a TooLarge
    // one does not block the messages after it.
    let (_c, bus) = bus_at(0);
    bus.open_mailbox("m", MailboxLimits::new(100, 30)).unwrap();
    let sized = |n: usize| Message::new("m", "t", vec![0; n - 2]);
    let results = bus.send_batch(vec![sized(40), sized(20), sized(15), sized(5)]);
    assert_eq!(
        results,
        [
            Err(BusError::TooLarge {
                size: 40,
                max_bytes: 30
            }),
            Ok(()),
            Err(BusError::Full {
                limit: Limit::Bytes
            }),
            Err(BusError::Full {
                limit: Limit::Bytes
            }),
        ]
    );
    let c = counters(&bus, "m");
    assert_eq!(
        (
            c.accepted,
            c.rejected_too_large,
            c.rejected_full_bytes,
            c.depth_bytes
        ),
        (1, 1, 2, 20)
    );

    // A closed mailbox refuses the whole rest of the batch to it, and an empty batch is fine.
    bus.close_mailbox("m").unwrap();
    assert_eq!(
        bus.send_batch(vec![sized(5), sized(5)]),
        [Err(BusError::MailboxClosed), Err(BusError::MailboxClosed)]
    );
    assert_eq!(counters(&bus, "m").rejected_closed, 2);
    assert!(bus.send_batch(Vec::new()).is_empty());
}

#[test]
fn a_batch_can_hand_back_its_refused_messages_in_order() {
    let (_c, bus) = bus_at(0);
    bus.open_mailbox("m", MailboxLimits::new(2, 1 << 20))
        .unwrap();
    let batch = vec![
        msg("m", "1"),
        msg("x", "2"),
        msg("m", "3"),
        msg("m", "4"),
        msg("m", "5"),
    ];
    let (results, refused) = bus.send_batch_keep_refused(batch);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
    assert_eq!(tags(&refused), ["2", "4", "5"]);
    bus.receive_batch("m", 10, usize::MAX).unwrap();
    // Retrying the refused ones in order keeps the order.
    let (results, refused) = bus.send_batch_keep_refused(refused);
    assert_eq!(results, [Err(BusError::UnknownMailbox), Ok(()), Ok(())]);
    assert_eq!(tags(&refused), ["2"]);
    assert_eq!(
        tags(&bus.receive_batch("m", 10, usize::MAX).unwrap()),
        ["4", "5"]
    );
    let (err, back) = bus.send_keep_refused(msg("y", "6")).unwrap_err();
    assert_eq!(
        (err, tags(&[back])),
        (BusError::UnknownMailbox, vec!["6".to_owned()])
    );
}

#[test]
fn receive_batch_respects_max_messages_and_max_bytes_but_always_makes_progress() {
    let (_c, bus) = bus_at(0);
    bus.open_mailbox("a", MailboxLimits::default()).unwrap();
    let sized = |n: usize| Message::new("a", "t", vec![0; n - 2]);
    for n in [10, 10, 10, 100, 10] {
        bus.send(sized(n)).unwrap();
    }
    assert!(bus.receive_batch("a", 0, usize::MAX).unwrap().is_empty());
    assert_eq!(bus.receive_batch("a", 2, usize::MAX).unwrap().len(), 2);
    // 10 fits in 15; the 100 after it does not.
    assert_eq!(bus.receive_batch("a", 10, 15).unwrap().len(), 1);
    // The 100-byte message alone exceeds 15 but is delivered, alone.
    let big = bus.receive_batch("a", 10, 15).unwrap();
    assert_eq!(
        big.iter().map(Message::size_bytes).collect::<Vec<_>>(),
        [100]
    );
    assert_eq!(bus.receive_batch("a", 10, 0).unwrap().len(), 1);
    assert!(bus.receive_batch("a", 10, usize::MAX).unwrap().is_empty());
    let c = counters(&bus, "a");
    assert_eq!((c.accepted, c.delivered, c.depth), (5, 5, 0));
}

#[test]
fn a_blocking_receive_is_woken_by_a_send_and_by_a_close() {
    let (_c, bus) = bus_at(0);
    let bus = Arc::new(bus);
    bus.open_mailbox("a", MailboxLimits::default()).unwrap();
    // Nothing there: a zero timeout returns at once, empty.
    assert!(bus
        .receive_batch_timeout("a", 10, usize::MAX, Duration::ZERO)
        .unwrap()
        .is_empty());
    assert!(bus
        .receive_batch_timeout("a", 10, usize::MAX, Duration::from_millis(1))
        .unwrap()
        .is_empty());

    let waiter = {
        let bus = Arc::clone(&bus);
        thread::spawn(move || bus.receive_batch_timeout("a", 10, usize::MAX, Duration::MAX))
    };
    bus.send(msg("a", "wake")).unwrap();
    assert_eq!(tags(&waiter.join().unwrap().unwrap()), ["wake"]);

    let waiter = {
        let bus = Arc::clone(&bus);
        thread::spawn(move || bus.receive_batch_timeout("a", 10, usize::MAX, Duration::MAX))
    };
    bus.close_mailbox("a").unwrap();
    assert_eq!(waiter.join().unwrap(), Err(BusError::MailboxClosed));
}

#[test]
fn memory_stays_bounded_when_senders_push_past_the_limits() {
    let (_c, bus) = bus_at(0);
    let bus = Arc::new(bus);
    let limits = MailboxLimits::new(1_000, 64 << 10);
    bus.open_mailbox("a", limits).unwrap();
    let mut max_slots = 0;
    for round in 0..5 {
        let senders: Vec<_> = (0..4u8)
            .map(|s| {
                let bus = Arc::clone(&bus);
                thread::spawn(move || {
                    let mut refused = 0u64;
                    for i in 0..20_000u64 {
                        let p = Priority::ALL[(i % 4) as usize];
                        // 10..=137 bytes of payload, so both limits are hit.
                        let mut m = Message::new("a", "t", vec![s; 10 + (i % 128) as usize]);
                        m.priority = p;
                        if bus.send(m).is_err() {
                            refused += 1;
                        }
                    }
                    refused
                })
            })
            .collect();
        let refused: u64 = senders.into_iter().map(|h| h.join().unwrap()).sum();
        let c = counters(&bus, "a");
        assert!(c.depth <= limits.max_messages as u64);
        assert!(c.depth_bytes <= limits.max_bytes as u64);
        assert_eq!(c.accepted + c.rejected(), 80_000 * (round + 1));
        assert!(refused > 70_000, "round {round}: {refused}");
        let slots = bus.allocated_slots("a");
        // Four queues, each at most the next power of two above the limit.
        assert!(slots <= 4 * 1_024, "{slots} slots");
        max_slots = max_slots.max(slots);
        bus.receive_batch("a", usize::MAX, usize::MAX).unwrap();
    }
    assert!(max_slots > 0);
    let c = counters(&bus, "a");
    assert_eq!(c.accepted, c.delivered);
    assert_eq!(c.attempted(), 400_000);
}

/// Sends `per_sender` messages from each of `senders` threads, each batch spread over
/// `mailboxes`, retrying refused messages in order (back-pressure), while `receivers_each`
/// competing receivers per mailbox drain it. Checks nothing is lost or duplicated and that each
/// receiver sees every sender's messages in order per (mailbox, priority).
fn stress_no_loss(
    mailboxes: &[&str],
    receivers_each: usize,
    senders: u8,
    per_sender: u64,
    limits: MailboxLimits,
) {
    let (_c, bus) = bus_at(0);
    let bus = Arc::new(bus);
    for m in mailboxes {
        bus.open_mailbox(m, limits).unwrap();
    }
    let names: Arc<Vec<String>> = Arc::new(mailboxes.iter().map(|s| (*s).to_owned()).collect());
    let total = usize::try_from(u64::from(senders) * per_sender).unwrap();
    let done = Arc::new(AtomicBool::new(false));

    let receivers: Vec<_> = (0..names.len() * receivers_each)
        .map(|ri| {
            let (bus, names, done) = (Arc::clone(&bus), Arc::clone(&names), Arc::clone(&done));
            let name = names[ri % names.len()].clone();
            thread::spawn(move || {
                // last[sender][priority] = the least sequence number still acceptable.
                let mut last = vec![[0u64; 4]; usize::from(senders)];
                let mut seen = vec![false; total];
                let mut buf = Vec::with_capacity(512);
                loop {
                    buf.clear();
                    // Receiver 0 blocks, the others poll: both paths under load.
                    let n = if ri == 0 {
                        let v = bus
                            .receive_batch_timeout(&name, 512, usize::MAX, Duration::from_millis(5))
                            .unwrap();
                        let n = v.len();
                        buf.extend(v);
                        n
                    } else {
                        bus.receive_batch_into(&name, 512, usize::MAX, &mut buf)
                            .unwrap()
                    };
                    for m in &buf {
                        let (s, p, seq) = decode(&m.payload);
                        assert!(
                            seq >= last[s][p],
                            "order broken: sender {s} prio {p} seq {seq}"
                        );
                        last[s][p] = seq + 1;
                        let idx = usize::try_from(s as u64 * per_sender + seq).unwrap();
                        assert!(!seen[idx], "duplicate");
                        seen[idx] = true;
                    }
                    if n == 0 {
                        if done.load(Ordering::Acquire)
                            && bus.mailbox_stats(&name).unwrap().counters.depth == 0
                        {
                            return seen;
                        }
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();

    let sender_threads: Vec<_> = (0..senders)
        .map(|s| {
            let (bus, names) = (Arc::clone(&bus), Arc::clone(&names));
            thread::spawn(move || {
                let mut rng = Rng::seeded(u64::from(s));
                let mut full_seen = 0u64;
                let mut seq = 0u64;
                // (priority, mailbox index, seq) of the messages to send next, in order.
                let mut pending: Vec<(Priority, usize, u64)> = Vec::new();
                while seq < per_sender || !pending.is_empty() {
                    // Top up the batch with new messages (1..=256 per batch, some single sends).
                    let want = rng.range_u64(1, 256);
                    while (pending.len() as u64) < want && seq < per_sender {
                        let p = Priority::ALL[rng.range_u64(0, 3) as usize];
                        let to = rng.range_u64(0, names.len() as u64 - 1) as usize;
                        pending.push((p, to, seq));
                        seq += 1;
                    }
                    let build = |&(p, to, seq): &(Priority, usize, u64)| {
                        Message::new(names[to].as_str(), String::new(), seq_payload(s, p, seq))
                            .with_priority(p)
                    };
                    let batch = std::mem::take(&mut pending);
                    let results = if batch.len() == 1 && rng.range_u64(0, 1) == 0 {
                        vec![bus.send(build(&batch[0]))]
                    } else {
                        bus.send_batch(batch.iter().map(build).collect())
                    };
                    // Retry the refused ones, in order: the prefix rule keeps order per mailbox.
                    for (d, r) in batch.into_iter().zip(results) {
                        match r {
                            Ok(()) => {}
                            Err(BusError::Full { .. }) => {
                                full_seen += 1;
                                pending.push(d);
                            }
                            Err(e) => panic!("unexpected {e}"),
                        }
                    }
                    if !pending.is_empty() {
                        thread::yield_now();
                    }
                }
                full_seen
            })
        })
        .collect();

    let full_seen: u64 = sender_threads.into_iter().map(|h| h.join().unwrap()).sum();
    done.store(true, Ordering::Release);
    let mut all = vec![false; total];
    for h in receivers {
        for (i, got) in h.join().unwrap().into_iter().enumerate() {
            if got {
                assert!(!all[i], "delivered to two receivers");
                all[i] = true;
            }
        }
    }
    assert!(all.iter().all(|&g| g), "a message was lost");
    let s = bus.stats();
    assert_eq!(s.totals.accepted, total as u64);
    assert_eq!(s.totals.delivered, total as u64);
    assert_eq!(s.totals.rejected_full(), full_seen);
    assert_eq!(s.totals.expired + s.totals.depth + s.totals.discarded, 0);
}

#[test]
fn a_million_messages_from_four_senders_to_one_mailbox_none_lost_or_reordered() {
    // A small capacity, so back-pressure and in-order retries are exercised too.
    stress_no_loss(
        &["inbox"],
        1,
        4,
        250_000,
        MailboxLimits::new(4_096, 1 << 20),
    );
}

#[test]
fn a_million_messages_from_four_senders_to_four_mailboxes_none_lost_or_reordered() {
    stress_no_loss(
        &["a", "b", "c", "d"],
        1,
        4,
        250_000,
        MailboxLimits::new(1_024, 1 << 20),
    );
}

#[test]
fn competing_receivers_on_one_mailbox_share_its_messages_exactly_once() {
    stress_no_loss(&["a", "b"], 2, 4, 50_000, MailboxLimits::new(512, 1 << 20));
}

#[test]
fn with_a_small_capacity_and_ttls_every_message_is_accounted_for_exactly() {
    let (clock, bus) = bus_at(0);
    let bus = Arc::new(bus);
    bus.open_mailbox("a", MailboxLimits::new(64, 4 << 10))
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let per_sender = 50_000u64;

    let ticker = {
        let (clock, done) = (Arc::clone(&clock), Arc::clone(&done));
        thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                clock.advance_nanos(100_000);
                thread::yield_now();
            }
        })
    };
    let receiver = {
        let (bus, done) = (Arc::clone(&bus), Arc::clone(&done));
        thread::spawn(move || {
            let mut last = [[0u64; 4]; 4];
            let mut got = 0u64;
            while !done.load(Ordering::Acquire) {
                for m in bus.receive_batch("a", 7, usize::MAX).unwrap() {
                    let (s, p, seq) = decode(&m.payload);
                    assert!(seq >= last[s][p], "order");
                    last[s][p] = seq + 1;
                    got += 1;
                }
                thread::yield_now();
            }
            got
        })
    };
    let senders: Vec<_> = (0..4u8)
        .map(|s| {
            let bus = Arc::clone(&bus);
            thread::spawn(move || {
                let mut rng = Rng::seeded(100 + u64::from(s));
                let (mut accepted, mut full) = (0u64, 0u64);
                let mut seq = 0;
                while seq < per_sender {
                    let n = rng.range_u64(1, 32).min(per_sender - seq);
                    let batch: Vec<Message> = (0..n)
                        .map(|k| {
                            let p = Priority::ALL[rng.range_u64(0, 3) as usize];
                            let mut m = Message::new("a", "", seq_payload(s, p, seq + k));
                            m.priority = p;
                            m.ttl_ms = rng.range_u64(1, 3) as u32;
                            m
                        })
                        .collect();
                    seq += n;
                    for r in bus.send_batch(batch) {
                        match r {
                            Ok(()) => accepted += 1,
                            Err(BusError::Full { .. }) => full += 1,
                            Err(e) => panic!("unexpected {e}"),
                        }
                    }
                }
                (accepted, full)
            })
        })
        .collect();
    let (mut accepted, mut full) = (0, 0);
    for h in senders {
        let (a, f) = h.join().unwrap();
        accepted += a;
        full += f;
    }
    done.store(true, Ordering::Release);
    ticker.join().unwrap();
    let delivered = receiver.join().unwrap();

    // Whatever is left has outlived every TTL (≤ 3 ms): none of it may be delivered.
    clock.advance_millis(3);
    assert!(bus
        .receive_batch("a", usize::MAX, usize::MAX)
        .unwrap()
        .is_empty());
    let c = counters(&bus, "a");
    let attempts = 4 * per_sender;
    assert_eq!(accepted + full, attempts);
    assert_eq!(c.accepted, accepted);
    assert_eq!(c.rejected_full(), full);
    assert_eq!(c.delivered, delivered);
    assert_eq!(c.depth, 0);
    assert_eq!(attempts, c.delivered + c.rejected() + c.expired);
    assert!(full > 0, "the small mailbox pushed back");
}
