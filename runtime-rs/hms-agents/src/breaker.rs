//! The `hms.breaker.CircuitBreaker` agent (idl/circuit_breaker.fbs) over
//! `hms_core::breaker::CircuitBreaker`: named breakers with resilience4j's semantics. The
//! acquire/record path takes a read lock on the name table and then only the breaker's atomics.
//!
//! Time: the contract lets callers pass their clock (`AcquireRequest.now_ms`,
//! `RecordOutcomeRequest.timestamp_ms`, Unix epoch milliseconds), so tests drive the breakers
//! deterministically through the library; a request without one uses the system's epoch time.
//! The agent's clock never goes backwards (a caller time before the latest one is ignored).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use hms_contracts::agent::error;
use hms_contracts::hms::breaker::{
    AcquireRequest, AcquireResponse, BreakerConfig, BreakerSnapshot, BreakerState, BreakerStatus,
    CallOutcome, CircuitBreaker, ConfigureBreakerRequest, GetStateRequest, RecordOutcomeRequest,
    RecordOutcomeResponse, ResetRequest, SlidingWindowType,
};
use hms_contracts::hms::{Ack, AgentError, ErrorCode, HealthCheck, HealthStatus};
use hms_core::breaker as core;
use hms_core::clock::ManualClock;

use crate::rust_agent::{epoch_nanos, AgentCore, Param, ParamValue, RustAgent};

/// Type name of this agent (its registration in `lib.rs`).
pub const TYPE_NAME: &str = "circuit-breaker";

/// Most breakers one agent holds; configuring another is `ResourceExhausted`.
pub const MAX_BREAKERS: usize = 10_000;

/// The CircuitBreaker agent.
pub type BreakerAgent = RustAgent<BreakerCore>;

/// The named breakers, their shared clock, and the evolvable template of their configuration.
#[derive(Debug)]
pub struct BreakerCore {
    breakers: RwLock<HashMap<String, Arc<core::CircuitBreaker>>>,
    clock: Arc<ManualClock>,
    /// Parameters evolution changes in every breaker at once.
    tuning: Mutex<Tuning>,
}

/// The evolvable part of every breaker's configuration; `None` = as each was configured.
#[derive(Debug, Clone, Default)]
struct Tuning {
    values: BTreeMap<&'static str, f64>,
}

fn state_to_wire(s: core::BreakerState) -> BreakerState {
    BreakerState(match s {
        core::BreakerState::Closed | core::BreakerState::MetricsOnly => 0,
        core::BreakerState::Open => 1,
        core::BreakerState::HalfOpen => 2,
        core::BreakerState::Disabled => 3,
        core::BreakerState::ForcedOpen => 4,
    })
}

fn state_from_wire(s: BreakerState) -> Result<core::BreakerState, AgentError> {
    Ok(match s.0 {
        0 => core::BreakerState::Closed,
        1 => core::BreakerState::Open,
        2 => core::BreakerState::HalfOpen,
        3 => core::BreakerState::Disabled,
        4 => core::BreakerState::ForcedOpen,
        other => {
            return Err(error(
                ErrorCode::INVALID_ARGUMENT,
                format!("unknown breaker state {other}"),
            ))
        }
    })
}

