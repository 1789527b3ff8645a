//! FFI support for HMS agents.
//!
//! Generated Rust stubs (from the `.fbs` contracts under `idl/`) depend on this
//! crate for the pieces every agent shares across the C ABI described in
//! `docs/ffi-abi.md`:
//!
//! - [`status`]: the status codes exports return (0 or an `hms.ErrorCode`);
//! - [`handles::HandleTable`]: generational handles instead of pointers;
//! - [`result::ResultArea`]: results copied into the caller's buffer, or handed
//!   over as an allocation freed by [`result::free_buffer`];
//! - [`guard::guarded`]: panic containment for every export;
//! - [`input::borrow`]: an export's input bytes as a slice;
//! - [`pool::Pool`]: the worker pool and completion queue behind async calls;
//! - [`recycle::Recycler`]: a bounded lock-free cache of reusable values (response builders);
//! - [`ContractVersion`], [`fnv1a64`] and [`Fnv1a64`]: contract versions and
//!   the per-service checksums a loader compares.
//!
//! This is the only crate in the workspace that contains `unsafe` code (the
//! workspace denies `unsafe_code`), each block with its `SAFETY` argument.

#![warn(missing_docs)]
// The FFI support crate is the one place raw pointers are handled (docs/ffi-abi.md);
// every unsafe block carries a SAFETY comment (clippy: undocumented_unsafe_blocks).
#![allow(unsafe_code)]

mod checksum;
pub mod guard;
pub mod handles;
pub mod input;
pub mod pool;
pub mod recycle;
pub mod result;
pub mod status;
mod version;

pub use checksum::{fnv1a64, Fnv1a64, FNV1A64_OFFSET_BASIS, FNV1A64_PRIME};
pub use version::{ContractVersion, ParseContractVersionError};
