//! Alerts: what the monitor raises when a detector flags a sample or an agent misses a deadline.
//!
//! - **De-duplication**: an alert is identified by (agent, metric, [`AlertKind`]). While one is
//!   active, raising the same key again updates it (count + 1, latest value and score, the
//!   highest severity seen) instead of creating another.
//! - **Rate limiting**: at most `max_new_per_window` *new* alerts per agent in any sliding window
//!   of `rate_window_nanos` (a sliding log of the last N creation times: an alert created at `t`
//!   stops counting at `t + window`, exactly). Raises beyond that are suppressed, counted per agent
//!   and in [`AlertStats::suppressed`], and create nothing. De-duplicated raises are never
//!   limited: they create nothing new.
//! - **Resolution**: automatically after `resolve_after_normal` consecutive normal samples of the
//!   key's metric ([`AlertManager::observe_normal`]; an anomalous one restarts the count), or
//!   explicitly ([`AlertManager::resolve`], [`AlertManager::resolve_matching`]). A resolved alert
//!   moves to a bounded history (a ring of `history_capacity`); the next raise of its key creates a
//!   new alert.
//! - **Bounds**: at most `max_active` active alerts (past it raises are dropped and counted), at
//!   most `max_agents` agents with alert state (each holding at most `max_new_per_window`
//!   timestamps), `history_capacity` resolved alerts. Per-agent state lives until
//!   [`AlertManager::remove_agent`].

use std::collections::{BTreeMap, VecDeque};

use super::detector::{DetectorKind, Severity};
use super::series::RingBuffer;
use super::HealthError;

/// Largest `max_new_per_window` accepted (it sizes each agent's log of creation times).
pub const MAX_NEW_PER_WINDOW: u32 = 4096;

/// What an alert is about; part of its de-duplication key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertKind {
    /// A detector of this kind flagged the metric.
    Anomaly(DetectorKind),
    /// The agent missed one or more heartbeat deadlines (metric: `"heartbeat"`).
    MissedHeartbeat,
}

/// Why an alert was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolveCause {
    /// `resolve_after_normal` consecutive normal samples.
    NormalSamples,
    /// A heartbeat arrived (for [`AlertKind::MissedHeartbeat`]).
    Heartbeat,
    /// Resolved by an explicit call.
    Explicit,
    /// The agent re-registered: its liveness history starts over.
    Reregistered,
    /// The agent was deregistered.
    AgentRemoved,
}

/// When and why an alert was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resolution {
    /// Clock time of the resolution, nanoseconds.
    pub at_nanos: u64,
    /// Why.
    pub cause: ResolveCause,
}

/// One alert, active or resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Unique id, increasing in creation order.
    pub id: u64,
    /// The agent it is about.
    pub agent_id: String,
    /// The metric (signal) it is about; `"heartbeat"` for missed deadlines.
    pub metric: String,
    /// What it is about.
    pub kind: AlertKind,
    /// The highest severity raised while it was active.
    pub severity: Severity,
    /// Raises folded into it (1 at creation).
    pub count: u64,
    /// Clock time of the first raise, nanoseconds.
    pub first_at_nanos: u64,
    /// Clock time of the latest raise, nanoseconds.
    pub last_at_nanos: u64,
    /// Value of the latest raise.
    pub last_value: f64,
    /// Score of the latest raise.
    pub last_score: f64,
    /// Message of the latest raise.
    pub message: String,
    /// Consecutive normal samples since the latest raise.
    pub normal_streak: u32,
    /// Set once resolved.
    pub resolved: Option<Resolution>,
}

/// A raise request.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInput<'a> {
    /// The agent.
    pub agent_id: &'a str,
    /// The metric.
    pub metric: &'a str,
    /// What it is about.
    pub kind: AlertKind,
    /// How bad.
    pub severity: Severity,
    /// The observed value.
    pub value: f64,
    /// The detector's score (or the missed-deadline count).
    pub score: f64,
    /// Human-readable description.
    pub message: String,
}

/// Why a raise created nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuppressReason {
    /// The agent already had `max_new_per_window` new alerts in the window.
    RateLimited,
    /// `max_active` alerts are active.
    TooManyActive,
    /// `max_agents` agents have alert state and this one is new.
    TooManyAgents,
}

/// What [`AlertManager::raise`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RaiseOutcome {
    /// A new alert was created.
    New {
        /// Its id.
        id: u64,
    },
    /// An active alert with the same key absorbed the raise.
    Deduplicated {
        /// Its id.
        id: u64,
        /// Its count after this raise.
        count: u64,
    },
    /// Nothing was created.
    Suppressed {
        /// Why.
        reason: SuppressReason,
    },
}

