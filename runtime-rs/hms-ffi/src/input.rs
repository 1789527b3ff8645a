//! Input bytes of an export: a pointer and a length from the caller.

/// The `len` bytes at `ptr` as a slice; `None` when `ptr` is null with a
/// non-zero length (null with length 0 is the empty slice).
///
/// # Safety
/// `ptr` must be null or valid for reads of `len` bytes, unmodified and
/// alive for `'a` (in practice: for the duration of the export's call).
#[must_use]
pub unsafe fn borrow<'a>(ptr: *const u8, len: u32) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Some(&[]) } else { None };
    }
    // SAFETY: `ptr` is not null and valid for reads of `len` bytes for 'a
    // (this function's contract); u8 has no alignment or validity requirements.
    Some(unsafe { std::slice::from_raw_parts(ptr, len as usize) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_empty_only_with_length_zero() {
        // SAFETY: null pointers are never read.
        unsafe {
            assert_eq!(borrow(std::ptr::null(), 0), Some(&[][..]));
            assert_eq!(borrow(std::ptr::null(), 3), None);
        }
    }

    #[test]
    fn bytes_are_borrowed_in_place() {
        let data = [1u8, 2, 3];
        // SAFETY: `data` is valid for 3 bytes and outlives the slice.
        let s = unsafe { borrow(data.as_ptr(), 3) }.unwrap();
        assert_eq!(s, &data);
        assert_eq!(s.as_ptr(), data.as_ptr());
    }
}