fn config_from_wire(c: &BreakerConfig) -> Result<core::BreakerConfig, AgentError> {
    let cfg = core::BreakerConfig {
        failure_rate_threshold: c.failure_threshold,
        slow_call_rate_threshold: c.slow_call_rate_threshold,
        slow_call_duration_threshold: Duration::from_millis(u64::from(c.slow_call_duration_ms)),
        sliding_window_type: if c.window_type == SlidingWindowType::TIME_BASED {
            core::SlidingWindowType::TimeBased
        } else {
            core::SlidingWindowType::CountBased
        },
        sliding_window_size: c.sliding_window_size,
        minimum_number_of_calls: c.minimum_calls,
        wait_in_open: core::OpenWait::Fixed(Duration::from_millis(u64::from(c.open_timeout_ms))),
        permitted_calls_in_half_open: c.half_open_max_calls,
        success_threshold: c.success_threshold,
        automatic_half_open: c.automatic_half_open,
        ..core::BreakerConfig::default()
    };
    cfg.validate()
        .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, e.to_string()))?;
    Ok(cfg)
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn config_to_wire(c: &core::BreakerConfig) -> BreakerConfig {
    BreakerConfig {
        failure_threshold: c.failure_rate_threshold,
        success_threshold: c.success_threshold,
        window_type: match c.sliding_window_type {
            core::SlidingWindowType::TimeBased => SlidingWindowType::TIME_BASED,
            core::SlidingWindowType::CountBased => SlidingWindowType::COUNT_BASED,
        },
        sliding_window_size: c.sliding_window_size,
        minimum_calls: c.minimum_number_of_calls,
        open_timeout_ms: match &c.wait_in_open {
            core::OpenWait::Fixed(d) => millis(*d),
            core::OpenWait::ExponentialBackoff { initial, .. } => millis(*initial),
            core::OpenWait::Custom(_) => 0,
        },
        half_open_max_calls: c.permitted_calls_in_half_open,
        slow_call_duration_ms: millis(c.slow_call_duration_threshold),
        slow_call_rate_threshold: c.slow_call_rate_threshold,
        automatic_half_open: c.automatic_half_open,
    }
}

fn status_to_wire(b: &core::CircuitBreaker) -> BreakerStatus {
    let s = b.status();
    BreakerStatus {
        name: s.name,
        state: state_to_wire(s.state),
        failure_rate: s.failure_rate,
        slow_call_rate: s.slow_call_rate,
        buffered_calls: s.buffered_calls,
        failed_calls: s.failed_calls,
        slow_calls: s.slow_calls,
        not_permitted_calls: s.not_permitted_calls,
        // The agent's clock counts epoch nanoseconds.
        state_since_ms: s.state_since_nanos / 1_000_000,
        config: Some(Box::new(config_to_wire(b.config()))),
    }
}

/// The evolvable parameters: `(name, description, min, max, integer)`.
const PARAMS: &[(&str, &str, f64, f64, bool)] = &[
    (
        "failure_rate_threshold",
        "failure rate in percent that opens a breaker",
        1.0,
        100.0,
        false,
    ),
    (
        "sliding_window_size",
        "calls (or seconds) in a breaker's window",
        1.0,
        10_000.0,
        true,
    ),
    (
        "minimum_calls",
        "calls before a rate is computed",
        1.0,
        10_000.0,
        true,
    ),
    (
        "open_timeout_ms",
        "time a breaker stays OPEN",
        1.0,
        3_600_000.0,
        true,
    ),
    (
        "half_open_max_calls",
        "trial calls in HALF_OPEN",
        1.0,
        1_000.0,
        true,
    ),
];

fn tuned(c: &core::BreakerConfig, t: &Tuning) -> core::BreakerConfig {
    let mut c = c.clone();
    for (&name, &v) in &t.values {
        match name {
            "failure_rate_threshold" => c.failure_rate_threshold = v as f32,
            "sliding_window_size" => c.sliding_window_size = v as u32,
            "minimum_calls" => c.minimum_number_of_calls = v as u32,
            "open_timeout_ms" => {
                c.wait_in_open = core::OpenWait::Fixed(Duration::from_millis(v as u64))
            }
            "half_open_max_calls" => c.permitted_calls_in_half_open = v as u32,
            _ => {}
        }
    }
    c
}

impl BreakerCore {
    /// An agent without breakers (`configure` creates them); the configuration bytes are ignored.
    pub fn create(_config: &[u8]) -> Result<BreakerAgent, AgentError> {
        Ok(RustAgent::new(Self {
            breakers: RwLock::new(HashMap::new()),
            clock: ManualClock::at(epoch_nanos()),
            tuning: Mutex::new(Tuning::default()),
        }))
    }

    /// Moves the clock to the caller's time (epoch ms), or to the system's.
    fn tick(&self, caller_ms: u64) {
        let now = if caller_ms == 0 {
            epoch_nanos()
        } else {
            caller_ms.saturating_mul(1_000_000)
        };
        self.clock.set_nanos(now);
    }

    fn breaker(&self, name: &str) -> Result<Arc<core::CircuitBreaker>, AgentError> {
        self.breakers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
            .ok_or_else(|| error(ErrorCode::NOT_FOUND, format!("no breaker {name:?}")))
    }
}

impl AgentCore for BreakerCore {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const STATE_VERSION: u32 = 1;

