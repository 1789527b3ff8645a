//! The `hms.config.ConfigurationManager` agent (idl/configuration_manager.fbs) over
//! `hms_core::config::ConfigurationManager`: typed entries validated by the rules of its
//! configuration (`ConfigManagerConfig`), compare-and-set by version, and `watch_config` long polls
//! that park without a thread: the rpc is `(deferred)`, so a waiting async call holds neither a
//! worker of the library's pool nor a thread of its own. One timer thread per agent answers the
//! polls whose timeout passed; it is joined when the agent is destroyed, after every parked poll
//! has been answered (`Cancelled`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use hms_contracts::agent::{error, Reply};
use hms_contracts::hms::config::{
    BoolValue, ChangeKind, ConfigChange, ConfigEntry, ConfigManagerConfig, ConfigSnapshot,
    ConfigValue, ConfigurationManager, DeleteConfigRequest, DeleteConfigResponse, DoubleValue,
    GetConfigRequest, GetConfigResponse, IntValue, SetConfigRequest, SetConfigResponse,
    StringValue, WatchConfigRequest, WatchConfigResponse,
};
use hms_contracts::hms::{AgentError, ErrorCode, HealthCheck, HealthStatus};
use hms_core::clock::{SharedClock, SystemClock};
use hms_core::config as core;

use crate::rust_agent::{epoch_ms, AgentCore, Param, ParamValue, RustAgent};

/// Type name of this agent (its registration in `lib.rs`).
pub const TYPE_NAME: &str = "configuration-manager";

/// The ConfigurationManager agent.
pub type ConfigAgent = RustAgent<ConfigCore>;

/// The longest a watch may wait, whatever it asks for (an evolvable parameter's range).
const MAX_WATCH_TIMEOUT_MS: f64 = 3_600_000.0;

/// The store, its timer, and the evolvable cap on watch timeouts.
#[derive(Debug)]
pub struct ConfigCore {
    manager: Arc<core::ConfigurationManager>,
    timer: Timer,
    watch_timeout_cap_ms: AtomicU64,
}

fn config_error(e: &core::ConfigError) -> AgentError {
    error(ErrorCode(e.code()), e.to_string())
}

fn invalid(message: impl Into<String>) -> AgentError {
    error(ErrorCode::INVALID_ARGUMENT, message)
}

