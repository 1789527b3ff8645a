//! The message bus: per-agent mailboxes with priorities, TTL expiry and bounded capacity with
//! back-pressure, moved in batches.
//!
//! The API maps onto batch rpcs: [`MessageBus::send_batch`] (per-message results),
//! [`MessageBus::receive_batch`] (`mailbox`, `max_messages`, `max_bytes`),
//! [`MessageBus::open_mailbox`] / [`MessageBus::close_mailbox`] / [`MessageBus::remove_mailbox`],
//! and [`MessageBus::stats`] / [`MessageBus::mailbox_stats`]. Messages are plain Rust
//! ([`Message`]); when served, `payload` holds the FlatBuffer bytes, which the bus never reads.
//!
//! # Guarantees
//!
//! - **No loss, no duplication.** Every message offered is either accepted or refused with a
//!   typed [`BusError`] returned to the sender; never silently dropped. An accepted message is
//!   delivered to exactly one receiver, or dropped as expired, or discarded by a close — each
//!   counted ([`Counters`]: `accepted = delivered + expired + discarded + depth`, exactly).
//! - **Order.** Receive returns the highest priority first (`Critical` … `Low`, strictly: a
//!   steady stream of high-priority traffic starves lower ones). Within one priority a mailbox is
//!   FIFO in acceptance order (acceptance is serialized by the mailbox lock), which implies
//!   per-sender FIFO: the messages one sender sends one after the other at the same priority
//!   to the same mailbox are handed out in that order. With several receivers on one mailbox
//!   each message goes to one of them, and the hand-out order is still FIFO.
//! - **TTL.** A message with `ttl_ms > 0` accepted at bus time `t` (nanoseconds of the
//!   injected [`Clock`](crate::clock::Clock)) expires at `deadline = t + ttl_ms·10⁶`: it is
//!   delivered while `now < deadline`, never at or after it; an expired message is counted in
//!   `expired`. Expiry is lazy: a receive drops the expired messages it meets at the heads of
//!   the queues; a send that finds the mailbox full first drops every expired message there (so
//!   expired messages never cause back-pressure); [`MessageBus::purge_expired`] drops them
//!   everywhere (call it periodically to free memory held by idle mailboxes). Until dropped, an
//!   expired message still counts in `depth` and against capacity. The message's own
//!   `timestamp_ms` is epoch time and is not used: time in transit before the bus is not
//!   deducted.
//! - **Bounded capacity.** Each mailbox holds at most `max_messages` messages and `max_bytes`
//!   bytes ([`Message::size_bytes`]). A message that does not fit is refused with
//!   [`BusError::Full`] naming the limit; one that can never fit with [`BusError::TooLarge`].
//!   Memory per mailbox is thus bounded however hard senders push.
//! - **Partial acceptance in a batch.** `send_batch` returns one result per message, in input
//!   order. Per mailbox, the accepted messages of a batch form a prefix of the batch's messages
//!   to that mailbox, ignoring `TooLarge` refusals (those are permanent and per message): after
//!   the first `Full`, `MailboxClosed` or `UnknownMailbox` refusal for a mailbox, every later
//!   message of the batch to that mailbox is refused with the same error, even if it would have
//!   fitted. A sender that retries its refused messages in order therefore keeps its order.
//!   [`MessageBus::send_batch_keep_refused`] and [`MessageBus::send_keep_refused`] hand the
//!   refused messages back for that, without copies.
//! - **Close** refuses later sends ([`BusError::MailboxClosed`]), wakes blocked receivers with
//!   that error and discards (counts in `discarded`) what the mailbox holds; reopening keeps the
//!   counters. [`MessageBus::remove_mailbox`] forgets it (later sends: `UnknownMailbox`) and
//!   moves its counters into the bus totals.
//! - **Thread safety.** [`MessageBus`] is `Send + Sync`; any number of threads send and receive
//!   concurrently. A batch holds each mailbox's lock for its run of consecutive messages to it,
//!   so one call costs one lock per run, not per message, and lets go of it as soon as the
//!   mailbox refuses one (the rest of the run is refused without the lock).
//! - **Blocking receive** ([`MessageBus::receive_batch_timeout`]) waits on a condition variable
//!   (no spinning) until a message arrives, the mailbox closes, or the timeout passes. The
//!   timeout is real time (a manual clock cannot wake a sleeper); TTLs use the bus clock.

