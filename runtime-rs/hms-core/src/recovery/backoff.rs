//! Backoff delays with jitter, in whole milliseconds.
//!
//! The nominal delay of attempt `n` (0-based) is `d(n) = min(cap, g(n))`, where the growth `g` is
//!
//! - constant: `g(n) = base`;
//! - linear: `g(n) = base·(n + 1)`;
//! - exponential: `g(n) = base·multiplier^n` (`multiplier` 2 gives the classic `base·2^n`).
//!
//! The jitter turns `d` into the actual delay (AWS Architecture Blog, "Exponential Backoff and
//! Jitter"; AWS SDK `FullJitterBackoffStrategy` / `EqualJitterBackoffStrategy`; see
//! `/work/shared/notes/runtime-anchors.md` §3.2):
//!
//! | Jitter | Delay | Mean |
//! |---|---|---|
//! | [`Jitter::None`] | `d` | `d` |
//! | [`Jitter::Full`] | `U[0, d]` | `d/2` |
//! | [`Jitter::Equal`] | `d/2 + U[0, d/2]` | `3d/4` |
//! | [`Jitter::Proportional`]`(f)` | `d·(1−f) + U[0, d·f]` (the IDL's `BackoffPolicy.jitter`) | `d·(1 − f/2)` |
//! | [`Jitter::Decorrelated`] | `min(cap, U[base, 3·prev])`, `prev₀ = base` | see below |
//!
//! `U[a, b]` is a uniform integer draw, both ends included ([`Rng::range_u64`]), so the means are
//! exact for even `d`. `Proportional(0)`, `(0.5)` and `(1)` are `None`, `Equal` and `Full`.
//!
//! Decorrelated jitter ignores the growth: it grows by its own rule from the previous delay. Without
//! the cap, `E[Xₙ₊₁] = (base + 3·E[Xₙ])/2` with `E[X₀] = 2·base`, whose closed form is
//! `E[Xₙ] = 3·base·1.5ⁿ − base`. Since `min(cap, ·)` is concave, `min(cap, E[Xₙ])` is an upper bound
//! of the capped mean (Jensen), and it is what [`BackoffConfig::mean_delay_ms`] reports. The draw
//! `n` lies in `[base, min(cap, base·3ⁿ⁺¹)]`.
//!
//! cockatiel's `ExponentialBackoff` (connor4312/cockatiel, `src/backoff/ExponentialBackoff*.ts`)
//! calls its default generator "decorrelated jitter", but that one is Polly's
//! `DecorrelatedJitterBackoffV2` (a `tanh`-smoothed formula), not the AWS formula above.
//!
//! All arithmetic saturates: any attempt number (`u32::MAX` included) and any base or cap
//! (`u64::MAX` included) gives a delay within its bounds, never a panic.

use std::fmt;

use crate::rng::Rng;

/// How the nominal delay grows with the attempt number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// `base` every time.
    Constant,
    /// `base·(n + 1)` for attempt `n` (0-based).
    Linear,
    /// `base·multiplier^n` for attempt `n` (0-based).
    Exponential {
        /// Growth factor per attempt: finite and `>= 1.0` (2.0 = doubling).
        multiplier: f64,
    },
}

/// How the nominal delay is randomised (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// The nominal delay `d`.
    None,
    /// `U[0, d]` (AWS "full jitter").
    Full,
    /// `d/2 + U[0, d/2]` (AWS "equal jitter").
    Equal,
    /// `d·(1−f) + U[0, d·f]`, `f` in `[0, 1]`: the IDL's `BackoffPolicy.jitter`.
    Proportional(f64),
    /// `min(cap, U[base, 3·prev])` starting from `prev = base` (AWS "decorrelated jitter").
    Decorrelated,
}

/// A backoff configuration. Check it with [`BackoffConfig::validate`]; [`Backoff::new`] does.
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffConfig {
    /// First nominal delay in milliseconds; `> 0`.
    pub base_ms: u64,
    /// Cap on every delay in milliseconds; `>= base_ms`.
    pub cap_ms: u64,
    /// Growth of the nominal delay.
    pub growth: Growth,
    /// Randomisation of the nominal delay.
    pub jitter: Jitter,
    /// Number of delays a [`Backoff`] hands out before it is exhausted; `>= 1`.
    pub max_attempts: u32,
}

