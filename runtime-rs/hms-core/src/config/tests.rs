//! Behaviour of the manager as a whole, on a manual clock (nothing here sleeps).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::clock::{Clock, ManualClock};

const MS: u64 = 1_000_000;

fn manager_with(
    schema: Schema,
    options: ConfigOptions,
) -> (Arc<ManualClock>, ConfigurationManager) {
    let clock = ManualClock::at(1_000 * MS);
    let m = ConfigurationManager::new(schema, options, clock.clone()).unwrap();
    (clock, m)
}

fn manager() -> (Arc<ManualClock>, ConfigurationManager) {
    manager_with(Schema::empty(), ConfigOptions::default())
}

fn small(max_revisions: usize) -> ConfigOptions {
    ConfigOptions {
        max_revisions,
        ..ConfigOptions::default()
    }
}

type Outcomes = Arc<Mutex<Vec<WatchOutcome>>>;

/// A callback that records its outcomes (a correct manager calls it at most once).
fn recorder() -> (Outcomes, WatchCallback) {
    let seen: Outcomes = Arc::default();
    let sink = seen.clone();
    (seen, Box::new(move |o| sink.lock().unwrap().push(o)))
}

fn outcomes(seen: &Outcomes) -> Vec<WatchOutcome> {
    seen.lock().unwrap().clone()
}

fn set(m: &ConfigurationManager, key: &str, value: impl Into<ConfigValue>) -> SetResponse {
    m.set(SetRequest::new(key, value)).unwrap()
}

fn far(m: &ConfigurationManager) -> u64 {
    m.deadline_after_ms(60_000)
}

fn park(m: &ConfigurationManager, request: WatchRequest) -> (Outcomes, WatchId) {
    let (seen, cb) = recorder();
    match m.watch(request, far(m), cb).unwrap() {
        WatchStart::Parked(id) => (seen, id),
        WatchStart::Ready(r) => panic!("expected to park, got {r:?}"),
    }
}

fn ready(m: &ConfigurationManager, request: WatchRequest) -> WatchResponse {
    match m
        .watch(request, far(m), Box::new(|_| panic!("not parked")))
        .unwrap()
    {
        WatchStart::Ready(r) => r,
        WatchStart::Parked(id) => panic!("expected an answer, parked as {id}"),
    }
}

fn revisions(changes: &[ConfigChange]) -> Vec<u64> {
    changes.iter().map(|c| c.revision).collect()
}

// ---- entries, versions, revisions ----

#[test]
fn writes_version_keys_and_advance_the_store_revision() {
    let (clock, m) = manager();
    assert_eq!(m.revision(), 0);
    let r = m.set(SetRequest::new("ga.size", 10_i64).by("op")).unwrap();
    assert_eq!(r.previous_version, 0);
    assert_eq!(
        (
            r.entry.version,
            r.entry.create_revision,
            r.entry.mod_revision
        ),
        (1, 1, 1)
    );
    assert_eq!(r.entry.updated_by, "op");
    assert_eq!(
        (r.entry.created_at_ms, r.entry.updated_at_ms),
        (1_000, 1_000)
    );
    set(&m, "ga.rate", 0.5);
    clock.advance_millis(5);
    let r = set(&m, "ga.size", 20_i64);
    assert_eq!(r.previous_version, 1);
    assert_eq!(
        (
            r.entry.version,
            r.entry.create_revision,
            r.entry.mod_revision
        ),
        (2, 1, 3)
    );
    assert_eq!(
        (r.entry.created_at_ms, r.entry.updated_at_ms),
        (1_000, 1_005)
    );
    assert_eq!(r.entry.value.canonical(), "20");
    assert_eq!(m.revision(), 3);
}

#[test]
fn get_reads_keys_and_a_prefix_sorted_once_each() {
    let (_, m) = manager();
    for k in ["b.x", "a.y", "a.x", "c"] {
        set(&m, k, k);
    }
    let r = m.get(&GetRequest {
        keys: vec!["c".into(), "a.x".into(), "missing".into()],
        prefix: Some("a.".into()),
    });
    let keys: Vec<_> = r.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["a.x", "a.y", "c"]);
    assert_eq!(r.revision, 4);
    assert_eq!(
        m.get(&GetRequest::default()).entries.len(),
        0,
        "no keys, no prefix"
    );
    let all = m.get(&GetRequest {
        keys: vec![],
        prefix: Some(String::new()),
    });
    assert_eq!(all.entries.len(), 4);
    assert_eq!(m.get_one("b.x").unwrap().value, ConfigValue::from("b.x"));
}

#[test]
fn timestamps_carry_the_epoch_offset() {
    let (_, m) = manager_with(
        Schema::empty(),
        ConfigOptions {
            epoch_offset_ms: 1_700_000_000_000,
            ..ConfigOptions::default()
        },
    );
    assert_eq!(set(&m, "k", true).entry.updated_at_ms, 1_700_000_001_000);
}