mod error;
mod mailbox;
mod message;
mod stats;

#[cfg(test)]
mod tests;

pub use error::{BusError, Limit};
pub use message::{Message, Priority};
pub use stats::{BusStats, Counters, MailboxLimits, MailboxStats};

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::clock::SharedClock;
use mailbox::{Mailbox, State};

/// What [`MessageBus::open_mailbox`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenOutcome {
    /// The mailbox did not exist and was created.
    Created,
    /// The mailbox was closed and is open again (its counters continue).
    Reopened,
    /// The mailbox was open already; only its limits were set.
    AlreadyOpen,
}

/// The message bus. See the [module documentation](self) for its guarantees.
pub struct MessageBus {
    clock: SharedClock,
    /// Lock order: this map, then a mailbox, then `retired`. Nothing takes the map while
    /// holding a mailbox, so senders may keep the map read-locked across a whole batch.
    mailboxes: RwLock<HashMap<String, Arc<Mailbox>>>,
    rejected_unknown: AtomicU64,
    /// Counters of removed mailboxes, so bus totals stay exact across removals.
    retired: Mutex<Counters>,
}

impl fmt::Debug for MessageBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The queued messages are not worth printing; the totals are.
        f.debug_struct("MessageBus")
            .field("clock", &self.clock)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The run of consecutive messages of a batch to one mailbox.
struct Run<'a> {
    name: &'a str,
    mailbox: &'a Mailbox,
    /// Held while the run may accept. Released once it is blocked: the refused rest of the run
    /// is only counted, and that should not keep receivers (who would make room) waiting.
    state: Option<MutexGuard<'a, State>>,
    /// Set once a message of the batch to this mailbox was refused (prefix rule).
    blocked: Option<BusError>,
    accepted: usize,
    /// Refusals with `blocked` made without the lock, counted when the run finishes.
    deferred: u64,
    /// Whether receivers wait and messages were accepted (known when the lock is released).
    wake: bool,
}

impl Run<'_> {
    fn release(&mut self) {
        if let Some(st) = self.state.take() {
            self.wake = self.accepted > 0 && st.waiters > 0;
        }
    }

    fn finish(mut self) {
        self.release();
        if let (Some(err), n @ 1..) = (self.blocked, self.deferred) {
            self.mailbox.lock().count_rejections(err, n);
        }
        if self.wake {
            if self.accepted == 1 {
                self.mailbox.ready.notify_one();
            } else {
                self.mailbox.ready.notify_all();
            }
        }
    }
}

impl MessageBus {
    /// An empty bus whose TTLs run on `clock`.
    #[must_use]
    pub fn new(clock: SharedClock) -> Self {
        Self {
            clock,
            mailboxes: RwLock::new(HashMap::new()),
            rejected_unknown: AtomicU64::new(0),
            retired: Mutex::new(Counters::default()),
        }
    }

    fn read_map(&self) -> RwLockReadGuard<'_, HashMap<String, Arc<Mailbox>>> {
        // The map is only ever inserted into or removed from, so a panicking holder cannot
        // leave it inconsistent: poisoning is ignored.
        self.mailboxes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write_map(&self) -> RwLockWriteGuard<'_, HashMap<String, Arc<Mailbox>>> {
        self.mailboxes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_retired(&self) -> MutexGuard<'_, Counters> {
        self.retired.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens mailbox `name` with `limits`: creates it, reopens it if closed, or (if open) just
    /// sets its limits. Idempotent. Lowering limits below the current depth refuses new
    /// messages until receivers drain it; nothing queued is dropped.
    ///
    /// # Errors
    /// [`BusError::InvalidArgument`] for an empty name or a zero limit.
    pub fn open_mailbox(&self, name: &str, limits: MailboxLimits) -> Result<OpenOutcome, BusError> {
        if name.is_empty() {
            return Err(BusError::InvalidArgument("empty mailbox name"));
        }
        if limits.max_messages == 0 || limits.max_bytes == 0 {
            return Err(BusError::InvalidArgument(
                "mailbox limits must be at least 1",
            ));
        }
        let mut map = self.write_map();
        if let Some(mb) = map.get(name) {
            let mut st = mb.lock();
            st.limits = limits;
            if st.open {
                return Ok(OpenOutcome::AlreadyOpen);
            }
            st.open = true;
            return Ok(OpenOutcome::Reopened);
        }
        map.insert(name.to_owned(), Arc::new(Mailbox::new(limits)));
        Ok(OpenOutcome::Created)
    }

