//! Wire code shared by the reference SP and the mock identity providers; no HTTP servers here.
//!
//! Every source of nondeterminism is a seam injected as `Arc<dyn ...>` (ARCHITECTURE.md,
//! example 1): [`clock::Clock`] for time and [`ids::IdGenerator`] for identifiers, each with a
//! system implementation and a fixed one for byte-exact tests.

pub mod clock;
pub mod fixtures;
pub mod ids;
pub mod keys;
pub mod saml;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{IdGenerator, RandomIds, SequentialIds};