// ---- compare-and-set ----

#[test]
fn create_if_absent_succeeds_once_then_reports_the_current_version() {
    let (_, m) = manager();
    let r = m.set(SetRequest::new("lock", "a").if_version(0)).unwrap();
    assert_eq!(r.entry.version, 1);
    let err = m
        .set(SetRequest::new("lock", "b").if_version(0))
        .unwrap_err();
    assert_eq!(
        err,
        ConfigError::VersionConflict {
            key: "lock".into(),
            expected: 0,
            current: 1
        }
    );
    assert_eq!(err.code(), 202);
    assert!(!err.retryable());
    assert_eq!(
        err.to_string(),
        "version conflict on key \"lock\": expected version 0, current version 1 (0 = absent)"
    );
    assert_eq!(m.get_one("lock").unwrap().value, ConfigValue::from("a"));
    assert_eq!(m.revision(), 1, "a refused write changes nothing");
}

#[test]
fn an_update_at_a_stale_version_is_refused_with_the_current_version() {
    let (_, m) = manager();
    set(&m, "k", 1_i64);
    set(&m, "k", 2_i64);
    let err = m
        .set(SetRequest::new("k", 3_i64).if_version(1))
        .unwrap_err();
    assert!(matches!(
        err,
        ConfigError::VersionConflict {
            expected: 1,
            current: 2,
            ..
        }
    ));
    let err = m
        .set(SetRequest::new("absent", 3_i64).if_version(4))
        .unwrap_err();
    assert!(matches!(
        err,
        ConfigError::VersionConflict { current: 0, .. }
    ));
    let r = m.set(SetRequest::new("k", 3_i64).if_version(2)).unwrap();
    assert_eq!((r.previous_version, r.entry.version), (2, 3));
}

#[test]
fn a_delete_at_a_stale_version_is_refused_and_deletes_of_absent_keys_change_nothing() {
    let (_, m) = manager();
    set(&m, "k", 1_i64);
    set(&m, "k", 2_i64);
    let err = m.delete(DeleteRequest::new("k").if_version(1)).unwrap_err();
    assert_eq!(
        err,
        ConfigError::VersionConflict {
            key: "k".into(),
            expected: 1,
            current: 2
        }
    );
    assert!(m.get_one("k").is_some());
    let err = m
        .delete(DeleteRequest::new("absent").if_version(3))
        .unwrap_err();
    assert!(matches!(
        err,
        ConfigError::VersionConflict { current: 0, .. }
    ));
    for req in [
        DeleteRequest::new("absent"),
        DeleteRequest::new("absent").if_version(0),
    ] {
        let r = m.delete(req).unwrap();
        assert_eq!(
            (r.deleted, r.revision),
            (false, 2),
            "no change, no revision"
        );
    }
    let r = m.delete(DeleteRequest::new("k").if_version(2)).unwrap();
    assert_eq!((r.deleted, r.revision), (true, 3));
    // A new life starts at version 1 with a new create_revision (etcd).
    let e = m
        .set(SetRequest::new("k", 9_i64).if_version(0))
        .unwrap()
        .entry;
    assert_eq!((e.version, e.create_revision, e.mod_revision), (1, 4, 4));
}

// ---- validators ----

fn strict() -> Schema {
    Schema::new([
        RuleSpec::key("ga.population_size").int_range(Some(2), Some(10_000)),
        RuleSpec::key("ga.selection").one_of(["roulette", "tournament"]),
        RuleSpec::prefix("agents.").pattern(r"[a-z][a-z0-9_-]*"),
        RuleSpec::key("ga.elitism")
            .of_type(ValueType::Bool)
            .required(),
    ])
    .unwrap()
}

#[test]
fn values_breaking_their_rules_are_typed_errors_and_change_nothing() {
    let (_, m) = manager_with(strict(), ConfigOptions::default());
    set(&m, "ga.population_size", 100_i64);
    let cases: [(&str, ConfigValue, &str); 4] = [
        (
            "ga.population_size",
            ConfigValue::Int(0),
            "key \"ga.population_size\" = 0 (int) violates rule \"ga.population_size\": the \
             value must be between 2 and 10000 (inclusive)",
        ),
        (
            "ga.selection",
            "best".into(),
            "key \"ga.selection\" = \"best\" (string) violates rule \"ga.selection\": the value \
             must be one of [\"roulette\", \"tournament\"]",
        ),
        (
            "agents.W1",
            "W1".into(),
            "key \"agents.W1\" = \"W1\" (string) violates rule \"agents.*\": the value must \
             match the pattern \"[a-z][a-z0-9_-]*\" as a whole",
        ),
        (
            "ga.elitism",
            ConfigValue::Int(1),
            "key \"ga.elitism\" = 1 (int) violates rule \"ga.elitism\": the value must be a bool",
        ),
    ];
    for (key, value, message) in cases {
        let err = m.set(SetRequest::new(key, value.clone())).unwrap_err();
        let ConfigError::Violation(v) = &err else {
            panic!("{err:?}")
        };
        assert_eq!((v.key.as_str(), v.value.as_ref()), (key, Some(&value)));
        assert_eq!(err.to_string(), message);
        assert_eq!(err.code(), 1);
    }
    assert_eq!(m.revision(), 1);
    assert_eq!(
        m.get_one("ga.population_size").unwrap().value,
        ConfigValue::Int(100)
    );
    // The schema comes before the version check: an invalid value is invalid at any version.
    let err = m
        .set(SetRequest::new("ga.population_size", 1_i64).if_version(7))
        .unwrap_err();
    assert!(matches!(err, ConfigError::Violation(_)));
}

