//! Recovery: backoff with jitter, recovery strategies and the planner that turns a failure into
//! a plan of steps (the component behind `idl/recovery.fbs`).
//!
//! - [`backoff`]: delays `min(cap, base·multiplier^n)` (or constant, or linear) with no, full,
//!   equal, proportional or decorrelated jitter, after the AWS Architecture Blog's "Exponential
//!   Backoff and Jitter" (formulas in that module's docs);
//! - [`failure`]: the failure report and the failure classes (transient, crash, incompatible,
//!   permanent) that decide which strategies apply;
//! - [`strategy`]: restart, retry, failover, rollback and escalate, their applicability and their
//!   cost model (expected downtime plus a per-strategy weight, retry using the backoff's mean
//!   delays);
//! - [`policy`]: the per-agent recovery policy;
//! - [`planner`]: builds the cheapest applicable plan (escalation last), advances it on reported
//!   step outcomes, and bounds the plans it keeps.
//!
//! Everything is deterministic given a seed ([`crate::rng::Rng`]) and a clock
//! ([`crate::clock`]); nothing sleeps: a step's `delay_ms` is for the executor to wait.

pub mod backoff;
pub mod failure;
pub mod planner;
pub mod policy;
pub mod strategy;

pub use backoff::{Backoff, BackoffConfig, BackoffError, Growth, Jitter};
pub use failure::{AgentError, ErrorCode, FailureKind, FailureReport, HealthStatus};
pub use planner::{
    AbortReason, LimitsError, OutcomeRecord, OutcomeResponse, Plan, PlanError, PlanState, Planner,
    PlannerLimits, SkippedStrategy, StepOutcome, DEFAULT_POLICY_ID, MAX_TEXT_BYTES,
};
pub use policy::{PlanOrder, PolicyError, RecoveryPolicy, MAX_PLAN_ATTEMPTS};
pub use strategy::{CostModel, RecoveryStep, SkipReason, Strategy, StrategyCost, StrategyKind};
