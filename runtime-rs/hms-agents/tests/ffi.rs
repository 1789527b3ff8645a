//! The generated agent library's `extern "C"` exports over this crate's agents, called as the
//! TypeScript binding calls them: raw pointers, the result area with its record, status codes.

// Calling the exports means passing raw pointers; every unsafe block says why it holds.
#![allow(unsafe_code)]

use std::time::{Duration, Instant};

use hms_agent_lib as lib;
use hms_contracts::agent::{CONTRACT_VERSION, SERVICE_CHECKSUMS};
use hms_contracts::hms::metrics::{
    ListMetricsRequest, ListMetricsResponse, MetricKind, MetricSample, RecordSampleRequest,
};
use hms_contracts::hms::{Ack, AgentError, AgentHealth, ErrorCode};
use hms_ffi::result::{PLACE_ALLOCATED, PLACE_OUT, RECORD_SIZE};

/// A caller's result area: room for `cap` bytes of result, then the record.
struct Area {
    out: Vec<u8>,
}

impl Area {
    fn new(cap: usize) -> Self {
        Self {
            out: vec![0; cap + RECORD_SIZE],
        }
    }

    fn ptr(&mut self) -> *mut u8 {
        self.out.as_mut_ptr()
    }

    fn size(&self) -> u32 {
        self.out.len() as u32
    }

    /// The result of the last call, copied (and freed when it was handed over), with its place.
    fn take(&mut self) -> (Vec<u8>, u32) {
        let rec = &self.out[self.out.len() - RECORD_SIZE..];
        let len = u32::from_le_bytes(rec[0..4].try_into().unwrap());
        let place = u32::from_le_bytes(rec[4..8].try_into().unwrap());
        let ptr = u64::from_le_bytes(rec[8..16].try_into().unwrap());
        let bytes = if place == PLACE_ALLOCATED {
            let ptr = ptr as usize as *mut u8;
            // SAFETY: the library handed over `len` initialised bytes at `ptr` (place 1).
            let v = unsafe { std::slice::from_raw_parts(ptr, len as usize) }.to_vec();
            // SAFETY: delivered with place 1 by this library, freed once with its length.
            unsafe { lib::hms_free_buffer(ptr, len) };
            v
        } else {
            assert_eq!(place, PLACE_OUT);
            self.out[..len as usize].to_vec()
        };
        (bytes, place)
    }

    fn error(&mut self, status: i32) -> AgentError {
        assert_ne!(status, 0);
        let e = AgentError::decode(&self.take().0).expect("an encoded AgentError");
        assert_eq!(i32::from(e.code.0), status, "status is the error's code");
        e
    }
}

fn create(area: &mut Area, name: &str) -> u64 {
    // SAFETY: `name` is valid for its length during the call.
    let type_id = unsafe { lib::hms_agent_type_id(name.as_ptr(), name.len() as u32) };
    assert_eq!(type_id, hms_contracts::agent::type_id_of(name));
    let mut handle = 0u64;
    // SAFETY: null config with length 0; `handle`, `out` are valid for the call.
    let status = unsafe {
        lib::hms_agent_create(
            type_id,
            std::ptr::null(),
            0,
            &mut handle,
            area.ptr(),
            area.size(),
        )
    };
    assert_eq!(status, 0);
    assert_eq!(area.take().0, Vec::<u8>::new());
    assert_ne!(handle, 0);
    handle
}

/// Calls an rpc export with `req`; returns its status.
fn call(
    f: unsafe extern "C" fn(u64, *const u8, u32, *mut u8, u32) -> i32,
    handle: u64,
    req: &[u8],
    area: &mut Area,
) -> i32 {
    // SAFETY: `req`, `out` are valid for their lengths during the call.
    unsafe {
        f(
            handle,
            req.as_ptr(),
            req.len() as u32,
            area.ptr(),
            area.size(),
        )
    }
}

fn sample_request(name: &str) -> Vec<u8> {
    RecordSampleRequest {
        agent_id: "ffi".to_owned(),
        sample: Box::new(MetricSample {
            name: name.to_owned(),
            value: 1.5,
            kind: MetricKind::GAUGE,
            labels: None,
            timestamp_ms: 7,
        }),
    }
    .encode()
}

#[test]
fn contract_exports_match_the_generated_constants() {
    assert_eq!(lib::hms_abi_version(), hms_contracts::agent::ABI_VERSION);
    assert_eq!(hms_contracts::agent::ABI_VERSION, 3);
    assert_eq!(lib::hms_contract_version(), CONTRACT_VERSION);
    for &(name, checksum) in SERVICE_CHECKSUMS {
        // SAFETY: `name` is valid for its length during the call.
        let got = unsafe { lib::hms_service_checksum(name.as_ptr(), name.len() as u32) };
        assert_eq!(got, checksum, "{name}");
        assert_ne!(got, 0);
    }
    let unknown = "hms.metrics.Nope";
    // SAFETY: as above; a null name with length 0 is the empty name.
    unsafe {
        assert_eq!(
            lib::hms_service_checksum(unknown.as_ptr(), unknown.len() as u32),
            0
        );
        assert_eq!(lib::hms_service_checksum(std::ptr::null(), 0), 0);
        assert_eq!(lib::hms_service_checksum(std::ptr::null(), 5), 0);
        assert_eq!(
            lib::hms_agent_type_id(unknown.as_ptr(), unknown.len() as u32),
            0
        );
    }
}