/// Why a [`BackoffConfig`] was rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BackoffError {
    /// `base_ms` is 0: every delay would be 0 and the growth would never start.
    ZeroBase,
    /// `cap_ms < base_ms`.
    CapBelowBase {
        /// The configured base, in milliseconds.
        base_ms: u64,
        /// The configured cap, in milliseconds.
        cap_ms: u64,
    },
    /// The exponential multiplier is NaN, infinite or below 1.
    InvalidMultiplier(f64),
    /// The proportional jitter fraction is NaN or outside `[0, 1]`.
    InvalidJitterFraction(f64),
    /// `max_attempts` is 0.
    ZeroMaxAttempts,
}

impl fmt::Display for BackoffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroBase => write!(f, "backoff base delay must be greater than 0 ms"),
            Self::CapBelowBase { base_ms, cap_ms } => write!(
                f,
                "backoff cap ({cap_ms} ms) must be at least the base delay ({base_ms} ms)"
            ),
            Self::InvalidMultiplier(m) => write!(
                f,
                "backoff multiplier must be a finite number >= 1.0, got {m}"
            ),
            Self::InvalidJitterFraction(j) => write!(
                f,
                "backoff jitter fraction must be within 0.0..=1.0, got {j}"
            ),
            Self::ZeroMaxAttempts => write!(f, "backoff max attempts must be at least 1"),
        }
    }
}

impl std::error::Error for BackoffError {}

impl Default for BackoffConfig {
    /// 100 ms doubling up to 30 s, full jitter (the AWS blog's recommendation), 5 attempts (the
    /// IDL's default `max_attempts`).
    fn default() -> Self {
        Self::exponential(100, 30_000).with_jitter(Jitter::Full)
    }
}

impl BackoffConfig {
    /// `base·2^n` capped at `cap`, no jitter, 5 attempts.
    #[must_use]
    pub fn exponential(base_ms: u64, cap_ms: u64) -> Self {
        Self {
            base_ms,
            cap_ms,
            growth: Growth::Exponential { multiplier: 2.0 },
            jitter: Jitter::None,
            max_attempts: 5,
        }
    }

    /// `base·(n + 1)` capped at `cap`, no jitter, 5 attempts.
    #[must_use]
    pub fn linear(base_ms: u64, cap_ms: u64) -> Self {
        Self {
            growth: Growth::Linear,
            ..Self::exponential(base_ms, cap_ms)
        }
    }

    /// `delay` every time, no jitter, 5 attempts.
    #[must_use]
    pub fn constant(delay_ms: u64) -> Self {
        Self {
            growth: Growth::Constant,
            ..Self::exponential(delay_ms, delay_ms)
        }
    }

    /// The IDL's `BackoffPolicy`: `min(max_ms, initial_ms·multiplier^n)` with proportional jitter.
    #[must_use]
    pub fn from_idl(initial_ms: u32, max_ms: u32, multiplier: f32, jitter: f32) -> Self {
        Self {
            base_ms: u64::from(initial_ms),
            cap_ms: u64::from(max_ms),
            growth: Growth::Exponential {
                multiplier: f64::from(multiplier),
            },
            jitter: Jitter::Proportional(f64::from(jitter)),
            max_attempts: 5,
        }
    }

