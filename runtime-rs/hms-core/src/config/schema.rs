//! Validators declared as data: a [`Schema`] is built from a list of [`RuleSpec`]s (plain Rust
//! data the agent reads from its own configuration), each naming the keys it governs (one key,
//! or every key under a prefix) and what their values must be.
//!
//! Semantics:
//! - every rule whose selector matches a key applies (declaration order); a write is accepted
//!   only if it satisfies all of them, and the first broken check is reported;
//! - within a rule the type is checked first (declared by `value_type`, or implied by `range`,
//!   `pattern` or `allowed`), then `range`, `allowed`, `pattern`;
//! - types are strict: an int is not a double (write `1.0`), a string is never coerced;
//! - `range` bounds are inclusive; `pattern` must match the whole string (it is anchored at
//!   both ends); `allowed` compares with `==`;
//! - `required` keys cannot be deleted (they can still be absent before their first write);
//! - keys no rule matches accept any value.
//!
//! [`Schema::new`] checks the rules themselves and refuses a bad one with a [`SchemaError`]:
//! a pattern that does not compile, an empty range or `allowed` list, bounds in the wrong
//! order or not finite, checks that imply different types, an `allowed` value that the
//! rule's own range or pattern refuses, a duplicate selector, or a rule that checks nothing.

use std::fmt;

use regex_lite::{Regex, RegexBuilder};

use super::error::{RuleViolation, SchemaError, ViolationKind};
use super::value::{ConfigValue, ValueType};

/// Longest pattern accepted, in bytes; patterns validate short config strings.
pub const MAX_PATTERN_BYTES: usize = 1024;

/// Compiled size bound of one pattern (regex-lite's `size_limit`; its default is 10 MiB). The
/// engine matches in linear time, so a hostile pattern costs memory, not time.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Which keys a rule governs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeySelector {
    /// Exactly this key.
    Exact(String),
    /// Every key starting with this prefix (the empty prefix: every key).
    Prefix(String),
}

impl KeySelector {
    /// Reads the textual form used in configuration files: a trailing `*` makes a prefix
    /// (`"genetic_engine.*"`, or `"*"` for every key); anything else is an exact key.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        match text.strip_suffix('*') {
            Some(prefix) => Self::Prefix(prefix.to_owned()),
            None => Self::Exact(text.to_owned()),
        }
    }

    /// Whether the selector governs `key`.
    #[must_use]
    pub fn matches(&self, key: &str) -> bool {
        match self {
            Self::Exact(k) => k == key,
            Self::Prefix(p) => key.starts_with(p.as_str()),
        }
    }
}

impl fmt::Display for KeySelector {
    /// The textual form [`KeySelector::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(k) => f.write_str(k),
            Self::Prefix(p) => write!(f, "{p}*"),
        }
    }
}

/// An inclusive numeric range; either bound may be open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeSpec {
    /// For int values.
    Int {
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// For double values.
    Double {
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
    },
}

impl RangeSpec {
    /// The type the range applies to.
    #[must_use]
    pub fn value_type(&self) -> ValueType {
        match self {
            Self::Int { .. } => ValueType::Int,
            Self::Double { .. } => ValueType::Double,
        }
    }

    /// Whether `value` is of the range's type and inside it.
    fn contains(&self, value: &ConfigValue) -> bool {
        match (*self, value) {
            (Self::Int { min, max }, ConfigValue::Int(v)) => {
                min.is_none_or(|m| *v >= m) && max.is_none_or(|m| *v <= m)
            }
            (Self::Double { min, max }, ConfigValue::Double(v)) => {
                min.is_none_or(|m| *v >= m) && max.is_none_or(|m| *v <= m)
            }
            _ => false,
        }
    }
}

fn write_bounds<T: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    min: Option<T>,
    max: Option<T>,
) -> fmt::Result {
    match (min, max) {
        (Some(lo), Some(hi)) => write!(f, "between {lo:?} and {hi:?} (inclusive)"),
        (Some(lo), None) => write!(f, "at least {lo:?}"),
        (None, Some(hi)) => write!(f, "at most {hi:?}"),
        (None, None) => f.write_str("any number"),
    }
}

impl fmt::Display for RangeSpec {
    /// `between 1 and 10 (inclusive)`, `at least 1`, `at most 0.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Int { min, max } => write_bounds(f, min, max),
            Self::Double { min, max } => write_bounds(f, min, max),
        }
    }
}

