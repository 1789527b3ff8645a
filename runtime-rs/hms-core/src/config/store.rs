//! The versioned store: entries, the global revision, the retained history, compare-and-set,
//! rollback and snapshots. Single-threaded; [`super::ConfigurationManager`] puts it behind a lock
//! together with the parked watches.

use std::collections::{BTreeMap, VecDeque};

use super::error::ConfigError;
use super::schema::Schema;
use super::value::{ChangeKind, ConfigChange, ConfigEntry, ConfigValue};

/// Longest `updated_by` accepted, in bytes.
pub const MAX_WRITER_BYTES: usize = 256;

/// Fixed cost charged per retained change on top of its strings, for
/// [`ConfigOptions::max_history_bytes`] (roughly the size of a [`ConfigChange`] and its
/// queue slot).
pub const CHANGE_OVERHEAD_BYTES: usize = 160;

/// Bounds and settings of a store. Every structure the store grows is bounded by one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigOptions {
    /// Most keys held at once; a write that would create one more fails with
    /// [`ConfigError::TooManyKeys`]. Default 10,000.
    pub max_keys: usize,
    /// Longest key, in bytes. Default 256.
    pub max_key_bytes: usize,
    /// Longest string value, in bytes. Default 65,536.
    pub max_value_bytes: usize,
    /// Most changes retained in the history; past it the oldest are compacted. Default 10,000.
    /// 0 keeps no history: watches still wake on new changes, but replay and rollback reach
    /// only the current state.
    pub max_revisions: usize,
    /// Most bytes the retained history may hold (strings plus [`CHANGE_OVERHEAD_BYTES`] per
    /// change); past it the oldest changes are compacted. Default 16 MiB.
    pub max_history_bytes: usize,
    /// Most watches parked at once; one more fails with [`ConfigError::TooManyWatchers`].
    /// Default 10,000.
    pub max_watchers: usize,
    /// Added to the clock's milliseconds to make the entries' timestamps: the Unix epoch time
    /// of the clock's origin. Default 0 (timestamps are clock milliseconds, as in tests).
    /// Timestamps travel in snapshots, so a served store should set it.
    pub epoch_offset_ms: u64,
}

impl Default for ConfigOptions {
    fn default() -> Self {
        Self {
            max_keys: 10_000,
            max_key_bytes: 256,
            max_value_bytes: 64 * 1024,
            max_revisions: 10_000,
            max_history_bytes: 16 * 1024 * 1024,
            max_watchers: 10_000,
            epoch_offset_ms: 0,
        }
    }
}

impl ConfigOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// [`ConfigError::InvalidArgument`] if `max_keys` or `max_key_bytes` is 0.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_keys == 0 || self.max_key_bytes == 0 {
            return Err(ConfigError::InvalidArgument(
                "max_keys and max_key_bytes must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// Read entries by exact keys and/or a prefix (`GetConfigRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetRequest {
    /// Exact keys to read; missing ones are simply absent from the answer.
    pub keys: Vec<String>,
    /// Also every key starting with this prefix; `Some("")` = every key. The contract's empty
    /// `prefix` means "none", i.e. `None` here.
    pub prefix: Option<String>,
}

/// Entries found (`GetConfigResponse`).
#[derive(Debug, Clone, PartialEq)]
pub struct GetResponse {
    /// Entries, sorted by key, each once.
    pub entries: Vec<ConfigEntry>,
    /// Store revision the read reflects.
    pub revision: u64,
}

/// Write one entry (`SetConfigRequest`).
#[derive(Debug, Clone, PartialEq)]
pub struct SetRequest {
    /// Key to write.
    pub key: String,
    /// New value.
    pub value: ConfigValue,
    /// Compare-and-set: write only if the key's version equals this (0 = the key must not
    /// exist, etcd's create); `None` = unconditional.
    pub expected_version: Option<u64>,
    /// Writer identity (at most [`MAX_WRITER_BYTES`]).
    pub updated_by: String,
}

impl SetRequest {
    /// An unconditional write of `value` to `key` by nobody in particular.
    #[must_use]
    pub fn new(key: &str, value: impl Into<ConfigValue>) -> Self {
        Self {
            key: key.to_owned(),
            value: value.into(),
            expected_version: None,
            updated_by: String::new(),
        }
    }

    /// Makes the write conditional on the key's current version (0 = must not exist).
    #[must_use]
    pub fn if_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Sets the writer identity.
    #[must_use]
    pub fn by(mut self, who: &str) -> Self {
        who.clone_into(&mut self.updated_by);
        self
    }
}

/// Result of a write (`SetConfigResponse`).
#[derive(Debug, Clone, PartialEq)]
pub struct SetResponse {
    /// The entry as stored; `entry.mod_revision` is the store revision of the write.
    pub entry: ConfigEntry,
    /// Version before the write; 0 if the key was created.
    pub previous_version: u64,
}

/// Delete one entry (`DeleteConfigRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRequest {
    /// Key to delete.
    pub key: String,
    /// Compare-and-set as in [`SetRequest::expected_version`]. With 0 the delete of an absent
    /// key succeeds as a no-op (the condition "does not exist" holds).
    pub expected_version: Option<u64>,
    /// Who deletes (recorded in the change; the contract has no field for it yet).
    pub deleted_by: String,
}

