//! The recovery strategies, when each applies, what each costs and the steps each expands to.
//!
//! # Cost model
//!
//! Costs are in *millisecond equivalents*, saturating `u64`. One step of strategy `s` costs
//!
//! ```text
//! step_cost = delay + downtime_ms(s) + weight(s)
//! ```
//!
//! - `delay` is the backoff's **mean** delay of that attempt (retry only; 0 for the others), raised
//!   to the error's `retry_after_ms` hint if there is one, so the cost is a property of the policy
//!   and not of one jitter draw;
//! - `downtime_ms(s)` is the expected time the agent stays unavailable while the step runs
//!   (restart time, failover switch-over, reload time, a human's response time);
//! - `weight(s)` is a penalty for the step's side effects (lost in-memory state, load moved onto
//!   an alternate, dropped features, paging someone), expressed as the delay one would accept to
//!   avoid them.
//!
//! Both come from the policy's [`CostModel`]. A strategy's cost is the sum over all its steps
//! (retry: `Σₙ mean_delay(n) + k·(downtime + weight)` over its `k` attempts; failover: one step per
//! alternate), i.e. what it costs if it runs to exhaustion. The planner orders strategies by it.

use std::fmt;

use super::backoff::{Backoff, BackoffConfig};
use super::failure::{FailureKind, FailureReport, HealthStatus};
use crate::rng::Rng;

/// `hms.recovery.RecoveryStrategy`, with the IDL's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum StrategyKind {
    /// Restart the agent (a new instance of the same version).
    Restart = 0,
    /// Retry the failed operation after a backoff delay.
    Retry = 1,
    /// Route traffic to an alternate instance (`target`).
    Failover = 2,
    /// Hot-reload the previous known-good version (`target` = version).
    Rollback = 3,
    /// Give up automatically and notify an operator or parent (`target`); terminal.
    Escalate = 4,
}

impl StrategyKind {
    /// Every strategy, in IDL order.
    pub const ALL: [Self; 5] = [
        Self::Restart,
        Self::Retry,
        Self::Failover,
        Self::Rollback,
        Self::Escalate,
    ];

    /// The strategy with IDL value `value`, if any.
    #[must_use]
    pub fn from_u8(value: u8) -> Option<Self> {
        Self::ALL.get(usize::from(value)).copied()
    }

    /// The IDL value.
    #[must_use]
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Restart => "restart",
            Self::Retry => "retry",
            Self::Failover => "failover",
            Self::Rollback => "rollback",
            Self::Escalate => "escalate",
        };
        f.write_str(name)
    }
}

/// The cost parameters of one strategy (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyCost {
    /// Expected unavailability while one step runs, in milliseconds.
    pub downtime_ms: u64,
    /// Side-effect penalty of one step, in millisecond equivalents.
    pub weight: u64,
}

impl StrategyCost {
    /// A cost of `downtime_ms` plus `weight`.
    #[must_use]
    pub fn new(downtime_ms: u64, weight: u64) -> Self {
        Self {
            downtime_ms,
            weight,
        }
    }

    /// The cost of one step waiting `delay_ms` first.
    #[must_use]
    pub fn step(self, delay_ms: u64) -> u64 {
        delay_ms
            .saturating_add(self.downtime_ms)
            .saturating_add(self.weight)
    }
}

/// The per-strategy cost parameters of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostModel {
    /// Restart: the restart time, and the loss of in-memory state and in-flight requests.
    pub restart: StrategyCost,
    /// Retry, per attempt, on top of the backoff delay.
    pub retry: StrategyCost,
    /// Failover, per alternate: the switch-over, and the load moved onto the alternate.
    pub failover: StrategyCost,
    /// Rollback: the reload, and the features of the newer version given up.
    pub rollback: StrategyCost,
    /// Escalation: a human's response time and the cost of paging them.
    pub escalate: StrategyCost,
}

