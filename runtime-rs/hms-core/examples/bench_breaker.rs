//! The circuit breaker's CLOSED fast path: `try_acquire` + `record(Success)` per call, against
//! a bare pair of `AtomicU64::fetch_add`s in the same run (the floor).
//!
//! `cargo run --release -p hms-core --example bench_breaker [-- rounds calls_per_thread]`
//!
//! Prints the median of several rounds for one thread and for two threads, and the ratios
//! against the targets: one thread ≤ 10× the floor; two threads' aggregate throughput ≥ 1.5× one
//! thread's. Two threads are measured on one shared breaker (the contended case: every call to
//! one target goes through one breaker) and on one breaker per thread, with the floor's own
//! two-thread scaling beside them (private atomics: what the machine gives two threads at that
//! moment; shared atomics: the contended floor).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use hms_core::breaker::{BreakerConfig, CallOutcome, CircuitBreaker, SlidingWindowType};
use hms_core::clock::SystemClock;

#[repr(align(128))]
struct Padded(AtomicU64);

fn pair() -> Arc<[Padded; 2]> {
    Arc::new([Padded(AtomicU64::new(0)), Padded(AtomicU64::new(0))])
}

fn floor_loop(atomics: &[Padded; 2], calls: u64) {
    for _ in 0..calls {
        black_box(atomics[0].0.fetch_add(1, Ordering::Relaxed));
        black_box(atomics[1].0.fetch_add(1, Ordering::Relaxed));
    }
}

fn breaker_loop(cb: &CircuitBreaker, calls: u64) {
    for _ in 0..calls {
        if let Ok(p) = cb.try_acquire() {
            let _ = black_box(p);
            black_box(cb.record(CallOutcome::Success, Duration::ZERO));
        }
    }
}

fn breaker(window_type: SlidingWindowType) -> Arc<CircuitBreaker> {
    let config = BreakerConfig {
        sliding_window_type: window_type,
        sliding_window_size: if window_type == SlidingWindowType::TimeBased {
            10
        } else {
            100
        },
        ..BreakerConfig::default()
    };
    Arc::new(CircuitBreaker::new("bench", config, SystemClock::shared()).expect("valid config"))
}

/// Nanoseconds per call on one thread.
fn one_thread(calls: u64, f: impl Fn(u64)) -> f64 {
    f(calls / 10); // warm-up
    let t = Instant::now();
    f(calls);
    t.elapsed().as_nanos() as f64 / calls as f64
}

/// Aggregate calls per microsecond of `threads` threads started together; `f(i, calls)` runs
/// thread `i`'s calls.
fn many_threads(threads: usize, calls: u64, f: impl Fn(usize, u64) + Send + Sync + 'static) -> f64 {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (f, barrier) = (Arc::clone(&f), Arc::clone(&barrier));
            std::thread::spawn(move || {
                f(i, calls / 10); // warm-up
                barrier.wait();
                let t = Instant::now();
                f(i, calls);
                t.elapsed()
            })
        })
        .collect();
    barrier.wait();
    let slowest = handles
        .into_iter()
        .map(|h| h.join().expect("bench thread"))
        .max()
        .unwrap_or_default();
    (threads as u64 * calls) as f64 / (slowest.as_nanos() as f64 / 1_000.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    // Many short rounds, interleaved: a median that a busy neighbour (a build on the other
    // core) moves less.
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(21);
    let calls: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    println!("bench_breaker: {rounds} rounds x {calls} calls per thread, {cores} cores available");

    // Interleave the measurements within each round so that a noisy neighbour hits all alike,
    // and take each ratio within its round (one thread and two threads measured back to back)
    // before taking medians.
    let mut floor1 = Vec::new();
    let mut cb1 = Vec::new();
    let mut time1 = Vec::new();
    let mut r_cb1 = Vec::new();
    let mut r_floor_private = Vec::new();
    let mut r_floor_shared = Vec::new();
    let mut r_shared = Vec::new();
    let mut r_own = Vec::new();
    let mut t_shared = Vec::new();
    for _ in 0..rounds {
        let a = pair();
        let f1 = one_thread(calls, |n| floor_loop(&a, n));
        let cb = breaker(SlidingWindowType::CountBased);
        let c1 = one_thread(calls, |n| breaker_loop(&cb, n));
        let cb = breaker(SlidingWindowType::TimeBased);
        time1.push(one_thread(calls, |n| breaker_loop(&cb, n)) / f1);

        let private = [pair(), pair()];
        let fp = many_threads(2, calls, move |i, n| floor_loop(&private[i], n));
        let shared = pair();
        let fs = many_threads(2, calls, move |_, n| floor_loop(&shared, n));
        let cb = breaker(SlidingWindowType::CountBased);
        let cs = many_threads(2, calls, move |_, n| breaker_loop(&cb, n));
        let own = [
            breaker(SlidingWindowType::CountBased),
            breaker(SlidingWindowType::CountBased),
        ];
        let co = many_threads(2, calls, move |i, n| breaker_loop(&own[i], n));

        // One thread's throughput, calls per microsecond.
        let (f1_rate, c1_rate) = (1_000.0 / f1, 1_000.0 / c1);
        floor1.push(f1);
        cb1.push(c1);
        r_cb1.push(c1 / f1);
        r_floor_private.push(fp / f1_rate);
        r_floor_shared.push(fs / f1_rate);
        r_shared.push(cs / c1_rate);
        r_own.push(co / c1_rate);
        t_shared.push(cs);
    }

    let spread = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        format!("[{lo:.2}-{hi:.2}]")
    };
    let show = |v: Vec<f64>| {
        let s = spread(&v);
        (median(v), s)
    };
    let (floor1, _) = show(floor1);
    let (cb1, cb1_s) = show(cb1);
    let (r_cb1, r_cb1_s) = show(r_cb1);
    let (time1, time1_s) = show(time1);
    let (r_fp, r_fp_s) = show(r_floor_private);
    let (r_fs, r_fs_s) = show(r_floor_shared);
    let (r_sh, r_sh_s) = show(r_shared);
    let (r_ow, r_ow_s) = show(r_own);
    let (t_sh, _) = show(t_shared);

    println!();
    println!("one thread: median ns per call; ratio to the floor per round, median [min-max]");
    println!("  floor: 2 x AtomicU64::fetch_add           {floor1:6.2} ns");
    println!(
        "  breaker, count window 100: acquire+record {cb1:6.2} ns {cb1_s} ns  ratio {r_cb1:5.2}x {r_cb1_s}  (target <= 10x)"
    );
    println!(
        "  breaker, time window 10 s (reads clock)                        ratio {time1:5.2}x {time1_s}  (for information)"
    );
    println!();
    println!("two threads: aggregate throughput / one thread's, per round, median [min-max]");
    println!("  floor, private atomics   scaling {r_fp:4.2}x {r_fp_s}  (the machine's control)");
    println!("  floor, shared atomics    scaling {r_fs:4.2}x {r_fs_s}  (contended floor)");
    println!(
        "  breaker, shared          scaling {r_sh:4.2}x {r_sh_s}  (target >= 1.5x; {t_sh:.1} calls/us)"
    );
    println!("  breaker, one per thread  scaling {r_ow:4.2}x {r_ow_s}  (target >= 1.5x)");
}
