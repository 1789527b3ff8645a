//! What failed: the recovery side of `hms.AgentError` and `hms.recovery.FailureReport`
//! (`idl/hms/common.fbs`, `idl/recovery.fbs`), and the failure classes the strategies test.

/// `hms.ErrorCode`, with the IDL's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ErrorCode {
    /// Success; not a failure ([`crate::recovery::Planner::plan_recovery`] rejects it).
    Ok = 0,
    /// A request field is missing, malformed or out of range.
    InvalidArgument = 1,
    /// The addressed entity does not exist.
    NotFound = 2,
    /// The entity to create exists already.
    AlreadyExists = 3,
    /// The system is not in a state that allows the operation.
    FailedPrecondition = 4,
    /// The callee is temporarily unable to serve.
    Unavailable = 5,
    /// The deadline expired; the outcome is unknown.
    Timeout = 6,
    /// The caller cancelled the request.
    Cancelled = 7,
    /// A quota, queue or bulkhead limit was hit.
    ResourceExhausted = 8,
    /// The callee does not implement this method.
    Unimplemented = 9,
    /// An unexpected failure inside the callee.
    Internal = 10,
    /// The agent code panicked; the instance may be poisoned.
    Panic = 100,
    /// Caller and callee were generated from incompatible contract versions.
    ContractMismatch = 101,
    /// An agent or instance handle is unknown, closed or unloaded.
    InvalidHandle = 102,
    /// A buffer failed verification or decoding.
    DecodeFailed = 103,
    /// A response could not be serialized.
    EncodeFailed = 104,
    /// The target agent version is being hot-reloaded.
    Reloading = 105,
    /// A circuit breaker is OPEN and rejected the call.
    CircuitOpen = 200,
    /// This consensus node is not the leader.
    NotLeader = 201,
    /// Optimistic concurrency check failed.
    VersionConflict = 202,
    /// Recovery attempts are exhausted; the failure was escalated.
    RecoveryExhausted = 203,
}

impl ErrorCode {
    /// The code with IDL value `value`; an unknown value (a newer schema) reads as `Internal`,
    /// the IDL's default, so it is never mistaken for `Ok`.
    #[must_use]
    pub fn from_u16(value: u16) -> Self {
        use ErrorCode::*;
        match value {
            0 => Ok,
            1 => InvalidArgument,
            2 => NotFound,
            3 => AlreadyExists,
            4 => FailedPrecondition,
            5 => Unavailable,
            6 => Timeout,
            7 => Cancelled,
            8 => ResourceExhausted,
            9 => Unimplemented,
            100 => Panic,
            101 => ContractMismatch,
            102 => InvalidHandle,
            103 => DecodeFailed,
            104 => EncodeFailed,
            105 => Reloading,
            200 => CircuitOpen,
            201 => NotLeader,
            202 => VersionConflict,
            203 => RecoveryExhausted,
            _ => Internal,
        }
    }

    /// The IDL value.
    #[must_use]
    pub fn as_u16(self) -> u16 {
        self as u16
    }

    /// The failure class of this code (see [`FailureKind`]).
    #[must_use]
    pub fn kind(self) -> FailureKind {
        use ErrorCode::*;
        match self {
            Unavailable | Timeout | ResourceExhausted | Reloading | CircuitOpen | NotLeader
            | VersionConflict => FailureKind::Transient,
            Internal | Panic | InvalidHandle => FailureKind::Crash,
            ContractMismatch | DecodeFailed | EncodeFailed | Unimplemented => {
                FailureKind::Incompatible
            }
            Ok | InvalidArgument | NotFound | AlreadyExists | FailedPrecondition | Cancelled
            | RecoveryExhausted => FailureKind::Permanent,
        }
    }
}

/// Failure classes, which decide the applicable strategies (see
/// [`crate::recovery::Strategy::applies_to`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// May succeed as is when tried again: `Unavailable`, `Timeout`, `ResourceExhausted`,
    /// `Reloading`, `CircuitOpen`, `NotLeader`, `VersionConflict`, or any error flagged
    /// `retryable`.
    Transient,
    /// The instance is broken or gone, the version may be fine: `Internal`, `Panic`,
    /// `InvalidHandle`.
    Crash,
    /// The running version itself is at fault, so a restart of it fails the same way:
    /// `ContractMismatch`, `DecodeFailed`, `EncodeFailed`, `Unimplemented`.
    Incompatible,
    /// No automatic action helps (a caller's error or a final state): `InvalidArgument`,
    /// `NotFound`, `AlreadyExists`, `FailedPrecondition`, `Cancelled`, `RecoveryExhausted`.
    Permanent,
}

