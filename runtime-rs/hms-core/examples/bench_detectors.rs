//! Throughput of the health detectors, in samples per second: the median over rounds (and the
//! range), each round a fresh detector fed a pre-generated stream of N(0, 1) samples (with 1 %
//! outliers at +8σ, so the anomaly path is exercised too) through `Box<dyn AnomalyDetector>`, as
//! the monitor calls it. The last rows time `HealthMonitor::report_heartbeat` with its built-in
//! signals (error rate, CPU, memory: three detector updates per heartbeat).
//!
//! ```text
//! cargo run --release -p hms-core --example bench_detectors [rounds]    # default 9 rounds
//! ```

use std::hint::black_box;
use std::time::Instant;

use hms_core::clock::ManualClock;
use hms_core::health::{
    AnomalyDetectorConfig, HealthMonitor, HealthMonitorConfig, Heartbeat, Registration,
};
use hms_core::rng::Rng;

fn stream(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::seeded(seed);
    (0..n)
        .map(|i| if i % 100 == 99 { 8.0 } else { rng.gaussian() })
        .collect()
}

/// Median, min and max of `rates`.
fn summary(mut rates: Vec<f64>) -> (f64, f64, f64) {
    rates.sort_by(f64::total_cmp);
    let n = rates.len();
    let median = if n % 2 == 1 {
        rates[n / 2]
    } else {
        (rates[n / 2 - 1] + rates[n / 2]) / 2.0
    };
    (median, rates[0], rates[n - 1])
}

fn report(name: &str, unit: &str, rates: Vec<f64>) {
    let (median, lo, hi) = summary(rates);
    println!(
        "{name:<34} {:>8.2} M{unit}/s  ({:.2} – {:.2})  {:>8.1} ns/{unit}",
        median / 1e6,
        lo / 1e6,
        hi / 1e6,
        1e9 / median
    );
}

#[allow(clippy::cast_precision_loss)]
fn bench_detector(name: &str, config: &AnomalyDetectorConfig, samples: &[f64], rounds: usize) {
    let rates = (0..rounds)
        .map(|_| {
            let mut d = config.build().expect("valid config");
            let start = Instant::now();
            let mut flagged = 0u64;
            for &x in samples {
                if d.observe(black_box(x)).is_some() {
                    flagged += 1;
                }
            }
            black_box(flagged);
            samples.len() as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    report(name, "sample", rates);
}

#[allow(clippy::cast_precision_loss)]
fn bench_monitor(agents: usize, beats_per_agent: usize, rounds: usize) {
    let rates = (0..rounds)
        .map(|_| {
            let clock = ManualClock::at(0);
            let mut m = HealthMonitor::new(HealthMonitorConfig::default(), clock.clone())
                .expect("default config");
            let ids: Vec<String> = (0..agents).map(|i| format!("agent-{i:05}")).collect();
            for id in &ids {
                m.register_agent(Registration::new(id.as_str(), "bench"))
                    .expect("within the agent bound");
            }
            let mut rng = Rng::seeded(7);
            let beats: Vec<Heartbeat> = ids
                .iter()
                .map(|id| Heartbeat {
                    cpu_utilization: Some(0.5),
                    memory_bytes: Some(1 << 30),
                    ..Heartbeat::new(id.as_str(), 0)
                })
                .collect();
            let start = Instant::now();
            for round in 0..beats_per_agent {
                clock.advance_millis(1000);
                for hb in &beats {
                    let hb = Heartbeat {
                        sequence: round as u64 + 1,
                        error_rate: 0.01 + 0.001 * rng.gaussian(),
                        ..hb.clone()
                    };
                    black_box(m.report_heartbeat(&hb).expect("registered"));
                }
            }
            (agents * beats_per_agent) as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    report(&format!("report_heartbeat, {agents} agents"), "beat", rates);
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(9)
        .max(1);
    println!("median of {rounds} rounds (min – max)");
    let big = stream(1_000_000, 1);
    bench_detector(
        "EWMA α=0.3 (contract default)",
        &AnomalyDetectorConfig::default(),
        &big,
        rounds,
    );
    bench_detector(
        "EWMA α=0.001",
        &AnomalyDetectorConfig::ewma(0.001, 3.0, 1000),
        &big,
        rounds,
    );
    bench_detector(
        "CUSUM k=0.5 h=5",
        &AnomalyDetectorConfig::cusum(0.5, 5.0, 0.001, 1000),
        &big,
        rounds,
    );
    for (window, n) in [
        (16, 1_000_000),
        (64, 1_000_000),
        (256, 500_000),
        (1024, 200_000),
        (4096, 100_000),
    ] {
        bench_detector(
            &format!("MAD window={window}"),
            &AnomalyDetectorConfig::mad(window, 3.5),
            &big[..n],
            rounds,
        );
    }
    bench_monitor(100, 1000, rounds);
    bench_monitor(4000, 25, rounds);
}
