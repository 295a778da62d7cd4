//! What the SAML endpoints tell an observer about every message that reaches them (R-VEN-3):
//! vendor mode keeps each Response, LogoutRequest and LogoutResponse with its report, accepted
//! or not, and the SP's refusal then points at that report.
//!
//! The observer is told after the SP has answered for itself: it sees the message as received,
//! the configuration it was judged against and the SP's own outcome, and cannot change any of
//! them. An SP without an observer (the default) does exactly what it does with one.

use super::acs::{AcsError, Finding};
use crate::domain::{AccountId, ExecutionMode};
use crate::store::saml::SamlConfig;
use chrono::{DateTime, Utc};

/// Which message arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Response,
    LogoutRequest,
    LogoutResponse,
}

/// How it arrived (saml-bindings §3.4, §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Binding {
    #[serde(rename = "HTTP-POST")]
    Post,
    #[serde(rename = "HTTP-Redirect")]
    Redirect,
}

/// One message as the SP received and answered it.
#[derive(Debug)]
pub struct Received<'a> {
    pub account: &'a AccountId,
    pub mode: ExecutionMode,
    pub kind: Kind,
    pub binding: Binding,
    /// A Response as posted (base64), so a report runs the ACS's checks on the very value.
    pub encoded: Option<&'a str>,
    /// The decoded XML, when it decoded.
    pub xml: Option<&'a str>,
    /// The mode's configuration, when there is one.
    pub config: Option<&'a SamlConfig>,
    /// The SP endpoint it reached (the ACS or logout URL of the mode).
    pub endpoint: &'a str,
    pub at: DateTime<Utc>,
    /// Every rule of the message, as the SP's own checks judge it in report mode (run only
    /// when an observer is set); empty when there was no configuration to judge it against.
    pub findings: Vec<Finding>,
    /// `None`: accepted.
    pub refusal: Option<&'a AcsError>,
}

/// Told of every SAML message the SP receives.
pub trait Observer: Send + Sync + std::fmt::Debug {
    /// Where the message's report can be read, when the observer keeps one.
    fn received(&self, message: &Received<'_>) -> Option<String>;
}
