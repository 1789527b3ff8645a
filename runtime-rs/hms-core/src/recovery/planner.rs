//! The planner: turns a failure into a plan of steps and tracks the reported step outcomes
//! (`set_policy`, `plan_recovery`, `report_outcome` and `get_plan` of `idl/recovery.fbs`).
//!
//! A plan is the applicable strategies of the agent's policy, ordered (cheapest first by
//! default), each expanded into its steps (retry: one step per attempt with its backoff delay;
//! failover: one step per alternate), cut at the policy's `max_attempts`, and closed by one
//! escalation step. Executing it:
//!
//! - `Succeeded` ends the plan (complete, not escalated);
//! - `Failed` or `TimedOut` moves to the next step; reaching the escalation step ends the plan
//!   as escalated, and that step is returned as the one to execute (notify `target`);
//! - `Aborted` (superseded, cancelled, agent gone) ends the plan, not escalated.
//!
//! One agent has at most one active plan: a failure reported while a plan for the agent is
//! active returns that plan (counted in [`Plan::duplicate_reports`]) rather than starting over,
//! so a flapping reporter cannot keep a plan from ever escalating.
//!
//! Memory is bounded by [`PlannerLimits`]: at most `max_live_plans` active plans (a new one
//! evicts the oldest, which ends as `Aborted { reason: Evicted }`), `max_history` finished plans
//! (the oldest finished is forgotten), `max_policies` per-agent policies; a plan has at most
//! [`MAX_PLAN_ATTEMPTS`]` + 1` steps and one outcome per step; reported details and the failure's
//! message and details are cut to [`MAX_TEXT_BYTES`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

use super::failure::{ErrorCode, FailureReport};
use super::policy::{PlanOrder, PolicyError, RecoveryPolicy, MAX_PLAN_ATTEMPTS};
use super::strategy::{RecoveryStep, SkipReason, Strategy, StrategyKind};
use crate::clock::SharedClock;
use crate::rng::Rng;

/// The agent id under which [`Planner::set_policy`] installs the default policy.
pub const DEFAULT_POLICY_ID: &str = "*";

/// Longest stored free-form text (outcome details, failure message and details), in bytes.
pub const MAX_TEXT_BYTES: usize = 1024;

/// `hms.recovery.StepOutcome`, with the IDL's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StepOutcome {
    /// The step fixed the failure; the plan is complete.
    Succeeded = 0,
    /// The step ran but the failure persists.
    Failed = 1,
    /// The step did not finish within its timeout (outcome unknown; treated as failed).
    TimedOut = 2,
    /// The step was not executed (superseded, cancelled, agent deregistered); the plan ends.
    Aborted = 3,
}

impl StepOutcome {
    /// The outcome with IDL value `value`, if any.
    #[must_use]
    pub fn from_u8(value: u8) -> Option<Self> {
        [Self::Succeeded, Self::Failed, Self::TimedOut, Self::Aborted]
            .get(usize::from(value))
            .copied()
    }

    /// The IDL value.
    #[must_use]
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// Why a plan ended as aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortReason {
    /// A step was reported [`StepOutcome::Aborted`].
    Reported,
    /// The planner held `max_live_plans` active plans and this was the oldest.
    Evicted,
}

/// Where a plan stands. `step` is an index into [`Plan::steps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanState {
    /// Waiting for the outcome of step `step`.
    Active {
        /// The step to execute next.
        step: u32,
    },
    /// Step `step` fixed the failure.
    Succeeded {
        /// The successful step.
        step: u32,
    },
    /// Every attempt failed (or none applied); step `step` is the escalation.
    Escalated {
        /// The escalation step.
        step: u32,
    },
    /// The plan was stopped at step `step`.
    Aborted {
        /// The step it stopped at.
        step: u32,
        /// Why.
        reason: AbortReason,
    },
}

impl PlanState {
    /// True once no further steps will be issued.
    #[must_use]
    pub fn is_done(self) -> bool {
        !matches!(self, Self::Active { .. })
    }
}

/// A reported step outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRecord {
    /// The step.
    pub step_index: u32,
    /// What happened.
    pub outcome: StepOutcome,
    /// Time the step took, in milliseconds.
    pub duration_ms: u64,
    /// Free-form detail for the audit log (at most [`MAX_TEXT_BYTES`]).
    pub detail: String,
    /// When it was reported, in the planner clock's milliseconds.
    pub reported_at_ms: u64,
}

/// A strategy of the policy left out of a plan, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedStrategy {
    /// The strategy.
    pub strategy: StrategyKind,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// A recovery plan and its progress (`RecoveryPlan` plus `GetPlanResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    id: String,
    failure: FailureReport,
    steps: Vec<RecoveryStep>,
    created_at_ms: u64,
    estimated_cost: u64,
    skipped: Vec<SkippedStrategy>,
    state: PlanState,
    outcomes: Vec<OutcomeRecord>,
    jitter_seed: u64,
    duplicate_reports: u32,
}

impl Plan {
    /// Plan id, unique within its planner; sorts in creation order.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Agent being recovered.
    #[must_use]
    pub fn agent_id(&self) -> &str {
        &self.failure.agent_id
    }

    /// The failure the plan addresses.
    #[must_use]
    pub fn failure(&self) -> &FailureReport {
        &self.failure
    }

    /// Steps in execution order; the last one is the escalation.
    #[must_use]
    pub fn steps(&self) -> &[RecoveryStep] {
        &self.steps
    }