    fn parameters(&self) -> Vec<Param> {
        let t = self.tuning.lock().unwrap_or_else(PoisonError::into_inner);
        let d = tuned(&core::BreakerConfig::default(), &t);
        let current = |name: &str| match name {
            "failure_rate_threshold" => f64::from(d.failure_rate_threshold),
            "sliding_window_size" => f64::from(d.sliding_window_size),
            "minimum_calls" => f64::from(d.minimum_number_of_calls),
            "open_timeout_ms" => match d.wait_in_open {
                core::OpenWait::Fixed(w) => w.as_millis() as f64,
                _ => 0.0,
            },
            _ => f64::from(d.permitted_calls_in_half_open),
        };
        PARAMS
            .iter()
            .map(|&(name, description, min, max, integer)| {
                let v = current(name);
                if integer {
                    Param::integer(name, description, min, max, v)
                } else {
                    Param::number(name, description, min, max, v)
                }
            })
            .collect()
    }

    /// Every breaker is reconfigured with the new values (window cleared, state kept), all or
    /// none: each new configuration is validated before any breaker is replaced.
    fn apply(&self, values: &BTreeMap<&'static str, ParamValue>) -> Result<(), AgentError> {
        let mut tuning = self.tuning.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = tuning.clone();
        for (&name, v) in values {
            if let ParamValue::Number(n) = v {
                next.values.insert(name, *n);
            }
        }
        let mut breakers = self
            .breakers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut replaced = Vec::with_capacity(breakers.len());
        for (name, b) in breakers.iter() {
            let cfg = tuned(b.config(), &next);
            let nb = b.reconfigured(cfg).map_err(|e| {
                error(
                    ErrorCode::INVALID_ARGUMENT,
                    format!("breaker {name:?}: {e}"),
                )
            })?;
            replaced.push((name.clone(), Arc::new(nb)));
        }
        breakers.extend(replaced);
        *tuning = next;
        Ok(())
    }

    /// A `hms.breaker.BreakerSnapshot`.
    fn export_state(&self) -> Vec<u8> {
        let breakers = self.breakers.read().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<BreakerStatus> = breakers.values().map(|b| status_to_wire(b)).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        BreakerSnapshot {
            breakers: Some(all),
        }
        .encode()
    }

    fn import_state(&self, state: &[u8]) -> Result<(), AgentError> {
        if state.is_empty() {
            return Ok(());
        }
        let snap = BreakerSnapshot::decode(state)
            .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, format!("state: {e}")))?;
        let mut fresh = HashMap::new();
        for s in snap.breakers.unwrap_or_default() {
            let cfg = config_from_wire(&s.config.unwrap_or_default())?;
            let b = core::CircuitBreaker::new(&s.name, cfg, self.clock.clone())
                .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, e.to_string()))?;
            // Held-open and disabled breakers stay so; an OPEN one waits its full wait again.
            match state_from_wire(s.state)? {
                core::BreakerState::Open | core::BreakerState::HalfOpen => {
                    let _ = b.transition_to_open();
                }
                core::BreakerState::ForcedOpen => {
                    let _ = b.transition_to_forced_open();
                }
                core::BreakerState::Disabled => {
                    let _ = b.transition_to_disabled();
                }
                _ => {}
            }
            fresh.insert(s.name, Arc::new(b));
        }
        *self
            .breakers
            .write()
            .unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }

    fn status(&self) -> (HealthStatus, Vec<HealthCheck>, String) {
        let breakers = self.breakers.read().unwrap_or_else(PoisonError::into_inner);
        let open = breakers
            .values()
            .filter(|b| {
                matches!(
                    b.state(),
                    core::BreakerState::Open | core::BreakerState::ForcedOpen
                )
            })
            .count();
        (
            HealthStatus::HEALTHY,
            Vec::new(),
            format!("{} breakers, {open} open", breakers.len()),
        )
    }
}

crate::rust_agent!(BreakerCore);

