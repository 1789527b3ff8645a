//! Typed errors of the configuration store and of schema loading.

use std::fmt;

use super::schema::{KeySelector, RangeSpec};
use super::value::{ConfigValue, ValueType};

/// Why a store operation was refused. [`ConfigError::code`] maps each variant onto the
/// `hms.ErrorCode` the served contract reports. A refused operation changes nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// Compare-and-set failed: the key's version is not the expected one (etcd's failed `Txn`
    /// compare). Versions are per key; 0 means "absent".
    VersionConflict {
        /// The key written or deleted.
        key: String,
        /// The version the caller expected (0 = must not exist).
        expected: u64,
        /// The key's current version (0 = absent), so the caller can re-read and retry.
        current: u64,
    },
    /// The value (or the delete) breaks a schema rule.
    Violation(RuleViolation),
    /// The history needed was compacted away (etcd's `ErrCompacted`): a watch from, or a
    /// rollback to, a revision older than what is retained. Re-read the current state with
    /// `get` and watch from its revision.
    Compacted {
        /// The revision asked for.
        requested: u64,
        /// Changes up to and including this revision are no longer retained.
        compacted_revision: u64,
    },
    /// A revision after the store's current one was given where only past ones make sense.
    FutureRevision {
        /// The revision asked for.
        requested: u64,
        /// The store's current revision.
        current: u64,
    },
    /// The key is empty or longer than [`ConfigOptions::max_key_bytes`](super::ConfigOptions).
    InvalidKey {
        /// The key (truncated to 64 bytes in messages, not here).
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A string value longer than [`ConfigOptions::max_value_bytes`](super::ConfigOptions).
    ValueTooLarge {
        /// The key written.
        key: String,
        /// The value's size in bytes.
        size: usize,
        /// The bound.
        limit: usize,
    },
    /// Creating one more key would pass [`ConfigOptions::max_keys`](super::ConfigOptions).
    TooManyKeys {
        /// The bound.
        limit: usize,
    },
    /// Parking one more watch would pass
    /// [`ConfigOptions::max_watchers`](super::ConfigOptions); retry later.
    TooManyWatchers {
        /// The bound.
        limit: usize,
    },
    /// A snapshot handed to `import` is inconsistent or exceeds the bounds.
    InvalidSnapshot(String),
    /// Any other malformed argument.
    InvalidArgument(String),
}

impl ConfigError {
    /// The `hms.ErrorCode` (idl/hms/common.fbs) this error travels as: `VersionConflict` = 202,
    /// `Compacted` = `FailedPrecondition` (4), `TooManyKeys`/`TooManyWatchers` =
    /// `ResourceExhausted` (8), all others `InvalidArgument` (1).
    #[must_use]
    pub fn code(&self) -> u16 {
        match self {
            Self::VersionConflict { .. } => 202,
            Self::Compacted { .. } => 4,
            Self::TooManyKeys { .. } | Self::TooManyWatchers { .. } => 8,
            Self::Violation(_)
            | Self::FutureRevision { .. }
            | Self::InvalidKey { .. }
            | Self::ValueTooLarge { .. }
            | Self::InvalidSnapshot(_)
            | Self::InvalidArgument(_) => 1,
        }
    }

    /// Whether the same request may succeed later unchanged (`AgentError.retryable`): only when
    /// a bound on parked watchers was hit. A conflict needs a re-read first, so it is not.
    #[must_use]
    pub fn retryable(&self) -> bool {
        matches!(self, Self::TooManyWatchers { .. })
    }
}

/// Keys can be long; messages show at most this much of them.
const SHOWN_KEY_BYTES: usize = 64;

