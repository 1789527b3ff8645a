//! [`ConfigurationManager`]: the store and its parked watches behind one lock, on an injectable
//! clock, with watch callbacks delivered after the lock is released.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::clock::SharedClock;

use super::error::ConfigError;
use super::schema::Schema;
use super::store::{
    ConfigOptions, ConfigSnapshot, ConfigStats, DeleteRequest, DeleteResponse, GetRequest,
    GetResponse, RollbackResponse, SetRequest, SetResponse, Store,
};
use super::value::{ConfigChange, ConfigEntry};
use super::watch::{
    Completion, WatchCallback, WatchId, WatchRequest, WatchResponse, WatchStart, WatchTarget,
    Watchers,
};

const NANOS_PER_MILLI: u64 = 1_000_000;

#[derive(Debug)]
struct State {
    store: Store,
    watchers: Watchers,
}

/// The configuration manager: a versioned, validated key/value store with history, rollback,
/// compare-and-set and callback-driven watches. `Send + Sync`; every method takes `&self`.
pub struct ConfigurationManager {
    schema: Schema,
    clock: SharedClock,
    epoch_offset_ms: u64,
    state: Mutex<State>,
}

impl std::fmt::Debug for ConfigurationManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // try_lock: Debug must not block (or deadlock inside a caller holding the lock).
        let mut d = f.debug_struct("ConfigurationManager");
        d.field("rules", &self.schema.rules().count());
        if let Ok(st) = self.state.try_lock() {
            d.field("stats", &stats_of(&st));
        }
        d.finish_non_exhaustive()
    }
}

fn stats_of(st: &State) -> ConfigStats {
    ConfigStats {
        parked_watchers: st.watchers.len(),
        ..st.store.stats()
    }
}

/// Calls each callback once. A panicking callback does not rob the others of their outcome;
/// the first panic is resumed after all have run (the store change has been committed).
fn deliver(completions: Vec<Completion>) {
    let mut first_panic = None;
    for (callback, outcome) in completions {
        if let Err(p) = panic::catch_unwind(AssertUnwindSafe(move || callback(outcome))) {
            first_panic.get_or_insert(p);
        }
    }
    if let Some(p) = first_panic {
        panic::resume_unwind(p);
    }
}

impl ConfigurationManager {
    /// An empty store (revision 0) validated by `schema`, bounded by `options`, on `clock`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidArgument`] if the options are invalid
    /// ([`ConfigOptions::validate`]).
    pub fn new(
        schema: Schema,
        options: ConfigOptions,
        clock: SharedClock,
    ) -> Result<Self, ConfigError> {
        options.validate()?;
        Ok(Self {
            schema,
            clock,
            epoch_offset_ms: options.epoch_offset_ms,
            state: Mutex::new(State {
                watchers: Watchers::new(options.max_watchers),
                store: Store::new(options),
            }),
        })
    }

    /// A store holding `snapshot` (see [`ConfigurationManager::import`]).
    ///
    /// # Errors
    /// As [`ConfigurationManager::new`] and [`ConfigurationManager::import`].
    pub fn from_snapshot(
        schema: Schema,
        options: ConfigOptions,
        clock: SharedClock,
        snapshot: ConfigSnapshot,
    ) -> Result<Self, ConfigError> {
        let manager = Self::new(schema, options, clock)?;
        manager.import(snapshot)?;
        Ok(manager)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing user-supplied runs under the lock and every mutation validates before it
        // commits, so a poisoned lock still guards a consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_millis().saturating_add(self.epoch_offset_ms)
    }