#[test]
fn a_required_key_cannot_be_deleted() {
    let (_, m) = manager_with(strict(), ConfigOptions::default());
    set(&m, "ga.elitism", true);
    let err = m.delete(DeleteRequest::new("ga.elitism")).unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Violation(RuleViolation {
            kind: ViolationKind::Required,
            ..
        })
    ));
    assert!(m.get_one("ga.elitism").is_some());
}

#[test]
fn non_finite_doubles_oversized_values_and_bad_keys_are_refused() {
    let (_, m) = manager_with(
        Schema::empty(),
        ConfigOptions {
            max_key_bytes: 8,
            max_value_bytes: 4,
            ..ConfigOptions::default()
        },
    );
    for v in [f64::NAN, f64::INFINITY] {
        let err = m.set(SetRequest::new("d", v)).unwrap_err();
        assert!(err.to_string().contains("not finite"), "{err}");
    }
    let err = m.set(SetRequest::new("s", "12345")).unwrap_err();
    assert_eq!(
        err,
        ConfigError::ValueTooLarge {
            key: "s".into(),
            size: 5,
            limit: 4
        }
    );
    for key in ["", "123456789", "a\nb"] {
        let err = m.set(SetRequest::new(key, 1_i64)).unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidKey { .. }),
            "{key:?}: {err}"
        );
    }
    let err = m
        .set(SetRequest::new("k", 1_i64).by(&"x".repeat(MAX_WRITER_BYTES + 1)))
        .unwrap_err();
    assert!(matches!(err, ConfigError::InvalidArgument(_)));
    assert_eq!(m.revision(), 0);
}

// ---- history, rollback, compaction ----

#[test]
fn rollback_restores_an_earlier_value_as_a_new_revision() {
    let (_, m) = manager();
    set(&m, "rate", 0.1);
    set(&m, "other", 1_i64);
    set(&m, "rate", 0.2);
    set(&m, "rate", 0.3);
    let r = m.rollback("rate", 1, "operator").unwrap();
    let c = r.change.unwrap();
    assert_eq!((c.kind, c.revision, r.revision), (ChangeKind::Put, 5, 5));
    assert_eq!(c.entry.value, ConfigValue::Double(0.1));
    assert_eq!((c.entry.version, c.entry.create_revision), (4, 1));
    assert_eq!(c.by, "operator");
    assert_eq!(m.get_one("rate").unwrap().value, ConfigValue::Double(0.1));
    // History is appended to, never rewritten.
    let h = m.history("rate");
    assert_eq!(revisions(&h), [1, 3, 4, 5]);
    let values: Vec<_> = h.iter().map(|c| c.entry.value.canonical()).collect();
    assert_eq!(values, ["0.1", "0.2", "0.3", "0.1"]);
    // The revision between two changes of the key holds the earlier one.
    let r = m.rollback("rate", 2, "").unwrap();
    assert_eq!(r.change.unwrap().entry.value, ConfigValue::Double(0.1));
}

#[test]
fn rollback_recreates_a_deleted_key_and_deletes_a_key_that_did_not_exist_then() {
    let (_, m) = manager();
    set(&m, "k", "v1");
    m.delete(DeleteRequest::new("k").by("janitor")).unwrap();
    let deleted = m.history("k").pop().unwrap();
    assert_eq!(
        (deleted.kind, deleted.by.as_str()),
        (ChangeKind::Delete, "janitor")
    );
    assert_eq!(
        deleted.entry.value,
        ConfigValue::from("v1"),
        "a delete keeps what it removed"
    );
    let c = m.rollback("k", 1, "").unwrap().change.unwrap();
    assert_eq!((c.kind, c.revision), (ChangeKind::Put, 3));
    assert_eq!((c.entry.version, c.entry.create_revision), (1, 3));
    // At revision 2 the key had been deleted: rolling back to it deletes again.
    let c = m.rollback("k", 2, "").unwrap().change.unwrap();
    assert_eq!((c.kind, c.revision), (ChangeKind::Delete, 4));
    // Absent then (revision 0) and absent now: nothing to do.
    let r = m.rollback("k", 0, "").unwrap();
    assert_eq!((r.change, r.revision), (None, 4));
}

