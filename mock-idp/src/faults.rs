//! Named faults a test enqueues to make the next Response wrong in one precise way. The default
//! IdP is correct and strict; each fault breaks exactly the rule its name says.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Conditions and SubjectConfirmationData ended an hour ago.
    Expired,
    /// Conditions start in an hour.
    NotYetValid,
    /// Audience is another SP.
    WrongAudience,
    /// Response and Assertion Issuer are another IdP.
    WrongIssuer,
    /// Response Destination is another URL.
    WrongDestination,
    /// SubjectConfirmationData Recipient is another URL.
    WrongRecipient,
    /// InResponseTo (Response and SubjectConfirmationData) names a request the SP never sent.
    WrongInResponseTo,
    /// Nothing is signed.
    Unsigned,
    /// Signed with a key the SP does not trust.
    UntrustedKey,
    /// Status Requester, no assertion.
    StatusRequester,
    /// Status Responder, no assertion.
    StatusResponder,
    /// The Subject has no NameID.
    MissingNameId,
    /// NameID in persistent format (the object ID) instead of an email address.
    NameIdPersistent,
}

impl Fault {
    pub const ALL: [Fault; 13] = [
        Self::Expired,
        Self::NotYetValid,
        Self::WrongAudience,
        Self::WrongIssuer,
        Self::WrongDestination,
        Self::WrongRecipient,
        Self::WrongInResponseTo,
        Self::Unsigned,
        Self::UntrustedKey,
        Self::StatusRequester,
        Self::StatusResponder,
        Self::MissingNameId,
        Self::NameIdPersistent,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}
