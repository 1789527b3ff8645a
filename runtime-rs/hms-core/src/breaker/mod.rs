//! A circuit breaker with resilience4j's semantics (`CircuitBreakerStateMachine`,
//! `CircuitBreakerMetrics`, `FixedSizeSlidingWindowMetrics`, `SlidingTimeWindowMetrics`), the
//! component `idl/circuit_breaker.fbs` is served under.
//!
//! # Semantics
//!
//! - **CLOSED**: every call is permitted; outcomes go into a sliding window, count-based (the
//!   last N calls) or time-based (the last N seconds, in one-second buckets). Once the window
//!   holds `minimum_number_of_calls` calls (for a count-based window
//!   `min(minimum_number_of_calls, N)`, as resilience4j), the failure rate and the slow-call
//!   rate are computed after each record; either reaching its threshold (**inclusive**, percent)
//!   opens the breaker. Below the minimum no rate is computed (rates read −1).
//! - **Outcomes**: `Success`; `Failure`; `Timeout` counts as a failure; `Ignored` counts nowhere
//!   (and in HALF_OPEN gives its trial permit back, as resilience4j's ignored exceptions do). A
//!   call strictly longer than `slow_call_duration_threshold` is slow, whether it succeeded or
//!   failed.
//! - **OPEN**: calls are rejected ([`CallNotPermitted`], with the remaining wait) and counted
//!   as not permitted. The wait comes from [`OpenWait`]: fixed, or an exponential backoff over
//!   successive openings (the attempt counter grows on each OPEN → HALF_OPEN → OPEN cycle and
//!   restarts when the breaker closes). Once the wait has elapsed (`now ≥ opened + wait`) the
//!   next acquire moves the breaker to HALF_OPEN (resilience4j with
//!   `automaticTransitionFromOpenToHalfOpenEnabled = false`); with
//!   [`BreakerConfig::automatic_half_open`] the move also happens when the breaker is observed,
//!   and [`CircuitBreaker::evaluate_transitions`] makes any due transition for a timer to call.
//! - **HALF_OPEN**: `permitted_calls_in_half_open` trial calls are permitted, further ones
//!   rejected. After `min(minimum_number_of_calls, permitted_calls_in_half_open)` trial outcomes
//!   (resilience4j's `forHalfOpen` window) the rates decide: either threshold reached → OPEN,
//!   else → CLOSED. `success_threshold` (from the `.fbs`) consecutive fast successes close it
//!   earlier. With `max_wait_in_half_open` set, HALF_OPEN ends after that long (→ OPEN by
//!   default, or CLOSED).
//! - **DISABLED** permits everything and records nothing; **FORCED_OPEN** rejects everything
//!   until a transition or reset; **METRICS_ONLY** permits everything, records and computes
//!   rates, and never transitions. Explicit transitions follow resilience4j's table (CLOSED →
//!   HALF_OPEN and METRICS_ONLY → OPEN/HALF_OPEN are illegal). [`CircuitBreaker::reset`]
//!   returns to CLOSED with an empty window.
//! - **Metrics shown per state** (as resilience4j): CLOSED and METRICS_ONLY show the window;
//!   OPEN keeps showing the window that opened it (CLOSED's, or HALF_OPEN's trials); HALF_OPEN
//!   shows its trials; DISABLED and FORCED_OPEN show an empty window. Outcomes recorded late
//!   (a call permitted in CLOSED that completes after the breaker opened) are recorded into
//!   the current state's window, as resilience4j does.
//! - **Events**: every state change is kept in a fixed-capacity ring ([`TransitionEvent`]:
//!   from, to, time, cause, the deciding rates) and counted per (from, to) pair
//!   ([`TransitionCounts`], exact whatever the ring's capacity). Lifetime call counters
//!   ([`LifetimeCounts`]) count successful, failed, timed-out, slow, ignored and not-permitted
//!   calls since creation.
//!
//! All time comes from the injected [`Clock`](crate::clock::Clock); tests drive a
//! [`ManualClock`](crate::clock::ManualClock).
//!
//! # Concurrency
//!
//! The state is one `AtomicU64` (state code and a transition epoch). In CLOSED,
//! [`CircuitBreaker::try_acquire`] is one atomic load (no clock read), and
//! [`CircuitBreaker::record`] is the state load, the window's atomics and one striped lifetime
//! counter: no lock. The count-based window is a ring of outcome slots with one packed
//! counter word, kept exact by swap-and-delta accounting; threads sharing a breaker take ring
//! positions in per-stripe batches, so the shared ring head is touched once per batch rather
//! than per call (`window.rs` states the argument and bounds the approximation: under
//! concurrency at most `S·(B − 1) + P < N/8 + P` of the N slots can hold an outcome one lap
//! older; single-threaded the window is exact). Transitions take the breaker's mutex, re-check
//! the epoch the caller saw (so concurrent recorders crossing a threshold open the breaker
//! once), reset the windows they enter with the same swap-based accounting (safe against late
//! recorders), and publish the new state with a release store. A time-based window takes its
//! roll mutex at most once per second, to move to a new second.
//!
//! # Differences from resilience4j (deliberate)
//!
//! - OPEN → HALF_OPEN happens at `now ≥ opened + wait` (the runtime anchors' oracle: "the
//!   first call at t ≥ 60 s"); resilience4j tests `isAfter`, which differs only at the exact
//!   instant.
//! - The not-permitted count is kept since creation (the `.fbs` `not_permitted_calls`), where
//!   resilience4j's restarts with each state.
//! - No scheduler thread: timer-driven transitions (automatic HALF_OPEN, HALF_OPEN max wait)
//!   are made lazily or by [`CircuitBreaker::evaluate_transitions`], stamped with the time they
//!   fell due.
//! - Changing the configuration builds a new breaker ([`CircuitBreaker::reconfigured`]) that
//!   keeps the state, the counters and the events and clears the window (the `.fbs`
//!   `configure` contract); the caller swaps it in.

