//! Sliding windows of call outcomes, lock-free on the record path.
//!
//! # Count-based: a ring of outcome slots plus one packed counter word
//!
//! Each slot is an `AtomicU8` holding an outcome code (empty, or present with failed/slow bits).
//! `counts` is one `AtomicU64` packing three 21-bit fields — calls, failed, slow — each stored
//! with a bias of 2^20. A record:
//!
//! 1. takes the next ring position (below);
//! 2. `swap`s its code into that slot, getting the code it evicted;
//! 3. applies `contribution(new) − contribution(evicted)` to `counts` with one wrapping
//!    `fetch_add`, whose result is the snapshot the caller evaluates.
//!
//! **Why the counts stay exact.** Every change to a slot is an atomic swap, and its author
//! adds exactly the difference between what it wrote and what it removed. So at any instant
//! `counts = Σ contribution(slot) − Σ pending`, where "pending" are the deltas of recorders
//! that have swapped but not yet added: at quiescence the counts equal the slots, whatever the
//! interleaving (two recorders writing one slot included: each accounts for the exact code it
//! replaced). Each pending delta is at most ±1 per field, so a field is transiently within
//! `[−P, N + P]` for P recorders in flight; the bias (2^20) and the cap on N
//! ([`MAX_COUNT_WINDOW`](super::MAX_COUNT_WINDOW) = 1,000,000) keep every field inside its 21
//! bits, so the wrapping sum never borrows across fields and decodes exactly. Reads clamp.
//!
//! **Ring positions.** A global `head` hands out positions in order (`fetch_add`, mod N), so
//! with one thread the window is exactly the last N calls, as resilience4j's
//! `FixedSizeSlidingWindowMetrics`. So that threads sharing a breaker do not all contend on
//! `head` for every call, each stripe (a thread's hint, as for the lifetime counters) claims a
//! batch of B consecutive positions at once and hands them out with an uncontended CAS on its
//! own cache line; `head` is touched once per batch (and its division with it). One thread
//! refills a stripe at a time (a "refilling" mark); another thread of that stripe meanwhile
//! takes a single position from `head`, so nobody waits and no claimed position is skipped.
//! One thread's batches are contiguous, so single-threaded the window is still exactly the
//! last N calls.
//! B = `clamp(N / (8·S), 1, 64)` for S stripes (so windows of fewer than 16·S calls are
//! unbatched), and 1 for the HALF_OPEN trial window, whose trials must each get their own slot.
//!
//! **Approximation (stated and bounded).** Under concurrency:
//! - a snapshot can miss up to P in-flight deltas, so a rate evaluated by one recorder may be
//!   off by P calls out of N; the last recorder to add sees the quiescent counts, so a
//!   crossing of the threshold is never missed;
//! - claimed positions not yet written (at most S·(B − 1) < N/8, plus P in flight) still hold
//!   the outcome from one lap earlier: the window is N recorded outcomes of which at least
//!   N − S·(B − 1) − P are among the last N positions handed out. While the window first fills,
//!   those positions are still empty, so reaching `minimum_number_of_calls` can come that many
//!   calls late (never early). A thread that stops mid-batch leaves its positions to be
//!   rewritten a lap later; when it resumes it overwrites newer outcomes with its own fresh one.
//!
//! A record whose code equals the slot's current code skips the swap (a no-op write, so the
//! accounting above is unchanged): in steady state (all successes) the slots' cache lines stay
//! shared between cores. In windows of more than 64 calls consecutive ring positions are laid
//! out 64 bytes apart ("transposed"), so that two threads on neighbouring positions do not
//! write the same cache line.
//!
//! A reset swaps every slot to empty and subtracts what it removed, with the same accounting,
//! so it is safe against concurrent (late) recorders; no `counts.store(0)` that a late add could
//! corrupt.
//!
//! # Time-based: one bucket per second plus running totals
//!
//! Bucket `s % W` holds the calls of second `s` (resilience4j's `SlidingTimeWindowMetrics`:
//! the window is the seconds `(now − W, now]`). Records add to their bucket and to running
//! totals (separate `AtomicU64`s: a second can hold more calls than a 21-bit field). Moving the
//! window to a new second (zeroing the expired buckets by swap and subtracting them from the
//! totals, then publishing `rolled_to`) takes the window's roll mutex: at most once per second,
//! not per call. A recorder only adds after it has seen `rolled_to` ≥ its second, so no roll can
//! zero a current record. A recorder delayed past its bucket's reuse adds to the newer second
//! (it is counted a little late, never lost or counted twice).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Stripes per striped structure: one per core, a power of two, at most 16. Asked once per
/// process (`available_parallelism` reads cgroup files on Linux).
pub(crate) fn stripe_count() -> usize {
    static STRIPES: OnceLock<usize> = OnceLock::new();
    *STRIPES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(4, std::num::NonZeroUsize::get)
            .clamp(1, 16)
            .next_power_of_two()
    })
}