    /// Creation time, in the planner clock's milliseconds.
    #[must_use]
    pub fn created_at_ms(&self) -> u64 {
        self.created_at_ms
    }

    /// Sum of the steps' estimated costs: the cost if every step runs, escalation included.
    #[must_use]
    pub fn estimated_cost(&self) -> u64 {
        self.estimated_cost
    }

    /// Strategies of the policy that are not in the plan, with the reason.
    #[must_use]
    pub fn skipped(&self) -> &[SkippedStrategy] {
        &self.skipped
    }

    /// Where the plan stands.
    #[must_use]
    pub fn state(&self) -> PlanState {
        self.state
    }

    /// Reported outcomes, in order.
    #[must_use]
    pub fn outcomes(&self) -> &[OutcomeRecord] {
        &self.outcomes
    }

    /// Seed of the plan's jitter draws: planning the same failure with it gives the same delays.
    #[must_use]
    pub fn jitter_seed(&self) -> u64 {
        self.jitter_seed
    }

    /// Failures reported for the agent while this plan was active, after the first.
    #[must_use]
    pub fn duplicate_reports(&self) -> u32 {
        self.duplicate_reports
    }

    /// The step to execute next; `None` once the plan is done.
    #[must_use]
    pub fn current_step(&self) -> Option<&RecoveryStep> {
        match self.state {
            PlanState::Active { step } => self.step(step),
            _ => None,
        }
    }

    /// Delay before the next step, in milliseconds; `None` once the plan is done.
    #[must_use]
    pub fn next_delay_ms(&self) -> Option<u64> {
        self.current_step().map(|s| s.delay_ms)
    }

    /// Steps with a reported outcome (the IDL's `completed_steps`): the attempts made so far.
    #[must_use]
    pub fn completed_steps(&self) -> u32 {
        u32::try_from(self.outcomes.len()).unwrap_or(u32::MAX)
    }

    /// Outcome of the last reported step; `None` if none was reported yet.
    #[must_use]
    pub fn last_outcome(&self) -> Option<StepOutcome> {
        self.outcomes.last().map(|o| o.outcome)
    }

    /// True once no further steps will be issued.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.state.is_done()
    }

    /// True if the failure was escalated.
    #[must_use]
    pub fn is_escalated(&self) -> bool {
        matches!(self.state, PlanState::Escalated { .. })
    }

    fn step(&self, index: u32) -> Option<&RecoveryStep> {
        self.steps.get(usize::try_from(index).ok()?)
    }
}

/// What to do after a reported outcome (`ReportOutcomeResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeResponse {
    /// Next step to execute: the next attempt, or the escalation; `None` when the plan ended
    /// otherwise.
    pub next_step: Option<RecoveryStep>,
    /// True when no further steps will be issued (the escalation step, if any, is the last).
    pub plan_complete: bool,
    /// True if the failure was escalated.
    pub escalated: bool,
}

/// Why a planner call was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// The failure report is unusable.
    InvalidFailure {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No plan has this id (never created, or forgotten from the bounded history).
    UnknownPlan {
        /// The id asked for.
        plan_id: String,
    },
    /// The plan has ended; it takes no more outcomes.
    PlanFinished {
        /// The plan.
        plan_id: String,
        /// How it ended.
        state: PlanState,
    },
    /// The outcome is not for the step the plan waits for.
    StepOutOfOrder {
        /// The plan.
        plan_id: String,
        /// The step it waits for.
        expected: u32,
        /// The step reported.
        got: u32,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidFailure { reason } => write!(f, "invalid failure report: {reason}"),
            Self::UnknownPlan { plan_id } => write!(f, "unknown recovery plan {plan_id:?}"),
            Self::PlanFinished { plan_id, state } => {
                write!(f, "recovery plan {plan_id:?} has ended ({state:?})")
            }
            Self::StepOutOfOrder {
                plan_id,
                expected,
                got,
            } => write!(
                f,
                "recovery plan {plan_id:?} waits for the outcome of step {expected}, not step {got}"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// Memory bounds of a [`Planner`]; each at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannerLimits {
    /// Active plans kept; a new plan beyond it evicts the oldest active one.
    pub max_live_plans: usize,
    /// Finished plans kept for `get_plan`; beyond it the oldest finished one is forgotten.
    pub max_history: usize,
    /// Per-agent policies (the default policy is not counted); beyond it `set_policy` fails.
    pub max_policies: usize,
}

impl Default for PlannerLimits {
    /// 1 024 live plans, 4 096 finished plans, 4 096 policies.
    fn default() -> Self {
        Self {
            max_live_plans: 1024,
            max_history: 4096,
            max_policies: 4096,
        }
    }
}

/// A [`PlannerLimits`] field is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsError {
    /// The field.
    pub field: &'static str,
}

impl fmt::Display for LimitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "planner limit {} must be at least 1", self.field)
    }
}

impl std::error::Error for LimitsError {}

/// Plans recoveries and tracks their progress. Not synchronised: wrap it in a `Mutex` to share.
#[derive(Debug)]
pub struct Planner {
    clock: SharedClock,
    rng: Rng,
    limits: PlannerLimits,
    default_policy: RecoveryPolicy,
    policies: HashMap<String, RecoveryPolicy>,
    next_seq: u64,
    /// Active plans by creation sequence, so the oldest is the first entry.
    live: BTreeMap<u64, Plan>,
    /// Finished plans by creation sequence, and their sequences in the order they finished.
    history: BTreeMap<u64, Plan>,
    finished_order: VecDeque<u64>,
    /// Every stored plan (live or finished) by id.
    ids: HashMap<String, u64>,
    /// The active plan of each agent.
    active_by_agent: HashMap<String, u64>,
}

