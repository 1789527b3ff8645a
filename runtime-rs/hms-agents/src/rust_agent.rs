//! `RustAgent<T: AgentCore>` (seed §2.2): the wrapper that makes a component of `hms-core` an
//! agent served through the generated library. It owns what every agent has — an id, its health
//! (status, uptime, a recent error rate), a handle to the library's message bus (its own mailbox),
//! the parameters evolution may change and their generation — and serves `hms.control.AgentControl`
//! (idl/agent_control.fbs) for all of them: reading the parameters, applying a new set atomically
//! (`evolve`), and exporting/importing the component's state for the next version of the agent.
//!
//! A component implements [`AgentCore`]; its service trait (e.g. `CircuitBreaker`) is implemented
//! for `RustAgent<ItsCore>` in its module, delegating to [`RustAgent::core`] through
//! [`RustAgent::track`] so failures count in the agent's error rate.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use hms_contracts::agent::error;
use hms_contracts::hms::control::{
    AgentControl, AgentState, EvolveRequest, EvolveResponse, FaultInjection, ParameterChange,
    ParameterSet, ParameterSpec, ParameterValue,
};
use hms_contracts::hms::{
    Ack, AgentError, AgentHealth, AgentMessage, Empty, ErrorCode, HealthCheck, HealthStatus,
};
use hms_core::bus::{MailboxLimits, Message, MessageBus};
use hms_core::clock::SystemClock;

/// What an evolvable parameter may be.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// A number in `[min, max]`; whole numbers only when `integer`.
    Number {
        /// Smallest allowed value (inclusive).
        min: f64,
        /// Largest allowed value (inclusive).
        max: f64,
        /// Only whole numbers.
        integer: bool,
    },
    /// One of named options.
    Choice(&'static [&'static str]),
}

/// A parameter's value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A numeric value.
    Number(f64),
    /// A chosen option.
    Choice(String),
}

/// One evolvable parameter of a component, with its current value.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name, unique within the agent type.
    pub name: &'static str,
    /// What it controls.
    pub description: &'static str,
    /// Its range or options.
    pub kind: ParamKind,
    /// Its current value.
    pub value: ParamValue,
}

impl Param {
    /// A numeric parameter.
    #[must_use]
    pub fn number(
        name: &'static str,
        description: &'static str,
        min: f64,
        max: f64,
        value: f64,
    ) -> Self {
        Self {
            name,
            description,
            kind: ParamKind::Number {
                min,
                max,
                integer: false,
            },
            value: ParamValue::Number(value),
        }
    }

    /// A whole-number parameter.
    #[must_use]
    pub fn integer(
        name: &'static str,
        description: &'static str,
        min: f64,
        max: f64,
        value: f64,
    ) -> Self {
        Self {
            kind: ParamKind::Number {
                min,
                max,
                integer: true,
            },
            ..Self::number(name, description, min, max, value)
        }
    }

    /// A categorical parameter.
    #[must_use]
    pub fn choice(
        name: &'static str,
        description: &'static str,
        options: &'static [&'static str],
        value: &str,
    ) -> Self {
        Self {
            name,
            description,
            kind: ParamKind::Choice(options),
            value: ParamValue::Choice(value.to_owned()),
        }
    }

    /// Why `value` is not allowed for this parameter, if it is not.
    fn refuse(&self, value: &ParamValue) -> Option<String> {
        match (&self.kind, value) {
            (ParamKind::Number { min, max, integer }, ParamValue::Number(v)) => {
                if !v.is_finite() || v < min || v > max {
                    Some(format!("{}: {v} is outside [{min}, {max}]", self.name))
                } else if *integer && v.fract() != 0.0 {
                    Some(format!("{}: {v} is not a whole number", self.name))
                } else {
                    None
                }
            }
            (ParamKind::Choice(options), ParamValue::Choice(c)) => (!options.contains(&c.as_str()))
                .then(|| format!("{}: {c:?} is not one of {options:?}", self.name)),
            (ParamKind::Number { .. }, ParamValue::Choice(c)) => Some(format!(
                "{}: a number was expected, not the choice {c:?}",
                self.name
            )),
            (ParamKind::Choice(options), ParamValue::Number(v)) => Some(format!(
                "{}: one of {options:?} was expected, not the number {v}",
                self.name
            )),
        }
    }
}