/// The store's schema from the agent's configuration rules.
fn schema(config: &ConfigManagerConfig) -> Result<core::Schema, AgentError> {
    let mut specs = Vec::new();
    for (i, r) in config.rules.iter().flatten().enumerate() {
        let mut spec = core::RuleSpec::new(core::KeySelector::parse(&r.selector));
        let ty = match r.type_.as_deref().filter(|t| !t.is_empty()) {
            Some(name) => Some(core::ValueType::from_name(name).ok_or_else(|| {
                invalid(format!("rule {i} ({}): unknown type {name:?}", r.selector))
            })?),
            None => None,
        };
        if let Some(ty) = ty {
            spec = spec.of_type(ty);
        }
        if r.min.is_some() || r.max.is_some() {
            spec = match ty {
                // Whole-number bounds of an int rule (a fraction would be a schema error).
                Some(core::ValueType::Int) => {
                    spec.int_range(r.min.map(|v| v as i64), r.max.map(|v| v as i64))
                }
                _ => spec.double_range(r.min, r.max),
            };
        }
        if let Some(allowed) = r.allowed.as_ref().filter(|a| !a.is_empty()) {
            let ty = ty.unwrap_or(core::ValueType::String);
            let values = allowed
                .iter()
                .map(|a| core::ConfigValue::parse_as(ty, a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| invalid(format!("rule {i} ({}): {e}", r.selector)))?;
            spec = spec.one_of(values);
        }
        if let Some(p) = r.pattern.as_deref().filter(|p| !p.is_empty()) {
            spec = spec.pattern(p);
        }
        if r.required {
            spec = spec.required();
        }
        specs.push(spec);
    }
    core::Schema::new(specs).map_err(|e| invalid(e.to_string()))
}

impl ConfigCore {
    /// A store with the rules of `config` (a `hms.config.ConfigManagerConfig`; empty = no rules).
    pub fn create(config: &[u8]) -> Result<ConfigAgent, AgentError> {
        let config = if config.is_empty() {
            ConfigManagerConfig::default()
        } else {
            ConfigManagerConfig::decode(config)
                .map_err(|e| invalid(format!("configuration: {e}")))?
        };
        let clock: SharedClock = SystemClock::shared();
        let options = core::ConfigOptions {
            // The store's clock is monotonic; the contract's times are the epoch's.
            epoch_offset_ms: epoch_ms().saturating_sub(clock.now_millis()),
            ..core::ConfigOptions::default()
        };
        let manager = core::ConfigurationManager::new(schema(&config)?, options, clock.clone())
            .map_err(|e| config_error(&e))?;
        let manager = Arc::new(manager);
        Ok(RustAgent::new(Self {
            timer: Timer::start(manager.clone(), clock),
            manager,
            watch_timeout_cap_ms: AtomicU64::new(300_000),
        }))
    }
}

/// Answers the parked polls whose deadline passed: one thread per agent, asleep until the
/// earliest deadline (or a second, or a poke when a poll parks).
#[derive(Debug)]
struct Timer {
    shared: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Timer {
    fn start(manager: Arc<core::ConfigurationManager>, clock: SharedClock) -> Self {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("hms-config-timer".to_owned())
            .spawn(move || {
                let (stop, wake) = &*state;
                let mut stopped = stop.lock().unwrap_or_else(PoisonError::into_inner);
                while !*stopped {
                    drop(stopped);
                    let now = clock.now_nanos();
                    manager.expire(now);
                    let wait = manager
                        .next_deadline()
                        .map_or(1_000_000_000, |d| d.saturating_sub(now))
                        .clamp(1, 1_000_000_000);
                    stopped = stop.lock().unwrap_or_else(PoisonError::into_inner);
                    if !*stopped {
                        stopped = wake
                            .wait_timeout(stopped, Duration::from_nanos(wait))
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                    }
                }
            })
            .ok();
        Self { shared, thread }
    }

    fn poke(&self) {
        self.shared.1.notify_one();
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        *self.shared.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.1.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ConfigCore {
    fn drop(&mut self) {
        // Every parked poll gets its answer (Cancelled) before the agent is gone.
        self.manager.cancel_all();
    }
}

fn value_from_wire(v: &ConfigValue) -> Result<core::ConfigValue, AgentError> {
    Ok(match v {
        ConfigValue::StringValue(s) => {
            core::ConfigValue::String(s.value.clone().unwrap_or_default())
        }
        ConfigValue::IntValue(i) => core::ConfigValue::Int(i.value),
        ConfigValue::DoubleValue(d) => core::ConfigValue::Double(d.value),
        ConfigValue::BoolValue(b) => core::ConfigValue::Bool(b.value),
        ConfigValue::None | ConfigValue::Unknown(_) => {
            return Err(invalid(
                "value: a StringValue, IntValue, DoubleValue or BoolValue is required",
            ))
        }
    })
}

fn value_to_wire(v: &core::ConfigValue) -> ConfigValue {
    match v {
        core::ConfigValue::String(s) => ConfigValue::StringValue(Box::new(StringValue {
            value: Some(s.clone()),
        })),
        core::ConfigValue::Int(i) => ConfigValue::IntValue(Box::new(IntValue { value: *i })),
        core::ConfigValue::Double(d) => {
            ConfigValue::DoubleValue(Box::new(DoubleValue { value: *d }))
        }
        core::ConfigValue::Bool(b) => ConfigValue::BoolValue(Box::new(BoolValue { value: *b })),
    }
}

fn entry_to_wire(e: &core::ConfigEntry) -> ConfigEntry {
    ConfigEntry {
        key: e.key.clone(),
        value: Some(e.value.canonical()),
        version: e.version,
        typed_value: value_to_wire(&e.value),
        updated_at_ms: e.updated_at_ms,
        updated_by: Some(e.updated_by.clone()).filter(|b| !b.is_empty()),
    }
}

fn change_to_wire(c: &core::ConfigChange) -> ConfigChange {
    ConfigChange {
        kind: ChangeKind(c.kind.as_u8()),
        entry: Some(Box::new(entry_to_wire(&c.entry))),
        revision: c.revision,
    }
}

fn watch_to_wire(r: &core::WatchResponse) -> WatchConfigResponse {
    WatchConfigResponse {
        changes: Some(r.changes.iter().map(change_to_wire).collect()),
        revision: r.revision,
    }
}

impl AgentCore for ConfigCore {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const STATE_VERSION: u32 = 1;

    fn parameters(&self) -> Vec<Param> {
        vec![Param::integer(
            "watch_timeout_cap_ms",
            "the longest a watch_config poll waits, whatever it asks for",
            1.0,
            MAX_WATCH_TIMEOUT_MS,
            self.watch_timeout_cap_ms.load(Ordering::Relaxed) as f64,
        )]
    }

    fn apply(&self, values: &BTreeMap<&'static str, ParamValue>) -> Result<(), AgentError> {
        if let Some(ParamValue::Number(v)) = values.get("watch_timeout_cap_ms") {
            self.watch_timeout_cap_ms
                .store(*v as u64, Ordering::Relaxed);
        }
        Ok(())
    }

    /// A `hms.config.ConfigSnapshot` (entries and revision; the change history stays behind, so
    /// a watch of the next version from an older revision is answered `Compacted`).
    fn export_state(&self) -> Vec<u8> {
        let s = self.manager.export();
        ConfigSnapshot {
            revision: s.revision,
            entries: Some(s.entries.iter().map(entry_to_wire).collect()),
        }
        .encode()
    }

    fn import_state(&self, state: &[u8]) -> Result<(), AgentError> {
        if state.is_empty() {
            return Ok(());
        }
        let s = ConfigSnapshot::decode(state).map_err(|e| invalid(format!("state: {e}")))?;
        let mut entries = Vec::new();
        for e in s.entries.unwrap_or_default() {
            entries.push(core::ConfigEntry {
                value: value_from_wire(&e.typed_value)?,
                key: e.key,
                version: e.version,
                create_revision: 0,
                mod_revision: 0,
                created_at_ms: e.updated_at_ms,
                updated_at_ms: e.updated_at_ms,
                updated_by: e.updated_by.unwrap_or_default(),
            });
        }
        self.manager
            .import(core::ConfigSnapshot {
                revision: s.revision,
                compacted_revision: s.revision,
                entries,
                history: Vec::new(),
            })
            .map_err(|e| config_error(&e))
    }

    fn status(&self) -> (HealthStatus, Vec<HealthCheck>, String) {
        let stats = self.manager.stats();
        (
            HealthStatus::HEALTHY,
            Vec::new(),
            format!("revision {}, {stats:?}", self.manager.revision()),
        )
    }
}

crate::rust_agent!(ConfigCore);

impl ConfigurationManager for ConfigAgent {
    fn get_config(&self, req: GetConfigRequest) -> Result<GetConfigResponse, AgentError> {
        self.call(|| {
            let r = self.core().manager.get(&core::GetRequest {
                keys: req.keys.unwrap_or_default(),
                // The contract's empty prefix means "no prefix".
                prefix: req.prefix.filter(|p| !p.is_empty()),
            });
            Ok(GetConfigResponse {
                entries: Some(r.entries.iter().map(entry_to_wire).collect()),
                revision: r.revision,
            })
        })
    }

    fn set_config(&self, req: SetConfigRequest) -> Result<SetConfigResponse, AgentError> {
        self.call(|| {
            let r = self
                .core()
                .manager
                .set(core::SetRequest {
                    value: value_from_wire(&req.value)?,
                    key: req.key,
                    expected_version: req.expected_version,
                    updated_by: req.updated_by.unwrap_or_default(),
                })
                .map_err(|e| config_error(&e))?;
            Ok(SetConfigResponse {
                entry: Some(Box::new(entry_to_wire(&r.entry))),
                previous_version: r.previous_version,
            })
        })
    }

    fn delete_config(&self, req: DeleteConfigRequest) -> Result<DeleteConfigResponse, AgentError> {
        self.call(|| {
            let r = self
                .core()
                .manager
                .delete(core::DeleteRequest {
                    key: req.key,
                    expected_version: req.expected_version,
                    deleted_by: String::new(),
                })
                .map_err(|e| config_error(&e))?;
            Ok(DeleteConfigResponse {
                deleted: r.deleted,
                revision: r.revision,
            })
        })
    }

    fn watch_config(&self, req: WatchConfigRequest, reply: Reply<WatchConfigResponse>) {
        // Injected faults and the error rate apply when the poll starts.
        if let Err(e) = self.call(|| Ok(())) {
            return reply.send(Err(e));
        }
        let core = self.core();
        let cap = core.watch_timeout_cap_ms.load(Ordering::Relaxed);
        let deadline = core
            .manager
            .deadline_after_ms(u64::from(req.timeout_ms).min(cap));
        let request = core::WatchRequest {
            target: core::WatchTarget::Prefix(req.prefix.unwrap_or_default()),
            after_revision: req.after_revision,
            events: core::WatchEvents::from_bits(req.events.0),
            max_changes: usize::try_from(req.max_changes).unwrap_or(usize::MAX),
        };
        // The reply goes to whichever answers first: the store now, or the poll's callback
        // later (a change, the timeout, or the agent's destruction).
        let slot = Arc::new(Mutex::new(Some(reply)));
        let parked = slot.clone();
        let callback: core::WatchCallback = Box::new(move |outcome| {
            let reply = parked.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(reply) = reply {
                reply.send(match outcome {
                    core::WatchOutcome::Changes(r) | core::WatchOutcome::TimedOut(r) => {
                        Ok(watch_to_wire(&r))
                    }
                    core::WatchOutcome::Cancelled => Err(error(
                        ErrorCode::CANCELLED,
                        "the configuration manager was destroyed during the watch",
                    )),
                });
            }
        });
        let answer = match core.manager.watch(request, deadline, callback) {
            Ok(core::WatchStart::Parked(_)) => {
                core.timer.poke();
                return;
            }
            Ok(core::WatchStart::Ready(r)) => Ok(watch_to_wire(&r)),
            Err(e) => Err(config_error(&e)),
        };
        let reply = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(reply) = reply {
            reply.send(answer);
        }
    }
}
