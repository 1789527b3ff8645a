//! Watches: what a watch selects, its outcomes, and the registry of parked watches.
//!
//! A parked watch is an entry in a map, indexed by the exact key or prefix it watches (so a
//! change finds its watches in O(key length · log n + matched), not by scanning them all) and
//! by deadline (so expiry costs O(expired · log n)). No thread waits: completion is a callback.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::BitOr;

use super::error::ConfigError;
use super::value::{ChangeKind, ConfigChange};

/// The contract's default `max_changes`.
pub const DEFAULT_MAX_CHANGES: usize = 256;

/// What a watch observes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WatchTarget {
    /// Exactly this key.
    Key(String),
    /// Every key starting with this prefix; the empty prefix watches every key (the contract's
    /// `WatchConfigRequest.prefix`).
    Prefix(String),
}

impl WatchTarget {
    /// Whether a change to `key` concerns the watch.
    #[must_use]
    pub fn matches(&self, key: &str) -> bool {
        match self {
            Self::Key(k) => k == key,
            Self::Prefix(p) => key.starts_with(p.as_str()),
        }
    }
}

/// The kinds of change a watch reports (`WatchEvents` bit flags: `Put` = 1, `Delete` = 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WatchEvents(u8);

impl WatchEvents {
    /// Creations and updates.
    pub const PUT: Self = Self(1);
    /// Deletes.
    pub const DELETE: Self = Self(2);
    /// Both (the contract's default, `"Put Delete"` = 3).
    pub const ALL: Self = Self(3);

    /// The flags in `bits`; unknown bits are ignored.
    #[must_use]
    pub fn from_bits(bits: u8) -> Self {
        Self(bits & Self::ALL.0)
    }

    /// The contract's bit value.
    #[must_use]
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether no kind is selected.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether changes of `kind` are reported.
    #[must_use]
    pub fn contains(self, kind: ChangeKind) -> bool {
        let flag = match kind {
            ChangeKind::Put => Self::PUT,
            ChangeKind::Delete => Self::DELETE,
        };
        self.0 & flag.0 != 0
    }
}

impl BitOr for WatchEvents {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A long-poll for changes (`WatchConfigRequest` without its timeout, which the caller turns
/// into a deadline on the store's clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRequest {
    /// What to watch.
    pub target: WatchTarget,
    /// Report changes with a revision greater than this (0 = from the beginning).
    pub after_revision: u64,
    /// Kinds of change to report; must not be empty.
    pub events: WatchEvents,
    /// Most changes one answer carries; at least 1. Contract default
    /// [`DEFAULT_MAX_CHANGES`].
    pub max_changes: usize,
}

impl WatchRequest {
    /// Watches every key under `prefix`, from the beginning, for both kinds.
    #[must_use]
    pub fn prefix(prefix: &str) -> Self {
        Self::new(WatchTarget::Prefix(prefix.to_owned()))
    }

    /// Watches exactly `key`, from the beginning, for both kinds.
    #[must_use]
    pub fn key(key: &str) -> Self {
        Self::new(WatchTarget::Key(key.to_owned()))
    }

    fn new(target: WatchTarget) -> Self {
        Self {
            target,
            after_revision: 0,
            events: WatchEvents::ALL,
            max_changes: DEFAULT_MAX_CHANGES,
        }
    }

    /// Reports only changes after `revision`.
    #[must_use]
    pub fn after(mut self, revision: u64) -> Self {
        self.after_revision = revision;
        self
    }

    /// Reports only changes of these kinds.
    #[must_use]
    pub fn events(mut self, events: WatchEvents) -> Self {
        self.events = events;
        self
    }

    /// Caps the changes per answer.
    #[must_use]
    pub fn max_changes(mut self, max: usize) -> Self {
        self.max_changes = max;
        self
    }

    /// Whether the watch reports `change`.
    #[must_use]
    pub fn matches(&self, change: &ConfigChange) -> bool {
        change.revision > self.after_revision
            && self.events.contains(change.kind)
            && self.target.matches(&change.entry.key)
    }
}

/// The answer to a watch (`WatchConfigResponse`).
#[derive(Debug, Clone, PartialEq)]
pub struct WatchResponse {
    /// Matching changes in revision order; empty if the watch timed out.
    pub changes: Vec<ConfigChange>,
    /// Pass as `after_revision` to the next watch: the last change returned if the answer was
    /// cut at `max_changes`, else the store revision up to which changes were examined (never
    /// less than the request's `after_revision`).
    pub revision: u64,
}

/// How a parked watch ended; its callback receives exactly one.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchOutcome {
    /// A matching change happened (one change: each change wakes its watches at once).
    Changes(WatchResponse),
    /// The deadline passed first; `changes` is empty.
    TimedOut(WatchResponse),
    /// Cancelled by [`super::ConfigurationManager::cancel`], `cancel_all`, or an `import` that
    /// replaced the store.
    Cancelled,
}

impl WatchOutcome {
    /// The contract's answer: `Changes` and `TimedOut` are a `WatchConfigResponse`, `Cancelled`
    /// is none (reply with `ErrorCode.Cancelled`).
    #[must_use]
    pub fn into_response(self) -> Option<WatchResponse> {
        match self {
            Self::Changes(r) | Self::TimedOut(r) => Some(r),
            Self::Cancelled => None,
        }
    }
}

/// Identifies a parked watch; never reused within one manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WatchId(pub u64);

