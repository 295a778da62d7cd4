//! The identifier seam: session IDs, request IDs and every other generated identifier come from
//! an [`IdGenerator`].
//!
//! Identifiers always start with a letter: SAML IDs are `xs:ID` (an NCName) and Entra ID refuses
//! request IDs that begin with a digit (protocols.md §3.2), so one rule serves every use.

use rand::RngCore;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};

/// Source of new identifiers.
pub trait IdGenerator: Send + Sync + Debug {
    /// A new identifier beginning with `prefix` (which must start with a letter or `_`).
    fn new_id(&self, prefix: &str) -> String;
}

/// 256 bits from the operating system's CSPRNG, hex encoded: unguessable, for production.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdGenerator for RandomIds {
    fn new_id(&self, prefix: &str) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let mut id = String::with_capacity(prefix.len() + 64);
        id.push_str(prefix);
        for b in bytes {
            id.push_str(&format!("{b:02x}"));
        }
        id
    }
}

/// `prefix` followed by a zero-padded counter: `s0001`, `s0002`, ... Predictable by design, for
/// tests and snapshots only.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl SequentialIds {
    pub fn new() -> Self {
        Self::starting_at(1)
    }

    pub fn starting_at(first: u64) -> Self {
        Self {
            next: AtomicU64::new(first),
        }
    }
}

impl IdGenerator for SequentialIds {
    fn new_id(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}{n:04}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_long_distinct_and_keep_the_prefix() {
        let a = RandomIds.new_id("id");
        let b = RandomIds.new_id("id");
        assert_ne!(a, b);
        assert!(a.starts_with("id"));
        assert_eq!(a.len(), 2 + 64);
        assert!(a[2..].chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn sequential_ids_count_up() {
        let ids = SequentialIds::new();
        assert_eq!(ids.new_id("s"), "s0001");
        assert_eq!(ids.new_id("s"), "s0002");
        assert_eq!(SequentialIds::starting_at(42).new_id("_"), "_0042");
    }
}
