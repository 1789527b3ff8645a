//! The result area of the ABI (docs/ffi-abi.md): one caller-owned buffer whose last 16 bytes are
//! the record telling where the result went; the result itself goes at its start when it fits.

/// Size of the result record: `len: u32`, `place: u32`, `ptr: u64` (little-endian). The record's
/// layout is the ABI's (generator/src/codegen/abi.ts `RESULT_RECORD`; tests/abi-constants.test.ts
/// holds these constants to it).
pub const RECORD_SIZE: usize = 16;
/// Offset of `len: u32` in the record.
pub const RECORD_LEN_AT: usize = 0;
/// Offset of `place: u32` in the record.
pub const RECORD_PLACE_AT: usize = 4;
/// Offset of `ptr: u64` in the record.
pub const RECORD_PTR_AT: usize = 8;
/// The result is in the caller's buffer.
pub const PLACE_OUT: u32 = 0;
/// The result did not fit; it is a Rust allocation to free with `hms_free_buffer`.
pub const PLACE_ALLOCATED: u32 = 1;

/// Where one call delivers its result.
#[derive(Debug)]
pub struct ResultArea {
    out: *mut u8,
    /// Room for the result: the buffer less the record at its end.
    cap: usize,
    record: *mut u8,
}

impl ResultArea {
    /// The area described by an export's `out` and `out_cap` arguments: `out[..out_cap - 16]`
    /// for the result, the last 16 bytes for the record. `None` if `out` is null or `out_cap`
    /// is smaller than the record.
    ///
    /// # Safety
    /// `out` must be null or valid for writes of `out_cap` bytes for as long as the returned
    /// value lives, and not aliased by anything the call reads.
    #[must_use]
    pub unsafe fn new(out: *mut u8, out_cap: u32) -> Option<Self> {
        let size = out_cap as usize;
        if out.is_null() || size < RECORD_SIZE {
            return None;
        }
        let cap = size - RECORD_SIZE;
        Some(Self {
            out,
            cap,
            // SAFETY: `cap + RECORD_SIZE == out_cap`, within the buffer (this function's contract).
            record: unsafe { out.add(cap) },
        })
    }

    /// Copies `bytes` into the caller's buffer, or hands them over as an
    /// allocation when they do not fit, and fills the record. Returns the place used.
    pub fn deliver(&self, bytes: &[u8]) -> u32 {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let (place, ptr) = if bytes.len() <= self.cap {
            // SAFETY: `out` is valid for `cap` bytes (contract of `new`) and
            // `bytes.len() <= cap`; Rust-owned `bytes` cannot overlap the caller's buffer.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.out, bytes.len()) };
            (PLACE_OUT, 0u64)
        } else {
            (PLACE_ALLOCATED, into_raw_buffer(bytes.to_vec()) as u64)
        };
        // SAFETY: `record` is valid for RECORD_SIZE bytes (contract of `new`);
        // unaligned writes because the caller's buffer may have any length.
        unsafe {
            std::ptr::write_unaligned(self.record.add(RECORD_LEN_AT).cast::<u32>(), len);
            std::ptr::write_unaligned(self.record.add(RECORD_PLACE_AT).cast::<u32>(), place);
            std::ptr::write_unaligned(self.record.add(RECORD_PTR_AT).cast::<u64>(), ptr);
        }
        place
    }
}

/// Hands a buffer over to the caller; it must come back through [`free_buffer`].
fn into_raw_buffer(bytes: Vec<u8>) -> *mut u8 {
    Box::into_raw(bytes.into_boxed_slice()).cast::<u8>()
}

/// Frees a buffer handed out by [`ResultArea::deliver`]. Null is ignored.
///
/// # Safety
/// `ptr` must be null or a pointer delivered with `PLACE_ALLOCATED` by this
/// library, `len` its delivered length, and it must not have been freed.
pub unsafe fn free_buffer(ptr: *mut u8, len: u32) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: per this function's contract, `ptr`/`len` describe a boxed
    // slice leaked by `into_raw_buffer` and not freed yet.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len as usize)) });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(r: &[u8; RECORD_SIZE]) -> (u32, u32, u64) {
        (
            u32::from_le_bytes(r[0..4].try_into().unwrap()),
            u32::from_le_bytes(r[4..8].try_into().unwrap()),
            u64::from_le_bytes(r[8..16].try_into().unwrap()),
        )
    }

    #[test]
    fn a_small_result_is_copied_into_the_callers_buffer() {
        let mut out = [0u8; 8 + RECORD_SIZE];
        // SAFETY: the buffer outlives `area` and is not read during the call.
        let area = unsafe { ResultArea::new(out.as_mut_ptr(), 24) }.unwrap();
        assert_eq!(area.deliver(b"hello"), PLACE_OUT);
        assert_eq!(record(out[8..].try_into().unwrap()), (5, PLACE_OUT, 0));
        assert_eq!(&out[..5], b"hello");
        // Exactly the room there is.
        assert_eq!(area.deliver(b"12345678"), PLACE_OUT);
    }

    #[test]
    fn a_large_result_is_handed_over_and_freed() {
        // An odd length on purpose: the record sits at an unaligned offset.
        let mut out = [0u8; 4 + RECORD_SIZE + 3];
        // SAFETY: as above.
        let area = unsafe { ResultArea::new(out.as_mut_ptr(), 23) }.unwrap();
        assert_eq!(area.deliver(b"too long for seven"), PLACE_ALLOCATED);
        let (len, place, ptr) = record(out[7..].try_into().unwrap());
        assert_eq!((len, place), (18, PLACE_ALLOCATED));
        let ptr = ptr as *mut u8;
        // SAFETY: `ptr` holds `len` initialised bytes delivered above.
        let delivered = unsafe { std::slice::from_raw_parts(ptr, len as usize) };
        assert_eq!(delivered, b"too long for seven");
        // SAFETY: delivered by `deliver` with PLACE_ALLOCATED, freed once.
        unsafe { free_buffer(ptr, len) };
        // SAFETY: null is documented as ignored.
        unsafe { free_buffer(std::ptr::null_mut(), 0) };
    }

    #[test]
    fn a_null_or_too_small_buffer_is_refused() {
        let mut out = [0u8; RECORD_SIZE];
        // SAFETY: null and short buffers are rejected before any access.
        unsafe {
            assert!(ResultArea::new(std::ptr::null_mut(), 0).is_none());
            assert!(ResultArea::new(std::ptr::null_mut(), 64).is_none());
            assert!(ResultArea::new(out.as_mut_ptr(), 15).is_none());
            assert!(ResultArea::new(out.as_mut_ptr(), 16).is_some());
        }
    }
}