#[test]
fn rollback_refuses_future_and_compacted_revisions_and_current_schema_violations() {
    let (_, m) = manager_with(Schema::empty(), small(2));
    set(&m, "c", 1_i64); // r1
    set(&m, "c", 2_i64); // r2
    set(&m, "c", 3_i64); // r3; r1 compacted
    assert_eq!(
        m.rollback("c", 9, "").unwrap_err(),
        ConfigError::FutureRevision {
            requested: 9,
            current: 3
        }
    );
    let err = m.rollback("c", 0, "").unwrap_err();
    assert_eq!(
        err,
        ConfigError::Compacted {
            requested: 0,
            compacted_revision: 1
        }
    );
    assert_eq!(err.code(), 4);
    // Revision 1 is the compaction point, but c's value then was overwritten at r2 and r1's
    // record is gone.
    assert!(matches!(
        m.rollback("c", 1, ""),
        Err(ConfigError::Compacted { .. })
    ));
    assert_eq!(
        m.rollback("c", 2, "").unwrap().change.unwrap().entry.value,
        ConfigValue::Int(2)
    );

    // A value retained in history still has to pass the schema of the agent that restores it.
    let (_, lax) = manager();
    set(&lax, "ga.population_size", 1_i64);
    set(&lax, "ga.population_size", 50_i64);
    let (_, strict_m) = manager_with(strict(), ConfigOptions::default());
    strict_m.import(lax.export()).unwrap();
    let err = strict_m.rollback("ga.population_size", 1, "").unwrap_err();
    assert!(matches!(err, ConfigError::Violation(_)), "{err}");
}

#[test]
fn rollback_reconstructs_state_at_the_compaction_point_when_it_can() {
    let (_, m) = manager_with(Schema::empty(), small(2));
    set(&m, "a", 1_i64); // r1
    set(&m, "b", 1_i64); // r2
    m.delete(DeleteRequest::new("a")).unwrap(); // r3; r1 compacted
    set(&m, "x", 0_i64); // r4; r2 compacted
                         // a at r2: its delete at r3 is retained and carries the value it removed.
    let c = m.rollback("a", 2, "").unwrap().change.unwrap();
    assert_eq!(
        (c.kind, c.entry.value.clone()),
        (ChangeKind::Put, ConfigValue::Int(1))
    );
    // x at r2: its first retained change created it, so it did not exist then.
    assert_eq!(
        m.rollback("x", 3, "").unwrap().change.unwrap().kind,
        ChangeKind::Delete
    );
    // b at r4: unchanged since before the compaction point, so its current value.
    assert_eq!(
        m.rollback("b", 6, "").unwrap().change.unwrap().entry.value,
        ConfigValue::Int(1)
    );
}

#[test]
fn history_is_bounded_by_count_and_the_oldest_is_compacted() {
    let (_, m) = manager_with(Schema::empty(), small(5));
    for i in 0..20_i64 {
        set(&m, "k", i);
    }
    let s = m.stats();
    assert_eq!(
        (s.revision, s.compacted_revision, s.retained_changes),
        (20, 15, 5)
    );
    assert_eq!(revisions(&m.history("k")), [16, 17, 18, 19, 20]);
    let err = m
        .watch(WatchRequest::key("k").after(10), far(&m), Box::new(|_| {}))
        .unwrap_err();
    assert_eq!(
        err,
        ConfigError::Compacted {
            requested: 10,
            compacted_revision: 15
        }
    );
    assert!(
        err.to_string()
            .starts_with("revision 10 has been compacted"),
        "{err}"
    );
    // From the compaction point on, everything is there.
    assert_eq!(
        revisions(&ready(&m, WatchRequest::key("k").after(15)).changes),
        [16, 17, 18, 19, 20]
    );
}

#[test]
fn history_is_bounded_by_bytes() {
    let limit = 10 * (CHANGE_OVERHEAD_BYTES + 1_000);
    let (_, m) = manager_with(
        Schema::empty(),
        ConfigOptions {
            max_history_bytes: limit,
            ..ConfigOptions::default()
        },
    );
    for _ in 0..100 {
        set(&m, "k", "x".repeat(999));
        assert!(m.stats().retained_bytes <= limit);
    }
    let s = m.stats();
    assert_eq!((s.retained_changes, s.compacted_revision), (10, 90));
}

#[test]
fn explicit_compaction_drops_history_up_to_a_revision() {
    let (_, m) = manager();
    for i in 0..6_i64 {
        set(&m, "k", i);
    }
    assert_eq!(m.compact(4).unwrap(), 4);
    assert_eq!(m.compact(2).unwrap(), 0, "already compacted");
    assert_eq!(m.stats().compacted_revision, 4);
    assert!(matches!(
        m.compact(7),
        Err(ConfigError::FutureRevision { .. })
    ));
    assert_eq!(revisions(&m.history("k")), [5, 6]);
}

