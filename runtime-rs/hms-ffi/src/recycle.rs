//! A small, bounded, lock-free cache of reusable values (the agent library keeps its response
//! builders in one): a call takes a value, uses it, and gives it back, so the steady state
//! allocates nothing. Any thread may take or give; when every slot is full a given-back value is
//! dropped, when every slot is empty `take` returns `None` and the caller makes a new one.
//!
//! A `static` recycler has no destructor (a hot-loadable library must not rely on one): what it
//! holds when the library is retired is freed by [`Recycler::clear`], which the agent library
//! exports as `hms_release_caches`.

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Up to `N` boxed values of type `T`, each slot an atomic pointer (null when empty).
pub struct Recycler<T, const N: usize> {
    slots: [AtomicPtr<T>; N],
}

impl<T, const N: usize> Recycler<T, N> {
    /// An empty recycler (usable in a `static`).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            slots: [const { AtomicPtr::new(ptr::null_mut()) }; N],
        }
    }

    /// A cached value, if any slot holds one.
    pub fn take(&self) -> Option<Box<T>> {
        for slot in &self.slots {
            // Cheap check first: a load instead of a swap on the (usual) empty slots.
            if slot.load(Ordering::Relaxed).is_null() {
                continue;
            }
            let p = slot.swap(ptr::null_mut(), Ordering::Acquire);
            if !p.is_null() {
                // SAFETY: every non-null pointer in a slot came from `Box::into_raw` in `give`,
                // and the swap moved it out of the slot, so this is its only owner.
                return Some(unsafe { Box::from_raw(p) });
            }
        }
        None
    }

    /// Keeps `value` for a later `take`; drops it when every slot is full.
    pub fn give(&self, value: Box<T>) {
        let p = Box::into_raw(value);
        for slot in &self.slots {
            if slot
                .compare_exchange(ptr::null_mut(), p, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
        // SAFETY: `p` came from `Box::into_raw` above and was not stored in any slot.
        drop(unsafe { Box::from_raw(p) });
    }

    /// Drops every cached value; returns how many there were.
    pub fn clear(&self) -> usize {
        let mut n = 0;
        while let Some(v) = self.take() {
            drop(v);
            n += 1;
        }
        n
    }
}

impl<T, const N: usize> Default for Recycler<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: the recycler moves owned `T`s between threads (give on one, take on another), which
// is sound exactly when `T: Send`; it never hands out shared references to a `T`.
unsafe impl<T: Send, const N: usize> Sync for Recycler<T, N> {}
// SAFETY: as above: owning the recycler means owning the `T`s in it.
unsafe impl<T: Send, const N: usize> Send for Recycler<T, N> {}

impl<T, const N: usize> std::fmt::Debug for Recycler<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self
            .slots
            .iter()
            .filter(|s| !s.load(Ordering::Relaxed).is_null())
            .count();
        f.debug_struct("Recycler")
            .field("held", &held)
            .field("slots", &N)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn values_come_back_and_the_overflow_is_dropped() {
        let r: Recycler<Vec<u8>, 2> = Recycler::new();
        assert!(r.take().is_none());
        r.give(Box::new(vec![1]));
        r.give(Box::new(vec![2]));
        r.give(Box::new(vec![3])); // no room: dropped
        let mut got = vec![*r.take().unwrap(), *r.take().unwrap()];
        got.sort();
        assert_eq!(got, vec![vec![1], vec![2]]);
        assert!(r.take().is_none());
    }

    #[test]
    fn clear_drops_what_is_held() {
        let r: Recycler<String, 4> = Recycler::new();
        r.give(Box::new("a".into()));
        r.give(Box::new("b".into()));
        assert_eq!(r.clear(), 2);
        assert_eq!(r.clear(), 0);
    }

    #[test]
    fn many_threads_take_and_give_without_losing_or_duplicating() {
        // Each value is an Arc; after the run the strong counts show every clone accounted for.
        let token = Arc::new(());
        let r: Arc<Recycler<Arc<()>, 3>> = Arc::new(Recycler::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (r, token) = (Arc::clone(&r), Arc::clone(&token));
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        let v = r.take().unwrap_or_else(|| Box::new(Arc::clone(&token)));
                        r.give(v);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let held = r.clear();
        assert!(held <= 3);
        assert_eq!(Arc::strong_count(&token), 1);
    }
}