/// The calling thread's stripe hint, handed out once per thread (round robin) and kept in a
/// destructor-free TLS `Cell` (no TLS destructor, so nothing pins a reloaded library; see
/// runtime-anchors §2.3).
#[inline]
pub(crate) fn stripe_hint() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static HINT: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    HINT.with(|h| {
        let v = h.get();
        if v != usize::MAX {
            return v;
        }
        let v = NEXT.fetch_add(1, Ordering::Relaxed);
        h.set(v);
        v
    })
}

/// Pads to 128 bytes: one cache line plus its prefetch pair, so hot atomics do not share.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The classification of one recorded call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Success,
    SlowSuccess,
    Failure,
    SlowFailure,
}

impl Kind {
    pub(crate) fn of(failed: bool, slow: bool) -> Self {
        match (failed, slow) {
            (false, false) => Self::Success,
            (false, true) => Self::SlowSuccess,
            (true, false) => Self::Failure,
            (true, true) => Self::SlowFailure,
        }
    }

    pub(crate) fn is_failure(self) -> bool {
        matches!(self, Self::Failure | Self::SlowFailure)
    }

    pub(crate) fn is_slow(self) -> bool {
        matches!(self, Self::SlowSuccess | Self::SlowFailure)
    }

    const fn code(self) -> u8 {
        match self {
            Self::Success => PRESENT,
            Self::SlowSuccess => PRESENT | SLOW,
            Self::Failure => PRESENT | FAILED,
            Self::SlowFailure => PRESENT | FAILED | SLOW,
        }
    }
}

const EMPTY: u8 = 0;
const PRESENT: u8 = 1;
const FAILED: u8 = 2;
const SLOW: u8 = 4;

const FIELD_BITS: u32 = 21;
const FIELD_MASK: u64 = (1 << FIELD_BITS) - 1;
const BIAS: u64 = 1 << 20;
const PACKED_BIAS: u64 = BIAS | (BIAS << FIELD_BITS) | (BIAS << (2 * FIELD_BITS));

/// A slot code's contribution to the packed counters: calls, failed, slow.
const fn contribution(code: u8) -> u64 {
    ((code & PRESENT) as u64)
        | ((((code & FAILED) >> 1) as u64) << FIELD_BITS)
        | ((((code & SLOW) >> 2) as u64) << (2 * FIELD_BITS))
}

/// Calls, failed calls and slow calls in a window at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    pub(crate) calls: u32,
    pub(crate) failed: u32,
    pub(crate) slow: u32,
}

impl Counts {
    #[inline]
    fn unpack(packed: u64, cap: u32) -> Self {
        let field = |i: u32| -> u32 {
            let biased = (packed >> (i * FIELD_BITS)) & FIELD_MASK;
            // Transiently negative (pending deltas) reads as 0; above the window as N.
            let v = biased.saturating_sub(BIAS).min(u64::from(cap));
            u32::try_from(v).unwrap_or(cap)
        };
        // A snapshot taken between a swap and its add can have a field ahead of `calls`.
        let calls = field(0);
        Self {
            calls,
            failed: field(1).min(calls),
            slow: field(2).min(calls),
        }
    }

    /// resilience4j `Snapshot.getFailureRate` / `getSlowCallRate` behind
    /// `CircuitBreakerMetrics`: −1 below `minimum` calls, else percent as f32.
    #[inline]
    pub(crate) fn rates(self, minimum: u32) -> (f32, f32) {
        if self.calls == 0 || self.calls < minimum {
            return (-1.0, -1.0);
        }
        // f32 as resilience4j computes it, so 49/100 and 50/100 compare as there.
        #[allow(clippy::cast_precision_loss)]
        let total = self.calls as f32;
        // No division for a zero count (the common all-success case): 0 % exactly.
        #[allow(clippy::cast_precision_loss)]
        let rate = |n: u32| {
            if n == 0 {
                0.0
            } else {
                n as f32 * 100.0 / total
            }
        };
        (rate(self.failed), rate(self.slow))
    }
}

