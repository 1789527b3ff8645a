//! Generational handles: what crosses the ABI instead of pointers to agents.
//!
//! A handle is `generation << 20 | (index + 1)`: the slot index in the low 20
//! bits (so 0 is never a valid handle) and the slot's generation above it,
//! kept below 2^53 so JavaScript holds handles as plain numbers. Removing an
//! entry bumps its slot's generation, so an old handle never matches the
//! entry that later reuses the slot.

use std::sync::{Arc, RwLock};

const INDEX_BITS: u32 = 20;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
/// Generations wrap below 2^32, so a handle stays below 2^52.
const GENERATION_MASK: u64 = 0xffff_ffff;

/// Most live entries a table holds (the index field's capacity, minus the 0 handle).
pub const MAX_ENTRIES: usize = (1 << INDEX_BITS) - 1;

#[derive(Debug)]
struct Slot<T> {
    generation: u64,
    value: Option<Arc<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
}

/// A thread-safe table of shared values addressed by generational handles.
#[derive(Debug)]
pub struct HandleTable<T> {
    inner: RwLock<Inner<T>>,
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a handle was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleError {
    /// The table is full ([`MAX_ENTRIES`] live entries).
    Full,
}

impl<T> HandleTable<T> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            inner: RwLock::new(Inner {
                slots: Vec::new(),
                free: Vec::new(),
            }),
        }
    }

    fn lock_write(&self) -> std::sync::RwLockWriteGuard<'_, Inner<T>> {
        // A panic while holding the lock cannot leave the table inconsistent
        // (every mutation is a single assignment), so poisoning is ignored.
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_read(&self) -> std::sync::RwLockReadGuard<'_, Inner<T>> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores `value` and returns its handle.
    pub fn insert(&self, value: T) -> Result<u64, HandleError> {
        let mut inner = self.lock_write();
        let index = match inner.free.pop() {
            Some(i) => i,
            None => {
                if inner.slots.len() >= MAX_ENTRIES {
                    return Err(HandleError::Full);
                }
                inner.slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                inner.slots.len() - 1
            }
        };
        let slot = &mut inner.slots[index];
        slot.value = Some(Arc::new(value));
        Ok(encode(index, slot.generation))
    }

    /// The value behind `handle`, if the handle is current.
    #[must_use]
    pub fn get(&self, handle: u64) -> Option<Arc<T>> {
        let (index, generation) = decode(handle)?;
        let inner = self.lock_read();
        let slot = inner.slots.get(index)?;
        if slot.generation != generation {
            return None;
        }
        slot.value.clone()
    }

    /// Removes the value behind `handle`; `None` if the handle is not current.
    /// Calls already running on the value keep it alive until they return.
    pub fn remove(&self, handle: u64) -> Option<Arc<T>> {
        let (index, generation) = decode(handle)?;
        let mut inner = self.lock_write();
        let slot = inner.slots.get_mut(index)?;
        if slot.generation != generation {
            return None;
        }
        let value = slot.value.take()?;
        slot.generation = (slot.generation + 1) & GENERATION_MASK;
        inner.free.push(index);
        Some(value)
    }

    /// Number of live entries.
    #[must_use]
    pub fn len(&self) -> usize {
        let inner = self.lock_read();
        inner.slots.len() - inner.free.len()
    }

    /// True when no entry is live.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn encode(index: usize, generation: u64) -> u64 {
    (generation << INDEX_BITS) | (index as u64 + 1)
}

fn decode(handle: u64) -> Option<(usize, u64)> {
    let low = handle & INDEX_MASK;
    if low == 0 || handle >> (INDEX_BITS + 32) != 0 {
        return None;
    }
    Some(((low - 1) as usize, handle >> INDEX_BITS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_values_are_found_by_their_handle() {
        let t = HandleTable::new();
        let a = t.insert("a").unwrap();
        let b = t.insert("b").unwrap();
        assert_ne!(a, b);
        assert_eq!(*t.get(a).unwrap(), "a");
        assert_eq!(*t.get(b).unwrap(), "b");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn zero_and_garbage_handles_are_refused() {
        let t = HandleTable::new();
        t.insert(1).unwrap();
        assert!(t.get(0).is_none());
        assert!(t.get(u64::MAX).is_none());
        assert!(t.get(1 << 60).is_none());
        assert!(t.get(5).is_none(), "index past the end");
    }

    #[test]
    fn a_removed_handle_stays_dead_when_its_slot_is_reused() {
        let t = HandleTable::new();
        let old = t.insert("old").unwrap();
        assert_eq!(*t.remove(old).unwrap(), "old");
        assert!(t.get(old).is_none());
        assert!(t.remove(old).is_none(), "double destroy");
        let new = t.insert("new").unwrap();
        assert_ne!(old, new, "same slot, new generation");
        assert_eq!(old & INDEX_MASK, new & INDEX_MASK);
        assert!(t.get(old).is_none());
        assert_eq!(*t.get(new).unwrap(), "new");
    }

    #[test]
    fn handles_fit_in_a_javascript_number() {
        let t = HandleTable::new();
        let mut h = t.insert(0u8).unwrap();
        for _ in 0..1000 {
            t.remove(h).unwrap();
            h = t.insert(0u8).unwrap();
        }
        assert!(h < (1 << 53));
    }

    #[test]
    fn a_call_in_progress_keeps_its_value_after_remove() {
        let t = HandleTable::new();
        let h = t.insert(String::from("agent")).unwrap();
        let running = t.get(h).unwrap();
        t.remove(h).unwrap();
        assert_eq!(running.as_str(), "agent");
        assert!(t.is_empty());
    }
}
