//! The `hms.health.HealthMonitor` agent (idl/health_monitor.fbs) over
//! `hms_core::health::HealthMonitor`: registrations with heartbeat deadlines, heartbeats whose
//! signals feed per-agent anomaly detectors, and the status each agent gets from missed deadlines,
//! its own report, its checks and its anomalies. Deadlines are evaluated on every call (there is
//! no timer: a status is computed when asked for, exactly at its deadline). Times cross the
//! contract as Unix epoch milliseconds; the monitor's clock is monotonic, so this module converts.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use hms_contracts::agent::error;
use hms_contracts::hms::health::{
    Anomaly, DeregisterAgentRequest, GetHealthRequest, GetHealthResponse, HealthMonitor,
    HealthSnapshot, HeartbeatRequest, HeartbeatResponse, ListUnhealthyRequest,
    ListUnhealthyResponse, RegisterAgentRequest, RegisterAgentResponse,
};
use hms_contracts::hms::{Ack, AgentError, AgentHealth, ErrorCode, HealthCheck, HealthStatus};
use hms_core::clock::{SharedClock, SystemClock};
use hms_core::health as core;

use crate::rust_agent::{epoch_ms, AgentCore, Param, ParamValue, RustAgent};

/// Type name of this agent (its registration in `lib.rs`).
pub const TYPE_NAME: &str = "health-monitor";

/// The HealthMonitor agent.
pub type HealthAgent = RustAgent<HealthCore>;

/// The monitor, and where its clock's origin is in epoch time.
#[derive(Debug)]
pub struct HealthCore {
    monitor: Mutex<core::HealthMonitor>,
    origin_epoch_ms: u64,
}

fn health_error(e: &core::HealthError) -> AgentError {
    error(ErrorCode(e.code()), e.to_string())
}

fn status_from_wire(s: HealthStatus) -> core::HealthStatus {
    core::HealthStatus::from_u8(s.0).unwrap_or(core::HealthStatus::Unknown)
}

fn status_to_wire(s: core::HealthStatus) -> HealthStatus {
    HealthStatus(s.as_u8())
}

impl HealthCore {
    /// A monitor with the default limits and detector; the configuration bytes are ignored.
    pub fn create(_config: &[u8]) -> Result<HealthAgent, AgentError> {
        let clock: SharedClock = SystemClock::shared();
        let monitor = core::HealthMonitor::new(core::HealthMonitorConfig::default(), clock.clone())
            .map_err(|e| health_error(&e))?;
        Ok(RustAgent::new(Self {
            monitor: Mutex::new(monitor),
            origin_epoch_ms: epoch_ms().saturating_sub(clock.now_millis()),
        }))
    }

    fn monitor(&self) -> MutexGuard<'_, core::HealthMonitor> {
        // Operations validate before they mutate; a panic leaves the monitor consistent.
        self.monitor.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Epoch milliseconds of a monitor time.
    fn epoch(&self, nanos: u64) -> u64 {
        self.origin_epoch_ms.saturating_add(nanos / 1_000_000)
    }

    fn health_to_wire(&self, h: &core::AgentHealth) -> AgentHealth {
        AgentHealth {
            agent_id: h.agent_id.clone(),
            status: status_to_wire(h.status),
            last_heartbeat_ms: h.last_heartbeat_nanos.map_or(0, |n| self.epoch(n)),
            uptime_ms: h.uptime_ms,
            error_rate: h.error_rate,
            message: Some(h.message.clone()).filter(|m| !m.is_empty()),
            checks: Some(
                h.checks
                    .iter()
                    .map(|c| HealthCheck {
                        name: c.name.clone(),
                        status: status_to_wire(c.status),
                        detail: Some(c.detail.clone()).filter(|d| !d.is_empty()),
                        latency_us: c.latency_us,
                    })
                    .collect(),
            ),
        }
    }