    /// Closes mailbox `name`: later sends to it are refused with [`BusError::MailboxClosed`],
    /// blocked receivers wake with that error, and the messages it holds are discarded (counted
    /// in `discarded`). Returns how many were discarded. Closing a closed mailbox returns 0. The
    /// mailbox (name, limits, counters) stays known until [`Self::remove_mailbox`].
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`].
    pub fn close_mailbox(&self, name: &str) -> Result<usize, BusError> {
        let map = self.read_map();
        let mb = map.get(name).ok_or(BusError::UnknownMailbox)?;
        let discarded = mb.lock().close();
        mb.ready.notify_all();
        Ok(discarded)
    }

    /// Closes (as [`Self::close_mailbox`]) and forgets mailbox `name`, so that a bus with churning
    /// agent ids does not keep one entry per id forever. Its counters move into the bus totals.
    /// Later sends get [`BusError::UnknownMailbox`]. Returns its final stats.
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`].
    pub fn remove_mailbox(&self, name: &str) -> Result<MailboxStats, BusError> {
        let mut map = self.write_map();
        let mb = map.remove(name).ok_or(BusError::UnknownMailbox)?;
        let mut st = mb.lock();
        st.close();
        let stats = MailboxStats {
            name: name.to_owned(),
            open: false,
            limits: st.limits,
            counters: st.snapshot(),
        };
        // Folded in while the map is still locked, so `stats()` never misses or doubles it.
        *self.lock_retired() += stats.counters;
        drop(st);
        drop(map);
        mb.ready.notify_all();
        Ok(stats)
    }

    /// Sends one message to `msg.recipient`.
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`], [`BusError::MailboxClosed`], [`BusError::Full`] (naming
    /// the limit) or [`BusError::TooLarge`]; the message is then not queued.
    pub fn send(&self, msg: Message) -> Result<(), BusError> {
        self.send_keep_refused(msg).map_err(|(e, _)| e)
    }

    /// As [`Self::send`], handing the message back if it is refused, so an in-process sender can
    /// retry it without having kept a copy.
    ///
    /// # Errors
    /// As [`Self::send`], with the message.
    // The message comes back by value: boxing it would cost an allocation per refusal, which is
    // what handing it back avoids.
    #[allow(clippy::result_large_err)]
    pub fn send_keep_refused(&self, msg: Message) -> Result<(), (BusError, Message)> {
        let now = self.clock.now_nanos();
        let map = self.read_map();
        let Some(mb) = map.get(msg.recipient.as_str()) else {
            self.rejected_unknown.fetch_add(1, Ordering::Relaxed);
            return Err((BusError::UnknownMailbox, msg));
        };
        let mut st = mb.lock();
        let result = st.offer(msg, now);
        let wake = result.is_ok() && st.waiters > 0;
        drop(st);
        if wake {
            mb.ready.notify_one();
        }
        result
    }

    /// Sends many messages in one call, each to its `recipient`: returns one result per message,
    /// in input order. All messages of the batch are accepted at the same bus time. See the
    /// module documentation for the prefix rule that makes partial acceptance well defined.
    pub fn send_batch(&self, messages: Vec<Message>) -> Vec<Result<(), BusError>> {
        self.send_batch_impl(messages, None)
    }

    /// As [`Self::send_batch`], and also hands back the refused messages, in input order, so an
    /// in-process sender can retry them without having kept copies.
    pub fn send_batch_keep_refused(
        &self,
        messages: Vec<Message>,
    ) -> (Vec<Result<(), BusError>>, Vec<Message>) {
        let mut refused = Vec::new();
        let results = self.send_batch_impl(messages, Some(&mut refused));
        (results, refused)
    }

    fn send_batch_impl(
        &self,
        messages: Vec<Message>,
        mut refused: Option<&mut Vec<Message>>,
    ) -> Vec<Result<(), BusError>> {
        let mut results = Vec::with_capacity(messages.len());
        let now = self.clock.now_nanos();
        let map = self.read_map();
        // Mailboxes (by name) that refused a message of this batch, with the error.
        let mut blocked: Vec<(String, BusError)> = Vec::new();
        let mut run: Option<Run<'_>> = None;
        for msg in messages {
            if run.as_ref().is_none_or(|r| r.name != msg.recipient) {
                if let Some(r) = run.take() {
                    r.finish();
                }
                let prior = blocked
                    .iter()
                    .find(|(n, _)| *n == msg.recipient)
                    .map(|&(_, e)| e);
                match map.get_key_value(msg.recipient.as_str()) {
                    Some((name, mb)) if prior != Some(BusError::UnknownMailbox) => {
                        run = Some(Run {
                            name,
                            mailbox: mb,
                            // Blocked earlier in the batch: this run only counts refusals.
                            state: prior.is_none().then(|| mb.lock()),
                            blocked: prior,
                            accepted: 0,
                            deferred: 0,
                            wake: false,
                        });
                    }
                    // Unknown, or unknown earlier in this batch (opened meanwhile): refused
                    // alike, so the prefix rule holds for unknown mailboxes too.
                    _ => {
                        self.rejected_unknown.fetch_add(1, Ordering::Relaxed);
                        if prior.is_none() {
                            blocked.push((msg.recipient.clone(), BusError::UnknownMailbox));
                        }
                        results.push(Err(BusError::UnknownMailbox));
                        if let Some(out) = refused.as_deref_mut() {
                            out.push(msg);
                        }
                        continue;
                    }
                }
            }
            let Some(r) = run.as_mut() else {
                unreachable!("a run is open for this message's mailbox");
            };
            let outcome = match (&mut r.state, r.blocked) {
                (Some(st), None) => st.offer(msg, now),
                (_, Some(err)) => {
                    r.deferred += 1;
                    Err((err, msg))
                }
                (None, None) => unreachable!("a run without the lock is blocked"),
            };
            match outcome {
                Ok(()) => {
                    r.accepted += 1;
                    results.push(Ok(()));
                }
                Err((err, msg)) => {
                    // TooLarge is permanent and per message: it does not block the rest.
                    if r.blocked.is_none() && !matches!(err, BusError::TooLarge { .. }) {
                        r.blocked = Some(err);
                        r.release();
                        blocked.push((r.name.to_owned(), err));
                    }
                    results.push(Err(err));
                    if let Some(out) = refused.as_deref_mut() {
                        out.push(msg);
                    }
                }
            }
        }
        if let Some(r) = run.take() {
            r.finish();
        }
        results
    }

    /// Receives the next message of mailbox `name`, if any (non-blocking).
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`] or [`BusError::MailboxClosed`].
    pub fn receive(&self, name: &str) -> Result<Option<Message>, BusError> {
        let map = self.read_map();
        let mb = map.get(name).ok_or(BusError::UnknownMailbox)?;
        let mut st = mb.lock();
        if !st.open {
            return Err(BusError::MailboxClosed);
        }
        Ok(st.take_one(self.clock.now_nanos()))
    }

    /// Receives up to `max_messages` messages of mailbox `name` totalling at most `max_bytes`
    /// (but always at least one message if any is deliverable, even one larger than
    /// `max_bytes`; pass `usize::MAX` for no byte limit), highest priority first. Non-blocking:
    /// returns an empty vector if nothing is deliverable.
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`] or [`BusError::MailboxClosed`].
    pub fn receive_batch(
        &self,
        name: &str,
        max_messages: usize,
        max_bytes: usize,
    ) -> Result<Vec<Message>, BusError> {
        let mut out = Vec::new();
        self.receive_batch_into(name, max_messages, max_bytes, &mut out)?;
        Ok(out)
    }

    /// As [`Self::receive_batch`], appending to `out` (so a receiver can reuse one buffer);
    /// returns the number appended.
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`] or [`BusError::MailboxClosed`].
    pub fn receive_batch_into(
        &self,
        name: &str,
        max_messages: usize,
        max_bytes: usize,
        out: &mut Vec<Message>,
    ) -> Result<usize, BusError> {
        let map = self.read_map();
        let mb = map.get(name).ok_or(BusError::UnknownMailbox)?;
        let mut st = mb.lock();
        if !st.open {
            return Err(BusError::MailboxClosed);
        }
        let now = self.clock.now_nanos();
        Ok(st.take(now, max_messages, max_bytes, out))
    }

    /// As [`Self::receive_batch`], but if nothing is deliverable waits (without spinning) until
    /// something is, the mailbox is closed or removed, or `timeout` (real time) has passed; then
    /// returns what is deliverable, possibly nothing.
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`], or [`BusError::MailboxClosed`] (also when it is closed or
    /// removed while waiting).
    pub fn receive_batch_timeout(
        &self,
        name: &str,
        max_messages: usize,
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<Vec<Message>, BusError> {
        // A clone, so the map is not held while waiting (that would block open and remove).
        let mb = Arc::clone(self.read_map().get(name).ok_or(BusError::UnknownMailbox)?);
        let give_up = Instant::now().checked_add(timeout);
        let mut out = Vec::new();
        let mut st = mb.lock();
        loop {
            if !st.open {
                return Err(BusError::MailboxClosed);
            }
            let now = self.clock.now_nanos();
            if st.take(now, max_messages, max_bytes, &mut out) > 0 || max_messages == 0 {
                return Ok(out);
            }
            let remaining = match give_up {
                Some(t) => t.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if remaining.is_zero() {
                return Ok(out);
            }
            st.waiters += 1;
            st = mb
                .ready
                .wait_timeout(st, remaining)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            st.waiters -= 1;
        }
    }

    /// Drops every expired message of every mailbox (O(total depth)); returns how many.
    pub fn purge_expired(&self) -> u64 {
        let now = self.clock.now_nanos();
        let map = self.read_map();
        map.values().map(|mb| mb.lock().purge(now) as u64).sum()
    }

    /// Drops every expired message of mailbox `name`; returns how many.
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`].
    pub fn purge_expired_in(&self, name: &str) -> Result<usize, BusError> {
        let now = self.clock.now_nanos();
        let map = self.read_map();
        let mb = map.get(name).ok_or(BusError::UnknownMailbox)?;
        let dropped = mb.lock().purge(now);
        Ok(dropped)
    }

    /// A consistent snapshot of mailbox `name`.
    ///
    /// # Errors
    /// [`BusError::UnknownMailbox`].
    pub fn mailbox_stats(&self, name: &str) -> Result<MailboxStats, BusError> {
        let map = self.read_map();
        let (key, mb) = map.get_key_value(name).ok_or(BusError::UnknownMailbox)?;
        let st = mb.lock();
        Ok(MailboxStats {
            name: key.clone(),
            open: st.open,
            limits: st.limits,
            counters: st.snapshot(),
        })
    }

    /// Snapshots of every known mailbox, sorted by name (a deterministic order).
    pub fn all_mailbox_stats(&self) -> Vec<MailboxStats> {
        let map = self.read_map();
        let mut all: Vec<MailboxStats> = map
            .iter()
            .map(|(name, mb)| {
                let st = mb.lock();
                MailboxStats {
                    name: name.clone(),
                    open: st.open,
                    limits: st.limits,
                    counters: st.snapshot(),
                }
            })
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Bus-wide totals (see [`BusStats`] for how consistent they are under traffic).
    pub fn stats(&self) -> BusStats {
        let map = self.read_map();
        let mut s = BusStats::default();
        for mb in map.values() {
            let st = mb.lock();
            s.mailboxes += 1;
            s.open_mailboxes += u64::from(st.open);
            s.totals += st.snapshot();
        }
        s.totals += *self.lock_retired();
        s.rejected_unknown = self.rejected_unknown.load(Ordering::Relaxed);
        s
    }

    /// The clock the bus measures TTLs with.
    #[must_use]
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Bus time now, in nanoseconds (the clock TTL deadlines are computed on).
    #[must_use]
    pub fn now_nanos(&self) -> u64 {
        self.clock.now_nanos()
    }

    #[cfg(test)]
    fn allocated_slots(&self, name: &str) -> usize {
        self.read_map()
            .get(name)
            .map_or(0, |mb| mb.lock().allocated_slots())
    }
}