mod config;
mod events;
mod stats;
mod window;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::clock::SharedClock;

pub use config::{
    BreakerConfig, ConfigError, HalfOpenTimeoutTarget, IntervalFn, OpenWait, SlidingWindowType,
    MAX_COUNT_WINDOW, MAX_EVENT_CAPACITY, MAX_TIME_WINDOW_SECS,
};
pub use events::{TransitionCause, TransitionCounts, TransitionEvent};
pub use stats::LifetimeCounts;

use events::EventRing;
use stats::Stats;
use window::{CountWindow, Counts, Kind, Padded, TimeWindow, Window};

/// Breaker state. The first five match `idl/circuit_breaker.fbs` `BreakerState` by value;
/// `MetricsOnly` (resilience4j's METRICS_ONLY) has no `.fbs` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BreakerState {
    /// Calls pass; outcomes are recorded and evaluated.
    Closed = 0,
    /// Calls are rejected until the wait has elapsed.
    Open = 1,
    /// A fixed number of trial calls pass; their outcomes decide.
    HalfOpen = 2,
    /// All calls pass; nothing is recorded or evaluated.
    Disabled = 3,
    /// All calls are rejected until a transition or reset.
    ForcedOpen = 4,
    /// All calls pass; outcomes are recorded and rates computed, but the state never changes.
    MetricsOnly = 5,
}

impl BreakerState {
    /// Number of states.
    pub const COUNT: usize = 6;

    /// All states, in value order.
    pub const ALL: [Self; Self::COUNT] = [
        Self::Closed,
        Self::Open,
        Self::HalfOpen,
        Self::Disabled,
        Self::ForcedOpen,
        Self::MetricsOnly,
    ];

    fn from_code(code: u64) -> Self {
        match code {
            0 => Self::Closed,
            1 => Self::Open,
            2 => Self::HalfOpen,
            3 => Self::Disabled,
            4 => Self::ForcedOpen,
            _ => Self::MetricsOnly,
        }
    }