    fn anomaly_to_wire(&self, a: &core::Anomaly) -> Anomaly {
        Anomaly {
            signal: a.signal.clone(),
            value: a.value,
            baseline_mean: a.baseline_mean,
            baseline_stddev: a.baseline_stddev,
            z_score: a.z_score,
            observed_at_ms: self.epoch(a.observed_at_nanos),
        }
    }
}

impl AgentCore for HealthCore {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const STATE_VERSION: u32 = 1;

    fn parameters(&self) -> Vec<Param> {
        // The detector settings of agents registered without their own (the evolution issue
        // tunes them); heartbeats of agents already registered keep theirs.
        let m = self.monitor();
        let d = m.config().default_detector;
        vec![
            Param::number(
                "ewma_alpha",
                "EWMA smoothing factor of the default detector",
                0.0001,
                0.9999,
                d.ewma_alpha,
            ),
            Param::number(
                "z_threshold",
                "alert threshold on |z| of the default detector",
                0.5,
                20.0,
                d.z_threshold,
            ),
            Param::integer(
                "warmup_samples",
                "samples before the default detector alerts",
                0.0,
                100_000.0,
                f64::from(d.warmup_samples),
            ),
            Param::choice(
                "detector",
                "kind of the default detector",
                &["ewma_zscore", "robust_mad", "cusum"],
                d.kind.name(),
            ),
        ]
    }

    fn apply(&self, values: &BTreeMap<&'static str, ParamValue>) -> Result<(), AgentError> {
        let mut m = self.monitor();
        let mut d = m.config().default_detector;
        for (name, value) in values {
            match (*name, value) {
                ("ewma_alpha", ParamValue::Number(v)) => d.ewma_alpha = *v,
                ("z_threshold", ParamValue::Number(v)) => d.z_threshold = *v,
                ("warmup_samples", ParamValue::Number(v)) => d.warmup_samples = *v as u32,
                ("detector", ParamValue::Choice(c)) => {
                    d.kind = core::DetectorKind::from_name(c).ok_or_else(|| {
                        error(
                            ErrorCode::INVALID_ARGUMENT,
                            format!("unknown detector {c:?}"),
                        )
                    })?;
                }
                _ => {}
            }
        }
        m.set_default_detector(d).map_err(|e| health_error(&e))
    }

    /// A `hms.health.HealthSnapshot`: soft state (idl/health_monitor.fbs), restored as Unknown
    /// until each agent's next heartbeat.
    fn export_state(&self) -> Vec<u8> {
        let snap = self.monitor().snapshot();
        HealthSnapshot {
            taken_at_ms: self.epoch(snap.taken_at_nanos),
            agents: Some(snap.agents.iter().map(|a| self.health_to_wire(a)).collect()),
        }
        .encode()
    }

    fn import_state(&self, state: &[u8]) -> Result<(), AgentError> {
        if state.is_empty() {
            return Ok(());
        }
        let snap = HealthSnapshot::decode(state)
            .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, format!("state: {e}")))?;
        let mut m = self.monitor();
        for a in snap.agents.unwrap_or_default() {
            // A registration per agent, with the monitor's defaults: heartbeats rebuild the rest.
            m.register_agent(core::Registration::new(a.agent_id.clone(), "restored"))
                .map_err(|e| health_error(&e))?;
        }
        Ok(())
    }

    fn status(&self) -> (HealthStatus, Vec<HealthCheck>, String) {
        let mut m = self.monitor();
        let unhealthy = m
            .list_unhealthy(core::HealthStatus::Degraded, false, 0)
            .total;
        (
            HealthStatus::HEALTHY,
            Vec::new(),
            format!(
                "{} agents monitored, {unhealthy} need attention",
                m.agent_count()
            ),
        )
    }
}

crate::rust_agent!(HealthCore);

