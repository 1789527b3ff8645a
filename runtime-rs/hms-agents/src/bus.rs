//! The `hms.bus.MessageBus` agent (idl/message_bus.fbs): the agent library's one message bus
//! (`rust_agent::bus()`, `hms_core::bus::MessageBus`, where every `RustAgent` has its mailbox),
//! reached from outside in batches, so one crossing of the ABI moves many `hms.AgentMessage`s.
//! Every MessageBus agent is a view of that bus: mailboxes are the library's, not an agent's.

use std::collections::BTreeMap;

use hms_contracts::agent::error;
use hms_contracts::hms::bus::{
    CloseMailboxRequest, MailboxStats, MessageBus, MessageColumns, OpenMailboxRequest,
    ReceiveBatchRequest, ReceiveBatchResponse, SendBatchRequest, SendBatchResponse,
    SendColumnsRequest, SendStatus, StatsRequest, StatsResponse,
};
use hms_contracts::hms::{
    Ack, AgentError, AgentMessage, ErrorCode, HealthCheck, HealthStatus, MessageMetadata, Priority,
};
use hms_core::bus as core;

use crate::rust_agent::{bus, epoch_ms, AgentCore, Param, ParamValue, RustAgent};

/// Type name of this agent (its registration in `lib.rs`).
pub const TYPE_NAME: &str = "message-bus";

/// The MessageBus agent.
pub type BusAgent = RustAgent<BusCore>;

/// A view of the library's bus (it has no state of its own).
#[derive(Debug)]
pub struct BusCore;

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

/// A message's TTL as the bus counts it (from acceptance), from the contract's (from the
/// message's timestamp; 0 = never expires); `None` if it has already expired.
fn remaining_ttl(timestamp_ms: u64, ttl_ms: u32, now_ms: u64) -> Option<u32> {
    if ttl_ms == 0 {
        return Some(0);
    }
    if timestamp_ms == 0 {
        return Some(ttl_ms);
    }
    let deadline = timestamp_ms.saturating_add(u64::from(ttl_ms));
    match deadline.checked_sub(now_ms) {
        Some(0) | None => None,
        Some(left) => Some(u32::try_from(left).unwrap_or(u32::MAX)),
    }
}

/// The bus message of an envelope; `None` if it has already expired.
fn to_core(recipient: String, m: AgentMessage, now_ms: u64) -> Option<core::Message> {
    let meta = m.metadata.map(|b| *b).unwrap_or_default();
    Some(core::Message {
        ttl_ms: remaining_ttl(meta.timestamp, meta.ttl_ms, now_ms)?,
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
        correlation_id: meta.correlation_id.unwrap_or_default(),
        payload: m.payload.unwrap_or_default(),
    })
}

/// A column: empty (its default for every message) or one entry per message (else its length).
fn column<T>(v: Option<Vec<T>>, n: usize) -> Result<Option<Vec<T>>, usize> {
    match v {
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.len() == n => Ok(Some(v)),
        Some(v) => Err(v.len()),
        None => Ok(None),
    }
}

/// Every message of a column group (`None` for one already expired), or why the group is
/// malformed (an InvalidArgument naming the group and the column).
fn unpack(
    c: MessageColumns,
    group: usize,
    now_ms: u64,
) -> Result<Vec<Option<core::Message>>, AgentError> {
    let ids = c.ids.unwrap_or_default();
    let n = ids.len();
    let recipient = c.recipient;
    let bad = |what: &str, len: usize| {
        error(
            ErrorCode::INVALID_ARGUMENT,
            format!("batch {group} ({recipient}): {what} has {len} entries for {n} messages"),
        )
    };
    let types = c.types.unwrap_or_default();
    if types.len() != n {
        return Err(bad("types", types.len()));
    }
    let ends = c.payload_ends.unwrap_or_default();
    let payloads = c.payloads.unwrap_or_default();
    if !(ends.is_empty() && payloads.is_empty()) && ends.len() != n {
        return Err(bad("payload_ends", ends.len()));
    }
    let senders = column(c.senders, n).map_err(|l| bad("senders", l))?;
    let correlations = column(c.correlation_ids, n).map_err(|l| bad("correlation_ids", l))?;
    let priorities = column(c.priorities, n).map_err(|l| bad("priorities", l))?;
    let timestamps = column(c.timestamps, n).map_err(|l| bad("timestamps", l))?;
    let ttls = column(c.ttls_ms, n).map_err(|l| bad("ttls_ms", l))?;
    let mut senders = senders.map(Vec::into_iter);
    let mut correlations = correlations.map(Vec::into_iter);
    let mut out = Vec::with_capacity(n);
    let mut start = 0usize;
    for (i, (id, msg_type)) in ids.into_iter().zip(types).enumerate() {
        let end = ends.get(i).map_or(0, |&e| e as usize);
        if end < start || end > payloads.len() {
            return Err(error(
                ErrorCode::INVALID_ARGUMENT,
                format!(
                    "batch {group} ({recipient}): payload_ends[{i}] = {end} is out of order or past the {} payload bytes",
                    payloads.len()
                ),
            ));
        }
        let payload = payloads[start..end].to_vec();
        start = end;
        let timestamp = timestamps.as_ref().map_or(0, |t| t[i]);
        let ttl = ttls.as_ref().map_or(0, |t| t[i]);
        let sender = senders
            .as_mut()
            .and_then(Iterator::next)
            .unwrap_or_default();
        let correlation_id = correlations
            .as_mut()
            .and_then(Iterator::next)
            .unwrap_or_default();
        out.push(remaining_ttl(timestamp, ttl, now_ms).map(|ttl_ms| {
            core::Message {
                id,
                recipient: recipient.clone(),
                sender,
                msg_type,
                priority: priorities
                    .as_ref()
                    .and_then(|p| core::Priority::from_value(p[i]))
                    .unwrap_or_default(),
                timestamp_ms: if timestamp == 0 { now_ms } else { timestamp },
                ttl_ms,
                correlation_id,
                payload,
            }
        }));
    }
    Ok(out)
}

