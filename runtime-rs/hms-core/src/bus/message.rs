//! What the bus carries: [`Message`] (the envelope of `hms.AgentMessage` plus its recipient) and
//! [`Priority`] (`hms.Priority`).

/// Delivery priority of a message, as `hms.Priority` in `idl/hms/common.fbs` (`enum : byte`).
/// Higher values are delivered first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Priority {
    /// Background traffic (metrics flushes, log shipping).
    Low = 0,
    /// Ordinary requests and events; the default, as in the IDL.
    #[default]
    Normal = 1,
    /// Latency-sensitive control traffic (heartbeats, breaker transitions).
    High = 2,
    /// Recovery and consensus traffic.
    Critical = 3,
}

impl Priority {
    /// Every priority, lowest first (the order of their wire values).
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Critical,
    ];

    /// The wire value (`hms.Priority` is a `byte`).
    #[must_use]
    pub const fn value(self) -> i8 {
        self as i8
    }

    /// The priority with wire value `value`, or `None` for a value this schema does not know.
    #[must_use]
    pub const fn from_value(value: i8) -> Option<Self> {
        match value {
            0 => Some(Priority::Low),
            1 => Some(Priority::Normal),
            2 => Some(Priority::High),
            3 => Some(Priority::Critical),
            _ => None,
        }
    }

    /// Index of the priority's queue in a mailbox.
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// One message on the bus: the fields of `hms.AgentMessage` and its `MessageMetadata`, plus
/// the recipient's mailbox name. The bus never interprets `msg_type` or `payload` (when served,
/// the payload is the FlatBuffer of the agent's request or event) and treats `id`,
/// `timestamp_ms` and `correlation_id` as opaque: only `recipient`, `priority` and `ttl_ms`
/// steer delivery.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// Unique message id (`AgentMessage.id`, e.g. a ULID). Carried, not de-duplicated.
    pub id: String,
    /// Name of the mailbox the message is sent to (an agent id).
    pub recipient: String,
    /// Agent id of the sender (`MessageMetadata.sender`).
    pub sender: String,
    /// Fully qualified payload type (`AgentMessage.type`), e.g. `"hms.health.HeartbeatRequest"`.
    pub msg_type: String,
    /// Delivery priority (`MessageMetadata.priority`).
    pub priority: Priority,
    /// Creation time, Unix epoch milliseconds (`MessageMetadata.timestamp`). Carried, not
    /// interpreted: TTLs run on the bus's monotonic clock from acceptance (see [`Self::ttl_ms`]).
    pub timestamp_ms: u64,
    /// Time to live in milliseconds, counted from the moment the bus accepts the message
    /// (`MessageMetadata.ttl_ms`); 0 = never expires.
    pub ttl_ms: u32,
    /// Id of the message this one answers or was caused by (`MessageMetadata.correlation_id`).
    pub correlation_id: String,
    /// The serialized payload (`AgentMessage.payload`), opaque to the bus.
    pub payload: Vec<u8>,
}

impl Message {
    /// A message of type `msg_type` for `recipient`, with Normal priority and no TTL.
    #[must_use]
    pub fn new(
        recipient: impl Into<String>,
        msg_type: impl Into<String>,
        payload: Vec<u8>,
    ) -> Self {
        Self {
            recipient: recipient.into(),
            msg_type: msg_type.into(),
            payload,
            ..Self::default()
        }
    }

    /// This message with priority `priority`.
    #[must_use]
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// This message with a TTL of `ttl_ms` milliseconds (0 = never expires).
    #[must_use]
    pub fn with_ttl_ms(mut self, ttl_ms: u32) -> Self {
        self.ttl_ms = ttl_ms;
        self
    }

    /// This message with sender `sender`.
    #[must_use]
    pub fn with_sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = sender.into();
        self
    }

    /// This message with id `id`.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The bytes this message occupies against a mailbox's byte limit: the lengths of its
    /// variable-size fields (id, recipient, sender, type, correlation id and payload). The fixed
    /// per-message overhead is bounded by the message limit instead.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        self.id.len()
            + self.recipient.len()
            + self.sender.len()
            + self.msg_type.len()
            + self.correlation_id.len()
            + self.payload.len()
    }
}
