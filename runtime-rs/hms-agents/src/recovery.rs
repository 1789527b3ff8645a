//! The `hms.recovery.Recovery` agent (idl/recovery.fbs) over `hms_core::recovery::Planner`:
//! policies per agent, the cheapest applicable plan for a reported failure (escalation last), and
//! its progress as step outcomes are reported. This module maps the contract's types to the
//! planner's and back; the semantics are the planner's (its module docs).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use hms_contracts::agent::error;
use hms_contracts::hms::recovery::{
    FailureReport, GetPlanRequest, GetPlanResponse, PlanRecoveryRequest, PlanRecoveryResponse,
    Recovery, RecoveryPlan, RecoveryPolicy, RecoveryStep, RecoveryStrategy, ReportOutcomeRequest,
    ReportOutcomeResponse, SetPolicyRequest, StepOutcome,
};
use hms_contracts::hms::{Ack, AgentError, ErrorCode, HealthCheck, HealthStatus};
use hms_core::clock::SystemClock;
use hms_core::recovery as core;

use crate::rust_agent::{epoch_ms, AgentCore, Param, ParamValue, RustAgent};

/// Type name of this agent (its registration in `lib.rs`).
pub const TYPE_NAME: &str = "recovery";

/// The Recovery agent.
pub type RecoveryAgent = RustAgent<RecoveryCore>;

/// The planner behind the agent, and the evolvable defaults of new plans.
#[derive(Debug)]
pub struct RecoveryCore {
    planner: Mutex<core::Planner>,
    /// Unix epoch milliseconds at the origin of the planner's (monotonic) clock: plan times are
    /// reported in the contract's epoch time.
    origin_epoch_ms: u64,
}

fn planner_error(e: &core::PlanError) -> AgentError {
    let code = match e {
        core::PlanError::InvalidFailure { .. } => ErrorCode::INVALID_ARGUMENT,
        core::PlanError::UnknownPlan { .. } => ErrorCode::NOT_FOUND,
        core::PlanError::PlanFinished { .. } | core::PlanError::StepOutOfOrder { .. } => {
            ErrorCode::FAILED_PRECONDITION
        }
    };
    error(code, e.to_string())
}

