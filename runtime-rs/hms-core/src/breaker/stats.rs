//! Lifetime call counters, striped so that threads recording at the same time do not write the
//! same cache line (a `LongAdder`, as resilience4j uses for its not-permitted count). Each
//! counter is exact: a sum of atomic increments, read by summing the stripes.

use std::sync::atomic::{AtomicU64, Ordering};

use super::window::{stripe_count, stripe_hint, Kind, Padded};

#[derive(Debug, Default)]
struct Stripe {
    successful: AtomicU64,
    failed: AtomicU64,
    timed_out: AtomicU64,
    slow: AtomicU64,
    ignored: AtomicU64,
    not_permitted: AtomicU64,
}

/// Calls counted since the breaker was created (not cleared by reset or reconfiguration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LifetimeCounts {
    /// Successful calls recorded (slow ones included).
    pub successful: u64,
    /// Failed calls recorded: `CallOutcome::Failure` and `CallOutcome::Timeout`.
    pub failed: u64,
    /// Of `failed`, the timeouts.
    pub timed_out: u64,
    /// Slow calls recorded (successful or failed).
    pub slow: u64,
    /// Ignored outcomes (not counted in any window).
    pub ignored: u64,
    /// Calls rejected in OPEN, HALF_OPEN (no trial left) or FORCED_OPEN.
    pub not_permitted: u64,
}

#[derive(Debug)]
pub(crate) struct Stats {
    stripes: Box<[Padded<Stripe>]>,
    mask: usize,
}

impl Stats {
    pub(crate) fn new() -> Self {
        let n = stripe_count();
        Self {
            stripes: (0..n).map(|_| Padded(Stripe::default())).collect(),
            mask: n - 1,
        }
    }

    fn mine(&self) -> &Stripe {
        &self.stripes[stripe_hint() & self.mask]
    }

    pub(crate) fn record(&self, kind: Kind, timed_out: bool) {
        let s = self.mine();
        if kind.is_failure() {
            s.failed.fetch_add(1, Ordering::Relaxed);
            if timed_out {
                s.timed_out.fetch_add(1, Ordering::Relaxed);
            }
        } else {
            s.successful.fetch_add(1, Ordering::Relaxed);
        }
        if kind.is_slow() {
            s.slow.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn ignored(&self) {
        self.mine().ignored.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn not_permitted(&self) {
        self.mine().not_permitted.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `base` (counts carried over from a breaker this one replaces) to stripe 0.
    pub(crate) fn add(&self, base: LifetimeCounts) {
        let s = &self.stripes[0];
        s.successful.fetch_add(base.successful, Ordering::Relaxed);
        s.failed.fetch_add(base.failed, Ordering::Relaxed);
        s.timed_out.fetch_add(base.timed_out, Ordering::Relaxed);
        s.slow.fetch_add(base.slow, Ordering::Relaxed);
        s.ignored.fetch_add(base.ignored, Ordering::Relaxed);
        s.not_permitted
            .fetch_add(base.not_permitted, Ordering::Relaxed);
    }

    pub(crate) fn sum(&self) -> LifetimeCounts {
        let mut c = LifetimeCounts::default();
        for s in &*self.stripes {
            c.successful += s.successful.load(Ordering::Relaxed);
            c.failed += s.failed.load(Ordering::Relaxed);
            c.timed_out += s.timed_out.load(Ordering::Relaxed);
            c.slow += s.slow.load(Ordering::Relaxed);
            c.ignored += s.ignored.load(Ordering::Relaxed);
            c.not_permitted += s.not_permitted.load(Ordering::Relaxed);
        }
        c
    }
}