/// `hms.HealthStatus`: coarse health of the agent when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum HealthStatus {
    /// No heartbeat or check result yet.
    #[default]
    Unknown,
    /// Operating normally.
    Healthy,
    /// Serving, with elevated errors or latency.
    Degraded,
    /// Missed its heartbeat deadline or reported itself as failing.
    Unhealthy,
}

/// `hms.AgentError`: the error observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentError {
    /// What went wrong.
    pub code: ErrorCode,
    /// Short human-readable description.
    pub message: String,
    /// Extra context.
    pub details: String,
    /// True if the same request may succeed when retried.
    pub retryable: bool,
    /// Suggested minimum wait before a retry, in milliseconds; `None` = no hint.
    pub retry_after_ms: Option<u64>,
    /// Agent that raised the error.
    pub agent_id: String,
}

impl AgentError {
    /// An error with `code` and `message`, not flagged retryable, without a hint.
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: String::new(),
            retryable: false,
            retry_after_ms: None,
            agent_id: String::new(),
        }
    }
}

/// `hms.recovery.FailureReport`: a failure to recover from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureReport {
    /// Failed agent.
    pub agent_id: String,
    /// The error observed.
    pub error: AgentError,
    /// When the failure was observed, Unix epoch milliseconds.
    pub occurred_at_ms: u64,
    /// Health at the time of the failure.
    pub health: HealthStatus,
    /// True if a circuit breaker towards the agent is open.
    pub breaker_open: bool,
    /// Reporter (health monitor, breaker, caller).
    pub reported_by: String,
}

impl FailureReport {
    /// A report of `code` for `agent_id`, health unknown, breaker closed.
    #[must_use]
    pub fn new(agent_id: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        let agent_id = agent_id.into();
        let mut error = AgentError::new(code, message);
        error.agent_id.clone_from(&agent_id);
        Self {
            agent_id,
            error,
            occurred_at_ms: 0,
            health: HealthStatus::Unknown,
            breaker_open: false,
            reported_by: String::new(),
        }
    }

    /// The same report with another health status.
    #[must_use]
    pub fn with_health(mut self, health: HealthStatus) -> Self {
        self.health = health;
        self
    }

    /// The same report with the error flagged retryable, with an optional wait hint.
    #[must_use]
    pub fn retryable(mut self, retry_after_ms: Option<u64>) -> Self {
        self.error.retryable = true;
        self.error.retry_after_ms = retry_after_ms;
        self
    }

    /// The failure class: `Transient` if the error is flagged `retryable` (the callee knows
    /// best), else the class of its code.
    #[must_use]
    pub fn kind(&self) -> FailureKind {
        if self.error.retryable {
            FailureKind::Transient
        } else {
            self.error.code.kind()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_values_read_as_internal() {
        for v in (0..=10).chain(100..=105).chain(200..=203) {
            assert_eq!(ErrorCode::from_u16(v).as_u16(), v);
        }
        assert_eq!(ErrorCode::from_u16(11), ErrorCode::Internal);
        assert_eq!(ErrorCode::from_u16(999), ErrorCode::Internal);
    }

    #[test]
    fn the_retryable_flag_makes_any_failure_transient() {
        let r = FailureReport::new("a", ErrorCode::Panic, "boom");
        assert_eq!(r.kind(), FailureKind::Crash);
        assert_eq!(r.error.agent_id, "a");
        assert_eq!(r.retryable(Some(5)).kind(), FailureKind::Transient);
        assert_eq!(ErrorCode::CircuitOpen.kind(), FailureKind::Transient);
        assert_eq!(ErrorCode::DecodeFailed.kind(), FailureKind::Incompatible);
        assert_eq!(ErrorCode::NotFound.kind(), FailureKind::Permanent);
    }
}