/// The last N calls.
#[derive(Debug)]
pub(crate) struct CountWindow {
    size: u64,
    /// log2 of the number of 64-byte rows of the transposed layout (a power of two, so the
    /// mapping needs no division).
    rows_log2: u32,
    /// Positions a stripe claims from `head` at once; 1 = no claims, `head` per record.
    batch: u64,
    slots: Box<[AtomicU8]>,
    head: Padded<AtomicU64>,
    counts: Padded<AtomicU64>,
    /// Per stripe: next position (low 32 bits) and positions left (high 32 bits).
    claims: Box<[Padded<AtomicU64>]>,
}

const LOW32: u64 = 0xffff_ffff;
/// A claim word meaning "being refilled": no positions left and a position no window has.
const REFILLING: u64 = LOW32;

impl CountWindow {
    /// A window of `size` calls; `batched` lets stripes claim positions in batches (the
    /// CLOSED window), else every record takes its position from `head` (the HALF_OPEN one).
    pub(crate) fn new(size: u32, batched: bool) -> Self {
        let stripes = stripe_count();
        let batch = if batched {
            (u64::from(size) / (8 * stripes as u64)).clamp(1, 64)
        } else {
            1
        };
        Self::with_batch(size, batch, stripes)
    }

    pub(crate) fn with_batch(size: u32, batch: u64, stripes: usize) -> Self {
        let size = u64::from(size.max(1));
        let rows = size.div_ceil(64).next_power_of_two();
        let slots = (0..rows * 64).map(|_| AtomicU8::new(EMPTY)).collect();
        let claims = if batch > 1 {
            (0..stripes.max(1).next_power_of_two())
                .map(|_| Padded(AtomicU64::new(0)))
                .collect()
        } else {
            Box::default()
        };
        Self {
            size,
            rows_log2: rows.trailing_zeros(),
            batch: batch.max(1),
            slots,
            head: Padded(AtomicU64::new(0)),
            counts: Padded(AtomicU64::new(PACKED_BIAS)),
            claims,
        }
    }

    fn cap(&self) -> u32 {
        u32::try_from(self.size).unwrap_or(u32::MAX)
    }

    /// Logical ring position `k` → physical slot: `k = q·rows + r` goes to row `r`, column
    /// `q`, so consecutive positions are 64 bytes apart (different cache lines).
    #[inline]
    fn slot(&self, k: u64) -> &AtomicU8 {
        let rows_mask = (1u64 << self.rows_log2) - 1;
        // k < size <= 64·rows, so q = k >> rows_log2 < 64 and phys < slots.len().
        let phys = ((k & rows_mask) << 6) | (k >> self.rows_log2);
        let phys = usize::try_from(phys).unwrap_or(0);
        &self.slots[phys]
    }

    #[inline]
    fn after(&self, pos: u64) -> u64 {
        if pos + 1 == self.size {
            0
        } else {
            pos + 1
        }
    }

