//! Counters and snapshots. Every counter is exact: it changes only under the lock of the
//! mailbox it belongs to, together with the state it counts. (One lag: once a batch is refused
//! by a mailbox, the refusals of the rest of its run are counted when the run ends, before
//! `send_batch` returns; a snapshot taken meanwhile may miss them.)

use std::ops::AddAssign;

/// Capacity limits of one mailbox. Both hold at all times: a message that would break either is
/// refused with [`crate::bus::BusError::Full`]. Memory held by a mailbox is thus bounded by
/// `max_messages` envelopes plus `max_bytes` of variable-size data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxLimits {
    /// Most messages held at once (≥ 1).
    pub max_messages: usize,
    /// Most bytes ([`crate::bus::Message::size_bytes`]) held at once (≥ 1).
    pub max_bytes: usize,
}

impl MailboxLimits {
    /// 10,000 messages.
    pub const DEFAULT_MAX_MESSAGES: usize = 10_000;
    /// 16 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 16 << 20;

    /// Limits of `max_messages` messages and `max_bytes` bytes.
    #[must_use]
    pub const fn new(max_messages: usize, max_bytes: usize) -> Self {
        Self {
            max_messages,
            max_bytes,
        }
    }
}

impl Default for MailboxLimits {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_MESSAGES, Self::DEFAULT_MAX_BYTES)
    }
}

/// Exact message counters of a mailbox (or summed over mailboxes).
///
/// Invariant, per mailbox at every lock release:
/// `accepted = delivered + expired + discarded + depth`, and every message offered to an
/// existing mailbox is counted exactly once in `accepted` or in one `rejected_*` counter
/// ([`Self::attempted`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Messages accepted into the mailbox ("sent" successfully).
    pub accepted: u64,
    /// Messages handed to a receiver.
    pub delivered: u64,
    /// Messages dropped because their TTL passed before delivery (never delivered).
    pub expired: u64,
    /// Messages still queued when the mailbox was closed, dropped by the close.
    pub discarded: u64,
    /// Messages refused because the mailbox held `max_messages`.
    pub rejected_full_messages: u64,
    /// Messages refused because they would take the mailbox past `max_bytes`.
    pub rejected_full_bytes: u64,
    /// Messages refused because they alone exceed `max_bytes`.
    pub rejected_too_large: u64,
    /// Messages refused because the mailbox was closed.
    pub rejected_closed: u64,
    /// Messages held now (including expired ones not yet dropped, which still use capacity).
    pub depth: u64,
    /// Bytes held now.
    pub depth_bytes: u64,
}

impl Counters {
    /// Messages refused by back-pressure (either limit).
    #[must_use]
    pub const fn rejected_full(&self) -> u64 {
        self.rejected_full_messages + self.rejected_full_bytes
    }

    /// Messages refused for any reason counted here.
    #[must_use]
    pub const fn rejected(&self) -> u64 {
        self.rejected_full() + self.rejected_too_large + self.rejected_closed
    }

    /// Messages offered: `accepted + rejected()`.
    #[must_use]
    pub const fn attempted(&self) -> u64 {
        self.accepted + self.rejected()
    }
}

impl AddAssign for Counters {
    fn add_assign(&mut self, o: Self) {
        self.accepted += o.accepted;
        self.delivered += o.delivered;
        self.expired += o.expired;
        self.discarded += o.discarded;
        self.rejected_full_messages += o.rejected_full_messages;
        self.rejected_full_bytes += o.rejected_full_bytes;
        self.rejected_too_large += o.rejected_too_large;
        self.rejected_closed += o.rejected_closed;
        self.depth += o.depth;
        self.depth_bytes += o.depth_bytes;
    }
}

/// A snapshot of one mailbox, consistent (taken under its lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxStats {
    /// Mailbox name.
    pub name: String,
    /// Whether it accepts messages.
    pub open: bool,
    /// Its limits.
    pub limits: MailboxLimits,
    /// Its counters since it was first opened (reopening keeps them).
    pub counters: Counters,
}

/// Bus-wide totals. Each mailbox's part is consistent, but under concurrent traffic the sum is
/// not a single instant's cut: mailboxes are read one after the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BusStats {
    /// Mailboxes known (open or closed).
    pub mailboxes: u64,
    /// Mailboxes open.
    pub open_mailboxes: u64,
    /// Counters summed over known mailboxes and those removed earlier.
    pub totals: Counters,
    /// Messages refused because their recipient was not a known mailbox (no mailbox to count
    /// them in).
    pub rejected_unknown: u64,
}
