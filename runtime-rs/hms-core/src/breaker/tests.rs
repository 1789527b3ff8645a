//! State-machine scenarios. Tests named after a resilience4j test port it
//! (`CircuitBreakerStateMachineTest` unless said otherwise); the `anchor_*` tests check the
//! deterministic oracles of `runtime-anchors.md` §3.1. All time is a `ManualClock`.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::clock::{ManualClock, SharedClock};

const ZERO: Duration = Duration::ZERO;
/// The clock starts on a whole second, as resilience4j's `MockClock` (12:00:00) does.
const START: u64 = 1_000 * 1_000_000_000;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn make(config: BreakerConfig) -> (CircuitBreaker, Arc<ManualClock>) {
    let clock = ManualClock::at(START);
    let shared: SharedClock = clock.clone();
    let cb = CircuitBreaker::new("testName", config, shared).expect("valid config");
    (cb, clock)
}

/// `CircuitBreakerStateMachineTest.setUp`: threshold 50 %, 4 trials in HALF_OPEN, slow above
/// 4 s at 50 %, HALF_OPEN max wait 1 s, a 20-second time window with minimum 5 calls, 5 s in
/// OPEN.
fn r4j_config() -> BreakerConfig {
    BreakerConfig {
        failure_rate_threshold: 50.0,
        permitted_calls_in_half_open: 4,
        slow_call_duration_threshold: secs(4),
        slow_call_rate_threshold: 50.0,
        max_wait_in_half_open: secs(1),
        sliding_window_type: SlidingWindowType::TimeBased,
        sliding_window_size: 20,
        minimum_number_of_calls: 5,
        wait_in_open: OpenWait::Fixed(secs(5)),
        ..BreakerConfig::default()
    }
}

fn r4j() -> (CircuitBreaker, Arc<ManualClock>) {
    make(r4j_config())
}

/// `assertCircuitBreakerMetricsEqualTo(failureRate, successful, buffered, failed, notPermitted)`.
/// resilience4j's not-permitted count restarts with each state; ours is since creation, so the
/// callers pass the lifetime figure.
fn assert_metrics(
    cb: &CircuitBreaker,
    failure_rate: f32,
    successful: u32,
    buffered: u32,
    failed: u32,
    not_permitted: u64,
) {
    let s = cb.status();
    assert_eq!(
        (
            s.failure_rate,
            s.successful_calls,
            s.buffered_calls,
            s.failed_calls,
            s.not_permitted_calls
        ),
        (failure_rate, successful, buffered, failed, not_permitted),
        "(failure rate, successful, buffered, failed, not permitted) in {:?}",
        s.state
    );
}

fn assert_metrics_are_reset(cb: &CircuitBreaker, not_permitted: u64) {
    assert_metrics(cb, -1.0, 0, 0, 0, not_permitted);
}

fn permitted(cb: &CircuitBreaker) -> bool {
    cb.try_acquire().is_ok()
}

fn ok(cb: &CircuitBreaker) {
    cb.record(CallOutcome::Success, ZERO);
}

fn fail(cb: &CircuitBreaker) {
    cb.record(CallOutcome::Failure, ZERO);
}

fn ignored(cb: &CircuitBreaker) {
    cb.record(CallOutcome::Ignored, ZERO);
}

fn to_half_open(cb: &CircuitBreaker) {
    cb.transition_to_open().unwrap();
    cb.transition_to_half_open().unwrap();
    assert_eq!(cb.state(), BreakerState::HalfOpen);
}

// ------------------------------------------------------------------ OPEN / FORCED_OPEN

#[test]
fn should_throw_call_not_permitted_exception_when_state_is_open() {
    let (cb, _) = r4j();
    cb.transition_to_open().unwrap();
    let e = cb.try_acquire().unwrap_err();
    assert_eq!(e.state, BreakerState::Open);
    assert_eq!(e.retry_after, Some(secs(5)));
    assert_eq!(
        e.to_string(),
        "call not permitted: the circuit breaker is OPEN (retry after 5000 ms)"
    );
    assert_eq!(cb.status().not_permitted_calls, 1);
}

#[test]
fn should_throw_call_not_permitted_exception_when_state_is_forced_open() {
    let (cb, _) = r4j();
    cb.transition_to_forced_open().unwrap();
    let e = cb.try_acquire().unwrap_err();
    assert_eq!(e.state, BreakerState::ForcedOpen);
    assert_eq!(e.retry_after, None);
    assert_eq!(cb.status().not_permitted_calls, 1);
}

#[test]
fn should_force_open_circuit_breaker() {
    let (cb, clock) = r4j();
    cb.transition_to_forced_open().unwrap();
    assert_eq!(cb.state(), BreakerState::ForcedOpen);
    assert!(!permitted(&cb));
    clock.advance_secs(6);
    assert!(!permitted(&cb));
    // No move to HALF_OPEN, even though the 5 s OPEN wait has elapsed.
    assert_eq!(cb.state(), BreakerState::ForcedOpen);
    assert_eq!(cb.evaluate_transitions(), BreakerState::ForcedOpen);
    assert_metrics(&cb, -1.0, 0, 0, 0, 2);
    // ... until reset.
    cb.reset();
    assert!(permitted(&cb));
    assert_eq!(cb.state(), BreakerState::Closed);
}

// ------------------------------------------------------------------ HALF_OPEN permits

#[test]
fn should_increase_counter_on_release_permission() {
    let (cb, _) = r4j();
    to_half_open(&cb);
    for _ in 0..4 {
        assert!(permitted(&cb));
    }
    assert!(!permitted(&cb));
    assert!(!permitted(&cb));
    cb.release_permission();
    assert!(permitted(&cb));
    // Releasing never raises the permits above the configured number.
    for _ in 0..10 {
        cb.release_permission();
    }
    assert_eq!(cb.status().trials_left, Some(4));
}

#[test]
fn should_throw_call_not_permitted_exception_when_not_further_test_calls_are_permitted() {
    let (cb, _) = r4j();
    to_half_open(&cb);
    for _ in 0..4 {
        assert!(permitted(&cb));
    }
    let e = cb.try_acquire().unwrap_err();
    assert_eq!(e.state, BreakerState::HalfOpen);
    assert_eq!(cb.status().not_permitted_calls, 1);
}