    /// The same configuration with another jitter.
    #[must_use]
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The same configuration with exponential growth by `multiplier`.
    #[must_use]
    pub fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.growth = Growth::Exponential { multiplier };
        self
    }

    /// The same configuration with another attempt limit.
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Checks the invariants the formulas rely on.
    ///
    /// # Errors
    /// The first violated invariant, as a [`BackoffError`].
    pub fn validate(&self) -> Result<(), BackoffError> {
        if self.base_ms == 0 {
            return Err(BackoffError::ZeroBase);
        }
        if self.cap_ms < self.base_ms {
            return Err(BackoffError::CapBelowBase {
                base_ms: self.base_ms,
                cap_ms: self.cap_ms,
            });
        }
        if let Growth::Exponential { multiplier } = self.growth {
            if !(multiplier.is_finite() && multiplier >= 1.0) {
                return Err(BackoffError::InvalidMultiplier(multiplier));
            }
        }
        if let Jitter::Proportional(f) = self.jitter {
            if !(0.0..=1.0).contains(&f) {
                return Err(BackoffError::InvalidJitterFraction(f));
            }
        }
        if self.max_attempts == 0 {
            return Err(BackoffError::ZeroMaxAttempts);
        }
        Ok(())
    }

    /// The nominal (un-jittered) delay `d(n) = min(cap, g(n))` of attempt `attempt` (0-based).
    #[must_use]
    pub fn nominal_delay_ms(&self, attempt: u32) -> u64 {
        let grown = match self.growth {
            Growth::Constant => self.base_ms,
            Growth::Linear => self.base_ms.saturating_mul(u64::from(attempt) + 1),
            Growth::Exponential { multiplier } => {
                // powi multiplies exactly for multiplier 2 (powers of two are exact in f64); an
                // exponent past i32::MAX is +inf for any multiplier > 1 anyway.
                let exp = i32::try_from(attempt).unwrap_or(i32::MAX);
                #[allow(clippy::cast_precision_loss)]
                let d = self.base_ms as f64 * multiplier.powi(exp);
                #[allow(clippy::cast_precision_loss)]
                let cap = self.cap_ms as f64;
                if d.is_nan() || d >= cap {
                    self.cap_ms
                } else {
                    // In [base, cap): the cast cannot saturate.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let rounded = d.round() as u64;
                    rounded
                }
            }
        };
        grown.min(self.cap_ms)
    }

    /// The randomised part of the nominal delay `d`: the delay is `d − spread + U[0, spread]`.
    fn spread(&self, d: u64) -> u64 {
        match self.jitter {
            Jitter::None | Jitter::Decorrelated => 0,
            Jitter::Full => d,
            // d − ⌊d/2⌋: the fixed part is ⌊d/2⌋, so the upper bound is exactly d.
            Jitter::Equal => d - d / 2,
            Jitter::Proportional(f) => {
                #[allow(clippy::cast_precision_loss)]
                let s = (d as f64 * f.clamp(0.0, 1.0)).round();
                // Saturating cast, then clamped: d as f64 may round above d.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let s = s as u64;
                s.min(d)
            }
        }
    }

    /// Inclusive bounds of the delay of attempt `attempt` (0-based).
    #[must_use]
    pub fn delay_bounds_ms(&self, attempt: u32) -> (u64, u64) {
        match self.jitter {
            Jitter::Decorrelated => {
                // prev ≤ base·3ⁿ, so draw n ≤ base·3ⁿ⁺¹.
                let exp = attempt.saturating_add(1);
                let hi = 3u64
                    .checked_pow(exp)
                    .and_then(|p| self.base_ms.checked_mul(p))
                    .unwrap_or(u64::MAX);
                (self.base_ms.min(self.cap_ms), hi.min(self.cap_ms))
            }
            _ => {
                let d = self.nominal_delay_ms(attempt);
                (d - self.spread(d), d)
            }
        }
    }

    /// The mean delay of attempt `attempt` (0-based); for decorrelated jitter the upper bound
    /// `min(cap, 3·base·1.5ⁿ − base)` (see the module docs).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean_delay_ms(&self, attempt: u32) -> f64 {
        match self.jitter {
            Jitter::Decorrelated => {
                let b = self.base_ms as f64;
                let exp = i32::try_from(attempt).unwrap_or(i32::MAX);
                (3.0 * b * 1.5f64.powi(exp) - b).min(self.cap_ms as f64)
            }
            _ => {
                let d = self.nominal_delay_ms(attempt);
                let s = self.spread(d);
                (d - s) as f64 + s as f64 / 2.0
            }
        }
    }

    /// The sum of the mean delays of the first `attempts` attempts.
    #[must_use]
    pub fn expected_total_delay_ms(&self, attempts: u32) -> f64 {
        (0..attempts).map(|n| self.mean_delay_ms(n)).sum()
    }

    /// One delay for attempt `attempt` (0-based), given the previous delay (only decorrelated
    /// jitter reads it; pass `base_ms` before the first attempt). Stateless: [`Backoff`] keeps the
    /// attempt count and the previous delay.
    pub fn sample_delay_ms(&self, attempt: u32, prev_ms: u64, rng: &mut Rng) -> u64 {
        match self.jitter {
            Jitter::Decorrelated => {
                let hi = prev_ms.saturating_mul(3).max(self.base_ms);
                rng.range_u64(self.base_ms, hi).min(self.cap_ms)
            }
            _ => {
                let d = self.nominal_delay_ms(attempt);
                let s = self.spread(d);
                d - s + rng.range_u64(0, s)
            }
        }
    }
}

