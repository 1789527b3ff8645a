//! The HMS agents implemented in Rust.
//!
//! The generated agent library (`generated/rust/agent-lib`, configured in `hms-gen.json` under
//! `rust.agents`) serves the agents this crate lists in [`agent_factories`], a function every
//! agent crate must provide with exactly this signature:
//!
//! ```
//! fn check(_: fn() -> &'static [hms_contracts::agent::AgentFactory]) {}
//! check(hms_agents::agent_factories);
//! ```
//!
//! Agents implement [`hms_contracts::agent::Agent`] and the service traits of the contracts;
//! no code here touches a raw pointer (the workspace denies `unsafe`).

use hms_contracts::agent::AgentFactory;

pub mod metrics;

static FACTORIES: [AgentFactory; 1] = [AgentFactory {
    type_id: metrics::TYPE_ID,
    name: metrics::TYPE_NAME,
    create: metrics::create,
}];

/// Every agent type of this crate, with its non-zero, unique type id.
#[must_use]
pub fn agent_factories() -> &'static [AgentFactory] {
    &FACTORIES
}
