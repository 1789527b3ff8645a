//! [`HealthMonitor`]: registrations, heartbeats and deadlines, the signals they carry, and the
//! aggregated [`HealthStatus`] of every agent, after `idl/health_monitor.fbs`.
//!
//! # Status
//!
//! An agent's status is a function of its state and the clock, re-evaluated by [`HealthMonitor::tick`]
//! / [`HealthMonitor::evaluate`] and at the start of every other call, and is the most severe of
//! (in the contract's order `Unknown < Healthy < Degraded < Unhealthy`):
//!
//! - **liveness**: with `interval` the agent's heartbeat period and `since` its last heartbeat
//!   (or its registration, before the first one), deadline `k` falls at `since + k·interval`. A
//!   deadline is missed *at* that instant (a heartbeat must arrive strictly before it). With
//!   `m` deadlines missed: `m = 0` → no contribution; `1 ≤ m < miss_threshold` → Degraded (the
//!   heartbeat is late: "elevated latency"); `m ≥ miss_threshold` → Unhealthy ("missed its
//!   heartbeat deadline": `miss_threshold` consecutive misses, the contract's
//!   `RegisterAgentRequest.miss_threshold`, 0 read as 1);
//! - **the last heartbeat**, if any: at least Healthy, raised to the agent's self-reported status
//!   and to the worst of its checks (Unknown checks do not count);
//! - **anomalies**: Degraded while any signal of the agent has had an anomaly and not yet
//!   `alerts.resolve_after_normal` normal samples since.
//!
//! So a registered agent is Unknown until its first heartbeat (or first missed deadline), a
//! heartbeat restores Healthy at once (unless its content says otherwise), and missed deadlines
//! move it Healthy → Degraded → Unhealthy exactly on time. Unknown is entered again only by
//! re-registration and by [`HealthMonitor::restore`] (the contract's "state was rebuilt"):
//! silence never leads back to Unknown, it stays Unhealthy.
//!
//! Heartbeats whose `sequence` is not above the last one and whose `timestamp_ms` is not later
//! (duplicates, reordering) are stale: counted and otherwise ignored, so a redelivered old
//! heartbeat cannot extend liveness. A sequence of 0 after a positive one, a sequence that went
//! back with a later timestamp, or an uptime below the last is a restart; a jump counts lost
//! heartbeats. An agent that always sends 0 does not use sequences and is never stale.
//!
//! # Time
//!
//! Everything runs on the injected [`Clock`](crate::clock::Clock) in nanoseconds; the contract's
//! Unix-epoch milliseconds (`registered_at_ms`, `next_deadline_ms`, `observed_at_ms`, ...) are the
//! caller's to derive (epoch offset + nanos / 10⁶). The agent's own `timestamp_ms` is kept for
//! reference and never used for deadlines (clock skew).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::alerts::{AlertConfig, AlertInput, AlertKind, AlertManager, ResolveCause};
use super::detector::{AnomalyDetector, AnomalyDetectorConfig, DetectorKind, Severity};
use super::series::{RingBuffer, Sample, SeriesLimits, SeriesStore};
use super::HealthError;
use crate::clock::SharedClock;

/// The signal name of [`Heartbeat::error_rate`].
pub const SIGNAL_ERROR_RATE: &str = "error_rate";
/// The signal name of [`Heartbeat::cpu_utilization`].
pub const SIGNAL_CPU_UTILIZATION: &str = "cpu_utilization";
/// The signal name of [`Heartbeat::memory_bytes`].
pub const SIGNAL_MEMORY_BYTES: &str = "memory_bytes";
/// The derived signal of the time between two heartbeats (see
/// [`HealthMonitorConfig::track_heartbeat_gap`]).
pub const SIGNAL_HEARTBEAT_GAP_MS: &str = "heartbeat_gap_ms";
/// The metric name of [`AlertKind::MissedHeartbeat`] alerts.
pub const HEARTBEAT_METRIC: &str = "heartbeat";

const NANOS_PER_MILLI: u64 = 1_000_000;

/// Coarse health, `hms.HealthStatus`: the discriminants are the contract's and the derived order
/// is its severity order, so `status >= HealthStatus::Degraded` selects what needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum HealthStatus {
    /// No heartbeat or check result yet (just registered, or state was rebuilt).
    #[default]
    Unknown = 0,
    /// Operating normally.
    Healthy = 1,
    /// Serving, but late, with elevated errors or an anomalous signal.
    Degraded = 2,
    /// Missed `miss_threshold` heartbeat deadlines or reported itself as failing.
    Unhealthy = 3,
}

impl HealthStatus {
    /// The contract's `ubyte` value.
    #[must_use]
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The status with the contract's `ubyte` value, if any.
    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::Unknown,
            1 => Self::Healthy,
            2 => Self::Degraded,
            3 => Self::Unhealthy,
            _ => return None,
        })
    }
}

/// `hms.SemVer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SemVer {
    /// Incompatible contract changes.
    pub major: u16,
    /// Backwards-compatible additions.
    pub minor: u16,
    /// Fixes without contract changes.
    pub patch: u16,
}

/// `hms.HealthCheck`: one named check of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthCheck {
    /// Check name, unique within an agent.
    pub name: String,
    /// Outcome.
    pub status: HealthStatus,
    /// Human-readable detail.
    pub detail: String,
    /// Duration of the check, microseconds.
    pub latency_us: u32,
}

/// `RegisterAgentRequest`.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// Unique agent id (non-empty, at most [`SeriesLimits::max_name_len`] bytes).
    pub agent_id: String,
    /// Agent kind, e.g. `"genetic_engine"`.
    pub kind: String,
    /// Build version.
    pub version: Option<SemVer>,
    /// `hms.AgentCapabilities` bit flags.
    pub capabilities: u32,
    /// Requested heartbeat period, ms; clamped to the monitor's
    /// [min, max](HealthMonitorConfig::min_heartbeat_interval_ms). Contract default 5000.
    pub heartbeat_interval_ms: u32,
    /// Consecutive misses that make the agent Unhealthy (0 is read as 1). Contract default 3.
    pub miss_threshold: u8,
    /// Detector for this agent's signals; `None` = the monitor's default.
    pub detector: Option<AnomalyDetectorConfig>,
}

impl Registration {
    /// A registration with the contract's defaults (5000 ms, 3 misses, default detector).
    pub fn new(agent_id: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            agent_id: agent_id.into(),
            kind: kind.into(),
            version: None,
            capabilities: 0,
            heartbeat_interval_ms: 5000,
            miss_threshold: 3,
            detector: None,
        }
    }
}

/// `RegisterAgentResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationOutcome {
    /// The period the monitor expects (the request's, clamped).
    pub heartbeat_interval_ms: u32,
    /// Registration time, monitor clock nanoseconds.
    pub registered_at_nanos: u64,
    /// True if the id was registered already and its entry was refreshed.
    pub reregistered: bool,
}

/// `HeartbeatRequest` (without the deprecated `load`), plus optional extra signals.
#[derive(Debug, Clone, PartialEq)]
pub struct Heartbeat {
    /// Reporting agent.
    pub agent_id: String,
    /// Per-process sequence number (see the module docs).
    pub sequence: u64,
    /// Agent's send time, Unix epoch ms (kept, not used for deadlines).
    pub timestamp_ms: u64,
    /// Self-assessed status. Contract default Healthy.
    pub status: HealthStatus,
    /// Time since the agent (re)started, ms.
    pub uptime_ms: u64,
    /// Fraction of failed operations since the last heartbeat; signal `"error_rate"`.
    pub error_rate: f64,
    /// CPU utilisation 0–1, if measured; signal `"cpu_utilization"`.
    pub cpu_utilization: Option<f64>,
    /// Resident memory, bytes, if measured; signal `"memory_bytes"`.
    pub memory_bytes: Option<u64>,
    /// The agent's own check results (at most
    /// [`HealthMonitorConfig::max_checks_per_heartbeat`] are kept).
    pub checks: Vec<HealthCheck>,
    /// Further named signals (not in the contract yet), each a series of its own.
    pub extra_signals: Vec<(String, f64)>,
}

impl Heartbeat {
    /// A heartbeat with the contract's defaults (Healthy, no optional signals).
    pub fn new(agent_id: impl Into<String>, sequence: u64) -> Self {
        Self {
            agent_id: agent_id.into(),
            sequence,
            timestamp_ms: 0,
            status: HealthStatus::Healthy,
            uptime_ms: 0,
            error_rate: 0.0,
            cpu_utilization: None,
            memory_bytes: None,
            checks: Vec::new(),
            extra_signals: Vec::new(),
        }
    }
}

