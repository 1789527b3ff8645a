//! Breaker configuration, its defaults (resilience4j's) and its validation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::BreakerState;

/// Largest count-based window (and HALF_OPEN trial count): the window's counters are packed
/// into one `AtomicU64` as three 21-bit fields with a 2^20 bias (see `window.rs`), which leaves
/// 48,576 of headroom for calls in flight above this.
pub const MAX_COUNT_WINDOW: u32 = 1_000_000;

/// Largest time-based window, in seconds (one hour): a time window holds one bucket per second,
/// allocated up front.
pub const MAX_TIME_WINDOW_SECS: u32 = 3_600;

/// Largest state-transition event ring.
pub const MAX_EVENT_CAPACITY: usize = 65_536;

/// How the sliding window of the CLOSED state is measured (resilience4j `SlidingWindowType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlidingWindowType {
    /// The last `sliding_window_size` calls.
    CountBased,
    /// The calls of the last `sliding_window_size` seconds, in one-second buckets.
    TimeBased,
}

/// An interval function from the opening attempt (1 for the first opening after CLOSED, 2 for
/// a re-opening from HALF_OPEN, ...) to the wait in OPEN. resilience4j's
/// `IntervalFunction`: use it for randomised backoff, for instance.
#[derive(Clone)]
pub struct IntervalFn(Arc<dyn Fn(u32) -> Duration + Send + Sync>);

impl IntervalFn {
    /// Wraps `f`.
    pub fn new(f: impl Fn(u32) -> Duration + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// The wait for `attempt`.
    #[must_use]
    pub fn call(&self, attempt: u32) -> Duration {
        (self.0)(attempt)
    }
}

impl fmt::Debug for IntervalFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntervalFn(..)")
    }
}

/// The wait in OPEN before a call may move the breaker to HALF_OPEN
/// (resilience4j `waitIntervalFunctionInOpenState`).
#[derive(Debug, Clone)]
pub enum OpenWait {
    /// The same wait after every opening (`waitDurationInOpenState`; at least 1 ms).
    Fixed(Duration),
    /// `initial · multiplier^(attempt − 1)`, capped at `max`
    /// (`IntervalFunction.ofExponentialBackoff(initial, multiplier, max)`). Successive openings
    /// without a CLOSED state between them (OPEN → HALF_OPEN → OPEN ...) wait longer; closing
    /// starts over at `initial`.
    ExponentialBackoff {
        /// Wait after the first opening (at least 1 ms).
        initial: Duration,
        /// Growth per re-opening (finite, at least 1).
        multiplier: f64,
        /// Cap (at least `initial`).
        max: Duration,
    },
    /// Any interval function of the attempt. Its results are clamped to at least 1 ms.
    Custom(IntervalFn),
}

impl OpenWait {
    /// The wait after opening number `attempt` (1-based; 0 is treated as 1).
    #[must_use]
    pub fn wait_for_attempt(&self, attempt: u32) -> Duration {
        let attempt = attempt.max(1);
        match self {
            Self::Fixed(d) => *d,
            Self::ExponentialBackoff {
                initial,
                multiplier,
                max,
            } => {
                // Closed form rather than resilience4j's step-by-step truncation in ms: equal
                // for whole-millisecond results, and no loop over a huge attempt count.
                let exp = i32::try_from(attempt - 1).unwrap_or(i32::MAX);
                let nanos = initial.as_nanos() as f64 * multiplier.powi(exp);
                let max_nanos = max.as_nanos() as f64;
                if !nanos.is_finite() || nanos >= max_nanos {
                    *max
                } else {
                    // In range: `nanos < max_nanos <= u64::MAX` as f64.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Duration::from_nanos(nanos as u64)
                }
            }
            Self::Custom(f) => f.call(attempt).max(Duration::from_millis(1)),
        }
    }
}

/// Where HALF_OPEN goes when `max_wait_in_half_open` elapses
/// (resilience4j `transitionToStateAfterWaitDuration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HalfOpenTimeoutTarget {
    /// Re-open (resilience4j's default).
    Open,
    /// Close.
    Closed,
}

