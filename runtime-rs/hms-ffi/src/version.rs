//! Contract versions: the `major.minor` version of one agent's service contract.

use core::fmt;
use core::str::FromStr;

/// Version of one service contract (one agent's `rpc_service` in `idl/`).
///
/// `major` changes on breaking contract changes; `minor` on compatible
/// additions. An implementation at `1.3` serves callers built against `1.0`
/// through `1.3`, but not `1.4` or `2.x`.
///
/// Crosses the C ABI as a `u32` (`major << 16 | minor`), see
/// [`ContractVersion::to_u32`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContractVersion {
    /// Incremented on breaking changes.
    pub major: u16,
    /// Incremented on compatible additions; reset to 0 when `major` changes.
    pub minor: u16,
}

impl ContractVersion {
    /// A version from its parts.
    #[must_use]
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// Packs the version into a `u32` (`major` in the high 16 bits) for the C ABI.
    #[must_use]
    pub const fn to_u32(self) -> u32 {
        ((self.major as u32) << 16) | self.minor as u32
    }

    /// Unpacks a version packed by [`ContractVersion::to_u32`].
    #[must_use]
    pub const fn from_u32(packed: u32) -> Self {
        Self {
            major: (packed >> 16) as u16,
            minor: (packed & 0xffff) as u16,
        }
    }

    /// Whether an implementation at `self` can serve a caller built against
    /// `required`: same major version, and at least the caller's minor version.
    #[must_use]
    pub const fn satisfies(self, required: ContractVersion) -> bool {
        self.major == required.major && self.minor >= required.minor
    }
}

impl fmt::Display for ContractVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Error from parsing a [`ContractVersion`] that is not `MAJOR.MINOR`
/// with both parts decimal integers in `0..=65535`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseContractVersionError {
    input: String,
}

impl fmt::Display for ParseContractVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid contract version {:?}: expected MAJOR.MINOR, each 0..=65535",
            self.input
        )
    }
}

impl std::error::Error for ParseContractVersionError {}

impl FromStr for ContractVersion {
    type Err = ParseContractVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseContractVersionError {
            input: s.to_owned(),
        };
        let (major, minor) = s.split_once('.').ok_or_else(err)?;
        let part = |p: &str| -> Result<u16, ParseContractVersionError> {
            // u16::from_str accepts a leading '+'; a version does not.
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            p.parse().map_err(|_| err())
        };
        Ok(Self::new(part(major)?, part(minor)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_and_unpacks_through_u32() {
        let v = ContractVersion::new(3, 7);
        assert_eq!(v.to_u32(), 0x0003_0007);
        assert_eq!(ContractVersion::from_u32(v.to_u32()), v);
        let max = ContractVersion::new(u16::MAX, u16::MAX);
        assert_eq!(max.to_u32(), u32::MAX);
        assert_eq!(ContractVersion::from_u32(u32::MAX), max);
    }

    #[test]
    fn ordering_is_major_then_minor() {
        assert!(ContractVersion::new(1, 9) < ContractVersion::new(2, 0));
        assert!(ContractVersion::new(1, 2) < ContractVersion::new(1, 10));
        // The packed form orders the same way.
        assert!(ContractVersion::new(1, 9).to_u32() < ContractVersion::new(2, 0).to_u32());
    }

    #[test]
    fn satisfies_same_major_and_newer_or_equal_minor() {
        let served = ContractVersion::new(1, 3);
        assert!(served.satisfies(ContractVersion::new(1, 0)));
        assert!(served.satisfies(ContractVersion::new(1, 3)));
        assert!(!served.satisfies(ContractVersion::new(1, 4)));
        assert!(!served.satisfies(ContractVersion::new(2, 0)));
        assert!(!served.satisfies(ContractVersion::new(0, 3)));
    }

    #[test]
    fn display_and_parse_round_trip() {
        let v = ContractVersion::new(12, 0);
        assert_eq!(v.to_string(), "12.0");
        assert_eq!("12.0".parse::<ContractVersion>(), Ok(v));
        assert_eq!(
            "65535.65535".parse::<ContractVersion>(),
            Ok(ContractVersion::new(u16::MAX, u16::MAX))
        );
    }

    #[test]
    fn parse_rejects_malformed_input() {
        for bad in [
            "", "1", "1.", ".1", "1.2.3", "+1.2", "1.-2", "1 .2", "65536.0", "a.b",
        ] {
            let err = bad.parse::<ContractVersion>().unwrap_err();
            assert!(err.to_string().contains("MAJOR.MINOR"), "{bad:?}: {err}");
        }
    }
}
