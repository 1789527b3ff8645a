//! The HMS agents implemented in Rust.
//!
//! The generated agent library (`generated/rust/agent-lib`, configured in `hms-gen.json` under
//! `rust.agents`) serves the agents this crate registers below with `hms_contracts::agents!`,
//! which writes the `agent_factories()` the library calls:
//!
//! ```
//! fn check(_: fn() -> &'static [hms_contracts::agent::AgentFactory]) {}
//! check(hms_agents::agent_factories);
//! ```
//!
//! Agents implement [`hms_contracts::agent::Agent`] and the service traits of the contracts; the
//! registration lists which services each one serves (a listed service it does not implement, or
//! two types with one type id, fail to compile). No code here touches a raw pointer (the workspace
//! denies `unsafe`).
//!
//! Wiring mistakes are build errors, not run-time surprises: a listed service the type does not
//! implement, a type that is not an `Agent`, and two types with one name (hence one type id) each
//! fail to compile at the registration (tests/agent-wiring.test.ts builds each one).

pub mod breaker;
pub mod bus;
pub mod config;
pub mod health;
pub mod metrics;
pub mod recovery;
pub mod rust_agent;

hms_contracts::agents! {
    metrics::MetricsCollectorAgent {
        name: metrics::TYPE_NAME,
        create: metrics::MetricsCollectorAgent::create,
        serves: [metrics_collector],
    },
    breaker::BreakerAgent {
        name: breaker::TYPE_NAME,
        create: breaker::BreakerCore::create,
        serves: [circuit_breaker, agent_control],
    },
    bus::BusAgent {
        name: bus::TYPE_NAME,
        create: bus::BusCore::create,
        serves: [message_bus, agent_control],
    },
    config::ConfigAgent {
        name: config::TYPE_NAME,
        create: config::ConfigCore::create,
        serves: [configuration_manager, agent_control],
    },
    health::HealthAgent {
        name: health::TYPE_NAME,
        create: health::HealthCore::create,
        serves: [health_monitor, agent_control],
    },
    recovery::RecoveryAgent {
        name: recovery::TYPE_NAME,
        create: recovery::RecoveryCore::create,
        serves: [recovery, agent_control],
    },
}