/// One validator as declared: the data a configuration file describes. Build with the
/// constructors and the chaining methods, or fill the fields directly.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    /// The keys the rule governs.
    pub selector: KeySelector,
    /// The type values must have.
    pub value_type: Option<ValueType>,
    /// An inclusive range (implies int or double).
    pub range: Option<RangeSpec>,
    /// The only values allowed (an enum; all of one type, which they imply).
    pub allowed: Option<Vec<ConfigValue>>,
    /// A regular expression (regex-lite syntax) the whole string must match (implies string).
    pub pattern: Option<String>,
    /// The key cannot be deleted.
    pub required: bool,
}

impl RuleSpec {
    /// A rule without checks for `selector`; add some with the chaining methods.
    #[must_use]
    pub fn new(selector: KeySelector) -> Self {
        Self {
            selector,
            value_type: None,
            range: None,
            allowed: None,
            pattern: None,
            required: false,
        }
    }

    /// A rule for exactly `key`.
    #[must_use]
    pub fn key(key: &str) -> Self {
        Self::new(KeySelector::Exact(key.to_owned()))
    }

    /// A rule for every key starting with `prefix`.
    #[must_use]
    pub fn prefix(prefix: &str) -> Self {
        Self::new(KeySelector::Prefix(prefix.to_owned()))
    }

    /// Values must be of type `ty`.
    #[must_use]
    pub fn of_type(mut self, ty: ValueType) -> Self {
        self.value_type = Some(ty);
        self
    }

    /// Values must be ints in `[min, max]`.
    #[must_use]
    pub fn int_range(mut self, min: Option<i64>, max: Option<i64>) -> Self {
        self.range = Some(RangeSpec::Int { min, max });
        self
    }

    /// Values must be doubles in `[min, max]`.
    #[must_use]
    pub fn double_range(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.range = Some(RangeSpec::Double { min, max });
        self
    }

    /// Values must be one of `allowed`.
    #[must_use]
    pub fn one_of<V: Into<ConfigValue>>(mut self, allowed: impl IntoIterator<Item = V>) -> Self {
        self.allowed = Some(allowed.into_iter().map(Into::into).collect());
        self
    }

    /// Values must be strings matching `pattern` as a whole.
    #[must_use]
    pub fn pattern(mut self, pattern: &str) -> Self {
        self.pattern = Some(pattern.to_owned());
        self
    }

    /// The key cannot be deleted.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// A rule after [`Schema::new`] checked it: its effective type and compiled pattern.
#[derive(Debug, Clone)]
struct Rule {
    spec: RuleSpec,
    ty: Option<ValueType>,
    regex: Option<Regex>,
}

impl Rule {
    fn compile(index: usize, spec: RuleSpec) -> Result<Self, SchemaError> {
        let fail = |reason: String| SchemaError {
            index,
            selector: spec.selector.to_string(),
            reason,
        };
        if matches!(&spec.selector, KeySelector::Exact(k) if k.is_empty()) {
            return Err(fail("the key is empty".into()));
        }
        if spec.value_type.is_none()
            && spec.range.is_none()
            && spec.allowed.is_none()
            && spec.pattern.is_none()
            && !spec.required
        {
            return Err(fail("the rule checks nothing".into()));
        }

        // The type each check implies; they must agree.
        let mut ty: Option<(ValueType, &str)> = spec.value_type.map(|t| (t, "type"));
        let mut imply = |t: ValueType, what: &'static str| match ty {
            Some((have, by)) if have != t => Err(fail(format!(
                "conflicting types: {by} demands {have} but {what} demands {t}"
            ))),
            _ => {
                ty.get_or_insert((t, what));
                Ok(())
            }
        };

        if let Some(range) = spec.range {
            imply(range.value_type(), "range")?;
            check_range(&range).map_err(&fail)?;
        }
        if spec.pattern.is_some() {
            imply(ValueType::String, "pattern")?;
        }
        if let Some(allowed) = &spec.allowed {
            let Some(first) = allowed.first() else {
                return Err(fail("the allowed list is empty".into()));
            };
            for v in allowed {
                if v.value_type() != first.value_type() {
                    return Err(fail(format!(
                        "allowed values mix types: {} and {}",
                        first.value_type(),
                        v.value_type()
                    )));
                }
                if matches!(v, ConfigValue::Double(d) if !d.is_finite()) {
                    return Err(fail(format!("allowed value {} is not finite", v.quoted())));
                }
            }
            imply(first.value_type(), "allowed")?;
        }
        let ty = ty.map(|(t, _)| t);