impl HealthMonitor for HealthAgent {
    fn register_agent(
        &self,
        req: RegisterAgentRequest,
    ) -> Result<RegisterAgentResponse, AgentError> {
        self.call(|| {
            let core = self.core();
            let r = core
                .monitor()
                .register_agent(core::Registration {
                    agent_id: req.agent_id,
                    kind: req.kind,
                    version: req.version.map(|v| core::SemVer {
                        major: v.major,
                        minor: v.minor,
                        patch: v.patch,
                    }),
                    capabilities: req.capabilities.0,
                    heartbeat_interval_ms: req.heartbeat_interval_ms,
                    miss_threshold: req.miss_threshold,
                    detector: req.detector.map(|d| {
                        core::AnomalyDetectorConfig::from_fbs(
                            d.ewma_alpha,
                            d.z_threshold,
                            d.warmup_samples,
                        )
                    }),
                })
                .map_err(|e| health_error(&e))?;
            Ok(RegisterAgentResponse {
                heartbeat_interval_ms: r.heartbeat_interval_ms,
                registered_at_ms: core.epoch(r.registered_at_nanos),
                reregistered: r.reregistered,
            })
        })
    }

    fn report_heartbeat(&self, req: HeartbeatRequest) -> Result<HeartbeatResponse, AgentError> {
        self.call(|| {
            let core = self.core();
            let hb = core::Heartbeat {
                agent_id: req.agent_id,
                sequence: req.sequence,
                timestamp_ms: req.timestamp_ms,
                status: status_from_wire(req.status),
                uptime_ms: req.uptime_ms,
                error_rate: req.error_rate,
                cpu_utilization: req.cpu_utilization.map(f64::from),
                memory_bytes: req.memory_bytes,
                checks: req
                    .checks
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| core::HealthCheck {
                        name: c.name,
                        status: status_from_wire(c.status),
                        detail: c.detail.unwrap_or_default(),
                        latency_us: c.latency_us,
                    })
                    .collect(),
                extra_signals: Vec::new(),
            };
            let r = core
                .monitor()
                .report_heartbeat(&hb)
                .map_err(|e| health_error(&e))?;
            Ok(HeartbeatResponse {
                next_deadline_ms: core.epoch(r.next_deadline_nanos),
                assigned_status: status_to_wire(r.assigned_status),
                anomalies: Some(
                    r.anomalies
                        .iter()
                        .map(|a| core.anomaly_to_wire(a))
                        .collect(),
                ),
            })
        })
    }

    fn get_health(&self, req: GetHealthRequest) -> Result<GetHealthResponse, AgentError> {
        self.call(|| {
            let core = self.core();
            let r = core
                .monitor()
                .get_health(&req.agent_id, req.include_anomalies)
                .map_err(|e| health_error(&e))?;
            Ok(GetHealthResponse {
                health: Some(Box::new(core.health_to_wire(&r.health))),
                anomalies: Some(
                    r.anomalies
                        .iter()
                        .map(|a| core.anomaly_to_wire(a))
                        .collect(),
                ),
            })
        })
    }

    fn list_unhealthy(
        &self,
        req: ListUnhealthyRequest,
    ) -> Result<ListUnhealthyResponse, AgentError> {
        self.call(|| {
            let core = self.core();
            let limit = usize::try_from(req.limit).unwrap_or(usize::MAX);
            let r = core.monitor().list_unhealthy(
                status_from_wire(req.min_status),
                req.include_unknown,
                limit,
            );
            Ok(ListUnhealthyResponse {
                agents: Some(r.agents.iter().map(|a| core.health_to_wire(a)).collect()),
                total: u32::try_from(r.total).unwrap_or(u32::MAX),
            })
        })
    }

    fn deregister_agent(&self, req: DeregisterAgentRequest) -> Result<Ack, AgentError> {
        self.call(|| {
            let ok = self
                .core()
                .monitor()
                .deregister_agent(&req.agent_id, req.reason.as_deref().unwrap_or_default());
            Ok(Ack {
                ok,
                message: (!ok).then(|| format!("{:?} was not registered", req.agent_id)),
            })
        })
    }
}