/// A sequence of at most `max_attempts` delays, deterministic for a seed.
#[derive(Debug, Clone)]
pub struct Backoff {
    config: BackoffConfig,
    rng: Rng,
    attempt: u32,
    prev_ms: u64,
}

impl Backoff {
    /// A backoff drawing its jitter from `Rng::seeded(seed)`.
    ///
    /// # Errors
    /// The config's first violated invariant (see [`BackoffConfig::validate`]).
    pub fn new(config: BackoffConfig, seed: u64) -> Result<Self, BackoffError> {
        Self::with_rng(config, Rng::seeded(seed))
    }

    /// A backoff drawing its jitter from `rng`.
    ///
    /// # Errors
    /// The config's first violated invariant (see [`BackoffConfig::validate`]).
    pub fn with_rng(config: BackoffConfig, rng: Rng) -> Result<Self, BackoffError> {
        config.validate()?;
        let prev_ms = config.base_ms;
        Ok(Self {
            config,
            rng,
            attempt: 0,
            prev_ms,
        })
    }

    /// The next delay, or `None` once `max_attempts` delays were handed out.
    pub fn next_delay_ms(&mut self) -> Option<u64> {
        if self.attempt >= self.config.max_attempts {
            return None;
        }
        let d = self
            .config
            .sample_delay_ms(self.attempt, self.prev_ms, &mut self.rng);
        self.prev_ms = d;
        self.attempt += 1;
        Some(d)
    }

    /// Delays handed out so far.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Delays left before exhaustion.
    #[must_use]
    pub fn remaining(&self) -> u32 {
        self.config.max_attempts - self.attempt
    }

    /// True once `max_attempts` delays were handed out.
    #[must_use]
    pub fn is_exhausted(&self) -> bool {
        self.remaining() == 0
    }

    /// Starts over from attempt 0 (the random stream continues, it is not rewound).
    pub fn reset(&mut self) {
        self.attempt = 0;
        self.prev_ms = self.config.base_ms;
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &BackoffConfig {
        &self.config
    }
}

impl Iterator for Backoff {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        self.next_delay_ms()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining()).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAWS: u32 = 100_000;
    /// Relative tolerance of a sample mean against its analytic value. The largest relative
    /// standard error below is full jitter's, (1/√3)/√10⁵ ≈ 0.18 %, so 1 % is > 5 standard errors.
    const MEAN_TOL: f64 = 0.01;

    fn kinds() -> [Jitter; 5] {
        [
            Jitter::None,
            Jitter::Full,
            Jitter::Equal,
            Jitter::Proportional(0.3),
            Jitter::Decorrelated,
        ]
    }

    fn assert_close(actual: f64, expected: f64, tol: f64, what: &str) {
        let rel = (actual - expected).abs() / expected;
        assert!(
            rel <= tol,
            "{what}: mean {actual} vs analytic {expected} ({:.3} % off, tolerance {:.1} %)",
            rel * 100.0,
            tol * 100.0
        );
    }

