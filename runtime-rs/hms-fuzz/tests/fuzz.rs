//! The verifier and readers of the generated contracts fuzzed (src/lib.rs says how): every root
//! type of idl/ and every FFI request type, from its seed in seeds/ (scripts/gen-fuzz-seeds.ts;
//! `every_seeded_type_is_fuzzed` keeps this list and seeds/types.txt the same).
//!
//! Mutated buffers per type: 1,000,000 in a release build (scripts/test runs this test with
//! `--release`), 20,000 in a debug one (`cargo test --workspace`); `HMS_FUZZ_BUFFERS` sets it,
//! `HMS_FUZZ_SEED` the PRNG seed. scripts/bench-fuzz runs more and prints the figures.

use hms_contracts::hms;
use hms_fuzz::{buffers_per_type, fuzz, rng_seed, Subject};

/// The default number of mutated buffers per type (see the module docs).
fn default_buffers() -> u64 {
    if cfg!(debug_assertions) {
        20_000
    } else {
        1_000_000
    }
}

/// The seed of `T` from seeds/.
fn seed<T: Subject>() -> Vec<u8> {
    let path = format!("{}/seeds/{}.bin", env!("CARGO_MANIFEST_DIR"), T::NAME);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/gen-fuzz-seeds.ts)"))
}

fn run<T: Subject>() {
    let report = fuzz::<T>(
        &seed::<T>(),
        buffers_per_type(default_buffers()),
        rng_seed(),
    );
    println!("{report}");
    assert!(
        report.accepted > 0,
        "{}: no mutated buffer verified",
        T::NAME
    );
}

macro_rules! fuzz_tests {
    ($($test:ident: $owned:ty,)*) => {
        $(#[test]
        fn $test() {
            run::<$owned>();
        })*

        /// The schema names of the fuzzed types, in this file's order.
        const FUZZED: &[&str] = &[$(<$owned as Subject>::NAME),*];
    };
}

fuzz_tests! {
    agent_message: hms::AgentMessage,
    empty: hms::Empty,
    breaker_acquire_request: hms::breaker::AcquireRequest,
    breaker_breaker_status: hms::breaker::BreakerStatus,
    breaker_configure_breaker_request: hms::breaker::ConfigureBreakerRequest,
    breaker_get_state_request: hms::breaker::GetStateRequest,
    breaker_record_outcome_request: hms::breaker::RecordOutcomeRequest,
    breaker_reset_request: hms::breaker::ResetRequest,
    bus_close_mailbox_request: hms::bus::CloseMailboxRequest,
    bus_open_mailbox_request: hms::bus::OpenMailboxRequest,
    bus_receive_batch_request: hms::bus::ReceiveBatchRequest,
    bus_send_batch_request: hms::bus::SendBatchRequest,
    bus_send_columns_request: hms::bus::SendColumnsRequest,
    bus_stats_request: hms::bus::StatsRequest,
    config_config_snapshot: hms::config::ConfigSnapshot,
    config_delete_config_request: hms::config::DeleteConfigRequest,
    config_get_config_request: hms::config::GetConfigRequest,
    config_set_config_request: hms::config::SetConfigRequest,
    config_watch_config_request: hms::config::WatchConfigRequest,
    consensus_append_entries_request: hms::consensus::AppendEntriesRequest,
    consensus_persistent_state: hms::consensus::PersistentState,
    consensus_propose_request: hms::consensus::ProposeRequest,
    consensus_request_vote_request: hms::consensus::RequestVoteRequest,
    control_agent_state: hms::control::AgentState,
    control_evolve_request: hms::control::EvolveRequest,
    control_fault_injection: hms::control::FaultInjection,
    genetic_configure_request: hms::genetic::ConfigureRequest,
    genetic_evolution_checkpoint: hms::genetic::EvolutionCheckpoint,
    genetic_evolve_request: hms::genetic::EvolveRequest,
    genetic_get_best_request: hms::genetic::GetBestRequest,
    genetic_get_history_request: hms::genetic::GetHistoryRequest,
    health_deregister_agent_request: hms::health::DeregisterAgentRequest,
    health_get_health_request: hms::health::GetHealthRequest,
    health_health_snapshot: hms::health::HealthSnapshot,
    health_heartbeat_request: hms::health::HeartbeatRequest,
    health_list_unhealthy_request: hms::health::ListUnhealthyRequest,
    health_register_agent_request: hms::health::RegisterAgentRequest,
    metrics_export_request: hms::metrics::ExportRequest,
    metrics_list_metrics_request: hms::metrics::ListMetricsRequest,
    metrics_metric_batch: hms::metrics::MetricBatch,
    metrics_query_summary_request: hms::metrics::QuerySummaryRequest,
    metrics_record_batch_request: hms::metrics::RecordBatchRequest,
    metrics_record_sample_request: hms::metrics::RecordSampleRequest,
    recovery_get_plan_request: hms::recovery::GetPlanRequest,
    recovery_plan_recovery_request: hms::recovery::PlanRecoveryRequest,
    recovery_recovery_plan: hms::recovery::RecoveryPlan,
    recovery_report_outcome_request: hms::recovery::ReportOutcomeRequest,
    recovery_set_policy_request: hms::recovery::SetPolicyRequest,
}

#[test]
fn every_seeded_type_is_fuzzed() {
    let listed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/types.txt"))
        .expect("seeds/types.txt");
    let listed: Vec<&str> = listed.lines().collect();
    assert_eq!(
        listed, FUZZED,
        "seeds/types.txt and this file's list differ"
    );
}
