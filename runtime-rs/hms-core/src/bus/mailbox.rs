//! One mailbox: four FIFO queues (one per priority) behind one mutex, with its counters.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::error::{BusError, Limit};
use super::message::{Message, Priority};
use super::stats::{Counters, MailboxLimits};

/// A queued message with what the bus computed at acceptance.
#[derive(Debug)]
struct Envelope {
    /// Bus-clock nanoseconds at which the message expires; `u64::MAX` = never.
    deadline: u64,
    /// `msg.size_bytes()`, cached so accounting never recomputes it.
    size: usize,
    msg: Message,
}

/// The mutable state of a mailbox; every field changes only under [`Mailbox::lock`].
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) open: bool,
    pub(crate) limits: MailboxLimits,
    /// Indexed by [`Priority::index`]; receive scans from the back (Critical).
    queues: [VecDeque<Envelope>; 4],
    depth: usize,
    bytes: usize,
    /// A lower bound on the deadlines held (exact after a purge, possibly stale after
    /// receives). A full mailbox is purged only once the clock reaches it, so a sender hitting
    /// a full mailbox that holds nothing expired does not pay an O(depth) scan each time.
    earliest_deadline: u64,
    /// Receivers blocked in `wait`; senders notify only when there are some, since a condvar
    /// notification costs a syscall even with nobody waiting.
    pub(crate) waiters: usize,
    pub(crate) counters: Counters,
}

impl State {
    fn new(limits: MailboxLimits) -> Self {
        Self {
            open: true,
            limits,
            queues: Default::default(),
            depth: 0,
            bytes: 0,
            earliest_deadline: u64::MAX,
            waiters: 0,
            counters: Counters::default(),
        }
    }

    /// The counters with the current depth filled in.
    pub(crate) fn snapshot(&self) -> Counters {
        Counters {
            depth: self.depth as u64,
            depth_bytes: self.bytes as u64,
            ..self.counters
        }
    }

    /// Offers `msg` at bus time `now`: accepts it, or hands it back with the reason. Every
    /// outcome is counted.
    // The message comes back by value: boxing it would cost an allocation per refusal, which is
    // what handing it back avoids.
    #[allow(clippy::result_large_err)]
    pub(crate) fn offer(&mut self, msg: Message, now: u64) -> Result<(), (BusError, Message)> {
        if !self.open {
            return Err((self.count_rejection(BusError::MailboxClosed), msg));
        }
        let size = msg.size_bytes();
        if size > self.limits.max_bytes {
            let err = BusError::TooLarge {
                size,
                max_bytes: self.limits.max_bytes,
            };
            return Err((self.count_rejection(err), msg));
        }
        if self.check_room(size).is_err() && now >= self.earliest_deadline {
            // Expired messages must not cause back-pressure: drop them before refusing.
            self.purge(now);
        }
        if let Err(limit) = self.check_room(size) {
            return Err((self.count_rejection(BusError::Full { limit }), msg));
        }
        let deadline = if msg.ttl_ms == 0 {
            u64::MAX
        } else {
            now.saturating_add(u64::from(msg.ttl_ms) * 1_000_000)
        };
        self.earliest_deadline = self.earliest_deadline.min(deadline);
        self.depth += 1;
        self.bytes += size;
        self.counters.accepted += 1;
        self.queues[msg.priority.index()].push_back(Envelope {
            deadline,
            size,
            msg,
        });
        Ok(())
    }

    fn check_room(&self, size: usize) -> Result<(), Limit> {
        if self.depth >= self.limits.max_messages {
            Err(Limit::Messages)
        } else if self.bytes + size > self.limits.max_bytes {
            Err(Limit::Bytes)
        } else {
            Ok(())
        }
    }

    /// Counts a refusal of one message for `err` and returns it.
    pub(crate) fn count_rejection(&mut self, err: BusError) -> BusError {
        self.count_rejections(err, 1);
        err
    }

    /// Counts `n` refusals for `err`. UnknownMailbox is counted by the bus (there is no
    /// mailbox); InvalidArgument never reaches a mailbox.
    pub(crate) fn count_rejections(&mut self, err: BusError, n: u64) {
        let c = &mut self.counters;
        match err {
            BusError::MailboxClosed => c.rejected_closed += n,
            BusError::Full {
                limit: Limit::Messages,
            } => c.rejected_full_messages += n,
            BusError::Full {
                limit: Limit::Bytes,
            } => c.rejected_full_bytes += n,
            BusError::TooLarge { .. } => c.rejected_too_large += n,
            BusError::UnknownMailbox | BusError::InvalidArgument(_) => {}
        }
    }