    /// The next ring position for this thread (module docs: "Ring positions").
    #[inline]
    fn position(&self) -> u64 {
        if self.batch == 1 {
            return self.head.fetch_add(1, Ordering::Relaxed) % self.size;
        }
        let claim = &self.claims[stripe_hint() & (self.claims.len() - 1)];
        let mut c = claim.load(Ordering::Relaxed);
        loop {
            if c == REFILLING {
                // Another thread on this stripe is claiming a batch: take one position
                // directly rather than wait (lock-free, and no position is skipped).
                return self.head.fetch_add(1, Ordering::Relaxed) % self.size;
            }
            let left = c >> 32;
            let next = if left == 0 {
                REFILLING
            } else {
                ((left - 1) << 32) | self.after(c & LOW32)
            };
            match claim.compare_exchange_weak(c, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) if left == 0 => break,
                Ok(_) => return c & LOW32,
                Err(now) => c = now,
            }
        }
        // This thread owns the refill: one `head` access per batch; keep its first position.
        let first = self.head.fetch_add(self.batch, Ordering::Relaxed) % self.size;
        claim.store(
            ((self.batch - 1) << 32) | self.after(first),
            Ordering::Relaxed,
        );
        first
    }

    /// Records one outcome; returns the counts right after it (this record's snapshot).
    #[inline]
    pub(crate) fn record(&self, kind: Kind) -> Counts {
        let code = kind.code();
        let slot = self.slot(self.position());
        // A no-op write (same code) is skipped: the accounting is unchanged and the cache line
        // is not invalidated on other cores.
        let packed = if slot.load(Ordering::Relaxed) == code {
            self.counts.load(Ordering::Relaxed)
        } else {
            let old = slot.swap(code, Ordering::Relaxed);
            let delta = contribution(code).wrapping_sub(contribution(old));
            if delta == 0 {
                self.counts.load(Ordering::Relaxed)
            } else {
                self.counts
                    .fetch_add(delta, Ordering::Relaxed)
                    .wrapping_add(delta)
            }
        };
        Counts::unpack(packed, self.cap())
    }

    pub(crate) fn snapshot(&self) -> Counts {
        Counts::unpack(self.counts.load(Ordering::Relaxed), self.cap())
    }

    /// Empties the window (safe against concurrent recorders: see the module docs).
    pub(crate) fn reset(&self) {
        let mut removed: u64 = 0;
        for slot in &*self.slots {
            if slot.load(Ordering::Relaxed) != EMPTY {
                removed = removed.wrapping_add(contribution(slot.swap(EMPTY, Ordering::Relaxed)));
            }
        }
        if removed != 0 {
            self.counts
                .fetch_add(removed.wrapping_neg(), Ordering::Relaxed);
        }
    }

    /// Slots allocated (memory bound: fixed at construction).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    #[cfg(test)]
    pub(crate) fn batch(&self) -> u64 {
        self.batch
    }

    /// Recounts the slots; equals [`snapshot`](Self::snapshot) at quiescence.
    #[cfg(test)]
    pub(crate) fn recount(&self) -> Counts {
        let mut c = Counts::default();
        for slot in &*self.slots {
            let code = slot.load(Ordering::Relaxed);
            c.calls += u32::from(code & PRESENT);
            c.failed += u32::from((code & FAILED) >> 1);
            c.slow += u32::from((code & SLOW) >> 2);
        }
        c
    }
}

/// One second of calls.
#[derive(Debug, Default)]
struct Bucket {
    calls: AtomicU64,
    failed: AtomicU64,
    slow: AtomicU64,
}

/// Running totals of the live buckets.
#[derive(Debug, Default)]
struct Totals {
    calls: AtomicU64,
    failed: AtomicU64,
    slow: AtomicU64,
}

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// The calls of the last W seconds.
#[derive(Debug)]
pub(crate) struct TimeWindow {
    secs: u64,
    buckets: Box<[Bucket]>,
    /// The second the window has been moved to; buckets of `(rolled_to − W, rolled_to]` live.
    rolled_to: Padded<AtomicU64>,
    totals: Padded<Totals>,
    roll: Mutex<()>,
}

impl TimeWindow {
    pub(crate) fn new(secs: u32, now_nanos: u64) -> Self {
        let secs = u64::from(secs.max(1));
        Self {
            secs,
            buckets: (0..secs).map(|_| Bucket::default()).collect(),
            rolled_to: Padded(AtomicU64::new(now_nanos / NANOS_PER_SEC)),
            totals: Padded(Totals::default()),
            roll: Mutex::new(()),
        }
    }

    fn bucket(&self, sec: u64) -> &Bucket {
        let i = usize::try_from(sec % self.secs).unwrap_or(0);
        &self.buckets[i]
    }

    /// Moves the window to `sec` if it is behind (the rare path: once per second).
    fn roll_to(&self, sec: u64) {
        if self.rolled_to.load(Ordering::Acquire) >= sec {
            return;
        }
        let _guard = self
            .roll
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let from = self.rolled_to.load(Ordering::Acquire);
        if from >= sec {
            return;
        }
        // Seconds (from, sec] become current; their buckets held (from − W, sec − W]. Only the
        // last W of them matter when the clock jumped further than the window.
        let first = from.max(sec.saturating_sub(self.secs)) + 1;
        for s in first..=sec {
            self.evict(self.bucket(s));
        }
        self.rolled_to.store(sec, Ordering::Release);
    }

