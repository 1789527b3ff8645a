//! Bounded storage for metric samples.
//!
//! [`RingBuffer`] is a fixed-capacity FIFO: the backing storage is allocated once, at construction,
//! so [`RingBuffer::push`] is O(1) in the worst case (no reallocation) and, once full, overwrites
//! the oldest element. [`SeriesStore`] keeps one ring of [`Sample`]s per (agent, metric) pair plus a
//! caller-defined per-series state (the monitor keeps the detector there), under the bounds of
//! [`SeriesLimits`]. Past a bound it returns [`HealthError::TooManyAgents`] or
//! [`HealthError::TooManySeries`] instead of growing, so the samples' memory never exceeds
//! [`SeriesLimits::max_sample_bytes`].

use std::collections::BTreeMap;

use super::HealthError;

/// A fixed-capacity ring buffer; pushing into a full buffer overwrites (and returns) the oldest
/// element.
#[derive(Debug, Clone)]
pub struct RingBuffer<T> {
    buf: Vec<T>,
    capacity: usize,
    /// Index of the oldest element once the buffer is full (0 until then).
    head: usize,
    pushed: u64,
}

impl<T> RingBuffer<T> {
    /// An empty buffer holding at most `capacity` elements, allocated up front.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 (a ring that can hold nothing is a configuration error; the configs that
    /// feed this constructor reject 0 first).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a ring buffer needs a capacity of at least 1");
        Self {
            buf: Vec::with_capacity(capacity),
            capacity,
            head: 0,
            pushed: 0,
        }
    }

    /// Appends `value` as the newest element; returns the element it overwrote, if the buffer was
    /// full. O(1).
    pub fn push(&mut self, value: T) -> Option<T> {
        self.pushed += 1;
        if self.buf.len() < self.capacity {
            self.buf.push(value);
            None
        } else {
            let old = std::mem::replace(&mut self.buf[self.head], value);
            self.head = (self.head + 1) % self.capacity;
            Some(old)
        }
    }

    /// Number of elements held (at most [`RingBuffer::capacity`]).
    #[must_use]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True if nothing was pushed yet (or after [`RingBuffer::clear`]).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// True if the next push overwrites the oldest element.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.buf.len() == self.capacity
    }

    /// The fixed capacity.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Elements pushed since construction, overwritten ones included.
    #[must_use]
    pub fn total_pushed(&self) -> u64 {
        self.pushed
    }

    /// Elements lost to overwriting since construction.
    #[must_use]
    pub fn overwritten(&self) -> u64 {
        self.pushed - self.buf.len() as u64
    }

    /// The `i`-th element, 0 being the oldest held.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.buf.len() {
            return None;
        }
        Some(&self.buf[(self.head + i) % self.buf.len()])
    }

    /// The newest element.
    #[must_use]
    pub fn newest(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The oldest element still held.
    #[must_use]
    pub fn oldest(&self) -> Option<&T> {
        self.get(0)
    }

    /// The elements from oldest to newest (`.rev()` for newest first).
    pub fn iter(&self) -> std::iter::Chain<std::slice::Iter<'_, T>, std::slice::Iter<'_, T>> {
        // Until the buffer is full `head` is 0, so `newer` is empty and `older` is everything.
        let (newer, older) = self.buf.split_at(self.head);
        older.iter().chain(newer.iter())
    }

    /// Drops every element, keeping the allocation and the push counter.
    pub fn clear(&mut self) {
        self.pushed -= self.buf.len() as u64;
        self.buf.clear();
        self.head = 0;
    }
}

/// One observation of a metric: when it was recorded (monitor clock) and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Monitor clock time of the observation, nanoseconds.
    pub at_nanos: u64,
    /// Observed value.
    pub value: f64,
}

/// The bounds of a [`SeriesStore`] (and of the [`super::HealthMonitor`] that owns one).
///
/// Worst-case memory of the samples is `max_agents × max_series_per_agent × series_capacity ×
/// 16 bytes` ([`SeriesLimits::max_sample_bytes`]): 64 MiB with the defaults (16 MiB if agents
/// send only the 4 built-in signals), plus the per-series state (an EWMA or CUSUM detector is a
/// few dozen bytes; a MAD detector adds 16 bytes per window slot, 1 KiB with the default window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesLimits {
    /// Most agents with series (and, in the monitor, most registered agents). Default 4096.
    pub max_agents: usize,
    /// Most distinct metrics per agent. Default 16 (a heartbeat carries at most 4 built-in signals).
    pub max_series_per_agent: usize,
    /// Samples kept per series; older ones are overwritten. Default 64.
    pub series_capacity: usize,
    /// Longest agent id or metric name accepted, in bytes. Default 128.
    pub max_name_len: usize,
}

impl Default for SeriesLimits {
    fn default() -> Self {
        Self {
            max_agents: 4096,
            max_series_per_agent: 16,
            series_capacity: 64,
            max_name_len: 128,
        }
    }
}