    /// Moves up to `max_messages` deliverable messages into `out`, highest priority first and
    /// FIFO within a priority, dropping (and counting) the expired ones met on the way. Stops
    /// before a message that would take the batch past `max_bytes`, except that the first
    /// message is always delivered, so a message larger than `max_bytes` cannot block the
    /// mailbox. Returns the number delivered.
    pub(crate) fn take(
        &mut self,
        now: u64,
        max_messages: usize,
        max_bytes: usize,
        out: &mut Vec<Message>,
    ) -> usize {
        let (mut n, mut batch_bytes) = (0usize, 0usize);
        'queues: for q in self.queues.iter_mut().rev() {
            while n < max_messages {
                let Some(front) = q.front() else {
                    continue 'queues;
                };
                // Expired exactly at the deadline: delivered only while now < deadline.
                let expired = front.deadline <= now;
                if !expired && n > 0 && batch_bytes.saturating_add(front.size) > max_bytes {
                    break 'queues;
                }
                let Some(env) = q.pop_front() else {
                    continue 'queues;
                };
                self.depth -= 1;
                self.bytes -= env.size;
                if expired {
                    self.counters.expired += 1;
                } else {
                    self.counters.delivered += 1;
                    n += 1;
                    batch_bytes += env.size;
                    out.push(env.msg);
                }
            }
            break;
        }
        if self.depth == 0 {
            self.earliest_deadline = u64::MAX;
        }
        n
    }

    /// The next deliverable message, as `take` with `max_messages` 1 but without a buffer.
    pub(crate) fn take_one(&mut self, now: u64) -> Option<Message> {
        let mut found = None;
        for q in self.queues.iter_mut().rev() {
            while let Some(env) = q.pop_front() {
                self.depth -= 1;
                self.bytes -= env.size;
                if env.deadline <= now {
                    self.counters.expired += 1;
                } else {
                    self.counters.delivered += 1;
                    found = Some(env.msg);
                    break;
                }
            }
            if found.is_some() {
                break;
            }
        }
        if self.depth == 0 {
            self.earliest_deadline = u64::MAX;
        }
        found
    }

    /// Drops every message expired at `now` (O(depth)); returns how many.
    pub(crate) fn purge(&mut self, now: u64) -> usize {
        let mut dropped = 0usize;
        let mut freed = 0usize;
        let mut earliest = u64::MAX;
        for q in &mut self.queues {
            q.retain(|e| {
                if e.deadline <= now {
                    dropped += 1;
                    freed += e.size;
                    false
                } else {
                    earliest = earliest.min(e.deadline);
                    true
                }
            });
        }
        self.depth -= dropped;
        self.bytes -= freed;
        self.counters.expired += dropped as u64;
        self.earliest_deadline = earliest;
        dropped
    }

    /// Closes the mailbox, dropping (and counting as discarded) what it holds; returns how many.
    pub(crate) fn close(&mut self) -> usize {
        self.open = false;
        let dropped = self.depth;
        // Fresh queues rather than clear(): a closed mailbox should not keep its peak allocation.
        self.queues = Default::default();
        self.depth = 0;
        self.bytes = 0;
        self.earliest_deadline = u64::MAX;
        self.counters.discarded += dropped as u64;
        dropped
    }

    /// Envelope slots allocated by the queues: what the mailbox's memory scales with.
    #[cfg(test)]
    pub(crate) fn allocated_slots(&self) -> usize {
        self.queues.iter().map(VecDeque::capacity).sum()
    }
}

/// A mailbox: its state and the condition its blocked receivers wait on.
#[derive(Debug)]
pub(crate) struct Mailbox {
    state: Mutex<State>,
    pub(crate) ready: Condvar,
}

impl Mailbox {
    pub(crate) fn new(limits: MailboxLimits) -> Self {
        Self {
            state: Mutex::new(State::new(limits)),
            ready: Condvar::new(),
        }
    }

    /// Locks the state. A panic while holding the lock cannot leave the state half-updated
    /// (no code under the lock panics between paired updates), so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// `Priority` is used for indexing; keep the queue count in step with the enum.
const _: () = assert!(Priority::ALL.len() == 4);
