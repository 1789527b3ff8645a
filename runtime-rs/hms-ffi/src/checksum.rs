//! FNV-1a, 64-bit variant (Fowler–Noll–Vo), as specified at
//! <http://www.isthe.com/chongo/tech/comp/fnv/> and used by FlatBuffers'
//! `hash: "fnv1a_64"` attribute.
//!
//! Not a cryptographic hash: it detects accidental mismatches between a
//! contract and the code built from it, nothing more.

use core::hash::Hasher;

/// FNV-1a 64-bit offset basis (the hash of the empty input).
pub const FNV1A64_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV 64-bit prime, 2^40 + 2^8 + 0xb3.
pub const FNV1A64_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64-bit hash of `bytes`.
///
/// Usable in `const` context, so generated code can embed a contract's
/// checksum as a constant computed from its canonical text.
///
/// ```
/// use hms_ffi::fnv1a64;
/// assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
/// const EMPTY: u64 = fnv1a64(b"");
/// assert_eq!(EMPTY, hms_ffi::FNV1A64_OFFSET_BASIS);
/// ```
#[must_use]
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = FNV1A64_OFFSET_BASIS;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(FNV1A64_PRIME);
        i += 1;
    }
    hash
}

/// Incremental FNV-1a 64-bit hasher.
///
/// Feeding the same bytes in any number of [`Hasher::write`] calls gives the
/// same result as one call to [`fnv1a64`] over their concatenation.
///
/// Note that the `write_u32`-style methods of [`Hasher`] feed native-endian
/// bytes; for checksums meant to match across machines, feed explicit bytes
/// (e.g. `to_le_bytes()`) through [`Hasher::write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a64 {
    state: u64,
}

impl Fnv1a64 {
    /// A hasher in its initial state (the offset basis).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            state: FNV1A64_OFFSET_BASIS,
        }
    }

    /// Feeds `bytes` into the hash, returning the updated hasher
    /// (usable in `const` context).
    #[must_use]
    pub const fn update(mut self, bytes: &[u8]) -> Self {
        let mut i = 0;
        while i < bytes.len() {
            self.state ^= bytes[i] as u64;
            self.state = self.state.wrapping_mul(FNV1A64_PRIME);
            i += 1;
        }
        self
    }

    /// The hash of everything fed so far.
    #[must_use]
    pub const fn value(self) -> u64 {
        self.state
    }
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher for Fnv1a64 {
    fn finish(&self) -> u64 {
        self.state
    }

    fn write(&mut self, bytes: &[u8]) {
        *self = self.update(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vectors from the FNV reference test suite (`test_fnv.c`,
    /// FNV-1a 64-bit column).
    const VECTORS: &[(&[u8], u64)] = &[
        (b"", 0xcbf2_9ce4_8422_2325),
        (b"a", 0xaf63_dc4c_8601_ec8c),
        (b"b", 0xaf63_df4c_8601_f1a5),
        (b"c", 0xaf63_de4c_8601_eff2),
        (b"foo", 0xdcb2_7518_fed9_d577),
        (b"foobar", 0x8594_4171_f739_67e8),
        (b"chongo was here!\n", 0x4681_0940_eff5_f915),
    ];

    #[test]
    fn one_shot_matches_reference_vectors() {
        for &(input, expected) in VECTORS {
            assert_eq!(
                fnv1a64(input),
                expected,
                "fnv1a64({:?})",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn incremental_matches_one_shot_at_every_split() {
        for &(input, expected) in VECTORS {
            for split in 0..=input.len() {
                let (head, tail) = input.split_at(split);
                let mut hasher = Fnv1a64::default();
                hasher.write(head);
                hasher.write(tail);
                assert_eq!(hasher.finish(), expected);
                assert_eq!(Fnv1a64::new().update(head).update(tail).value(), expected);
            }
        }
    }

    #[test]
    fn usable_in_const_context() {
        const CHECKSUM: u64 = fnv1a64(b"foobar");
        const STREAMED: u64 = Fnv1a64::new().update(b"foo").update(b"bar").value();
        assert_eq!(CHECKSUM, 0x8594_4171_f739_67e8);
        assert_eq!(STREAMED, CHECKSUM);
    }

    #[test]
    fn distinguishes_reordered_input() {
        assert_ne!(fnv1a64(b"ab"), fnv1a64(b"ba"));
    }
}