impl DeleteRequest {
    /// An unconditional delete of `key`.
    #[must_use]
    pub fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            expected_version: None,
            deleted_by: String::new(),
        }
    }

    /// Makes the delete conditional on the key's current version.
    #[must_use]
    pub fn if_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Sets who deletes.
    #[must_use]
    pub fn by(mut self, who: &str) -> Self {
        who.clone_into(&mut self.deleted_by);
        self
    }
}

/// Result of a delete (`DeleteConfigResponse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteResponse {
    /// False if the key did not exist (then nothing changed and the revision did not move,
    /// as in etcd).
    pub deleted: bool,
    /// Store revision after the delete.
    pub revision: u64,
}

/// Result of a rollback.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackResponse {
    /// The new change that restored the key's state (a `Put` of the old value, or a `Delete`
    /// if the key did not exist then); `None` if the key was absent then and is absent now.
    pub change: Option<ConfigChange>,
    /// Store revision after the rollback.
    pub revision: u64,
}

/// The whole store as plain data (`ConfigSnapshot`, plus what the contract does not carry
/// yet: the compaction point and the retained history), for handing state to a new version
/// of the agent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigSnapshot {
    /// Store revision.
    pub revision: u64,
    /// Changes up to this revision are not retained (0 = none compacted). A snapshot without
    /// history (e.g. decoded from the contract's `ConfigSnapshot`) sets it to `revision`.
    pub compacted_revision: u64,
    /// All entries, sorted by key.
    pub entries: Vec<ConfigEntry>,
    /// The retained changes, one per revision from `compacted_revision + 1` to `revision`.
    pub history: Vec<ConfigChange>,
}

/// Counters of a store, for monitoring and for checking bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConfigStats {
    /// Keys held.
    pub keys: usize,
    /// Current store revision.
    pub revision: u64,
    /// Changes up to this revision are compacted.
    pub compacted_revision: u64,
    /// Changes retained.
    pub retained_changes: usize,
    /// Bytes charged to the retained history.
    pub retained_bytes: usize,
    /// Watches parked.
    pub parked_watchers: usize,
}

fn change_bytes(c: &ConfigChange) -> usize {
    c.entry.key.len()
        + c.entry.value.size_bytes()
        + c.entry.updated_by.len()
        + c.by.len()
        + CHANGE_OVERHEAD_BYTES
}

/// Entries, revision and history.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    limits: ConfigOptions,
    entries: BTreeMap<String, ConfigEntry>,
    /// Consecutive revisions `compacted_revision + 1 ..= revision` (every revision is exactly
    /// one change), oldest first.
    history: VecDeque<ConfigChange>,
    history_bytes: usize,
    revision: u64,
    compacted_revision: u64,
}