fn saturate(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl RecoveryCore {
    /// A planner with the default policy; the configuration bytes are ignored.
    pub fn create(_config: &[u8]) -> Result<RecoveryAgent, AgentError> {
        // The seed only fixes jitter draws of plans asked for without one; plans made with a
        // `jitter_seed` are reproducible whatever it is.
        let seed = epoch_ms();
        Ok(RustAgent::new(Self {
            planner: Mutex::new(core::Planner::new(SystemClock::shared(), seed)),
            origin_epoch_ms: epoch_ms(),
        }))
    }

    fn planner(&self) -> MutexGuard<'_, core::Planner> {
        // Every planner operation validates before it mutates, so a panic leaves it consistent.
        self.planner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn policy_from_wire(p: &RecoveryPolicy) -> Result<core::RecoveryPolicy, AgentError> {
    let mut policy = core::RecoveryPolicy::default();
    if let Some(strategies) = &p.strategies {
        policy.strategies = strategies
            .iter()
            .map(|s| {
                core::StrategyKind::from_u8(s.0).ok_or_else(|| {
                    error(
                        ErrorCode::INVALID_ARGUMENT,
                        format!("unknown recovery strategy {}", s.0),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(b) = p.backoff {
        policy.backoff =
            core::BackoffConfig::from_idl(b.initial_ms, b.max_ms, b.multiplier, b.jitter)
                .with_max_attempts(p.max_attempts.max(1));
    }
    policy.max_attempts = p.max_attempts;
    policy.step_timeout_ms = u64::from(p.step_timeout_ms);
    policy.failover_targets = p.failover_targets.clone().unwrap_or_default();
    policy
        .validate()
        .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, e.to_string()))?;
    Ok(policy)
}

fn failure_from_wire(f: &FailureReport) -> core::FailureReport {
    let e = &f.error;
    core::FailureReport {
        agent_id: f.agent_id.clone(),
        error: core::AgentError {
            code: core::ErrorCode::from_u16(e.code.0),
            message: e.message.clone(),
            details: e.details.clone().unwrap_or_default(),
            retryable: e.retryable,
            retry_after_ms: e.retry_after_ms.map(u64::from),
            agent_id: e.agent_id.clone().unwrap_or_default(),
        },
        occurred_at_ms: f.occurred_at_ms,
        health: match f.health {
            HealthStatus::HEALTHY => core::HealthStatus::Healthy,
            HealthStatus::DEGRADED => core::HealthStatus::Degraded,
            HealthStatus::UNHEALTHY => core::HealthStatus::Unhealthy,
            _ => core::HealthStatus::Unknown,
        },
        breaker_open: f.breaker_open,
        reported_by: f.reported_by.clone().unwrap_or_default(),
    }
}

fn step_to_wire(s: &core::RecoveryStep) -> RecoveryStep {
    RecoveryStep {
        index: s.index,
        strategy: RecoveryStrategy(s.strategy.as_u8()),
        delay_ms: saturate(s.delay_ms),
        timeout_ms: saturate(s.timeout_ms),
        // The contract's escalation step carries no target (its `target` is for failover
        // instances and rollback versions only).
        target: s
            .target
            .clone()
            .filter(|_| s.strategy != core::StrategyKind::Escalate),
        estimated_cost: s.estimated_cost as f64,
    }
}

fn plan_to_wire(
    p: &core::Plan,
    failure: Option<FailureReport>,
    origin_epoch_ms: u64,
) -> RecoveryPlan {
    RecoveryPlan {
        plan_id: p.id().to_owned(),
        agent_id: p.agent_id().to_owned(),
        failure: failure.map(Box::new),
        steps: Some(p.steps().iter().map(step_to_wire).collect()),
        created_at_ms: origin_epoch_ms.saturating_add(p.created_at_ms()),
        estimated_cost: p.estimated_cost() as f64,
    }
}

fn failure_to_wire(f: &core::FailureReport) -> FailureReport {
    FailureReport {
        agent_id: f.agent_id.clone(),
        error: Box::new(AgentError {
            code: ErrorCode(f.error.code.as_u16()),
            message: f.error.message.clone(),
            details: Some(f.error.details.clone()).filter(|d| !d.is_empty()),
            retryable: f.error.retryable,
            retry_after_ms: f.error.retry_after_ms.map(saturate),
            agent_id: Some(f.error.agent_id.clone()).filter(|a| !a.is_empty()),
        }),
        occurred_at_ms: f.occurred_at_ms,
        health: match f.health {
            core::HealthStatus::Healthy => HealthStatus::HEALTHY,
            core::HealthStatus::Degraded => HealthStatus::DEGRADED,
            core::HealthStatus::Unhealthy => HealthStatus::UNHEALTHY,
            core::HealthStatus::Unknown => HealthStatus::UNKNOWN,
        },
        breaker_open: f.breaker_open,
        reported_by: Some(f.reported_by.clone()).filter(|r| !r.is_empty()),
    }
}

const STRATEGIES: &[&str] = &["cheapest", "as_listed"];

impl AgentCore for RecoveryCore {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const STATE_VERSION: u32 = 1;

    fn parameters(&self) -> Vec<Param> {
        let planner = self.planner();
        let p = planner.policy(core::DEFAULT_POLICY_ID);
        let order = match p.order {
            core::PlanOrder::Cheapest => "cheapest",
            core::PlanOrder::AsListed => "as_listed",
        };
        vec![
            Param::integer(
                "backoff_base_ms",
                "first retry delay of the default policy",
                1.0,
                600_000.0,
                p.backoff.base_ms as f64,
            ),
            Param::integer(
                "backoff_cap_ms",
                "cap on the retry delay of the default policy",
                1.0,
                3_600_000.0,
                p.backoff.cap_ms as f64,
            ),
            Param::integer(
                "max_attempts",
                "steps before escalation in the default policy",
                1.0,
                256.0,
                f64::from(p.max_attempts),
            ),
            Param::choice(
                "order",
                "how the default policy orders strategies",
                STRATEGIES,
                order,
            ),
        ]
    }

    fn apply(&self, values: &BTreeMap<&'static str, ParamValue>) -> Result<(), AgentError> {
        let mut planner = self.planner();
        let mut policy = planner.policy(core::DEFAULT_POLICY_ID).clone();
        for (name, value) in values {
            match (*name, value) {
                ("backoff_base_ms", ParamValue::Number(v)) => policy.backoff.base_ms = *v as u64,
                ("backoff_cap_ms", ParamValue::Number(v)) => policy.backoff.cap_ms = *v as u64,
                ("max_attempts", ParamValue::Number(v)) => policy.max_attempts = *v as u32,
                ("order", ParamValue::Choice(c)) => {
                    policy.order = if c == "as_listed" {
                        core::PlanOrder::AsListed
                    } else {
                        core::PlanOrder::Cheapest
                    };
                }
                _ => {}
            }
        }
        // Validated as a whole (cap >= base, ...) before anything is replaced.
        planner
            .set_policy(core::DEFAULT_POLICY_ID, policy)
            .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, e.to_string()))
    }

    fn export_state(&self) -> Vec<u8> {
        // Plans in flight are tied to the failures being handled by this version; the next one
        // starts with the policies (carried by the parameters) and no open plans.
        Vec::new()
    }

    fn import_state(&self, _state: &[u8]) -> Result<(), AgentError> {
        Ok(())
    }

    fn status(&self) -> (HealthStatus, Vec<HealthCheck>, String) {
        let planner = self.planner();
        let summary = format!(
            "{} active plans, {} finished, {} policies",
            planner.live_plans(),
            planner.finished_plans(),
            planner.policies()
        );
        (HealthStatus::HEALTHY, Vec::new(), summary)
    }
}

crate::rust_agent!(RecoveryCore);

impl Recovery for RecoveryAgent {
    fn set_policy(&self, req: SetPolicyRequest) -> Result<Ack, AgentError> {
        self.call(|| {
            let policy = policy_from_wire(&req.policy)?;
            self.core()
                .planner()
                .set_policy(&req.agent_id, policy)
                .map_err(|e| error(ErrorCode::INVALID_ARGUMENT, e.to_string()))?;
            Ok(Ack {
                ok: true,
                message: None,
            })
        })
    }

    fn plan_recovery(&self, req: PlanRecoveryRequest) -> Result<PlanRecoveryResponse, AgentError> {
        self.call(|| {
            let failure = failure_from_wire(&req.failure);
            let mut planner = self.core().planner();
            let plan = planner
                .plan_recovery(failure, req.jitter_seed)
                .map_err(|e| planner_error(&e))?;
            Ok(PlanRecoveryResponse {
                plan: Some(Box::new(plan_to_wire(
                    plan,
                    Some(*req.failure),
                    self.core().origin_epoch_ms,
                ))),
            })
        })
    }

    fn report_outcome(
        &self,
        req: ReportOutcomeRequest,
    ) -> Result<ReportOutcomeResponse, AgentError> {
        self.call(|| {
            let outcome = core::StepOutcome::from_u8(req.outcome.0).ok_or_else(|| {
                error(
                    ErrorCode::INVALID_ARGUMENT,
                    format!("unknown step outcome {}", req.outcome.0),
                )
            })?;
            let r = self
                .core()
                .planner()
                .report_outcome(
                    &req.plan_id,
                    req.step_index,
                    outcome,
                    u64::from(req.duration_ms),
                    req.detail.as_deref().unwrap_or_default(),
                )
                .map_err(|e| planner_error(&e))?;
            Ok(ReportOutcomeResponse {
                next_step: r.next_step.as_ref().map(step_to_wire).map(Box::new),
                plan_complete: r.plan_complete,
                escalated: r.escalated,
            })
        })
    }

    fn get_plan(&self, req: GetPlanRequest) -> Result<GetPlanResponse, AgentError> {
        self.call(|| {
            let planner = self.core().planner();
            let plan = planner
                .get_plan(&req.plan_id)
                .map_err(|e| planner_error(&e))?;
            Ok(GetPlanResponse {
                plan: Some(Box::new(plan_to_wire(
                    plan,
                    Some(failure_to_wire(plan.failure())),
                    self.core().origin_epoch_ms,
                ))),
                completed_steps: plan.completed_steps(),
                last_outcome: plan.last_outcome().map(|o| StepOutcome(o.as_u8())),
            })
        })
    }
}