/// What a seed component provides to become an agent.
pub trait AgentCore: Send + Sync + 'static {
    /// The agent type's name (its registration in `lib.rs`).
    const TYPE_NAME: &'static str;
    /// Version of the layout of [`AgentCore::export_state`]'s bytes.
    const STATE_VERSION: u32;

    /// The evolvable parameters with their current values.
    fn parameters(&self) -> Vec<Param>;

    /// Applies new values (already checked against [`AgentCore::parameters`]: known names, in
    /// range) all at once: on an error nothing may have changed.
    fn apply(&self, values: &BTreeMap<&'static str, ParamValue>) -> Result<(), AgentError>;

    /// The component's state (a FlatBuffer of the state table its contract declares).
    fn export_state(&self) -> Vec<u8>;

    /// Replaces the component's state with exported bytes of the same `STATE_VERSION`.
    fn import_state(&self, state: &[u8]) -> Result<(), AgentError>;

    /// The component's own health: status, checks and a one-line summary.
    fn status(&self) -> (HealthStatus, Vec<HealthCheck>, String) {
        (HealthStatus::HEALTHY, Vec::new(), String::new())
    }

    /// A bus message delivered to the agent (`hms_agent_send_message`); the default refuses it.
    fn on_message(&self, msg: AgentMessage) -> Result<AgentMessage, AgentError> {
        let _ = msg;
        Err(error(
            ErrorCode::UNIMPLEMENTED,
            format!("{} agents do not handle messages", Self::TYPE_NAME),
        ))
    }
}

/// The message bus of this library: every `RustAgent` has a mailbox on it, named by its id.
pub fn bus() -> &'static MessageBus {
    static BUS: OnceLock<MessageBus> = OnceLock::new();
    BUS.get_or_init(|| MessageBus::new(Arc::new(SystemClock::new())))
}

/// Outcomes counted for the error rate: calls in the high 32 bits, failures in the low ones,
/// halved together once calls reach this, so the rate covers roughly the last 1,000–2,000 calls.
const RATE_WINDOW: u64 = 1024;

/// Most evolution records an agent keeps (the newest).
pub const EVOLUTION_HISTORY: usize = 64;

/// One applied parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct EvolutionRecord {
    /// Generation it produced.
    pub generation: u64,
    /// Unix epoch milliseconds.
    pub at_ms: u64,
    /// Names of the parameters it changed.
    pub changed: Vec<&'static str>,
}

#[derive(Debug, Default)]
struct Evolution {
    generation: u64,
    history: std::collections::VecDeque<EvolutionRecord>,
}

/// A component of the seed's core as an agent (module docs).
#[derive(Debug)]
pub struct RustAgent<T: AgentCore> {
    id: String,
    core: T,
    started: Instant,
    outcomes: AtomicU64,
    evolution: Mutex<Evolution>,
    faults: Faults,
}

/// Faults pending for the next service calls (`AgentControl.inject_faults`).
#[derive(Debug, Default)]
struct Faults {
    panics: AtomicU32,
    errors: AtomicU32,
    error_code: AtomicU32,
    delayed: AtomicU32,
    latency_ms: AtomicU32,
}

/// Takes one from `n` if it is non-zero.
fn take_one(n: &AtomicU32) -> bool {
    n.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| v.checked_sub(1))
        .is_ok()
}

/// Unix epoch milliseconds: the time the contracts carry (every agent module converts with it).
pub fn epoch_ms() -> u64 {
    epoch_nanos() / 1_000_000
}

