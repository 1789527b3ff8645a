//! Status codes of the agent ABI (docs/ffi-abi.md): `0` or a value of
//! `hms.ErrorCode` from `idl/hms/common.fbs`.

/// Success; the result area holds the response.
pub const OK: i32 = 0;
/// A null pointer, an oversized length or another malformed argument.
pub const INVALID_ARGUMENT: i32 = 1;
/// Unknown agent type id (or any "not found" reported by an agent).
pub const NOT_FOUND: i32 = 2;
/// The agent does not implement the method.
pub const UNIMPLEMENTED: i32 = 9;
/// An unexpected failure inside the callee.
pub const INTERNAL: i32 = 10;
/// The agent code panicked; the panic was caught at the boundary.
pub const PANIC: i32 = 100;
/// Caller and library were generated from different contracts.
pub const CONTRACT_MISMATCH: i32 = 101;
/// The handle is unknown, destroyed, or from a reused slot.
pub const INVALID_HANDLE: i32 = 102;
/// The request failed FlatBuffers verification.
pub const DECODE_FAILED: i32 = 103;
/// The response could not be encoded.
pub const ENCODE_FAILED: i32 = 104;

// The ABI's version is `hms_contracts::agent::ABI_VERSION`, generated from generator/src/codegen/abi.ts
// (a copy here said 1 while the ABI was at 2); tests/abi-constants.test.ts holds these codes to the
// schema's `hms.ErrorCode`.