    /// resilience4j's name (`CLOSED`, `HALF_OPEN`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Closed => "CLOSED",
            Self::Open => "OPEN",
            Self::HalfOpen => "HALF_OPEN",
            Self::Disabled => "DISABLED",
            Self::ForcedOpen => "FORCED_OPEN",
            Self::MetricsOnly => "METRICS_ONLY",
        }
    }

    /// Whether resilience4j's `StateTransition` table allows an explicit move to `to`.
    #[must_use]
    pub fn can_transition_to(self, to: Self) -> bool {
        !matches!(
            (self, to),
            (Self::Closed, Self::HalfOpen)
                | (Self::MetricsOnly, Self::Open)
                | (Self::MetricsOnly, Self::HalfOpen)
        )
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Outcome of one protected call, as the caller reports it (`.fbs` `CallOutcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallOutcome {
    /// The call succeeded.
    Success,
    /// The call failed.
    Failure,
    /// The call timed out: counted as a failure.
    Timeout,
    /// The error is not the target's fault: counted nowhere.
    Ignored,
}

/// Permission to make one call; the caller then reports its outcome with
/// [`CircuitBreaker::record`] (or gives it back with [`CircuitBreaker::release_permission`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a permitted call must be made and its outcome recorded"]
pub struct Permit {
    state: BreakerState,
}

impl Permit {
    /// The state that permitted the call (an OPEN breaker whose wait had elapsed has moved to
    /// HALF_OPEN and permits a trial).
    #[must_use]
    pub fn state(&self) -> BreakerState {
        self.state
    }
}

/// A call was rejected (resilience4j `CallNotPermittedException`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallNotPermitted {
    /// State that rejected it: OPEN, HALF_OPEN (no trial left) or FORCED_OPEN.
    pub state: BreakerState,
    /// Time until a call may be permitted again: the rest of the OPEN wait, or of the
    /// HALF_OPEN max wait when one is set; `None` when unknown (FORCED_OPEN; HALF_OPEN waiting
    /// for its trials).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for CallNotPermitted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "call not permitted: the circuit breaker is {}",
            self.state
        )?;
        if let Some(d) = self.retry_after {
            write!(f, " (retry after {} ms)", ceil_millis(d))?;
        }
        Ok(())
    }
}

impl std::error::Error for CallNotPermitted {}

/// An explicit transition that resilience4j's table forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    /// Current state.
    pub from: BreakerState,
    /// Requested state.
    pub to: BreakerState,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "illegal circuit breaker state transition from {} to {}",
            self.from, self.to
        )
    }
}

impl std::error::Error for IllegalTransition {}

/// What [`CircuitBreaker::record`] did (`.fbs` `RecordOutcomeResponse`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordResult {
    /// State before the outcome was recorded.
    pub previous_state: BreakerState,
    /// State after it (differs when this outcome made the breaker transition).
    pub state: BreakerState,
    /// Failure rate of the window the outcome went into, after it; −1 below the minimum
    /// number of calls (and in DISABLED / FORCED_OPEN).
    pub failure_rate: f32,
}

/// State and counters of one breaker (`.fbs` `BreakerStatus`).
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerStatus {
    /// Breaker name.
    pub name: String,
    /// Current state.
    pub state: BreakerState,
    /// Failure rate in percent over the window shown; −1 below the minimum number of calls.
    pub failure_rate: f32,
    /// Slow-call rate in percent over the window shown; −1 below the minimum number of calls.
    pub slow_call_rate: f32,
    /// Calls in the window shown.
    pub buffered_calls: u32,
    /// Failed calls in the window shown.
    pub failed_calls: u32,
    /// Successful calls in the window shown.
    pub successful_calls: u32,
    /// Slow calls in the window shown.
    pub slow_calls: u32,
    /// Calls rejected since the breaker was created.
    pub not_permitted_calls: u64,
    /// When the current state was entered, in the clock's nanoseconds.
    pub state_since_nanos: u64,
    /// Opening attempt (resilience4j `attempts`): the backoff's exponent input.
    pub attempts: u32,
    /// In OPEN: time left before a call may move the breaker to HALF_OPEN.
    pub retry_after: Option<Duration>,
    /// In HALF_OPEN: trial calls still permitted.
    pub trials_left: Option<u32>,
    /// Counters since creation.
    pub lifetime: LifetimeCounts,
    /// Events dropped from the ring since creation.
    pub dropped_events: u64,
}

/// `open_until` / `half_deadline` value for "none".
const NEVER: u64 = u64::MAX;
/// `open_source` values: which window OPEN shows and records late outcomes into.
const SOURCE_MAIN: u8 = 0;
const SOURCE_HALF: u8 = 1;

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn ceil_millis(d: Duration) -> u128 {
    d.as_nanos().div_ceil(1_000_000)
}

fn pack(epoch: u64, state: BreakerState) -> u64 {
    (epoch << 8) | state as u64
}

fn state_of(word: u64) -> BreakerState {
    BreakerState::from_code(word & 0xff)
}

/// Transition bookkeeping, behind the breaker's mutex (the rare path).
#[derive(Debug)]
struct Inner {
    attempts: u32,
    since: u64,
    events: EventRing,
    counts: TransitionCounts,
}

/// A circuit breaker. Share it as `Arc<CircuitBreaker>`; every method takes `&self`.
pub struct CircuitBreaker {
    /// State code in the low byte, transition epoch above: transitions compare-and-check it.
    state: Padded<AtomicU64>,
    name: String,
    config: BreakerConfig,
    clock: SharedClock,
    slow_nanos: u64,
    min_calls: u32,
    half_min_calls: u32,
    main: Window,
    half: CountWindow,
    stats: Stats,
    open_until: AtomicU64,
    open_source: AtomicU8,
    half_deadline: AtomicU64,
    half_permits: AtomicU32,
    half_streak: AtomicU32,
    inner: Mutex<Inner>,
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.name)
            .field("state", &self.current())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl CircuitBreaker {
    /// A breaker named `name` (the `.fbs` key, e.g. `"caller->target"`) in
    /// `config.initial_state`, on `clock`.
    ///
    /// # Errors
    /// [`ConfigError`] if `config` is invalid.
    pub fn new(
        name: impl Into<String>,
        config: BreakerConfig,
        clock: SharedClock,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let now = clock.now_nanos();
        let main = match config.sliding_window_type {
            SlidingWindowType::CountBased => {
                Window::Count(CountWindow::new(config.sliding_window_size, true))
            }
            SlidingWindowType::TimeBased => {
                Window::Time(TimeWindow::new(config.sliding_window_size, now))
            }
        };
        let initial = config.initial_state;
        let cb = Self {
            state: Padded(AtomicU64::new(pack(0, BreakerState::Closed))),
            name: name.into(),
            slow_nanos: nanos(config.slow_call_duration_threshold),
            min_calls: config.effective_minimum_calls(),
            half_min_calls: config.half_open_minimum_calls(),
            main,
            half: CountWindow::new(config.permitted_calls_in_half_open, false),
            stats: Stats::new(),
            open_until: AtomicU64::new(NEVER),
            open_source: AtomicU8::new(SOURCE_MAIN),
            half_deadline: AtomicU64::new(NEVER),
            half_permits: AtomicU32::new(0),
            half_streak: AtomicU32::new(0),
            inner: Mutex::new(Inner {
                attempts: 0,
                since: now,
                events: EventRing::new(config.event_capacity),
                counts: TransitionCounts::default(),
            }),
            config,
            clock,
        };
        if initial != BreakerState::Closed {
            // resilience4j starts OPEN / HALF_OPEN / FORCED_OPEN at attempt 1; not an event.
            let mut inner = cb.lock();
            inner.attempts = match initial {
                BreakerState::Open | BreakerState::HalfOpen | BreakerState::ForcedOpen => 1,
                _ => 0,
            };
            cb.enter_state(&inner, BreakerState::Closed, initial, now, None);
            cb.state.store(pack(0, initial), Ordering::Release);
        }
        Ok(cb)
    }

    /// The breaker's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The active configuration.
    #[must_use]
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    fn now(&self) -> u64 {
        self.clock.now_nanos()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic under the lock cannot leave the state word half-written (it is stored
        // last), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn current(&self) -> BreakerState {
        state_of(self.state.load(Ordering::Acquire))
    }

    // ---------------------------------------------------------------- acquire

    /// Asks permission for one call (resilience4j `tryAcquirePermission`). In CLOSED,
    /// DISABLED and METRICS_ONLY this is one atomic load. In OPEN, once the wait has elapsed,
    /// it moves the breaker to HALF_OPEN and asks again there. In HALF_OPEN it takes one of
    /// the trial permits. A rejection is counted as not permitted.
    ///
    /// # Errors
    /// [`CallNotPermitted`] with the rejecting state and, when known, the time until a call
    /// may be permitted again.
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit, CallNotPermitted> {
        let w = self.state.load(Ordering::Acquire);
        match state_of(w) {
            s @ (BreakerState::Closed | BreakerState::Disabled | BreakerState::MetricsOnly) => {
                Ok(Permit { state: s })
            }
            _ => self.acquire_slow(w),
        }
    }

    #[inline(never)]
    fn acquire_slow(&self, mut w: u64) -> Result<Permit, CallNotPermitted> {
        // Each turn either answers or follows a transition; a few turns suffice unless other
        // threads keep transitioning, and then a rejection is a safe answer.
        for _ in 0..4 {
            let state = state_of(w);
            match state {
                BreakerState::Closed | BreakerState::Disabled | BreakerState::MetricsOnly => {
                    return Ok(Permit { state });
                }
                BreakerState::ForcedOpen => return Err(self.reject(state, None)),
                BreakerState::Open => {
                    let now = self.now();
                    let until = self.open_until.load(Ordering::Acquire);
                    if now < until {
                        return Err(self.reject(state, Some(Duration::from_nanos(until - now))));
                    }
                    let at = if self.config.automatic_half_open {
                        until
                    } else {
                        now
                    };
                    self.transition_if(
                        w,
                        BreakerState::HalfOpen,
                        TransitionCause::OpenWaitElapsed,
                        at,
                        (-1.0, -1.0),
                    );
                }
                BreakerState::HalfOpen => {
                    let deadline = self.half_deadline.load(Ordering::Acquire);
                    let mut retry_after = None;
                    if deadline != NEVER {
                        let now = self.now();
                        if now >= deadline {
                            self.half_open_timed_out(w, deadline);
                            w = self.state.load(Ordering::Acquire);
                            continue;
                        }
                        retry_after = Some(Duration::from_nanos(deadline - now));
                    }
                    let took =
                        self.half_permits
                            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| {
                                p.checked_sub(1)
                            });
                    if took.is_ok() {
                        return Ok(Permit { state });
                    }
                    return Err(self.reject(state, retry_after));
                }
            }
            w = self.state.load(Ordering::Acquire);
        }
        let state = state_of(w);
        Err(self.reject(state, None))
    }

    fn reject(&self, state: BreakerState, retry_after: Option<Duration>) -> CallNotPermitted {
        self.stats.not_permitted();
        CallNotPermitted { state, retry_after }
    }

    /// Gives back a permit taken by [`try_acquire`](Self::try_acquire) for a call that was not
    /// made (resilience4j `releasePermission`): in HALF_OPEN the trial becomes available again
    /// (never above `permitted_calls_in_half_open`); elsewhere a no-op.
    pub fn release_permission(&self) {
        if self.current() == BreakerState::HalfOpen {
            let max = self.config.permitted_calls_in_half_open;
            let _ = self
                .half_permits
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| {
                    (p < max).then_some(p + 1)
                });
        }
    }

    // ---------------------------------------------------------------- record

    /// Records the outcome of a permitted call that took `duration` (resilience4j
    /// `onSuccess` / `onError`); may transition the breaker. In CLOSED this is lock-free.
    pub fn record(&self, outcome: CallOutcome, duration: Duration) -> RecordResult {
        let w = self.state.load(Ordering::Acquire);
        let state = state_of(w);
        let failed = match outcome {
            CallOutcome::Success => false,
            CallOutcome::Failure | CallOutcome::Timeout => true,
            CallOutcome::Ignored => return self.record_ignored(state),
        };
        if matches!(state, BreakerState::Disabled | BreakerState::ForcedOpen) {
            return self.unrecorded(state);
        }
        let kind = Kind::of(failed, nanos(duration) > self.slow_nanos);
        self.stats.record(kind, outcome == CallOutcome::Timeout);
        if state == BreakerState::Closed {
            return self.record_main(w, state, kind);
        }
        self.record_kind(w, kind, true)
    }

    /// CLOSED and METRICS_ONLY: record into the window, evaluate (CLOSED only).
    #[inline]
    fn record_main(&self, w: u64, state: BreakerState, kind: Kind) -> RecordResult {
        let counts = self.main.record(kind, || self.now());
        let rates = counts.rates(self.min_calls);
        let mut after = state;
        if state == BreakerState::Closed {
            if let Some(cause) = self.exceeded(rates) {
                self.transition_if(w, BreakerState::Open, cause, self.now(), rates);
                after = self.current();
            }
        }
        RecordResult {
            previous_state: state,
            state: after,
            failure_rate: rates.0,
        }
    }

    fn unrecorded(&self, state: BreakerState) -> RecordResult {
        RecordResult {
            previous_state: state,
            state,
            failure_rate: -1.0,
        }
    }

    fn record_ignored(&self, state: BreakerState) -> RecordResult {
        if matches!(state, BreakerState::Disabled | BreakerState::ForcedOpen) {
            return self.unrecorded(state);
        }
        self.stats.ignored();
        if state == BreakerState::HalfOpen {
            self.release_permission();
        }
        let (counts, minimum) = self.shown_window(state);
        RecordResult {
            previous_state: state,
            state,
            failure_rate: counts.rates(minimum).0,
        }
    }

    fn record_kind(&self, w: u64, kind: Kind, may_follow: bool) -> RecordResult {
        let state = state_of(w);
        match state {
            BreakerState::Closed | BreakerState::MetricsOnly => self.record_main(w, state, kind),
            BreakerState::Open => {
                // A late outcome of a call permitted before the breaker opened: recorded into
                // the window OPEN shows, not evaluated (resilience4j OpenState.onError).
                let (counts, minimum) = if self.open_source.load(Ordering::Acquire) == SOURCE_HALF {
                    (self.half.record(kind), self.half_min_calls)
                } else {
                    (self.main.record(kind, || self.now()), self.min_calls)
                };
                RecordResult {
                    previous_state: state,
                    state,
                    failure_rate: counts.rates(minimum).0,
                }
            }
            BreakerState::HalfOpen => self.record_half_open(w, kind, may_follow),
            BreakerState::Disabled | BreakerState::ForcedOpen => self.unrecorded(state),
        }
    }

    fn record_half_open(&self, w: u64, kind: Kind, may_follow: bool) -> RecordResult {
        let deadline = self.half_deadline.load(Ordering::Acquire);
        if may_follow && deadline != NEVER && self.now() >= deadline {
            // HALF_OPEN's max wait ran out before this outcome: as if its timer had fired, the
            // outcome belongs to the state that followed.
            self.half_open_timed_out(w, deadline);
            let next = self.state.load(Ordering::Acquire);
            let mut r = self.record_kind(next, kind, false);
            r.previous_state = BreakerState::HalfOpen;
            return r;
        }
        let counts = self.half.record(kind);
        let streak = if self.config.success_threshold == 0 {
            0
        } else if kind == Kind::Success {
            self.half_streak.fetch_add(1, Ordering::AcqRel) + 1
        } else {
            self.half_streak.store(0, Ordering::Release);
            0
        };
        let rates = counts.rates(self.half_min_calls);
        let decision = if rates.0 >= 0.0 {
            // Enough trials: the rates decide (resilience4j HalfOpenState.checkIfThresholdsExceeded).
            Some(match self.exceeded(rates) {
                Some(cause) => (BreakerState::Open, cause),
                None => (BreakerState::Closed, TransitionCause::TrialsBelowThresholds),
            })
        } else if self.config.success_threshold > 0 && streak >= self.config.success_threshold {
            Some((
                BreakerState::Closed,
                TransitionCause::SuccessThresholdReached,
            ))
        } else {
            None
        };
        let mut after = BreakerState::HalfOpen;
        if let Some((to, cause)) = decision {
            self.transition_if(w, to, cause, self.now(), rates);
            after = self.current();
        }
        RecordResult {
            previous_state: BreakerState::HalfOpen,
            state: after,
            failure_rate: rates.0,
        }
    }

    /// The cause if either rate reached its threshold (rates are −1 below the minimum).
    #[inline]
    fn exceeded(&self, (failure, slow): (f32, f32)) -> Option<TransitionCause> {
        let f = failure >= 0.0 && failure >= self.config.failure_rate_threshold;
        let s = slow >= 0.0 && slow >= self.config.slow_call_rate_threshold;
        match (f, s) {
            (true, true) => Some(TransitionCause::FailureAndSlowCallRateExceeded),
            (true, false) => Some(TransitionCause::FailureRateExceeded),
            (false, true) => Some(TransitionCause::SlowCallRateExceeded),
            (false, false) => None,
        }
    }

    /// Runs `f` if permitted and records its outcome, timed on the breaker's clock
    /// (resilience4j `executeSupplier`); `classify` maps an error to its outcome
    /// (`Failure`, `Timeout` or `Ignored`).
    ///
    /// # Errors
    /// [`CallNotPermitted`] if the call was rejected; `f` was not run.
    pub fn execute<T, E>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
        classify: impl FnOnce(&E) -> CallOutcome,
    ) -> Result<Result<T, E>, CallNotPermitted> {
        let _permit = self.try_acquire()?;
        let start = self.now();
        let result = f();
        let took = Duration::from_nanos(self.now().saturating_sub(start));
        let outcome = match &result {
            Ok(_) => CallOutcome::Success,
            Err(e) => classify(e),
        };
        self.record(outcome, took);
        Ok(result)
    }

    // ---------------------------------------------------------------- transitions

    /// Makes `to` current if the state word is still `expected` (else another thread has
    /// transitioned since the caller looked, and this transition is dropped).
    fn transition_if(
        &self,
        expected: u64,
        to: BreakerState,
        cause: TransitionCause,
        at: u64,
        rates: (f32, f32),
    ) -> bool {
        let mut inner = self.lock();
        let w = self.state.load(Ordering::Acquire);
        if w != expected {
            return false;
        }
        self.transition_locked(&mut inner, w, to, cause, at, rates, None);
        true
    }

    fn half_open_timed_out(&self, w: u64, deadline: u64) {
        let to = match self.config.state_after_half_open_max_wait {
            HalfOpenTimeoutTarget::Open => BreakerState::Open,
            HalfOpenTimeoutTarget::Closed => BreakerState::Closed,
        };
        self.transition_if(
            w,
            to,
            TransitionCause::HalfOpenMaxWaitElapsed,
            deadline,
            (-1.0, -1.0),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn transition_locked(
        &self,
        inner: &mut Inner,
        w: u64,
        to: BreakerState,
        cause: TransitionCause,
        at: u64,
        rates: (f32, f32),
        open_for: Option<Duration>,
    ) {
        let from = state_of(w);
        // resilience4j's attempt counter: each opening adds one (except an explicit
        // open-for-a-duration), CLOSED / DISABLED / METRICS_ONLY start over.
        inner.attempts = match to {
            BreakerState::Closed | BreakerState::Disabled | BreakerState::MetricsOnly => 0,
            BreakerState::Open if open_for.is_some() => inner.attempts,
            BreakerState::Open | BreakerState::ForcedOpen => inner.attempts.saturating_add(1),
            BreakerState::HalfOpen => inner.attempts,
        };
        self.enter_state(inner, from, to, at, open_for);
        self.state
            .store(pack((w >> 8).wrapping_add(1), to), Ordering::Release);
        inner.since = at;
        inner.counts.bump(from, to);
        if from != to || cause == TransitionCause::Reset {
            inner.events.push(TransitionEvent {
                from,
                to,
                at_nanos: at,
                cause,
                failure_rate: rates.0,
                slow_call_rate: rates.1,
            });
        }
    }

    /// Exit and entry actions; the caller publishes the state word afterwards, so threads
    /// that see the new state see these too.
    fn enter_state(
        &self,
        inner: &Inner,
        from: BreakerState,
        to: BreakerState,
        at: u64,
        open_for: Option<Duration>,
    ) {
        if from == BreakerState::HalfOpen {
            // Leftover trial permits must not let a thread that saw HALF_OPEN in.
            self.half_permits.store(0, Ordering::Release);
            self.half_deadline.store(NEVER, Ordering::Release);
        }
        match to {
            BreakerState::Closed
            | BreakerState::Disabled
            | BreakerState::ForcedOpen
            | BreakerState::MetricsOnly => self.main.reset(),
            BreakerState::HalfOpen => {
                self.half.reset();
                self.half_streak.store(0, Ordering::Release);
                let max_wait = self.config.max_wait_in_half_open;
                let deadline = if max_wait.is_zero() {
                    NEVER
                } else {
                    at.saturating_add(nanos(max_wait))
                };
                self.half_deadline.store(deadline, Ordering::Release);
                self.half_permits
                    .store(self.config.permitted_calls_in_half_open, Ordering::Release);
            }
            BreakerState::Open => {
                let wait = open_for
                    .unwrap_or_else(|| self.config.wait_in_open.wait_for_attempt(inner.attempts));
                self.open_until
                    .store(at.saturating_add(nanos(wait)), Ordering::Release);
                match from {
                    BreakerState::HalfOpen => {
                        self.open_source.store(SOURCE_HALF, Ordering::Release);
                    }
                    BreakerState::Open => {}
                    _ => self.open_source.store(SOURCE_MAIN, Ordering::Release),
                }
            }
        }
    }

    fn manual(
        &self,
        to: BreakerState,
        open_for: Option<Duration>,
    ) -> Result<(), IllegalTransition> {
        let mut inner = self.lock();
        let w = self.state.load(Ordering::Acquire);
        let from = state_of(w);
        if !from.can_transition_to(to) {
            return Err(IllegalTransition { from, to });
        }
        let at = self.now();
        self.transition_locked(
            &mut inner,
            w,
            to,
            TransitionCause::Manual,
            at,
            (-1.0, -1.0),
            open_for,
        );
        Ok(())
    }

    /// Moves to CLOSED with an empty window (resilience4j `transitionToClosedState`).
    ///
    /// # Errors
    /// Never in practice (every state may close); kept for symmetry.
    pub fn transition_to_closed(&self) -> Result<(), IllegalTransition> {
        self.manual(BreakerState::Closed, None)
    }

    /// Opens the breaker for the configured wait of the next attempt (resilience4j
    /// `transitionToOpenState`).
    ///
    /// # Errors
    /// [`IllegalTransition`] from METRICS_ONLY.
    pub fn transition_to_open(&self) -> Result<(), IllegalTransition> {
        self.manual(BreakerState::Open, None)
    }

    /// Opens the breaker for `wait`, without counting an attempt (resilience4j
    /// `transitionToOpenStateFor`).
    ///
    /// # Errors
    /// [`IllegalTransition`] from METRICS_ONLY.
    pub fn transition_to_open_for(&self, wait: Duration) -> Result<(), IllegalTransition> {
        self.manual(BreakerState::Open, Some(wait))
    }

    /// Moves to HALF_OPEN with fresh trial permits (resilience4j `transitionToHalfOpenState`).
    ///
    /// # Errors
    /// [`IllegalTransition`] from CLOSED or METRICS_ONLY.
    pub fn transition_to_half_open(&self) -> Result<(), IllegalTransition> {
        self.manual(BreakerState::HalfOpen, None)
    }

    /// Switches the breaker off: everything permitted, nothing recorded.
    ///
    /// # Errors
    /// Never in practice; kept for symmetry.
    pub fn transition_to_disabled(&self) -> Result<(), IllegalTransition> {
        self.manual(BreakerState::Disabled, None)
    }

    /// Holds the breaker open until another transition or a reset.
    ///
    /// # Errors
    /// Never in practice; kept for symmetry.
    pub fn transition_to_forced_open(&self) -> Result<(), IllegalTransition> {
        self.manual(BreakerState::ForcedOpen, None)
    }

    /// Records and computes rates without ever transitioning.
    ///
    /// # Errors
    /// Never in practice; kept for symmetry.
    pub fn transition_to_metrics_only(&self) -> Result<(), IllegalTransition> {
        self.manual(BreakerState::MetricsOnly, None)
    }

    /// Back to CLOSED with an empty window (resilience4j `reset`); a reset event is recorded
    /// even from CLOSED. Lifetime counters, transition counters and events are kept.
    pub fn reset(&self) {
        let _ = self.reset_to(BreakerState::Closed);
    }

    /// Clears the window and moves to `state` (the `.fbs` `ResetRequest.force_state`):
    /// CLOSED, DISABLED, FORCED_OPEN or METRICS_ONLY.
    ///
    /// # Errors
    /// [`IllegalTransition`] for OPEN or HALF_OPEN, which are entered by the thresholds or by
    /// the `transition_to_*` methods, not by a reset.
    pub fn reset_to(&self, state: BreakerState) -> Result<(), IllegalTransition> {
        let mut inner = self.lock();
        let w = self.state.load(Ordering::Acquire);
        if matches!(state, BreakerState::Open | BreakerState::HalfOpen) {
            return Err(IllegalTransition {
                from: state_of(w),
                to: state,
            });
        }
        let at = self.now();
        self.transition_locked(
            &mut inner,
            w,
            state,
            TransitionCause::Reset,
            at,
            (-1.0, -1.0),
            None,
        );
        Ok(())
    }

    /// Makes any transition that has fallen due on the clock — OPEN → HALF_OPEN once the wait
    /// has elapsed, HALF_OPEN → OPEN/CLOSED once `max_wait_in_half_open` has — stamped with
    /// the time it fell due, as resilience4j's scheduler would. For a timer to call; returns
    /// the state afterwards.
    pub fn evaluate_transitions(&self) -> BreakerState {
        self.due_transitions(true);
        self.current()
    }

    /// The timer-driven transitions: the HALF_OPEN max wait always (resilience4j schedules it),
    /// OPEN → HALF_OPEN when `open_wait_too` (explicit evaluation, or automatic mode).
    fn due_transitions(&self, open_wait_too: bool) {
        let w = self.state.load(Ordering::Acquire);
        match state_of(w) {
            BreakerState::Open if open_wait_too => {
                let until = self.open_until.load(Ordering::Acquire);
                if self.now() >= until {
                    self.transition_if(
                        w,
                        BreakerState::HalfOpen,
                        TransitionCause::OpenWaitElapsed,
                        until,
                        (-1.0, -1.0),
                    );
                }
            }
            BreakerState::HalfOpen => {
                let deadline = self.half_deadline.load(Ordering::Acquire);
                if deadline != NEVER && self.now() >= deadline {
                    self.half_open_timed_out(w, deadline);
                }
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------- observation

    /// The current state, after any timer-driven transition that has fallen due (the HALF_OPEN
    /// max wait; the OPEN wait in automatic mode).
    #[must_use]
    pub fn state(&self) -> BreakerState {
        self.due_transitions(self.config.automatic_half_open);
        self.current()
    }

    /// The window a state shows, with its minimum number of calls.
    fn shown_window(&self, state: BreakerState) -> (Counts, u32) {
        match state {
            BreakerState::Closed | BreakerState::MetricsOnly => {
                (self.main.snapshot(|| self.now()), self.min_calls)
            }
            BreakerState::Open if self.open_source.load(Ordering::Acquire) == SOURCE_HALF => {
                (self.half.snapshot(), self.half_min_calls)
            }
            BreakerState::Open => (self.main.snapshot(|| self.now()), self.min_calls),
            BreakerState::HalfOpen => (self.half.snapshot(), self.half_min_calls),
            BreakerState::Disabled | BreakerState::ForcedOpen => (Counts::default(), 1),
        }
    }

    /// State, window metrics and counters (`.fbs` `BreakerStatus`), after any due
    /// timer-driven transition.
    #[must_use]
    pub fn status(&self) -> BreakerStatus {
        self.due_transitions(self.config.automatic_half_open);
        let inner = self.lock();
        let state = self.current();
        let (counts, minimum) = self.shown_window(state);
        let (failure_rate, slow_call_rate) = counts.rates(minimum);
        let lifetime = self.stats.sum();
        let now = self.now();
        BreakerStatus {
            name: self.name.clone(),
            state,
            failure_rate,
            slow_call_rate,
            buffered_calls: counts.calls,
            failed_calls: counts.failed,
            successful_calls: counts.calls.saturating_sub(counts.failed),
            slow_calls: counts.slow,
            not_permitted_calls: lifetime.not_permitted,
            state_since_nanos: inner.since,
            attempts: inner.attempts,
            retry_after: (state == BreakerState::Open).then(|| {
                Duration::from_nanos(self.open_until.load(Ordering::Acquire).saturating_sub(now))
            }),
            trials_left: (state == BreakerState::HalfOpen)
                .then(|| self.half_permits.load(Ordering::Acquire)),
            lifetime,
            dropped_events: inner.events.dropped(),
        }
    }

    /// Counters since creation.
    #[must_use]
    pub fn lifetime_counts(&self) -> LifetimeCounts {
        self.stats.sum()
    }

    /// The latest state-transition events, oldest first (at most `event_capacity`).
    #[must_use]
    pub fn events(&self) -> Vec<TransitionEvent> {
        self.lock().events.to_vec()
    }

    /// Transitions per (from, to) pair since creation.
    #[must_use]
    pub fn transition_counts(&self) -> TransitionCounts {
        self.lock().counts
    }

    // ---------------------------------------------------------------- reconfiguration

    /// A breaker with `config` that continues this one (the `.fbs` `configure`: "changing
    /// them clears the window but keeps the state"): same name, clock, state (an OPEN wait
    /// keeps its end; HALF_OPEN restarts its trials with the new permitted count), attempts,
    /// lifetime and transition counters and events. Swap it in where this one was shared;
    /// outcomes still recorded into this one afterwards are not carried over.
    /// `config.initial_state` is not used.
    ///
    /// # Errors
    /// [`ConfigError`] if `config` is invalid.
    pub fn reconfigured(&self, config: BreakerConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let inner = self.lock();
        let state = self.current();
        let capacity = config.event_capacity;
        let next = Self::new(
            self.name.clone(),
            BreakerConfig {
                initial_state: BreakerState::Closed,
                ..config
            },
            self.clock.clone(),
        )?;
        {
            let mut n = next.lock();
            n.attempts = inner.attempts;
            n.since = inner.since;
            n.counts = inner.counts;
            n.events = inner.events.carried(capacity);
            if state != BreakerState::Closed {
                let open_for = (state == BreakerState::Open).then(|| {
                    Duration::from_nanos(
                        self.open_until
                            .load(Ordering::Acquire)
                            .saturating_sub(inner.since),
                    )
                });
                next.enter_state(&n, BreakerState::Closed, state, inner.since, open_for);
                next.state.store(pack(0, state), Ordering::Release);
            }
        }
        next.stats.add(self.stats.sum());
        Ok(next)
    }

    /// Capacity of the event ring as allocated (memory bound, for tests).
    #[cfg(test)]
    fn event_ring_allocation(&self) -> usize {
        self.lock().events.allocated()
    }
}