impl fmt::Display for WatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "watch#{}", self.0)
    }
}

/// What a watch call returned.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchStart {
    /// Answered at once: matching changes were already retained, or the deadline had already
    /// passed (then `changes` is empty). The callback was dropped without being called.
    Ready(WatchResponse),
    /// Parked: the callback will be called exactly once, with the [`WatchOutcome`].
    Parked(WatchId),
}

/// Completion of a parked watch. Called on the thread that made the change, or called
/// `expire`, `cancel`, `cancel_all` or `import`, after the store's lock is released; it may
/// call back into the manager. Keep it short (post the outcome to a queue).
pub type WatchCallback = Box<dyn FnOnce(WatchOutcome) + Send>;

/// A callback with the outcome it is owed, to be delivered once the lock is released.
pub(crate) type Completion = (WatchCallback, WatchOutcome);

struct Waiter {
    request: WatchRequest,
    deadline: u64,
    callback: WatchCallback,
}

/// The parked watches.
pub(crate) struct Watchers {
    waiters: BTreeMap<u64, Waiter>,
    by_key: BTreeMap<String, BTreeSet<u64>>,
    by_prefix: BTreeMap<String, BTreeSet<u64>>,
    /// (deadline nanos, id): expiry takes from the front.
    deadlines: BTreeSet<(u64, u64)>,
    next_id: u64,
    limit: usize,
}

impl fmt::Debug for Watchers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchers")
            .field("parked", &self.waiters.len())
            .field("limit", &self.limit)
            .field("next_deadline", &self.next_deadline())
            .finish_non_exhaustive()
    }
}

impl Watchers {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            waiters: BTreeMap::new(),
            by_key: BTreeMap::new(),
            by_prefix: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            next_id: 1,
            limit,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.waiters.len()
    }

    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.deadlines.first().map(|&(d, _)| d)
    }

    fn index(&mut self, target: &WatchTarget) -> &mut BTreeMap<String, BTreeSet<u64>> {
        match target {
            WatchTarget::Key(_) => &mut self.by_key,
            WatchTarget::Prefix(_) => &mut self.by_prefix,
        }
    }

    pub(crate) fn park(
        &mut self,
        request: WatchRequest,
        deadline: u64,
        callback: WatchCallback,
    ) -> Result<WatchId, ConfigError> {
        if self.waiters.len() >= self.limit {
            return Err(ConfigError::TooManyWatchers { limit: self.limit });
        }
        let id = self.next_id;
        self.next_id += 1;
        let (WatchTarget::Key(k) | WatchTarget::Prefix(k)) = &request.target;
        let k = k.clone();
        self.index(&request.target).entry(k).or_default().insert(id);
        self.deadlines.insert((deadline, id));
        self.waiters.insert(
            id,
            Waiter {
                request,
                deadline,
                callback,
            },
        );
        Ok(WatchId(id))
    }

    fn remove(&mut self, id: u64) -> Option<Waiter> {
        let w = self.waiters.remove(&id)?;
        self.deadlines.remove(&(w.deadline, id));
        let (WatchTarget::Key(k) | WatchTarget::Prefix(k)) = &w.request.target;
        let index = self.index(&w.request.target);
        if let Some(ids) = index.get_mut(k.as_str()) {
            ids.remove(&id);
            // Empty sets are dropped so memory follows the parked watches, not past ones.
            if ids.is_empty() {
                index.remove(k.as_str());
            }
        }
        Some(w)
    }

    /// Unparks every watch `change` matches, each with that change; in id order.
    pub(crate) fn take_matching(&mut self, change: &ConfigChange) -> Vec<Completion> {
        let key = change.entry.key.as_str();
        let mut ids: Vec<u64> = Vec::new();
        if let Some(set) = self.by_key.get(key) {
            ids.extend(set);
        }
        // Every prefix of the key, the empty one included, may be watched.
        for end in key.char_indices().map(|(i, _)| i).chain([key.len()]) {
            if let Some(set) = self.by_prefix.get(&key[..end]) {
                ids.extend(set);
            }
        }
        ids.retain(|id| self.waiters[id].request.matches(change));
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| self.remove(id))
            .map(|w| {
                let outcome = WatchOutcome::Changes(WatchResponse {
                    changes: vec![change.clone()],
                    revision: change.revision,
                });
                (w.callback, outcome)
            })
            .collect()
    }

    /// Unparks every watch whose deadline is at or before `now`, answering up to `revision`.
    pub(crate) fn take_expired(&mut self, now: u64, revision: u64) -> Vec<Completion> {
        let mut out = Vec::new();
        while self.deadlines.first().is_some_and(|&(d, _)| d <= now) {
            let Some((_, id)) = self.deadlines.pop_first() else {
                break;
            };
            if let Some(w) = self.remove(id) {
                let outcome = WatchOutcome::TimedOut(WatchResponse {
                    changes: Vec::new(),
                    revision: revision.max(w.request.after_revision),
                });
                out.push((w.callback, outcome));
            }
        }
        out
    }

    pub(crate) fn take(&mut self, id: WatchId) -> Option<Completion> {
        self.remove(id.0)
            .map(|w| (w.callback, WatchOutcome::Cancelled))
    }

    pub(crate) fn take_all(&mut self) -> Vec<Completion> {
        let ids: Vec<u64> = self.waiters.keys().copied().collect();
        ids.into_iter()
            .filter_map(|id| self.take(WatchId(id)))
            .collect()
    }
}