/// Breaker thresholds. [`Default`] gives resilience4j's defaults (and the `.fbs` defaults).
///
/// Mapping from `idl/circuit_breaker.fbs` `BreakerConfig`: `failure_threshold` →
/// [`failure_rate_threshold`](Self::failure_rate_threshold); `success_threshold` →
/// [`success_threshold`](Self::success_threshold); `window_type` / `sliding_window_size` /
/// `minimum_calls` → the three window fields; `open_timeout_ms` →
/// [`wait_in_open`](Self::wait_in_open) = `OpenWait::Fixed`; `half_open_max_calls` →
/// [`permitted_calls_in_half_open`](Self::permitted_calls_in_half_open);
/// `slow_call_duration_ms` / `slow_call_rate_threshold` → the two slow-call fields;
/// `automatic_half_open` → [`automatic_half_open`](Self::automatic_half_open).
#[derive(Debug, Clone)]
pub struct BreakerConfig {
    /// Failure rate in percent at or above which the breaker opens (inclusive); in (0, 100].
    pub failure_rate_threshold: f32,
    /// Slow-call rate in percent at or above which the breaker opens (inclusive); in (0, 100].
    pub slow_call_rate_threshold: f32,
    /// A call strictly longer than this is slow (at least 1 ns).
    pub slow_call_duration_threshold: Duration,
    /// Window type.
    pub sliding_window_type: SlidingWindowType,
    /// Calls (count-based, at most [`MAX_COUNT_WINDOW`]) or seconds (time-based, at most
    /// [`MAX_TIME_WINDOW_SECS`]); at least 1.
    pub sliding_window_size: u32,
    /// Calls needed in the window before a rate is computed (at least 1). For a count-based
    /// window resilience4j uses `min(minimum_number_of_calls, sliding_window_size)`, and so
    /// does this breaker.
    pub minimum_number_of_calls: u32,
    /// Wait in OPEN.
    pub wait_in_open: OpenWait,
    /// Trial calls permitted in HALF_OPEN (at least 1, at most [`MAX_COUNT_WINDOW`]).
    pub permitted_calls_in_half_open: u32,
    /// Longest stay in HALF_OPEN before moving to
    /// [`state_after_half_open_max_wait`](Self::state_after_half_open_max_wait);
    /// `Duration::ZERO` = no limit (resilience4j `maxWaitDurationInHalfOpenState`).
    pub max_wait_in_half_open: Duration,
    /// Where HALF_OPEN goes when `max_wait_in_half_open` elapses.
    pub state_after_half_open_max_wait: HalfOpenTimeoutTarget,
    /// Consecutive fast successful trial calls in HALF_OPEN that close the breaker early
    /// (the `.fbs` `success_threshold`); 0 = off. At most `permitted_calls_in_half_open`.
    pub success_threshold: u32,
    /// Move OPEN → HALF_OPEN when the wait elapses even without a call, as resilience4j's
    /// `automaticTransitionFromOpenToHalfOpenEnabled` timer does. There is no timer thread:
    /// the transition is made when the breaker is next observed (state, status, acquire) or by
    /// [`CircuitBreaker::evaluate_transitions`](super::CircuitBreaker::evaluate_transitions),
    /// and it is stamped with the time the wait elapsed.
    pub automatic_half_open: bool,
    /// State the breaker starts in (resilience4j `initialState`).
    pub initial_state: BreakerState,
    /// Capacity of the state-transition event ring (at least 1, at most
    /// [`MAX_EVENT_CAPACITY`]); older events are dropped, the per-transition counters stay
    /// exact.
    pub event_capacity: usize,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_rate_threshold: 50.0,
            slow_call_rate_threshold: 100.0,
            slow_call_duration_threshold: Duration::from_secs(60),
            sliding_window_type: SlidingWindowType::CountBased,
            sliding_window_size: 100,
            minimum_number_of_calls: 100,
            wait_in_open: OpenWait::Fixed(Duration::from_secs(60)),
            permitted_calls_in_half_open: 10,
            max_wait_in_half_open: Duration::ZERO,
            state_after_half_open_max_wait: HalfOpenTimeoutTarget::Open,
            success_threshold: 0,
            automatic_half_open: false,
            initial_state: BreakerState::Closed,
            event_capacity: 64,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// `failure_rate_threshold` outside (0, 100].
    FailureRateThreshold(f32),
    /// `slow_call_rate_threshold` outside (0, 100].
    SlowCallRateThreshold(f32),
    /// `slow_call_duration_threshold` is zero.
    SlowCallDurationThreshold,
    /// `sliding_window_size` is 0 or above the maximum for its type.
    SlidingWindowSize {
        /// The size given.
        size: u32,
        /// The window type.
        window_type: SlidingWindowType,
        /// The largest size allowed for that type.
        max: u32,
    },
    /// `minimum_number_of_calls` is 0.
    MinimumNumberOfCalls,
    /// `permitted_calls_in_half_open` is 0 or above [`MAX_COUNT_WINDOW`].
    PermittedCallsInHalfOpen(u32),
    /// An open-state wait (fixed, or a backoff's initial or max) under 1 ms.
    WaitInOpen(Duration),
    /// A backoff multiplier that is not finite or is below 1.
    BackoffMultiplier(f64),
    /// A backoff whose max is below its initial wait.
    BackoffMax {
        /// Initial wait.
        initial: Duration,
        /// Cap.
        max: Duration,
    },
    /// `success_threshold` above `permitted_calls_in_half_open`: it could never be reached.
    SuccessThreshold {
        /// The threshold given.
        success_threshold: u32,
        /// Trial calls permitted.
        permitted: u32,
    },
    /// `event_capacity` is 0 or above [`MAX_EVENT_CAPACITY`].
    EventCapacity(usize),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FailureRateThreshold(t) => write!(
                f,
                "failure_rate_threshold must be greater than 0 and at most 100, but was {t}"
            ),
            Self::SlowCallRateThreshold(t) => write!(
                f,
                "slow_call_rate_threshold must be greater than 0 and at most 100, but was {t}"
            ),
            Self::SlowCallDurationThreshold => {
                f.write_str("slow_call_duration_threshold must be at least 1 ns")
            }
            Self::SlidingWindowSize {
                size,
                window_type,
                max,
            } => {
                let unit = match window_type {
                    SlidingWindowType::CountBased => "calls",
                    SlidingWindowType::TimeBased => "seconds",
                };
                write!(
                    f,
                    "sliding_window_size must be between 1 and {max} {unit} for a \
                     {window_type:?} window, but was {size}"
                )
            }
            Self::MinimumNumberOfCalls => {
                f.write_str("minimum_number_of_calls must be greater than 0")
            }
            Self::PermittedCallsInHalfOpen(n) => write!(
                f,
                "permitted_calls_in_half_open must be between 1 and {MAX_COUNT_WINDOW}, but was {n}"
            ),
            Self::WaitInOpen(d) => write!(f, "the wait in OPEN must be at least 1 ms, but was {d:?}"),
            Self::BackoffMultiplier(m) => write!(
                f,
                "the open-state backoff multiplier must be finite and at least 1, but was {m}"
            ),
            Self::BackoffMax { initial, max } => write!(
                f,
                "the open-state backoff max ({max:?}) must be at least its initial wait ({initial:?})"
            ),
            Self::SuccessThreshold {
                success_threshold,
                permitted,
            } => write!(
                f,
                "success_threshold ({success_threshold}) must not exceed \
                 permitted_calls_in_half_open ({permitted}): it could never be reached"
            ),
            Self::EventCapacity(n) => write!(
                f,
                "event_capacity must be between 1 and {MAX_EVENT_CAPACITY}, but was {n}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl BreakerConfig {
    /// Checks every field; the first problem found is returned.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the offending field and value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // `!(x > 0 && x <= 100)` also refuses NaN.
        if !(self.failure_rate_threshold > 0.0 && self.failure_rate_threshold <= 100.0) {
            return Err(ConfigError::FailureRateThreshold(
                self.failure_rate_threshold,
            ));
        }
        if !(self.slow_call_rate_threshold > 0.0 && self.slow_call_rate_threshold <= 100.0) {
            return Err(ConfigError::SlowCallRateThreshold(
                self.slow_call_rate_threshold,
            ));
        }
        if self.slow_call_duration_threshold.is_zero() {
            return Err(ConfigError::SlowCallDurationThreshold);
        }
        let max = match self.sliding_window_type {
            SlidingWindowType::CountBased => MAX_COUNT_WINDOW,
            SlidingWindowType::TimeBased => MAX_TIME_WINDOW_SECS,
        };
        if self.sliding_window_size == 0 || self.sliding_window_size > max {
            return Err(ConfigError::SlidingWindowSize {
                size: self.sliding_window_size,
                window_type: self.sliding_window_type,
                max,
            });
        }
        if self.minimum_number_of_calls == 0 {
            return Err(ConfigError::MinimumNumberOfCalls);
        }
        if self.permitted_calls_in_half_open == 0
            || self.permitted_calls_in_half_open > MAX_COUNT_WINDOW
        {
            return Err(ConfigError::PermittedCallsInHalfOpen(
                self.permitted_calls_in_half_open,
            ));
        }
        let ms = Duration::from_millis(1);
        match &self.wait_in_open {
            OpenWait::Fixed(d) if *d < ms => return Err(ConfigError::WaitInOpen(*d)),
            OpenWait::ExponentialBackoff {
                initial,
                multiplier,
                max,
            } => {
                if *initial < ms {
                    return Err(ConfigError::WaitInOpen(*initial));
                }
                if !(multiplier.is_finite() && *multiplier >= 1.0) {
                    return Err(ConfigError::BackoffMultiplier(*multiplier));
                }
                if max < initial {
                    return Err(ConfigError::BackoffMax {
                        initial: *initial,
                        max: *max,
                    });
                }
            }
            _ => {}
        }
        if self.success_threshold > self.permitted_calls_in_half_open {
            return Err(ConfigError::SuccessThreshold {
                success_threshold: self.success_threshold,
                permitted: self.permitted_calls_in_half_open,
            });
        }
        if self.event_capacity == 0 || self.event_capacity > MAX_EVENT_CAPACITY {
            return Err(ConfigError::EventCapacity(self.event_capacity));
        }
        Ok(())
    }