impl Default for CostModel {
    /// Retry 0 + 50 per attempt; restart 2 s + 1 000; failover 0.5 s + 2 000 per alternate;
    /// rollback 5 s + 10 000; escalate 15 min + 100 000. With the default backoff (100 ms doubling,
    /// full jitter, 5 attempts: mean delays 50 + 100 + 200 + 400 + 800) a transient failure costs
    /// 1 800 to retry and 3 000 to restart, so retry comes first.
    fn default() -> Self {
        Self {
            restart: StrategyCost::new(2_000, 1_000),
            retry: StrategyCost::new(0, 50),
            failover: StrategyCost::new(500, 2_000),
            rollback: StrategyCost::new(5_000, 10_000),
            escalate: StrategyCost::new(900_000, 100_000),
        }
    }
}

impl CostModel {
    /// The parameters of `kind`.
    #[must_use]
    pub fn of(&self, kind: StrategyKind) -> StrategyCost {
        match kind {
            StrategyKind::Restart => self.restart,
            StrategyKind::Retry => self.retry,
            StrategyKind::Failover => self.failover,
            StrategyKind::Rollback => self.rollback,
            StrategyKind::Escalate => self.escalate,
        }
    }

    /// Replaces the parameters of `kind`.
    pub fn set(&mut self, kind: StrategyKind, cost: StrategyCost) {
        let slot = match kind {
            StrategyKind::Restart => &mut self.restart,
            StrategyKind::Retry => &mut self.retry,
            StrategyKind::Failover => &mut self.failover,
            StrategyKind::Rollback => &mut self.rollback,
            StrategyKind::Escalate => &mut self.escalate,
        };
        *slot = cost;
    }
}

/// Why a strategy does not apply to a failure, or was left out of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Retry needs a transient failure; this one is of another kind.
    NotTransient(FailureKind),
    /// Retry: the agent is `Unhealthy` (missed its heartbeat), so the same call would hit a dead
    /// instance.
    AgentUnhealthy,
    /// Restart: the running version is at fault, a new instance of it fails the same way.
    VersionAtFault,
    /// Failover: no alternate other than the failed agent itself.
    NoAlternates,
    /// Rollback: no previous known-good version is known.
    NoPreviousVersion,
    /// Rollback: a transient failure is not caused by the version.
    TransientFailure,
    /// Nothing automatic helps a permanent failure (a caller's error or a final state).
    PermanentFailure,
    /// The policy's `max_attempts` was used up by cheaper strategies.
    AttemptBudgetExhausted,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotTransient(kind) => write!(f, "the failure is not transient ({kind:?})"),
            Self::AgentUnhealthy => write!(f, "the agent is unhealthy"),
            Self::VersionAtFault => write!(f, "the running version is at fault"),
            Self::NoAlternates => write!(f, "no failover alternate"),
            Self::NoPreviousVersion => write!(f, "no previous version to roll back to"),
            Self::TransientFailure => write!(f, "the failure is transient"),
            Self::PermanentFailure => write!(f, "the failure is permanent"),
            Self::AttemptBudgetExhausted => write!(f, "the attempt budget is used up"),
        }
    }
}

/// One step of a recovery plan (`hms.recovery.RecoveryStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryStep {
    /// 0-based position in the plan.
    pub index: u32,
    /// Action to take.
    pub strategy: StrategyKind,
    /// 0-based attempt number within its strategy (retry n, alternate n).
    pub attempt: u32,
    /// Wait before executing the step, in milliseconds (retry: a backoff draw; else 0).
    pub delay_ms: u64,
    /// Timeout for the step, in milliseconds.
    pub timeout_ms: u64,
    /// Failover alternate, rollback version or escalation target; `None` for restart and retry.
    pub target: Option<String>,
    /// Expected cost of the step (see the module docs); uses the mean delay, not `delay_ms`.
    pub estimated_cost: u64,
}