#[test]
fn should_only_permit_four_calls_in_half_open_state() {
    let (cb, _) = r4j();
    assert_metrics_are_reset(&cb, 0);
    for _ in 0..2 {
        to_half_open(&cb);
        for _ in 0..4 {
            assert!(permitted(&cb));
        }
        assert!(!permitted(&cb));
        assert!(!permitted(&cb));
    }
}

// ------------------------------------------------------------------ opening

#[test]
fn should_open_after_failure_rate_threshold_exceeded_2() {
    let (cb, clock) = r4j();
    ok(&cb);
    clock.advance_secs(1);
    ok(&cb);
    clock.advance_secs(1);
    ok(&cb);
    clock.advance_secs(1);
    fail(&cb);
    clock.advance_secs(1);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Closed, "2 of 5 = 40 %");
    clock.advance_secs(1);
    assert_eq!(cb.state(), BreakerState::Closed);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Open, "3 of 6 = 50 %");
}

#[test]
fn should_open_after_failure_rate_threshold_exceeded() {
    let (cb, _) = r4j();
    assert!(permitted(&cb));
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_metrics_are_reset(&cb, 0);

    assert!(permitted(&cb));
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_metrics(&cb, -1.0, 0, 1, 1, 0);

    assert!(permitted(&cb));
    fail(&cb);
    assert_metrics(&cb, -1.0, 0, 2, 2, 0);

    assert!(permitted(&cb));
    fail(&cb);
    assert_metrics(&cb, -1.0, 0, 3, 3, 0);

    assert!(permitted(&cb));
    ok(&cb);
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_metrics(&cb, -1.0, 1, 4, 3, 0);

    let r = cb.record(CallOutcome::Success, ZERO);
    assert_eq!(r.previous_state, BreakerState::Closed);
    assert_eq!(r.state, BreakerState::Open);
    assert_eq!(r.failure_rate, 60.0);
    assert_eq!(cb.state(), BreakerState::Open);
    let s = cb.status();
    assert_eq!(
        (s.buffered_calls, s.failed_calls, s.failure_rate),
        (5, 3, 60.0)
    );
    assert_metrics(&cb, 60.0, 2, 5, 3, 0);
    let events = cb.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].cause, TransitionCause::FailureRateExceeded);
    assert_eq!(events[0].failure_rate, 60.0);

    assert!(!permitted(&cb));
    assert_metrics(&cb, 60.0, 2, 5, 3, 1);
}

#[test]
fn should_open_after_slow_call_rate_threshold_exceeded() {
    let (cb, _) = r4j();
    assert_metrics_are_reset(&cb, 0);
    cb.record(CallOutcome::Failure, secs(5));
    cb.record(CallOutcome::Success, secs(5));
    cb.record(CallOutcome::Failure, Duration::from_millis(100));
    cb.record(CallOutcome::Success, Duration::from_millis(100));
    assert_eq!(cb.state(), BreakerState::Closed);
    cb.record(CallOutcome::Success, secs(5));
    assert_eq!(cb.state(), BreakerState::Open);
    let s = cb.status();
    assert_eq!(
        (s.buffered_calls, s.slow_calls, s.slow_call_rate),
        (5, 3, 60.0)
    );
    assert_eq!(s.failure_rate, 40.0);
    assert_eq!(cb.events()[0].cause, TransitionCause::SlowCallRateExceeded);
}

#[test]
fn should_open_after_slow_call_rate_threshold_exceeded_using_mock_clock() {
    // The call durations are measured on the breaker's clock by `execute`.
    let (cb, clock) = r4j();
    let call = |s: u64| {
        cb.execute(
            || {
                clock.advance_secs(s);
                Ok::<(), ()>(())
            },
            |_| CallOutcome::Failure,
        )
        .unwrap()
        .unwrap();
    };
    for (i, (s, slow)) in [(5, 1), (5, 2), (1, 2), (1, 2)].into_iter().enumerate() {
        call(s);
        let st = cb.status();
        assert_eq!((st.buffered_calls, st.slow_calls), (i as u32 + 1, slow));
        assert_eq!(st.state, BreakerState::Closed);
    }
    call(5);
    let st = cb.status();
    assert_eq!(st.state, BreakerState::Open);
    assert_eq!(
        (st.buffered_calls, st.slow_calls, st.slow_call_rate),
        (5, 3, 60.0)
    );
}

#[test]
fn a_call_exactly_at_the_slow_threshold_is_not_slow() {
    // resilience4j: slow means strictly greater than slowCallDurationThreshold.
    let (cb, _) = r4j();
    cb.record(CallOutcome::Success, secs(4));
    cb.record(CallOutcome::Success, secs(4) + Duration::from_nanos(1));
    let s = cb.status();
    assert_eq!(s.slow_calls, 1);
    assert_eq!(s.lifetime.slow, 1);
}

#[test]
fn a_timeout_counts_as_a_failure() {
    let (cb, _) = make(BreakerConfig {
        sliding_window_size: 4,
        ..BreakerConfig::default()
    });
    cb.record(CallOutcome::Timeout, ZERO);
    cb.record(CallOutcome::Timeout, ZERO);
    cb.record(CallOutcome::Success, ZERO);
    assert_eq!(cb.state(), BreakerState::Closed);
    let r = cb.record(CallOutcome::Success, ZERO);
    assert_eq!((r.state, r.failure_rate), (BreakerState::Open, 50.0));
    let l = cb.lifetime_counts();
    assert_eq!((l.failed, l.timed_out, l.successful), (2, 2, 2));
}

// ------------------------------------------------------------------ anchors §3.1 (defaults)

#[test]
fn anchor_window_100_threshold_50_stays_closed_at_49_failures_and_opens_at_50() {
    // Oracles 1 and 2: default config (count window 100, minimum 100, threshold 50 %).
    let (cb, _) = make(BreakerConfig::default());
    for _ in 0..49 {
        fail(&cb);
    }
    for _ in 0..50 {
        ok(&cb);
    }
    assert_eq!(
        cb.status().failure_rate,
        -1.0,
        "99 calls: below the minimum"
    );
    let r = cb.record(CallOutcome::Success, ZERO);
    assert_eq!((r.state, r.failure_rate), (BreakerState::Closed, 49.0));

    let (cb, _) = make(BreakerConfig::default());
    for _ in 0..50 {
        fail(&cb);
    }
    for _ in 0..49 {
        ok(&cb);
    }
    assert_eq!(cb.state(), BreakerState::Closed);
    let r = cb.record(CallOutcome::Success, ZERO);
    assert_eq!((r.state, r.failure_rate), (BreakerState::Open, 50.0));
}

