//! FFI support for HMS agents.
//!
//! Generated Rust stubs (from the `.fbs` contracts under `idl/`) depend on this
//! crate for the pieces every agent shares across the C ABI. For now that is:
//!
//! - [`ContractVersion`]: the `major.minor` version of one service contract,
//!   packed into a `u32` so it crosses the C ABI as a plain integer;
//! - [`fnv1a64`] and [`Fnv1a64`]: the FNV-1a 64-bit hash used for per-service
//!   contract checksums, so a loader can tell a stale binding from a fresh one.
//!
//! This is the only crate in the workspace that will be allowed to contain
//! `unsafe` code (the workspace denies `unsafe_code`); every `extern "C"`
//! function added here must wrap its body in `std::panic::catch_unwind`.

#![warn(missing_docs)]

mod checksum;
mod version;

pub use checksum::{fnv1a64, Fnv1a64, FNV1A64_OFFSET_BASIS, FNV1A64_PRIME};
pub use version::{ContractVersion, ParseContractVersionError};