    fn evict(&self, b: &Bucket) {
        let calls = b.calls.swap(0, Ordering::Relaxed);
        let failed = b.failed.swap(0, Ordering::Relaxed);
        let slow = b.slow.swap(0, Ordering::Relaxed);
        self.totals.calls.fetch_sub(calls, Ordering::Relaxed);
        self.totals.failed.fetch_sub(failed, Ordering::Relaxed);
        self.totals.slow.fetch_sub(slow, Ordering::Relaxed);
    }

    fn counts(&self) -> Counts {
        // Totals can transiently lag a record's bucket add (or lead a concurrent eviction's
        // subtraction) by the calls in flight; as signed values, clamped at 0.
        let read = |a: &AtomicU64| -> u32 {
            let v = a.load(Ordering::Relaxed);
            if v > u64::MAX / 2 {
                0
            } else {
                u32::try_from(v).unwrap_or(u32::MAX)
            }
        };
        let calls = read(&self.totals.calls);
        Counts {
            calls,
            failed: read(&self.totals.failed).min(calls),
            slow: read(&self.totals.slow).min(calls),
        }
    }

    /// Records one outcome at `now_nanos`; returns the counts right after it.
    pub(crate) fn record(&self, kind: Kind, now_nanos: u64) -> Counts {
        let sec = now_nanos / NANOS_PER_SEC;
        self.roll_to(sec);
        let b = self.bucket(sec);
        // Bucket before totals; an eviction between the two is still consistent (the module
        // docs): what it swaps out of the bucket it subtracts from the totals.
        b.calls.fetch_add(1, Ordering::Relaxed);
        self.totals.calls.fetch_add(1, Ordering::Relaxed);
        if kind.is_failure() {
            b.failed.fetch_add(1, Ordering::Relaxed);
            self.totals.failed.fetch_add(1, Ordering::Relaxed);
        }
        if kind.is_slow() {
            b.slow.fetch_add(1, Ordering::Relaxed);
            self.totals.slow.fetch_add(1, Ordering::Relaxed);
        }
        self.counts()
    }

    /// The counts at `now_nanos` (moves the window first, so old seconds are forgotten).
    pub(crate) fn snapshot(&self, now_nanos: u64) -> Counts {
        self.roll_to(now_nanos / NANOS_PER_SEC);
        self.counts()
    }

    pub(crate) fn reset(&self) {
        let _guard = self
            .roll
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for b in &*self.buckets {
            self.evict(b);
        }
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buckets.len()
    }
}

/// The CLOSED state's window, of either type.
#[derive(Debug)]
pub(crate) enum Window {
    Count(CountWindow),
    Time(TimeWindow),
}

impl Window {
    #[inline]
    pub(crate) fn record(&self, kind: Kind, now: impl FnOnce() -> u64) -> Counts {
        match self {
            Self::Count(w) => w.record(kind),
            Self::Time(w) => w.record(kind, now()),
        }
    }

    pub(crate) fn snapshot(&self, now: impl FnOnce() -> u64) -> Counts {
        match self {
            Self::Count(w) => w.snapshot(),
            Self::Time(w) => w.snapshot(now()),
        }
    }