    /// Calls the CLOSED window needs before a rate is computed: `min(minimum, size)` for a
    /// count-based window (resilience4j `CircuitBreakerMetrics`), `minimum` for a time-based one.
    #[must_use]
    pub fn effective_minimum_calls(&self) -> u32 {
        match self.sliding_window_type {
            SlidingWindowType::CountBased => {
                self.minimum_number_of_calls.min(self.sliding_window_size)
            }
            SlidingWindowType::TimeBased => self.minimum_number_of_calls,
        }
    }

    /// Trial calls HALF_OPEN needs before it re-evaluates the rate:
    /// `min(minimum_number_of_calls, permitted_calls_in_half_open)`, as resilience4j's
    /// `CircuitBreakerMetrics.forHalfOpen` does (so with a small minimum the verdict can come
    /// before every permitted trial has completed).
    #[must_use]
    pub fn half_open_minimum_calls(&self) -> u32 {
        self.minimum_number_of_calls
            .min(self.permitted_calls_in_half_open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(c: BreakerConfig) -> ConfigError {
        c.validate().expect_err("config should be refused")
    }

    #[test]
    fn the_defaults_are_resilience4j_s_and_valid() {
        let c = BreakerConfig::default();
        c.validate().unwrap();
        assert_eq!(c.failure_rate_threshold, 50.0);
        assert_eq!(c.slow_call_rate_threshold, 100.0);
        assert_eq!(c.slow_call_duration_threshold, Duration::from_secs(60));
        assert_eq!(c.sliding_window_size, 100);
        assert_eq!(c.minimum_number_of_calls, 100);
        assert_eq!(c.permitted_calls_in_half_open, 10);
        assert_eq!(c.wait_in_open.wait_for_attempt(1), Duration::from_secs(60));
        assert!(!c.automatic_half_open);
    }

    #[test]
    fn should_reject_thresholds_outside_zero_to_hundred() {
        for t in [0.0, -1.0, 100.01, f32::NAN, f32::INFINITY] {
            let e = err(BreakerConfig {
                failure_rate_threshold: t,
                ..BreakerConfig::default()
            });
            assert!(matches!(e, ConfigError::FailureRateThreshold(_)), "{t}");
            assert!(e.to_string().contains("failure_rate_threshold"), "{e}");
            let e = err(BreakerConfig {
                slow_call_rate_threshold: t,
                ..BreakerConfig::default()
            });
            assert!(matches!(e, ConfigError::SlowCallRateThreshold(_)), "{t}");
        }
        BreakerConfig {
            failure_rate_threshold: 100.0,
            slow_call_rate_threshold: 0.001,
            ..BreakerConfig::default()
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn should_reject_empty_or_oversized_windows_and_zero_counts() {
        let e = err(BreakerConfig {
            sliding_window_size: 0,
            ..BreakerConfig::default()
        });
        assert_eq!(
            e.to_string(),
            "sliding_window_size must be between 1 and 1000000 calls for a CountBased window, but was 0"
        );
        let e = err(BreakerConfig {
            sliding_window_type: SlidingWindowType::TimeBased,
            sliding_window_size: MAX_TIME_WINDOW_SECS + 1,
            ..BreakerConfig::default()
        });
        assert!(matches!(
            e,
            ConfigError::SlidingWindowSize { max: 3600, .. }
        ));
        assert_eq!(
            err(BreakerConfig {
                minimum_number_of_calls: 0,
                ..BreakerConfig::default()
            }),
            ConfigError::MinimumNumberOfCalls
        );
        assert_eq!(
            err(BreakerConfig {
                permitted_calls_in_half_open: 0,
                ..BreakerConfig::default()
            }),
            ConfigError::PermittedCallsInHalfOpen(0)
        );
        assert_eq!(
            err(BreakerConfig {
                slow_call_duration_threshold: Duration::ZERO,
                ..BreakerConfig::default()
            }),
            ConfigError::SlowCallDurationThreshold
        );
        assert_eq!(
            err(BreakerConfig {
                event_capacity: 0,
                ..BreakerConfig::default()
            }),
            ConfigError::EventCapacity(0)
        );
    }

    #[test]
    fn should_reject_open_waits_under_a_millisecond_and_bad_backoffs() {
        assert_eq!(
            err(BreakerConfig {
                wait_in_open: OpenWait::Fixed(Duration::from_micros(999)),
                ..BreakerConfig::default()
            }),
            ConfigError::WaitInOpen(Duration::from_micros(999))
        );
        let backoff = |initial, multiplier, max| BreakerConfig {
            wait_in_open: OpenWait::ExponentialBackoff {
                initial,
                multiplier,
                max,
            },
            ..BreakerConfig::default()
        };
        let s = Duration::from_secs;
        assert!(matches!(
            err(backoff(s(1), 0.5, s(10))),
            ConfigError::BackoffMultiplier(_)
        ));
        assert!(matches!(
            err(backoff(s(1), f64::NAN, s(10))),
            ConfigError::BackoffMultiplier(_)
        ));
        assert!(matches!(
            err(backoff(s(10), 2.0, s(1))),
            ConfigError::BackoffMax { .. }
        ));
        backoff(s(1), 1.0, s(1)).validate().unwrap();
    }

    #[test]
    fn should_reject_a_success_threshold_that_can_never_be_reached() {
        let e = err(BreakerConfig {
            success_threshold: 11,
            ..BreakerConfig::default()
        });
        assert!(e.to_string().contains("could never be reached"), "{e}");
    }

    #[test]
    fn minimum_calls_is_capped_by_a_count_window_but_not_by_a_time_window() {
        let c = BreakerConfig {
            sliding_window_size: 5,
            minimum_number_of_calls: 100,
            ..BreakerConfig::default()
        };
        assert_eq!(c.effective_minimum_calls(), 5);
        let c = BreakerConfig {
            sliding_window_type: SlidingWindowType::TimeBased,
            ..c
        };
        assert_eq!(c.effective_minimum_calls(), 100);
        assert_eq!(c.half_open_minimum_calls(), 10);
    }

    // Ports resilience4j IntervalFunctionTest.generatesCappedExponentialIntervals.
    #[test]
    fn generates_capped_exponential_intervals() {
        let w = OpenWait::ExponentialBackoff {
            initial: Duration::from_millis(100),
            multiplier: 2.0,
            max: Duration::from_millis(100_000),
        };
        let mut prev = w.wait_for_attempt(1);
        assert_eq!(prev, Duration::from_millis(100));
        for attempt in 2..12 {
            let v = w.wait_for_attempt(attempt);
            assert!(v > prev, "attempt {attempt}: {v:?} <= {prev:?}");
            prev = v;
        }
        assert_eq!(
            w.wait_for_attempt(11),
            Duration::from_millis(102_400).min(Duration::from_millis(100_000))
        );
        assert_eq!(w.wait_for_attempt(12), Duration::from_millis(100_000));
        assert_eq!(w.wait_for_attempt(u32::MAX), Duration::from_millis(100_000));
    }

    #[test]
    fn a_custom_interval_function_is_clamped_to_a_millisecond() {
        let w = OpenWait::Custom(IntervalFn::new(|a| Duration::from_micros(u64::from(a))));
        assert_eq!(w.wait_for_attempt(3), Duration::from_millis(1));
        let w = OpenWait::Custom(IntervalFn::new(|a| Duration::from_secs(u64::from(a))));
        assert_eq!(w.wait_for_attempt(3), Duration::from_secs(3));
        assert!(format!("{w:?}").contains("IntervalFn"));
    }
}