impl SeriesLimits {
    /// Rejects zero bounds.
    ///
    /// # Errors
    ///
    /// [`HealthError::InvalidArgument`] naming the first zero field.
    pub fn validate(&self) -> Result<(), HealthError> {
        for (name, v) in [
            ("max_agents", self.max_agents),
            ("max_series_per_agent", self.max_series_per_agent),
            ("series_capacity", self.series_capacity),
            ("max_name_len", self.max_name_len),
        ] {
            if v == 0 {
                return Err(HealthError::InvalidArgument(format!("{name} must be > 0")));
            }
        }
        Ok(())
    }

    /// Upper bound on the bytes the stored samples can occupy.
    #[must_use]
    pub fn max_sample_bytes(&self) -> usize {
        self.max_agents
            .saturating_mul(self.max_series_per_agent)
            .saturating_mul(self.series_capacity)
            .saturating_mul(std::mem::size_of::<Sample>())
    }

    /// Checks an agent id or metric name: non-empty and at most `max_name_len` bytes.
    ///
    /// # Errors
    ///
    /// [`HealthError::InvalidArgument`] if it is empty or too long.
    pub fn check_name(&self, what: &str, name: &str) -> Result<(), HealthError> {
        if name.is_empty() {
            return Err(HealthError::InvalidArgument(format!("{what} is empty")));
        }
        if name.len() > self.max_name_len {
            return Err(HealthError::InvalidArgument(format!(
                "{what} is {} bytes long; at most {} are accepted",
                name.len(),
                self.max_name_len
            )));
        }
        Ok(())
    }
}

/// One metric's samples plus a caller-defined state `X` (the monitor keeps a detector there).
#[derive(Debug, Clone)]
pub struct Series<X = ()> {
    samples: RingBuffer<Sample>,
    state: X,
}

impl<X> Series<X> {
    /// Records a sample; returns the one it overwrote, if the series was full. O(1).
    pub fn push(&mut self, sample: Sample) -> Option<Sample> {
        self.samples.push(sample)
    }

    /// The samples held, oldest first.
    #[must_use]
    pub fn samples(&self) -> &RingBuffer<Sample> {
        &self.samples
    }

    /// The newest sample.
    #[must_use]
    pub fn latest(&self) -> Option<Sample> {
        self.samples.newest().copied()
    }

    /// The per-series state.
    #[must_use]
    pub fn state(&self) -> &X {
        &self.state
    }

    /// The per-series state, mutably.
    pub fn state_mut(&mut self) -> &mut X {
        &mut self.state
    }
}

/// Per-agent, per-metric series under hard bounds ([`SeriesLimits`]). Agents and metrics are kept
/// in sorted maps, so iteration order is deterministic.
#[derive(Debug, Clone)]
pub struct SeriesStore<X = ()> {
    limits: SeriesLimits,
    agents: BTreeMap<String, BTreeMap<String, Series<X>>>,
    series_total: usize,
}

impl<X> SeriesStore<X> {
    /// An empty store.
    ///
    /// # Errors
    ///
    /// [`HealthError::InvalidArgument`] if a limit is 0.
    pub fn new(limits: SeriesLimits) -> Result<Self, HealthError> {
        limits.validate()?;
        Ok(Self {
            limits,
            agents: BTreeMap::new(),
            series_total: 0,
        })
    }

    /// The bounds this store enforces.
    #[must_use]
    pub fn limits(&self) -> &SeriesLimits {
        &self.limits
    }

    /// The series of `agent`/`metric`, created (with state `init()`) if absent.
    ///
    /// # Errors
    ///
    /// - [`HealthError::InvalidArgument`] for an empty or over-long agent id or metric name;
    /// - [`HealthError::TooManyAgents`] if `agent` is new and `max_agents` agents have series;
    /// - [`HealthError::TooManySeries`] if `metric` is new and the agent has
    ///   `max_series_per_agent` series.
    ///
    /// Nothing is created when an error is returned.
    pub fn series_or_insert_with(
        &mut self,
        agent: &str,
        metric: &str,
        init: impl FnOnce() -> X,
    ) -> Result<&mut Series<X>, HealthError> {
        if !self.agents.contains_key(agent) {
            self.limits.check_name("agent id", agent)?;
            self.limits.check_name("metric name", metric)?;
            if self.agents.len() >= self.limits.max_agents {
                return Err(HealthError::TooManyAgents {
                    limit: self.limits.max_agents,
                });
            }
            self.agents.insert(agent.to_owned(), BTreeMap::new());
        }
        let metrics = self
            .agents
            .get_mut(agent)
            .expect("the agent's entry exists: it was found or just inserted");
        if !metrics.contains_key(metric) {
            self.limits.check_name("metric name", metric)?;
            if metrics.len() >= self.limits.max_series_per_agent {
                return Err(HealthError::TooManySeries {
                    agent_id: agent.to_owned(),
                    limit: self.limits.max_series_per_agent,
                });
            }
            metrics.insert(
                metric.to_owned(),
                Series {
                    samples: RingBuffer::new(self.limits.series_capacity),
                    state: init(),
                },
            );
            self.series_total += 1;
        }
        Ok(metrics
            .get_mut(metric)
            .expect("the series exists: it was found or just inserted"))
    }