#[test]
fn anchor_nothing_opens_before_the_minimum_number_of_calls() {
    let (cb, _) = make(BreakerConfig::default());
    for _ in 0..99 {
        let r = cb.record(CallOutcome::Failure, ZERO);
        assert_eq!((r.state, r.failure_rate), (BreakerState::Closed, -1.0));
    }
    assert_eq!(cb.status().failure_rate, -1.0);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Open, "the 100th failure opens");

    // Time-based windows are not capped by their size: 6 of a minimum of 10 stays closed.
    let (cb, _) = make(BreakerConfig {
        sliding_window_type: SlidingWindowType::TimeBased,
        sliding_window_size: 5,
        minimum_number_of_calls: 10,
        ..BreakerConfig::default()
    });
    for _ in 0..9 {
        fail(&cb);
    }
    assert_eq!(cb.state(), BreakerState::Closed);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Open);
}

#[test]
fn a_count_window_uses_the_smaller_of_minimum_calls_and_window_size() {
    // resilience4j: minimumNumberOfCalls = min(minimumNumberOfCalls, slidingWindowSize).
    let (cb, _) = make(BreakerConfig {
        sliding_window_size: 5,
        minimum_number_of_calls: 100,
        ..BreakerConfig::default()
    });
    for _ in 0..4 {
        fail(&cb);
    }
    assert_eq!(cb.state(), BreakerState::Closed);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Open);
}

#[test]
fn anchor_open_rejects_without_calling_the_target_and_half_opens_at_the_wait() {
    // Oracles 3 and 4: OPEN does not run the call; 59.999 s still OPEN, 60 s HALF_OPEN.
    let (cb, clock) = make(BreakerConfig::default());
    cb.transition_to_open().unwrap();
    let mut ran = false;
    let r = cb.execute(
        || {
            ran = true;
            Ok::<(), ()>(())
        },
        |_| CallOutcome::Failure,
    );
    assert!(!ran);
    assert_eq!(r.unwrap_err().state, BreakerState::Open);
    clock.advance_millis(59_999);
    let e = cb.try_acquire().unwrap_err();
    assert_eq!(e.retry_after, Some(Duration::from_millis(1)));
    assert_eq!(cb.state(), BreakerState::Open);
    clock.advance_millis(1);
    assert_eq!(
        cb.state(),
        BreakerState::Open,
        "no call yet: the move is lazy"
    );
    let p = cb.try_acquire().unwrap();
    assert_eq!(p.state(), BreakerState::HalfOpen);
    assert_eq!(cb.state(), BreakerState::HalfOpen);
    let e = cb.events();
    assert_eq!(e.last().unwrap().cause, TransitionCause::OpenWaitElapsed);
    assert_eq!(e.last().unwrap().at_nanos, START + 60_000_000_000);
}

#[test]
fn anchor_half_open_allows_exactly_ten_trials_and_their_rate_decides() {
    // Oracle 5: 10 trials, the 11th rejected; 5/10 failures → OPEN, 4/10 → CLOSED.
    for (failures, expected) in [(5, BreakerState::Open), (4, BreakerState::Closed)] {
        let (cb, clock) = make(BreakerConfig::default());
        cb.transition_to_open().unwrap();
        clock.advance_secs(60);
        for _ in 0..10 {
            assert!(permitted(&cb));
        }
        let e = cb.try_acquire().unwrap_err();
        assert_eq!(e.state, BreakerState::HalfOpen);
        for i in 0..10 {
            assert_eq!(
                cb.state(),
                BreakerState::HalfOpen,
                "decided after {i} trials"
            );
            if i < failures {
                fail(&cb);
            } else {
                ok(&cb);
            }
        }
        assert_eq!(cb.state(), expected, "{failures}/10 failures");
    }
}

// ------------------------------------------------------------------ OPEN → HALF_OPEN

#[test]
fn should_transition_to_half_open_after_wait_duration() {
    let (cb, clock) = r4j();
    cb.transition_to_open().unwrap();
    assert_metrics_are_reset(&cb, 0);
    assert_eq!(cb.state(), BreakerState::Open);
    assert!(!permitted(&cb));
    clock.advance_secs(3);
    assert_eq!(cb.state(), BreakerState::Open);
    assert!(!permitted(&cb));
    assert_metrics(&cb, -1.0, 0, 0, 0, 2);
    clock.advance_secs(3);
    assert!(permitted(&cb));
    assert_eq!(cb.state(), BreakerState::HalfOpen);
    assert_metrics_are_reset(&cb, 2);
}

#[test]
fn should_transition_to_half_open_after_passed_wait_duration() {
    let (cb, clock) = r4j();
    cb.transition_to_open_for(Duration::from_secs(2 * 3600))
        .unwrap();
    assert_eq!(cb.state(), BreakerState::Open);
    assert!(!permitted(&cb));
    clock.advance_secs(3600);
    assert!(!permitted(&cb));
    assert_metrics(&cb, -1.0, 0, 0, 0, 2);
    clock.advance_secs(3601);
    assert!(permitted(&cb));
    assert_eq!(cb.state(), BreakerState::HalfOpen);
    assert_metrics_are_reset(&cb, 2);
    // An explicit open-for does not count an attempt: the next opening is attempt 1.
    assert_eq!(cb.status().attempts, 0);
}

#[test]
fn should_transition_to_half_open_after_wait_interval() {
    let (cb, clock) = make(BreakerConfig {
        sliding_window_size: 5,
        permitted_calls_in_half_open: 4,
        wait_in_open: OpenWait::ExponentialBackoff {
            initial: Duration::from_millis(5_000),
            multiplier: 1.5,
            max: Duration::MAX,
        },
        ..BreakerConfig::default()
    });
    cb.transition_to_open().unwrap();
    assert!(!permitted(&cb));
    clock.advance_secs(3);
    assert!(!permitted(&cb), "5 s not elapsed");
    assert_metrics(&cb, -1.0, 0, 0, 0, 2);
    clock.advance_secs(3);
    assert!(permitted(&cb));
    assert_eq!(cb.state(), BreakerState::HalfOpen);

    cb.transition_to_open().unwrap();
    clock.advance_secs(6);
    assert!(!permitted(&cb), "the second wait is 7.5 s");
    clock.advance_secs(5);
    assert!(permitted(&cb));
    assert_eq!(cb.state(), BreakerState::HalfOpen);
}