#[test]
fn create_call_fail_destroy() {
    let mut area = Area::new(4096);
    let h = create(&mut area, "metrics-collector");

    // A call: record, then list.
    let status = call(
        lib::hms_metrics_collector_record_sample,
        h,
        &sample_request("up"),
        &mut area,
    );
    assert_eq!(status, 0);
    assert!(Ack::decode(&area.take().0).unwrap().ok);
    let list = ListMetricsRequest::default().encode();
    assert_eq!(
        call(lib::hms_metrics_collector_list_metrics, h, &list, &mut area),
        0
    );
    let names = ListMetricsResponse::decode(&area.take().0).unwrap().names;
    assert_eq!(names, Some(vec!["up".to_owned()]));

    // Error paths: a request the verifier rejects, an invalid sample, a service not served.
    let status = call(
        lib::hms_metrics_collector_record_sample,
        h,
        &[0xff; 7],
        &mut area,
    );
    assert_eq!(area.error(status).code, ErrorCode::DECODE_FAILED);
    let status = call(
        lib::hms_metrics_collector_record_sample,
        h,
        &sample_request("no-dash"),
        &mut area,
    );
    assert_eq!(area.error(status).code, ErrorCode::INVALID_ARGUMENT);
    let status = call(lib::hms_health_monitor_get_health, h, &[], &mut area);
    assert_ne!(status, 0);
    // SAFETY: null request with a non-zero length is refused before any read.
    let status = unsafe {
        lib::hms_metrics_collector_list_metrics(h, std::ptr::null(), 4, area.ptr(), area.size())
    };
    assert_eq!(area.error(status).code, ErrorCode::INVALID_ARGUMENT);
    // SAFETY: a null result area, and one too small for the record: nothing can be written, the
    // status says so.
    let status = unsafe {
        lib::hms_metrics_collector_list_metrics(
            h,
            list.as_ptr(),
            list.len() as u32,
            std::ptr::null_mut(),
            64,
        )
    };
    assert_eq!(status, i32::from(ErrorCode::INVALID_ARGUMENT.0));
    // SAFETY: `out` is valid for the 15 bytes passed.
    let status = unsafe {
        lib::hms_metrics_collector_list_metrics(h, list.as_ptr(), list.len() as u32, area.ptr(), 15)
    };
    assert_eq!(status, i32::from(ErrorCode::INVALID_ARGUMENT.0));

    // Health.
    // SAFETY: `out` are valid during the call.
    let status = unsafe { lib::hms_agent_health(h, area.ptr(), area.size()) };
    assert_eq!(status, 0);
    assert_eq!(
        AgentHealth::decode(&area.take().0).unwrap().agent_id,
        "metrics-collector"
    );

    // Destroy: the handle is dead afterwards, even when its slot is reused.
    assert_eq!(lib::hms_agent_destroy(h), 0);
    assert_eq!(
        lib::hms_agent_destroy(h),
        i32::from(ErrorCode::INVALID_HANDLE.0)
    );
    let status = call(lib::hms_metrics_collector_list_metrics, h, &list, &mut area);
    assert_eq!(area.error(status).code, ErrorCode::INVALID_HANDLE);
    let h2 = create(&mut area, "metrics-collector");
    assert_ne!(h2, h);
    let status = call(lib::hms_metrics_collector_list_metrics, h, &list, &mut area);
    assert_eq!(area.error(status).code, ErrorCode::INVALID_HANDLE);
    assert_eq!(lib::hms_agent_destroy(h2), 0);
}

#[test]
fn unknown_type_ids_and_null_out_handles_are_refused() {
    let mut area = Area::new(256);
    let mut handle = 0u64;
    // SAFETY: all pointers valid for the call (or null with length 0).
    let status = unsafe {
        lib::hms_agent_create(
            99,
            std::ptr::null(),
            0,
            &mut handle,
            area.ptr(),
            area.size(),
        )
    };
    assert_eq!(area.error(status).code, ErrorCode::NOT_FOUND);
    assert_eq!(handle, 0);
    // SAFETY: a null out_handle is checked before it is written.
    let status = unsafe {
        lib::hms_agent_create(
            1,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            area.ptr(),
            area.size(),
        )
    };
    assert_eq!(area.error(status).code, ErrorCode::INVALID_ARGUMENT);
}