    #[test]
    fn invalid_configs_are_rejected_with_typed_errors_and_clear_messages() {
        let ok = BackoffConfig::exponential(100, 1000);
        assert_eq!(ok.validate(), Ok(()));
        let cases = [
            (
                BackoffConfig::exponential(0, 1000),
                BackoffError::ZeroBase,
                "base delay must be greater than 0",
            ),
            (
                BackoffConfig::exponential(100, 99),
                BackoffError::CapBelowBase {
                    base_ms: 100,
                    cap_ms: 99,
                },
                "cap (99 ms) must be at least the base delay (100 ms)",
            ),
            (
                ok.clone().with_multiplier(0.5),
                BackoffError::InvalidMultiplier(0.5),
                "multiplier must be a finite number >= 1.0, got 0.5",
            ),
            (
                ok.clone().with_multiplier(f64::INFINITY),
                BackoffError::InvalidMultiplier(f64::INFINITY),
                "got inf",
            ),
            (
                ok.clone().with_jitter(Jitter::Proportional(1.5)),
                BackoffError::InvalidJitterFraction(1.5),
                "within 0.0..=1.0, got 1.5",
            ),
            (
                ok.clone().with_max_attempts(0),
                BackoffError::ZeroMaxAttempts,
                "max attempts must be at least 1",
            ),
        ];
        for (config, error, message) in cases {
            assert_eq!(config.validate(), Err(error));
            assert!(error.to_string().contains(message), "{error}");
            assert_eq!(Backoff::new(config, 1).unwrap_err(), error);
        }
        let nan = ok.with_jitter(Jitter::Proportional(f64::NAN)).validate();
        assert!(matches!(nan, Err(BackoffError::InvalidJitterFraction(f)) if f.is_nan()));
    }

    #[test]
    fn nominal_delays_follow_the_growth_and_the_cap() {
        let e = BackoffConfig::exponential(100, 1000);
        let got: Vec<u64> = (0..6).map(|n| e.nominal_delay_ms(n)).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
        let l = BackoffConfig::linear(100, 350);
        let got: Vec<u64> = (0..5).map(|n| l.nominal_delay_ms(n)).collect();
        assert_eq!(got, [100, 200, 300, 350, 350]);
        let c = BackoffConfig::constant(70);
        assert!((0..5).all(|n| c.nominal_delay_ms(n) == 70));
        let m = BackoffConfig::exponential(100, 10_000).with_multiplier(1.5);
        assert_eq!(m.nominal_delay_ms(2), 225);
        let one = BackoffConfig::exponential(100, 10_000).with_multiplier(1.0);
        assert_eq!(one.nominal_delay_ms(u32::MAX), 100);
    }

    #[test]
    fn every_delay_is_within_its_bounds_and_the_means_match_the_formulas() {
        let config = BackoffConfig::exponential(100, 10_000);
        // Attempts 0..=3 grow (100..800), attempt 8 is capped (25 600 → 10 000).
        for attempt in [0, 1, 3, 8] {
            let d = config.nominal_delay_ms(attempt);
            #[allow(clippy::cast_precision_loss)]
            let df = d as f64;
            for (jitter, expected_mean, lo, hi) in [
                (Jitter::None, df, d, d),
                (Jitter::Full, df / 2.0, 0, d),
                (Jitter::Equal, df * 0.75, d / 2, d),
                // f = 0.3: d·0.7 + U[0, 0.3·d], mean d·0.85.
                (Jitter::Proportional(0.3), df * 0.85, d * 7 / 10, d),
            ] {
                let c = config.clone().with_jitter(jitter);
                assert_eq!(c.delay_bounds_ms(attempt), (lo, hi), "{jitter:?}");
                assert!((c.mean_delay_ms(attempt) - expected_mean).abs() < 1e-9);
                let mut rng = Rng::seeded(0x5eed + u64::from(attempt));
                let mut sum = 0.0;
                let (mut min, mut max) = (u64::MAX, 0);
                for _ in 0..DRAWS {
                    let x = c.sample_delay_ms(attempt, 0, &mut rng);
                    assert!((lo..=hi).contains(&x), "{jitter:?} attempt {attempt}: {x}");
                    min = min.min(x);
                    max = max.max(x);
                    #[allow(clippy::cast_precision_loss)]
                    {
                        sum += x as f64;
                    }
                }
                let mean = sum / f64::from(DRAWS);
                assert_close(
                    mean,
                    expected_mean,
                    MEAN_TOL,
                    &format!("{jitter:?} attempt {attempt}"),
                );
                // The draws cover the range: both ends are reached within 1 % of its width.
                assert!(min - lo <= (hi - lo) / 100 && hi - max <= (hi - lo) / 100);
            }
        }
    }