#[test]
fn exponential_open_wait_backoff_grows_over_reopenings_and_is_capped() {
    let (cb, clock) = make(BreakerConfig {
        sliding_window_size: 2,
        permitted_calls_in_half_open: 1,
        wait_in_open: OpenWait::ExponentialBackoff {
            initial: secs(1),
            multiplier: 2.0,
            max: secs(5),
        },
        ..BreakerConfig::default()
    });
    fail(&cb);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Open);
    // Each failed trial re-opens with the next attempt's wait: 1, 2, 4, then capped at 5.
    for (attempt, wait) in [(1, 1), (2, 2), (3, 4), (4, 5), (5, 5)] {
        let s = cb.status();
        assert_eq!((s.attempts, s.retry_after), (attempt, Some(secs(wait))));
        clock.advance_millis(wait * 1000 - 1);
        assert!(!permitted(&cb), "attempt {attempt}: wait not over");
        clock.advance_millis(1);
        assert!(permitted(&cb), "attempt {attempt}: wait over");
        fail(&cb);
        assert_eq!(cb.state(), BreakerState::Open);
    }
    // A successful trial closes the breaker, and the next opening starts over at 1 s.
    clock.advance_secs(5);
    assert!(permitted(&cb));
    ok(&cb);
    assert_eq!(cb.state(), BreakerState::Closed);
    fail(&cb);
    fail(&cb);
    let s = cb.status();
    assert_eq!(
        (s.state, s.attempts, s.retry_after),
        (BreakerState::Open, 1, Some(secs(1)))
    );
}

// ------------------------------------------------------------------ HALF_OPEN verdicts

#[test]
fn should_transition_back_to_open_state_when_failure_rate_is_above_threshold() {
    let (cb, _) = r4j();
    to_half_open(&cb);
    assert_metrics_are_reset(&cb, 0);
    for outcome in [false, false, true] {
        assert!(permitted(&cb));
        if outcome {
            ok(&cb);
        } else {
            fail(&cb);
        }
    }
    assert_eq!(cb.state(), BreakerState::HalfOpen);
    assert!(permitted(&cb));
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Open);
    assert_metrics(&cb, 75.0, 1, 4, 3, 0);
    let e = cb.events();
    let last = e.last().unwrap();
    assert_eq!(
        (last.from, last.to, last.cause, last.failure_rate),
        (
            BreakerState::HalfOpen,
            BreakerState::Open,
            TransitionCause::FailureRateExceeded,
            75.0
        )
    );
}

#[test]
fn should_transition_back_to_open_state_when_slow_call_rate_is_above_threshold() {
    let (cb, _) = r4j();
    to_half_open(&cb);
    for d in [5, 5, 5, 1] {
        assert!(permitted(&cb));
        cb.record(CallOutcome::Success, secs(d));
    }
    assert_eq!(cb.state(), BreakerState::Open);
    let s = cb.status();
    assert_eq!(
        (s.slow_calls, s.slow_call_rate, s.failure_rate),
        (3, 75.0, 0.0)
    );
}

#[test]
fn should_transition_back_to_closed_state_when_failure_is_below_threshold() {
    let (cb, _) = r4j();
    to_half_open(&cb);
    assert!(permitted(&cb));
    fail(&cb);
    for _ in 0..3 {
        assert!(permitted(&cb));
        ok(&cb);
    }
    assert!(permitted(&cb));
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_metrics_are_reset(&cb, 0);
    assert!(permitted(&cb));
    ok(&cb);
    assert_metrics(&cb, -1.0, 1, 1, 0, 0);
}

#[test]
fn half_open_decides_after_min_of_minimum_calls_and_permitted_trials() {
    // resilience4j's HALF_OPEN window uses min(minimumNumberOfCalls, permitted): with a
    // minimum of 2 the verdict comes after 2 of the 10 permitted trials.
    let (cb, _) = make(BreakerConfig {
        minimum_number_of_calls: 2,
        ..BreakerConfig::default()
    });
    to_half_open(&cb);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::HalfOpen);
    ok(&cb);
    assert_eq!(cb.state(), BreakerState::Open, "1 of 2 = 50 %");
}

#[test]
fn success_threshold_closes_half_open_early() {
    let (cb, _) = make(BreakerConfig {
        success_threshold: 3,
        ..BreakerConfig::default()
    });
    to_half_open(&cb);
    ok(&cb);
    ok(&cb);
    fail(&cb); // breaks the streak
    ok(&cb);
    ok(&cb);
    cb.record(CallOutcome::Success, secs(61)); // a slow success breaks it too
    ok(&cb);
    assert_eq!(cb.state(), BreakerState::HalfOpen);
    ok(&cb);
    ok(&cb);
    assert_eq!(
        cb.state(),
        BreakerState::Closed,
        "3 consecutive fast successes"
    );
    let last = *cb.events().last().unwrap();
    assert_eq!(last.cause, TransitionCause::SuccessThresholdReached);
}

// ------------------------------------------------------------------ HALF_OPEN max wait

#[test]
fn circuit_breaker_transitions_to_open_after_wait_duration_in_half_open_state() {
    let (cb, clock) = r4j();
    to_half_open(&cb);
    // resilience4j sleeps 2 s against a 1 s max wait; the clock is advanced instead.
    clock.advance_secs(2);
    assert_eq!(cb.state(), BreakerState::Open);
    let last = *cb.events().last().unwrap();
    assert_eq!(last.cause, TransitionCause::HalfOpenMaxWaitElapsed);
    assert_eq!(
        last.at_nanos,
        START + 1_000_000_000,
        "stamped when it fell due"
    );
    assert_eq!(cb.status().attempts, 2, "a re-opening");
}

#[test]
fn circuit_breaker_transitions_to_closed_after_wait_duration_in_half_open_state() {
    let (cb, clock) = make(BreakerConfig {
        max_wait_in_half_open: secs(1),
        state_after_half_open_max_wait: HalfOpenTimeoutTarget::Closed,
        ..BreakerConfig::default()
    });
    to_half_open(&cb);
    clock.advance_secs(2);
    assert_eq!(cb.evaluate_transitions(), BreakerState::Closed);
}