/// Alert-manager settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertConfig {
    /// Most new alerts per agent per window, 1 ..= [`MAX_NEW_PER_WINDOW`]. Default 10.
    pub max_new_per_window: u32,
    /// The rate-limit window, nanoseconds (> 0). Default 60 s.
    pub rate_window_nanos: u64,
    /// Consecutive normal samples that resolve an anomaly alert (≥ 1). Default 5. The monitor also
    /// keeps an agent Degraded until each anomalous signal has had this many normal samples.
    pub resolve_after_normal: u32,
    /// Resolved alerts kept (≥ 1). Default 256.
    pub history_capacity: usize,
    /// Most active alerts (≥ 1). Default 1024.
    pub max_active: usize,
    /// Most agents with alert state (≥ 1). Default 4096, as [`super::SeriesLimits::max_agents`].
    pub max_agents: usize,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self {
            max_new_per_window: 10,
            rate_window_nanos: 60_000_000_000,
            resolve_after_normal: 5,
            history_capacity: 256,
            max_active: 1024,
            max_agents: 4096,
        }
    }
}

impl AlertConfig {
    /// Checks the ranges documented on the fields.
    ///
    /// # Errors
    ///
    /// [`HealthError::InvalidArgument`] naming the offending field.
    pub fn validate(&self) -> Result<(), HealthError> {
        let bad = |why: &str| Err(HealthError::InvalidArgument(why.to_owned()));
        if !(1..=MAX_NEW_PER_WINDOW).contains(&self.max_new_per_window) {
            return bad("max_new_per_window must be in 1..=4096");
        }
        if self.rate_window_nanos == 0 {
            return bad("rate_window_nanos must be > 0");
        }
        if self.resolve_after_normal == 0 {
            return bad("resolve_after_normal must be ≥ 1");
        }
        if self.history_capacity == 0 || self.max_active == 0 || self.max_agents == 0 {
            return bad("history_capacity, max_active and max_agents must be ≥ 1");
        }
        Ok(())
    }
}

/// Counters since construction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertStats {
    /// New alerts created.
    pub created: u64,
    /// Raises absorbed by an active alert.
    pub deduplicated: u64,
    /// Raises suppressed by the rate limit.
    pub suppressed: u64,
    /// Raises dropped because `max_active` or `max_agents` was reached.
    pub dropped: u64,
    /// Alerts resolved.
    pub resolved: u64,
    /// Resolved alerts pushed out of the history.
    pub history_evicted: u64,
}

#[derive(Debug, Default)]
struct AgentAlerts {
    /// Ids of the agent's active alerts (few: one per metric and kind at most).
    active: Vec<u64>,
    /// Creation times of the agent's new alerts inside the window, oldest first.
    recent_new: VecDeque<u64>,
    suppressed: u64,
}

/// De-duplicates, rate-limits and resolves alerts (see the module docs).
#[derive(Debug)]
pub struct AlertManager {
    config: AlertConfig,
    next_id: u64,
    active: BTreeMap<u64, Alert>,
    agents: BTreeMap<String, AgentAlerts>,
    history: RingBuffer<Alert>,
    stats: AlertStats,
}

