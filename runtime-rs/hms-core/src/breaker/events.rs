//! State-transition events: a fixed-capacity ring of the latest ones, and exact counters per
//! (from, to) pair that do not depend on the ring's capacity.

use std::collections::VecDeque;

use super::BreakerState;

/// What caused a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransitionCause {
    /// The failure rate reached its threshold (CLOSED or HALF_OPEN → OPEN).
    FailureRateExceeded,
    /// The slow-call rate reached its threshold.
    SlowCallRateExceeded,
    /// Both rates reached their thresholds.
    FailureAndSlowCallRateExceeded,
    /// The wait in OPEN elapsed (OPEN → HALF_OPEN).
    OpenWaitElapsed,
    /// The HALF_OPEN trials completed below both thresholds (HALF_OPEN → CLOSED).
    TrialsBelowThresholds,
    /// `success_threshold` consecutive successful trials (HALF_OPEN → CLOSED early).
    SuccessThresholdReached,
    /// `max_wait_in_half_open` elapsed (HALF_OPEN → OPEN or CLOSED).
    HalfOpenMaxWaitElapsed,
    /// An explicit `transition_to_*` call.
    Manual,
    /// [`CircuitBreaker::reset`](super::CircuitBreaker::reset) or
    /// [`CircuitBreaker::reset_to`](super::CircuitBreaker::reset_to). A reset from CLOSED to
    /// CLOSED is recorded too (with `from == to`), as resilience4j publishes a reset event.
    Reset,
}

/// One state change, as kept in the breaker's event ring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransitionEvent {
    /// State left.
    pub from: BreakerState,
    /// State entered.
    pub to: BreakerState,
    /// When, in the breaker clock's nanoseconds.
    pub at_nanos: u64,
    /// Why.
    pub cause: TransitionCause,
    /// Failure rate (percent) of the window that decided it; −1 when none did.
    pub failure_rate: f32,
    /// Slow-call rate (percent) of the window that decided it; −1 when none did.
    pub slow_call_rate: f32,
}

/// Number of transitions per (from, to) pair since the breaker was created; self-transitions
/// (resilience4j's "internal" transitions, e.g. OPEN → OPEN) are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransitionCounts {
    counts: [[u64; BreakerState::COUNT]; BreakerState::COUNT],
}

impl TransitionCounts {
    /// Transitions from `from` to `to`.
    #[must_use]
    pub fn get(&self, from: BreakerState, to: BreakerState) -> u64 {
        self.counts[from as usize][to as usize]
    }

    /// All transitions counted.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Transitions into `to`, from any state.
    #[must_use]
    pub fn into_state(&self, to: BreakerState) -> u64 {
        self.counts.iter().map(|row| row[to as usize]).sum()
    }

    pub(crate) fn bump(&mut self, from: BreakerState, to: BreakerState) {
        if from != to {
            self.counts[from as usize][to as usize] += 1;
        }
    }
}

/// The latest `capacity` events; older ones are dropped (and counted).
#[derive(Debug)]
pub(crate) struct EventRing {
    events: VecDeque<TransitionEvent>,
    capacity: usize,
    dropped: u64,
}

impl EventRing {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            events: VecDeque::with_capacity(capacity),
            capacity,
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, e: TransitionEvent) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(e);
    }

    pub(crate) fn to_vec(&self) -> Vec<TransitionEvent> {
        self.events.iter().copied().collect()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    #[cfg(test)]
    pub(crate) fn allocated(&self) -> usize {
        self.events.capacity()
    }

    /// A ring of `capacity` holding the newest of `self`'s events (for a reconfigured breaker).
    pub(crate) fn carried(&self, capacity: usize) -> Self {
        let mut r = Self::new(capacity);
        r.dropped = self.dropped;
        for e in &self.events {
            r.push(*e);
        }
        r
    }
}
