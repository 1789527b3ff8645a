//! Fuzzing of the generated verifier and readers (`hms-contracts`, docs/safe-readers.md): valid
//! buffers built by the generated builders, mutated with a seeded PRNG (bit flips, byte sets,
//! truncation, extension, offset and vtable-entry overwrites, offsets copied elsewhere), then
//!
//! - read whole without verification (every field of the root reader, through `From`): the
//!   safe readers must neither panic nor misbehave on any bytes;
//! - decoded (verify, then every field read): accepted or rejected, never a panic;
//! - when accepted, re-encoded by the builders, and that buffer must verify again.
//!
//! tests/fuzz.rs runs [`fuzz`] for every root type of idl/ and every FFI request type, from the
//! seeds of `seeds/` (scripts/gen-fuzz-seeds.ts); scripts/bench-fuzz runs more.

use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use flatbuffers::InvalidFlatbuffer;
use hms_contracts::DecodeError;

/// A fuzzed table type: its owned form, its codecs and its reader over unverified bytes.
pub trait Subject: Sized + PartialEq + Debug {
    /// The schema name (`hms.breaker.BreakerStatus`), also the seed's file name.
    const NAME: &'static str;
    /// Verified decode (the generated `decode`).
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>;
    /// The generated builders (`encode`).
    fn encode(&self) -> Vec<u8>;
    /// The root reader over `bytes` without verification, every field read into the owned form.
    fn read_unverified(bytes: &[u8]) -> Option<Self>;
}

/// Implements [`Subject`] for owned types and their readers: `subjects! { "hms.X" => path::X, path::XRef; ... }`.
macro_rules! subjects {
    ($($name:literal => $owned:ty, $reader:ty;)*) => {
        $(impl crate::Subject for $owned {
            const NAME: &'static str = $name;
            fn decode(bytes: &[u8]) -> Result<Self, ::hms_contracts::DecodeError> {
                <$owned>::decode(bytes)
            }
            fn encode(&self) -> Vec<u8> {
                <$owned>::encode(self)
            }
            fn read_unverified(bytes: &[u8]) -> Option<Self> {
                <$reader as ::hms_contracts::runtime::Read<'_>>::read(bytes, 0).map(Self::from)
            }
        })*
    };
}

/// SplitMix64: a small seeded PRNG (the sequence is the same on every run and platform).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: no modulo bias worth the name for the small n used here.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Byte values that hit edge cases (zero, sign bits, all ones, small counts).
const BYTES: [u8; 8] = [0x00, 0x01, 0x02, 0x04, 0x7f, 0x80, 0xfe, 0xff];
/// 16-bit values for vtable entries and lengths.
const HALVES: [u16; 8] = [0, 2, 4, 6, 8, 0x7fff, 0x8000, 0xffff];