impl AlertManager {
    /// An empty manager.
    ///
    /// # Errors
    ///
    /// As [`AlertConfig::validate`].
    pub fn new(config: AlertConfig) -> Result<Self, HealthError> {
        config.validate()?;
        Ok(Self {
            config,
            next_id: 1,
            active: BTreeMap::new(),
            agents: BTreeMap::new(),
            history: RingBuffer::new(config.history_capacity),
            stats: AlertStats::default(),
        })
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &AlertConfig {
        &self.config
    }

    fn find(&self, agent: &str, metric: &str, kind: AlertKind) -> Option<u64> {
        let state = self.agents.get(agent)?;
        state.active.iter().copied().find(|id| {
            let a = &self.active[id];
            a.kind == kind && a.metric == metric
        })
    }

    /// Raises an alert at `now` (nanoseconds): de-duplicated, rate-limited and bounded as the
    /// module docs say.
    pub fn raise(&mut self, now: u64, input: AlertInput<'_>) -> RaiseOutcome {
        if let Some(id) = self.find(input.agent_id, input.metric, input.kind) {
            let a = self.active.get_mut(&id).expect("indexed ids are active");
            a.count += 1;
            a.last_at_nanos = now;
            a.last_value = input.value;
            a.last_score = input.score;
            a.severity = a.severity.max(input.severity);
            a.message = input.message;
            a.normal_streak = 0;
            self.stats.deduplicated += 1;
            return RaiseOutcome::Deduplicated { id, count: a.count };
        }
        if !self.agents.contains_key(input.agent_id) {
            if self.agents.len() >= self.config.max_agents {
                self.stats.dropped += 1;
                return RaiseOutcome::Suppressed {
                    reason: SuppressReason::TooManyAgents,
                };
            }
            self.agents
                .insert(input.agent_id.to_owned(), AgentAlerts::default());
        }
        let window = self.config.rate_window_nanos;
        let state = self
            .agents
            .get_mut(input.agent_id)
            .expect("the agent's state exists: it was found or just inserted");
        while state
            .recent_new
            .front()
            .is_some_and(|&t| now.saturating_sub(t) >= window)
        {
            state.recent_new.pop_front();
        }
        if state.recent_new.len() >= self.config.max_new_per_window as usize {
            state.suppressed += 1;
            self.stats.suppressed += 1;
            return RaiseOutcome::Suppressed {
                reason: SuppressReason::RateLimited,
            };
        }
        if self.active.len() >= self.config.max_active {
            self.stats.dropped += 1;
            return RaiseOutcome::Suppressed {
                reason: SuppressReason::TooManyActive,
            };
        }
        let id = self.next_id;
        self.next_id += 1;
        state.recent_new.push_back(now);
        state.active.push(id);
        self.active.insert(
            id,
            Alert {
                id,
                agent_id: input.agent_id.to_owned(),
                metric: input.metric.to_owned(),
                kind: input.kind,
                severity: input.severity,
                count: 1,
                first_at_nanos: now,
                last_at_nanos: now,
                last_value: input.value,
                last_score: input.score,
                message: input.message,
                normal_streak: 0,
                resolved: None,
            },
        );
        self.stats.created += 1;
        RaiseOutcome::New { id }
    }

    /// Records a normal sample of `agent`/`metric` for alerts of `kind`: the active one (if any)
    /// is resolved once it has seen `resolve_after_normal` in a row. Returns its id if resolved.
    pub fn observe_normal(
        &mut self,
        now: u64,
        agent: &str,
        metric: &str,
        kind: AlertKind,
    ) -> Option<u64> {
        let id = self.find(agent, metric, kind)?;
        let a = self.active.get_mut(&id).expect("indexed ids are active");
        a.normal_streak += 1;
        if a.normal_streak >= self.config.resolve_after_normal {
            self.resolve_with(now, id, ResolveCause::NormalSamples);
            return Some(id);
        }
        None
    }

    /// Resolves the active alert `id` explicitly; false if no such alert is active.
    pub fn resolve(&mut self, now: u64, id: u64) -> bool {
        self.resolve_with(now, id, ResolveCause::Explicit)
    }

    /// Resolves the active alert with this key, if any; returns its id.
    pub fn resolve_matching(
        &mut self,
        now: u64,
        agent: &str,
        metric: &str,
        kind: AlertKind,
        cause: ResolveCause,
    ) -> Option<u64> {
        let id = self.find(agent, metric, kind)?;
        self.resolve_with(now, id, cause);
        Some(id)
    }

    fn resolve_with(&mut self, now: u64, id: u64, cause: ResolveCause) -> bool {
        let Some(mut alert) = self.active.remove(&id) else {
            return false;
        };
        if let Some(state) = self.agents.get_mut(&alert.agent_id) {
            state.active.retain(|&a| a != id);
        }
        alert.resolved = Some(Resolution {
            at_nanos: now,
            cause,
        });
        if self.history.push(alert).is_some() {
            self.stats.history_evicted += 1;
        }
        self.stats.resolved += 1;
        true
    }

    /// Resolves every active alert of `agent` (cause [`ResolveCause::AgentRemoved`]) and forgets
    /// its rate-limit state; returns how many alerts were resolved.
    pub fn remove_agent(&mut self, now: u64, agent: &str) -> usize {
        let Some(state) = self.agents.remove(agent) else {
            return 0;
        };
        for &id in &state.active {
            // The agent's state is already gone, so resolve_with's retain is a no-op.
            self.resolve_with(now, id, ResolveCause::AgentRemoved);
        }
        state.active.len()
    }

    /// The alert `id`, active or still in the history.
    #[must_use]
    pub fn get(&self, id: u64) -> Option<&Alert> {
        self.active
            .get(&id)
            .or_else(|| self.history.iter().find(|a| a.id == id))
    }

    /// Active alerts, oldest first.
    pub fn active(&self) -> impl Iterator<Item = &Alert> + '_ {
        self.active.values()
    }

