//! The safe read helpers of the generated contracts (hms_contracts::runtime) on bytes the
//! verifier would reject: every read is `None` (absent), never a panic or an out-of-bounds read.

use hms_contracts::hms::breaker::{AcquireRequest, AcquireRequestRef};
use hms_contracts::runtime::{follow, root, Read, Table, Vector};

#[test]
fn scalars_past_the_end_are_none() {
    assert_eq!(u32::read(&[1, 2, 3], 0), None);
    assert_eq!(u32::read(&[1, 0, 0, 0], 0), Some(1));
    assert_eq!(u8::read(&[], usize::MAX), None);
    assert_eq!(f64::read(&[0; 8], 1), None);
    assert_eq!(bool::read(&[2], 0), Some(true));
    assert_eq!(follow(&[0xff, 0xff, 0xff, 0xff], 0), Some(0xffff_ffff));
}

#[test]
fn strings_and_vectors_out_of_range_or_malformed_are_none() {
    // Offset 4 -> length 0x7fffffff: past the end.
    let long = [4, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, b'a'];
    assert_eq!(<&str>::read(&long, 0), None);
    assert!(Vector::<u64>::read(&long, 0).is_none());
    // Offset 4 -> length 2, bytes not UTF-8.
    let bad = [4, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0x28, 0];
    assert_eq!(<&str>::read(&bad, 0), None);
    // The same as a vector of bytes is fine.
    let v = Vector::<u8>::read(&bad, 0).expect("in range");
    assert_eq!(v.iter().collect::<Vec<_>>(), [0xc3, 0x28]);
    assert_eq!(v.get(2), None);
    // An element count whose byte size overflows usize.
    let huge = [4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    assert!(Vector::<Vector<'_, u8>>::read(&huge, 0).is_none());
}

#[test]
fn tables_with_vtables_outside_the_buffer_are_absent() {
    // soffset pointing before the start, after the end, and a vtable longer than the buffer.
    assert!(Table::new(&[0x10, 0, 0, 0], 0).is_none());
    assert!(Table::new(&[0xf0, 0xff, 0xff, 0xff], 0).is_none());
    assert!(Table::new(&[0xfc, 0xff, 0xff, 0xff, 0xff, 0x7f], 0).is_none());
    assert!(Table::new(&[], 0).is_none());
    // A vtable of 4 bytes (no fields): every field is absent.
    let t = Table::new(&[0xfc, 0xff, 0xff, 0xff, 4, 0, 8, 0], 0).expect("valid vtable");
    assert_eq!(t.field(4), None);
    assert_eq!(t.get::<u64>(6), None);
}

#[test]
fn a_reader_over_garbage_reads_defaults_and_root_rejects_it() {
    let bytes = AcquireRequest {
        name: "svc".into(),
        now_ms: 7,
    }
    .encode();
    let r = root::<AcquireRequestRef<'_>>(&bytes).expect("valid");
    assert_eq!((r.name(), r.now_ms()), (Some("svc"), 7));
    // Truncated: the verifier rejects it; an unverified read yields what fits (here, nothing).
    let cut = &bytes[..bytes.len() / 2];
    assert!(root::<AcquireRequestRef<'_>>(cut).is_err());
    if let Some(r) = AcquireRequestRef::read(cut, 0) {
        let _ = (r.name(), r.now_ms());
    }
    assert!(AcquireRequestRef::read(&[], 0).is_none());
}
