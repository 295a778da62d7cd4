//! Named faults a test enqueues to make the next Response (or, for the `logout_*` ones, the next
//! logout message) wrong in one precise way. The default IdP is correct and strict; each fault
//! breaks exactly the rule its name says.

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
    /// The signed NameID starts with a space: `" b.simon@…"`.
    NameIdLeadingSpace,
    /// The signed NameID ends with a space.
    NameIdTrailingSpace,
    /// The signed NameID starts with a tab.
    NameIdLeadingTab,
    /// The signed NameID ends with a line feed.
    NameIdTrailingNewline,
    /// The signed NameID ends with a carriage return (written `&#13;`, so it survives parsing).
    NameIdTrailingCr,
    /// The signed NameID ends with a no-break space (U+00A0).
    NameIdNbsp,
    /// The signed NameID has a zero-width space (U+200B) before the `@`.
    NameIdZeroWidthSpace,
    /// The signed NameID ends with NEL (U+0085), a C1 control character legal in XML.
    NameIdNel,
    /// A comment inside the NameID: `b.simon@contoso.com<!---->.evil.example`. The signed value
    /// is the whole text; an SP reading only the first text node sees b.simon.
    NameIdCommentSuffix,
    /// A second NameID (root@contoso.com) right after the first.
    TwoNameIds,
    /// An EncryptedID beside the NameID.
    NameIdAndEncryptedId,
    /// A BaseID beside the NameID.
    NameIdAndBaseId,
    /// A NameID (root@contoso.com) inside the bearer SubjectConfirmation too.
    ConfirmationNameId,
    /// The NameID moved from the Subject into the bearer SubjectConfirmation: the Subject's only
    /// identifier sits where a lenient SP would not look for it.
    NameIdOnlyInConfirmation,
    /// The NameID's SPNameQualifier names another SP.
    SpNameQualifierOther,
    /// The NameID's NameQualifier names another IdP.
    NameQualifierOther,
    /// Not a fault: the NameID carries NameQualifier = this IdP and SPNameQualifier = the app.
    NameIdQualified,
    /// The Response's Issuer has the unspecified Format instead of the entity format.
    ResponseIssuerFormat,
    /// The Assertion's Issuer has the emailAddress Format instead of the entity format.
    AssertionIssuerFormat,
    /// The Response was issued 24 hours ago (the Assertion now).
    ResponseIssuedADayAgo,
    /// The Response is dated 24 hours ahead.
    ResponseIssuedADayAhead,
    /// The Assertion was issued 24 hours ago.
    AssertionIssuedADayAgo,
    /// The Assertion is dated 24 hours ahead.
    AssertionIssuedADayAhead,
    /// The AuthnStatement's SessionNotOnOrAfter is a minute in the past.
    SessionEnded,
    /// Not a fault: SessionNotOnOrAfter five minutes from now.
    SessionEndsSoon,
    /// The signed message is sent with `<?xml … encoding="UTF-7"?>` in front.
    EncodingUtf7,
    /// … with `encoding="UTF-16"`.
    EncodingUtf16,
    /// … with `encoding="ISO-8859-1"`.
    EncodingLatin1,
    /// Not a fault: `<?xml version="1.0" encoding="UTF-8"?>` in front.
    EncodingUtf8Declared,
    /// The next logout message (LogoutResponse or IdP-initiated LogoutRequest) goes unsigned.
    LogoutUnsigned,
    /// The next logout message is signed, then its signature is corrupted.
    LogoutBadSignature,
    /// An IdP-initiated LogoutRequest by POST, itself unsigned, that carries in its Extensions a
    /// correctly signed copy of itself under another ID: the signature is real, but not over
    /// the message the SP acts on (signature wrapping).
    LogoutSignatureWrapped,
    /// Only the Response's Issuer is another IdP (the Assertion's is right).
    ResponseIssuerWrong,
    /// Only the Assertion's Issuer is another IdP.
    AssertionIssuerWrong,
    /// Only the Conditions ended an hour ago (SubjectConfirmationData is valid).
    ConditionsExpired,
    /// Only the bearer SubjectConfirmationData's NotOnOrAfter is an hour past.
    ConfirmationExpired,
    /// Only the Response's InResponseTo names a request the SP never sent.
    ResponseInResponseToWrong,
    /// Only the SubjectConfirmationData's InResponseTo names a request the SP never sent.
    ConfirmationInResponseToWrong,
    /// The assertion has no AuthnStatement (signed that way).
    NoAuthnStatement,
    /// The signed assertion is moved, unchanged, into the Response's `<Extensions>`.
    AssertionInExtensions,
    /// Conditions NotBefore 121 s ahead: one second past the SP's 120 s skew.
    NotYetValidPastSkew,
    /// Not a fault: Conditions NotBefore exactly 120 s ahead, the skew's edge (still valid).
    NotYetValidWithinSkew,
    /// Conditions NotOnOrAfter 120 s ago: the skew's edge, already past (the end is exclusive).
    ConditionsExpiredPastSkew,
    /// Not a fault: Conditions NotOnOrAfter 119 s ago, inside the skew.
    ConditionsExpiredWithinSkew,
    /// SubjectConfirmationData NotOnOrAfter 120 s ago: past the skew.
    ConfirmationExpiredPastSkew,
    /// Not a fault: SubjectConfirmationData NotOnOrAfter 119 s ago, inside the skew.
    ConfirmationExpiredWithinSkew,
    /// The next LogoutResponse's Issuer is another IdP.
    LogoutIssuerWrong,
    /// The next LogoutResponse says Requester instead of Success.
    LogoutStatusError,
    /// The next LogoutResponse's Destination is another SP's logout URL.
    LogoutDestinationWrong,
    /// The next IdP-initiated LogoutRequest names the user by an EncryptedID instead of a
    /// NameID (saml-core §3.7.1 allows it; an SP that decrypts nothing must refuse, not guess).
    LogoutRequestEncryptedId,
    /// The Response's IssueInstant is 121 s ahead: one second past the skew.
    ResponseIssuedPastSkew,
    /// Not a fault: the Response's IssueInstant is exactly 120 s ahead, the skew's edge.
    ResponseIssuedWithinSkew,
    /// The Response was issued 12 min 1 s ago: past the request lifetime (10 min) and the skew.
    ResponseIssuedStale,
    /// Not a fault: the Response was issued exactly 12 min ago, the edge (still fresh).
    ResponseIssuedAlmostStale,
}

