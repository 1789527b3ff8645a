//! The bus's typed errors.

use std::fmt;

/// Which capacity limit of a mailbox a message hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The mailbox holds `max_messages` messages.
    Messages,
    /// The message's bytes would take the mailbox past `max_bytes`.
    Bytes,
}

/// Why the bus refused an operation or a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusError {
    /// No mailbox of that name was ever opened (or it was removed).
    UnknownMailbox,
    /// The mailbox exists but is closed.
    MailboxClosed,
    /// The mailbox is at its `limit`: back-pressure. Retrying later may succeed.
    Full {
        /// The limit that was hit (messages are checked before bytes).
        limit: Limit,
    },
    /// The message alone is larger than the mailbox's byte limit: it can never be accepted.
    TooLarge {
        /// [`crate::bus::Message::size_bytes`] of the message.
        size: usize,
        /// The mailbox's `max_bytes`.
        max_bytes: usize,
    },
    /// An argument is invalid (empty mailbox name, zero limit); the text says which.
    InvalidArgument(&'static str),
}

impl BusError {
    /// The `hms.ErrorCode` value (`idl/hms/common.fbs`) this error maps to when served:
    /// UnknownMailbox → NotFound (2), MailboxClosed → FailedPrecondition (4),
    /// Full → ResourceExhausted (8), TooLarge and InvalidArgument → InvalidArgument (1).
    #[must_use]
    pub const fn error_code(&self) -> u16 {
        match self {
            BusError::UnknownMailbox => 2,
            BusError::MailboxClosed => 4,
            BusError::Full { .. } => 8,
            BusError::TooLarge { .. } | BusError::InvalidArgument(_) => 1,
        }
    }

    /// Whether the same message may succeed if sent again later (only back-pressure is
    /// transient; a closed or unknown mailbox needs its owner to open it first).
    #[must_use]
    pub const fn is_retryable(&self) -> bool {
        matches!(self, BusError::Full { .. })
    }
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusError::UnknownMailbox => f.write_str("unknown mailbox"),
            BusError::MailboxClosed => f.write_str("mailbox closed"),
            BusError::Full {
                limit: Limit::Messages,
            } => f.write_str("mailbox full: message limit reached"),
            BusError::Full {
                limit: Limit::Bytes,
            } => f.write_str("mailbox full: byte limit reached"),
            BusError::TooLarge { size, max_bytes } => write!(
                f,
                "message of {size} bytes exceeds the mailbox byte limit of {max_bytes}"
            ),
            BusError::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
        }
    }
}

impl std::error::Error for BusError {}