    /// Records `sample` in `agent`/`metric`, creating the series with a default state if absent.
    ///
    /// # Errors
    ///
    /// As [`SeriesStore::series_or_insert_with`].
    pub fn push(&mut self, agent: &str, metric: &str, sample: Sample) -> Result<(), HealthError>
    where
        X: Default,
    {
        self.series_or_insert_with(agent, metric, X::default)?
            .push(sample);
        Ok(())
    }

    /// The series of `agent`/`metric`, if it exists.
    #[must_use]
    pub fn get(&self, agent: &str, metric: &str) -> Option<&Series<X>> {
        self.agents.get(agent)?.get(metric)
    }

    /// The series of `agent`/`metric`, mutably, if it exists.
    pub fn get_mut(&mut self, agent: &str, metric: &str) -> Option<&mut Series<X>> {
        self.agents.get_mut(agent)?.get_mut(metric)
    }

    /// The series of `agent`, sorted by metric name (empty if it has none).
    pub fn agent_series(&self, agent: &str) -> impl Iterator<Item = (&str, &Series<X>)> + '_ {
        self.agents
            .get(agent)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// Drops every series of `agent`; returns false if it had none.
    pub fn remove_agent(&mut self, agent: &str) -> bool {
        match self.agents.remove(agent) {
            Some(metrics) => {
                self.series_total -= metrics.len();
                true
            }
            None => false,
        }
    }

    /// Number of agents with at least one series.
    #[must_use]
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// Number of series over all agents.
    #[must_use]
    pub fn series_count(&self) -> usize {
        self.series_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_buffer_overwrites_the_oldest_once_full() {
        let mut r = RingBuffer::new(3);
        assert!(r.is_empty());
        assert_eq!(r.push(1), None);
        assert_eq!(r.push(2), None);
        assert_eq!(r.push(3), None);
        assert!(r.is_full());
        assert_eq!(r.push(4), Some(1));
        assert_eq!(r.push(5), Some(2));
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(r.iter().rev().copied().collect::<Vec<_>>(), [5, 4, 3]);
        assert_eq!(
            (r.oldest(), r.newest(), r.get(1), r.get(3)),
            (Some(&3), Some(&5), Some(&4), None)
        );
        assert_eq!(
            (r.len(), r.capacity(), r.total_pushed(), r.overwritten()),
            (3, 3, 5, 2)
        );
        r.clear();
        assert!(r.is_empty());
        r.push(9);
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), [9]);
    }

    #[test]
    fn a_ring_buffer_never_grows_past_its_capacity() {
        let mut r = RingBuffer::new(7);
        let cap_before = r.buf.capacity();
        for i in 0..10_000 {
            r.push(i);
        }
        assert_eq!(r.len(), 7);
        assert_eq!(
            r.buf.capacity(),
            cap_before,
            "no reallocation after construction"
        );
        assert_eq!(
            r.iter().copied().collect::<Vec<_>>(),
            (9_993..10_000).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_store_enforces_its_agent_and_series_bounds() {
        let limits = SeriesLimits {
            max_agents: 2,
            max_series_per_agent: 3,
            series_capacity: 4,
            max_name_len: 8,
        };
        let mut s: SeriesStore = SeriesStore::new(limits).unwrap();
        let at = |i: u64| Sample {
            at_nanos: i,
            #[allow(clippy::cast_precision_loss)]
            value: i as f64,
        };
        for i in 0..100 {
            for m in ["a", "b", "c"] {
                s.push("x", m, at(i)).unwrap();
            }
        }
        assert_eq!(
            s.get("x", "a").unwrap().samples().len(),
            4,
            "series capacity holds"
        );
        assert_eq!(s.get("x", "a").unwrap().latest().unwrap().value, 99.0);
        assert_eq!(
            s.push("x", "d", at(0)),
            Err(HealthError::TooManySeries {
                agent_id: "x".into(),
                limit: 3
            })
        );
        s.push("y", "a", at(0)).unwrap();
        assert_eq!(
            s.push("z", "a", at(0)),
            Err(HealthError::TooManyAgents { limit: 2 })
        );
        assert_eq!((s.agent_count(), s.series_count()), (2, 4));
        assert!(matches!(
            s.push("y", "much-too-long", at(0)),
            Err(HealthError::InvalidArgument(_))
        ));
        assert!(matches!(
            s.push("", "a", at(0)),
            Err(HealthError::InvalidArgument(_))
        ));
        assert!(s.remove_agent("x"));
        assert!(!s.remove_agent("x"));
        assert_eq!((s.agent_count(), s.series_count()), (1, 1));
        s.push("z", "a", at(0)).unwrap();
        assert_eq!(
            s.agent_series("y").map(|(m, _)| m).collect::<Vec<_>>(),
            ["a"]
        );
        assert_eq!(limits.max_sample_bytes(), 2 * 3 * 4 * 16);
    }

    #[test]
    fn zero_limits_are_rejected() {
        let limits = SeriesLimits {
            series_capacity: 0,
            ..SeriesLimits::default()
        };
        assert!(matches!(
            SeriesStore::<()>::new(limits),
            Err(HealthError::InvalidArgument(_))
        ));
    }
}