/// A strategy with the parameters it needs, resolved from a policy for one failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    /// Restart the agent.
    Restart,
    /// Retry up to `attempts` times, waiting per `backoff`.
    Retry {
        /// Delays between attempts.
        backoff: BackoffConfig,
        /// Attempts: `backoff.max_attempts`, bounded by the policy's `max_attempts`.
        attempts: u32,
    },
    /// Fail over to each alternate in turn, in preference order.
    Failover {
        /// Alternates, without the failed agent and without duplicates.
        targets: Vec<String>,
    },
    /// Roll back to the previous known-good version, if one is known.
    Rollback {
        /// The version to reload.
        version: Option<String>,
    },
    /// Hand the failure to `to` (an operator or a parent agent); always the last step.
    Escalate {
        /// Who is notified.
        to: String,
    },
}

impl Strategy {
    /// The IDL kind.
    #[must_use]
    pub fn kind(&self) -> StrategyKind {
        match self {
            Self::Restart => StrategyKind::Restart,
            Self::Retry { .. } => StrategyKind::Retry,
            Self::Failover { .. } => StrategyKind::Failover,
            Self::Rollback { .. } => StrategyKind::Rollback,
            Self::Escalate { .. } => StrategyKind::Escalate,
        }
    }

    /// A failover strategy over `targets` (preference order kept), without `failed_agent` and
    /// without repeats.
    #[must_use]
    pub fn failover(targets: &[String], failed_agent: &str) -> Self {
        let mut kept: Vec<String> = Vec::with_capacity(targets.len());
        for t in targets {
            if t != failed_agent && !kept.contains(t) {
                kept.push(t.clone());
            }
        }
        Self::Failover { targets: kept }
    }

    /// Whether the strategy can help `failure`:
    ///
    /// | | Transient | Crash | Incompatible | Permanent |
    /// |---|---|---|---|---|
    /// | restart | yes | yes | no | no |
    /// | retry | yes, unless the agent is `Unhealthy` | no | no | no |
    /// | failover (needs an alternate) | yes | yes | yes | no |
    /// | rollback (needs a version) | no | yes | yes | no |
    /// | escalate | yes | yes | yes | yes |
    ///
    /// # Errors
    /// Why it does not apply.
    pub fn applies_to(&self, failure: &FailureReport) -> Result<(), SkipReason> {
        let kind = failure.kind();
        if kind == FailureKind::Permanent && !matches!(self, Self::Escalate { .. }) {
            return Err(SkipReason::PermanentFailure);
        }
        match self {
            Self::Restart if kind == FailureKind::Incompatible => Err(SkipReason::VersionAtFault),
            Self::Retry { .. } if kind != FailureKind::Transient => {
                Err(SkipReason::NotTransient(kind))
            }
            Self::Retry { .. } if failure.health == HealthStatus::Unhealthy => {
                Err(SkipReason::AgentUnhealthy)
            }
            Self::Failover { targets } if targets.is_empty() => Err(SkipReason::NoAlternates),
            Self::Rollback { version: None } => Err(SkipReason::NoPreviousVersion),
            Self::Rollback { .. } if kind == FailureKind::Transient => {
                Err(SkipReason::TransientFailure)
            }
            _ => Ok(()),
        }
    }

    /// Number of steps the strategy expands to.
    #[must_use]
    pub fn step_count(&self) -> usize {
        match self {
            Self::Retry { attempts, .. } => usize::try_from(*attempts).unwrap_or(usize::MAX),
            Self::Failover { targets } => targets.len(),
            Self::Restart | Self::Rollback { .. } | Self::Escalate { .. } => 1,
        }
    }

    /// The expected cost of step `attempt` (0-based) of this strategy, for `failure`.
    #[must_use]
    pub fn step_cost(&self, attempt: u32, costs: &CostModel, failure: &FailureReport) -> u64 {
        let delay = match self {
            Self::Retry { backoff, .. } => {
                // Rounded up: a cost never undershoots the mean it stands for.
                let mean = backoff.mean_delay_ms(attempt).ceil();
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let mean = mean as u64;
                mean.max(failure.error.retry_after_ms.unwrap_or(0))
            }
            _ => 0,
        };
        costs.of(self.kind()).step(delay)
    }

