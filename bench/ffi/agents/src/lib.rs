//! The agent of the FFI benchmark (`scripts/bench-ffi`).
//!
//! - Agent type `echo` serves `hms.bench.Echo` (bench/ffi/bench.fbs) through the generated agent
//!   library: `ping` answers one `PingRequest`, `ping_batch` a vector of them in one crossing.
//! - `bench_json_ping` is the same `ping` with JSON instead of FlatBuffers: `serde_json` parses the
//!   request, [`answer`] does the same work, `serde_json` writes the response into the caller's
//!   buffer. It is hand-written: the comparison the generated path is measured against.
//! - `bench_noop` and `bench_noop_buffer` do nothing: the floor of a koffi call, with the
//!   signature of an rpc export and with a single buffer.
//! - `bench_rust_dispatch_loop` and `bench_rust_json_loop` run the Rust side of either path `n`
//!   times inside Rust (one koffi call for all of them), so the benchmark can tell the Rust share
//!   of a call from the TypeScript and koffi shares.
//!
//! Every export runs inside `catch_unwind`, as DEVELOPERS.md asks of every `extern "C"` function.

// `bench_json_ping` turns the caller's pointers into slices; nothing else is unsafe.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_debug_implementations)]

use std::panic::{catch_unwind, AssertUnwindSafe};

use std::hint::black_box;

use hms_contracts::agent::{dispatch, Agent, Builder};
use hms_contracts::hms::bench::{Echo, PingBatch, PingBatchResponse, PingRequest, PingResponse};
use hms_contracts::hms::{AgentError, AgentHealth, HealthStatus};
use serde::{Deserialize, Serialize};

/// Type name of the echo agent.
pub const TYPE_NAME: &str = "echo";

hms_contracts::agents! {
    EchoAgent {
        name: TYPE_NAME,
        create: create,
        serves: [echo],
    },
}

/// Creates an echo agent; it has no configuration.
fn create(_config: &[u8]) -> Result<EchoAgent, AgentError> {
    Ok(EchoAgent)
}

/// The work of one message, shared by every path: `seq + 1`, `value * weight`, the tag's length
/// and the tag itself.
#[must_use]
pub fn answer(seq: u32, value: f64, weight: i32, tag: String) -> (u32, f64, u32, String) {
    let length = u32::try_from(tag.len()).unwrap_or(u32::MAX);
    (seq.wrapping_add(1), value * f64::from(weight), length, tag)
}

fn ping(req: PingRequest) -> PingResponse {
    let (seq, value, length, tag) = answer(req.seq, req.value, req.weight, req.tag);
    PingResponse {
        seq,
        value,
        length,
        tag,
    }
}

/// Serves `hms.bench.Echo`.
#[derive(Debug)]
struct EchoAgent;

impl Agent for EchoAgent {
    fn health(&self) -> AgentHealth {
        AgentHealth {
            agent_id: TYPE_NAME.to_owned(),
            status: HealthStatus::HEALTHY,
            ..AgentHealth::default()
        }
    }
}

impl Echo for EchoAgent {
    fn ping(&self, req: PingRequest) -> Result<PingResponse, AgentError> {
        Ok(ping(req))
    }