impl Store {
    pub(crate) fn new(limits: ConfigOptions) -> Self {
        Self {
            limits,
            entries: BTreeMap::new(),
            history: VecDeque::new(),
            history_bytes: 0,
            revision: 0,
            compacted_revision: 0,
        }
    }

    pub(crate) fn revision(&self) -> u64 {
        self.revision
    }

    pub(crate) fn limits(&self) -> &ConfigOptions {
        &self.limits
    }

    pub(crate) fn check_key(&self, key: &str) -> Result<(), ConfigError> {
        let reason = if key.is_empty() {
            "the key is empty".to_owned()
        } else if key.len() > self.limits.max_key_bytes {
            format!(
                "the key is {} bytes; at most {} are allowed",
                key.len(),
                self.limits.max_key_bytes
            )
        } else if key.chars().any(char::is_control) {
            "the key contains control characters".to_owned()
        } else {
            return Ok(());
        };
        Err(ConfigError::InvalidKey {
            key: key.to_owned(),
            reason,
        })
    }

    fn check_writer(who: &str) -> Result<(), ConfigError> {
        if who.len() > MAX_WRITER_BYTES {
            return Err(ConfigError::InvalidArgument(format!(
                "the writer identity is {} bytes; at most {MAX_WRITER_BYTES} are allowed",
                who.len()
            )));
        }
        Ok(())
    }

    fn check_value(&self, key: &str, value: &ConfigValue) -> Result<(), ConfigError> {
        match value {
            ConfigValue::String(s) if s.len() > self.limits.max_value_bytes => {
                Err(ConfigError::ValueTooLarge {
                    key: key.to_owned(),
                    size: s.len(),
                    limit: self.limits.max_value_bytes,
                })
            }
            ConfigValue::Double(d) if !d.is_finite() => Err(ConfigError::InvalidArgument(format!(
                "the double value of key {key:?} is not finite ({d:?})"
            ))),
            _ => Ok(()),
        }
    }

    fn check_expected(&self, key: &str, expected: Option<u64>) -> Result<u64, ConfigError> {
        let current = self.entries.get(key).map_or(0, |e| e.version);
        match expected {
            Some(expected) if expected != current => Err(ConfigError::VersionConflict {
                key: key.to_owned(),
                expected,
                current,
            }),
            _ => Ok(current),
        }
    }