/// `hms.health.Anomaly`, plus the detector's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    /// Signal name.
    pub signal: String,
    /// Observed value.
    pub value: f64,
    /// Baseline centre before the sample (EW mean, or median for MAD).
    pub baseline_mean: f64,
    /// Baseline spread before the sample (EW stddev, or MAD/0.6745).
    pub baseline_stddev: f64,
    /// `(value − baseline_mean) / baseline_stddev`.
    pub z_score: f64,
    /// When the sample was observed, monitor clock nanoseconds.
    pub observed_at_nanos: u64,
    /// The detector's statistic (= `z_score` except for CUSUM).
    pub score: f64,
    /// The threshold it passed.
    pub threshold: f64,
    /// Warning or critical.
    pub severity: Severity,
    /// The detector that flagged it.
    pub detector: DetectorKind,
}

/// `HeartbeatResponse`, plus what the monitor made of the heartbeat.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatOutcome {
    /// Deadline for the next heartbeat, monitor clock nanoseconds.
    pub next_deadline_nanos: u64,
    /// The agent's heartbeat period, ms.
    pub heartbeat_interval_ms: u32,
    /// Status after evaluating the heartbeat.
    pub assigned_status: HealthStatus,
    /// Anomalies in this heartbeat's signals.
    pub anomalies: Vec<Anomaly>,
    /// Signals not recorded, and why (series bound, bad name, non-finite value).
    pub rejected_signals: Vec<(String, HealthError)>,
    /// Heartbeats lost between the previous one and this one (sequence gap).
    pub lost_heartbeats: u64,
    /// True if this heartbeat revealed a restart.
    pub restart_detected: bool,
    /// True if the heartbeat was stale (sequence not above the last) and was ignored.
    pub stale: bool,
}

/// `hms.AgentHealth`, plus the registration and liveness details behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentHealth {
    /// Agent id.
    pub agent_id: String,
    /// Aggregated status.
    pub status: HealthStatus,
    /// Receipt time of the last heartbeat, monitor clock nanoseconds.
    pub last_heartbeat_nanos: Option<u64>,
    /// Uptime the last heartbeat reported, ms (not extrapolated).
    pub uptime_ms: u64,
    /// Error rate the last heartbeat reported.
    pub error_rate: f64,
    /// Human-readable summary of the status.
    pub message: String,
    /// Checks of the last heartbeat.
    pub checks: Vec<HealthCheck>,
    /// Agent kind.
    pub kind: String,
    /// Build version.
    pub version: Option<SemVer>,
    /// Capability flags.
    pub capabilities: u32,
    /// Heartbeat period, ms.
    pub heartbeat_interval_ms: u32,
    /// Misses that make it Unhealthy.
    pub miss_threshold: u8,
    /// (Re)registration time, nanoseconds.
    pub registered_at_nanos: u64,
    /// Since when the status holds (the deadline, for a miss), nanoseconds.
    pub status_since_nanos: u64,
    /// The next deadline not yet missed, nanoseconds.
    pub next_deadline_nanos: u64,
    /// Deadlines missed since the last heartbeat.
    pub missed_deadlines: u64,
    /// Heartbeats lost to sequence gaps, in total.
    pub lost_heartbeats: u64,
    /// Restarts detected, in total.
    pub restarts: u64,
    /// Stale heartbeats ignored, in total.
    pub stale_heartbeats: u64,
    /// Signals currently keeping the agent Degraded.
    pub anomalous_signals: Vec<String>,
}

/// `GetHealthResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentHealthReport {
    /// The agent's health.
    pub health: AgentHealth,
    /// Recent anomalies, newest first (empty unless requested).
    pub anomalies: Vec<Anomaly>,
}

/// `ListUnhealthyResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnhealthyList {
    /// Matching agents, sorted by agent id, at most `limit`.
    pub agents: Vec<AgentHealth>,
    /// Matching agents before `limit`.
    pub total: usize,
}

/// `HealthSnapshot`: a cache of every agent's health, not a source of truth.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSnapshot {
    /// When it was taken, monitor clock nanoseconds.
    pub taken_at_nanos: u64,
    /// Every agent, sorted by agent id.
    pub agents: Vec<AgentHealth>,
}

/// A change of an agent's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusTransition {
    /// The agent.
    pub agent_id: String,
    /// Status before.
    pub from: HealthStatus,
    /// Status after.
    pub to: HealthStatus,
    /// When it took effect, nanoseconds: the deadline instant for a miss (even if evaluated
    /// later), else the evaluation time.
    pub at_nanos: u64,
    /// The status message after the change.
    pub reason: String,
}

/// A deregistration, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deregistration {
    /// The agent.
    pub agent_id: String,
    /// Why it left (truncated to 256 bytes).
    pub reason: String,
    /// When, nanoseconds.
    pub at_nanos: u64,
}

/// Monitor settings; every capacity is ≥ 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthMonitorConfig {
    /// Bounds on agents (registrations included) and series.
    pub limits: SeriesLimits,
    /// Shortest heartbeat period granted, ms (> 0). Default 100.
    pub min_heartbeat_interval_ms: u32,
    /// Longest heartbeat period granted, ms. Default 3 600 000 (1 h).
    pub max_heartbeat_interval_ms: u32,
    /// Detector for agents that register without one. Default: the contract's EWMA defaults.
    pub default_detector: AnomalyDetectorConfig,
    /// Alert settings; `alerts.max_agents` must be ≥ `limits.max_agents`.
    pub alerts: AlertConfig,
    /// Anomalies kept per agent for `get_health`. Default 32.
    pub recent_anomalies_per_agent: usize,
    /// Status transitions kept. Default 1024.
    pub transition_log_capacity: usize,
    /// Deregistrations kept. Default 256.
    pub deregistration_log_capacity: usize,
    /// Checks kept per heartbeat (the rest are dropped); names and details are cut to 256 bytes.
    /// Default 32.
    pub max_checks_per_heartbeat: usize,
    /// Also feed the time between heartbeats to the detector as `"heartbeat_gap_ms"`. Default
    /// false: deadlines already judge liveness, and a steady heartbeat has a near-zero variance,
    /// so every late one (and the first after an outage) would score huge and hold the agent
    /// Degraded after it recovered.
    pub track_heartbeat_gap: bool,
}

impl Default for HealthMonitorConfig {
    fn default() -> Self {
        Self {
            limits: SeriesLimits::default(),
            min_heartbeat_interval_ms: 100,
            max_heartbeat_interval_ms: 3_600_000,
            default_detector: AnomalyDetectorConfig::default(),
            alerts: AlertConfig::default(),
            recent_anomalies_per_agent: 32,
            transition_log_capacity: 1024,
            deregistration_log_capacity: 256,
            max_checks_per_heartbeat: 32,
            track_heartbeat_gap: false,
        }
    }
}

impl HealthMonitorConfig {
    /// Checks every field.
    ///
    /// # Errors
    ///
    /// [`HealthError::InvalidArgument`] naming the offending field.
    pub fn validate(&self) -> Result<(), HealthError> {
        self.limits.validate()?;
        self.alerts.validate()?;
        self.default_detector.validate()?;
        let bad = |why: &str| Err(HealthError::InvalidArgument(why.to_owned()));
        if self.alerts.max_agents < self.limits.max_agents {
            return bad("alerts.max_agents must be ≥ limits.max_agents");
        }
        if self.min_heartbeat_interval_ms == 0
            || self.min_heartbeat_interval_ms > self.max_heartbeat_interval_ms
        {
            return bad("heartbeat intervals need 0 < min ≤ max");
        }
        if self.recent_anomalies_per_agent == 0
            || self.transition_log_capacity == 0
            || self.deregistration_log_capacity == 0
            || self.max_checks_per_heartbeat == 0
        {
            return bad("log capacities and max_checks_per_heartbeat must be ≥ 1");
        }
        Ok(())
    }
}

/// Per-series state: the detector and whether the signal still counts as anomalous.
#[derive(Debug)]
struct SignalState {
    detector: Box<dyn AnomalyDetector>,
    anomalous: bool,
    normal_streak: u32,
}

#[derive(Debug, Clone, Copy)]
struct LastHeartbeat {
    at: u64,
    sequence: u64,
    /// The agent's send time: orders its heartbeats, never used for deadlines.
    timestamp_ms: u64,
    status: HealthStatus,
    uptime_ms: u64,
    error_rate: f64,
}