/// Applies 1 to 3 seeded mutations to `buf` (any may make it invalid).
pub fn mutate(rng: &mut Rng, buf: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(3) {
        let len = buf.len();
        match rng.below(16) {
            // Bit flips (the most frequent: they keep the buffer's shape).
            0..=3 if len > 0 => {
                let i = rng.below(len);
                buf[i] ^= 1 << rng.below(8);
            }
            // A byte set to an edge value or a random one.
            4..=5 if len > 0 => {
                let i = rng.below(len);
                buf[i] = if rng.below(2) == 0 {
                    BYTES[rng.below(BYTES.len())]
                } else {
                    rng.next_u64() as u8
                };
            }
            // Truncation.
            6 => buf.truncate(rng.below(len + 1)),
            // Extension with random bytes.
            7 => {
                for _ in 0..1 + rng.below(16) {
                    buf.push(rng.next_u64() as u8);
                }
            }
            // An offset (u32 at a 4-aligned position) overwritten: past the end, at the end, on
            // itself, huge, negative as an soffset, or a small step.
            8..=10 if len >= 4 => {
                let at = rng.below(len / 4) * 4;
                let v: u32 = match rng.below(8) {
                    0 => 0,
                    1 => len as u32,
                    2 => (len as u32).wrapping_sub(at as u32),
                    3 => 0x7fff_ffff,
                    4 => 0xffff_ffff,
                    5 => 0x8000_0000,
                    6 => (rng.below(64) * 4) as u32,
                    _ => (rng.next_u64() as u32) | 1,
                };
                buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            // A vtable entry or length (u16 at a 2-aligned position) overwritten.
            11..=13 if len >= 2 => {
                let at = rng.below(len / 2) * 2;
                let v = if rng.below(2) == 0 {
                    HALVES[rng.below(HALVES.len())]
                } else {
                    (rng.below(len + 8) & !1) as u16
                };
                buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
            }
            // Four aligned bytes copied over others (an offset reused: shared or crossed objects).
            14..=15 if len >= 8 => {
                let from = rng.below(len / 4) * 4;
                let to = rng.below(len / 4) * 4;
                buf.copy_within(from..from + 4, to);
            }
            _ => {}
        }
    }
}

/// What [`fuzz`] did for one type.
#[derive(Debug, Clone)]
pub struct Report {
    /// The type's schema name.
    pub name: &'static str,
    /// Size of the builders' buffer the mutations start from.
    pub base_len: usize,
    /// Mutated buffers checked.
    pub buffers: u64,
    /// How many of them the verifier accepted.
    pub accepted: u64,
    /// Of those, how many the builders could not re-encode (an unknown member of a required union).
    pub unencodable: u64,
    /// Time taken.
    pub elapsed: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "{:<40} {:>5} B {:>10} buffers {:>9} accepted ({} unencodable) {:>8.2} s {:>7.0} ns/buffer",
            self.name,
            self.base_len,
            self.buffers,
            self.accepted,
            self.unencodable,
            secs,
            secs * 1e9 / self.buffers.max(1) as f64,
        )
    }
}

/// FNV-1a 64 of `s` (mixes the type into the PRNG seed, so each type gets its own sequence).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What the verifier and the builders made of one mutated buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Rejected,
    Accepted,
    /// Accepted, but the builders' buffer of the value lacks a required field: a required union
    /// whose discriminant this code does not know decodes as `Unknown`, which `pack` cannot write
    /// (generated union docs); known, left as it is (docs/safe-readers.md).
    AcceptedUnencodable,
}

/// Checks one buffer: the unverified full read, then decode and, when accepted, the round trip.
fn check<T: Subject>(buf: &[u8]) -> Outcome {
    std::hint::black_box(T::read_unverified(buf));
    match T::decode(buf) {
        Ok(value) => match T::decode(&value.encode()) {
            Ok(_) => Outcome::Accepted,
            Err(DecodeError(InvalidFlatbuffer::MissingRequiredField { .. })) => {
                Outcome::AcceptedUnencodable
            }
            Err(e) => panic!("the builders' buffer of an accepted value does not verify: {e}"),
        },
        Err(_) => Outcome::Rejected,
    }
}

/// Fuzzes `T` from `seed` (a valid buffer): decodes it, re-encodes it with the builders and checks
/// `buffers` mutations of that buffer (PRNG seeded with `rng_seed` and the type's name). Panics,
/// naming the iteration and the buffer, when a check panics.
pub fn fuzz<T: Subject>(seed: &[u8], buffers: u64, rng_seed: u64) -> Report {
    let value =
        T::decode(seed).unwrap_or_else(|e| panic!("{}: the seed does not decode: {e}", T::NAME));
    let base = value.encode();
    let again = T::decode(&base)
        .unwrap_or_else(|e| panic!("{}: the builders' buffer does not decode: {e}", T::NAME));
    assert_eq!(again, value, "{}: the seed does not round-trip", T::NAME);
    assert_eq!(
        T::read_unverified(&base).as_ref(),
        Some(&value),
        "{}: unverified read of a valid buffer",
        T::NAME
    );

    let mut rng = Rng::new(rng_seed ^ fnv(T::NAME));
    let mut buf = Vec::with_capacity(base.len() + 64);
    let mut accepted = 0;
    let mut unencodable = 0;
    let start = Instant::now();
    for i in 0..buffers {
        buf.clear();
        buf.extend_from_slice(&base);
        mutate(&mut rng, &mut buf);
        match catch_unwind(AssertUnwindSafe(|| check::<T>(&buf))) {
            Ok(Outcome::Rejected) => {}
            Ok(Outcome::Accepted) => accepted += 1,
            Ok(Outcome::AcceptedUnencodable) => {
                accepted += 1;
                unencodable += 1;
            }
            Err(_) => panic!(
                "{}: mutated buffer {i} (rng seed {rng_seed:#x}) panicked (message above): {:02x?}",
                T::NAME,
                buf
            ),
        }
    }
    Report {
        name: T::NAME,
        base_len: base.len(),
        buffers,
        accepted,
        unencodable,
        elapsed: start.elapsed(),
    }
}

