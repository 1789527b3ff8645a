//! The HealthMonitor as plain Rust: bounded metric series, streaming anomaly detectors, an alert
//! manager, and heartbeat deadlines that drive each agent's [`HealthStatus`]. This is the component
//! `idl/health_monitor.fbs` will be served under; the wiring (FlatBuffers in and out, Unix-epoch
//! milliseconds) is the caller's: everything here runs on the injectable [`crate::clock::Clock`]
//! in nanoseconds.
//!
//! - [`series`]: a fixed-capacity ring buffer and a store of per-agent, per-metric series with
//!   hard bounds on agents and series ([`SeriesLimits`]);
//! - [`detector`]: the [`AnomalyDetector`] trait with an EWMA z-score, a robust median/MAD and a
//!   two-sided CUSUM detector, selected by [`AnomalyDetectorConfig::kind`];
//! - [`alerts`]: de-duplicated, rate-limited alerts with automatic and explicit resolution and a
//!   bounded history;
//! - [`monitor`]: [`HealthMonitor`], which ties them together: `register_agent`,
//!   `report_heartbeat`, `get_health`, `list_unhealthy`, `deregister_agent`, `snapshot`, `tick`.
//!
//! Every structure is bounded (see [`SeriesLimits`], [`AlertConfig`], [`HealthMonitorConfig`]); a
//! bound that would be passed yields a typed [`HealthError`] or a counted, reported drop, never
//! unbounded growth.

pub mod alerts;
pub mod detector;
pub mod monitor;
pub mod series;

pub use alerts::{
    Alert, AlertConfig, AlertInput, AlertKind, AlertManager, AlertStats, RaiseOutcome, Resolution,
    ResolveCause, SuppressReason,
};
pub use detector::{
    AnomalyDetector, AnomalyDetectorConfig, CusumDetector, Detection, DetectorKind, EwmaDetector,
    MadDetector, Severity,
};
pub use monitor::{
    AgentHealth, AgentHealthReport, Anomaly, Deregistration, HealthCheck, HealthMonitor,
    HealthMonitorConfig, HealthSnapshot, HealthStatus, Heartbeat, HeartbeatOutcome, Registration,
    RegistrationOutcome, SemVer, StatusTransition, UnhealthyList,
};
pub use series::{RingBuffer, Sample, Series, SeriesLimits, SeriesStore};

use std::fmt;

/// Why a health operation was refused. [`HealthError::code`] maps each variant onto the
/// `hms.ErrorCode` value the served contract reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthError {
    /// The agent is not registered.
    NotFound {
        /// The agent id that was looked up.
        agent_id: String,
    },
    /// Registering one more agent would pass the agent bound.
    TooManyAgents {
        /// The configured bound ([`SeriesLimits::max_agents`]).
        limit: usize,
    },
    /// Creating one more series for this agent would pass the per-agent series bound.
    TooManySeries {
        /// The agent whose series set is full.
        agent_id: String,
        /// The configured bound ([`SeriesLimits::max_series_per_agent`]).
        limit: usize,
    },
    /// A request field or a configuration value is missing, malformed or out of range.
    InvalidArgument(String),
}

impl HealthError {
    /// The `hms.ErrorCode` (idl/hms/common.fbs) this error travels as: `NotFound` = 2,
    /// `ResourceExhausted` = 8 for both bounds, `InvalidArgument` = 1.
    #[must_use]
    pub fn code(&self) -> u16 {
        match self {
            Self::NotFound { .. } => 2,
            Self::TooManyAgents { .. } | Self::TooManySeries { .. } => 8,
            Self::InvalidArgument(_) => 1,
        }
    }
}

impl fmt::Display for HealthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound { agent_id } => write!(f, "agent {agent_id:?} is not registered"),
            Self::TooManyAgents { limit } => {
                write!(
                    f,
                    "agent limit reached: at most {limit} agents are monitored"
                )
            }
            Self::TooManySeries { agent_id, limit } => write!(
                f,
                "series limit reached for agent {agent_id:?}: at most {limit} series per agent"
            ),
            Self::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
        }
    }
}

impl std::error::Error for HealthError {}