impl Planner {
    /// A planner with the default limits and policy; `seed` seeds the jitter of plans planned
    /// without a seed of their own.
    #[must_use]
    pub fn new(clock: SharedClock, seed: u64) -> Self {
        Self {
            clock,
            rng: Rng::seeded(seed),
            limits: PlannerLimits::default(),
            default_policy: RecoveryPolicy::default(),
            policies: HashMap::new(),
            next_seq: 1,
            live: BTreeMap::new(),
            history: BTreeMap::new(),
            finished_order: VecDeque::new(),
            ids: HashMap::new(),
            active_by_agent: HashMap::new(),
        }
    }

    /// A planner with `limits`.
    ///
    /// # Errors
    /// A limit is 0.
    pub fn with_limits(
        clock: SharedClock,
        seed: u64,
        limits: PlannerLimits,
    ) -> Result<Self, LimitsError> {
        for (value, field) in [
            (limits.max_live_plans, "max_live_plans"),
            (limits.max_history, "max_history"),
            (limits.max_policies, "max_policies"),
        ] {
            if value == 0 {
                return Err(LimitsError { field });
            }
        }
        Ok(Self {
            limits,
            ..Self::new(clock, seed)
        })
    }

    /// The limits.
    #[must_use]
    pub fn limits(&self) -> PlannerLimits {
        self.limits
    }

    /// Installs or replaces the policy of `agent_id` ([`DEFAULT_POLICY_ID`] = the default
    /// policy). Plans already made keep the policy they were made with.
    ///
    /// # Errors
    /// The policy is invalid, the agent id is empty, or `max_policies` other agents have one.
    pub fn set_policy(
        &mut self,
        agent_id: &str,
        policy: RecoveryPolicy,
    ) -> Result<(), PolicyError> {
        policy.validate()?;
        if agent_id.is_empty() {
            return Err(PolicyError::EmptyAgentId);
        }
        if agent_id == DEFAULT_POLICY_ID {
            self.default_policy = policy;
            return Ok(());
        }
        if !self.policies.contains_key(agent_id) && self.policies.len() >= self.limits.max_policies
        {
            return Err(PolicyError::TooManyPolicies {
                max: self.limits.max_policies,
            });
        }
        self.policies.insert(agent_id.to_owned(), policy);
        Ok(())
    }

    /// Removes the policy of `agent_id`, which falls back to the default; false if it had none.
    pub fn remove_policy(&mut self, agent_id: &str) -> bool {
        self.policies.remove(agent_id).is_some()
    }

    /// The policy that applies to `agent_id`.
    #[must_use]
    pub fn policy(&self, agent_id: &str) -> &RecoveryPolicy {
        self.policies.get(agent_id).unwrap_or(&self.default_policy)
    }

    /// Plans the recovery from `failure`, or returns the agent's active plan if it has one.
    /// `jitter_seed` fixes the retry delays; `None` draws a seed from the planner's generator.
    /// Execute [`Plan::current_step`] next (a plan of the escalation alone is already done).
    ///
    /// # Errors
    /// [`PlanError::InvalidFailure`] if the agent id is empty or the error code is `Ok`.
    pub fn plan_recovery(
        &mut self,
        mut failure: FailureReport,
        jitter_seed: Option<u64>,
    ) -> Result<&Plan, PlanError> {
        if failure.agent_id.is_empty() {
            return Err(PlanError::InvalidFailure {
                reason: "the agent id is empty",
            });
        }
        if failure.error.code == ErrorCode::Ok {
            return Err(PlanError::InvalidFailure {
                reason: "error code Ok is not a failure",
            });
        }
        if let Some(&seq) = self.active_by_agent.get(&failure.agent_id) {
            let plan = self.live.get_mut(&seq).expect("active plans are live");
            plan.duplicate_reports = plan.duplicate_reports.saturating_add(1);
            return Ok(plan);
        }
        truncate(&mut failure.error.message);
        truncate(&mut failure.error.details);

        let seed = jitter_seed.unwrap_or_else(|| self.rng.next_u64());
        let policy = self.policy(&failure.agent_id);
        let (steps, skipped) = build_steps(policy, &failure, &mut Rng::seeded(seed));
        let estimated_cost = steps
            .iter()
            .fold(0u64, |acc, s| acc.saturating_add(s.estimated_cost));
        let state = if steps[0].strategy == StrategyKind::Escalate {
            PlanState::Escalated { step: 0 }
        } else {
            PlanState::Active { step: 0 }
        };

        let seq = self.next_seq;
        self.next_seq += 1;
        let plan = Plan {
            id: format!("plan-{seq:016x}"),
            failure,
            steps,
            created_at_ms: self.clock.now_millis(),
            estimated_cost,
            skipped,
            state,
            outcomes: Vec::new(),
            jitter_seed: seed,
            duplicate_reports: 0,
        };
        self.ids.insert(plan.id.clone(), seq);
        if state.is_done() {
            self.push_history(seq, plan);
            return Ok(&self.history[&seq]);
        }
        if self.live.len() >= self.limits.max_live_plans {
            let oldest = self
                .live
                .iter()
                .next()
                .map(|(&seq, plan)| match plan.state {
                    PlanState::Active { step } => (seq, step),
                    _ => (seq, 0),
                });
            if let Some((oldest, step)) = oldest {
                self.retire(
                    oldest,
                    PlanState::Aborted {
                        step,
                        reason: AbortReason::Evicted,
                    },
                );
            }
        }
        self.active_by_agent
            .insert(plan.failure.agent_id.clone(), seq);
        Ok(self.live.entry(seq).or_insert(plan))
    }

