//! How the failures of one agent are recovered (`hms.recovery.RecoveryPolicy`).

use std::fmt;

use super::backoff::{BackoffConfig, BackoffError};
use super::failure::FailureReport;
use super::strategy::{CostModel, Strategy, StrategyKind};

/// The most attempts (non-escalation steps) one plan may hold; bounds a plan's memory.
pub const MAX_PLAN_ATTEMPTS: u32 = 256;

/// How the applicable strategies are ordered in a plan. Escalation is always last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanOrder {
    /// Cheapest strategy first by [`Strategy::estimated_cost`]; ties keep the policy's order.
    #[default]
    Cheapest,
    /// The policy's order: the IDL's "escalation ladder".
    AsListed,
}

/// A recovery policy. [`crate::recovery::Planner::set_policy`] validates it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryPolicy {
    /// Strategies the planner may use. Escalation need not be listed: it always ends a plan.
    /// Empty = escalate at once.
    pub strategies: Vec<StrategyKind>,
    /// Delays between retries; its `max_attempts` is the number of retries.
    pub backoff: BackoffConfig,
    /// Total attempts (steps before the escalation) of a plan, `1..=`[`MAX_PLAN_ATTEMPTS`].
    pub max_attempts: u32,
    /// Per-step timeout, in milliseconds; `> 0`.
    pub step_timeout_ms: u64,
    /// Failover alternates, in preference order.
    pub failover_targets: Vec<String>,
    /// Previous known-good version to roll back to; `None` = rollback does not apply.
    pub rollback_version: Option<String>,
    /// Who an escalation notifies (an operator channel or a parent agent id).
    pub escalate_to: String,
    /// Cost parameters per strategy.
    pub costs: CostModel,
    /// Order of the strategies in a plan.
    pub order: PlanOrder,
}

impl Default for RecoveryPolicy {
    /// Retry, restart, failover and rollback ordered by cost; the default backoff (5 attempts)
    /// and costs; the IDL's `max_attempts` 5 and `step_timeout_ms` 30 000; escalation to
    /// `"operator"`.
    fn default() -> Self {
        Self {
            strategies: vec![
                StrategyKind::Retry,
                StrategyKind::Restart,
                StrategyKind::Failover,
                StrategyKind::Rollback,
            ],
            backoff: BackoffConfig::default(),
            max_attempts: 5,
            step_timeout_ms: 30_000,
            failover_targets: Vec::new(),
            rollback_version: None,
            escalate_to: "operator".to_owned(),
            costs: CostModel::default(),
            order: PlanOrder::Cheapest,
        }
    }
}

/// Why a policy was rejected, or could not be stored.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyError {
    /// The backoff is invalid.
    Backoff(BackoffError),
    /// `max_attempts` is 0.
    ZeroMaxAttempts,
    /// `max_attempts` exceeds [`MAX_PLAN_ATTEMPTS`].
    TooManyAttempts {
        /// The configured value.
        max_attempts: u32,
    },
    /// `step_timeout_ms` is 0.
    ZeroStepTimeout,
    /// A strategy is listed twice.
    DuplicateStrategy(StrategyKind),
    /// A failover target, the rollback version or the escalation target is an empty string.
    EmptyName {
        /// The field holding it.
        field: &'static str,
    },
    /// The agent id is empty.
    EmptyAgentId,
    /// The planner holds its maximum number of per-agent policies already.
    TooManyPolicies {
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Backoff(e) => write!(f, "invalid recovery policy: {e}"),
            Self::ZeroMaxAttempts => write!(f, "recovery max_attempts must be at least 1"),
            Self::TooManyAttempts { max_attempts } => write!(
                f,
                "recovery max_attempts {max_attempts} exceeds the limit of {MAX_PLAN_ATTEMPTS}"
            ),
            Self::ZeroStepTimeout => write!(f, "recovery step_timeout_ms must be greater than 0"),
            Self::DuplicateStrategy(k) => write!(f, "recovery strategy {k} is listed twice"),
            Self::EmptyName { field } => write!(f, "recovery policy {field} must not be empty"),
            Self::EmptyAgentId => write!(f, "the agent id of a recovery policy must not be empty"),
            Self::TooManyPolicies { max } => write!(
                f,
                "too many recovery policies: the limit is {max}; remove one first"
            ),
        }
    }
}