/// Unix epoch nanoseconds.
pub fn epoch_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl<T: AgentCore + std::fmt::Debug> RustAgent<T> {
    /// Wraps `core` as an agent with a fresh id (`<type>-<n>`) and opens its mailbox.
    pub fn new(core: T) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = format!("{}-{}", T::TYPE_NAME, NEXT.fetch_add(1, Ordering::Relaxed));
        // A fresh id cannot be taken; the mailbox is best effort (a full bus leaves the agent
        // without one, and its sends and receives say so).
        let _ = bus().open_mailbox(&id, MailboxLimits::default());
        Self {
            id,
            core,
            started: Instant::now(),
            outcomes: AtomicU64::new(0),
            evolution: Mutex::new(Evolution::default()),
            faults: Faults::default(),
        }
    }

    /// Runs one service call: injected faults first (a delay, a panic, an error), then `f`; the
    /// outcome counts in the error rate. Every service method of a `RustAgent` goes through it.
    pub fn call<R>(&self, f: impl FnOnce() -> Result<R, AgentError>) -> Result<R, AgentError> {
        let faults = &self.faults;
        if take_one(&faults.delayed) {
            let ms = faults.latency_ms.load(Ordering::Acquire);
            std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
        }
        if take_one(&faults.panics) {
            self.track::<()>(Err(error(ErrorCode::PANIC, "injected")))
                .ok();
            panic!("{}: injected panic (AgentControl.inject_faults)", self.id);
        }
        if take_one(&faults.errors) {
            let code = u16::try_from(faults.error_code.load(Ordering::Acquire)).unwrap_or(10);
            return self.track(Err(error(
                ErrorCode(code),
                format!("{}: injected error (AgentControl.inject_faults)", self.id),
            )));
        }
        self.track(f())
    }

    /// The agent's id (its mailbox name on the bus).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The wrapped component.
    pub fn core(&self) -> &T {
        &self.core
    }

    /// Counts a call's outcome in the error rate and passes it on.
    pub fn track<R>(&self, result: Result<R, AgentError>) -> Result<R, AgentError> {
        let failed = u64::from(result.is_err());
        let _ = self
            .outcomes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |packed| {
                let (mut calls, mut failures) = (packed >> 32, packed & 0xffff_ffff);
                if calls >= RATE_WINDOW {
                    calls /= 2;
                    failures /= 2;
                }
                Some(((calls + 1) << 32) | (failures + failed))
            });
        result
    }

    /// Failed calls over the recent ones, 0.0–1.0.
    pub fn error_rate(&self) -> f64 {
        let packed = self.outcomes.load(Ordering::Relaxed);
        let (calls, failures) = (packed >> 32, packed & 0xffff_ffff);
        if calls == 0 {
            0.0
        } else {
            failures as f64 / calls as f64
        }
    }

    /// Posts a message from this agent to the mailbox `to` on the library's bus.
    pub fn send_message(
        &self,
        to: &str,
        msg_type: &str,
        payload: Vec<u8>,
    ) -> Result<(), AgentError> {
        let msg = Message::new(to, msg_type, payload).with_sender(&self.id);
        bus()
            .send(msg)
            .map_err(|e| error(ErrorCode(e.error_code()), e.to_string()))
    }

    /// The next message in this agent's mailbox, if any.
    pub fn receive_message(&self) -> Result<Option<Message>, AgentError> {
        bus()
            .receive(&self.id)
            .map_err(|e| error(ErrorCode(e.error_code()), e.to_string()))
    }

    /// The applied parameter sets, oldest first (at most [`EVOLUTION_HISTORY`]).
    pub fn evolution_history(&self) -> Vec<EvolutionRecord> {
        let ev = self
            .evolution
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        ev.history.iter().cloned().collect()
    }

    fn generation(&self) -> u64 {
        self.evolution
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .generation
    }

    /// Validates `req` against the parameters and applies it atomically (`AgentControl.evolve`).
    pub fn evolve(&self, req: EvolveRequest) -> Result<EvolveResponse, AgentError> {
        // One evolve at a time: the check of the generation and the apply are one step.
        let mut ev = self
            .evolution
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if req.expected_generation != 0 && req.expected_generation != ev.generation {
            return Err(error(
                ErrorCode::VERSION_CONFLICT,
                format!(
                    "{}: parameters are at generation {}, the request was evolved from {}",
                    self.id, ev.generation, req.expected_generation
                ),
            ));
        }
        let specs = self.core.parameters();
        let mut values = BTreeMap::new();
        let mut changes = Vec::new();
        for v in req.parameters.unwrap_or_default() {
            let spec = specs.iter().find(|s| s.name == v.name).ok_or_else(|| {
                let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
                error(
                    ErrorCode::INVALID_ARGUMENT,
                    format!(
                        "{} has no parameter {:?} (it has {known:?})",
                        T::TYPE_NAME,
                        v.name
                    ),
                )
            })?;
            let value = match (&spec.kind, v.choice) {
                (ParamKind::Choice(_), Some(c)) => ParamValue::Choice(c),
                (ParamKind::Choice(_), None) => ParamValue::Number(v.number),
                (ParamKind::Number { .. }, Some(c)) if !c.is_empty() => ParamValue::Choice(c),
                (ParamKind::Number { .. }, _) => ParamValue::Number(v.number),
            };
            if let Some(why) = spec.refuse(&value) {
                return Err(error(ErrorCode::INVALID_ARGUMENT, why));
            }
            if values.insert(spec.name, value.clone()).is_some() {
                return Err(error(
                    ErrorCode::INVALID_ARGUMENT,
                    format!("parameter {:?} is given twice", spec.name),
                ));
            }
            if value != spec.value {
                changes.push(ParameterChange {
                    name: spec.name.to_owned(),
                    old_value: Some(Box::new(wire_value(spec.name, &spec.value))),
                    new_value: Some(Box::new(wire_value(spec.name, &value))),
                });
            }
        }
        if req.dry_run || changes.is_empty() {
            return Ok(EvolveResponse {
                changes: Some(changes),
                generation: ev.generation,
            });
        }
        values.retain(|name, _| changes.iter().any(|c| c.name == *name));
        self.core.apply(&values)?;
        ev.generation += 1;
        let record = EvolutionRecord {
            generation: ev.generation,
            at_ms: epoch_ms(),
            changed: values.keys().copied().collect(),
        };
        if ev.history.len() == EVOLUTION_HISTORY {
            ev.history.pop_front();
        }
        ev.history.push_back(record);
        Ok(EvolveResponse {
            changes: Some(changes),
            generation: ev.generation,
        })
    }
}