    /// Records the outcome of step `step_index` of plan `plan_id` and says what comes next (see
    /// the module docs). `detail` is cut to [`MAX_TEXT_BYTES`].
    ///
    /// # Errors
    /// [`PlanError::UnknownPlan`], [`PlanError::PlanFinished`], or
    /// [`PlanError::StepOutOfOrder`] if `step_index` is not the step the plan waits for; the
    /// plan is unchanged then.
    pub fn report_outcome(
        &mut self,
        plan_id: &str,
        step_index: u32,
        outcome: StepOutcome,
        duration_ms: u64,
        detail: &str,
    ) -> Result<OutcomeResponse, PlanError> {
        let Some(&seq) = self.ids.get(plan_id) else {
            return Err(PlanError::UnknownPlan {
                plan_id: plan_id.to_owned(),
            });
        };
        let Some(plan) = self.live.get_mut(&seq) else {
            return Err(PlanError::PlanFinished {
                plan_id: plan_id.to_owned(),
                state: self.history[&seq].state,
            });
        };
        let PlanState::Active { step } = plan.state else {
            unreachable!("live plans are active");
        };
        if step_index != step {
            return Err(PlanError::StepOutOfOrder {
                plan_id: plan_id.to_owned(),
                expected: step,
                got: step_index,
            });
        }
        let mut detail = detail.to_owned();
        truncate(&mut detail);
        plan.outcomes.push(OutcomeRecord {
            step_index,
            outcome,
            duration_ms,
            detail,
            reported_at_ms: self.clock.now_millis(),
        });
        let ended = |state| OutcomeResponse {
            next_step: None,
            plan_complete: true,
            escalated: matches!(state, PlanState::Escalated { .. }),
        };
        match outcome {
            StepOutcome::Succeeded => {
                let state = PlanState::Succeeded { step };
                self.retire(seq, state);
                Ok(ended(state))
            }
            StepOutcome::Aborted => {
                let state = PlanState::Aborted {
                    step,
                    reason: AbortReason::Reported,
                };
                self.retire(seq, state);
                Ok(ended(state))
            }
            StepOutcome::Failed | StepOutcome::TimedOut => {
                // The current step is never the escalation (reaching it ends the plan), so a
                // next step exists.
                let next = step + 1;
                let next_step = plan
                    .step(next)
                    .cloned()
                    .expect("an escalation step ends every plan");
                if next_step.strategy == StrategyKind::Escalate {
                    self.retire(seq, PlanState::Escalated { step: next });
                    Ok(OutcomeResponse {
                        next_step: Some(next_step),
                        plan_complete: true,
                        escalated: true,
                    })
                } else {
                    plan.state = PlanState::Active { step: next };
                    Ok(OutcomeResponse {
                        next_step: Some(next_step),
                        plan_complete: false,
                        escalated: false,
                    })
                }
            }
        }
    }

    /// The plan `plan_id`, live or finished.
    ///
    /// # Errors
    /// [`PlanError::UnknownPlan`] if there is none (or it was forgotten).
    pub fn get_plan(&self, plan_id: &str) -> Result<&Plan, PlanError> {
        self.ids
            .get(plan_id)
            .and_then(|seq| self.live.get(seq).or_else(|| self.history.get(seq)))
            .ok_or_else(|| PlanError::UnknownPlan {
                plan_id: plan_id.to_owned(),
            })
    }

    /// The active plan of `agent_id`, if any.
    #[must_use]
    pub fn active_plan(&self, agent_id: &str) -> Option<&Plan> {
        self.active_by_agent
            .get(agent_id)
            .and_then(|seq| self.live.get(seq))
    }

    /// Number of active plans.
    #[must_use]
    pub fn live_plans(&self) -> usize {
        self.live.len()
    }

    /// Number of finished plans kept.
    #[must_use]
    pub fn finished_plans(&self) -> usize {
        self.history.len()
    }

    /// Number of per-agent policies (the default not counted).
    #[must_use]
    pub fn policies(&self) -> usize {
        self.policies.len()
    }

    /// Moves live plan `seq` to the history in `state`.
    fn retire(&mut self, seq: u64, state: PlanState) {
        if let Some(mut plan) = self.live.remove(&seq) {
            self.active_by_agent.remove(&plan.failure.agent_id);
            plan.state = state;
            self.push_history(seq, plan);
        }
    }

    fn push_history(&mut self, seq: u64, plan: Plan) {
        while self.history.len() >= self.limits.max_history {
            let Some(oldest) = self.finished_order.pop_front() else {
                break;
            };
            if let Some(old) = self.history.remove(&oldest) {
                self.ids.remove(&old.id);
            }
        }
        self.history.insert(seq, plan);
        self.finished_order.push_back(seq);
    }
}