/// Sends what can be sent; one status per item, in order.
fn send_all(items: Vec<Result<core::Message, SendStatus>>) -> SendBatchResponse {
    let mut statuses = vec![SendStatus::ACCEPTED; items.len()];
    let mut batch = Vec::with_capacity(items.len());
    let mut slots = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Ok(m) => {
                batch.push(m);
                slots.push(i);
            }
            Err(status) => statuses[i] = status,
        }
    }
    let mut accepted = 0u32;
    for (slot, result) in slots.into_iter().zip(bus().send_batch(batch)) {
        match result {
            Ok(()) => accepted += 1,
            Err(e) => statuses[slot] = status_of(&e),
        }
    }
    SendBatchResponse {
        statuses: Some(statuses),
        accepted,
    }
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
            let items = req
                .messages
                .unwrap_or_default()
                .into_iter()
                .map(|e| {
                    if e.recipient.is_empty() {
                        return Err(SendStatus::INVALID);
                    }
                    to_core(e.recipient, *e.message, now).ok_or(SendStatus::EXPIRED)
                })
                .collect();
            Ok(send_all(items))
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

    fn send_columns(&self, req: SendColumnsRequest) -> Result<SendBatchResponse, AgentError> {
        self.call(|| {
            let now = epoch_ms();
            let mut items = Vec::new();
            // Every group is checked before anything is sent: a malformed one refuses the call.
            for (g, c) in req.batches.unwrap_or_default().into_iter().enumerate() {
                if c.recipient.is_empty() {
                    let n = c.ids.as_ref().map_or(0, Vec::len);
                    items.extend((0..n).map(|_| Err(SendStatus::INVALID)));
                    continue;
                }
                let unpacked = unpack(c, g, now)?;
                items.extend(unpacked.into_iter().map(|m| m.ok_or(SendStatus::EXPIRED)));
            }
            Ok(send_all(items))
        })
    }

    fn receive_columns(&self, req: ReceiveBatchRequest) -> Result<MessageColumns, AgentError> {
        self.call(|| {
            let messages = bus()
                .receive_batch(
                    &req.mailbox,
                    usize::try_from(req.max_messages).unwrap_or(usize::MAX),
                    usize::try_from(req.max_bytes).unwrap_or(usize::MAX),
                )
                .map_err(|e| bus_error(&e))?;
            let n = messages.len();
            let (mut ids, mut types, mut senders, mut correlations) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            let (mut priorities, mut timestamps, mut ttls, mut ends) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            let mut payloads = Vec::new();
            for m in messages {
                payloads.extend_from_slice(&m.payload);
                ends.push(u32::try_from(payloads.len()).unwrap_or(u32::MAX));
                ids.push(m.id);
                types.push(m.msg_type);
                senders.push(m.sender);
                correlations.push(m.correlation_id);
                priorities.push(m.priority.value());
                timestamps.push(m.timestamp_ms);
                ttls.push(m.ttl_ms);
            }
            Ok(MessageColumns {
                recipient: req.mailbox,
                ids: Some(ids),
                types: Some(types),
                senders: Some(senders),
                correlation_ids: Some(correlations),
                priorities: Some(priorities),
                timestamps: Some(timestamps),
                ttls_ms: Some(ttls),
                payload_ends: Some(ends),
                payloads: Some(payloads),
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