#[derive(Debug)]
struct AgentEntry {
    kind: String,
    version: Option<SemVer>,
    capabilities: u32,
    interval_ms: u32,
    interval_nanos: u64,
    miss_threshold: u8,
    detector: AnomalyDetectorConfig,
    registered_at: u64,
    last: Option<LastHeartbeat>,
    checks: Vec<HealthCheck>,
    status: HealthStatus,
    status_since: u64,
    recent: RingBuffer<Anomaly>,
    lost: u64,
    restarts: u64,
    stale: u64,
    misses_alerted: u64,
}

/// What the clock and the state say about an agent right now.
#[derive(Debug, Clone, Copy)]
struct Assessment {
    status: HealthStatus,
    /// Deadlines missed since `since`.
    missed: u64,
    /// Since when `status` holds if the liveness part decided it.
    liveness_since: Option<u64>,
    next_deadline: u64,
}

impl AgentEntry {
    fn since(&self) -> u64 {
        self.last.map_or(self.registered_at, |l| l.at)
    }

    fn threshold(&self) -> u64 {
        u64::from(self.miss_threshold.max(1))
    }

    fn assess(&self, anomalous: bool, now: u64) -> Assessment {
        let since = self.since();
        let missed = now.saturating_sub(since) / self.interval_nanos;
        let (liveness, liveness_since) = if missed >= self.threshold() {
            (
                HealthStatus::Unhealthy,
                since + self.threshold() * self.interval_nanos,
            )
        } else if missed >= 1 {
            (HealthStatus::Degraded, since + self.interval_nanos)
        } else {
            (HealthStatus::Unknown, now)
        };
        let mut content = match self.last {
            None => HealthStatus::Unknown,
            Some(l) => self
                .checks
                .iter()
                .map(|c| c.status)
                .fold(HealthStatus::Healthy.max(l.status), HealthStatus::max),
        };
        // Only an agent that has sent a heartbeat is judged on its signals: before that it is
        // Unknown (e.g. re-registered with anomalies still pending on its kept series).
        if anomalous && self.last.is_some() {
            content = content.max(HealthStatus::Degraded);
        }
        let status = content.max(liveness);
        Assessment {
            status,
            missed,
            liveness_since: (liveness > content).then_some(liveness_since),
            next_deadline: since + (missed + 1) * self.interval_nanos,
        }
    }

    fn describe(&self, a: &Assessment, anomalous: &[&str]) -> String {
        let mut parts: Vec<String> = Vec::new();
        if a.missed > 0 {
            parts.push(format!(
                "missed {} heartbeat deadline(s) (Unhealthy at {})",
                a.missed,
                self.threshold()
            ));
        }
        match self.last {
            None if a.missed == 0 => parts.push("no heartbeat yet".to_owned()),
            Some(l) if l.status > HealthStatus::Healthy => {
                parts.push(format!("agent reports {:?}", l.status));
            }
            _ => {}
        }
        for c in self
            .checks
            .iter()
            .filter(|c| c.status > HealthStatus::Healthy)
        {
            let mut s = format!("check {:?}: {:?}", c.name, c.status);
            if !c.detail.is_empty() {
                let _ = write!(s, " ({})", c.detail);
            }
            parts.push(s);
        }
        if !anomalous.is_empty() {
            parts.push(format!("anomalous signal(s): {}", anomalous.join(", ")));
        }
        if parts.is_empty() {
            "ok".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

fn any_anomalous(series: &SeriesStore<SignalState>, agent: &str) -> bool {
    series.agent_series(agent).any(|(_, s)| s.state().anomalous)
}

fn anomalous_signals<'a>(series: &'a SeriesStore<SignalState>, agent: &str) -> Vec<&'a str> {
    series
        .agent_series(agent)
        .filter(|(_, s)| s.state().anomalous)
        .map(|(m, _)| m)
        .collect()
}

fn truncate_utf8(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

const MAX_TEXT_LEN: usize = 256;

/// The mutable parts an evaluation touches, borrowed apart from the agent map.
struct Parts<'a> {
    series: &'a mut SeriesStore<SignalState>,
    alerts: &'a mut AlertManager,
    transitions: &'a mut RingBuffer<StatusTransition>,
}

impl Parts<'_> {
    /// Applies the clock to one agent: missed-deadline alerts and the status transition, if any.
    fn evaluate(&mut self, id: &str, e: &mut AgentEntry, now: u64) -> Option<StatusTransition> {
        let a = e.assess(any_anomalous(self.series, id), now);
        if a.missed > e.misses_alerted {
            e.misses_alerted = a.missed;
            let severity = if a.missed >= e.threshold() {
                Severity::Critical
            } else {
                Severity::Warning
            };
            #[allow(clippy::cast_precision_loss)] // a count of deadlines
            let missed = a.missed as f64;
            self.alerts.raise(
                now,
                AlertInput {
                    agent_id: id,
                    metric: HEARTBEAT_METRIC,
                    kind: AlertKind::MissedHeartbeat,
                    severity,
                    value: missed,
                    score: missed,
                    message: format!("missed {} heartbeat deadline(s)", a.missed),
                },
            );
        }
        if a.status == e.status {
            return None;
        }
        let t = StatusTransition {
            agent_id: id.to_owned(),
            from: e.status,
            to: a.status,
            at_nanos: a.liveness_since.unwrap_or(now),
            reason: e.describe(&a, &anomalous_signals(self.series, id)),
        };
        e.status = a.status;
        e.status_since = t.at_nanos;
        self.transitions.push(t.clone());
        Some(t)
    }

    /// Records one signal sample and runs its detector.
    fn observe(
        &mut self,
        id: &str,
        e: &mut AgentEntry,
        metric: &str,
        value: f64,
        now: u64,
    ) -> Result<Option<Anomaly>, HealthError> {
        if !value.is_finite() {
            return Err(HealthError::InvalidArgument(format!(
                "signal {metric:?} has a non-finite value"
            )));
        }
        let cfg = e.detector;
        let series = self
            .series
            .series_or_insert_with(id, metric, || SignalState {
                detector: cfg
                    .build()
                    .expect("detector configs are validated at registration"),
                anomalous: false,
                normal_streak: 0,
            })?;
        series.push(Sample {
            at_nanos: now,
            value,
        });
        let st = series.state_mut();
        let kind = st.detector.kind();
        let Some(det) = st.detector.observe(value) else {
            if st.anomalous {
                st.normal_streak += 1;
                if st.normal_streak >= self.alerts.config().resolve_after_normal {
                    st.anomalous = false;
                }
            }
            self.alerts
                .observe_normal(now, id, metric, AlertKind::Anomaly(kind));
            return Ok(None);
        };
        st.anomalous = true;
        st.normal_streak = 0;
        let anomaly = Anomaly {
            signal: metric.to_owned(),
            value,
            baseline_mean: det.baseline_mean,
            baseline_stddev: det.baseline_stddev,
            z_score: det.z_score,
            observed_at_nanos: now,
            score: det.score,
            threshold: det.threshold,
            severity: det.severity,
            detector: kind,
        };
        e.recent.push(anomaly.clone());
        self.alerts.raise(
            now,
            AlertInput {
                agent_id: id,
                metric,
                kind: AlertKind::Anomaly(kind),
                severity: det.severity,
                value,
                score: det.score,
                message: format!(
                    "{metric} = {value} is {:.2} from its baseline {:.4} ± {:.4} ({})",
                    det.score,
                    det.baseline_mean,
                    det.baseline_stddev,
                    kind.name()
                ),
            },
        );
        Ok(Some(anomaly))
    }
}

/// The health monitor (see the module docs). Not internally synchronised: the service wraps it
/// in a mutex. Every method that reads status first applies the clock.
#[derive(Debug)]
pub struct HealthMonitor {
    config: HealthMonitorConfig,
    clock: SharedClock,
    /// The latest time evaluated: `evaluate` never goes back (statuses are a function of time).
    latest: u64,
    agents: BTreeMap<String, AgentEntry>,
    series: SeriesStore<SignalState>,
    alerts: AlertManager,
    transitions: RingBuffer<StatusTransition>,
    deregistrations: RingBuffer<Deregistration>,
}