#[test]
fn half_open_max_wait_is_also_checked_on_acquire_and_record() {
    let (cb, clock) = r4j();
    to_half_open(&cb);
    for _ in 0..3 {
        assert!(permitted(&cb));
    }
    clock.advance_millis(999);
    assert!(permitted(&cb), "the 4th trial, 1 ms before the max wait");
    let e = cb.try_acquire().unwrap_err();
    assert_eq!(e.retry_after, Some(Duration::from_millis(1)));
    clock.advance_millis(1);
    // The trial's outcome arrives after the max wait: HALF_OPEN has re-opened first.
    let r = cb.record(CallOutcome::Success, ZERO);
    assert_eq!(
        (r.previous_state, r.state),
        (BreakerState::HalfOpen, BreakerState::Open)
    );
    assert_eq!(cb.try_acquire().unwrap_err().state, BreakerState::Open);
}

// ------------------------------------------------------------------ automatic transition

#[test]
fn test_auto_transition() {
    // CircuitBreakerAutoTransitionStateMachineTest.testAutoTransition: the scheduled move to
    // HALF_OPEN after 2 s, here made when the breaker is observed.
    let (cb, clock) = make(BreakerConfig {
        sliding_window_size: 5,
        minimum_number_of_calls: 5,
        permitted_calls_in_half_open: 3,
        automatic_half_open: true,
        wait_in_open: OpenWait::Fixed(secs(2)),
        ..BreakerConfig::default()
    });
    cb.transition_to_open().unwrap();
    assert_eq!(cb.status().retry_after, Some(secs(2)));
    clock.advance_secs(1);
    assert_eq!(cb.state(), BreakerState::Open);
    clock.advance_secs(5);
    assert_eq!(cb.state(), BreakerState::HalfOpen, "without any call");
    let last = *cb.events().last().unwrap();
    assert_eq!(
        last.at_nanos,
        START + 2_000_000_000,
        "stamped when the timer would fire"
    );
    assert_eq!(cb.status().state_since_nanos, START + 2_000_000_000);
}

#[test]
fn should_cancel_auto_transition() {
    let (cb, clock) = make(BreakerConfig {
        automatic_half_open: true,
        wait_in_open: OpenWait::Fixed(secs(2)),
        ..BreakerConfig::default()
    });
    cb.transition_to_open().unwrap();
    cb.transition_to_forced_open().unwrap();
    clock.advance_secs(3);
    assert_eq!(cb.state(), BreakerState::ForcedOpen);
    assert_eq!(cb.evaluate_transitions(), BreakerState::ForcedOpen);
}

#[test]
fn evaluate_transitions_moves_open_to_half_open_on_the_clock() {
    let (cb, clock) = make(BreakerConfig::default());
    cb.transition_to_open().unwrap();
    clock.advance_secs(59);
    assert_eq!(cb.evaluate_transitions(), BreakerState::Open);
    clock.advance_secs(2);
    assert_eq!(cb.evaluate_transitions(), BreakerState::HalfOpen);
}

// ------------------------------------------------------------------ reset, DISABLED, ignored

#[test]
fn should_reset_metrics() {
    let (cb, _) = r4j();
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_metrics_are_reset(&cb, 0);
    ok(&cb);
    fail(&cb);
    assert_metrics(&cb, -1.0, 1, 2, 1, 0);
    cb.reset();
    assert_metrics_are_reset(&cb, 0);
    let e = cb.events();
    assert_eq!(
        (e.len(), e[0].from, e[0].to, e[0].cause),
        (
            1,
            BreakerState::Closed,
            BreakerState::Closed,
            TransitionCause::Reset
        )
    );
    assert_eq!(
        cb.transition_counts().total(),
        0,
        "CLOSED → CLOSED is not a transition"
    );
}

#[test]
fn should_reset_to_closed_state() {
    let (cb, _) = r4j();
    cb.transition_to_open().unwrap();
    cb.reset();
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_eq!(cb.status().attempts, 0);
}

#[test]
fn should_reset_closed_state() {
    let (cb, _) = r4j();
    ok(&cb);
    ok(&cb);
    assert_eq!(cb.status().successful_calls, 2);
    cb.reset();
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_eq!(cb.status().successful_calls, 0);
    assert_eq!(
        cb.lifetime_counts().successful,
        2,
        "lifetime counters survive"
    );
}

#[test]
fn reset_to_forces_disabled_or_forced_open_and_refuses_open() {
    let (cb, _) = r4j();
    ok(&cb);
    cb.reset_to(BreakerState::ForcedOpen).unwrap();
    assert_eq!(cb.state(), BreakerState::ForcedOpen);
    cb.reset_to(BreakerState::Disabled).unwrap();
    assert_eq!(cb.state(), BreakerState::Disabled);
    let e = cb.reset_to(BreakerState::Open).unwrap_err();
    assert_eq!((e.from, e.to), (BreakerState::Disabled, BreakerState::Open));
    cb.reset_to(BreakerState::Closed).unwrap();
    assert_metrics_are_reset(&cb, 0);
}

#[test]
fn should_disable_circuit_breaker() {
    let (cb, _) = r4j();
    cb.transition_to_disabled().unwrap();
    assert_eq!(cb.state(), BreakerState::Disabled);
    assert_metrics_are_reset(&cb, 0);
    for i in 0..1000 {
        assert!(permitted(&cb));
        let r = cb.record(
            if i == 0 {
                CallOutcome::Success
            } else {
                CallOutcome::Failure
            },
            secs(100),
        );
        assert_eq!(r.state, BreakerState::Disabled);
    }
    ignored(&cb);
    assert_metrics_are_reset(&cb, 0);
    assert_eq!(
        cb.lifetime_counts(),
        LifetimeCounts::default(),
        "nothing recorded"
    );
    // Nothing was recorded underneath either: enabling again starts empty.
    cb.transition_to_closed().unwrap();
    assert_metrics_are_reset(&cb, 0);
}