/// The steps of a plan for `failure` under `policy`, and the strategies left out.
fn build_steps(
    policy: &RecoveryPolicy,
    failure: &FailureReport,
    rng: &mut Rng,
) -> (Vec<RecoveryStep>, Vec<SkippedStrategy>) {
    let mut skipped = Vec::new();
    let mut candidates: Vec<(Strategy, u64)> = Vec::new();
    for &kind in &policy.strategies {
        if kind == StrategyKind::Escalate {
            continue; // always the last step, wherever it is listed
        }
        let strategy = policy.strategy(kind, failure);
        match strategy.applies_to(failure) {
            Ok(()) => {
                let cost = strategy.estimated_cost(&policy.costs, failure);
                candidates.push((strategy, cost));
            }
            Err(reason) => skipped.push(SkippedStrategy {
                strategy: kind,
                reason,
            }),
        }
    }
    if policy.order == PlanOrder::Cheapest {
        // Stable: equal costs keep the policy's order.
        candidates.sort_by_key(|&(_, cost)| cost);
    }
    let mut budget = usize::try_from(policy.max_attempts.min(MAX_PLAN_ATTEMPTS)).unwrap_or(0);
    let mut steps: Vec<RecoveryStep> = Vec::new();
    for (strategy, _) in candidates {
        if budget == 0 {
            skipped.push(SkippedStrategy {
                strategy: strategy.kind(),
                reason: SkipReason::AttemptBudgetExhausted,
            });
            continue;
        }
        let first = u32::try_from(steps.len()).unwrap_or(u32::MAX);
        let more = strategy.expand(
            first,
            budget,
            policy.step_timeout_ms,
            &policy.costs,
            failure,
            rng,
        );
        budget -= more.len();
        steps.extend(more);
    }
    let escalate = policy.strategy(StrategyKind::Escalate, failure);
    let first = u32::try_from(steps.len()).unwrap_or(u32::MAX);
    steps.extend(escalate.expand(
        first,
        1,
        policy.step_timeout_ms,
        &policy.costs,
        failure,
        rng,
    ));
    (steps, skipped)
}