fn shown(key: &str) -> &str {
    if key.len() <= SHOWN_KEY_BYTES {
        return key;
    }
    let mut end = SHOWN_KEY_BYTES;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::VersionConflict {
                key,
                expected,
                current,
            } => write!(
                f,
                "version conflict on key {key:?}: expected version {expected}, current version \
                 {current} (0 = absent)"
            ),
            Self::Violation(v) => v.fmt(f),
            Self::Compacted {
                requested,
                compacted_revision,
            } => write!(
                f,
                "revision {requested} has been compacted: history is retained only after \
                 revision {compacted_revision}; re-read the current state and watch from its \
                 revision"
            ),
            Self::FutureRevision { requested, current } => write!(
                f,
                "revision {requested} is in the future: the store is at revision {current}"
            ),
            Self::InvalidKey { key, reason } => {
                write!(f, "invalid key {:?}: {reason}", shown(key))
            }
            Self::ValueTooLarge { key, size, limit } => write!(
                f,
                "value of key {key:?} is {size} bytes; at most {limit} bytes are allowed"
            ),
            Self::TooManyKeys { limit } => {
                write!(f, "key limit reached: the store holds at most {limit} keys")
            }
            Self::TooManyWatchers { limit } => write!(
                f,
                "watch limit reached: at most {limit} watches can wait at once; retry later"
            ),
            Self::InvalidSnapshot(why) => write!(f, "invalid snapshot: {why}"),
            Self::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<RuleViolation> for ConfigError {
    fn from(v: RuleViolation) -> Self {
        Self::Violation(v)
    }
}

/// A value or a delete that breaks a schema rule: which key, which rule, which value, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleViolation {
    /// The key written or deleted.
    pub key: String,
    /// The selector of the rule that was broken (the rule as declared).
    pub rule: KeySelector,
    /// The offending value; `None` when a delete of a required key was refused.
    pub value: Option<ConfigValue>,
    /// What the rule demands.
    pub kind: ViolationKind,
}

/// The part of a rule a value broke.
#[derive(Debug, Clone, PartialEq)]
pub enum ViolationKind {
    /// The rule demands another type (a `type` check, or a range, `allowed` or `pattern` check
    /// that applies only to one type).
    WrongType {
        /// The type the rule demands.
        expected: ValueType,
    },
    /// The number is outside the inclusive range.
    OutOfRange(RangeSpec),
    /// The value is not one of the allowed values.
    NotAllowed {
        /// The allowed values.
        allowed: Vec<ConfigValue>,
    },
    /// The string does not match the pattern as a whole.
    PatternMismatch {
        /// The pattern as declared (matching is anchored at both ends).
        pattern: String,
    },
    /// The key is required: it cannot be deleted.
    Required,
}

fn write_values(f: &mut fmt::Formatter<'_>, values: &[ConfigValue]) -> fmt::Result {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(&v.quoted())?;
    }
    Ok(())
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {:?}", shown(&self.key))?;
        if let Some(v) = &self.value {
            f.write_str(" = ")?;
            f.write_str(&v.quoted())?;
            write!(f, " ({})", v.value_type())?;
        }
        write!(f, " violates rule {:?}: ", self.rule.to_string())?;
        match &self.kind {
            ViolationKind::WrongType { expected } => write!(f, "the value must be a {expected}"),
            ViolationKind::OutOfRange(range) => write!(f, "the value must be {range}"),
            ViolationKind::NotAllowed { allowed } => {
                f.write_str("the value must be one of [")?;
                write_values(f, allowed)?;
                f.write_str("]")
            }
            ViolationKind::PatternMismatch { pattern } => {
                write!(f, "the value must match the pattern {pattern:?} as a whole")
            }
            ViolationKind::Required => f.write_str("the key is required and cannot be deleted"),
        }
    }
}

impl std::error::Error for RuleViolation {}

/// A schema rule that cannot be loaded. Rules are checked when the schema is built, so a bad
/// validator never reaches the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// Position of the rule in the description (0-based).
    pub index: usize,
    /// The rule's selector as declared.
    pub selector: String,
    /// What is wrong with it.
    pub reason: String,
}

impl SchemaError {
    /// The `hms.ErrorCode` it travels as: `InvalidArgument` (1).
    #[must_use]
    pub fn code(&self) -> u16 {
        1
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "schema rule #{} ({:?}): {}",
            self.index, self.selector, self.reason
        )
    }
}

impl std::error::Error for SchemaError {}