#[test]
fn should_release_permission_when_exception_ignored() {
    let (cb, _) = r4j();
    to_half_open(&cb);
    for i in 1..=3 {
        assert!(permitted(&cb));
        ok(&cb);
        assert_eq!(cb.state(), BreakerState::HalfOpen);
        assert_metrics(&cb, -1.0, i, i, 0, 0);
    }
    assert!(permitted(&cb));
    ignored(&cb);
    assert_eq!(cb.state(), BreakerState::HalfOpen);
    assert_metrics(&cb, -1.0, 3, 3, 0, 0);
    assert!(permitted(&cb), "the ignored call gave its permit back");
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Closed);
    assert_metrics_are_reset(&cb, 0);
}

#[test]
fn should_ignore_exceptions_and_then_transition_to_closed() {
    let (cb, _) = r4j();
    to_half_open(&cb);
    for _ in 0..4 {
        assert!(permitted(&cb));
        ignored(&cb);
        assert_eq!(cb.state(), BreakerState::HalfOpen);
    }
    assert_metrics_are_reset(&cb, 0);
    assert!(permitted(&cb));
    assert_eq!(cb.lifetime_counts().ignored, 4);
}

#[test]
fn ignored_outcomes_do_not_count_in_closed() {
    let (cb, _) = make(BreakerConfig {
        sliding_window_size: 5,
        ..BreakerConfig::default()
    });
    for _ in 0..100 {
        ignored(&cb);
    }
    fail(&cb);
    for _ in 0..4 {
        ignored(&cb);
    }
    let s = cb.status();
    assert_eq!(
        (s.state, s.buffered_calls, s.failed_calls),
        (BreakerState::Closed, 1, 1)
    );
    assert_eq!(s.lifetime.ignored, 104);
}

// ------------------------------------------------------------------ explicit transitions

#[test]
fn should_not_allow_transition_from_closed_to_half_open() {
    let (cb, _) = r4j();
    let e = cb.transition_to_half_open().unwrap_err();
    assert_eq!(
        e.to_string(),
        "illegal circuit breaker state transition from CLOSED to HALF_OPEN"
    );
    assert_eq!(cb.state(), BreakerState::Closed);
}

#[test]
fn all_circuit_breaker_states_allow_transition_to_metrics_only_mode_and_to_their_own_state() {
    for s in BreakerState::ALL {
        assert!(s.can_transition_to(BreakerState::MetricsOnly), "{s}");
        assert!(s.can_transition_to(s), "{s}");
    }
    let (cb, _) = r4j();
    cb.transition_to_metrics_only().unwrap();
    assert!(cb.transition_to_open().is_err());
    assert!(cb.transition_to_half_open().is_err());
}

#[test]
fn circuit_breaker_does_not_publish_state_transition_events_for_internal_transitions() {
    let (cb, _) = r4j();
    type Step = fn(&CircuitBreaker) -> Result<(), IllegalTransition>;
    let steps: [Step; 5] = [
        CircuitBreaker::transition_to_open,
        CircuitBreaker::transition_to_half_open,
        CircuitBreaker::transition_to_disabled,
        CircuitBreaker::transition_to_metrics_only,
        CircuitBreaker::transition_to_closed,
    ];
    for (i, step) in steps.iter().enumerate() {
        step(&cb).unwrap();
        assert_eq!(cb.events().len(), i + 1);
        step(&cb).unwrap(); // the same state again: internal
        assert_eq!(cb.events().len(), i + 1);
    }
    assert_eq!(cb.transition_counts().total(), 5);
}

#[test]
fn should_reset_metrics_after_metrics_only_state_transition() {
    let (cb, _) = r4j();
    ok(&cb);
    ok(&cb);
    assert_eq!(cb.status().successful_calls, 2);
    cb.transition_to_metrics_only().unwrap();
    assert_eq!(cb.state(), BreakerState::MetricsOnly);
    assert_eq!(cb.status().successful_calls, 0);
}

#[test]
fn should_record_metrics_in_metrics_only_state() {
    let (cb, _) = r4j();
    cb.transition_to_metrics_only().unwrap();
    assert!(permitted(&cb));
    assert_metrics_are_reset(&cb, 0);
    fail(&cb);
    assert_metrics(&cb, -1.0, 0, 1, 1, 0);
    fail(&cb);
    fail(&cb);
    ok(&cb);
    assert_metrics(&cb, -1.0, 1, 4, 3, 0);
    ok(&cb);
    assert_eq!(
        cb.state(),
        BreakerState::MetricsOnly,
        "60 % but never opens"
    );
    assert_metrics(&cb, 60.0, 2, 5, 3, 0);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::MetricsOnly);
    assert_eq!(
        cb.transition_counts().total(),
        1,
        "only CLOSED → METRICS_ONLY"
    );
}

#[test]
fn circuit_breaker_initialize_in_closed_open_and_metrics_only_state() {
    for initial in [
        BreakerState::Closed,
        BreakerState::Open,
        BreakerState::MetricsOnly,
        BreakerState::ForcedOpen,
        BreakerState::Disabled,
    ] {
        let (cb, clock) = make(BreakerConfig {
            initial_state: initial,
            wait_in_open: OpenWait::Fixed(secs(2)),
            ..BreakerConfig::default()
        });
        assert_eq!(cb.state(), initial);
        assert!(
            cb.events().is_empty(),
            "the initial state is not a transition"
        );
        if initial == BreakerState::Open {
            assert_eq!(cb.status().attempts, 1);
            cb.transition_to_half_open().unwrap();
            assert_eq!(cb.state(), BreakerState::HalfOpen);
            clock.advance_secs(1);
        }
    }
}

#[test]
fn late_outcomes_in_open_are_recorded_but_not_evaluated() {
    let (cb, _) = make(BreakerConfig {
        sliding_window_size: 4,
        ..BreakerConfig::default()
    });
    for _ in 0..4 {
        assert!(permitted(&cb)); // four calls in flight
    }
    fail(&cb);
    fail(&cb);
    ok(&cb);
    ok(&cb); // 2 of 4: opens
    assert_eq!(cb.state(), BreakerState::Open);
    let r = cb.record(CallOutcome::Success, ZERO); // a late outcome
    assert_eq!((r.state, r.failure_rate), (BreakerState::Open, 25.0));
    assert_eq!(cb.status().failed_calls, 1);
    assert_eq!(
        cb.transition_counts()
            .get(BreakerState::Closed, BreakerState::Open),
        1
    );
}

// ------------------------------------------------------------------ time-based window