/// Cuts `s` to at most [`MAX_TEXT_BYTES`], on a character boundary.
fn truncate(s: &mut String) {
    if s.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::recovery::backoff::{BackoffConfig, Jitter};
    use crate::recovery::failure::{FailureKind, HealthStatus};
    use crate::recovery::strategy::StrategyCost;
    use StrategyKind::{Escalate, Failover, Restart, Retry, Rollback};

    fn planner() -> Planner {
        Planner::new(ManualClock::at(0), 7)
    }

    fn transient(agent: &str) -> FailureReport {
        FailureReport::new(agent, ErrorCode::Unavailable, "busy")
    }

    fn crash(agent: &str) -> FailureReport {
        FailureReport::new(agent, ErrorCode::Panic, "boom")
    }

    fn kinds(plan: &Plan) -> Vec<StrategyKind> {
        plan.steps().iter().map(|s| s.strategy).collect()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Restart and retry both apply to a transient failure. Retry costs its mean delays
    /// 50 + 100 + 200 plus 3 × 50 = 500; restart costs `restart_cost`.
    fn restart_or_retry(restart_cost: u64) -> RecoveryPolicy {
        let mut policy = RecoveryPolicy {
            strategies: vec![Restart, Retry],
            backoff: BackoffConfig::exponential(100, 10_000)
                .with_jitter(Jitter::Full)
                .with_max_attempts(3),
            max_attempts: 10,
            ..RecoveryPolicy::default()
        };
        policy.costs.restart = StrategyCost::new(restart_cost / 2, restart_cost - restart_cost / 2);
        policy
    }

    /// Fails every step of `plan_id` until the plan ends; returns the last response.
    fn fail_all(p: &mut Planner, plan_id: &str) -> OutcomeResponse {
        loop {
            let step = p.get_plan(plan_id).unwrap().current_step().unwrap().index;
            let r = p
                .report_outcome(plan_id, step, StepOutcome::Failed, 10, "still down")
                .unwrap();
            if r.plan_complete {
                return r;
            }
        }
    }

    #[test]
    fn the_cheaper_strategy_comes_first_with_the_costs_either_way() {
        let mut p = planner();
        p.set_policy("a", restart_or_retry(501)).unwrap();
        let plan = p.plan_recovery(transient("a"), Some(1)).unwrap();
        assert_eq!(kinds(plan), [Retry, Retry, Retry, Restart, Escalate]);
        let retry_cost: u64 = plan.steps()[..3].iter().map(|s| s.estimated_cost).sum();
        assert_eq!((retry_cost, plan.steps()[3].estimated_cost), (500, 501));

        let mut p = planner();
        p.set_policy("a", restart_or_retry(499)).unwrap();
        let plan = p.plan_recovery(transient("a"), Some(1)).unwrap();
        assert_eq!(kinds(plan), [Restart, Retry, Retry, Retry, Escalate]);
        assert!(plan.skipped().is_empty());

        // A tie keeps the policy's order; AsListed ignores the costs.
        let mut p = planner();
        let mut tie = restart_or_retry(500);
        tie.strategies = vec![Retry, Restart];
        p.set_policy("a", tie.clone()).unwrap();
        assert_eq!(
            kinds(p.plan_recovery(transient("a"), None).unwrap())[0],
            Retry
        );
        tie.strategies = vec![Restart, Retry];
        tie.costs.restart = StrategyCost::new(1_000_000, 0);
        tie.order = PlanOrder::AsListed;
        p.set_policy("b", tie).unwrap();
        assert_eq!(
            kinds(p.plan_recovery(transient("b"), None).unwrap())[0],
            Restart
        );
    }

    #[test]
    fn non_applicable_strategies_are_skipped_with_their_reason() {
        let mut p = planner();
        p.set_policy(
            "a",
            RecoveryPolicy {
                strategies: vec![Retry, Restart, Failover, Rollback],
                failover_targets: names(&["a"]), // only the failed agent itself
                ..RecoveryPolicy::default()
            },
        )
        .unwrap();
        let plan = p.plan_recovery(crash("a"), None).unwrap();
        assert_eq!(kinds(plan), [Restart, Escalate]);
        let skipped: Vec<_> = plan
            .skipped()
            .iter()
            .map(|s| (s.strategy, s.reason.clone()))
            .collect();
        assert_eq!(
            skipped,
            [
                (Retry, SkipReason::NotTransient(FailureKind::Crash)),
                (Failover, SkipReason::NoAlternates),
                (Rollback, SkipReason::NoPreviousVersion),
            ]
        );

        // A failover target and a version make them apply to a crash; retry still does not.
        let mut policy = p.policy("a").clone();
        policy.failover_targets = names(&["x", "b", "c"]);
        policy.rollback_version = Some("1.4.2".into());
        p.set_policy("x", policy).unwrap();
        let plan = p.plan_recovery(crash("x"), None).unwrap();
        // Restart 3 000 < failover 2 × 2 500 < rollback 15 000.
        assert_eq!(
            kinds(plan),
            [Restart, Failover, Failover, Rollback, Escalate]
        );
        let targets: Vec<_> = plan.steps().iter().map(|s| s.target.as_deref()).collect();
        assert_eq!(
            targets,
            [None, Some("b"), Some("c"), Some("1.4.2"), Some("operator")]
        );
        let indices: Vec<u32> = plan.steps().iter().map(|s| s.index).collect();
        assert_eq!(indices, [0, 1, 2, 3, 4]);
        let total: u64 = plan.steps().iter().map(|s| s.estimated_cost).sum();
        assert_eq!(plan.estimated_cost(), total);
    }

    #[test]
    fn when_every_step_fails_the_failure_is_escalated() {
        let mut p = planner();
        p.set_policy("a", restart_or_retry(501)).unwrap();
        let id = p
            .plan_recovery(transient("a"), Some(3))
            .unwrap()
            .id()
            .to_owned();
        let r = fail_all(&mut p, &id);
        assert!(r.plan_complete && r.escalated);
        let escalation = r.next_step.unwrap();
        assert_eq!(escalation.strategy, Escalate);
        assert_eq!(escalation.target.as_deref(), Some("operator"));
        let plan = p.get_plan(&id).unwrap();
        assert!(plan.is_done() && plan.is_escalated());
        assert_eq!(plan.state(), PlanState::Escalated { step: 4 });
        assert_eq!((plan.completed_steps(), plan.current_step()), (4, None));
        assert_eq!(plan.last_outcome(), Some(StepOutcome::Failed));
        assert!(p.active_plan("a").is_none());
        assert_eq!(
            p.report_outcome(&id, 4, StepOutcome::Succeeded, 0, ""),
            Err(PlanError::PlanFinished {
                plan_id: id.clone(),
                state: PlanState::Escalated { step: 4 }
            })
        );
    }

    #[test]
    fn retries_advance_through_their_backoff_delays_then_the_next_strategy() {
        let mut p = planner();
        p.set_policy("a", restart_or_retry(501)).unwrap();
        let plan = p.plan_recovery(transient("a"), Some(9)).unwrap().clone();
        let id = plan.id();
        let config = &p.policy("a").backoff;
        for (n, step) in (0u32..).zip(&plan.steps()[..3]) {
            let (lo, hi) = config.delay_bounds_ms(n);
            assert!((lo..=hi).contains(&step.delay_ms), "{step:?}");
            assert_eq!((step.attempt, step.timeout_ms), (n, 30_000));
        }
        let now = p.get_plan(id).unwrap();
        assert_eq!(now.next_delay_ms(), Some(plan.steps()[0].delay_ms));
        for n in 0..3u32 {
            let outcome = if n == 1 {
                StepOutcome::TimedOut
            } else {
                StepOutcome::Failed
            };
            let r = p.report_outcome(id, n, outcome, 5, "").unwrap();
            assert!(!r.plan_complete && !r.escalated);
            let next = r.next_step.unwrap();
            assert_eq!(next, plan.steps()[usize::try_from(n).unwrap() + 1]);
            let now = p.get_plan(id).unwrap();
            assert_eq!(now.completed_steps(), n + 1);
            assert_eq!(now.next_delay_ms(), Some(next.delay_ms));
        }
        let now = p.get_plan(id).unwrap();
        assert_eq!(now.current_step().unwrap().strategy, Restart);
        assert_eq!(now.next_delay_ms(), Some(0));
        // The same seed plans the same delays; another seed other ones.
        let mut q = planner();
        q.set_policy("a", restart_or_retry(501)).unwrap();
        assert_eq!(
            q.plan_recovery(transient("a"), Some(9)).unwrap().steps(),
            plan.steps()
        );
        let mut q = planner();
        q.set_policy("a", restart_or_retry(501)).unwrap();
        assert_ne!(
            q.plan_recovery(transient("a"), Some(10)).unwrap().steps(),
            plan.steps()
        );
    }

    #[test]
    fn success_completes_the_plan_and_aborted_ends_it_without_escalation() {
        let clock = ManualClock::at(0);
        let mut p = Planner::new(clock.clone(), 1);
        clock.advance_millis(250);
        let plan = p.plan_recovery(transient("a"), None).unwrap();
        let id = plan.id().to_owned();
        assert_eq!(plan.created_at_ms(), 250);
        assert_eq!(p.active_plan("a").unwrap().id(), id);
        p.report_outcome(&id, 0, StepOutcome::Failed, 3, "x")
            .unwrap();
        clock.advance_millis(10);
        let r = p
            .report_outcome(&id, 1, StepOutcome::Succeeded, 7, "back")
            .unwrap();
        assert_eq!(
            r,
            OutcomeResponse {
                next_step: None,
                plan_complete: true,
                escalated: false
            }
        );
        let plan = p.get_plan(&id).unwrap();
        assert_eq!(plan.state(), PlanState::Succeeded { step: 1 });
        assert_eq!(plan.last_outcome(), Some(StepOutcome::Succeeded));
        assert_eq!(plan.outcomes()[1].reported_at_ms, 260);
        assert_eq!(plan.outcomes()[1].detail, "back");
        assert!(p.active_plan("a").is_none());
        // The agent can be planned for again.
        let again = p
            .plan_recovery(transient("a"), None)
            .unwrap()
            .id()
            .to_owned();
        assert_ne!(again, id);
        let r = p
            .report_outcome(&again, 0, StepOutcome::Aborted, 0, "")
            .unwrap();
        assert!(r.plan_complete && !r.escalated && r.next_step.is_none());
        assert_eq!(
            p.get_plan(&again).unwrap().state(),
            PlanState::Aborted {
                step: 0,
                reason: AbortReason::Reported
            }
        );
    }

    #[test]
    fn unknown_plans_and_out_of_order_steps_are_typed_errors_and_change_nothing() {
        let mut p = planner();
        assert_eq!(
            p.report_outcome("nope", 0, StepOutcome::Failed, 0, ""),
            Err(PlanError::UnknownPlan {
                plan_id: "nope".into()
            })
        );
        assert!(matches!(
            p.get_plan("nope"),
            Err(PlanError::UnknownPlan { .. })
        ));
        let id = p
            .plan_recovery(transient("a"), None)
            .unwrap()
            .id()
            .to_owned();
        p.report_outcome(&id, 0, StepOutcome::Failed, 0, "")
            .unwrap();
        let before = p.get_plan(&id).unwrap().clone();
        for got in [0, 2, 99, u32::MAX] {
            let e = p
                .report_outcome(&id, got, StepOutcome::Succeeded, 0, "")
                .unwrap_err();
            assert_eq!(
                e,
                PlanError::StepOutOfOrder {
                    plan_id: id.clone(),
                    expected: 1,
                    got
                }
            );
            assert!(e.to_string().contains("waits for the outcome of step 1"));
        }
        assert_eq!(p.get_plan(&id).unwrap(), &before);
    }

    #[test]
    fn invalid_failures_are_rejected_and_permanent_ones_escalate_at_once() {
        let mut p = planner();
        assert!(matches!(
            p.plan_recovery(transient(""), None),
            Err(PlanError::InvalidFailure { .. })
        ));
        assert!(matches!(
            p.plan_recovery(FailureReport::new("a", ErrorCode::Ok, ""), None),
            Err(PlanError::InvalidFailure { .. })
        ));
        let plan = p
            .plan_recovery(
                FailureReport::new("a", ErrorCode::InvalidArgument, "bad"),
                None,
            )
            .unwrap();
        assert_eq!(kinds(plan), [Escalate]);
        assert!(plan.is_escalated() && plan.current_step().is_none());
        assert_eq!(plan.skipped().len(), 4);
        assert_eq!((p.live_plans(), p.finished_plans()), (0, 1));
        // An empty strategy list escalates at once too.
        p.set_policy(
            DEFAULT_POLICY_ID,
            RecoveryPolicy {
                strategies: vec![],
                ..RecoveryPolicy::default()
            },
        )
        .unwrap();
        assert_eq!(
            kinds(p.plan_recovery(crash("b"), None).unwrap()),
            [Escalate]
        );
    }

    #[test]
    fn the_attempt_budget_caps_a_plan_before_the_escalation() {
        let mut p = planner();
        p.set_policy(
            "a",
            RecoveryPolicy {
                strategies: vec![Failover, Retry],
                failover_targets: (0..10).map(|i| format!("alt-{i}")).collect(),
                max_attempts: 3,
                ..RecoveryPolicy::default()
            },
        )
        .unwrap();
        // Retry (1 800) is cheaper than failover and takes the whole budget of 3.
        let plan = p.plan_recovery(transient("a"), None).unwrap();
        assert_eq!(kinds(plan), [Retry, Retry, Retry, Escalate]);
        assert_eq!(
            plan.skipped(),
            [SkippedStrategy {
                strategy: Failover,
                reason: SkipReason::AttemptBudgetExhausted
            }]
        );
        // An unhealthy agent is not retried: under the default policy restart comes first,
        // under agent a's policy failover fills the budget.
        let plan = p
            .plan_recovery(transient("b").with_health(HealthStatus::Unhealthy), None)
            .unwrap();
        assert_eq!(kinds(plan), [Restart, Escalate]);
        assert_eq!(plan.skipped()[0].reason, SkipReason::AgentUnhealthy);
        p.set_policy("c", p.policy("a").clone()).unwrap();
        let plan = p
            .plan_recovery(transient("c").with_health(HealthStatus::Unhealthy), None)
            .unwrap();
        assert_eq!(kinds(plan), [Failover, Failover, Failover, Escalate]);
    }

    #[test]
    fn a_failure_reported_during_an_active_plan_returns_that_plan() {
        let mut p = planner();
        let id = p
            .plan_recovery(transient("a"), None)
            .unwrap()
            .id()
            .to_owned();
        p.report_outcome(&id, 0, StepOutcome::Failed, 0, "")
            .unwrap();
        let again = p.plan_recovery(crash("a"), None).unwrap();
        assert_eq!(again.id(), id);
        assert_eq!(again.duplicate_reports(), 1);
        assert_eq!(again.current_step().unwrap().index, 1, "not restarted");
        assert_eq!(p.live_plans(), 1);
    }

    #[test]
    fn memory_bounds_hold_when_driven_past_them() {
        let limits = PlannerLimits {
            max_live_plans: 3,
            max_history: 5,
            max_policies: 2,
        };
        let mut p = Planner::with_limits(ManualClock::at(0), 1, limits).unwrap();
        let ids: Vec<String> = (0..10)
            .map(|i| {
                let id = p
                    .plan_recovery(transient(&format!("agent-{i}")), None)
                    .unwrap()
                    .id()
                    .to_owned();
                assert!(p.live_plans() <= 3 && p.finished_plans() <= 5);
                id
            })
            .collect();
        assert_eq!((p.live_plans(), p.finished_plans()), (3, 5));
        // Live: the newest 3. Finished: the 5 evicted last (2..=6), as evicted; 0 and 1 forgotten.
        for id in &ids[7..] {
            assert!(!p.get_plan(id).unwrap().is_done());
        }
        for id in &ids[2..7] {
            assert_eq!(
                p.get_plan(id).unwrap().state(),
                PlanState::Aborted {
                    step: 0,
                    reason: AbortReason::Evicted
                }
            );
        }
        for id in &ids[..2] {
            assert!(matches!(p.get_plan(id), Err(PlanError::UnknownPlan { .. })));
            assert!(matches!(
                p.report_outcome(id, 0, StepOutcome::Failed, 0, ""),
                Err(PlanError::UnknownPlan { .. })
            ));
        }
        assert_eq!(p.ids.len(), 8, "the id index holds only stored plans");
        assert!(p.active_plan("agent-0").is_none() && p.active_plan("agent-9").is_some());
        // Finishing plans keeps the history at 5, forgetting the oldest finished first.
        for id in &ids[7..] {
            fail_all(&mut p, id);
        }
        assert_eq!((p.live_plans(), p.finished_plans(), p.ids.len()), (0, 5, 5));
        assert!(p.get_plan(&ids[4]).is_err() && p.get_plan(&ids[5]).is_ok());

        // Policies: 2 per agent, replacing one is fine, the default does not count.
        p.set_policy("x", RecoveryPolicy::default()).unwrap();
        p.set_policy("y", RecoveryPolicy::default()).unwrap();
        p.set_policy("y", RecoveryPolicy::default()).unwrap();
        p.set_policy(DEFAULT_POLICY_ID, RecoveryPolicy::default())
            .unwrap();
        assert_eq!(
            p.set_policy("z", RecoveryPolicy::default()),
            Err(PolicyError::TooManyPolicies { max: 2 })
        );
        assert!(p.remove_policy("x"));
        p.set_policy("z", RecoveryPolicy::default()).unwrap();
        assert_eq!(p.policies(), 2);

        // Text is cut to 1 KiB on a character boundary.
        let long = "é".repeat(MAX_TEXT_BYTES);
        let mut f = crash("t");
        f.error.message.clone_from(&long);
        let id = p.plan_recovery(f, None).unwrap().id().to_owned();
        assert!(p.get_plan(&id).unwrap().failure().error.message.len() <= MAX_TEXT_BYTES);
        p.report_outcome(&id, 0, StepOutcome::Failed, 0, &long)
            .unwrap();
        let detail = &p.get_plan(&id).unwrap().outcomes()[0].detail;
        assert_eq!(detail.len(), MAX_TEXT_BYTES);
        assert!(detail.chars().all(|c| c == 'é'));

        assert_eq!(
            Planner::with_limits(
                ManualClock::at(0),
                1,
                PlannerLimits {
                    max_history: 0,
                    ..limits
                }
            )
            .unwrap_err(),
            LimitsError {
                field: "max_history"
            }
        );
    }

    #[test]
    fn policies_are_validated_and_resolved_per_agent() {
        let mut p = planner();
        let bad = RecoveryPolicy {
            max_attempts: 0,
            ..RecoveryPolicy::default()
        };
        assert_eq!(p.set_policy("a", bad), Err(PolicyError::ZeroMaxAttempts));
        assert_eq!(
            p.set_policy("", RecoveryPolicy::default()),
            Err(PolicyError::EmptyAgentId)
        );
        let custom = RecoveryPolicy {
            escalate_to: "parent-7".into(),
            ..RecoveryPolicy::default()
        };
        p.set_policy("a", custom.clone()).unwrap();
        assert_eq!(p.policy("a"), &custom);
        assert_eq!(p.policy("b"), &RecoveryPolicy::default());
        let plan = p
            .plan_recovery(FailureReport::new("a", ErrorCode::NotFound, ""), None)
            .unwrap();
        assert_eq!(plan.steps()[0].target.as_deref(), Some("parent-7"));
        assert!(p.remove_policy("a") && !p.remove_policy("a"));
        assert_eq!(StepOutcome::from_u8(2), Some(StepOutcome::TimedOut));
        assert_eq!(StepOutcome::from_u8(4), None);
        assert_eq!(StepOutcome::Aborted.as_u8(), 3);
    }
}
