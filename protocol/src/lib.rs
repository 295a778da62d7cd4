//! Wire code shared by the reference SP and the mock identity providers; no HTTP servers here.
//!
//! Every source of nondeterminism is a seam injected as `Arc<dyn ...>` (ARCHITECTURE.md,
//! example 1): [`clock::Clock`] for time and [`ids::IdGenerator`] for identifiers, each with a
//! system implementation and a fixed one for byte-exact tests.
//!
//! Also: keys and certificates ([`keys`], [`fixtures`]), the SAML 2.0 wire layer ([`saml`]) and
//! JWT helpers for the OpenID Connect providers ([`jwt`]) and the ID-token verification
//! Google and Apple sign-in share ([`oidc`]).

pub mod clock;
pub mod fixtures;
pub mod ids;
pub mod jwt;
pub mod keys;
pub mod oidc;
pub mod saml;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{IdGenerator, RandomIds, SequentialIds};