#[test]
fn without_history_watches_still_wake_and_rollback_reaches_the_current_state() {
    let (_, m) = manager_with(Schema::empty(), small(0));
    set(&m, "k", 1_i64);
    assert_eq!(m.stats().retained_changes, 0);
    let (seen, _) = park(&m, WatchRequest::key("k").after(1));
    set(&m, "k", 2_i64);
    assert_eq!(outcomes(&seen).len(), 1);
    assert!(matches!(
        m.rollback("k", 1, ""),
        Err(ConfigError::Compacted { .. })
    ));
    assert!(m.rollback("k", 2, "").unwrap().change.is_some());
}

// ---- watches ----

#[test]
fn a_watch_replays_retained_changes_after_a_revision() {
    let (_, m) = manager();
    set(&m, "a.x", 1_i64); // r1
    set(&m, "b.z", 1_i64); // r2
    set(&m, "a.y", 1_i64); // r3
    m.delete(DeleteRequest::new("a.x")).unwrap(); // r4
    set(&m, "a.y", 2_i64); // r5
    set(&m, "b.z", 2_i64); // r6
    let r = ready(&m, WatchRequest::prefix("a.").after(1));
    assert_eq!(revisions(&r.changes), [3, 4, 5]);
    assert_eq!(r.changes[1].kind, ChangeKind::Delete);
    assert_eq!(r.revision, 6, "examined up to the store revision");
    let r = ready(&m, WatchRequest::prefix("a.").events(WatchEvents::PUT));
    assert_eq!(revisions(&r.changes), [1, 3, 5]);
    let r = ready(&m, WatchRequest::prefix("").events(WatchEvents::DELETE));
    assert_eq!(revisions(&r.changes), [4]);
    let r = ready(&m, WatchRequest::key("a.y").after(3));
    assert_eq!(revisions(&r.changes), [5]);
    // Cut at max_changes: the next poll continues after the last change returned.
    let r = ready(&m, WatchRequest::prefix("").max_changes(4));
    assert_eq!((revisions(&r.changes), r.revision), (vec![1, 2, 3, 4], 4));
    let r = ready(
        &m,
        WatchRequest::prefix("").after(r.revision).max_changes(4),
    );
    assert_eq!((revisions(&r.changes), r.revision), (vec![5, 6], 6));
}

#[test]
fn a_parked_watch_wakes_only_on_a_matching_change() {
    let (_, m) = manager();
    set(&m, "a.x", 0_i64);
    let rev = m.revision();
    let (prefix_seen, _) = park(&m, WatchRequest::prefix("a.").after(rev));
    let (key_seen, _) = park(&m, WatchRequest::key("a").after(rev));
    let (puts_seen, _) = park(
        &m,
        WatchRequest::prefix("a.")
            .after(rev)
            .events(WatchEvents::PUT),
    );
    let (deletes_seen, _) = park(
        &m,
        WatchRequest::prefix("a.")
            .after(rev)
            .events(WatchEvents::DELETE),
    );
    assert_eq!(m.stats().parked_watchers, 4);

    set(&m, "b.x", 1_i64); // another key
    set(&m, "ab", 1_i64); // not under "a." and not exactly "a"
    assert!(outcomes(&prefix_seen).is_empty() && outcomes(&key_seen).is_empty());

    m.delete(DeleteRequest::new("a.x")).unwrap(); // r4
    let want = |kind: ChangeKind, revision: u64| {
        move |o: &WatchOutcome| {
            matches!(o, WatchOutcome::Changes(r)
                if r.revision == revision && r.changes.len() == 1
                    && r.changes[0].kind == kind && r.changes[0].entry.key == "a.x")
        }
    };
    let got = outcomes(&prefix_seen);
    assert!(
        got.len() == 1 && want(ChangeKind::Delete, 4)(&got[0]),
        "{got:?}"
    );
    let got = outcomes(&deletes_seen);
    assert!(
        got.len() == 1 && want(ChangeKind::Delete, 4)(&got[0]),
        "{got:?}"
    );
    assert!(
        outcomes(&puts_seen).is_empty(),
        "a put-only watch ignores deletes"
    );

    set(&m, "a.x", 5_i64); // r5
    let got = outcomes(&puts_seen);
    assert!(
        got.len() == 1 && want(ChangeKind::Put, 5)(&got[0]),
        "{got:?}"
    );
    assert_eq!(
        outcomes(&prefix_seen).len(),
        1,
        "completed watches are not called again"
    );

    set(&m, "a", 1_i64);
    assert_eq!(outcomes(&key_seen).len(), 1);
    assert_eq!(m.stats().parked_watchers, 0);
}

#[test]
fn a_watch_from_a_future_revision_waits_for_it() {
    let (_, m) = manager();
    let (seen, _) = park(&m, WatchRequest::key("k").after(2));
    set(&m, "k", 1_i64); // r1: not after 2
    set(&m, "k", 2_i64); // r2: not after 2
    assert!(outcomes(&seen).is_empty());
    set(&m, "k", 3_i64); // r3
    assert_eq!(outcomes(&seen).len(), 1);
}