        let regex = match &spec.pattern {
            None => None,
            Some(p) => Some(compile_pattern(p).map_err(&fail)?),
        };
        let rule = Self {
            ty,
            regex,
            spec: spec.clone(),
        };
        // An allowed value the rule itself refuses could never be written: a mistake.
        if let Some(allowed) = &spec.allowed {
            for v in allowed {
                if let Err(kind) = rule.check_except_allowed(v) {
                    let why = match kind {
                        ViolationKind::OutOfRange(r) => format!("is not {r}"),
                        ViolationKind::PatternMismatch { pattern } => {
                            format!("does not match the pattern {pattern:?}")
                        }
                        _ => "is refused by the rule".into(),
                    };
                    return Err(fail(format!("allowed value {} {why}", v.quoted())));
                }
            }
        }
        Ok(rule)
    }

    /// Type, range and pattern checks.
    fn check_except_allowed(&self, value: &ConfigValue) -> Result<(), ViolationKind> {
        if let Some(expected) = self.ty {
            if value.value_type() != expected {
                return Err(ViolationKind::WrongType { expected });
            }
        }
        if let Some(range) = self.spec.range {
            if !range.contains(value) {
                return Err(ViolationKind::OutOfRange(range));
            }
        }
        if let (Some(regex), ConfigValue::String(s)) = (&self.regex, value) {
            if !regex.is_match(s) {
                return Err(ViolationKind::PatternMismatch {
                    pattern: self.spec.pattern.clone().unwrap_or_default(),
                });
            }
        }
        Ok(())
    }

    fn check(&self, value: &ConfigValue) -> Result<(), ViolationKind> {
        self.check_except_allowed(value)?;
        if let Some(allowed) = &self.spec.allowed {
            if !allowed.contains(value) {
                return Err(ViolationKind::NotAllowed {
                    allowed: allowed.clone(),
                });
            }
        }
        Ok(())
    }
}

fn check_range(range: &RangeSpec) -> Result<(), String> {
    match *range {
        RangeSpec::Int {
            min: None,
            max: None,
        }
        | RangeSpec::Double {
            min: None,
            max: None,
        } => Err("the range has neither min nor max".into()),
        RangeSpec::Int {
            min: Some(lo),
            max: Some(hi),
        } if lo > hi => Err(format!("the range is empty: min {lo} > max {hi}")),
        RangeSpec::Double { min, max } => {
            for b in [min, max].into_iter().flatten() {
                if !b.is_finite() {
                    return Err(format!("the range bound {b:?} is not finite"));
                }
            }
            match (min, max) {
                (Some(lo), Some(hi)) if lo > hi => {
                    Err(format!("the range is empty: min {lo:?} > max {hi:?}"))
                }
                _ => Ok(()),
            }
        }
        RangeSpec::Int { .. } => Ok(()),
    }
}

fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!(
            "the pattern is {} bytes; at most {MAX_PATTERN_BYTES} are allowed",
            pattern.len()
        ));
    }
    let build = |p: &str| {
        RegexBuilder::new(p)
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("the pattern {pattern:?} does not compile: {e}"))
    };
    // Compiled alone first: wrapping an unbalanced pattern such as `a)|(b` would otherwise
    // compile into something that is not anchored.
    build(pattern)?;
    build(&format!(r"\A(?:{pattern})\z"))
}

/// The validators of a store: rules checked when built, applied to every write.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    rules: Vec<Rule>,
}

impl Schema {
    /// A schema without rules: every value is accepted.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// Checks and compiles `specs`.
    ///
    /// # Errors
    /// A [`SchemaError`] naming the first bad rule (see the module documentation for what is
    /// refused).
    pub fn new(specs: impl IntoIterator<Item = RuleSpec>) -> Result<Self, SchemaError> {
        let mut rules: Vec<Rule> = Vec::new();
        for (index, spec) in specs.into_iter().enumerate() {
            if rules.iter().any(|r| r.spec.selector == spec.selector) {
                return Err(SchemaError {
                    index,
                    selector: spec.selector.to_string(),
                    reason: "another rule has the same selector; merge them".into(),
                });
            }
            rules.push(Rule::compile(index, spec)?);
        }
        Ok(Self { rules })
    }