#[test]
fn a_time_window_forgets_outcomes_older_than_the_window() {
    let config = BreakerConfig {
        sliding_window_type: SlidingWindowType::TimeBased,
        sliding_window_size: 10,
        minimum_number_of_calls: 5,
        ..BreakerConfig::default()
    };
    // Four failures at t = 0, one more just inside the window (9.999 s): 5 of 5 → OPEN.
    let (cb, clock) = make(config.clone());
    for _ in 0..4 {
        fail(&cb);
    }
    clock.advance_millis(9_999);
    fail(&cb);
    assert_eq!(cb.state(), BreakerState::Open);
    // The same at 10 s: second 0 has left the window (seconds 1..=10), one call → CLOSED.
    let (cb, clock) = make(config);
    for _ in 0..4 {
        fail(&cb);
    }
    clock.advance_secs(10);
    assert_eq!(cb.status().buffered_calls, 0);
    fail(&cb);
    let s = cb.status();
    assert_eq!(
        (s.state, s.buffered_calls, s.failed_calls),
        (BreakerState::Closed, 1, 1)
    );
}

// ------------------------------------------------------------------ events, counters, memory

#[test]
fn events_and_counters_are_exact() {
    let (cb, clock) = make(BreakerConfig {
        sliding_window_size: 2,
        permitted_calls_in_half_open: 2,
        wait_in_open: OpenWait::Fixed(secs(1)),
        ..BreakerConfig::default()
    });
    fail(&cb);
    fail(&cb); // CLOSED → OPEN at START
    clock.advance_secs(1);
    assert!(permitted(&cb)); // OPEN → HALF_OPEN at +1 s
    fail(&cb);
    ok(&cb); // HALF_OPEN → OPEN at +1 s (50 %)
    clock.advance_secs(2);
    assert!(permitted(&cb)); // OPEN → HALF_OPEN at +3 s
    ok(&cb);
    ok(&cb); // HALF_OPEN → CLOSED at +3 s
    assert!(!permitted_rejected(&cb));
    cb.transition_to_forced_open().unwrap(); // CLOSED → FORCED_OPEN
    assert!(!permitted(&cb));
    assert!(!permitted(&cb));
    cb.reset(); // FORCED_OPEN → CLOSED (reset)

    use BreakerState::{Closed, ForcedOpen, HalfOpen, Open};
    use TransitionCause as C;
    let s = 1_000_000_000;
    let got: Vec<_> = cb
        .events()
        .iter()
        .map(|e| (e.from, e.to, e.at_nanos - START, e.cause))
        .collect();
    assert_eq!(
        got,
        vec![
            (Closed, Open, 0, C::FailureRateExceeded),
            (Open, HalfOpen, s, C::OpenWaitElapsed),
            (HalfOpen, Open, s, C::FailureRateExceeded),
            (Open, HalfOpen, 3 * s, C::OpenWaitElapsed),
            (HalfOpen, Closed, 3 * s, C::TrialsBelowThresholds),
            (Closed, ForcedOpen, 3 * s, C::Manual),
            (ForcedOpen, Closed, 3 * s, C::Reset),
        ]
    );
    let t = cb.transition_counts();
    assert_eq!(t.get(Closed, Open), 1);
    assert_eq!(t.get(Open, HalfOpen), 2);
    assert_eq!(t.get(HalfOpen, Open), 1);
    assert_eq!(t.get(HalfOpen, Closed), 1);
    assert_eq!(t.get(Closed, ForcedOpen), 1);
    assert_eq!(t.get(ForcedOpen, Closed), 1);
    assert_eq!(t.total(), 7);
    assert_eq!(t.into_state(Open), 2);
    let l = cb.lifetime_counts();
    assert_eq!(
        l,
        LifetimeCounts {
            successful: 3,
            failed: 3,
            timed_out: 0,
            slow: 0,
            ignored: 0,
            not_permitted: 2,
        }
    );
}

/// `try_acquire` in CLOSED: permitted, so "not rejected".
fn permitted_rejected(cb: &CircuitBreaker) -> bool {
    cb.try_acquire().is_err()
}

#[test]
fn the_event_ring_has_fixed_capacity_and_the_counters_stay_exact() {
    let (cb, _) = make(BreakerConfig {
        event_capacity: 4,
        ..BreakerConfig::default()
    });
    let allocated = cb.event_ring_allocation();
    for _ in 0..500 {
        cb.transition_to_forced_open().unwrap();
        cb.transition_to_closed().unwrap();
    }
    let e = cb.events();
    assert_eq!(e.len(), 4);
    assert_eq!(
        (e[3].from, e[3].to),
        (BreakerState::ForcedOpen, BreakerState::Closed)
    );
    assert_eq!(cb.status().dropped_events, 996);
    assert_eq!(cb.event_ring_allocation(), allocated, "no growth");
    let t = cb.transition_counts();
    assert_eq!(t.get(BreakerState::Closed, BreakerState::ForcedOpen), 500);
    assert_eq!(t.total(), 1000);
}

#[test]
fn the_windows_have_fixed_capacity() {
    let (cb, clock) = make(BreakerConfig {
        sliding_window_size: 10,
        minimum_number_of_calls: 10,
        ..BreakerConfig::default()
    });
    let Window::Count(w) = &cb.main else {
        panic!("count-based")
    };
    let cap = w.capacity();
    for _ in 0..100_000 {
        ok(&cb);
    }
    assert_eq!(w.capacity(), cap);
    assert_eq!(cb.status().buffered_calls, 10);

    let (cb, _) = make(BreakerConfig {
        sliding_window_type: SlidingWindowType::TimeBased,
        sliding_window_size: 10,
        ..BreakerConfig::default()
    });
    let Window::Time(w) = &cb.main else {
        panic!("time-based")
    };
    for _ in 0..1_000 {
        clock.advance_millis(137);
        ok(&cb);
    }
    assert_eq!(w.capacity(), 10);
}

// ------------------------------------------------------------------ configuration

#[test]
fn an_invalid_config_is_a_typed_error_not_a_panic() {
    let clock: SharedClock = ManualClock::at(0);
    let e = CircuitBreaker::new(
        "x",
        BreakerConfig {
            failure_rate_threshold: 0.0,
            ..BreakerConfig::default()
        },
        clock,
    )
    .unwrap_err();
    assert_eq!(e, ConfigError::FailureRateThreshold(0.0));
    assert_eq!(
        e.to_string(),
        "failure_rate_threshold must be greater than 0 and at most 100, but was 0"
    );
}