impl Fault {
    pub const ALL: [Fault; 67] = [
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
        Self::NameIdLeadingSpace,
        Self::NameIdTrailingSpace,
        Self::NameIdLeadingTab,
        Self::NameIdTrailingNewline,
        Self::NameIdTrailingCr,
        Self::NameIdNbsp,
        Self::NameIdZeroWidthSpace,
        Self::NameIdNel,
        Self::NameIdCommentSuffix,
        Self::TwoNameIds,
        Self::NameIdAndEncryptedId,
        Self::NameIdAndBaseId,
        Self::ConfirmationNameId,
        Self::NameIdOnlyInConfirmation,
        Self::SpNameQualifierOther,
        Self::NameQualifierOther,
        Self::NameIdQualified,
        Self::ResponseIssuerFormat,
        Self::AssertionIssuerFormat,
        Self::ResponseIssuedADayAgo,
        Self::ResponseIssuedADayAhead,
        Self::AssertionIssuedADayAgo,
        Self::AssertionIssuedADayAhead,
        Self::SessionEnded,
        Self::SessionEndsSoon,
        Self::EncodingUtf7,
        Self::EncodingUtf16,
        Self::EncodingLatin1,
        Self::EncodingUtf8Declared,
        Self::LogoutUnsigned,
        Self::LogoutBadSignature,
        Self::LogoutSignatureWrapped,
        Self::ResponseIssuerWrong,
        Self::AssertionIssuerWrong,
        Self::ConditionsExpired,
        Self::ConfirmationExpired,
        Self::ResponseInResponseToWrong,
        Self::ConfirmationInResponseToWrong,
        Self::NoAuthnStatement,
        Self::AssertionInExtensions,
        Self::NotYetValidPastSkew,
        Self::NotYetValidWithinSkew,
        Self::ConditionsExpiredPastSkew,
        Self::ConditionsExpiredWithinSkew,
        Self::ConfirmationExpiredPastSkew,
        Self::ConfirmationExpiredWithinSkew,
        Self::LogoutIssuerWrong,
        Self::LogoutStatusError,
        Self::LogoutDestinationWrong,
        Self::LogoutRequestEncryptedId,
        Self::ResponseIssuedPastSkew,
        Self::ResponseIssuedWithinSkew,
        Self::ResponseIssuedStale,
        Self::ResponseIssuedAlmostStale,
    ];

    /// Whether the fault is for a logout message (LogoutResponse or IdP-initiated
    /// LogoutRequest) rather than a Response.
    pub fn is_logout(self) -> bool {
        matches!(
            self,
            Self::LogoutUnsigned
                | Self::LogoutBadSignature
                | Self::LogoutSignatureWrapped
                | Self::LogoutIssuerWrong
                | Self::LogoutStatusError
                | Self::LogoutDestinationWrong
                | Self::LogoutRequestEncryptedId
        )
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Fault;

    /// A fault new in `ALL` lands in the right queue: the logout ones are exactly those named
    /// `logout_*`.
    #[test]
    fn logout_faults_are_the_logout_named_ones() {
        for fault in Fault::ALL {
            let name = serde_json::to_value(fault).unwrap();
            let name = name.as_str().unwrap();
            assert_eq!(fault.is_logout(), name.starts_with("logout_"), "{name}");
        }
    }
}