impl std::error::Error for PolicyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Backoff(e) => Some(e),
            _ => None,
        }
    }
}

impl From<BackoffError> for PolicyError {
    fn from(e: BackoffError) -> Self {
        Self::Backoff(e)
    }
}

impl RecoveryPolicy {
    /// Checks the policy.
    ///
    /// # Errors
    /// The first violated rule, as a [`PolicyError`].
    pub fn validate(&self) -> Result<(), PolicyError> {
        self.backoff.validate()?;
        if self.max_attempts == 0 {
            return Err(PolicyError::ZeroMaxAttempts);
        }
        if self.max_attempts > MAX_PLAN_ATTEMPTS {
            return Err(PolicyError::TooManyAttempts {
                max_attempts: self.max_attempts,
            });
        }
        if self.step_timeout_ms == 0 {
            return Err(PolicyError::ZeroStepTimeout);
        }
        for (i, k) in self.strategies.iter().enumerate() {
            if self.strategies[..i].contains(k) {
                return Err(PolicyError::DuplicateStrategy(*k));
            }
        }
        if self.failover_targets.iter().any(String::is_empty) {
            return Err(PolicyError::EmptyName {
                field: "failover_targets",
            });
        }
        if self.rollback_version.as_deref() == Some("") {
            return Err(PolicyError::EmptyName {
                field: "rollback_version",
            });
        }
        if self.escalate_to.is_empty() {
            return Err(PolicyError::EmptyName {
                field: "escalate_to",
            });
        }
        Ok(())
    }

    /// The strategy `kind` with its parameters from this policy, for `failure`.
    #[must_use]
    pub fn strategy(&self, kind: StrategyKind, failure: &FailureReport) -> Strategy {
        match kind {
            StrategyKind::Restart => Strategy::Restart,
            StrategyKind::Retry => Strategy::Retry {
                backoff: self.backoff.clone(),
                attempts: self.backoff.max_attempts.min(self.max_attempts),
            },
            StrategyKind::Failover => Strategy::failover(&self.failover_targets, &failure.agent_id),
            StrategyKind::Rollback => Strategy::Rollback {
                version: self.rollback_version.clone(),
            },
            StrategyKind::Escalate => Strategy::Escalate {
                to: self.escalate_to.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_bad_ones_name_their_fault() {
        assert_eq!(RecoveryPolicy::default().validate(), Ok(()));
        let p = RecoveryPolicy::default;
        let cases = [
            (
                RecoveryPolicy {
                    backoff: BackoffConfig::exponential(0, 1),
                    ..p()
                },
                PolicyError::Backoff(BackoffError::ZeroBase),
            ),
            (
                RecoveryPolicy {
                    max_attempts: 0,
                    ..p()
                },
                PolicyError::ZeroMaxAttempts,
            ),
            (
                RecoveryPolicy {
                    max_attempts: MAX_PLAN_ATTEMPTS + 1,
                    ..p()
                },
                PolicyError::TooManyAttempts {
                    max_attempts: MAX_PLAN_ATTEMPTS + 1,
                },
            ),
            (
                RecoveryPolicy {
                    step_timeout_ms: 0,
                    ..p()
                },
                PolicyError::ZeroStepTimeout,
            ),
            (
                RecoveryPolicy {
                    strategies: vec![
                        StrategyKind::Retry,
                        StrategyKind::Restart,
                        StrategyKind::Retry,
                    ],
                    ..p()
                },
                PolicyError::DuplicateStrategy(StrategyKind::Retry),
            ),
            (
                RecoveryPolicy {
                    failover_targets: vec!["b".into(), String::new()],
                    ..p()
                },
                PolicyError::EmptyName {
                    field: "failover_targets",
                },
            ),
            (
                RecoveryPolicy {
                    escalate_to: String::new(),
                    ..p()
                },
                PolicyError::EmptyName {
                    field: "escalate_to",
                },
            ),
        ];
        for (policy, error) in cases {
            assert_eq!(policy.validate(), Err(error));
        }
        let e = PolicyError::Backoff(BackoffError::ZeroMaxAttempts);
        assert_eq!(
            e.to_string(),
            "invalid recovery policy: backoff max attempts must be at least 1"
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}