    fn ping_batch(&self, req: PingBatch) -> Result<PingBatchResponse, AgentError> {
        Ok(PingBatchResponse {
            items: req.items.into_iter().map(ping).collect(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON path and the floor

/// `PingRequest` as JSON (the TypeScript side's `JSON.stringify` of the same object).
#[derive(Debug, Deserialize)]
struct JsonPingRequest {
    seq: u32,
    value: f64,
    weight: i32,
    tag: String,
}

/// `PingResponse` as JSON.
#[derive(Debug, Serialize)]
struct JsonPingResponse {
    seq: u32,
    value: f64,
    length: u32,
    tag: String,
}

/// Status of [`bench_json_ping`] for a request that is not valid JSON of a `PingRequest`.
pub const JSON_BAD_REQUEST: i32 = -1;
/// Status of [`bench_json_ping`] when the response does not fit the caller's buffer.
pub const JSON_NO_ROOM: i32 = -2;
/// Status of every export of this crate when it panicked.
pub const PANICKED: i32 = -100;

/// The caller's input bytes; `None` for a null pointer with a non-zero length.
///
/// # Safety
/// `ptr` is null or valid for reads of `len` bytes for `'a`.
unsafe fn input<'a>(ptr: *const u8, len: u32) -> Option<&'a [u8]> {
    if len == 0 {
        Some(&[])
    } else if ptr.is_null() {
        None
    } else {
        // SAFETY: `ptr` is not null and valid for reads of `len` bytes (this function's contract).
        Some(unsafe { std::slice::from_raw_parts(ptr, len as usize) })
    }
}

fn json_ping(input: &[u8], out: &mut [u8]) -> i32 {
    let Ok(req) = serde_json::from_slice::<JsonPingRequest>(input) else {
        return JSON_BAD_REQUEST;
    };
    let (seq, value, length, tag) = answer(req.seq, req.value, req.weight, req.tag);
    let response = JsonPingResponse {
        seq,
        value,
        length,
        tag,
    };
    let cap = out.len();
    let mut rest = out;
    match serde_json::to_writer(&mut rest, &response) {
        Ok(()) => i32::try_from(cap - rest.len()).unwrap_or(JSON_NO_ROOM),
        Err(_) => JSON_NO_ROOM,
    }
}

/// `ping` over JSON: parses `req` (UTF-8 JSON of a `PingRequest`), writes the JSON of the
/// `PingResponse` into `out`; returns its length, or [`JSON_BAD_REQUEST`], [`JSON_NO_ROOM`], [`PANICKED`].
///
/// # Safety
/// `req` is valid for reads of `req_len` bytes and `out` for writes of `out_cap` bytes during the
/// call, and they do not overlap; either may be null only with a zero length.
#[no_mangle]
pub unsafe extern "C" fn bench_json_ping(
    req: *const u8,
    req_len: u32,
    out: *mut u8,
    out_cap: u32,
) -> i32 {
    // SAFETY: `req` is valid for reads of `req_len` bytes (this function's contract).
    let Some(request) = (unsafe { input(req, req_len) }) else {
        return JSON_BAD_REQUEST;
    };
    if out.is_null() && out_cap != 0 {
        return JSON_BAD_REQUEST;
    }
    let output: &mut [u8] = if out_cap == 0 {
        &mut []
    } else {
        // SAFETY: `out` is not null, valid for writes of `out_cap` bytes and does not overlap `req`
        // (this function's contract).
        unsafe { std::slice::from_raw_parts_mut(out, out_cap as usize) }
    };
    catch_unwind(AssertUnwindSafe(move || json_ping(request, output))).unwrap_or(PANICKED)
}

/// Does nothing with the arguments of an rpc export (the floor of such a call); returns 0.
#[no_mangle]
pub extern "C" fn bench_noop(
    _handle: u64,
    _req: *const u8,
    _req_len: u32,
    _out: *mut u8,
    _out_cap: u32,
) -> i32 {
    catch_unwind(|| 0).unwrap_or(PANICKED)
}

/// Does nothing with one buffer (the floor of any koffi call with a buffer); returns 0.
#[no_mangle]
pub extern "C" fn bench_noop_buffer(_buf: *const u8, _len: u32) -> i32 {
    catch_unwind(|| 0).unwrap_or(PANICKED)
}

/// Runs the generated dispatch of `ping` (verify, decode, the agent, encode) `n` times on the
/// encoded `PingRequest` in `req`, inside Rust; returns the total response length (0 on a failure).
///
/// # Safety
/// `req` is valid for reads of `req_len` bytes during the call.
#[no_mangle]
pub unsafe extern "C" fn bench_rust_dispatch_loop(req: *const u8, req_len: u32, n: u32) -> u64 {
    // SAFETY: `req` is valid for reads of `req_len` bytes (this function's contract).
    let Some(req) = (unsafe { input(req, req_len) }) else {
        return 0;
    };
    catch_unwind(move || {
        let agent = EchoAgent;
        // One builder for all calls, as the agent library keeps its builders between calls.
        let mut out = Builder::new();
        let mut total = 0u64;
        for _ in 0..n {
            match dispatch::echo_ping(black_box(&agent), black_box(req), &mut out) {
                Ok(()) => total += black_box(out.finished_data()).len() as u64,
                Err(_) => return 0,
            }
        }
        total
    })
    .unwrap_or(0)
}

/// Runs the Rust side of `bench_json_ping` `n` times on the JSON in `req`, inside Rust; returns
/// the total response length (0 on a failure).
///
/// # Safety
/// `req` is valid for reads of `req_len` bytes during the call.
#[no_mangle]
pub unsafe extern "C" fn bench_rust_json_loop(req: *const u8, req_len: u32, n: u32) -> u64 {
    // SAFETY: `req` is valid for reads of `req_len` bytes (this function's contract).
    let Some(req) = (unsafe { input(req, req_len) }) else {
        return 0;
    };
    catch_unwind(move || {
        let mut out = [0u8; 4096];
        let mut total = 0u64;
        for _ in 0..n {
            let len = json_ping(black_box(req), &mut out);
            if len <= 0 {
                return 0;
            }
            total += u64::from(len.unsigned_abs());
            black_box(&out);
        }
        total
    })
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_flatbuffers_paths_do_the_same_work() {
        let req = br#"{"seq":41,"value":1.5,"weight":-4,"tag":"bench-\u00e9"}"#;
        let mut out = [0u8; 256];
        let n = json_ping(req, &mut out);
        assert!(n > 0);
        let text = std::str::from_utf8(&out[..n as usize]).unwrap();
        assert_eq!(
            text,
            r#"{"seq":42,"value":-6.0,"length":8,"tag":"bench-é"}"#
        );
        let r = ping(PingRequest {
            seq: 41,
            value: 1.5,
            weight: -4,
            tag: "bench-é".to_owned(),
        });
        assert_eq!(
            (r.seq, r.value, r.length, r.tag.as_str()),
            (42, -6.0, 8, "bench-é")
        );
        assert_eq!(json_ping(b"{", &mut out), JSON_BAD_REQUEST);
        assert_eq!(json_ping(req, &mut out[..8]), JSON_NO_ROOM);
    }
}