impl HealthMonitor {
    /// A monitor with no agents.
    ///
    /// # Errors
    ///
    /// As [`HealthMonitorConfig::validate`].
    pub fn new(config: HealthMonitorConfig, clock: SharedClock) -> Result<Self, HealthError> {
        config.validate()?;
        Ok(Self {
            config,
            latest: clock.now_nanos(),
            clock,
            agents: BTreeMap::new(),
            series: SeriesStore::new(config.limits)?,
            alerts: AlertManager::new(config.alerts)?,
            transitions: RingBuffer::new(config.transition_log_capacity),
            deregistrations: RingBuffer::new(config.deregistration_log_capacity),
        })
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &HealthMonitorConfig {
        &self.config
    }

    /// Replaces the detector settings agents registered later get when they bring none (agents
    /// already registered keep theirs).
    ///
    /// # Errors
    /// The settings are invalid; nothing changes then.
    pub fn set_default_detector(
        &mut self,
        detector: AnomalyDetectorConfig,
    ) -> Result<(), HealthError> {
        detector.validate()?;
        self.config.default_detector = detector;
        Ok(())
    }

    fn now(&mut self) -> u64 {
        self.latest = self.latest.max(self.clock.now_nanos());
        self.latest
    }

    fn parts(&mut self) -> (&mut BTreeMap<String, AgentEntry>, Parts<'_>) {
        (
            &mut self.agents,
            Parts {
                series: &mut self.series,
                alerts: &mut self.alerts,
                transitions: &mut self.transitions,
            },
        )
    }

    /// Applies the time `now` (nanoseconds; an earlier time than already evaluated is read as
    /// that time) to every agent: missed deadlines change statuses and raise
    /// [`AlertKind::MissedHeartbeat`] alerts. Returns the transitions it caused (also logged).
    pub fn evaluate(&mut self, now: u64) -> Vec<StatusTransition> {
        self.latest = self.latest.max(now);
        let now = self.latest;
        let (agents, mut parts) = self.parts();
        agents
            .iter_mut()
            .filter_map(|(id, e)| parts.evaluate(id, e, now))
            .collect()
    }

    /// [`HealthMonitor::evaluate`] at the clock's time.
    pub fn tick(&mut self) -> Vec<StatusTransition> {
        let now = self.clock.now_nanos();
        self.evaluate(now)
    }

    fn evaluate_one(&mut self, agent_id: &str) -> Result<u64, HealthError> {
        let now = self.now();
        let (agents, mut parts) = self.parts();
        let e = agents
            .get_mut(agent_id)
            .ok_or_else(|| HealthError::NotFound {
                agent_id: agent_id.to_owned(),
            })?;
        parts.evaluate(agent_id, e, now);
        Ok(now)
    }

    /// `register_agent`: registers `reg.agent_id`, or refreshes its entry if it is registered
    /// (status back to Unknown, deadlines counted from now; its series are kept unless the
    /// detector configuration changed).
    ///
    /// # Errors
    ///
    /// [`HealthError::InvalidArgument`] for a bad id or detector configuration;
    /// [`HealthError::TooManyAgents`] past [`SeriesLimits::max_agents`].
    pub fn register_agent(
        &mut self,
        reg: Registration,
    ) -> Result<RegistrationOutcome, HealthError> {
        self.config.limits.check_name("agent id", &reg.agent_id)?;
        let detector = reg.detector.unwrap_or(self.config.default_detector);
        detector.validate()?;
        let interval_ms = reg.heartbeat_interval_ms.clamp(
            self.config.min_heartbeat_interval_ms,
            self.config.max_heartbeat_interval_ms,
        );
        let now = self.now();
        let reregistered = self.agents.contains_key(&reg.agent_id);
        if !reregistered && self.agents.len() >= self.config.limits.max_agents {
            return Err(HealthError::TooManyAgents {
                limit: self.config.limits.max_agents,
            });
        }
        if reregistered {
            let (agents, parts) = self.parts();
            let e = agents.get_mut(&reg.agent_id).expect("checked above");
            if e.detector != detector {
                parts.series.remove_agent(&reg.agent_id);
            }
            parts.alerts.resolve_matching(
                now,
                &reg.agent_id,
                HEARTBEAT_METRIC,
                AlertKind::MissedHeartbeat,
                ResolveCause::Reregistered,
            );
            if e.status != HealthStatus::Unknown {
                let t = StatusTransition {
                    agent_id: reg.agent_id.clone(),
                    from: e.status,
                    to: HealthStatus::Unknown,
                    at_nanos: now,
                    reason: "re-registered".to_owned(),
                };
                parts.transitions.push(t);
            }
        }
        let recent = RingBuffer::new(self.config.recent_anomalies_per_agent);
        let entry = AgentEntry {
            kind: truncate_utf8(&reg.kind, self.config.limits.max_name_len),
            version: reg.version,
            capabilities: reg.capabilities,
            interval_ms,
            interval_nanos: u64::from(interval_ms) * NANOS_PER_MILLI,
            miss_threshold: reg.miss_threshold.max(1),
            detector,
            registered_at: now,
            last: None,
            checks: Vec::new(),
            status: HealthStatus::Unknown,
            status_since: now,
            recent,
            lost: 0,
            restarts: 0,
            stale: 0,
            misses_alerted: 0,
        };
        match self.agents.get_mut(&reg.agent_id) {
            // Keep the counters and recent anomalies: they describe the agent, not the session.
            Some(e) => {
                let (lost, restarts, stale) = (e.lost, e.restarts, e.stale);
                let recent = std::mem::replace(&mut e.recent, entry.recent);
                *e = AgentEntry {
                    recent,
                    lost,
                    restarts,
                    stale,
                    ..entry
                };
            }
            None => {
                self.agents.insert(reg.agent_id, entry);
            }
        }
        Ok(RegistrationOutcome {
            heartbeat_interval_ms: interval_ms,
            registered_at_nanos: now,
            reregistered,
        })
    }

    /// `report_heartbeat`: refreshes liveness, records the heartbeat's signals and runs their
    /// detectors. A signal that cannot be recorded (series bound, bad name, non-finite value) is
    /// listed in [`HeartbeatOutcome::rejected_signals`]; the heartbeat still counts.
    ///
    /// # Errors
    ///
    /// [`HealthError::NotFound`] if the agent is not registered.
    pub fn report_heartbeat(&mut self, hb: &Heartbeat) -> Result<HeartbeatOutcome, HealthError> {
        // A late heartbeat first records the deadlines it missed.
        let now = self.evaluate_one(&hb.agent_id)?;
        let max_checks = self.config.max_checks_per_heartbeat;
        let track_gap = self.config.track_heartbeat_gap;
        let (agents, mut parts) = self.parts();
        let e = agents.get_mut(&hb.agent_id).expect("evaluate_one found it");
        let id = hb.agent_id.as_str();

        let (mut lost, mut restart) = (0, false);
        if let Some(last) = e.last {
            let not_above = hb.sequence != 0 && hb.sequence <= last.sequence;
            if not_above && hb.timestamp_ms <= last.timestamp_ms {
                e.stale += 1;
                let a = e.assess(any_anomalous(parts.series, id), now);
                return Ok(HeartbeatOutcome {
                    next_deadline_nanos: a.next_deadline,
                    heartbeat_interval_ms: e.interval_ms,
                    assigned_status: e.status,
                    anomalies: Vec::new(),
                    rejected_signals: Vec::new(),
                    lost_heartbeats: 0,
                    restart_detected: false,
                    stale: true,
                });
            }
            // A sequence that went back but was sent later than the last one: a restart that
            // did not start from 0.
            if (hb.sequence == 0 && last.sequence > 0) || not_above || hb.uptime_ms < last.uptime_ms
            {
                restart = true;
                e.restarts += 1;
            } else if hb.sequence > last.sequence + 1 {
                lost = hb.sequence - last.sequence - 1;
                e.lost += lost;
            }
        }
        #[allow(clippy::cast_precision_loss)] // a gap in ms
        let gap_ms = e.last.map(|l| (now - l.at) as f64 / 1e6);
        e.last = Some(LastHeartbeat {
            at: now,
            sequence: hb.sequence,
            timestamp_ms: hb.timestamp_ms,
            status: hb.status,
            uptime_ms: hb.uptime_ms,
            error_rate: hb.error_rate,
        });
        e.misses_alerted = 0;
        e.checks = hb
            .checks
            .iter()
            .take(max_checks)
            .map(|c| HealthCheck {
                name: truncate_utf8(&c.name, MAX_TEXT_LEN),
                status: c.status,
                detail: truncate_utf8(&c.detail, MAX_TEXT_LEN),
                latency_us: c.latency_us,
            })
            .collect();
        parts.alerts.resolve_matching(
            now,
            id,
            HEARTBEAT_METRIC,
            AlertKind::MissedHeartbeat,
            ResolveCause::Heartbeat,
        );

        #[allow(clippy::cast_precision_loss)] // memory in bytes as a signal value
        let builtin = [
            Some((SIGNAL_ERROR_RATE, hb.error_rate)),
            hb.cpu_utilization.map(|v| (SIGNAL_CPU_UTILIZATION, v)),
            hb.memory_bytes.map(|v| (SIGNAL_MEMORY_BYTES, v as f64)),
            gap_ms
                .filter(|_| track_gap)
                .map(|g| (SIGNAL_HEARTBEAT_GAP_MS, g)),
        ];
        let signals = builtin
            .into_iter()
            .flatten()
            .chain(hb.extra_signals.iter().map(|(n, v)| (n.as_str(), *v)));
        let (mut anomalies, mut rejected) = (Vec::new(), Vec::new());
        for (name, value) in signals {
            match parts.observe(id, e, name, value, now) {
                Ok(Some(a)) => anomalies.push(a),
                Ok(None) => {}
                Err(err) => rejected.push((name.to_owned(), err)),
            }
        }
        parts.evaluate(id, e, now);
        Ok(HeartbeatOutcome {
            next_deadline_nanos: now + e.interval_nanos,
            heartbeat_interval_ms: e.interval_ms,
            assigned_status: e.status,
            anomalies,
            rejected_signals: rejected,
            lost_heartbeats: lost,
            restart_detected: restart,
            stale: false,
        })
    }

    /// Records one sample of `metric` for a registered agent outside a heartbeat (it does not
    /// count as liveness) and returns the anomaly, if the detector flags it.
    ///
    /// # Errors
    ///
    /// [`HealthError::NotFound`], [`HealthError::TooManySeries`], or
    /// [`HealthError::InvalidArgument`] for a bad name or a non-finite value.
    pub fn record_sample(
        &mut self,
        agent_id: &str,
        metric: &str,
        value: f64,
    ) -> Result<Option<Anomaly>, HealthError> {
        let now = self.evaluate_one(agent_id)?;
        let (agents, mut parts) = self.parts();
        let e = agents.get_mut(agent_id).expect("evaluate_one found it");
        let result = parts.observe(agent_id, e, metric, value, now);
        parts.evaluate(agent_id, e, now);
        result
    }

    fn health_of(&self, agent_id: &str, e: &AgentEntry) -> AgentHealth {
        let anomalous = anomalous_signals(&self.series, agent_id);
        let a = e.assess(!anomalous.is_empty(), self.latest);
        AgentHealth {
            agent_id: agent_id.to_owned(),
            status: e.status,
            last_heartbeat_nanos: e.last.map(|l| l.at),
            uptime_ms: e.last.map_or(0, |l| l.uptime_ms),
            error_rate: e.last.map_or(0.0, |l| l.error_rate),
            message: e.describe(&a, &anomalous),
            checks: e.checks.clone(),
            kind: e.kind.clone(),
            version: e.version,
            capabilities: e.capabilities,
            heartbeat_interval_ms: e.interval_ms,
            miss_threshold: e.miss_threshold,
            registered_at_nanos: e.registered_at,
            status_since_nanos: e.status_since,
            next_deadline_nanos: a.next_deadline,
            missed_deadlines: a.missed,
            lost_heartbeats: e.lost,
            restarts: e.restarts,
            stale_heartbeats: e.stale,
            anomalous_signals: anomalous.into_iter().map(str::to_owned).collect(),
        }
    }

    /// `get_health`: the agent's health now, with its recent anomalies (newest first) if asked.
    ///
    /// # Errors
    ///
    /// [`HealthError::NotFound`] if the agent is not registered.
    pub fn get_health(
        &mut self,
        agent_id: &str,
        include_anomalies: bool,
    ) -> Result<AgentHealthReport, HealthError> {
        self.evaluate_one(agent_id)?;
        let e = &self.agents[agent_id];
        Ok(AgentHealthReport {
            health: self.health_of(agent_id, e),
            anomalies: if include_anomalies {
                e.recent.iter().rev().cloned().collect()
            } else {
                Vec::new()
            },
        })
    }

    /// `list_unhealthy`: agents whose status is known and at least `min_status`, plus, if
    /// `include_unknown`, those still Unknown; sorted by agent id, at most `limit`.
    pub fn list_unhealthy(
        &mut self,
        min_status: HealthStatus,
        include_unknown: bool,
        limit: usize,
    ) -> UnhealthyList {
        let now = self.now();
        self.evaluate(now);
        let matching = self.agents.iter().filter(|(_, e)| {
            if e.status == HealthStatus::Unknown {
                include_unknown
            } else {
                e.status >= min_status
            }
        });
        let mut total = 0;
        let mut agents = Vec::new();
        for (id, e) in matching {
            total += 1;
            if agents.len() < limit {
                agents.push(self.health_of(id, e));
            }
        }
        UnhealthyList { agents, total }
    }

    /// `deregister_agent`: stops monitoring the agent, drops its series, resolves its alerts and
    /// logs the reason. Returns false (the contract's `Ack.ok`) if it was not registered.
    pub fn deregister_agent(&mut self, agent_id: &str, reason: &str) -> bool {
        let now = self.now();
        if self.agents.remove(agent_id).is_none() {
            return false;
        }
        self.series.remove_agent(agent_id);
        self.alerts.remove_agent(now, agent_id);
        self.deregistrations.push(Deregistration {
            agent_id: agent_id.to_owned(),
            reason: truncate_utf8(reason, MAX_TEXT_LEN),
            at_nanos: now,
        });
        true
    }

    /// A `HealthSnapshot` of every agent, evaluated now.
    pub fn snapshot(&mut self) -> HealthSnapshot {
        let now = self.now();
        self.evaluate(now);
        HealthSnapshot {
            taken_at_nanos: now,
            agents: self
                .agents
                .iter()
                .map(|(id, e)| self.health_of(id, e))
                .collect(),
        }
    }

    /// Rebuilds registrations from a snapshot (e.g. after a restart of the monitor): every agent
    /// of `snapshot` not registered yet is registered with the snapshot's kind, version,
    /// capabilities, interval and miss threshold, the default detector, and status Unknown, its
    /// deadlines counted from now. Registered agents are left alone (live state wins over the
    /// cache). Returns how many were registered.
    ///
    /// # Errors
    ///
    /// [`HealthError::TooManyAgents`] or [`HealthError::InvalidArgument`] at the first agent
    /// that cannot be registered (the earlier ones stay registered).
    pub fn restore(&mut self, snapshot: &HealthSnapshot) -> Result<usize, HealthError> {
        let mut restored = 0;
        for h in &snapshot.agents {
            if self.agents.contains_key(&h.agent_id) {
                continue;
            }
            self.register_agent(Registration {
                agent_id: h.agent_id.clone(),
                kind: h.kind.clone(),
                version: h.version,
                capabilities: h.capabilities,
                heartbeat_interval_ms: h.heartbeat_interval_ms,
                miss_threshold: h.miss_threshold,
                detector: None,
            })?;
            restored += 1;
        }
        Ok(restored)
    }

    /// The alert manager (active alerts, history, counters).
    #[must_use]
    pub fn alerts(&self) -> &AlertManager {
        &self.alerts
    }

    /// Resolves alert `id` explicitly; false if it is not active.
    pub fn resolve_alert(&mut self, id: u64) -> bool {
        let now = self.now();
        self.alerts.resolve(now, id)
    }

    /// Logged status transitions, newest first (at most `transition_log_capacity`).
    pub fn transitions(&self) -> impl Iterator<Item = &StatusTransition> + '_ {
        self.transitions.iter().rev()
    }