    #[test]
    fn decorrelated_jitter_stays_in_bounds_and_matches_its_recursion_without_a_cap() {
        // A cap far above anything reachable in 6 draws (100·3⁶ = 72 900).
        let config = BackoffConfig::exponential(100, u64::MAX)
            .with_jitter(Jitter::Decorrelated)
            .with_max_attempts(6);
        let mut sums = [0.0f64; 6];
        let mut rng = Rng::seeded(11);
        for _ in 0..DRAWS {
            let mut prev = config.base_ms;
            for (n, sum) in (0u32..).zip(sums.iter_mut()) {
                let x = config.sample_delay_ms(n, prev, &mut rng);
                let (lo, hi) = config.delay_bounds_ms(n);
                assert!((lo..=hi).contains(&x));
                // The per-draw rule: U[base, 3·prev].
                assert!(x >= 100 && x <= prev * 3);
                prev = x;
                #[allow(clippy::cast_precision_loss)]
                {
                    *sum += x as f64;
                }
            }
        }
        for (n, sum) in (0u32..).zip(sums) {
            // E[Xₙ] = 3·base·1.5ⁿ − base: 200, 350, 575, ...
            let analytic = 300.0 * 1.5f64.powi(i32::try_from(n).unwrap()) - 100.0;
            assert!((config.mean_delay_ms(n) - analytic).abs() < 1e-9);
            // The relative standard deviation grows with n (≈ 0.58 at n = 5): SE ≤ 0.2 %.
            assert_close(
                sum / f64::from(DRAWS),
                analytic,
                MEAN_TOL,
                &format!("n = {n}"),
            );
        }
    }

    #[test]
    fn decorrelated_jitter_holds_the_cap_and_its_mean_stays_under_the_jensen_bound() {
        let config = BackoffConfig::exponential(100, 1000)
            .with_jitter(Jitter::Decorrelated)
            .with_max_attempts(20);
        let mut sums = [0.0f64; 20];
        let mut rng = Rng::seeded(12);
        let mut at_cap = 0u32;
        for _ in 0..DRAWS / 10 {
            let mut b = Backoff::new(config.clone(), rng.next_u64()).unwrap();
            for (n, sum) in (0u32..).zip(sums.iter_mut()) {
                let x = b.next_delay_ms().unwrap();
                assert!((100..=1000).contains(&x), "attempt {n}: {x}");
                at_cap += u32::from(x == 1000);
                #[allow(clippy::cast_precision_loss)]
                {
                    *sum += x as f64;
                }
            }
            assert_eq!(b.next_delay_ms(), None);
        }
        assert!(at_cap > 0, "the cap is reached");
        for (n, sum) in (0u32..).zip(sums) {
            let mean = sum / f64::from(DRAWS / 10);
            assert!(
                mean <= config.mean_delay_ms(n) * (1.0 + MEAN_TOL),
                "n = {n}"
            );
        }
    }