    /// The rules as declared.
    pub fn rules(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| &r.spec)
    }

    /// Whether the schema has no rules.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Checks that `value` may be written to `key`.
    ///
    /// # Errors
    /// The first [`RuleViolation`] among the rules that govern `key`.
    pub fn validate(&self, key: &str, value: &ConfigValue) -> Result<(), RuleViolation> {
        for rule in self.rules.iter().filter(|r| r.spec.selector.matches(key)) {
            rule.check(value).map_err(|kind| RuleViolation {
                key: key.to_owned(),
                rule: rule.spec.selector.clone(),
                value: Some(value.clone()),
                kind,
            })?;
        }
        Ok(())
    }

    /// Checks that `key` may be deleted.
    ///
    /// # Errors
    /// A [`ViolationKind::Required`] violation if a rule that governs `key` makes it required.
    pub fn validate_delete(&self, key: &str) -> Result<(), RuleViolation> {
        match self
            .rules
            .iter()
            .find(|r| r.spec.required && r.spec.selector.matches(key))
        {
            Some(rule) => Err(RuleViolation {
                key: key.to_owned(),
                rule: rule.spec.selector.clone(),
                value: None,
                kind: ViolationKind::Required,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::new([
            RuleSpec::key("ga.population_size").int_range(Some(2), Some(10_000)),
            RuleSpec::key("ga.mutation_rate").double_range(Some(0.0), Some(1.0)),
            RuleSpec::key("ga.selection").one_of(["roulette", "tournament"]),
            RuleSpec::key("ga.elitism")
                .of_type(ValueType::Bool)
                .required(),
            RuleSpec::prefix("agents.").pattern(r"[a-z][a-z0-9_-]*"),
            RuleSpec::prefix("ga.").required(),
        ])
        .unwrap()
    }

    fn violation(key: &str, value: impl Into<ConfigValue>) -> RuleViolation {
        schema().validate(key, &value.into()).unwrap_err()
    }

    #[test]
    fn values_inside_their_rules_pass_and_unruled_keys_take_anything() {
        let s = schema();
        for (k, v) in [
            ("ga.population_size", ConfigValue::Int(2)),
            ("ga.population_size", ConfigValue::Int(10_000)),
            ("ga.mutation_rate", ConfigValue::Double(0.0)),
            ("ga.mutation_rate", ConfigValue::Double(1.0)),
            ("ga.selection", "tournament".into()),
            ("ga.elitism", ConfigValue::Bool(false)),
            ("agents.worker-1", "worker-1".into()),
            ("other", ConfigValue::Double(-5.5)),
        ] {
            s.validate(k, &v).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
    }

    #[test]
    fn a_range_violation_names_key_rule_value_and_bounds() {
        let v = violation("ga.population_size", 1_i64);
        assert_eq!(v.key, "ga.population_size");
        assert_eq!(v.rule, KeySelector::Exact("ga.population_size".into()));
        assert_eq!(v.value, Some(ConfigValue::Int(1)));
        assert!(matches!(v.kind, ViolationKind::OutOfRange(_)));
        assert_eq!(
            v.to_string(),
            "key \"ga.population_size\" = 1 (int) violates rule \"ga.population_size\": the \
             value must be between 2 and 10000 (inclusive)"
        );
        let v = violation("ga.mutation_rate", 1.5);
        assert_eq!(
            v.to_string(),
            "key \"ga.mutation_rate\" = 1.5 (double) violates rule \"ga.mutation_rate\": the \
             value must be between 0.0 and 1.0 (inclusive)"
        );
    }

    #[test]
    fn types_are_strict_and_implied_by_the_checks() {
        let v = violation("ga.mutation_rate", 1_i64);
        assert_eq!(
            v.kind,
            ViolationKind::WrongType {
                expected: ValueType::Double
            }
        );
        assert!(v.to_string().ends_with("the value must be a double"), "{v}");
        let v = violation("ga.elitism", "true");
        assert_eq!(
            v.to_string(),
            "key \"ga.elitism\" = \"true\" (string) violates rule \"ga.elitism\": the value \
             must be a bool"
        );
        let v = violation("agents.x", 3_i64);
        assert_eq!(
            v.kind,
            ViolationKind::WrongType {
                expected: ValueType::String
            }
        );
    }

    #[test]
    fn enum_and_pattern_violations_are_typed() {
        let v = violation("ga.selection", "random");
        assert!(matches!(&v.kind, ViolationKind::NotAllowed { allowed } if allowed.len() == 2));
        assert!(
            v.to_string()
                .ends_with("the value must be one of [\"roulette\", \"tournament\"]"),
            "{v}"
        );
        // Anchored: a match inside the string is not enough.
        for bad in ["Worker", "worker 1", "1worker", "worker\n"] {
            let v = violation("agents.x", bad);
            assert_eq!(v.rule, KeySelector::Prefix("agents.".into()));
            assert!(
                matches!(&v.kind, ViolationKind::PatternMismatch { pattern } if pattern == "[a-z][a-z0-9_-]*"),
                "{bad:?}: {v}"
            );
        }
    }

    #[test]
    fn required_keys_cannot_be_deleted() {
        let s = schema();
        let v = s.validate_delete("ga.elitism").unwrap_err();
        assert_eq!(v.kind, ViolationKind::Required);
        assert_eq!(
            v.to_string(),
            "key \"ga.elitism\" violates rule \"ga.elitism\": the key is required and cannot be \
             deleted"
        );
        assert_eq!(
            s.validate_delete("ga.anything").unwrap_err().rule,
            KeySelector::Prefix("ga.".into())
        );
        s.validate_delete("agents.x").unwrap();
    }

    #[test]
    fn every_matching_rule_applies() {
        let s = Schema::new([
            RuleSpec::prefix("").of_type(ValueType::Int),
            RuleSpec::key("n").int_range(None, Some(5)),
        ])
        .unwrap();
        s.validate("n", &ConfigValue::Int(5)).unwrap();
        assert_eq!(
            s.validate("n", &ConfigValue::Int(6)).unwrap_err().rule,
            KeySelector::Exact("n".into())
        );
        assert_eq!(
            s.validate("m", &"x".into()).unwrap_err().rule,
            KeySelector::Prefix(String::new())
        );
    }

    fn load_error(spec: RuleSpec) -> String {
        Schema::new([RuleSpec::key("ok").of_type(ValueType::Int), spec])
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_rules_are_refused_at_load_with_a_clear_reason() {
        let e = load_error(RuleSpec::key("k").pattern("[a-z"));
        assert!(
            e.starts_with("schema rule #1 (\"k\"): the pattern \"[a-z\" does not compile"),
            "{e}"
        );
        // Unbalanced in a way the anchoring group would hide.
        let e = load_error(RuleSpec::key("k").pattern("a)|(b"));
        assert!(e.contains("does not compile"), "{e}");
        let e = load_error(RuleSpec::key("k").pattern(&"a".repeat(MAX_PATTERN_BYTES + 1)));
        assert!(e.contains("at most 1024"), "{e}");
        for (spec, want) in [
            (
                RuleSpec::key("k").int_range(Some(5), Some(1)),
                "the range is empty: min 5 > max 1",
            ),
            (
                RuleSpec::key("k").int_range(None, None),
                "neither min nor max",
            ),
            (
                RuleSpec::key("k").double_range(Some(f64::NAN), None),
                "NaN is not finite",
            ),
            (
                RuleSpec::key("k").double_range(Some(1.0), Some(0.5)),
                "min 1.0 > max 0.5",
            ),
            (
                RuleSpec::key("k").of_type(ValueType::Int).pattern("x"),
                "conflicting types: type demands int but pattern demands string",
            ),
            (
                RuleSpec::key("k").int_range(Some(0), None).one_of([0.5]),
                "range demands int but allowed demands double",
            ),
            (
                RuleSpec::key("k").one_of(Vec::<ConfigValue>::new()),
                "the allowed list is empty",
            ),
            (
                RuleSpec::key("k").one_of([ConfigValue::Int(1), "x".into()]),
                "allowed values mix types: int and string",
            ),
            (
                RuleSpec::key("k")
                    .int_range(Some(0), Some(3))
                    .one_of([1_i64, 7]),
                "allowed value 7 is not between 0 and 3 (inclusive)",
            ),
            (
                RuleSpec::key("k").pattern("[a-z]+").one_of(["ok", "NO"]),
                "allowed value \"NO\" does not match the pattern \"[a-z]+\"",
            ),
            (RuleSpec::key("k"), "the rule checks nothing"),
            (
                RuleSpec::key("").of_type(ValueType::Int),
                "the key is empty",
            ),
            (
                RuleSpec::key("ok").required(),
                "another rule has the same selector",
            ),
        ] {
            let e = load_error(spec);
            assert!(e.starts_with("schema rule #1 "), "{e}");
            assert!(e.contains(want), "{e} should contain {want:?}");
        }
    }

    #[test]
    fn selectors_parse_from_their_textual_form() {
        assert_eq!(KeySelector::parse("a.b"), KeySelector::Exact("a.b".into()));
        assert_eq!(KeySelector::parse("a.*"), KeySelector::Prefix("a.".into()));
        assert_eq!(KeySelector::parse("*"), KeySelector::Prefix(String::new()));
        for text in ["a.b", "a.*", "*"] {
            assert_eq!(KeySelector::parse(text).to_string(), text);
        }
    }
}
