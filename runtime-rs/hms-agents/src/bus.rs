//! The `hms.bus.MessageBus` agent (idl/message_bus.fbs): the agent library's one message bus
//! (`rust_agent::bus()`, `hms_core::bus::MessageBus`, where every `RustAgent` has its mailbox),
//! reached from outside in batches, so one crossing of the ABI moves many `hms.AgentMessage`s.
//! Every MessageBus agent is a view of that bus: mailboxes are the library's, not an agent's.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use hms_contracts::agent::error;
use hms_contracts::hms::bus::{
    CloseMailboxRequest, MailboxStats, MessageBus, OpenMailboxRequest, ReceiveBatchRequest,
    ReceiveBatchResponse, SendBatchRequest, SendBatchResponse, SendStatus, StatsRequest,
    StatsResponse,
};
use hms_contracts::hms::{
    Ack, AgentError, AgentMessage, ErrorCode, HealthCheck, HealthStatus, MessageMetadata, Priority,
};
use hms_core::bus as core;

use crate::rust_agent::{bus, AgentCore, Param, ParamValue, RustAgent};

/// Type name of this agent (its registration in `lib.rs`).
pub const TYPE_NAME: &str = "message-bus";

/// The MessageBus agent.
pub type BusAgent = RustAgent<BusCore>;

/// A view of the library's bus (it has no state of its own).
#[derive(Debug)]
pub struct BusCore;

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn bus_error(e: &core::BusError) -> AgentError {
    error(ErrorCode(e.error_code()), e.to_string())
}

fn status_of(e: &core::BusError) -> SendStatus {
    match e {
        core::BusError::UnknownMailbox => SendStatus::UNKNOWN_MAILBOX,
        core::BusError::MailboxClosed => SendStatus::MAILBOX_CLOSED,
        core::BusError::Full { .. } => SendStatus::FULL,
        core::BusError::TooLarge { .. } => SendStatus::TOO_LARGE,
        core::BusError::InvalidArgument(_) => SendStatus::INVALID,
    }
}

impl BusCore {
    /// A view of the library's bus; the configuration bytes are ignored.
    pub fn create(_config: &[u8]) -> Result<BusAgent, AgentError> {
        Ok(RustAgent::new(Self))
    }
}

/// The bus message of an envelope, its TTL counted from now; `None` if it has already expired
/// (the contract counts a TTL from the message's timestamp, the bus from acceptance).
fn to_core(recipient: String, m: AgentMessage, now_ms: u64) -> Option<core::Message> {
    let meta = m.metadata.map(|b| *b).unwrap_or_default();
    let ttl_ms = if meta.ttl_ms == 0 {
        0
    } else if meta.timestamp == 0 {
        meta.ttl_ms
    } else {
        let deadline = meta.timestamp.saturating_add(u64::from(meta.ttl_ms));
        match deadline.checked_sub(now_ms) {
            Some(0) | None => return None,
            Some(left) => u32::try_from(left).unwrap_or(u32::MAX),
        }
    };
    Some(core::Message {
        id: m.id,
        recipient,
        sender: meta.sender.unwrap_or_default(),
        msg_type: m.type_,
        priority: core::Priority::from_value(meta.priority.0).unwrap_or_default(),
        timestamp_ms: if meta.timestamp == 0 {
            now_ms
        } else {
            meta.timestamp
        },
        ttl_ms,
        correlation_id: meta.correlation_id.unwrap_or_default(),
        payload: m.payload.unwrap_or_default(),
    })
}

fn to_wire(m: core::Message) -> AgentMessage {
    AgentMessage {
        id: m.id,
        type_: m.msg_type,
        payload: Some(m.payload),
        metadata: Some(Box::new(MessageMetadata {
            timestamp: m.timestamp_ms,
            sender: Some(m.sender).filter(|s| !s.is_empty()),
            priority: Priority(m.priority.value()),
            // The TTL as sent: from the message's timestamp.
            ttl_ms: m.ttl_ms,
            correlation_id: Some(m.correlation_id).filter(|c| !c.is_empty()),
        })),
    }
}

fn stats_to_wire(s: &core::MailboxStats) -> MailboxStats {
    let c = &s.counters;
    MailboxStats {
        name: s.name.clone(),
        depth: u32::try_from(c.depth).unwrap_or(u32::MAX),
        accepted: c.accepted,
        delivered: c.delivered,
        expired: c.expired,
        discarded: c.discarded,
        rejected_full: c.rejected_full_messages + c.rejected_full_bytes,
        rejected_closed: c.rejected_closed,
    }
}