    #[test]
    fn the_cap_holds_for_huge_attempt_numbers_and_extreme_configs_without_overflow() {
        let mut rng = Rng::seeded(5);
        let configs = [
            BackoffConfig::exponential(100, 30_000),
            BackoffConfig::exponential(100, 30_000).with_multiplier(1.7),
            BackoffConfig::linear(100, 30_000),
            BackoffConfig::constant(500),
            BackoffConfig::exponential(u64::MAX / 3, u64::MAX),
            BackoffConfig::linear(u64::MAX, u64::MAX),
            BackoffConfig::exponential(1, u64::MAX),
        ];
        for config in configs {
            for jitter in kinds() {
                let c = config.clone().with_jitter(jitter);
                for attempt in [64, 65, 1000, u32::MAX - 1, u32::MAX] {
                    let (lo, hi) = c.delay_bounds_ms(attempt);
                    assert!(hi <= c.cap_ms && lo <= hi);
                    if attempt >= 1000 && !matches!(jitter, Jitter::Decorrelated) {
                        assert_eq!(c.nominal_delay_ms(attempt), c.cap_ms, "{c:?}");
                    }
                    assert!(c.mean_delay_ms(attempt).is_finite());
                    for _ in 0..100 {
                        let prev = rng.range_u64(c.base_ms, c.cap_ms);
                        let x = c.sample_delay_ms(attempt, prev, &mut rng);
                        assert!(x <= c.cap_ms && x >= lo, "{c:?} attempt {attempt}: {x}");
                    }
                }
            }
        }
        // A long-running backoff never passes the cap either.
        let c = BackoffConfig::exponential(100, 30_000)
            .with_jitter(Jitter::Decorrelated)
            .with_max_attempts(2000);
        let b = Backoff::new(c, 9).unwrap();
        assert!(b.into_iter().all(|x| (100..=30_000).contains(&x)));
    }

    #[test]
    fn max_attempts_is_honoured() {
        for jitter in kinds() {
            let c = BackoffConfig::exponential(10, 1000)
                .with_jitter(jitter)
                .with_max_attempts(7);
            let mut b = Backoff::new(c, 3).unwrap();
            assert_eq!(b.size_hint(), (7, Some(7)));
            for n in 0..7 {
                assert_eq!(b.attempts(), n);
                assert!(b.next_delay_ms().is_some());
            }
            assert!(b.is_exhausted());
            assert_eq!(b.next_delay_ms(), None);
            assert_eq!(b.next_delay_ms(), None, "stays exhausted");
            assert_eq!(b.attempts(), 7);
            b.reset();
            assert_eq!(b.remaining(), 7);
            assert_eq!(b.count(), 7);
        }
    }

    #[test]
    fn a_seed_fixes_the_sequence() {
        for jitter in kinds() {
            let c = BackoffConfig::exponential(100, 30_000)
                .with_jitter(jitter)
                .with_max_attempts(10);
            let a: Vec<u64> = Backoff::new(c.clone(), 42).unwrap().collect();
            let b: Vec<u64> = Backoff::new(c.clone(), 42).unwrap().collect();
            assert_eq!(a, b);
            if jitter != Jitter::None {
                let other: Vec<u64> = Backoff::new(c, 43).unwrap().collect();
                assert_ne!(a, other);
            }
        }
    }

    #[test]
    fn the_idl_fraction_covers_none_equal_and_full() {
        let base = BackoffConfig::from_idl(100, 10_000, 2.0, 0.0);
        assert_eq!(base.validate(), Ok(()));
        for (fraction, named) in [
            (0.0, Jitter::None),
            (0.5, Jitter::Equal),
            (1.0, Jitter::Full),
        ] {
            let p = base.clone().with_jitter(Jitter::Proportional(fraction));
            let n = base.clone().with_jitter(named);
            for attempt in 0..10 {
                assert_eq!(p.delay_bounds_ms(attempt), n.delay_bounds_ms(attempt));
                assert!((p.mean_delay_ms(attempt) - n.mean_delay_ms(attempt)).abs() < 1e-9);
            }
        }
        // Odd nominal delays: equal jitter's range is [⌊d/2⌋, d].
        let odd = BackoffConfig::constant(101).with_jitter(Jitter::Equal);
        assert_eq!(odd.delay_bounds_ms(0), (50, 101));
        assert!((odd.expected_total_delay_ms(2) - 2.0 * 75.5).abs() < 1e-9);
    }
}