    /// The validators.
    #[must_use]
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The current store revision (0 before the first change).
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.lock().store.revision()
    }

    /// Counters, including the parked watches.
    #[must_use]
    pub fn stats(&self) -> ConfigStats {
        stats_of(&self.lock())
    }

    /// Reads entries by exact keys and/or prefix (`get_config`).
    #[must_use]
    pub fn get(&self, request: &GetRequest) -> GetResponse {
        self.lock().store.get(request)
    }

    /// The entry of `key`, if it exists.
    #[must_use]
    pub fn get_one(&self, key: &str) -> Option<ConfigEntry> {
        self.lock().store.entry(key).cloned()
    }

    /// Writes one entry (`set_config`), waking the watches the change matches.
    ///
    /// # Errors
    /// [`ConfigError::InvalidKey`], [`ConfigError::ValueTooLarge`],
    /// [`ConfigError::InvalidArgument`] (non-finite double, writer too long),
    /// [`ConfigError::Violation`], [`ConfigError::VersionConflict`],
    /// [`ConfigError::TooManyKeys`]; then nothing changed.
    pub fn set(&self, request: SetRequest) -> Result<SetResponse, ConfigError> {
        let now = self.now_ms();
        let (response, woken) = {
            let mut st = self.lock();
            let (response, change) = st.store.set(&self.schema, request, now)?;
            (response, st.watchers.take_matching(&change))
        };
        deliver(woken);
        Ok(response)
    }

    /// Deletes one entry (`delete_config`), waking the watches the change matches. Deleting an
    /// absent key is not an error: `deleted` is false and the revision does not move.
    ///
    /// # Errors
    /// [`ConfigError::InvalidKey`], [`ConfigError::VersionConflict`], or a
    /// [`ConfigError::Violation`] if a rule makes the key required.
    pub fn delete(&self, request: DeleteRequest) -> Result<DeleteResponse, ConfigError> {
        let now = self.now_ms();
        let (response, woken) = {
            let mut st = self.lock();
            let (response, change) = st.store.delete(&self.schema, request, now)?;
            let woken = change.map_or_else(Vec::new, |c| st.watchers.take_matching(&c));
            (response, woken)
        };
        deliver(woken);
        Ok(response)
    }

    /// Restores the state `key` had at store revision `to_revision`, as a new change at the
    /// next revision (history is never rewritten): a put of the value it had then, or a
    /// delete if it did not exist then. The restored value must pass the current schema.
    ///
    /// # Errors
    /// [`ConfigError::FutureRevision`]; [`ConfigError::Compacted`] if the key's state at that
    /// revision is no longer known; [`ConfigError::Violation`]; [`ConfigError::TooManyKeys`].
    pub fn rollback(
        &self,
        key: &str,
        to_revision: u64,
        by: &str,
    ) -> Result<RollbackResponse, ConfigError> {
        let now = self.now_ms();
        let (response, woken) = {
            let mut st = self.lock();
            let response = st.store.rollback(&self.schema, key, to_revision, by, now)?;
            let woken = match &response.change {
                Some(c) => st.watchers.take_matching(c),
                None => Vec::new(),
            };
            (response, woken)
        };
        deliver(woken);
        Ok(response)
    }

    /// The retained changes of `key`, oldest first (deletes included).
    #[must_use]
    pub fn history(&self, key: &str) -> Vec<ConfigChange> {
        self.lock().store.history(key)
    }

    /// Drops the retained changes up to and including `revision` (etcd's `Compact`); returns
    /// how many were dropped. Retention also compacts on its own
    /// ([`ConfigOptions::max_revisions`], [`ConfigOptions::max_history_bytes`]).
    ///
    /// # Errors
    /// [`ConfigError::FutureRevision`].
    pub fn compact(&self, revision: u64) -> Result<usize, ConfigError> {
        self.lock().store.compact(revision)
    }

    /// The deadline `timeout_ms` from now on the manager's clock, for [`Self::watch`]
    /// (`WatchConfigRequest.timeout_ms`).
    #[must_use]
    pub fn deadline_after_ms(&self, timeout_ms: u64) -> u64 {
        self.clock
            .now_nanos()
            .saturating_add(timeout_ms.saturating_mul(NANOS_PER_MILLI))
    }

    /// Long-polls for changes (`watch_config`).
    ///
    /// If retained changes after `request.after_revision` match, answers with them at once
    /// (replay, at most `max_changes`). Otherwise, if `deadline_nanos` (the manager's clock)
    /// has passed, answers at once with no changes. Otherwise parks the watch: the first later
    /// change it matches calls `callback` with [`WatchOutcome::Changes`](super::WatchOutcome::Changes); [`Self::expire`] at
    /// or after the deadline calls it with [`WatchOutcome::TimedOut`](super::WatchOutcome::TimedOut); [`Self::cancel`] with
    /// [`WatchOutcome::Cancelled`](super::WatchOutcome::Cancelled). A parked callback is called exactly once; an answered or
    /// refused watch drops it uncalled.
    ///
    /// # Errors
    /// [`ConfigError::Compacted`] if changes after `after_revision` are no longer retained;
    /// [`ConfigError::TooManyWatchers`] past [`ConfigOptions::max_watchers`];
    /// [`ConfigError::InvalidArgument`] for empty `events` or zero `max_changes`;
    /// [`ConfigError::InvalidKey`] for a key (or prefix) that no key could match.
    pub fn watch(
        &self,
        request: WatchRequest,
        deadline_nanos: u64,
        callback: WatchCallback,
    ) -> Result<WatchStart, ConfigError> {
        if request.events.is_empty() {
            return Err(ConfigError::InvalidArgument(
                "the watch selects no kind of change (events is empty)".into(),
            ));
        }
        if request.max_changes == 0 {
            return Err(ConfigError::InvalidArgument(
                "max_changes must be at least 1".into(),
            ));
        }
        let mut st = self.lock();
        match &request.target {
            WatchTarget::Key(k) => st.store.check_key(k)?,
            WatchTarget::Prefix(p) if p.len() > st.store.limits().max_key_bytes => {
                st.store.check_key(p)?;
            }
            WatchTarget::Prefix(_) => {}
        }
        let revision = st.store.revision();
        let mut changes = Vec::new();
        let mut cut_at = None;
        for c in st.store.changes_after(request.after_revision)? {
            if request.matches(c) {
                if changes.len() == request.max_changes {
                    cut_at = changes.last().map(|c: &ConfigChange| c.revision);
                    break;
                }
                changes.push(c.clone());
            }
        }
        if !changes.is_empty() || deadline_nanos <= self.clock.now_nanos() {
            return Ok(WatchStart::Ready(WatchResponse {
                changes,
                revision: cut_at.unwrap_or(revision.max(request.after_revision)),
            }));
        }
        let id = st.watchers.park(request, deadline_nanos, callback)?;
        Ok(WatchStart::Parked(id))
    }

    /// Completes every parked watch whose deadline is at or before `now_nanos` (the manager's
    /// clock) with [`WatchOutcome::TimedOut`](super::WatchOutcome::TimedOut); returns how many. Whoever owns a timer calls it,
    /// e.g. at [`Self::next_deadline`]. Costs O(expired · log parked).
    pub fn expire(&self, now_nanos: u64) -> usize {
        let expired = {
            let mut st = self.lock();
            let revision = st.store.revision();
            st.watchers.take_expired(now_nanos, revision)
        };
        let n = expired.len();
        deliver(expired);
        n
    }

    /// The earliest deadline among the parked watches, if any.
    #[must_use]
    pub fn next_deadline(&self) -> Option<u64> {
        self.lock().watchers.next_deadline()
    }

    /// Cancels a parked watch, calling its callback with [`WatchOutcome::Cancelled`](super::WatchOutcome::Cancelled); false if
    /// it is not parked (unknown, or already completed).
    pub fn cancel(&self, id: WatchId) -> bool {
        let taken = self.lock().watchers.take(id);
        let found = taken.is_some();
        deliver(taken.into_iter().collect());
        found
    }

    /// Cancels every parked watch (e.g. before shutting down, so no caller waits forever);
    /// returns how many.
    pub fn cancel_all(&self) -> usize {
        let taken = self.lock().watchers.take_all();
        let n = taken.len();
        deliver(taken);
        n
    }

    /// The whole store as plain data: entries, revision, compaction point and retained history.
    #[must_use]
    pub fn export(&self) -> ConfigSnapshot {
        self.lock().store.export()
    }

    /// Replaces the whole store with `snapshot`, after checking that it is consistent (one
    /// change per revision after `compacted_revision`, each key's last change agreeing with its
    /// entry), within the bounds (a longer history is compacted) and valid under this schema.
    /// Parked watches are cancelled: their revisions refer to the replaced store.
    ///
    /// # Errors
    /// [`ConfigError::InvalidSnapshot`], [`ConfigError::InvalidKey`],
    /// [`ConfigError::ValueTooLarge`] or [`ConfigError::Violation`]; then nothing changed.
    pub fn import(&self, snapshot: ConfigSnapshot) -> Result<(), ConfigError> {
        let cancelled = {
            let mut st = self.lock();
            let limits = st.store.limits().clone();
            st.store = Store::import(&self.schema, limits, snapshot)?;
            st.watchers.take_all()
        };
        deliver(cancelled);
        Ok(())
    }
}
