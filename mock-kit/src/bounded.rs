//! Bounded in-memory state for the mocks (issue 10 item 6): a mock that keeps every request it
//! ever saw grows without limit under load (300 authorize calls with a 60 KB `state` kept 36 MB).
//! Pending requests, codes, sessions and tokens live in a [`BoundedMap`], the message log in a
//! [`BoundedLog`]; both drop their oldest entry when full. The control API's queues (next logins,
//! faults) are a [`BoundedQueue`], which refuses instead: dropping a fault the harness queued
//! would make a scenario test something else than it says. The caps are [`MAX_PENDING`],
//! [`MAX_LOGGED`] and [`MAX_QUEUED`]; a request is at most 16 KiB of URI
//! ([`crate::http::Limits`]) and 64 KiB of body, so a mock's state is bounded by their product.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Entries of each kind of pending state (authorization requests, codes, sessions, tokens).
pub const MAX_PENDING: usize = 10_000;
/// Messages kept in a mock's log for the harness to inspect.
pub const MAX_LOGGED: usize = 1_000;

/// Entries a control-API queue (next logins, faults) holds; no scenario queues more than a few.
pub const MAX_QUEUED: usize = 64;

/// A first-in first-out queue that refuses a push beyond `cap` ([`QueueFull`]).
#[derive(Debug, Clone)]
pub struct BoundedQueue<T> {
    items: VecDeque<T>,
    cap: usize,
}

/// A push onto a full [`BoundedQueue`]; the queue is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull {
    pub cap: usize,
}

impl std::fmt::Display for QueueFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the queue already holds {} entries", self.cap)
    }
}

impl std::error::Error for QueueFull {}

impl<T> Default for BoundedQueue<T> {
    fn default() -> Self {
        Self::with_cap(MAX_QUEUED)
    }
}

impl<T> BoundedQueue<T> {
    pub fn with_cap(cap: usize) -> Self {
        Self {
            items: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, item: T) -> Result<(), QueueFull> {
        if self.items.len() >= self.cap {
            return Err(QueueFull { cap: self.cap });
        }
        self.items.push_back(item);
        Ok(())
    }

    pub fn pop(&mut self) -> Option<T> {
        self.items.pop_front()
    }

    /// The entry [`BoundedQueue::pop`] would return.
    pub fn front(&self) -> Option<&T> {
        self.items.front()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A map that forgets its oldest entry when a new key would exceed `cap`.
#[derive(Debug, Clone)]
pub struct BoundedMap<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: Eq + Hash + Clone, V> Default for BoundedMap<K, V> {
    fn default() -> Self {
        Self::with_cap(MAX_PENDING)
    }
}

impl<K: Eq + Hash + Clone, V> BoundedMap<K, V> {
    pub fn with_cap(cap: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(old) = self.map.insert(key.clone(), value) {
            return Some(old);
        }
        self.order.push_back(key);
        while self.map.len() > self.cap {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.map.remove(&oldest);
                }
                None => break,
            }
        }
        // Keys removed explicitly leave stale entries in `order`; keep it near the map's size.
        if self.order.len() > 2 * self.cap {
            let map = &self.map;
            self.order.retain(|k| map.contains_key(k));
        }
        None
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map.get(key)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map.get_mut(key)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map.remove(key)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map.contains_key(key)
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.map.retain(|k, v| keep(k, v));
    }
}

/// A log that keeps the newest `cap` entries.
#[derive(Debug, Clone)]
pub struct BoundedLog<T> {
    items: VecDeque<T>,
    cap: usize,
}

impl<T> Default for BoundedLog<T> {
    fn default() -> Self {
        Self::with_cap(MAX_LOGGED)
    }
}

impl<T> BoundedLog<T> {
    pub fn with_cap(cap: usize) -> Self {
        Self {
            items: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, item: T) {
        if self.items.len() == self.cap {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.items.iter()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }
}

impl<T: Clone> BoundedLog<T> {
    /// Oldest first.
    pub fn to_vec(&self) -> Vec<T> {
        self.items.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_forgets_its_oldest_entries_beyond_the_cap() {
        let mut m = BoundedMap::with_cap(3);
        for i in 0..10 {
            m.insert(i, i * 10);
        }
        assert_eq!(m.len(), 3);
        assert!(m.get(&6).is_none());
        assert_eq!(m.get(&9), Some(&90));
        // Re-inserting a key neither grows nor reorders beyond the cap.
        m.insert(9, 1);
        assert_eq!(m.len(), 3);
        // Explicit removals do not let the order queue grow without bound.
        for i in 100..1000 {
            m.insert(i, 0);
            m.remove(&i);
        }
        assert!(m.order.len() <= 6, "{}", m.order.len());
    }

    #[test]
    fn the_queue_refuses_beyond_its_cap_and_keeps_what_it_holds() {
        let mut q = BoundedQueue::with_cap(2);
        assert_eq!(q.push(1), Ok(()));
        assert_eq!(q.push(2), Ok(()));
        assert_eq!(q.push(3), Err(QueueFull { cap: 2 }));
        assert_eq!(q.len(), 2);
        assert_eq!(q.front(), Some(&1));
        assert_eq!(q.pop(), Some(1));
        assert_eq!(q.push(3), Ok(()));
        assert_eq!((q.pop(), q.pop(), q.pop()), (Some(2), Some(3), None));
        assert!(q.is_empty());
    }

    #[test]
    fn the_log_keeps_the_newest() {
        let mut log = BoundedLog::with_cap(2);
        for i in 0..5 {
            log.push(i);
        }
        assert_eq!(log.to_vec(), vec![3, 4]);
    }
}