    /// Logged deregistrations, newest first.
    pub fn deregistrations(&self) -> impl Iterator<Item = &Deregistration> + '_ {
        self.deregistrations.iter().rev()
    }

    /// The stored samples of `agent_id`/`metric`, oldest first.
    #[must_use]
    pub fn series(&self, agent_id: &str, metric: &str) -> Option<&RingBuffer<Sample>> {
        self.series
            .get(agent_id, metric)
            .map(super::Series::samples)
    }

    /// Number of registered agents.
    #[must_use]
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// Number of series over all agents.
    #[must_use]
    pub fn series_count(&self) -> usize {
        self.series.series_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::health::alerts::RaiseOutcome;
    use crate::rng::Rng;
    use std::sync::Arc;

    const MS: u64 = NANOS_PER_MILLI;

    fn monitor_with(config: HealthMonitorConfig) -> (HealthMonitor, Arc<ManualClock>) {
        let clock = ManualClock::at(1_000 * MS);
        let m = HealthMonitor::new(config, clock.clone()).unwrap();
        (m, clock)
    }

    fn monitor() -> (HealthMonitor, Arc<ManualClock>) {
        monitor_with(HealthMonitorConfig::default())
    }

    fn register(m: &mut HealthMonitor, id: &str, interval_ms: u32, misses: u8) {
        let reg = Registration {
            heartbeat_interval_ms: interval_ms,
            miss_threshold: misses,
            ..Registration::new(id, "test")
        };
        m.register_agent(reg).unwrap();
    }

    fn status(m: &mut HealthMonitor, id: &str) -> HealthStatus {
        m.get_health(id, false).unwrap().health.status
    }

    /// Interval 1000 ms, 3 misses. The clock is put 1 ns before and then exactly at each deadline.
    #[test]
    fn a_missed_deadline_changes_the_status_exactly_on_time() {
        let (mut m, clock) = monitor();
        let t0 = clock.now_nanos();
        register(&mut m, "a", 1000, 3);
        assert_eq!(status(&mut m, "a"), HealthStatus::Unknown);
        assert_eq!(
            m.report_heartbeat(&Heartbeat::new("a", 1))
                .unwrap()
                .next_deadline_nanos,
            t0 + 1000 * MS
        );
        assert_eq!(status(&mut m, "a"), HealthStatus::Healthy);

        for (deadline_ms, before, after) in [
            (1000, HealthStatus::Healthy, HealthStatus::Degraded),
            (2000, HealthStatus::Degraded, HealthStatus::Degraded),
            (3000, HealthStatus::Degraded, HealthStatus::Unhealthy),
            (4000, HealthStatus::Unhealthy, HealthStatus::Unhealthy),
        ] {
            clock.set_nanos(t0 + deadline_ms * MS - 1);
            assert_eq!(status(&mut m, "a"), before, "1 ns before {deadline_ms} ms");
            clock.set_nanos(t0 + deadline_ms * MS);
            assert_eq!(status(&mut m, "a"), after, "at {deadline_ms} ms");
        }
        let h = m.get_health("a", false).unwrap().health;
        assert_eq!(
            (h.missed_deadlines, h.next_deadline_nanos),
            (4, t0 + 5000 * MS)
        );
        assert_eq!(h.status_since_nanos, t0 + 3000 * MS);

        // A heartbeat restores Healthy at once, and the deadlines restart from it.
        clock.advance_millis(500);
        let out = m.report_heartbeat(&Heartbeat::new("a", 2)).unwrap();
        assert_eq!(out.assigned_status, HealthStatus::Healthy);
        let t1 = clock.now_nanos();
        assert_eq!(out.next_deadline_nanos, t1 + 1000 * MS);
        clock.set_nanos(t1 + 1000 * MS - 1);
        assert_eq!(status(&mut m, "a"), HealthStatus::Healthy);

        let log: Vec<_> = m
            .transitions()
            .map(|t| (t.from, t.to, t.at_nanos))
            .collect();
        assert_eq!(
            log,
            [
                (HealthStatus::Unhealthy, HealthStatus::Healthy, t1),
                (
                    HealthStatus::Degraded,
                    HealthStatus::Unhealthy,
                    t0 + 3000 * MS
                ),
                (
                    HealthStatus::Healthy,
                    HealthStatus::Degraded,
                    t0 + 1000 * MS
                ),
                (HealthStatus::Unknown, HealthStatus::Healthy, t0),
            ]
        );
    }

    #[test]
    fn tick_applies_deadlines_passed_while_nobody_asked_and_dates_them_exactly() {
        let (mut m, clock) = monitor();
        let t0 = clock.now_nanos();
        register(&mut m, "a", 1000, 3);
        register(&mut m, "b", 1000, 1);
        m.report_heartbeat(&Heartbeat::new("a", 1)).unwrap();
        m.report_heartbeat(&Heartbeat::new("b", 1)).unwrap();
        assert!(m.tick().is_empty());
        clock.advance_secs(10);
        let t = m.tick();
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].agent_id.as_str(), t[0].to, t[0].at_nanos),
            ("a", HealthStatus::Unhealthy, t0 + 3000 * MS)
        );
        // miss_threshold 1: the first missed deadline is already Unhealthy.
        assert_eq!(
            (t[1].agent_id.as_str(), t[1].to, t[1].at_nanos),
            ("b", HealthStatus::Unhealthy, t0 + 1000 * MS)
        );
        assert!(m.tick().is_empty(), "nothing new");
        // evaluate() never goes back in time.
        assert!(m.evaluate(0).is_empty());
        assert_eq!(status(&mut m, "a"), HealthStatus::Unhealthy);
    }

    #[test]
    fn an_agent_that_never_sends_a_heartbeat_misses_deadlines_from_its_registration() {
        let (mut m, clock) = monitor();
        let t0 = clock.now_nanos();
        register(&mut m, "a", 1000, 2);
        clock.set_nanos(t0 + 1000 * MS - 1);
        assert_eq!(status(&mut m, "a"), HealthStatus::Unknown);
        clock.set_nanos(t0 + 1000 * MS);
        assert_eq!(status(&mut m, "a"), HealthStatus::Degraded);
        clock.set_nanos(t0 + 2000 * MS);
        assert_eq!(status(&mut m, "a"), HealthStatus::Unhealthy);
        clock.advance_secs(3600);
        assert_eq!(
            status(&mut m, "a"),
            HealthStatus::Unhealthy,
            "silence never returns to Unknown"
        );
    }

    #[test]
    fn missed_deadlines_raise_one_deduplicated_alert_that_a_heartbeat_resolves() {
        let (mut m, clock) = monitor();
        register(&mut m, "a", 1000, 3);
        m.report_heartbeat(&Heartbeat::new("a", 1)).unwrap();
        for _ in 0..4 {
            clock.advance_millis(1000);
            m.tick();
        }
        let alerts: Vec<_> = m.alerts().active().collect();
        assert_eq!(alerts.len(), 1);
        let a = alerts[0];
        assert_eq!(
            (a.kind, a.metric.as_str(), a.count, a.severity),
            (
                AlertKind::MissedHeartbeat,
                HEARTBEAT_METRIC,
                4,
                Severity::Critical
            )
        );
        m.report_heartbeat(&Heartbeat::new("a", 2)).unwrap();
        assert_eq!(m.alerts().active_count(), 0);
        assert_eq!(
            m.alerts().history().next().unwrap().resolved.unwrap().cause,
            ResolveCause::Heartbeat
        );
    }

    #[test]
    fn the_status_is_the_worst_of_liveness_self_report_and_checks() {
        let (mut m, _clock) = monitor();
        register(&mut m, "a", 1000, 3);
        let hb = |seq, status, check| Heartbeat {
            status,
            checks: vec![
                HealthCheck {
                    name: "disk".into(),
                    status: check,
                    detail: "92 % full".into(),
                    latency_us: 10,
                },
                HealthCheck {
                    name: "nats".into(),
                    status: HealthStatus::Unknown,
                    ..HealthCheck::default()
                },
            ],
            ..Heartbeat::new("a", seq)
        };
        let s = |m: &mut HealthMonitor, seq, st, c| {
            m.report_heartbeat(&hb(seq, st, c)).unwrap().assigned_status
        };
        assert_eq!(
            s(&mut m, 1, HealthStatus::Healthy, HealthStatus::Healthy),
            HealthStatus::Healthy
        );
        assert_eq!(
            s(&mut m, 2, HealthStatus::Unknown, HealthStatus::Healthy),
            HealthStatus::Healthy
        );
        assert_eq!(
            s(&mut m, 3, HealthStatus::Degraded, HealthStatus::Healthy),
            HealthStatus::Degraded
        );
        assert_eq!(
            s(&mut m, 4, HealthStatus::Healthy, HealthStatus::Unhealthy),
            HealthStatus::Unhealthy
        );
        let h = m.get_health("a", false).unwrap().health;
        assert_eq!(h.message, "check \"disk\": Unhealthy (92 % full)");
        assert_eq!(h.checks.len(), 2);
        assert_eq!(
            s(&mut m, 5, HealthStatus::Unhealthy, HealthStatus::Healthy),
            HealthStatus::Unhealthy
        );
        assert_eq!(
            s(&mut m, 6, HealthStatus::Healthy, HealthStatus::Healthy),
            HealthStatus::Healthy
        );
        assert_eq!(m.get_health("a", false).unwrap().health.message, "ok");
    }

    #[test]
    fn an_anomalous_signal_degrades_the_agent_until_m_normal_samples_and_raises_an_alert() {
        let cfg = HealthMonitorConfig {
            alerts: AlertConfig {
                resolve_after_normal: 3,
                ..AlertConfig::default()
            },
            ..HealthMonitorConfig::default()
        };
        let (mut m, clock) = monitor_with(cfg);
        let reg = Registration {
            heartbeat_interval_ms: 1000,
            detector: Some(AnomalyDetectorConfig::ewma(0.02, 3.0, 20)),
            ..Registration::new("a", "test")
        };
        m.register_agent(reg).unwrap();
        let mut rng = Rng::seeded(1);
        let mut seq = 0;
        let mut beat = |m: &mut HealthMonitor, err: f64| {
            seq += 1;
            clock.advance_millis(500);
            let hb = Heartbeat {
                error_rate: err,
                cpu_utilization: Some(0.5),
                ..Heartbeat::new("a", seq)
            };
            m.report_heartbeat(&hb).unwrap()
        };
        // Uniform noise: bounded at √3 of its σ, so no false alarm can blur the test.
        for _ in 0..100 {
            let out = beat(&mut m, 0.05 + 0.005 * (rng.next_f64() - 0.5));
            assert!(out.anomalies.is_empty());
            assert_eq!(out.assigned_status, HealthStatus::Healthy);
        }
        let out = beat(&mut m, 0.9);
        assert_eq!(out.assigned_status, HealthStatus::Degraded);
        assert_eq!(out.anomalies.len(), 1);
        let a = &out.anomalies[0];
        assert_eq!(
            (a.signal.as_str(), a.severity, a.detector),
            (
                SIGNAL_ERROR_RATE,
                Severity::Critical,
                DetectorKind::EwmaZScore
            )
        );
        assert!(a.z_score > 100.0 && (a.baseline_mean - 0.05).abs() < 0.01);
        let alert = m.alerts().active().next().unwrap().clone();
        assert_eq!(
            (alert.metric.as_str(), alert.kind),
            (
                SIGNAL_ERROR_RATE,
                AlertKind::Anomaly(DetectorKind::EwmaZScore)
            )
        );
        let h = m.get_health("a", true).unwrap();
        assert_eq!(h.health.anomalous_signals, [SIGNAL_ERROR_RATE]);
        assert_eq!(h.anomalies.len(), 1);
        assert!(h.health.message.contains("anomalous signal(s): error_rate"));
        // cpu_utilization is exactly constant: no deviation, never anomalous.
        assert!(m.series("a", SIGNAL_CPU_UTILIZATION).is_some());
        for i in 0..3 {
            // The spike inflated the EW variance, so ordinary values are normal again.
            let out = beat(&mut m, 0.05);
            assert!(out.anomalies.is_empty());
            let expect = if i < 2 {
                HealthStatus::Degraded
            } else {
                HealthStatus::Healthy
            };
            assert_eq!(
                out.assigned_status,
                expect,
                "after {} normal samples",
                i + 1
            );
        }
        assert_eq!(m.alerts().active_count(), 0);
        assert_eq!(
            m.alerts().get(alert.id).unwrap().resolved.unwrap().cause,
            ResolveCause::NormalSamples
        );
    }

    #[test]
    fn signals_past_the_series_bound_are_rejected_but_the_heartbeat_counts() {
        let cfg = HealthMonitorConfig {
            limits: SeriesLimits {
                max_series_per_agent: 3,
                series_capacity: 8,
                ..SeriesLimits::default()
            },
            ..HealthMonitorConfig::default()
        };
        let (mut m, clock) = monitor_with(cfg);
        register(&mut m, "a", 1000, 3);
        for seq in 1..=50 {
            clock.advance_millis(100);
            let hb = Heartbeat {
                cpu_utilization: Some(0.5),
                extra_signals: vec![
                    ("queue_depth".into(), 1.0),
                    ("latency_ms".into(), 2.0),
                    ("bad".into(), f64::NAN),
                ],
                ..Heartbeat::new("a", seq)
            };
            let out = m.report_heartbeat(&hb).unwrap();
            assert_eq!(out.assigned_status, HealthStatus::Healthy);
            let rejected: Vec<_> = out
                .rejected_signals
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            assert_eq!(rejected, ["latency_ms", "bad"]);
            assert!(matches!(
                out.rejected_signals[0].1,
                HealthError::TooManySeries { limit: 3, .. }
            ));
            assert!(matches!(
                out.rejected_signals[1].1,
                HealthError::InvalidArgument(_)
            ));
        }
        assert_eq!(m.series_count(), 3);
        let s = m.series("a", SIGNAL_ERROR_RATE).unwrap();
        assert_eq!((s.len(), s.capacity(), s.total_pushed()), (8, 8, 50));
        assert_eq!(
            m.record_sample("a", "yet_another", 1.0),
            Err(HealthError::TooManySeries {
                agent_id: "a".into(),
                limit: 3
            })
        );
    }

    #[test]
    fn the_agent_bound_and_the_logs_hold_when_driven_past_them() {
        let cfg = HealthMonitorConfig {
            limits: SeriesLimits {
                max_agents: 5,
                ..SeriesLimits::default()
            },
            transition_log_capacity: 4,
            recent_anomalies_per_agent: 2,
            deregistration_log_capacity: 2,
            ..HealthMonitorConfig::default()
        };
        let (mut m, clock) = monitor_with(cfg);
        for i in 0..5 {
            register(&mut m, &format!("a{i}"), 1000, 1);
        }
        assert_eq!(
            m.register_agent(Registration::new("a5", "test")),
            Err(HealthError::TooManyAgents { limit: 5 })
        );
        // Re-registration of a known id is not a new agent.
        assert!(
            m.register_agent(Registration::new("a0", "test"))
                .unwrap()
                .reregistered
        );
        for round in 0..20 {
            for i in 0..5 {
                m.report_heartbeat(&Heartbeat::new(format!("a{i}"), round + 1))
                    .unwrap();
            }
            clock.advance_millis(1000);
            m.tick();
        }
        assert_eq!(m.transitions().count(), 4);
        // A constant-zero error rate, then tenfold spikes: each is anomalous (the first at z = ∞,
        // the later ones ≈ 17σ over the inflated variance); at most 2 are kept.
        register(&mut m, "a0", 60_000, 3);
        let mut anomalies = 0;
        for seq in 1..=40 {
            let err = if seq > 30 { 10f64.powi(seq - 30) } else { 0.0 };
            let hb = Heartbeat {
                error_rate: err,
                ..Heartbeat::new("a0", seq.unsigned_abs().into())
            };
            anomalies += m.report_heartbeat(&hb).unwrap().anomalies.len();
        }
        assert_eq!(anomalies, 10);
        assert_eq!(m.get_health("a0", true).unwrap().anomalies.len(), 2);
        for i in 0..5 {
            assert!(m.deregister_agent(&format!("a{i}"), "shutdown"));
        }
        assert_eq!(m.deregistrations().count(), 2);
        assert_eq!(m.agent_count(), 0);
        assert_eq!(m.series_count(), 0);
        // Freed slots can be reused.
        register(&mut m, "b", 1000, 1);
    }

    #[test]
    fn sequence_numbers_reveal_losses_restarts_and_stale_heartbeats() {
        let (mut m, clock) = monitor();
        register(&mut m, "a", 1000, 3);
        let hb = |seq, uptime| Heartbeat {
            uptime_ms: uptime,
            ..Heartbeat::new("a", seq)
        };
        m.report_heartbeat(&hb(1, 100)).unwrap();
        let out = m.report_heartbeat(&hb(5, 200)).unwrap();
        assert_eq!((out.lost_heartbeats, out.restart_detected), (3, false));
        clock.advance_millis(900);
        let out = m.report_heartbeat(&hb(4, 150)).unwrap();
        assert!(out.stale, "an older heartbeat is ignored");
        clock.advance_millis(200);
        // The stale heartbeat did not extend liveness: the deadline of seq 5 has passed.
        assert_eq!(status(&mut m, "a"), HealthStatus::Degraded);
        let out = m.report_heartbeat(&hb(0, 10)).unwrap();
        assert!(out.restart_detected && !out.stale);
        let out = m.report_heartbeat(&hb(1, 5)).unwrap();
        assert!(out.restart_detected, "uptime went backwards");
        for seq in 2..=9 {
            m.report_heartbeat(&hb(seq, 100 * seq)).unwrap();
        }
        // A restart numbered from 1, without uptime: the later timestamp tells it from a stale one.
        let restarted = Heartbeat {
            timestamp_ms: 77,
            ..Heartbeat::new("a", 1)
        };
        let out = m.report_heartbeat(&restarted).unwrap();
        assert!(out.restart_detected && !out.stale);
        let h = m.get_health("a", false).unwrap().health;
        let counters = (
            h.lost_heartbeats,
            h.restarts,
            h.stale_heartbeats,
            h.uptime_ms,
        );
        assert_eq!(counters, (3, 3, 1, 0));
        // An agent that does not number its heartbeats is never stale.
        register(&mut m, "b", 1000, 3);
        for _ in 0..3 {
            assert!(!m.report_heartbeat(&Heartbeat::new("b", 0)).unwrap().stale);
        }
    }

    #[test]
    fn list_unhealthy_filters_sorts_and_limits() {
        let (mut m, clock) = monitor();
        for (id, interval) in [
            ("d", 1000),
            ("c", 1000),
            ("b", 10_000),
            ("a", 1000),
            ("e", 10_000),
        ] {
            register(&mut m, id, interval, 2);
        }
        for id in ["a", "b", "c", "d"] {
            m.report_heartbeat(&Heartbeat::new(id, 1)).unwrap();
        }
        m.report_heartbeat(&Heartbeat {
            status: HealthStatus::Unhealthy,
            ..Heartbeat::new("b", 2)
        })
        .unwrap();
        clock.advance_millis(1000); // a, c, d miss one deadline: Degraded
        m.report_heartbeat(&Heartbeat::new("c", 2)).unwrap();
        let ids = |l: &UnhealthyList| {
            l.agents
                .iter()
                .map(|h| h.agent_id.clone())
                .collect::<Vec<_>>()
        };
        let l = m.list_unhealthy(HealthStatus::Degraded, false, 100);
        assert_eq!(
            (ids(&l), l.total),
            (vec!["a".to_owned(), "b".into(), "d".into()], 3)
        );
        let l = m.list_unhealthy(HealthStatus::Unhealthy, false, 100);
        assert_eq!(ids(&l), ["b"]);
        let l = m.list_unhealthy(HealthStatus::Degraded, true, 2);
        assert_eq!(
            (ids(&l), l.total),
            (vec!["a".to_owned(), "b".into()], 4),
            "e is Unknown"
        );
        assert_eq!(l.agents[0].status, HealthStatus::Degraded);
    }

    #[test]
    fn deregistration_and_lookups_of_unknown_agents() {
        let (mut m, _clock) = monitor();
        register(&mut m, "a", 1000, 3);
        m.report_heartbeat(&Heartbeat::new("a", 1)).unwrap();
        assert!(m.deregister_agent("a", "graceful shutdown"));
        assert!(!m.deregister_agent("a", "again"));
        let nf = HealthError::NotFound {
            agent_id: "a".into(),
        };
        assert_eq!(m.get_health("a", true), Err(nf.clone()));
        assert_eq!(m.report_heartbeat(&Heartbeat::new("a", 2)), Err(nf.clone()));
        assert_eq!(m.record_sample("a", "x", 1.0), Err(nf.clone()));
        assert_eq!(nf.code(), 2);
        let d = m.deregistrations().next().unwrap();
        assert_eq!(
            (d.agent_id.as_str(), d.reason.as_str()),
            ("a", "graceful shutdown")
        );
        assert!(m.series("a", SIGNAL_ERROR_RATE).is_none());
    }

    #[test]
    fn registration_clamps_the_interval_validates_and_refreshes() {
        let (mut m, clock) = monitor();
        let out = m
            .register_agent(Registration {
                heartbeat_interval_ms: 1,
                miss_threshold: 0,
                ..Registration::new("a", "test")
            })
            .unwrap();
        assert_eq!((out.heartbeat_interval_ms, out.reregistered), (100, false));
        assert_eq!(m.get_health("a", false).unwrap().health.miss_threshold, 1);
        let big = Registration {
            heartbeat_interval_ms: u32::MAX,
            ..Registration::new("b", "test")
        };
        assert_eq!(
            m.register_agent(big).unwrap().heartbeat_interval_ms,
            3_600_000
        );
        assert!(matches!(
            m.register_agent(Registration::new("", "test")),
            Err(HealthError::InvalidArgument(_))
        ));
        let bad = Registration {
            detector: Some(AnomalyDetectorConfig::ewma(2.0, 3.0, 20)),
            ..Registration::new("c", "test")
        };
        assert!(matches!(
            m.register_agent(bad),
            Err(HealthError::InvalidArgument(_))
        ));
        m.report_heartbeat(&Heartbeat::new("a", 1)).unwrap();
        assert_eq!(status(&mut m, "a"), HealthStatus::Healthy);
        clock.advance_millis(50);
        let out = m.register_agent(Registration::new("a", "test")).unwrap();
        assert!(out.reregistered);
        assert_eq!(out.registered_at_nanos, clock.now_nanos());
        assert_eq!(status(&mut m, "a"), HealthStatus::Unknown);
        assert_eq!(m.transitions().next().unwrap().reason, "re-registered");
        // A different detector drops the agent's series, the same one keeps them.
        assert!(m.series("a", SIGNAL_ERROR_RATE).is_some());
        m.register_agent(Registration::new("a", "test")).unwrap();
        assert!(m.series("a", SIGNAL_ERROR_RATE).is_some());
        let mad = Registration {
            detector: Some(AnomalyDetectorConfig::mad(32, 3.5)),
            ..Registration::new("a", "test")
        };
        m.register_agent(mad).unwrap();
        assert!(m.series("a", SIGNAL_ERROR_RATE).is_none());
    }

    #[test]
    fn a_snapshot_is_sorted_and_restoring_it_yields_unknown_agents() {
        let (mut m, clock) = monitor();
        for id in ["z", "m", "a"] {
            register(&mut m, id, 2000, 4);
            m.report_heartbeat(&Heartbeat::new(id, 1)).unwrap();
        }
        let snap = m.snapshot();
        assert_eq!(
            snap.agents
                .iter()
                .map(|h| h.agent_id.as_str())
                .collect::<Vec<_>>(),
            ["a", "m", "z"]
        );
        assert!(snap
            .agents
            .iter()
            .all(|h| h.status == HealthStatus::Healthy));
        assert_eq!(snap.taken_at_nanos, clock.now_nanos());

        let (mut fresh, clock2) = monitor();
        register(&mut fresh, "m", 1000, 1);
        fresh.report_heartbeat(&Heartbeat::new("m", 1)).unwrap();
        assert_eq!(fresh.restore(&snap).unwrap(), 2);
        let h = fresh.get_health("a", false).unwrap().health;
        assert_eq!(
            (h.status, h.heartbeat_interval_ms, h.miss_threshold),
            (HealthStatus::Unknown, 2000, 4)
        );
        assert_eq!(
            status(&mut fresh, "m"),
            HealthStatus::Healthy,
            "live state wins"
        );
        clock2.advance_millis(2000);
        assert_eq!(
            status(&mut fresh, "z"),
            HealthStatus::Degraded,
            "deadlines run from the restore"
        );
    }

    #[test]
    fn alerts_from_heartbeats_are_rate_limited_per_agent() {
        let cfg = HealthMonitorConfig {
            alerts: AlertConfig {
                max_new_per_window: 2,
                ..AlertConfig::default()
            },
            ..HealthMonitorConfig::default()
        };
        let (mut m, _clock) = monitor_with(cfg);
        register(&mut m, "a", 1000, 3);
        let signals = |v: f64| (0..4).map(|i| (format!("s{i}"), v)).collect::<Vec<_>>();
        for seq in 1..=30 {
            m.report_heartbeat(&Heartbeat {
                extra_signals: signals(1.0),
                ..Heartbeat::new("a", seq)
            })
            .unwrap();
        }
        let out = m
            .report_heartbeat(&Heartbeat {
                extra_signals: signals(2.0),
                ..Heartbeat::new("a", 31)
            })
            .unwrap();
        assert_eq!(out.anomalies.len(), 4, "the detectors flag all four");
        assert_eq!(
            m.alerts().active_for("a").count(),
            2,
            "two new alerts per window"
        );
        assert_eq!(m.alerts().suppressed_for("a"), 2);
        assert_eq!(
            out.assigned_status,
            HealthStatus::Degraded,
            "status does not depend on the rate limit"
        );
        let id = m.alerts().active().next().unwrap().id;
        assert!(m.resolve_alert(id));
        assert!(!m.resolve_alert(id));
        let _ = RaiseOutcome::New { id }; // the outcome type is part of the public surface
    }

    #[test]
    fn the_monitor_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<HealthMonitor>();
    }
}