#[test]
fn a_parked_watch_times_out_through_expire() {
    let (clock, m) = manager();
    set(&m, "other", 1_i64);
    let (seen, cb) = recorder();
    let deadline = m.deadline_after_ms(1_000);
    assert!(matches!(
        m.watch(WatchRequest::key("k").after(1), deadline, cb)
            .unwrap(),
        WatchStart::Parked(_)
    ));
    assert_eq!(m.next_deadline(), Some(deadline));
    set(&m, "other", 2_i64); // not matching; moves the revision
    clock.advance_millis(999);
    assert_eq!(m.expire(clock.now_nanos()), 0);
    assert!(outcomes(&seen).is_empty());
    clock.advance_millis(1);
    assert_eq!(m.expire(clock.now_nanos()), 1);
    assert_eq!(
        outcomes(&seen),
        [WatchOutcome::TimedOut(WatchResponse {
            changes: vec![],
            revision: 2
        })]
    );
    assert_eq!(m.next_deadline(), None);
    assert_eq!(m.expire(clock.now_nanos() + 1_000 * MS), 0);
    set(&m, "k", 1_i64);
    assert_eq!(outcomes(&seen).len(), 1, "a timed-out watch is not woken");
}

#[test]
fn a_watch_whose_deadline_has_passed_answers_at_once() {
    let (clock, m) = manager();
    set(&m, "k", 1_i64);
    let r = m
        .watch(
            WatchRequest::key("k").after(1),
            clock.now_nanos(),
            Box::new(|_| {}),
        )
        .unwrap();
    assert_eq!(
        r,
        WatchStart::Ready(WatchResponse {
            changes: vec![],
            revision: 1
        })
    );
    assert_eq!(m.stats().parked_watchers, 0);
}

#[test]
fn expire_completes_only_the_expired_in_deadline_order() {
    let (clock, m) = manager();
    let order = Arc::new(Mutex::new(Vec::new()));
    let now = clock.now_nanos();
    for i in (0..100_u64).rev() {
        let order = order.clone();
        let cb: WatchCallback = Box::new(move |o| {
            assert!(matches!(o, WatchOutcome::TimedOut(_)));
            order.lock().unwrap().push(i);
        });
        m.watch(WatchRequest::key("k"), now + (i + 1) * MS, cb)
            .unwrap();
    }
    assert_eq!(m.expire(now + 50 * MS), 50);
    assert_eq!(*order.lock().unwrap(), (0..50).collect::<Vec<_>>());
    assert_eq!(m.stats().parked_watchers, 50);
    assert_eq!(m.next_deadline(), Some(now + 51 * MS));
}

#[test]
fn a_thousand_parked_watchers_each_get_exactly_one_callback() {
    let (clock, m) = manager();
    let counts: Arc<Vec<AtomicUsize>> = Arc::new((0..1_000).map(|_| AtomicUsize::new(0)).collect());
    for i in 0..1_000 {
        let counts = counts.clone();
        let target = match i % 3 {
            0 => WatchRequest::key("svc.timeout_ms"),
            1 => WatchRequest::prefix("svc."),
            _ => WatchRequest::prefix(""),
        };
        let deadline = clock.now_nanos() + (1 + i as u64) * MS;
        let cb: WatchCallback = Box::new(move |o| {
            assert!(matches!(o, WatchOutcome::Changes(_)));
            counts[i].fetch_add(1, Ordering::SeqCst);
        });
        assert!(matches!(
            m.watch(target, deadline, cb).unwrap(),
            WatchStart::Parked(_)
        ));
    }
    assert_eq!(m.stats().parked_watchers, 1_000);
    set(&m, "svc.timeout_ms", 250_i64);
    assert!(counts.iter().all(|c| c.load(Ordering::SeqCst) == 1));
    assert_eq!(m.stats().parked_watchers, 0);
    assert_eq!(m.next_deadline(), None, "the deadline index is emptied too");
    set(&m, "svc.timeout_ms", 300_i64);
    assert_eq!(m.expire(u64::MAX), 0);
    assert!(counts.iter().all(|c| c.load(Ordering::SeqCst) == 1));
}

#[test]
fn cancel_completes_a_watch_once() {
    let (_, m) = manager();
    let (seen, id) = park(&m, WatchRequest::key("k"));
    let (others, _) = park(&m, WatchRequest::key("k"));
    let (third, _) = park(&m, WatchRequest::prefix(""));
    assert!(m.cancel(id));
    assert!(!m.cancel(id));
    assert!(!m.cancel(WatchId(999)));
    assert_eq!(outcomes(&seen), [WatchOutcome::Cancelled]);
    assert_eq!(WatchOutcome::Cancelled.into_response(), None);
    set(&m, "k", 1_i64);
    assert_eq!(outcomes(&seen).len(), 1);
    assert_eq!(outcomes(&others).len(), 1);
    let (fourth, _) = park(&m, WatchRequest::key("k").after(1));
    assert_eq!(m.cancel_all(), 1);
    assert_eq!(outcomes(&fourth), [WatchOutcome::Cancelled]);
    assert_eq!(outcomes(&third).len(), 1);
}