    /// Active alerts of `agent`, oldest first.
    pub fn active_for<'a>(&'a self, agent: &str) -> impl Iterator<Item = &'a Alert> + 'a {
        self.agents
            .get(agent)
            .into_iter()
            .flat_map(move |s| s.active.iter().map(move |id| &self.active[id]))
    }

    /// Number of active alerts.
    #[must_use]
    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    /// Resolved alerts still held, newest first.
    pub fn history(&self) -> impl Iterator<Item = &Alert> + '_ {
        self.history.iter().rev()
    }

    /// Raises of `agent` the rate limit suppressed (0 for an agent without alert state).
    #[must_use]
    pub fn suppressed_for(&self, agent: &str) -> u64 {
        self.agents.get(agent).map_or(0, |s| s.suppressed)
    }

    /// Counters since construction.
    #[must_use]
    pub fn stats(&self) -> AlertStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;
    const EWMA: AlertKind = AlertKind::Anomaly(DetectorKind::EwmaZScore);

    fn input<'a>(agent: &'a str, metric: &'a str, severity: Severity) -> AlertInput<'a> {
        AlertInput {
            agent_id: agent,
            metric,
            kind: EWMA,
            severity,
            value: 1.0,
            score: 4.0,
            message: format!("{metric} anomalous"),
        }
    }

    fn manager(config: AlertConfig) -> AlertManager {
        AlertManager::new(config).unwrap()
    }

    #[test]
    fn the_same_key_while_active_is_one_alert_with_a_count() {
        let mut m = manager(AlertConfig::default());
        let RaiseOutcome::New { id } = m.raise(0, input("a", "cpu", Severity::Warning)) else {
            panic!("first raise creates")
        };
        assert_eq!(
            m.raise(SEC, input("a", "cpu", Severity::Critical)),
            RaiseOutcome::Deduplicated { id, count: 2 }
        );
        assert_eq!(
            m.raise(2 * SEC, input("a", "cpu", Severity::Warning)),
            RaiseOutcome::Deduplicated { id, count: 3 }
        );
        let a = m.get(id).unwrap();
        assert_eq!(
            (a.count, a.severity, a.first_at_nanos, a.last_at_nanos),
            (3, Severity::Critical, 0, 2 * SEC)
        );
        // A different metric, kind or agent is a different alert.
        assert!(matches!(
            m.raise(0, input("a", "mem", Severity::Warning)),
            RaiseOutcome::New { .. }
        ));
        let cusum = AlertInput {
            kind: AlertKind::Anomaly(DetectorKind::Cusum),
            ..input("a", "cpu", Severity::Warning)
        };
        assert!(matches!(m.raise(0, cusum), RaiseOutcome::New { .. }));
        assert!(matches!(
            m.raise(0, input("b", "cpu", Severity::Warning)),
            RaiseOutcome::New { .. }
        ));
        assert_eq!(m.active_count(), 4);
        assert_eq!(m.active_for("a").count(), 3);
        assert_eq!(m.stats().deduplicated, 2);
        assert_eq!(m.stats().created, 4);
    }

    #[test]
    fn at_most_n_new_alerts_per_agent_per_window_and_the_rest_are_counted() {
        let cfg = AlertConfig {
            max_new_per_window: 3,
            rate_window_nanos: 60 * SEC,
            ..AlertConfig::default()
        };
        let mut m = manager(cfg);
        for (i, metric) in ["m0", "m1", "m2"].into_iter().enumerate() {
            let t = i as u64 * SEC;
            assert!(matches!(
                m.raise(t, input("a", metric, Severity::Warning)),
                RaiseOutcome::New { .. }
            ));
        }
        let limited = RaiseOutcome::Suppressed {
            reason: SuppressReason::RateLimited,
        };
        assert_eq!(
            m.raise(10 * SEC, input("a", "m3", Severity::Warning)),
            limited
        );
        assert_eq!(
            m.raise(11 * SEC, input("a", "m4", Severity::Warning)),
            limited
        );
        // De-duplication is not limited, and other agents have their own budget.
        assert!(matches!(
            m.raise(12 * SEC, input("a", "m0", Severity::Warning)),
            RaiseOutcome::Deduplicated { .. }
        ));
        assert!(matches!(
            m.raise(12 * SEC, input("b", "m3", Severity::Warning)),
            RaiseOutcome::New { .. }
        ));
        // The first creation (t = 0) leaves the window at exactly t = 60 s.
        assert_eq!(
            m.raise(60 * SEC - 1, input("a", "m3", Severity::Warning)),
            limited
        );
        assert!(matches!(
            m.raise(60 * SEC, input("a", "m3", Severity::Warning)),
            RaiseOutcome::New { .. }
        ));
        assert_eq!(
            m.raise(60 * SEC, input("a", "m4", Severity::Warning)),
            limited
        );
        assert_eq!((m.suppressed_for("a"), m.suppressed_for("b")), (4, 0));
        assert_eq!(m.stats().suppressed, 4);
        assert_eq!(
            m.active_for("a").count(),
            4,
            "suppressed raises created nothing"
        );
    }

    #[test]
    fn alerts_resolve_after_m_normal_samples_or_explicitly() {
        let cfg = AlertConfig {
            resolve_after_normal: 3,
            ..AlertConfig::default()
        };
        let mut m = manager(cfg);
        let RaiseOutcome::New { id } = m.raise(0, input("a", "cpu", Severity::Warning)) else {
            panic!()
        };
        assert_eq!(m.observe_normal(1, "a", "cpu", EWMA), None);
        assert_eq!(m.observe_normal(2, "a", "cpu", EWMA), None);
        // An anomalous sample in between restarts the count.
        m.raise(3, input("a", "cpu", Severity::Warning));
        assert_eq!(m.observe_normal(4, "a", "cpu", EWMA), None);
        assert_eq!(m.observe_normal(5, "a", "cpu", EWMA), None);
        assert_eq!(
            m.observe_normal(5, "a", "mem", EWMA),
            None,
            "another metric does not count"
        );
        assert_eq!(m.observe_normal(6, "a", "cpu", EWMA), Some(id));
        let a = m.get(id).unwrap();
        assert_eq!(
            a.resolved,
            Some(Resolution {
                at_nanos: 6,
                cause: ResolveCause::NormalSamples
            })
        );
        assert_eq!(m.active_count(), 0);
        // The key raises a fresh alert now.
        let RaiseOutcome::New { id: id2 } = m.raise(7, input("a", "cpu", Severity::Warning)) else {
            panic!()
        };
        assert_ne!(id, id2);
        assert!(m.resolve(8, id2));
        assert!(!m.resolve(8, id2), "already resolved");
        assert_eq!(
            m.get(id2).unwrap().resolved.unwrap().cause,
            ResolveCause::Explicit
        );
        assert_eq!(
            m.history().map(|a| a.id).collect::<Vec<_>>(),
            [id2, id],
            "newest first"
        );
        m.raise(9, input("a", "cpu", Severity::Warning));
        m.raise(9, input("a", "mem", Severity::Warning));
        assert_eq!(m.remove_agent(10, "a"), 2);
        assert_eq!(m.active_count(), 0);
        assert_eq!(
            m.history().next().unwrap().resolved.unwrap().cause,
            ResolveCause::AgentRemoved
        );
        assert_eq!(m.stats().resolved, 4);
    }

    #[test]
    fn history_active_and_agent_bounds_hold_when_driven_past_them() {
        let cfg = AlertConfig {
            history_capacity: 5,
            max_active: 4,
            max_agents: 3,
            max_new_per_window: MAX_NEW_PER_WINDOW,
            resolve_after_normal: 1,
            ..AlertConfig::default()
        };
        let mut m = manager(cfg);
        for i in 0..1_000u64 {
            let metric = format!("m{i}");
            let RaiseOutcome::New { id } = m.raise(i, input("a", &metric, Severity::Warning))
            else {
                panic!("{i}")
            };
            assert_eq!(m.observe_normal(i, "a", &metric, EWMA), Some(id));
        }
        assert_eq!(m.history().count(), 5);
        assert_eq!(m.history().next().unwrap().metric, "m999");
        assert_eq!(m.stats().history_evicted, 995);
        for i in 0..10 {
            m.raise(0, input("a", &format!("x{i}"), Severity::Warning));
        }
        assert_eq!(m.active_count(), 4);
        assert_eq!(m.stats().dropped, 6);
        m.remove_agent(0, "a");
        for agent in ["b", "c", "d"] {
            m.raise(0, input(agent, "cpu", Severity::Warning));
        }
        assert_eq!(
            m.raise(0, input("e", "cpu", Severity::Warning)),
            RaiseOutcome::Suppressed {
                reason: SuppressReason::TooManyAgents
            }
        );
        assert!(AlertManager::new(AlertConfig {
            resolve_after_normal: 0,
            ..AlertConfig::default()
        })
        .is_err());
    }
}