fn wire_value(name: &str, v: &ParamValue) -> ParameterValue {
    match v {
        ParamValue::Number(n) => ParameterValue {
            name: name.to_owned(),
            number: *n,
            choice: None,
        },
        ParamValue::Choice(c) => ParameterValue {
            name: name.to_owned(),
            number: 0.0,
            choice: Some(c.clone()),
        },
    }
}

impl<T: AgentCore + std::fmt::Debug> RustAgent<T> {
    /// The agent's health: the component's status and checks, uptime, the recent error rate.
    pub fn agent_health(&self) -> AgentHealth {
        let (status, checks, summary) = self.core.status();
        AgentHealth {
            agent_id: self.id.clone(),
            status,
            last_heartbeat_ms: epoch_ms(),
            uptime_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            error_rate: self.error_rate(),
            message: Some(format!(
                "{} generation {}{}{summary}",
                T::TYPE_NAME,
                self.generation(),
                if summary.is_empty() { "" } else { ": " }
            )),
            checks: Some(checks),
        }
    }

    /// A message delivered through `hms_agent_send_message`, handed to the component.
    pub fn agent_message(&self, msg: AgentMessage) -> Result<AgentMessage, AgentError> {
        self.track(self.core.on_message(msg))
    }
}

/// `Agent` for `RustAgent<$core>`: the generated `Agent` trait requires the concrete type's
/// `AgentServices`, which `hms_contracts::agents!` writes per registered type, so it is one impl
/// per component rather than a generic one.
#[macro_export]
macro_rules! rust_agent {
    ($core:ty) => {
        impl ::hms_contracts::agent::Agent for $crate::rust_agent::RustAgent<$core> {
            fn health(&self) -> ::hms_contracts::hms::AgentHealth {
                self.agent_health()
            }

            fn send_message(
                &self,
                msg: ::hms_contracts::hms::AgentMessage,
            ) -> Result<::hms_contracts::hms::AgentMessage, ::hms_contracts::hms::AgentError> {
                self.agent_message(msg)
            }
        }
    };
}

