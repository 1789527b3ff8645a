//! Time as the components see it: a monotonic count of nanoseconds from an injectable source.
//! Production code uses [`SystemClock`]; tests use [`ManualClock`] and advance it, so time-based
//! behaviour (windows, waits, deadlines, TTLs) is tested deterministically and never sleeps.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A monotonic time source in nanoseconds since an arbitrary origin.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since the clock's origin; never decreases.
    fn now_nanos(&self) -> u64;

    /// Milliseconds since the clock's origin.
    fn now_millis(&self) -> u64 {
        self.now_nanos() / 1_000_000
    }
}

/// A shared clock handle, as components hold it.
pub type SharedClock = Arc<dyn Clock>;

/// The process's monotonic clock ([`Instant`]), with its origin at construction.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// A shared system clock.
    #[must_use]
    pub fn shared() -> SharedClock {
        Arc::new(Self::new())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now_nanos(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told to: for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A clock at `nanos`.
    #[must_use]
    pub fn at(nanos: u64) -> Arc<Self> {
        Arc::new(Self {
            nanos: AtomicU64::new(nanos),
        })
    }

    /// Moves the clock forward by `nanos`.
    pub fn advance_nanos(&self, nanos: u64) {
        self.nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    /// Moves the clock forward by `millis`.
    pub fn advance_millis(&self, millis: u64) {
        self.advance_nanos(millis * 1_000_000);
    }

    /// Moves the clock forward by `secs`.
    pub fn advance_secs(&self, secs: u64) {
        self.advance_nanos(secs * 1_000_000_000);
    }

    /// Sets the clock to `nanos` (never backwards: an earlier value is ignored).
    pub fn set_nanos(&self, nanos: u64) {
        self.nanos.fetch_max(nanos, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_forward_and_only_when_told() {
        let c = ManualClock::at(5);
        assert_eq!(c.now_nanos(), 5);
        c.advance_millis(2);
        assert_eq!(c.now_nanos(), 2_000_005);
        c.set_nanos(1);
        assert_eq!(c.now_nanos(), 2_000_005, "never backwards");
        assert_eq!(c.now_millis(), 2);
    }

    #[test]
    fn the_system_clock_is_monotonic() {
        let c = SystemClock::new();
        let a = c.now_nanos();
        let b = c.now_nanos();
        assert!(b >= a);
    }
}