    pub(crate) fn get(&self, req: &GetRequest) -> GetResponse {
        let mut found: BTreeMap<&str, &ConfigEntry> = BTreeMap::new();
        for key in &req.keys {
            if let Some(e) = self.entries.get(key) {
                found.insert(&e.key, e);
            }
        }
        if let Some(prefix) = &req.prefix {
            for (k, e) in self
                .entries
                .range::<str, _>((
                    std::ops::Bound::Included(prefix.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|(k, _)| k.starts_with(prefix.as_str()))
            {
                found.insert(k, e);
            }
        }
        GetResponse {
            entries: found.into_values().cloned().collect(),
            revision: self.revision,
        }
    }

    pub(crate) fn entry(&self, key: &str) -> Option<&ConfigEntry> {
        self.entries.get(key)
    }

    /// Validates, compares, then commits: a refused write changes nothing.
    pub(crate) fn set(
        &mut self,
        schema: &Schema,
        req: SetRequest,
        now_ms: u64,
    ) -> Result<(SetResponse, ConfigChange), ConfigError> {
        self.check_key(&req.key)?;
        Self::check_writer(&req.updated_by)?;
        self.check_value(&req.key, &req.value)?;
        schema.validate(&req.key, &req.value)?;
        let previous_version = self.check_expected(&req.key, req.expected_version)?;
        self.check_capacity(&req.key)?;
        Ok(self.put(req.key, req.value, req.updated_by, now_ms, previous_version))
    }

    fn put(
        &mut self,
        key: String,
        value: ConfigValue,
        by: String,
        now_ms: u64,
        previous_version: u64,
    ) -> (SetResponse, ConfigChange) {
        let revision = self.revision + 1;
        let previous = self.entries.get(&key);
        let entry = ConfigEntry {
            version: previous_version + 1,
            create_revision: previous.map_or(revision, |e| e.create_revision),
            created_at_ms: previous.map_or(now_ms, |e| e.created_at_ms),
            mod_revision: revision,
            updated_at_ms: now_ms,
            updated_by: by.clone(),
            value,
            key,
        };
        let change = ConfigChange {
            kind: ChangeKind::Put,
            revision,
            entry: entry.clone(),
            at_ms: now_ms,
            by,
        };
        self.entries.insert(entry.key.clone(), entry.clone());
        self.record(change.clone());
        (
            SetResponse {
                entry,
                previous_version,
            },
            change,
        )
    }

    fn check_capacity(&self, key: &str) -> Result<(), ConfigError> {
        if !self.entries.contains_key(key) && self.entries.len() >= self.limits.max_keys {
            return Err(ConfigError::TooManyKeys {
                limit: self.limits.max_keys,
            });
        }
        Ok(())
    }

    pub(crate) fn delete(
        &mut self,
        schema: &Schema,
        req: DeleteRequest,
        now_ms: u64,
    ) -> Result<(DeleteResponse, Option<ConfigChange>), ConfigError> {
        self.check_key(&req.key)?;
        Self::check_writer(&req.deleted_by)?;
        self.check_expected(&req.key, req.expected_version)?;
        if !self.entries.contains_key(&req.key) {
            return Ok((
                DeleteResponse {
                    deleted: false,
                    revision: self.revision,
                },
                None,
            ));
        }
        schema.validate_delete(&req.key)?;
        let change = self.remove(&req.key, req.deleted_by, now_ms);
        Ok((
            DeleteResponse {
                deleted: true,
                revision: self.revision,
            },
            Some(change),
        ))
    }

    fn remove(&mut self, key: &str, by: String, now_ms: u64) -> ConfigChange {
        let entry = self
            .entries
            .remove(key)
            .expect("caller checked the key exists");
        let change = ConfigChange {
            kind: ChangeKind::Delete,
            revision: self.revision + 1,
            entry,
            at_ms: now_ms,
            by,
        };
        self.record(change.clone());
        change
    }

    /// Appends a change at the next revision and compacts the history back into its bounds.
    fn record(&mut self, change: ConfigChange) {
        debug_assert_eq!(change.revision, self.revision + 1);
        self.revision = change.revision;
        self.history_bytes += change_bytes(&change);
        self.history.push_back(change);
        self.enforce_retention();
    }

    fn enforce_retention(&mut self) {
        while self.history.len() > self.limits.max_revisions
            || (self.history_bytes > self.limits.max_history_bytes && !self.history.is_empty())
        {
            self.drop_oldest();
        }
    }

    fn drop_oldest(&mut self) {
        if let Some(old) = self.history.pop_front() {
            self.history_bytes -= change_bytes(&old);
            self.compacted_revision = old.revision;
        }
    }

    /// Drops the retained changes up to and including `revision` (etcd's `Compact`).
    pub(crate) fn compact(&mut self, revision: u64) -> Result<usize, ConfigError> {
        if revision > self.revision {
            return Err(ConfigError::FutureRevision {
                requested: revision,
                current: self.revision,
            });
        }
        let before = self.history.len();
        while self.history.front().is_some_and(|c| c.revision <= revision) {
            self.drop_oldest();
        }
        self.compacted_revision = self.compacted_revision.max(revision);
        Ok(before - self.history.len())
    }

    /// The retained changes after `after`, oldest first.
    ///
    /// Fails with [`ConfigError::Compacted`] if some of them were dropped: the history must
    /// hold every revision from `after + 1` on.
    pub(crate) fn changes_after(
        &self,
        after: u64,
    ) -> Result<impl Iterator<Item = &ConfigChange>, ConfigError> {
        if after < self.compacted_revision {
            return Err(ConfigError::Compacted {
                requested: after,
                compacted_revision: self.compacted_revision,
            });
        }
        // Revisions are consecutive from compacted_revision + 1, so the index is arithmetic.
        let skip = usize::try_from(after - self.compacted_revision)
            .unwrap_or(usize::MAX)
            .min(self.history.len());
        Ok(self.history.range(skip..))
    }

    pub(crate) fn history(&self, key: &str) -> Vec<ConfigChange> {
        self.history
            .iter()
            .filter(|c| c.entry.key == key)
            .cloned()
            .collect()
    }

    /// The key's value at `revision` (`None` = absent then), reconstructed from the retained
    /// history and the current state.
    fn value_at(&self, key: &str, revision: u64) -> Result<Option<ConfigValue>, ConfigError> {
        let compacted = || ConfigError::Compacted {
            requested: revision,
            compacted_revision: self.compacted_revision,
        };
        let split = self.history.partition_point(|c| c.revision <= revision);
        // The last change at or before `revision` decides, if it is retained.
        if let Some(c) = self
            .history
            .range(..split)
            .rev()
            .find(|c| c.entry.key == key)
        {
            return Ok(match c.kind {
                ChangeKind::Put => Some(c.entry.value.clone()),
                ChangeKind::Delete => None,
            });
        }
        // Otherwise the key did not change in (compacted, revision]: its state then is the state
        // just before its first later change, or its current state if it has none.
        match self.history.range(split..).find(|c| c.entry.key == key) {
            // A delete carries the entry it removed, unchanged since before `revision`.
            Some(c) if c.kind == ChangeKind::Delete => Ok(Some(c.entry.value.clone())),
            // Created after `revision`.
            Some(c) if c.entry.version == 1 => Ok(None),
            // Overwritten after `revision`; the earlier value was compacted away.
            Some(_) => Err(compacted()),
            None => Ok(self.entries.get(key).map(|e| e.value.clone())),
        }
    }

    /// Restores the state `key` had at `to_revision` as a new change.
    pub(crate) fn rollback(
        &mut self,
        schema: &Schema,
        key: &str,
        to_revision: u64,
        by: &str,
        now_ms: u64,
    ) -> Result<RollbackResponse, ConfigError> {
        self.check_key(key)?;
        Self::check_writer(by)?;
        if to_revision > self.revision {
            return Err(ConfigError::FutureRevision {
                requested: to_revision,
                current: self.revision,
            });
        }
        if to_revision < self.compacted_revision {
            return Err(ConfigError::Compacted {
                requested: to_revision,
                compacted_revision: self.compacted_revision,
            });
        }
        let change = match self.value_at(key, to_revision)? {
            Some(value) => {
                // The schema may have tightened since; an old value gets no exemption.
                schema.validate(key, &value)?;
                self.check_capacity(key)?;
                let previous_version = self.entries.get(key).map_or(0, |e| e.version);
                Some(
                    self.put(
                        key.to_owned(),
                        value,
                        by.to_owned(),
                        now_ms,
                        previous_version,
                    )
                    .1,
                )
            }
            None if self.entries.contains_key(key) => {
                schema.validate_delete(key)?;
                Some(self.remove(key, by.to_owned(), now_ms))
            }
            None => None,
        };
        Ok(RollbackResponse {
            change,
            revision: self.revision,
        })
    }

    pub(crate) fn stats(&self) -> ConfigStats {
        ConfigStats {
            keys: self.entries.len(),
            revision: self.revision,
            compacted_revision: self.compacted_revision,
            retained_changes: self.history.len(),
            retained_bytes: self.history_bytes,
            parked_watchers: 0,
        }
    }

    pub(crate) fn export(&self) -> ConfigSnapshot {
        ConfigSnapshot {
            revision: self.revision,
            compacted_revision: self.compacted_revision,
            entries: self.entries.values().cloned().collect(),
            history: self.history.iter().cloned().collect(),
        }
    }

    /// Rebuilds a store from `snap` after checking that it is consistent, within `limits` and
    /// valid under `schema` (a new agent version may have tightened its rules; its state must
    /// obey them). A history longer than `limits` allows is compacted from the oldest end.
    pub(crate) fn import(
        schema: &Schema,
        limits: ConfigOptions,
        snap: ConfigSnapshot,
    ) -> Result<Self, ConfigError> {
        let bad = |why: String| Err(ConfigError::InvalidSnapshot(why));
        let mut store = Self::new(limits);
        if snap.compacted_revision > snap.revision {
            return bad(format!(
                "compacted_revision {} is after revision {}",
                snap.compacted_revision, snap.revision
            ));
        }
        if snap.entries.len() > store.limits.max_keys {
            return bad(format!(
                "{} entries; the store holds at most {}",
                snap.entries.len(),
                store.limits.max_keys
            ));
        }
        let mut entries = BTreeMap::new();
        for e in snap.entries {
            store.check_entry(schema, &e, snap.revision)?;
            if let Some(dup) = entries.insert(e.key.clone(), e) {
                return bad(format!("key {:?} appears twice", dup.key));
            }
        }
        let retained = snap.revision - snap.compacted_revision;
        if u64::try_from(snap.history.len()).ok() != Some(retained) {
            return bad(format!(
                "{} changes retained, but revisions {}..={} make {retained}",
                snap.history.len(),
                snap.compacted_revision + 1,
                snap.revision
            ));
        }
        // The last change of each key must agree with the entries.
        let mut last: BTreeMap<&str, &ConfigChange> = BTreeMap::new();
        for (c, want) in snap.history.iter().zip(snap.compacted_revision + 1..) {
            if c.revision != want {
                return bad(format!("change {want} has revision {}", c.revision));
            }
            // A put records the entry it wrote; a delete the (older) entry it removed.
            let entry_fits = match c.kind {
                ChangeKind::Put => c.entry.mod_revision == c.revision,
                ChangeKind::Delete => c.entry.mod_revision < c.revision,
            };
            if c.entry.version == 0 || !entry_fits {
                return bad(format!(
                    "change {want} has an impossible entry (version {}, mod_revision {})",
                    c.entry.version, c.entry.mod_revision
                ));
            }
            store.check_key(&c.entry.key)?;
            last.insert(&c.entry.key, c);
        }
        for (key, c) in &last {
            let consistent = match (c.kind, entries.get(*key)) {
                (ChangeKind::Put, Some(e)) => *e == c.entry,
                (ChangeKind::Put, None) => false,
                // A later re-creation would itself be the last change.
                (ChangeKind::Delete, e) => e.is_none(),
            };
            if !consistent {
                return bad(format!(
                    "key {key:?}: its last change (revision {}) disagrees with its entry",
                    c.revision
                ));
            }
        }
        for e in entries.values() {
            if e.mod_revision > snap.compacted_revision && !last.contains_key(e.key.as_str()) {
                return bad(format!(
                    "key {:?} was written at revision {} but that change is missing",
                    e.key, e.mod_revision
                ));
            }
        }
        store.entries = entries;
        store.revision = snap.revision;
        store.compacted_revision = snap.compacted_revision;
        store.history_bytes = snap.history.iter().map(change_bytes).sum();
        store.history = snap.history.into();
        store.enforce_retention();
        Ok(store)
    }

    fn check_entry(
        &self,
        schema: &Schema,
        e: &ConfigEntry,
        revision: u64,
    ) -> Result<(), ConfigError> {
        self.check_key(&e.key)?;
        Self::check_writer(&e.updated_by)?;
        self.check_value(&e.key, &e.value)?;
        if e.version == 0
            || e.create_revision == 0
            || e.create_revision > e.mod_revision
            || e.mod_revision > revision
        {
            return Err(ConfigError::InvalidSnapshot(format!(
                "key {:?}: version {}, create_revision {}, mod_revision {} are impossible at \
                 revision {revision}",
                e.key, e.version, e.create_revision, e.mod_revision
            )));
        }
        schema.validate(&e.key, &e.value)?;
        Ok(())
    }
}