    /// The expected cost of running every step of the strategy (see the module docs); linear in
    /// [`Strategy::step_count`], which a policy bounds by its `max_attempts`.
    #[must_use]
    pub fn estimated_cost(&self, costs: &CostModel, failure: &FailureReport) -> u64 {
        let steps = u32::try_from(self.step_count()).unwrap_or(u32::MAX);
        (0..steps).fold(0u64, |acc, n| {
            acc.saturating_add(self.step_cost(n, costs, failure))
        })
    }

    /// The first `limit` steps of the strategy, numbered from `first_index`. Retry delays are
    /// drawn from a [`Backoff`] seeded with `rng.next_u64()`, and raised to the error's
    /// `retry_after_ms` hint (the callee asked for at least that; it may exceed the cap).
    pub fn expand(
        &self,
        first_index: u32,
        limit: usize,
        timeout_ms: u64,
        costs: &CostModel,
        failure: &FailureReport,
        rng: &mut Rng,
    ) -> Vec<RecoveryStep> {
        let count = self.step_count().min(limit);
        let mut backoff = match self {
            Self::Retry { backoff, .. } => Backoff::new(backoff.clone(), rng.next_u64()).ok(),
            _ => None,
        };
        let hint = failure.error.retry_after_ms.unwrap_or(0);
        let mut steps = Vec::with_capacity(count);
        for (i, attempt) in (0..count).zip(0u32..) {
            let delay_ms = backoff
                .as_mut()
                .and_then(Backoff::next_delay_ms)
                .map_or(0, |d| d.max(hint));
            let target = match self {
                Self::Failover { targets } => Some(targets[i].clone()),
                Self::Rollback { version } => version.clone(),
                Self::Escalate { to } => Some(to.clone()),
                Self::Restart | Self::Retry { .. } => None,
            };
            steps.push(RecoveryStep {
                index: first_index.saturating_add(attempt),
                strategy: self.kind(),
                attempt,
                delay_ms,
                timeout_ms,
                target,
                estimated_cost: self.step_cost(attempt, costs, failure),
            });
        }
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::backoff::Jitter;
    use crate::recovery::failure::ErrorCode;

    fn all(version: Option<&str>, targets: &[&str]) -> Vec<Strategy> {
        let targets: Vec<String> = targets.iter().map(|s| (*s).to_owned()).collect();
        vec![
            Strategy::Restart,
            Strategy::Retry {
                backoff: BackoffConfig::default(),
                attempts: 5,
            },
            Strategy::failover(&targets, "a"),
            Strategy::Rollback {
                version: version.map(str::to_owned),
            },
            Strategy::Escalate {
                to: "operator".into(),
            },
        ]
    }

    fn applicable(
        failure: &FailureReport,
        version: Option<&str>,
        targets: &[&str],
    ) -> Vec<StrategyKind> {
        all(version, targets)
            .iter()
            .filter(|s| s.applies_to(failure).is_ok())
            .map(Strategy::kind)
            .collect()
    }

    #[test]
    fn kinds_round_trip_through_their_idl_values() {
        for k in StrategyKind::ALL {
            assert_eq!(StrategyKind::from_u8(k.as_u8()), Some(k));
        }
        assert_eq!(StrategyKind::from_u8(5), None);
        assert_eq!(StrategyKind::Failover.to_string(), "failover");
    }

    #[test]
    fn applicability_follows_the_failure_kind_and_the_available_targets() {
        use StrategyKind::*;
        let transient = FailureReport::new("a", ErrorCode::Unavailable, "busy");
        let crash = FailureReport::new("a", ErrorCode::Panic, "boom");
        let bad_version = FailureReport::new("a", ErrorCode::ContractMismatch, "v2 vs v3");
        let permanent = FailureReport::new("a", ErrorCode::InvalidArgument, "bad");
        let t = Some("1.2.0");
        let b = ["b"];
        assert_eq!(
            applicable(&transient, t, &b),
            [Restart, Retry, Failover, Escalate]
        );
        assert_eq!(
            applicable(&crash, t, &b),
            [Restart, Failover, Rollback, Escalate]
        );
        assert_eq!(
            applicable(&bad_version, t, &b),
            [Failover, Rollback, Escalate]
        );
        assert_eq!(applicable(&permanent, t, &b), [Escalate]);
        // Without a version or alternates (the failed agent itself does not count):
        assert_eq!(applicable(&crash, None, &["a", "a"]), [Restart, Escalate]);
        // retryable overrides the code; an unhealthy agent is not retried.
        let flagged = crash.clone().retryable(None);
        assert!(applicable(&flagged, None, &[]).contains(&Retry));
        let dead = transient.with_health(HealthStatus::Unhealthy);
        let retry = &all(None, &[])[1];
        assert_eq!(retry.applies_to(&dead), Err(SkipReason::AgentUnhealthy));
        assert_eq!(
            retry.applies_to(&crash),
            Err(SkipReason::NotTransient(FailureKind::Crash))
        );
    }

    #[test]
    fn failover_keeps_the_preference_order_without_the_failed_agent_or_repeats() {
        let t: Vec<String> = ["c", "a", "b", "c"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(
            Strategy::failover(&t, "a"),
            Strategy::Failover {
                targets: vec!["c".into(), "b".into()]
            }
        );
    }

    #[test]
    fn retry_cost_sums_the_backoff_mean_delays_and_the_per_attempt_cost() {
        let costs = CostModel::default();
        let failure = FailureReport::new("a", ErrorCode::Timeout, "slow");
        let retry = Strategy::Retry {
            backoff: BackoffConfig::exponential(100, 1000).with_jitter(Jitter::Equal),
            attempts: 5,
        };
        // Nominal 100, 200, 400, 800, 1000; equal jitter means 3/4 of them: 1875; + 5 × 50.
        assert_eq!(retry.estimated_cost(&costs, &failure), 1875 + 250);
        // A retry-after hint of 500 ms raises the first three mean delays to 500.
        let hinted = failure.clone().retryable(Some(500));
        assert_eq!(
            retry.estimated_cost(&costs, &hinted),
            500 * 3 + 600 + 750 + 250
        );
        let failover = Strategy::failover(&["b".into(), "c".into()], "a");
        assert_eq!(failover.estimated_cost(&costs, &failure), 2 * 2500);
        assert_eq!(Strategy::Restart.estimated_cost(&costs, &failure), 3000);
    }

    #[test]
    fn expansion_draws_bounded_delays_honours_the_hint_and_numbers_the_steps() {
        let costs = CostModel::default();
        let failure = FailureReport::new("a", ErrorCode::Unavailable, "busy").retryable(Some(150));
        let retry = Strategy::Retry {
            backoff: BackoffConfig::exponential(100, 1000).with_jitter(Jitter::Full),
            attempts: 6,
        };
        let mut rng = Rng::seeded(1);
        let steps = retry.expand(3, 4, 700, &costs, &failure, &mut rng);
        assert_eq!(steps.len(), 4, "limited");
        for (n, s) in (0u32..).zip(&steps) {
            assert_eq!((s.index, s.attempt, s.timeout_ms), (3 + n, n, 700));
            let cap = BackoffConfig::exponential(100, 1000).nominal_delay_ms(n);
            assert!((150..=cap.max(150)).contains(&s.delay_ms), "{s:?}");
            assert_eq!(s.estimated_cost, retry.step_cost(n, &costs, &failure));
        }
        let failover = Strategy::failover(&["b".into(), "c".into()], "a");
        let steps = failover.expand(0, 10, 700, &costs, &failure, &mut rng);
        let targets: Vec<_> = steps.iter().map(|s| s.target.as_deref()).collect();
        assert_eq!(targets, [Some("b"), Some("c")]);
        assert!(steps.iter().all(|s| s.delay_ms == 0));
    }
}