impl<T: AgentCore + std::fmt::Debug> AgentControl for RustAgent<T> {
    fn get_parameters(&self, _req: Empty) -> Result<ParameterSet, AgentError> {
        let parameters = self
            .core
            .parameters()
            .into_iter()
            .map(|p| {
                let (min, max, integer, choices) = match p.kind {
                    ParamKind::Number { min, max, integer } => (min, max, integer, None),
                    ParamKind::Choice(options) => (
                        0.0,
                        0.0,
                        false,
                        Some(options.iter().map(|&o| o.to_owned()).collect()),
                    ),
                };
                ParameterSpec {
                    name: p.name.to_owned(),
                    description: Some(p.description.to_owned()),
                    min,
                    max,
                    integer,
                    choices,
                    current: Some(Box::new(wire_value(p.name, &p.value))),
                }
            })
            .collect();
        Ok(ParameterSet {
            agent_type: Some(T::TYPE_NAME.to_owned()),
            generation: self.generation(),
            parameters: Some(parameters),
        })
    }

    fn evolve(&self, req: EvolveRequest) -> Result<EvolveResponse, AgentError> {
        self.track(RustAgent::evolve(self, req))
    }

    fn export_state(&self, _req: Empty) -> Result<AgentState, AgentError> {
        let ev = self
            .evolution
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(AgentState {
            agent_type: T::TYPE_NAME.to_owned(),
            state_version: T::STATE_VERSION,
            generation: ev.generation,
            parameters: Some(
                self.core
                    .parameters()
                    .iter()
                    .map(|p| wire_value(p.name, &p.value))
                    .collect(),
            ),
            state: Some(self.core.export_state()),
        })
    }

    fn inject_faults(&self, req: FaultInjection) -> Result<Ack, AgentError> {
        let f = &self.faults;
        f.error_code
            .store(u32::from(req.error_code.0), Ordering::Release);
        f.latency_ms.store(req.latency_ms, Ordering::Release);
        f.delayed.store(req.delayed, Ordering::Release);
        f.errors.store(req.errors, Ordering::Release);
        f.panics.store(req.panics, Ordering::Release);
        Ok(Ack {
            ok: true,
            message: None,
        })
    }

    fn import_state(&self, req: AgentState) -> Result<Ack, AgentError> {
        if req.agent_type != T::TYPE_NAME {
            return Err(error(
                ErrorCode::INVALID_ARGUMENT,
                format!(
                    "state of a {:?} agent cannot be imported into a {:?}",
                    req.agent_type,
                    T::TYPE_NAME
                ),
            ));
        }
        if req.state_version != T::STATE_VERSION {
            return Err(error(
                ErrorCode::FAILED_PRECONDITION,
                format!(
                    "{} state version {} cannot be imported (this version reads {})",
                    T::TYPE_NAME,
                    req.state_version,
                    T::STATE_VERSION
                ),
            ));
        }
        // The parameters first (validated like an evolve), then the state; a failure of the
        // state's import leaves the parameters of the import in place but reports the failure.
        let params = EvolveRequest {
            parameters: req.parameters,
            dry_run: false,
            expected_generation: 0,
        };
        RustAgent::evolve(self, params)?;
        self.core
            .import_state(req.state.as_deref().unwrap_or_default())?;
        self.evolution
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .generation = req.generation;
        Ok(Ack {
            ok: true,
            message: None,
        })
    }
}