/// Mutated buffers per type: `HMS_FUZZ_BUFFERS`, else `default`.
pub fn buffers_per_type(default: u64) -> u64 {
    std::env::var("HMS_FUZZ_BUFFERS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The PRNG seed: `HMS_FUZZ_SEED` (decimal or 0x hex), else a fixed one.
pub fn rng_seed() -> u64 {
    std::env::var("HMS_FUZZ_SEED")
        .ok()
        .and_then(|v| match v.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => v.parse().ok(),
        })
        .unwrap_or(0x5afe_2ead)
}

// The fuzzed types: every root type of idl/ and every FFI request type (seeds/types.txt).
use hms_contracts::hms;

subjects! {
    "hms.AgentMessage" => hms::AgentMessage, hms::AgentMessageRef;
    "hms.Empty" => hms::Empty, hms::EmptyRef;
    "hms.breaker.AcquireRequest" => hms::breaker::AcquireRequest, hms::breaker::AcquireRequestRef;
    "hms.breaker.BreakerStatus" => hms::breaker::BreakerStatus, hms::breaker::BreakerStatusRef;
    "hms.breaker.ConfigureBreakerRequest" => hms::breaker::ConfigureBreakerRequest, hms::breaker::ConfigureBreakerRequestRef;
    "hms.breaker.GetStateRequest" => hms::breaker::GetStateRequest, hms::breaker::GetStateRequestRef;
    "hms.breaker.RecordOutcomeRequest" => hms::breaker::RecordOutcomeRequest, hms::breaker::RecordOutcomeRequestRef;
    "hms.breaker.ResetRequest" => hms::breaker::ResetRequest, hms::breaker::ResetRequestRef;
    "hms.bus.CloseMailboxRequest" => hms::bus::CloseMailboxRequest, hms::bus::CloseMailboxRequestRef;
    "hms.bus.OpenMailboxRequest" => hms::bus::OpenMailboxRequest, hms::bus::OpenMailboxRequestRef;
    "hms.bus.ReceiveBatchRequest" => hms::bus::ReceiveBatchRequest, hms::bus::ReceiveBatchRequestRef;
    "hms.bus.SendBatchRequest" => hms::bus::SendBatchRequest, hms::bus::SendBatchRequestRef;
    "hms.bus.SendColumnsRequest" => hms::bus::SendColumnsRequest, hms::bus::SendColumnsRequestRef;
    "hms.bus.StatsRequest" => hms::bus::StatsRequest, hms::bus::StatsRequestRef;
    "hms.config.ConfigSnapshot" => hms::config::ConfigSnapshot, hms::config::ConfigSnapshotRef;
    "hms.config.DeleteConfigRequest" => hms::config::DeleteConfigRequest, hms::config::DeleteConfigRequestRef;
    "hms.config.GetConfigRequest" => hms::config::GetConfigRequest, hms::config::GetConfigRequestRef;
    "hms.config.SetConfigRequest" => hms::config::SetConfigRequest, hms::config::SetConfigRequestRef;
    "hms.config.WatchConfigRequest" => hms::config::WatchConfigRequest, hms::config::WatchConfigRequestRef;
    "hms.consensus.AppendEntriesRequest" => hms::consensus::AppendEntriesRequest, hms::consensus::AppendEntriesRequestRef;
    "hms.consensus.PersistentState" => hms::consensus::PersistentState, hms::consensus::PersistentStateRef;
    "hms.consensus.ProposeRequest" => hms::consensus::ProposeRequest, hms::consensus::ProposeRequestRef;
    "hms.consensus.RequestVoteRequest" => hms::consensus::RequestVoteRequest, hms::consensus::RequestVoteRequestRef;
    "hms.control.AgentState" => hms::control::AgentState, hms::control::AgentStateRef;
    "hms.control.EvolveRequest" => hms::control::EvolveRequest, hms::control::EvolveRequestRef;
    "hms.control.FaultInjection" => hms::control::FaultInjection, hms::control::FaultInjectionRef;
    "hms.genetic.ConfigureRequest" => hms::genetic::ConfigureRequest, hms::genetic::ConfigureRequestRef;
    "hms.genetic.EvolutionCheckpoint" => hms::genetic::EvolutionCheckpoint, hms::genetic::EvolutionCheckpointRef;
    "hms.genetic.EvolveRequest" => hms::genetic::EvolveRequest, hms::genetic::EvolveRequestRef;
    "hms.genetic.GetBestRequest" => hms::genetic::GetBestRequest, hms::genetic::GetBestRequestRef;
    "hms.genetic.GetHistoryRequest" => hms::genetic::GetHistoryRequest, hms::genetic::GetHistoryRequestRef;
    "hms.health.DeregisterAgentRequest" => hms::health::DeregisterAgentRequest, hms::health::DeregisterAgentRequestRef;
    "hms.health.GetHealthRequest" => hms::health::GetHealthRequest, hms::health::GetHealthRequestRef;
    "hms.health.HealthSnapshot" => hms::health::HealthSnapshot, hms::health::HealthSnapshotRef;
    "hms.health.HeartbeatRequest" => hms::health::HeartbeatRequest, hms::health::HeartbeatRequestRef;
    "hms.health.ListUnhealthyRequest" => hms::health::ListUnhealthyRequest, hms::health::ListUnhealthyRequestRef;
    "hms.health.RegisterAgentRequest" => hms::health::RegisterAgentRequest, hms::health::RegisterAgentRequestRef;
    "hms.metrics.ExportRequest" => hms::metrics::ExportRequest, hms::metrics::ExportRequestRef;
    "hms.metrics.ListMetricsRequest" => hms::metrics::ListMetricsRequest, hms::metrics::ListMetricsRequestRef;
    "hms.metrics.MetricBatch" => hms::metrics::MetricBatch, hms::metrics::MetricBatchRef;
    "hms.metrics.QuerySummaryRequest" => hms::metrics::QuerySummaryRequest, hms::metrics::QuerySummaryRequestRef;
    "hms.metrics.RecordBatchRequest" => hms::metrics::RecordBatchRequest, hms::metrics::RecordBatchRequestRef;
    "hms.metrics.RecordSampleRequest" => hms::metrics::RecordSampleRequest, hms::metrics::RecordSampleRequestRef;
    "hms.recovery.GetPlanRequest" => hms::recovery::GetPlanRequest, hms::recovery::GetPlanRequestRef;
    "hms.recovery.PlanRecoveryRequest" => hms::recovery::PlanRecoveryRequest, hms::recovery::PlanRecoveryRequestRef;
    "hms.recovery.RecoveryPlan" => hms::recovery::RecoveryPlan, hms::recovery::RecoveryPlanRef;
    "hms.recovery.ReportOutcomeRequest" => hms::recovery::ReportOutcomeRequest, hms::recovery::ReportOutcomeRequestRef;
    "hms.recovery.SetPolicyRequest" => hms::recovery::SetPolicyRequest, hms::recovery::SetPolicyRequestRef;
}