    pub(crate) fn reset(&self) {
        match self {
            Self::Count(w) => w.reset(),
            Self::Time(w) => w.reset(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const S: u64 = NANOS_PER_SEC;
    const MS: u64 = 1_000_000;

    fn c(calls: u32, failed: u32, slow: u32) -> Counts {
        Counts {
            calls,
            failed,
            slow,
        }
    }

    // Ports resilience4j FixedSizeSlidingWindowMetricsTest.testSlidingWindowMetrics.
    #[test]
    fn test_sliding_window_metrics() {
        let w = CountWindow::new(4, true);
        assert_eq!(w.record(Kind::Failure), c(1, 1, 0));
        assert_eq!(w.record(Kind::Failure), c(2, 2, 0));
        assert_eq!(w.record(Kind::Success), c(3, 2, 0));
        assert_eq!(w.record(Kind::Success), c(4, 2, 0));
        // The 5th call evicts the 1st (a failure).
        assert_eq!(w.record(Kind::Success), c(4, 1, 0));
        assert_eq!(w.record(Kind::Success), c(4, 0, 0));
        assert_eq!(w.record(Kind::Failure), c(4, 1, 0));
        assert_eq!(w.snapshot(), w.recount());
    }

    // Ports resilience4j FixedSizeSlidingWindowMetricsTest.testSlidingWindowMetricsWithSlowCalls.
    #[test]
    fn test_sliding_window_metrics_with_slow_calls() {
        let w = CountWindow::new(2, true);
        assert_eq!(w.record(Kind::SlowFailure), c(1, 1, 1));
        assert_eq!(w.record(Kind::SlowSuccess), c(2, 1, 2));
        assert_eq!(w.record(Kind::Success), c(2, 0, 1));
        assert_eq!(w.record(Kind::Success), c(2, 0, 0));
        assert_eq!(w.record(Kind::SlowSuccess), c(2, 0, 1));
    }

    #[test]
    fn rates_follow_resilience4j_including_the_minimum() {
        assert_eq!(c(4, 3, 0).rates(5), (-1.0, -1.0));
        assert_eq!(c(0, 0, 0).rates(1), (-1.0, -1.0));
        assert_eq!(c(5, 3, 3).rates(5), (60.0, 60.0));
        assert_eq!(c(100, 49, 0).rates(100).0, 49.0);
        assert_eq!(c(100, 50, 0).rates(100).0, 50.0);
    }

    #[test]
    fn a_reset_empties_the_window_and_keeps_the_accounting() {
        let w = CountWindow::new(100, true);
        for i in 0..150 {
            w.record(if i % 3 == 0 {
                Kind::SlowFailure
            } else {
                Kind::Success
            });
        }
        assert_eq!(w.snapshot(), w.recount());
        w.reset();
        assert_eq!(w.snapshot(), c(0, 0, 0));
        assert_eq!(w.record(Kind::Failure), c(1, 1, 0));
    }

    #[test]
    fn the_count_window_has_fixed_capacity() {
        let w = CountWindow::new(100, true);
        let cap = w.capacity();
        assert_eq!(cap, 128, "two rows of 64 slots");
        assert_eq!(CountWindow::new(1, true).capacity(), 64);
        assert_eq!(
            CountWindow::new(3 * 64 + 1, true).capacity(),
            4 * 64,
            "rows: a power of two"
        );
        for _ in 0..100_000 {
            w.record(Kind::Failure);
        }
        assert_eq!(w.capacity(), cap);
        assert_eq!(w.snapshot(), c(100, 100, 0));
    }

    #[test]
    fn the_largest_count_window_packs_without_overflow() {
        let w = CountWindow::new(crate::breaker::MAX_COUNT_WINDOW, true);
        for _ in 0..crate::breaker::MAX_COUNT_WINDOW {
            w.record(Kind::SlowFailure);
        }
        let n = crate::breaker::MAX_COUNT_WINDOW;
        assert_eq!(w.snapshot(), c(n, n, n));
        w.reset();
        assert_eq!(w.snapshot(), c(0, 0, 0));
    }

    /// One thread, batched or not, any batch size: exactly the last N calls (checked against
    /// a model queue).
    #[test]
    fn a_single_thread_sees_exactly_the_last_n_calls_whatever_the_batch() {
        for (size, batch) in [(1, 1), (5, 1), (5, 2), (100, 7), (100, 64), (1000, 64)] {
            let w = CountWindow::with_batch(size, batch, 4);
            let mut model = std::collections::VecDeque::new();
            let mut x = 0x9e37_79b9_u64;
            for _ in 0..5_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let kind = Kind::of(x % 3 == 0, x % 7 == 0);
                model.push_back(kind);
                if model.len() > size as usize {
                    model.pop_front();
                }
                let got = w.record(kind);
                let count = |f: fn(&Kind) -> bool| model.iter().filter(|k| f(k)).count() as u32;
                let want = c(
                    model.len() as u32,
                    count(|k| k.is_failure()),
                    count(|k| k.is_slow()),
                );
                assert_eq!(got, want, "size {size}, batch {batch}");
            }
        }
    }

    #[test]
    fn the_trial_window_is_never_batched_and_small_windows_are_not_either() {
        assert_eq!(CountWindow::new(1_000_000, false).batch(), 1);
        assert_eq!(CountWindow::new(15, true).batch(), 1);
        let big = CountWindow::new(1_000_000, true);
        assert!((2..=64).contains(&big.batch()));
    }

    /// Many threads on a small ring (so recorders lap onto the same slots): the packed counters
    /// must equal the slots at quiescence.
    #[test]
    fn concurrent_records_on_a_small_ring_keep_counts_equal_to_the_slots() {
        for (size, batch) in [
            (1, 1),
            (3, 1),
            (3, 2),
            (64, 1),
            (64, 8),
            (100, 6),
            (1000, 64),
        ] {
            // One stripe for four threads: they share and refill claims concurrently too.
            let w = Arc::new(CountWindow::with_batch(size, batch, 1));
            let handles: Vec<_> = (0..4u64)
                .map(|t| {
                    let w = Arc::clone(&w);
                    std::thread::spawn(move || {
                        let mut x = t + 1;
                        for _ in 0..50_000 {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            let kind = Kind::of(x % 3 == 0, x % 5 == 0);
                            let got = w.record(kind);
                            assert!(got.calls <= size && got.failed <= got.calls.max(size));
                            if x % 1000 == 0 {
                                w.reset();
                            }
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(w.snapshot(), w.recount(), "size {size}, batch {batch}");
        }
    }

    // Ports resilience4j SlidingTimeWindowMetricsTest.testSlidingTimeWindowMetrics (window 5 s).
    #[test]
    fn test_sliding_time_window_metrics() {
        let w = TimeWindow::new(5, 0);
        let mut t = 0;
        assert_eq!(w.record(Kind::Failure, t), c(1, 1, 0));
        t += 100 * MS;
        assert_eq!(w.record(Kind::Success, t), c(2, 1, 0));
        t += 100 * MS;
        assert_eq!(w.record(Kind::Success, t), c(3, 1, 0));
        t += S;
        assert_eq!(w.record(Kind::Success, t), c(4, 1, 0));
        t += S;
        assert_eq!(w.record(Kind::Success, t), c(5, 1, 0));
        t += S;
        assert_eq!(w.record(Kind::Failure, t), c(6, 2, 0));
        t += S;
        assert_eq!(w.record(Kind::Success, t), c(7, 2, 0));
        t += S;
        // Second 0 (three calls, one failure) leaves the window.
        assert_eq!(w.record(Kind::Success, t), c(5, 1, 0));
        t += S;
        assert_eq!(w.record(Kind::Success, t), c(5, 1, 0));
        t += 5 * S;
        assert_eq!(w.record(Kind::Success, t), c(1, 0, 0));
    }

    // Ports resilience4j SlidingTimeWindowMetricsTest.shouldClearSlidingTimeWindowMetrics.
    #[test]
    fn should_clear_sliding_time_window_metrics() {
        let w = TimeWindow::new(5, 0);
        let mut t = 0;
        assert_eq!(w.record(Kind::Failure, t), c(1, 1, 0));
        t += 100 * MS;
        assert_eq!(w.record(Kind::Success, t), c(2, 1, 0));
        t += 700 * MS;
        assert_eq!(w.record(Kind::SlowFailure, t), c(3, 2, 1));
        t += 4 * S;
        assert_eq!(
            w.snapshot(t),
            c(3, 2, 1),
            "4.8 s: second 0 is still in (−0.2, 4.8]"
        );
        t += S;
        assert_eq!(w.snapshot(t), c(0, 0, 0), "5.8 s: second 0 has left");
        t += 100 * MS;
        assert_eq!(w.record(Kind::Success, t), c(1, 0, 0));
        t += 5 * S;
        assert_eq!(w.record(Kind::Success, t), c(1, 0, 0));
    }

    #[test]
    fn a_time_window_survives_long_clock_jumps_and_keeps_fixed_capacity() {
        let w = TimeWindow::new(3, 0);
        for i in 0..10 {
            w.record(Kind::Failure, i * S);
        }
        assert_eq!(w.snapshot(9 * S), c(3, 3, 0));
        assert_eq!(w.snapshot(1_000_000 * S), c(0, 0, 0));
        assert_eq!(w.record(Kind::Success, 1_000_000 * S), c(1, 0, 0));
        assert_eq!(w.capacity(), 3);
        w.reset();
        assert_eq!(w.snapshot(1_000_000 * S), c(0, 0, 0));
    }

    #[test]
    fn concurrent_time_window_records_are_counted_exactly() {
        let w = Arc::new(TimeWindow::new(10, 0));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let w = Arc::clone(&w);
                std::thread::spawn(move || {
                    for i in 0..20_000u64 {
                        // Two seconds of records, interleaved across threads (within window).
                        w.record(Kind::of(i % 4 == 0, false), (i / 10_000) * S);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(w.snapshot(S), c(80_000, 20_000, 0));
    }
}
