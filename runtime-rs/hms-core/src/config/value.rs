//! Typed values, entries and changes: the plain-Rust forms of `ConfigValue`, `ConfigEntry`,
//! `ChangeKind` and `ConfigChange` in `idl/configuration_manager.fbs`.

use std::fmt;

use super::error::ConfigError;

/// The type of a [`ConfigValue`] (the members of the contract's `ConfigValue` union).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueType {
    /// Text (`StringValue`).
    String,
    /// 64-bit signed integer (`IntValue`).
    Int,
    /// 64-bit float (`DoubleValue`); only finite values are stored.
    Double,
    /// Boolean (`BoolValue`).
    Bool,
}

impl ValueType {
    /// The lower-case name used in messages and in schema descriptions: `string`, `int`,
    /// `double`, `bool`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Double => "double",
            Self::Bool => "bool",
        }
    }

    /// The type named `name` ([`ValueType::name`]; `integer`, `float` and `boolean` are
    /// accepted too), for schema descriptions read from configuration files.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "int" | "integer" => Self::Int,
            "double" | "float" => Self::Double,
            "bool" | "boolean" => Self::Bool,
            _ => return None,
        })
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A typed configuration value (the contract's `ConfigValue` union).
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// Text.
    String(String),
    /// 64-bit signed integer.
    Int(i64),
    /// 64-bit float. The store refuses NaN and infinities (they have no JSON form, and NaN is
    /// unequal to itself, which would break `allowed` rules).
    Double(f64),
    /// Boolean.
    Bool(bool),
}

impl ConfigValue {
    /// The value's type.
    #[must_use]
    pub fn value_type(&self) -> ValueType {
        match self {
            Self::String(_) => ValueType::String,
            Self::Int(_) => ValueType::Int,
            Self::Double(_) => ValueType::Double,
            Self::Bool(_) => ValueType::Bool,
        }
    }

    /// The canonical string form (`ConfigEntry.value`): strings as they are, integers in
    /// decimal, booleans as `true`/`false`, doubles in Rust's `{:?}` form (the shortest digits
    /// that read back to the same `f64`, always with a `.` or an exponent: `1.0`, `0.1`,
    /// `1e-7`), so an integer and a double never render alike. [`ConfigValue::parse_as`]
    /// reads every canonical form back to the same value.
    #[must_use]
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    /// Reads `text` as a value of type `ty`: the inverse of [`ConfigValue::canonical`], for
    /// entries that arrive as plain strings (a `ConfigEntry` whose `typed_value` is NONE, or a
    /// configuration file) and are typed by the schema.
    ///
    /// # Errors
    /// [`ConfigError::InvalidArgument`] if `text` is not a value of that type, or is a
    /// non-finite double.
    pub fn parse_as(ty: ValueType, text: &str) -> Result<Self, ConfigError> {
        let bad = || ConfigError::InvalidArgument(format!("{text:?} is not a valid {ty} value"));
        match ty {
            ValueType::String => Ok(Self::String(text.to_owned())),
            ValueType::Int => text.parse().map(Self::Int).map_err(|_| bad()),
            ValueType::Double => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Self::Double(v)),
                _ => Err(bad()),
            },
            ValueType::Bool => match text {
                "true" => Ok(Self::Bool(true)),
                "false" => Ok(Self::Bool(false)),
                _ => Err(bad()),
            },
        }
    }

    /// The form messages show: strings quoted (so `"1"` and `1` differ), others canonical.
    #[must_use]
    pub fn quoted(&self) -> String {
        match self {
            Self::String(s) => format!("{s:?}"),
            other => other.canonical(),
        }
    }

    /// Bytes the value occupies for the size bounds: a string's length, 8 for the others.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        match self {
            Self::String(s) => s.len(),
            Self::Int(_) | Self::Double(_) | Self::Bool(_) => 8,
        }
    }
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => f.write_str(s),
            Self::Int(v) => write!(f, "{v}"),
            Self::Double(v) => write!(f, "{v:?}"),
            Self::Bool(v) => write!(f, "{v}"),
        }
    }
}