#[test]
fn parked_watches_are_bounded() {
    let (_, m) = manager_with(
        Schema::empty(),
        ConfigOptions {
            max_watchers: 3,
            ..ConfigOptions::default()
        },
    );
    for _ in 0..3 {
        park(&m, WatchRequest::key("k"));
    }
    let called = Arc::new(AtomicUsize::new(0));
    let c = called.clone();
    let err = m
        .watch(
            WatchRequest::key("k"),
            far(&m),
            Box::new(move |_| {
                c.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap_err();
    assert_eq!(err, ConfigError::TooManyWatchers { limit: 3 });
    assert_eq!((err.code(), err.retryable()), (8, true));
    // Answering needs no slot: a replay still works when full.
    set(&m, "k", 1_i64);
    assert_eq!(m.stats().parked_watchers, 0);
    park(&m, WatchRequest::key("k").after(1));
    assert_eq!(
        called.load(Ordering::SeqCst),
        0,
        "a refused watch's callback is dropped"
    );
}

#[test]
fn keys_are_bounded() {
    let (_, m) = manager_with(
        Schema::empty(),
        ConfigOptions {
            max_keys: 3,
            ..ConfigOptions::default()
        },
    );
    for k in ["a", "b", "c"] {
        set(&m, k, 1_i64);
    }
    let err = m.set(SetRequest::new("d", 1_i64)).unwrap_err();
    assert_eq!(err, ConfigError::TooManyKeys { limit: 3 });
    assert_eq!(err.code(), 8);
    set(&m, "a", 2_i64); // updates need no room
    m.delete(DeleteRequest::new("b")).unwrap();
    set(&m, "d", 1_i64);
    assert_eq!(m.stats().keys, 3);
    // Rollback must not create past the bound either.
    assert_eq!(
        m.rollback("b", 3, "").unwrap_err(),
        ConfigError::TooManyKeys { limit: 3 }
    );
}

#[test]
fn watch_arguments_are_checked() {
    let (_, m) = manager();
    let cb = || -> WatchCallback { Box::new(|_| {}) };
    let req = WatchRequest::prefix("").events(WatchEvents::from_bits(0));
    assert!(matches!(
        m.watch(req, far(&m), cb()),
        Err(ConfigError::InvalidArgument(_))
    ));
    let req = WatchRequest::prefix("").max_changes(0);
    assert!(matches!(
        m.watch(req, far(&m), cb()),
        Err(ConfigError::InvalidArgument(_))
    ));
    let req = WatchRequest::key("");
    assert!(matches!(
        m.watch(req, far(&m), cb()),
        Err(ConfigError::InvalidKey { .. })
    ));
    assert_eq!(WatchEvents::from_bits(0xff), WatchEvents::ALL);
    assert_eq!(WatchEvents::PUT | WatchEvents::DELETE, WatchEvents::ALL);
}

#[test]
fn callbacks_run_outside_the_lock_and_may_call_back_in() {
    let (_, m) = manager();
    let m = Arc::new(m);
    let rewatched = Arc::new(Mutex::new(None));
    let (m2, slot) = (m.clone(), rewatched.clone());
    let cb: WatchCallback = Box::new(move |o| {
        let WatchOutcome::Changes(r) = o else {
            panic!()
        };
        // Re-reading and re-watching from inside the callback must not deadlock.
        assert!(m2.get_one("k").is_some());
        let (seen, cb) = recorder();
        let start = m2.watch(WatchRequest::key("k").after(r.revision), far(&m2), cb);
        *slot.lock().unwrap() = Some((start.unwrap(), seen));
    });
    m.watch(WatchRequest::key("k"), far(&m), cb).unwrap();
    set(&m, "k", 1_i64);
    let (start, seen) = rewatched.lock().unwrap().take().unwrap();
    assert!(matches!(start, WatchStart::Parked(_)));
    set(&m, "k", 2_i64);
    assert_eq!(outcomes(&seen).len(), 1);
}

#[test]
fn a_panicking_callback_does_not_rob_the_others() {
    let (_, m) = manager();
    m.watch(
        WatchRequest::key("k"),
        far(&m),
        Box::new(|_| panic!("callback bug")),
    )
    .unwrap();
    let (seen, _) = park(&m, WatchRequest::key("k"));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| set(&m, "k", 1_i64)));
    assert!(result.is_err(), "the panic is not swallowed");
    assert_eq!(outcomes(&seen).len(), 1);
    assert_eq!(m.revision(), 1, "the write was committed");
    set(&m, "k", 2_i64); // the manager still works
}

#[test]
fn the_manager_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ConfigurationManager>();
}

