//! The result area of the ABI (docs/ffi-abi.md): the caller's scratch buffer
//! plus a 16-byte record telling where the result went.

/// Size of the result record: `len: u32`, `place: u32`, `ptr: u64`.
pub const RECORD_SIZE: usize = 16;
/// The result is in the caller's buffer.
pub const PLACE_OUT: u32 = 0;
/// The result did not fit; it is a Rust allocation to free with `hms_free_buffer`.
pub const PLACE_ALLOCATED: u32 = 1;

/// Where one call delivers its result.
#[derive(Debug)]
pub struct ResultArea {
    out: *mut u8,
    cap: usize,
    record: *mut u8,
}

impl ResultArea {
    /// The area described by an export's `out`, `out_cap` and `res` arguments;
    /// `None` if `res` is null, or `out` is null with a non-zero capacity.
    ///
    /// # Safety
    /// `out` must be valid for writes of `out_cap` bytes (or null with
    /// `out_cap` 0) and `res` valid for writes of [`RECORD_SIZE`] bytes, both
    /// for as long as the returned value lives, and not aliased by anything
    /// the call reads.
    #[must_use]
    pub unsafe fn new(out: *mut u8, out_cap: u32, res: *mut u8) -> Option<Self> {
        if res.is_null() || (out.is_null() && out_cap != 0) {
            return None;
        }
        Some(Self {
            out,
            cap: out_cap as usize,
            record: res,
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
        // unaligned writes because the caller's record may sit at any offset.
        unsafe {
            std::ptr::write_unaligned(self.record.cast::<u32>(), len);
            std::ptr::write_unaligned(self.record.add(4).cast::<u32>(), place);
            std::ptr::write_unaligned(self.record.add(8).cast::<u64>(), ptr);
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
        let mut out = [0u8; 8];
        let mut rec = [0u8; RECORD_SIZE];
        // SAFETY: both buffers outlive `area` and are not read during the call.
        let area = unsafe { ResultArea::new(out.as_mut_ptr(), 8, rec.as_mut_ptr()) }.unwrap();
        assert_eq!(area.deliver(b"hello"), PLACE_OUT);
        assert_eq!(record(&rec), (5, PLACE_OUT, 0));
        assert_eq!(&out[..5], b"hello");
    }

    #[test]
    fn a_large_result_is_handed_over_and_freed() {
        let mut out = [0u8; 4];
        let mut rec = [0u8; RECORD_SIZE + 3];
        // SAFETY: as above; the record starts at an odd offset on purpose.
        let area =
            unsafe { ResultArea::new(out.as_mut_ptr(), 4, rec.as_mut_ptr().add(3)) }.unwrap();
        assert_eq!(area.deliver(b"too long for four"), PLACE_ALLOCATED);
        let (len, place, ptr) = record(rec[3..].try_into().unwrap());
        assert_eq!((len, place), (17, PLACE_ALLOCATED));
        let ptr = ptr as *mut u8;
        // SAFETY: `ptr` holds `len` initialised bytes delivered above.
        let delivered = unsafe { std::slice::from_raw_parts(ptr, len as usize) };
        assert_eq!(delivered, b"too long for four");
        // SAFETY: delivered by `deliver` with PLACE_ALLOCATED, freed once.
        unsafe { free_buffer(ptr, len) };
        // SAFETY: null is documented as ignored.
        unsafe { free_buffer(std::ptr::null_mut(), 0) };
    }

    #[test]
    fn null_record_or_buffer_is_refused() {
        let mut rec = [0u8; RECORD_SIZE];
        // SAFETY: null pointers are rejected before any access.
        unsafe {
            assert!(ResultArea::new(std::ptr::null_mut(), 0, std::ptr::null_mut()).is_none());
            assert!(ResultArea::new(std::ptr::null_mut(), 4, rec.as_mut_ptr()).is_none());
            assert!(ResultArea::new(std::ptr::null_mut(), 0, rec.as_mut_ptr()).is_some());
        }
    }
}