impl CircuitBreaker for BreakerAgent {
    fn configure(&self, req: ConfigureBreakerRequest) -> Result<BreakerStatus, AgentError> {
        self.call(|| {
            let core = self.core();
            core.tick(0);
            let tuning = core
                .tuning
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let cfg = tuned(&config_from_wire(&req.config)?, &tuning);
            let mut breakers = core
                .breakers
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let b = match breakers.get(&req.name) {
                Some(old) => old.reconfigured(cfg),
                None if breakers.len() >= MAX_BREAKERS => {
                    return Err(error(
                        ErrorCode::RESOURCE_EXHAUSTED,
                        format!("{MAX_BREAKERS} breakers already exist"),
                    ))
                }
                None => core::CircuitBreaker::new(&req.name, cfg, core.clock.clone()),
            }
            .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, e.to_string()))?;
            let b = Arc::new(b);
            breakers.insert(req.name, b.clone());
            Ok(status_to_wire(&b))
        })
    }

    fn try_acquire(&self, req: AcquireRequest) -> Result<AcquireResponse, AgentError> {
        self.call(|| {
            let core = self.core();
            core.tick(req.now_ms);
            let b = core.breaker(&req.name)?;
            Ok(match b.try_acquire() {
                Ok(permit) => AcquireResponse {
                    permitted: true,
                    state: state_to_wire(permit.state()),
                    retry_after_ms: None,
                },
                Err(refused) => AcquireResponse {
                    permitted: false,
                    state: state_to_wire(refused.state),
                    // Rounded up: a caller waiting this long finds the wait over.
                    retry_after_ms: refused.retry_after.map(|d| {
                        u32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u32::MAX)
                    }),
                },
            })
        })
    }

    fn record_outcome(
        &self,
        req: RecordOutcomeRequest,
    ) -> Result<RecordOutcomeResponse, AgentError> {
        self.call(|| {
            let core = self.core();
            core.tick(req.timestamp_ms);
            let b = core.breaker(&req.name)?;
            let outcome = match req.outcome {
                CallOutcome::SUCCESS => core::CallOutcome::Success,
                CallOutcome::FAILURE => core::CallOutcome::Failure,
                CallOutcome::TIMEOUT => core::CallOutcome::Timeout,
                CallOutcome::IGNORED => core::CallOutcome::Ignored,
                other => {
                    return Err(error(
                        ErrorCode::INVALID_ARGUMENT,
                        format!("unknown call outcome {}", other.0),
                    ))
                }
            };
            let r = b.record(outcome, Duration::from_micros(req.duration_us));
            Ok(RecordOutcomeResponse {
                previous_state: state_to_wire(r.previous_state),
                state: state_to_wire(r.state),
                failure_rate: r.failure_rate,
            })
        })
    }

    fn get_state(&self, req: GetStateRequest) -> Result<BreakerStatus, AgentError> {
        self.call(|| {
            let core = self.core();
            core.tick(0);
            let b = core.breaker(&req.name)?;
            b.evaluate_transitions();
            Ok(status_to_wire(&b))
        })
    }

    fn reset(&self, req: ResetRequest) -> Result<Ack, AgentError> {
        self.call(|| {
            let core = self.core();
            core.tick(0);
            let b = core.breaker(&req.name)?;
            match req.force_state {
                None => b.reset(),
                Some(s) => {
                    let to = state_from_wire(s)?;
                    b.reset_to(to)
                        .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, e.to_string()))?;
                }
            }
            Ok(Ack {
                ok: true,
                message: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_state_maps_both_ways() {
        for v in 0..=4u8 {
            let s = state_from_wire(BreakerState(v)).unwrap();
            assert_eq!(state_to_wire(s), BreakerState(v));
        }
        assert!(state_from_wire(BreakerState(9)).is_err());
    }

    #[test]
    fn the_wire_config_round_trips() {
        let wire = BreakerConfig {
            failure_threshold: 40.0,
            sliding_window_size: 20,
            minimum_calls: 10,
            open_timeout_ms: 1234,
            half_open_max_calls: 3,
            ..BreakerConfig::default()
        };
        let back = config_to_wire(&config_from_wire(&wire).unwrap());
        assert_eq!(back.failure_threshold, 40.0);
        assert_eq!(back.sliding_window_size, 20);
        assert_eq!(back.open_timeout_ms, 1234);
        assert_eq!(back.half_open_max_calls, 3);
        let bad = BreakerConfig {
            failure_threshold: 0.0,
            ..BreakerConfig::default()
        };
        assert!(config_from_wire(&bad).is_err());
    }
}