impl AgentCore for BusCore {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const STATE_VERSION: u32 = 1;

    fn parameters(&self) -> Vec<Param> {
        Vec::new()
    }

    fn apply(&self, _values: &BTreeMap<&'static str, ParamValue>) -> Result<(), AgentError> {
        Ok(())
    }

    /// Nothing: the mailboxes are the library's and outlive any MessageBus agent.
    fn export_state(&self) -> Vec<u8> {
        Vec::new()
    }

    fn import_state(&self, _state: &[u8]) -> Result<(), AgentError> {
        Ok(())
    }

    fn status(&self) -> (HealthStatus, Vec<HealthCheck>, String) {
        let s = bus().stats();
        (
            HealthStatus::HEALTHY,
            Vec::new(),
            format!(
                "{} mailboxes ({} open), {} messages waiting",
                s.mailboxes, s.open_mailboxes, s.totals.depth
            ),
        )
    }
}

crate::rust_agent!(BusCore);

impl MessageBus for BusAgent {
    fn open_mailbox(&self, req: OpenMailboxRequest) -> Result<Ack, AgentError> {
        self.call(|| {
            let limits = core::MailboxLimits {
                max_messages: usize::try_from(req.max_messages).unwrap_or(usize::MAX),
                max_bytes: usize::try_from(req.max_bytes).unwrap_or(usize::MAX),
            };
            bus()
                .open_mailbox(&req.name, limits)
                .map_err(|e| bus_error(&e))?;
            Ok(Ack {
                ok: true,
                message: None,
            })
        })
    }

    fn close_mailbox(&self, req: CloseMailboxRequest) -> Result<Ack, AgentError> {
        self.call(|| {
            let discarded = bus().close_mailbox(&req.name).map_err(|e| bus_error(&e))?;
            Ok(Ack {
                ok: true,
                message: (discarded > 0).then(|| format!("{discarded} waiting messages discarded")),
            })
        })
    }

    fn send_batch(&self, req: SendBatchRequest) -> Result<SendBatchResponse, AgentError> {
        self.call(|| {
            let now = epoch_ms();
            let envelopes = req.messages.unwrap_or_default();
            let mut statuses = vec![SendStatus::ACCEPTED; envelopes.len()];
            // The messages the bus gets, and where each one's status goes.
            let mut batch = Vec::with_capacity(envelopes.len());
            let mut slots = Vec::with_capacity(envelopes.len());
            for (i, e) in envelopes.into_iter().enumerate() {
                if e.recipient.is_empty() {
                    statuses[i] = SendStatus::INVALID;
                    continue;
                }
                match to_core(e.recipient, *e.message, now) {
                    Some(m) => {
                        batch.push(m);
                        slots.push(i);
                    }
                    None => statuses[i] = SendStatus::EXPIRED,
                }
            }
            let mut accepted = 0u32;
            for (slot, result) in slots.into_iter().zip(bus().send_batch(batch)) {
                match result {
                    Ok(()) => accepted += 1,
                    Err(e) => statuses[slot] = status_of(&e),
                }
            }
            Ok(SendBatchResponse {
                statuses: Some(statuses),
                accepted,
            })
        })
    }

    fn receive_batch(&self, req: ReceiveBatchRequest) -> Result<ReceiveBatchResponse, AgentError> {
        self.call(|| {
            let messages = bus()
                .receive_batch(
                    &req.mailbox,
                    usize::try_from(req.max_messages).unwrap_or(usize::MAX),
                    usize::try_from(req.max_bytes).unwrap_or(usize::MAX),
                )
                .map_err(|e| bus_error(&e))?;
            let remaining = bus()
                .mailbox_stats(&req.mailbox)
                .map_or(0, |s| u32::try_from(s.counters.depth).unwrap_or(u32::MAX));
            Ok(ReceiveBatchResponse {
                messages: Some(messages.into_iter().map(to_wire).collect()),
                remaining,
            })
        })
    }

    fn get_stats(&self, req: StatsRequest) -> Result<StatsResponse, AgentError> {
        self.call(|| {
            let mailboxes = match req.mailbox.filter(|m| !m.is_empty()) {
                Some(name) => vec![bus().mailbox_stats(&name).map_err(|e| bus_error(&e))?],
                None => bus().all_mailbox_stats(),
            };
            Ok(StatsResponse {
                mailboxes: Some(mailboxes.iter().map(stats_to_wire).collect()),
            })
        })
    }
}
