//! The seed's Rust core components, as plain Rust: no FFI, no FlatBuffers. `hms-agents` wraps
//! each one in an agent served through the generated agent library.
//!
//! - [`clock`]: the injectable time source every time-dependent component takes (tests advance a
//!   [`clock::ManualClock`] instead of sleeping);
//! - [`rng`]: a small seeded PRNG (xoshiro256**), so jitter and detectors are reproducible;
//! - [`breaker`]: a circuit breaker with resilience4j's semantics;
//! - [`recovery`]: backoff with jitter, recovery strategies and the planner;
//! - [`health`]: bounded series, anomaly detectors, alerts and heartbeat deadlines;
//! - [`bus`]: per-agent mailboxes with priorities, TTL and back-pressure;
//! - [`config`]: typed configuration entries with validators, versions, history and watches.

#![warn(missing_docs)]

pub mod breaker;
pub mod bus;
pub mod clock;
pub mod config;
pub mod health;
pub mod recovery;
pub mod rng;