impl From<&str> for ConfigValue {
    fn from(v: &str) -> Self {
        Self::String(v.to_owned())
    }
}

impl From<String> for ConfigValue {
    fn from(v: String) -> Self {
        Self::String(v)
    }
}

impl From<i64> for ConfigValue {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<f64> for ConfigValue {
    fn from(v: f64) -> Self {
        Self::Double(v)
    }
}

impl From<bool> for ConfigValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

/// One versioned entry (`ConfigEntry`, plus etcd's `create_revision`/`mod_revision`, which the
/// contract does not carry yet).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    /// Dotted key, e.g. `"genetic_engine.population_size"`.
    pub key: String,
    /// The typed value; [`ConfigValue::canonical`] is the contract's `value` string.
    pub value: ConfigValue,
    /// Writes since the key was (re)created: 1 = first write. A delete ends the key's life; a
    /// later write starts again at 1 (etcd's `version`).
    pub version: u64,
    /// Store revision of the write that created the key (etcd's `create_revision`).
    pub create_revision: u64,
    /// Store revision of the last write (etcd's `mod_revision`).
    pub mod_revision: u64,
    /// Time of the write that created the key, Unix epoch milliseconds (see
    /// [`ConfigOptions::epoch_offset_ms`](super::ConfigOptions::epoch_offset_ms)).
    pub created_at_ms: u64,
    /// Time of the last write, Unix epoch milliseconds.
    pub updated_at_ms: u64,
    /// Agent or operator that made the last write.
    pub updated_by: String,
}

/// Kind of one change (`ChangeKind`; the discriminants are the contract's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ChangeKind {
    /// Created or updated.
    Put = 1,
    /// Deleted.
    Delete = 2,
}

impl ChangeKind {
    /// The contract's `ubyte` value.
    #[must_use]
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// One change (`ConfigChange`): every write and every effective delete makes exactly one, at
/// the next store revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChange {
    /// Kind of change.
    pub kind: ChangeKind,
    /// Store revision of the change.
    pub revision: u64,
    /// `Put`: the entry after the write. `Delete`: the entry as it was just before the delete
    /// (its last version and value, kept so history shows what was deleted and a rollback can
    /// restore it; the contract sends only `key` and `version`).
    pub entry: ConfigEntry,
    /// Time of the change, Unix epoch milliseconds (for `Put`, `entry.updated_at_ms`).
    pub at_ms: u64,
    /// Who made the change (for `Put`, `entry.updated_by`).
    pub by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_read_back_and_ints_differ_from_doubles() {
        let cases = [
            ConfigValue::from("a b"),
            ConfigValue::Int(-42),
            ConfigValue::Double(1.0),
            ConfigValue::Double(0.1),
            ConfigValue::Double(1e-7),
            ConfigValue::Double(1e300),
            ConfigValue::Bool(true),
        ];
        for v in cases {
            let back = ConfigValue::parse_as(v.value_type(), &v.canonical()).unwrap();
            assert_eq!(back, v);
        }
        assert_eq!(ConfigValue::Int(1).canonical(), "1");
        assert_eq!(ConfigValue::Double(1.0).canonical(), "1.0");
    }

    #[test]
    fn parse_as_refuses_malformed_and_non_finite_text() {
        for (ty, text) in [
            (ValueType::Int, "1.5"),
            (ValueType::Int, ""),
            (ValueType::Double, "NaN"),
            (ValueType::Double, "inf"),
            (ValueType::Bool, "yes"),
        ] {
            let err = ConfigValue::parse_as(ty, text).unwrap_err();
            assert!(err.to_string().contains(ty.name()), "{err}");
        }
    }

    #[test]
    fn type_names_round_trip() {
        for ty in [
            ValueType::String,
            ValueType::Int,
            ValueType::Double,
            ValueType::Bool,
        ] {
            assert_eq!(ValueType::from_name(ty.name()), Some(ty));
        }
        assert_eq!(ValueType::from_name("number"), None);
    }
}