// ---- snapshots ----

fn populated() -> (Arc<ManualClock>, ConfigurationManager) {
    let (clock, m) = manager_with(Schema::empty(), small(4));
    set(&m, "a", 1_i64);
    set(&m, "b", "x");
    set(&m, "a", 2_i64);
    m.delete(DeleteRequest::new("b")).unwrap();
    set(&m, "c", true);
    set(&m, "a", 3.5);
    (clock, m)
}

#[test]
fn a_snapshot_hands_the_whole_store_to_a_new_manager() {
    let (clock, old) = populated();
    let snap = old.export();
    assert_eq!((snap.revision, snap.compacted_revision), (6, 2));
    assert_eq!(snap.entries.len(), 2);
    assert_eq!(revisions(&snap.history), [3, 4, 5, 6]);
    let new =
        ConfigurationManager::from_snapshot(Schema::empty(), small(4), clock.clone(), snap.clone())
            .unwrap();
    assert_eq!(new.export(), snap);
    assert_eq!(new.stats(), old.stats());
    // The revision continues, replay and rollback work across the hand-over.
    assert_eq!(set(&new, "d", 0_i64).entry.mod_revision, 7);
    assert_eq!(
        revisions(&ready(&new, WatchRequest::prefix("").after(4)).changes),
        [5, 6, 7]
    );
    let c = new.rollback("b", 3, "").unwrap().change.unwrap();
    assert_eq!(c.entry.value, ConfigValue::from("x"));
    // A smaller retention compacts the imported history.
    let tight =
        ConfigurationManager::from_snapshot(Schema::empty(), small(1), clock, snap).unwrap();
    assert_eq!(tight.stats().compacted_revision, 5);
}

#[test]
fn a_snapshot_without_history_imports_as_fully_compacted() {
    let (clock, old) = populated();
    let mut snap = old.export();
    snap.history.clear();
    snap.compacted_revision = snap.revision;
    let new = ConfigurationManager::from_snapshot(Schema::empty(), small(4), clock, snap).unwrap();
    assert!(matches!(
        new.watch(WatchRequest::prefix(""), far(&new), Box::new(|_| {})),
        Err(ConfigError::Compacted { .. })
    ));
    assert_eq!(new.get_one("a").unwrap().value, ConfigValue::Double(3.5));
}

#[test]
fn import_cancels_parked_watches() {
    let (_, m) = populated();
    let snap = m.export();
    let (seen, _) = park(&m, WatchRequest::prefix("").after(6));
    m.import(snap).unwrap();
    assert_eq!(outcomes(&seen), [WatchOutcome::Cancelled]);
}

#[test]
fn inconsistent_or_invalid_snapshots_are_refused_and_change_nothing() {
    let (_, m) = populated();
    let good = m.export();
    let mut cases: Vec<(ConfigSnapshot, &str)> = Vec::new();

    let mut s = good.clone();
    s.compacted_revision = 7;
    cases.push((s, "after revision"));
    let mut s = good.clone();
    s.history.remove(1);
    cases.push((s, "changes retained"));
    let mut s = good.clone();
    s.history.swap(0, 1);
    cases.push((s, "has revision"));
    let mut s = good.clone();
    s.entries[0].value = ConfigValue::Int(99);
    cases.push((s, "disagrees with its entry"));
    let mut s = good.clone();
    s.entries.push(s.entries[0].clone());
    cases.push((s, "appears twice"));
    let mut s = good.clone();
    s.entries[0].mod_revision = 9;
    cases.push((s, "impossible"));
    let mut s = good.clone();
    s.history.pop();
    s.revision -= 1;
    cases.push((s, "impossible"));

    for (snap, want) in cases {
        let err = m.import(snap).unwrap_err();
        assert!(matches!(err, ConfigError::InvalidSnapshot(_)), "{err}");
        assert!(
            err.to_string().contains(want),
            "{err} should contain {want:?}"
        );
    }
    assert_eq!(m.export(), good);

    // A new schema that the old state breaks refuses the hand-over.
    let (_, strict_m) = manager_with(
        Schema::new([RuleSpec::key("a").of_type(ValueType::Int)]).unwrap(),
        ConfigOptions::default(),
    );
    assert!(matches!(
        strict_m.import(good.clone()),
        Err(ConfigError::Violation(_))
    ));
    // So do bounds it passes.
    let (_, tiny) = manager_with(
        Schema::empty(),
        ConfigOptions {
            max_keys: 1,
            ..ConfigOptions::default()
        },
    );
    assert!(matches!(
        tiny.import(good),
        Err(ConfigError::InvalidSnapshot(_))
    ));
    assert_eq!(tiny.revision(), 0);
}

#[test]
fn options_are_checked() {
    let bad = ConfigOptions {
        max_keys: 0,
        ..ConfigOptions::default()
    };
    assert!(ConfigurationManager::new(Schema::empty(), bad, ManualClock::at(0)).is_err());
}
