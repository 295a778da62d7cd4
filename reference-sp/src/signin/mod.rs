//! The sign-in methods, one module each, none importing another (REQUIREMENTS.md R-PW-*,
//! R-SA-*, R-GO-*, R-APPLE-*), and what they share: sessions, the password-hashing pool,
//! ID-token fetching, composite-API triggers.
//!
//! - [`password`]: Login/Password and lockout (R-PW-1..5)
//! - [`session`]: sessions bound to account and mode (R-ACC-6), cookies, the administrator check
//! - [`hashing`]: the bounded argon2id pool (R-PW-1)
//! - [`saml`]: SAML 2.0 SSO and single logout (R-SA-*, R-SG-3); [`saml::acs`] is the pure
//!   Response validation
//! - [`google`]: Google sign-in (R-GO-*)
//! - [`apple`]: Apple ID from the iOS app (R-APPLE-*)
//! - [`oidc`]: provider documents for Google and Apple, on top of `protocol::oidc`
//! - [`provisioning`]: creating unknown users at sign-in, for SAML and Google (R-PROV-*)
//! - [`composite`]: composite-API calls on SAML events (R-CA-*)

pub mod apple;
pub mod composite;
pub mod google;
pub mod hashing;
pub mod oidc;
pub mod password;
pub mod provisioning;
pub mod saml;
pub mod session;