#[test]
fn reconfiguring_keeps_state_counters_and_events_and_clears_the_window() {
    let (cb, clock) = make(BreakerConfig {
        sliding_window_size: 4,
        ..BreakerConfig::default()
    });
    ok(&cb);
    fail(&cb);
    let next = cb
        .reconfigured(BreakerConfig {
            sliding_window_size: 10,
            ..BreakerConfig::default()
        })
        .unwrap();
    assert_eq!(next.name(), "testName");
    assert_eq!(next.state(), BreakerState::Closed);
    assert_metrics_are_reset(&next, 0);
    assert_eq!(next.lifetime_counts().successful, 1);

    cb.transition_to_open().unwrap();
    clock.advance_secs(10);
    let next = cb.reconfigured(BreakerConfig::default()).unwrap();
    let s = next.status();
    assert_eq!((s.state, s.attempts), (BreakerState::Open, 1));
    assert_eq!(s.retry_after, Some(secs(50)), "the OPEN wait keeps its end");
    assert_eq!(next.events(), cb.events());
    assert_eq!(next.transition_counts(), cb.transition_counts());
    assert!(cb
        .reconfigured(BreakerConfig {
            sliding_window_size: 0,
            ..BreakerConfig::default()
        })
        .is_err());
}

// ------------------------------------------------------------------ concurrency

/// Four threads hammer acquire + record in CLOSED. Every counter must be exact; a 20 %
/// failure mix must never open the breaker and an 80 % mix must open it exactly once. Both are
/// provable from the window's stated approximation: each thread's calls among the last N
/// positions are a contiguous run of its own period-5 pattern (20 % or 80 %, ±1 per thread),
/// and at most S·(B − 1) + P slots hold another outcome (window.rs), so the window's failures
/// stay within 200 + 4 + S·(B − 1) + 4 < 500 and above 800 − 4 − S·(B − 1) − 4 ≥ 500.
#[test]
fn concurrent_acquire_and_record_count_exactly_and_open_once_when_the_rate_crosses() {
    const THREADS: u64 = 4;
    const CALLS: u64 = 25_000;
    let clock: SharedClock = ManualClock::at(START);
    let cb = Arc::new(
        CircuitBreaker::new(
            "concurrent",
            BreakerConfig {
                sliding_window_size: 1_000,
                minimum_number_of_calls: 1_000,
                ..BreakerConfig::default()
            },
            clock,
        )
        .unwrap(),
    );

    // Returns (permitted, rejected, successes recorded, failures recorded).
    let run = |fail_every: [bool; 5]| -> [u64; 4] {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let cb = Arc::clone(&cb);
                std::thread::spawn(move || {
                    let mut t = [0u64; 4];
                    for i in 0..CALLS {
                        match cb.try_acquire() {
                            Ok(_) => {
                                t[0] += 1;
                                if fail_every[(i % 5) as usize] {
                                    cb.record(CallOutcome::Failure, ZERO);
                                    t[3] += 1;
                                } else {
                                    cb.record(CallOutcome::Success, ZERO);
                                    t[2] += 1;
                                }
                            }
                            Err(_) => t[1] += 1,
                        }
                    }
                    t
                })
            })
            .collect();
        let mut sum = [0u64; 4];
        for h in handles {
            let t = h.join().unwrap();
            for k in 0..4 {
                sum[k] += t[k];
            }
        }
        sum
    };

    let Window::Count(main) = &cb.main else {
        panic!("count-based")
    };
    let displaced = window::stripe_count() as u64 * (main.batch() - 1) + THREADS;
    assert!(displaced < 296, "the bounds below need S·(B − 1) + P < 296");

    // 20 % failures: never opens.
    let a = run([true, false, false, false, false]);
    assert_eq!(
        a,
        [
            THREADS * CALLS,
            0,
            THREADS * CALLS * 4 / 5,
            THREADS * CALLS / 5
        ]
    );
    assert_eq!(cb.state(), BreakerState::Closed);
    let s = cb.status();
    assert_eq!(s.buffered_calls, 1_000);
    let bound = 200 + THREADS + displaced;
    assert!(
        u64::from(s.failed_calls) <= bound,
        "{} failures in the window, bound {bound}",
        s.failed_calls
    );
    assert_eq!(
        main.snapshot(),
        main.recount(),
        "packed counts equal the slots"
    );

    // 80 % failures: opens once, and nothing is lost.
    let b = run([true, true, true, true, false]);
    assert_eq!(b[0] + b[1], THREADS * CALLS);
    assert!(b[1] > 0, "the open breaker rejected calls");
    assert_eq!(cb.state(), BreakerState::Open);
    let t = cb.transition_counts();
    assert_eq!(t.get(BreakerState::Closed, BreakerState::Open), 1);
    assert_eq!(t.total(), 1);
    let open = cb.events()[0];
    assert!(
        open.failure_rate >= 50.0,
        "opened at {} %",
        open.failure_rate
    );
    assert_eq!(main.snapshot(), main.recount());

    let l = cb.lifetime_counts();
    assert_eq!(l.successful, a[2] + b[2]);
    assert_eq!(l.failed, a[3] + b[3]);
    assert_eq!(l.not_permitted, b[1]);
    assert_eq!(cb.status().not_permitted_calls, b[1]);
}

/// Threads crossing HALF_OPEN at once: exactly `permitted` trials get through.
#[test]
fn concurrent_half_open_acquires_grant_exactly_the_permitted_trials() {
    let clock: SharedClock = ManualClock::at(START);
    let cb = Arc::new(
        CircuitBreaker::new(
            "half",
            BreakerConfig {
                permitted_calls_in_half_open: 37,
                ..BreakerConfig::default()
            },
            clock,
        )
        .unwrap(),
    );
    cb.transition_to_open().unwrap();
    cb.transition_to_half_open().unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let cb = Arc::clone(&cb);
            std::thread::spawn(move || (0..1_000).filter(|_| cb.try_acquire().is_ok()).count())
        })
        .collect();
    let granted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(granted, 37);
    assert_eq!(cb.lifetime_counts().not_permitted, 4_000 - 37);
}