#[test]
fn a_result_larger_than_the_buffer_is_handed_over_and_freed() {
    let mut big = Area::new(4096);
    let h = create(&mut big, "metrics-collector");
    // A tiny buffer: the response goes through hms_free_buffer (in Area::take).
    let mut tiny = Area::new(4);
    assert_eq!(
        call(
            lib::hms_metrics_collector_record_sample,
            h,
            &sample_request("up"),
            &mut tiny
        ),
        0
    );
    let (bytes, place) = tiny.take();
    assert_eq!(place, PLACE_ALLOCATED);
    assert!(Ack::decode(&bytes).unwrap().ok);
    // An error too.
    let status = call(
        lib::hms_metrics_collector_record_sample,
        h,
        &[1, 2, 3],
        &mut tiny,
    );
    let (bytes, place) = tiny.take();
    assert_eq!(place, PLACE_ALLOCATED);
    assert_eq!(
        i32::from(AgentError::decode(&bytes).unwrap().code.0),
        status
    );
    // An area of just the record is valid too: every result is handed over.
    let mut none = Area::new(0);
    // SAFETY: `out` is valid for its 16 bytes.
    let status = unsafe { lib::hms_agent_health(h, none.ptr(), none.size()) };
    assert_eq!(status, 0);
    assert_eq!(none.take().1, PLACE_ALLOCATED);
    // SAFETY: null is ignored.
    unsafe { lib::hms_free_buffer(std::ptr::null_mut(), 0) };
    assert_eq!(lib::hms_agent_destroy(h), 0);
}

#[test]
fn async_calls_complete_through_the_pool() {
    let mut area = Area::new(4096);
    let h = create(&mut area, "metrics-collector");
    // Method ids are 1-based over the services in name order and their rpcs in declaration order
    // (generator/src/codegen/abi.ts `methodIds`); record_sample's is read from the generated
    // dispatch, which numbers them the same way.
    let dispatch = include_str!("../../../generated/rust/contracts/src/agent.rs");
    let record_sample: u32 = dispatch
        .lines()
        .find_map(|l| {
            let (id, call) = l.trim().split_once(" => ")?;
            call.starts_with("metrics_collector_record_sample(")
                .then(|| id.parse().ok())?
        })
        .expect("record_sample in the generated by_method_id");
    let req = sample_request("async_metric");
    let q = lib::hms_queue_open();
    assert_ne!(q, 0);
    // SAFETY: `req` is valid for its length during the call (the library copies it).
    let ok_id = unsafe { lib::hms_submit(q, h, record_sample, req.as_ptr(), req.len() as u32) };
    // SAFETY: as above.
    let bad_id = unsafe {
        lib::hms_submit(
            q,
            h + (1 << 20),
            record_sample,
            req.as_ptr(),
            req.len() as u32,
        )
    };
    assert!(ok_id != 0 && bad_id != 0 && ok_id != bad_id);
    // SAFETY: as above; an unknown queue refuses the call (id 0) and runs nothing.
    let no_queue =
        unsafe { lib::hms_submit(q + 1, h, record_sample, req.as_ptr(), req.len() as u32) };
    assert_eq!(no_queue, 0);
    let mut done = std::collections::HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while done.len() < 2 && Instant::now() < deadline {
        // SAFETY: `out` are valid during the call.
        let status = unsafe { lib::hms_wait_completions(q, 1000, area.ptr(), area.size()) };
        assert_eq!(status, 0);
        let (batch, _) = area.take();
        let mut at = 0;
        while at < batch.len() {
            let id = u64::from_le_bytes(batch[at..at + 8].try_into().unwrap());
            let st = i32::from_le_bytes(batch[at + 8..at + 12].try_into().unwrap());
            let len = u32::from_le_bytes(batch[at + 12..at + 16].try_into().unwrap()) as usize;
            done.insert(id, (st, batch[at + 16..at + 16 + len].to_vec()));
            at += 16 + len.div_ceil(8) * 8;
        }
    }
    let (st, bytes) = &done[&ok_id];
    assert_eq!(*st, 0);
    assert!(Ack::decode(bytes).unwrap().ok);
    let (st, bytes) = &done[&bad_id];
    assert_eq!(*st, i32::from(ErrorCode::INVALID_HANDLE.0));
    assert_eq!(
        AgentError::decode(bytes).unwrap().code,
        ErrorCode::INVALID_HANDLE
    );
    assert_eq!(lib::hms_queue_close(q), 0);
    assert_eq!(
        lib::hms_queue_close(q),
        i32::from(ErrorCode::INVALID_HANDLE.0)
    );
    // SAFETY: `out` is valid during the call; a closed queue is an error, not a wait.
    let status = unsafe { lib::hms_wait_completions(q, 1000, area.ptr(), area.size()) };
    assert_eq!(status, i32::from(ErrorCode::INVALID_HANDLE.0));
    assert_eq!(
        AgentError::decode(&area.take().0).unwrap().code,
        ErrorCode::INVALID_HANDLE
    );
    assert_eq!(lib::hms_agent_destroy(h), 0);
}
