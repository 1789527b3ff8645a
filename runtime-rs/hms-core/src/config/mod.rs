//! The ConfigurationManager as plain Rust: typed entries validated by a schema declared as data,
//! compare-and-set writes, a global revision with bounded history and rollback, callback-driven
//! watches, and snapshots. This is the component `idl/configuration_manager.fbs` will be served
//! under; the wiring (FlatBuffers in and out, timeouts into deadlines) is the caller's.
//!
//! - values: [`ConfigValue`] (the contract's union), [`ConfigEntry`], [`ConfigChange`];
//! - [`Schema`]: validators from [`RuleSpec`]s (type, inclusive int/double range, allowed
//!   values, anchored regex-lite pattern, required), themselves checked when loaded;
//! - [`ConfigurationManager`]: `get`, `set`, `delete`, `rollback`, `history`, `compact`,
//!   `watch`/`expire`/`cancel`, `export`/`import`.
//!
//! # Model (etcd's MVCC, where the contract is silent)
//!
//! - **Revisions.** The store has one revision counter, 0 when empty. Every change (a write,
//!   an effective delete, a rollback) increments it by one and is recorded at the new value;
//!   reads and deletes of absent keys do not move it. Each entry carries etcd's
//!   `create_revision`, `mod_revision` and `version` (writes since creation, 1 = first; a
//!   delete ends the key's life, a new write restarts at 1 — so, as in etcd, a version alone
//!   does not tell two lives of a key apart; `create_revision` does).
//! - **Compare-and-set.** `expected_version: Some(v)` applies the write or delete only if the
//!   key's version is `v`; `Some(0)` means the key must not exist (etcd's create-if-absent);
//!   `None` is unconditional. A mismatch is [`ConfigError::VersionConflict`] carrying the
//!   current version (0 = absent). Validation comes first: an invalid value is a
//!   [`ConfigError::Violation`] whatever the version.
//! - **History.** Every change is kept, oldest first, until retention compacts it: at most
//!   [`ConfigOptions::max_revisions`] changes and [`ConfigOptions::max_history_bytes`] bytes;
//!   the oldest go first and `compacted_revision` advances (etcd compacts by an explicit
//!   `Compact`, which [`ConfigurationManager::compact`] also offers).
//!   [`ConfigurationManager::rollback`] restores a key's state at an earlier revision as a
//!   *new* change; history is never rewritten. Needing dropped history is
//!   [`ConfigError::Compacted`], as etcd's `ErrCompacted`.
//! - **Watches.** A watch selects a key or a prefix, kinds of change ([`WatchEvents`]) and
//!   changes after a revision. Retained matching changes are replayed at once (in revision
//!   order, at most `max_changes`); a watch from a compacted revision fails with
//!   `Compacted`. Otherwise the watch is parked and completes exactly once through its
//!   callback: on the first matching change, at its deadline ([`ConfigurationManager::expire`],
//!   driven by whoever owns a timer), or on cancel. No thread waits: parked watches are map
//!   entries indexed by key/prefix and by deadline, bounded by
//!   [`ConfigOptions::max_watchers`]. Callbacks run after the store's lock is released.
//! - **Time.** Deadlines are nanoseconds on the injected [`crate::clock::Clock`]; timestamps
//!   are its milliseconds plus [`ConfigOptions::epoch_offset_ms`] (Unix epoch when served).
//! - **Snapshots.** [`ConfigSnapshot`] holds entries, revision, compaction point and retained
//!   history; `import` checks it is consistent and valid under the (new) schema and cancels
//!   parked watches.
//!
//! Every structure is bounded by [`ConfigOptions`]: keys, key and value sizes, history
//! length and bytes, parked watches. Passing a bound is a typed error, never unbounded growth.

mod error;
mod manager;
mod schema;
mod store;
mod value;
mod watch;

#[cfg(test)]
mod tests;

pub use error::{ConfigError, RuleViolation, SchemaError, ViolationKind};
pub use manager::ConfigurationManager;
pub use schema::{KeySelector, RangeSpec, RuleSpec, Schema, MAX_PATTERN_BYTES};
pub use store::{
    ConfigOptions, ConfigSnapshot, ConfigStats, DeleteRequest, DeleteResponse, GetRequest,
    GetResponse, RollbackResponse, SetRequest, SetResponse, CHANGE_OVERHEAD_BYTES,
    MAX_WRITER_BYTES,
};
pub use value::{ChangeKind, ConfigChange, ConfigEntry, ConfigValue, ValueType};
pub use watch::{
    WatchCallback, WatchEvents, WatchId, WatchOutcome, WatchRequest, WatchResponse, WatchStart,
    WatchTarget, DEFAULT_MAX_CHANGES,
};
