//! Named faults a test enqueues to make the next Response (or, for the `logout_*` ones, the next
//! logout message) wrong in one precise way. The default IdP is correct and strict; each fault
//! breaks exactly the rule its name says. [`Fault::info`] is the catalogue (issue 16, item 1):
//! each fault's class, the clause it breaks, the outcome a correct SP gives and where the attack
//! is documented; `harness/tests/fault_catalogue.rs` holds every entry to a scenario.

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
    /// An unsigned copy of the assertion naming root@contoso.com goes before the signed one (XSW3).
    XswEvilAssertionFirst,
    /// The unsigned copy naming root@contoso.com goes after the signed assertion (XSW10).
    XswEvilAssertionLast,
    /// The signed assertion is a child of an unsigned copy naming root@contoso.com (XSW4).
    XswSignedAssertionInsideEvil,
    /// An assertion naming root@contoso.com carries the signature, whose ds:Object holds the signed assertion (XSW8).
    XswSignedAssertionInSignatureObject,
    /// The signed assertion sits in the Advice of an unsigned copy naming root@contoso.com.
    XswSignedAssertionInAdvice,
    /// The IdP signs the Response; the signed Response moves into its Signature's ds:Object and an envelope with an assertion naming root@contoso.com takes its place (XSW1).
    XswResponseWrapped,
    /// The Response takes the signed assertion's ID, so `#ID` names two elements.
    ResponseIdReusedByAssertion,
    /// The IdP signs the Response; its (valid) Signature is moved into the assertion.
    ResponseSignatureInAssertion,
    /// The IdP signs the Response with Reference URI="" (the whole document) instead of `#ID`.
    ReferenceUriEmpty,
    /// The enveloped-signature transform is replaced by an XPath filter that selects the same nodes.
    TransformXpath,
    /// The assertion is signed with RSA-SHA256 over a SHA-1 digest.
    DigestSha1,
    /// The assertion is signed with RSA-SHA1 over a SHA-1 digest (a genuine signature: xmlsec verifies it).
    SignatureRsaSha1,
    /// The assertion is signed with RSA-MD5 over an MD5 digest.
    SignatureRsaMd5,
    /// The assertion is "signed" with HMAC-SHA1 keyed by the IdP's public certificate, which anyone can compute.
    SignatureHmacSha1,
    /// The SignatureValue is emptied after signing.
    SignatureValueEmpty,
    /// After signing, the NameID is changed to root@contoso.com.
    SignedContentTampered,
    /// A processing instruction inside the NameID, signed (exclusive c14n keeps it).
    ProcessingInstructionInNameId,
    /// A DOCTYPE with an internal subset before the signed Response.
    DtdInternalSubset,
    /// A DOCTYPE declaring an external entity, SYSTEM "file:///etc/passwd" (XXE).
    DtdExternalEntity,
    /// A DOCTYPE with nested entities ("billion laughs") referenced in the unsigned envelope.
    DtdEntityExpansion,
    /// A DOCTYPE naming an external DTD on another host.
    DtdExternalSubset,
    /// Destination is the ACS URL with characters added at its end.
    DestinationExtended,
    /// Destination is the ACS URL missing its last character.
    DestinationTruncated,
    /// Destination is the ACS URL with a slash added.
    DestinationTrailingSlash,
    /// Destination is the ACS URL with its path and query in upper case.
    DestinationCase,
    /// The bearer Recipient is the ACS URL with characters added at its end.
    RecipientExtended,
    /// The bearer Recipient is the ACS URL with a slash added.
    RecipientTrailingSlash,
    /// The bearer Recipient is the ACS URL with its path and query in upper case.
    RecipientCase,
    /// The Audience is the SP's entity ID with characters added at its end.
    AudienceExtended,
    /// The Audience is the SP's entity ID with a slash added.
    AudienceTrailingSlash,
    /// The Audience is the SP's entity ID in upper case.
    AudienceCase,
    /// A second AudienceRestriction names only another SP.
    AudienceSecondRestrictionOther,
    /// Not a fault: one AudienceRestriction lists another SP and then this one.
    AudienceListWithUs,
    /// The assertion's Issuer is the IdP's entity ID without its trailing slash (Entra's), or with
    /// one added (Okta's and Google's have none).
    AssertionIssuerSlashToggled,
    /// The assertion's Issuer is the IdP's entity ID in upper case.
    AssertionIssuerCase,
    /// Status Requester, with the signed assertion still attached.
    StatusRequesterWithAssertion,
    /// The bearer SubjectConfirmationData carries NotBefore.
    ConfirmationNotBefore,
    /// The only SubjectConfirmation is holder-of-key, not bearer.
    HolderOfKeyConfirmation,
    /// The assertion is replaced by an EncryptedAssertion the SP has no key for.
    EncryptedAssertionInstead,
    /// The assertion says Version="1.1".
    AssertionVersionOld,
    /// Neither the Response nor the confirmation has InResponseTo (IdP-initiated).
    Unsolicited,
    /// The IdP sends again, byte for byte, the Response it sent last.
    ReplayPreviousResponse,
    /// The last signed assertion, byte for byte, in a fresh Response to the current request.
    AssertionRewrapped,
    /// Not a fault: signed with the IdP's key, but the certificate in KeyInfo has expired.
    KeyInfoCertificateExpired,
    /// Not a fault: signed with the IdP's key, but the certificate in KeyInfo is not valid yet.
    KeyInfoCertificateNotYetValid,
    /// Not a fault: signed with the IdP's key, but KeyInfo carries another key's certificate.
    KeyInfoCertificateOtherKey,
}

impl Fault {
    pub const ALL: [Fault; 113] = [
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
        Self::XswEvilAssertionFirst,
        Self::XswEvilAssertionLast,
        Self::XswSignedAssertionInsideEvil,
        Self::XswSignedAssertionInSignatureObject,
        Self::XswSignedAssertionInAdvice,
        Self::XswResponseWrapped,
        Self::ResponseIdReusedByAssertion,
        Self::ResponseSignatureInAssertion,
        Self::ReferenceUriEmpty,
        Self::TransformXpath,
        Self::DigestSha1,
        Self::SignatureRsaSha1,
        Self::SignatureRsaMd5,
        Self::SignatureHmacSha1,
        Self::SignatureValueEmpty,
        Self::SignedContentTampered,
        Self::ProcessingInstructionInNameId,
        Self::DtdInternalSubset,
        Self::DtdExternalEntity,
        Self::DtdEntityExpansion,
        Self::DtdExternalSubset,
        Self::DestinationExtended,
        Self::DestinationTruncated,
        Self::DestinationTrailingSlash,
        Self::DestinationCase,
        Self::RecipientExtended,
        Self::RecipientTrailingSlash,
        Self::RecipientCase,
        Self::AudienceExtended,
        Self::AudienceTrailingSlash,
        Self::AudienceCase,
        Self::AudienceSecondRestrictionOther,
        Self::AudienceListWithUs,
        Self::AssertionIssuerSlashToggled,
        Self::AssertionIssuerCase,
        Self::StatusRequesterWithAssertion,
        Self::ConfirmationNotBefore,
        Self::HolderOfKeyConfirmation,
        Self::EncryptedAssertionInstead,
        Self::AssertionVersionOld,
        Self::Unsolicited,
        Self::ReplayPreviousResponse,
        Self::AssertionRewrapped,
        Self::KeyInfoCertificateExpired,
        Self::KeyInfoCertificateNotYetValid,
        Self::KeyInfoCertificateOtherKey,
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

/// What a correct SP does with the message a fault produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "code")]
pub enum Expect {
    /// Refuse it; the reference SP's stable code.
    Refuse(&'static str),
    /// Accept it: a variant the profile allows, which an SP too strict would refuse.
    Accept,
}

/// The kind of rule a fault breaks, for choosing or skipping faults by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultClass {
    /// Who signed, what is signed, and whether the signed part is what is read.
    Signature,
    /// The Subject: its identifier, format and qualifiers.
    Subject,
    /// IssueInstant, Conditions, SubjectConfirmationData and session times.
    Time,
    /// Audience, Destination, Recipient and InResponseTo: whom and what the message answers.
    Addressing,
    /// The IdP's Issuer and its Format.
    Issuer,
    /// Status, and the statements a success must carry.
    Status,
    /// How the XML itself is written.
    Encoding,
    /// Logout messages.
    Logout,
    /// A message used twice, or one no request asked for.
    Replay,
}

/// A fault as a tester reads it: its class, the clause it breaks, what a correct SP answers,
/// and where the attack or mistake is documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FaultInfo {
    pub class: FaultClass,
    /// The specification clause (and the product rule of docs/RULES.md) the message breaks or,
    /// for a valid variant, the one it stays within.
    pub clause: &'static str,
    pub expect: Expect,
    /// Where the attack or the mistake comes from, beyond the clause.
    pub source: &'static str,
}

/// The published sources the catalogue cites, each once.
mod sources {
    pub const XSW: &str = "Somorovsky et al., \"On Breaking SAML: Be Whoever You Want to Be\", \
        USENIX Security 2012 (XML signature wrapping)";
    pub const COMMENT: &str = "Duo Security, \"Duo Finds SAML Vulnerabilities Affecting Multiple \
        Implementations\", 2018: CVE-2017-11427 (python-saml), CVE-2017-11428 (ruby-saml), \
        CVE-2017-11429 (saml2-js), CVE-2017-11430 (omniauth-saml), CVE-2018-0489 (Shibboleth), \
        CERT VU#475445";
    pub const KEYINFO: &str = "xml-crypto GHSA-2xp3-57p7-qf4v (2024): the certificate in the \
        signature's own KeyInfo was trusted";
    pub const EXCLUSION: &str = "signature exclusion: SAML Raider's \"Remove Signatures\"; \
        Somorovsky et al. 2012";
    pub const EXACT_IDENTITY: &str = "product rule: an identity is matched exactly as signed, \
        never trimmed or folded (docs/RULES.md R-SA-4); whitespace and invisible characters are \
        how a look-alike address reaches another user";
    pub const PROFILE: &str = "the Web Browser SSO profile's own processing rules \
        (saml-profiles §4.1.4.3): a mistake an IdP's configuration makes, or a message of \
        another tenant or SP replayed here";
    pub const BOUNDARY: &str = "boundary of the reference SP's 120 s clock skew (issue 11: each \
        time check tested just inside and just outside)";
    pub const ENTRA: &str = "Microsoft Entra ID SAML token reference: the NameID, Issuer and \
        times Entra sends";
    pub const ENCODING: &str = "parser differentials, the XML one parser verifies read otherwise \
        by another, as in ruby-saml CVE-2025-25291 and CVE-2025-25292 (2025); a declared \
        encoding is one more way to read the same bytes twice";
    pub const XSW_RAIDER: &str = "SAML Raider (CompassSecurity) XSW1-XSW8, after Somorovsky et al. 2012; crewjam/saml CVE-2022-41912 (several assertions); ruby-saml CVE-2024-45409";
    pub const XSW_LAST: &str = "Lasso CVE-2021-28091 (the last of several assertions was used); SAML Raider issue #59 (XSW10)";
    pub const REFERENCE: &str = "Somorovsky et al. 2012 §5 (reference resolution); xmldsig-bestpractices §2.1 (limit transforms, no XPath or XSLT)";
    pub const DOWNGRADE: &str = "W3C XML Signature Best Practices §2.3 and NIST SP 800-131A: SHA-1 and MD5 are not accepted for signatures; python3-saml rejectDeprecatedAlgorithm";
    pub const HMAC: &str = "CVE-2009-0217 (CERT VU#466161): XML Signature HMAC truncation accepted by many libraries; an HMAC keyed by public material is the key confusion of JWT alg=HS256 with an RSA key";
    pub const DTD: &str = "OWASP XML External Entity Prevention Cheat Sheet; python3-saml parses with defusedxml to refuse DTDs";
    pub const XXE: &str =
        "OWASP XML External Entity Prevention Cheat Sheet (XXE, billion laughs); CWE-611, CWE-776";
    pub const URL_MATCH: &str = "SPs and libraries that compare Destination, Recipient, Audience or Issuer by prefix, after lower-casing or after stripping a slash (issue 16: python3-saml and node-saml are probed for it)";
    pub const UNSOLICITED: &str = "the tutorial sets up SP-initiated sign-in only (Entra); an unsolicited Response is the login CSRF of saml-profiles §4.1.5";
    pub const REPLAY: &str = "saml-profiles §4.1.4.5 one-time use; SAML Raider replay; samlify GHSA-8jjf-w7j6-323c (a token reused with another username)";
    pub const LOGOUT: &str = "saml-profiles §4.4 single logout; a logout message forged or \
        replayed ends another person's session";
}

impl Fault {
    /// The catalogue entry of this fault. Exhaustive: a fault added without its entry does not
    /// compile.
    pub fn info(self) -> FaultInfo {
        use Expect::{Accept, Refuse};
        use FaultClass::*;
        use sources::*;
        let (class, clause, expect, source) = match self {
            Self::Expired => (
                Time,
                "saml-core §2.5.1.2, saml-profiles §4.1.4.2 (R-SA-6); both the Conditions and the confirmation, as an old Response has",
                Refuse("saml_expired"),
                PROFILE,
            ),
            Self::NotYetValid => (
                Time,
                "saml-core §2.5.1.2 NotBefore (R-SA-6)",
                Refuse("saml_not_yet_valid"),
                PROFILE,
            ),
            Self::WrongAudience => (
                Addressing,
                "saml-core §2.5.1.4 AudienceRestriction (R-SA-6)",
                Refuse("saml_wrong_audience"),
                PROFILE,
            ),
            Self::WrongIssuer => (
                Issuer,
                "saml-profiles §4.1.4.2 Issuer (R-SA-6); both Issuers, as a token of another tenant has",
                Refuse("saml_wrong_issuer"),
                PROFILE,
            ),
            Self::WrongDestination => (
                Addressing,
                "saml-bindings §3.5.5.2 Destination (R-SA-6)",
                Refuse("saml_wrong_destination"),
                PROFILE,
            ),
            Self::WrongRecipient => (
                Addressing,
                "saml-profiles §4.1.4.2 SubjectConfirmationData Recipient (R-SA-6)",
                Refuse("saml_wrong_recipient"),
                PROFILE,
            ),
            Self::WrongInResponseTo => (
                Addressing,
                "saml-profiles §4.1.4.3 InResponseTo (R-SA-6); both, as a Response to another SP's request has",
                Refuse("saml_unknown_request"),
                PROFILE,
            ),
            Self::Unsigned => (
                Signature,
                "saml-profiles §4.1.3.5: the assertion must be signed (R-SA-6)",
                Refuse("saml_unsigned"),
                EXCLUSION,
            ),
            Self::UntrustedKey => (
                Signature,
                "xmldsig-core §3.2: only the configured IdP certificate verifies (R-SA-6)",
                Refuse("saml_bad_signature"),
                KEYINFO,
            ),
            Self::KeyInfoCertificateExpired
            | Self::KeyInfoCertificateNotYetValid
            | Self::KeyInfoCertificateOtherKey => (
                Signature,
                "saml-metadata-iop §2.5.1: the key configured out of band is what is trusted; a certificate in KeyInfo, its dates or its key, decides nothing (R-SA-6, R-SA-11)",
                Accept,
                KEYINFO,
            ),
            Self::StatusRequester => (
                Status,
                "saml-core §3.2.2.2 StatusCode (R-SA-6)",
                Refuse("saml_status_requester"),
                PROFILE,
            ),
            Self::StatusResponder => (
                Status,
                "saml-core §3.2.2.2 StatusCode (R-SA-6)",
                Refuse("saml_status_responder"),
                PROFILE,
            ),
            Self::MissingNameId => (
                Subject,
                "saml-profiles §4.1.4.2: the Subject names the principal (R-SA-4)",
                Refuse("saml_missing_name_id"),
                PROFILE,
            ),
            Self::NameIdPersistent => (
                Subject,
                "saml-core §8.3.2 emailAddress is the format asked for (R-SA-4)",
                Refuse("saml_name_id_format"),
                ENTRA,
            ),
            Self::NameIdLeadingSpace
            | Self::NameIdTrailingSpace
            | Self::NameIdLeadingTab
            | Self::NameIdTrailingNewline
            | Self::NameIdTrailingCr
            | Self::NameIdNbsp
            | Self::NameIdZeroWidthSpace
            | Self::NameIdNel => (
                Subject,
                "saml-core §8.3.2: an emailAddress NameID is an addr-spec (RFC 5322 §3.4.1), nothing around it (R-SA-4)",
                Refuse("saml_name_id_not_email"),
                EXACT_IDENTITY,
            ),
            Self::NameIdCommentSuffix => (
                Signature,
                "exclusive canonicalisation without comments (the profile's transform) signs the text around a comment as one value (R-SA-6)",
                Refuse("saml_xml_comment"),
                COMMENT,
            ),
            Self::TwoNameIds
            | Self::NameIdAndEncryptedId
            | Self::NameIdAndBaseId
            | Self::ConfirmationNameId
            | Self::NameIdOnlyInConfirmation => (
                Subject,
                "saml-core §2.4.1: one identifier per Subject; saml-core §2.4.1.1 for the confirmation's (R-SA-4)",
                Refuse("saml_subject_identifier_count"),
                XSW,
            ),
            Self::SpNameQualifierOther | Self::NameQualifierOther => (
                Subject,
                "saml-core §2.2.2 NameQualifier and SPNameQualifier (R-SA-4)",
                Refuse("saml_name_id_qualifier"),
                PROFILE,
            ),
            Self::NameIdQualified => (
                Subject,
                "saml-core §2.2.2: qualifiers naming this IdP and this SP are allowed",
                Accept,
                PROFILE,
            ),
            Self::ResponseIssuerFormat | Self::AssertionIssuerFormat => (
                Issuer,
                "saml-profiles §4.1.4.2: an Issuer Format, if any, is the entity one (R-SA-6)",
                Refuse("saml_issuer_format"),
                PROFILE,
            ),
            Self::ResponseIssuedADayAgo
            | Self::AssertionIssuedADayAgo
            | Self::ResponseIssuedStale => (
                Time,
                "saml-core §3.2.2 IssueInstant: older than the request lifetime (R-SA-6)",
                Refuse("saml_issue_instant_stale"),
                PROFILE,
            ),
            Self::ResponseIssuedADayAhead
            | Self::AssertionIssuedADayAhead
            | Self::ResponseIssuedPastSkew => (
                Time,
                "saml-core §3.2.2 IssueInstant: ahead by more than the skew (R-SA-6)",
                Refuse("saml_issue_instant_future"),
                BOUNDARY,
            ),
            Self::ResponseIssuedWithinSkew | Self::ResponseIssuedAlmostStale => (
                Time,
                "saml-core §3.2.2 IssueInstant at the edge of the skew or the lifetime: still valid",
                Accept,
                BOUNDARY,
            ),
            Self::SessionEnded => (
                Time,
                "saml-core §2.7.2 SessionNotOnOrAfter already past (R-SA-6)",
                Refuse("saml_session_expired"),
                PROFILE,
            ),
            Self::SessionEndsSoon => (
                Time,
                "saml-core §2.7.2 SessionNotOnOrAfter ahead: valid, the SP session ends by it",
                Accept,
                PROFILE,
            ),
            Self::EncodingUtf7 | Self::EncodingUtf16 | Self::EncodingLatin1 => (
                Encoding,
                "XML 1.0 §4.3.3 declared encodings: the SP reads UTF-8 only and refuses another before parsing (R-SA-6)",
                Refuse("saml_encoding_not_utf8"),
                ENCODING,
            ),
            Self::EncodingUtf8Declared => (
                Encoding,
                "XML 1.0 §4.3.3: a UTF-8 declaration is allowed",
                Accept,
                ENCODING,
            ),
            Self::LogoutUnsigned => (
                Logout,
                "saml-bindings §3.4.5.2 and §3.5.5.2: a logout message is signed where the IdP signs (R-SA-10)",
                Refuse("saml_logout_unsigned"),
                EXCLUSION,
            ),
            Self::LogoutBadSignature => (
                Logout,
                "xmldsig-core §3.2 / saml-bindings §3.4.4.1: the signature must verify (R-SA-10)",
                Refuse("saml_bad_signature"),
                LOGOUT,
            ),
            Self::LogoutSignatureWrapped => (
                Logout,
                "saml-core §5.4.2: the signature covers the message acted on (R-SA-10)",
                Refuse("saml_signature_structure"),
                XSW,
            ),
            Self::ResponseIssuerWrong | Self::AssertionIssuerWrong => (
                Issuer,
                "saml-profiles §4.1.4.2 Issuer, one of the two only (R-SA-6)",
                Refuse("saml_wrong_issuer"),
                PROFILE,
            ),
            Self::ConditionsExpired | Self::ConditionsExpiredPastSkew => (
                Time,
                "saml-core §2.5.1.2 Conditions NotOnOrAfter (R-SA-6)",
                Refuse("saml_expired"),
                BOUNDARY,
            ),
            Self::ConfirmationExpired | Self::ConfirmationExpiredPastSkew => (
                Time,
                "saml-profiles §4.1.4.2 SubjectConfirmationData NotOnOrAfter (R-SA-6)",
                Refuse("saml_confirmation_expired"),
                BOUNDARY,
            ),
            Self::ResponseInResponseToWrong | Self::ConfirmationInResponseToWrong => (
                Addressing,
                "saml-profiles §4.1.4.3 InResponseTo, one of the two only (R-SA-6)",
                Refuse("saml_wrong_in_response_to"),
                PROFILE,
            ),
            Self::NoAuthnStatement => (
                Status,
                "saml-profiles §4.1.4.2: at least one AuthnStatement (R-SA-6)",
                Refuse("saml_missing_authn_statement"),
                PROFILE,
            ),
            Self::AssertionInExtensions => (
                Signature,
                "saml-profiles §4.1.4.2: the assertion is read where the profile puts it, signed (R-SA-6)",
                Refuse("saml_assertion_count"),
                XSW,
            ),
            Self::NotYetValidPastSkew => (
                Time,
                "saml-core §2.5.1.2 NotBefore one second past the skew (R-SA-6)",
                Refuse("saml_not_yet_valid"),
                BOUNDARY,
            ),
            Self::NotYetValidWithinSkew
            | Self::ConditionsExpiredWithinSkew
            | Self::ConfirmationExpiredWithinSkew => (
                Time,
                "saml-core §2.5.1.2, saml-profiles §4.1.4.2 at the skew's edge: still valid",
                Accept,
                BOUNDARY,
            ),
            Self::LogoutIssuerWrong => (
                Logout,
                "saml-core §3.2.2 Issuer of a LogoutResponse (R-SA-10)",
                Refuse("saml_wrong_issuer"),
                LOGOUT,
            ),
            Self::LogoutStatusError => (
                Logout,
                "saml-core §3.2.2.2 StatusCode of a LogoutResponse: only Success ends single logout as done (R-SA-9)",
                Refuse("saml_status_error"),
                LOGOUT,
            ),
            Self::LogoutDestinationWrong => (
                Logout,
                "saml-bindings §3.4.5.2 Destination of a logout message (R-SA-10)",
                Refuse("saml_wrong_destination"),
                LOGOUT,
            ),
            Self::LogoutRequestEncryptedId => (
                Logout,
                "saml-core §3.7.1: an EncryptedID the SP cannot decrypt names nobody (R-SA-9)",
                Refuse("saml_unsupported_identifier"),
                LOGOUT,
            ),
            Self::XswEvilAssertionFirst => (
                Signature,
                "saml-profiles §4.1.4.2 with one assertion per Response; xmldsig-core §3.2.1: only what the signature covers is read (R-SA-6)",
                Refuse("saml_assertion_count"),
                XSW_RAIDER,
            ),
            Self::XswEvilAssertionLast => (
                Signature,
                "saml-profiles §4.1.4.2 with one assertion per Response; the last assertion is not the signed one (R-SA-6)",
                Refuse("saml_assertion_count"),
                XSW_LAST,
            ),
            Self::XswSignedAssertionInsideEvil => (
                Signature,
                "saml-core §2.3.3 Assertion content model; one assertion, a child of the Response (R-SA-6)",
                Refuse("saml_assertion_count"),
                XSW_RAIDER,
            ),
            Self::XswSignedAssertionInSignatureObject => (
                Signature,
                "xmldsig-core §4.5 Object: a signature referencing content inside itself proves nothing about its parent (R-SA-6)",
                Refuse("saml_assertion_count"),
                XSW_RAIDER,
            ),
            Self::XswSignedAssertionInAdvice => (
                Signature,
                "saml-core §2.6.1 Advice: evidence, never the assertion read (R-SA-6)",
                Refuse("saml_assertion_count"),
                XSW_RAIDER,
            ),
            Self::XswResponseWrapped => (
                Signature,
                "xmldsig-core §3.2.1 and saml-core §5.4.2: the signature must cover the element read, by its ID (R-SA-6)",
                Refuse("saml_assertion_count"),
                XSW_RAIDER,
            ),
            Self::ResponseIdReusedByAssertion => (
                Signature,
                "saml-core §1.3.4: an ID is unique in the document; xmldsig-core §4.4.3.3 same-document references (R-SA-6)",
                Refuse("saml_signature_structure"),
                XSW,
            ),
            Self::ResponseSignatureInAssertion => (
                Signature,
                "saml-core §5.4.2: a signature is a child of the element it signs and references that element (R-SA-6)",
                Refuse("saml_signature_structure"),
                XSW_RAIDER,
            ),
            Self::ReferenceUriEmpty => (
                Signature,
                "saml-core §5.4.2: the Reference URI is `#` and the signed element's ID (R-SA-6)",
                Refuse("saml_signature_structure"),
                REFERENCE,
            ),
            Self::TransformXpath => (
                Signature,
                "saml-core §5.4.4: enveloped-signature and exclusive c14n are the only transforms (R-SA-6)",
                Refuse("saml_signature_algorithm"),
                REFERENCE,
            ),
            Self::DigestSha1 => (
                Signature,
                "xmldsig-core1 §6.2: SHA-1 digests are deprecated; the profile signs with SHA-256 (R-SA-6)",
                Refuse("saml_signature_algorithm"),
                DOWNGRADE,
            ),
            Self::SignatureRsaSha1 => (
                Signature,
                "xmldsig-core1 §6.4: RSA-SHA1 is deprecated; the profile signs with RSA-SHA256 (R-SA-6)",
                Refuse("saml_signature_algorithm"),
                DOWNGRADE,
            ),
            Self::SignatureRsaMd5 => (
                Signature,
                "RFC 6151: MD5 is broken for signatures; the profile signs with RSA-SHA256 (R-SA-6)",
                Refuse("saml_signature_algorithm"),
                DOWNGRADE,
            ),
            Self::SignatureHmacSha1 => (
                Signature,
                "xmldsig-core §6.3: an HMAC proves nothing without a shared secret; the certificate verifies RSA-SHA256 only (R-SA-6)",
                Refuse("saml_signature_algorithm"),
                HMAC,
            ),
            Self::SignatureValueEmpty => (
                Signature,
                "xmldsig-core §4.3 SignatureValue (R-SA-6)",
                Refuse("saml_bad_signature"),
                EXCLUSION,
            ),
            Self::SignedContentTampered => (
                Signature,
                "xmldsig-core §3.2.1: the digest of the signed assertion no longer matches (R-SA-6)",
                Refuse("saml_bad_signature"),
                PROFILE,
            ),
            Self::ProcessingInstructionInNameId => (
                Signature,
                "an emailAddress NameID is text; a PI splits what one parser reads from what another does (R-SA-4)",
                Refuse("saml_xml_comment"),
                COMMENT,
            ),
            Self::DtdInternalSubset => (
                Encoding,
                "saml-core §1.3 and saml-bindings §3.5.3: SAML messages carry no DTD (R-SA-6)",
                Refuse("saml_dtd"),
                DTD,
            ),
            Self::DtdExternalEntity => (
                Encoding,
                "saml-core §1.3: no DTD; an SP that loads external entities reads its own files to the attacker (R-SA-6)",
                Refuse("saml_dtd"),
                XXE,
            ),
            Self::DtdEntityExpansion => (
                Encoding,
                "saml-core §1.3: no DTD; entity expansion exhausts a parser's memory (R-SA-6)",
                Refuse("saml_dtd"),
                XXE,
            ),
            Self::DtdExternalSubset => (
                Encoding,
                "saml-core §1.3: no DTD; fetching one makes the SP call the attacker (R-SA-6)",
                Refuse("saml_dtd"),
                XXE,
            ),
            Self::DestinationExtended => (
                Addressing,
                "saml-bindings §3.5.5.2: Destination is the location the message was received at, exactly (R-SA-6)",
                Refuse("saml_wrong_destination"),
                URL_MATCH,
            ),
            Self::DestinationTruncated => (
                Addressing,
                "saml-bindings §3.5.5.2: Destination is the location the message was received at, exactly (R-SA-6)",
                Refuse("saml_wrong_destination"),
                URL_MATCH,
            ),
            Self::DestinationTrailingSlash => (
                Addressing,
                "saml-bindings §3.5.5.2: Destination is the location the message was received at, exactly (R-SA-6)",
                Refuse("saml_wrong_destination"),
                URL_MATCH,
            ),
            Self::DestinationCase => (
                Addressing,
                "saml-bindings §3.5.5.2 and RFC 3986 §6.2.2.1: a path is case-sensitive (R-SA-6)",
                Refuse("saml_wrong_destination"),
                URL_MATCH,
            ),
            Self::RecipientExtended => (
                Addressing,
                "saml-profiles §4.1.4.2: Recipient is the ACS location, exactly (R-SA-6)",
                Refuse("saml_wrong_recipient"),
                URL_MATCH,
            ),
            Self::RecipientTrailingSlash => (
                Addressing,
                "saml-profiles §4.1.4.2: Recipient is the ACS location, exactly (R-SA-6)",
                Refuse("saml_wrong_recipient"),
                URL_MATCH,
            ),
            Self::RecipientCase => (
                Addressing,
                "saml-profiles §4.1.4.2 and RFC 3986 §6.2.2.1: a path is case-sensitive (R-SA-6)",
                Refuse("saml_wrong_recipient"),
                URL_MATCH,
            ),
            Self::AudienceExtended => (
                Addressing,
                "saml-core §2.5.1.4: an Audience is a URI compared exactly (R-SA-6)",
                Refuse("saml_wrong_audience"),
                URL_MATCH,
            ),
            Self::AudienceTrailingSlash => (
                Addressing,
                "saml-core §2.5.1.4: an Audience is a URI compared exactly (R-SA-6)",
                Refuse("saml_wrong_audience"),
                URL_MATCH,
            ),
            Self::AudienceCase => (
                Addressing,
                "saml-core §2.5.1.4: an Audience is a URI compared exactly (R-SA-6)",
                Refuse("saml_wrong_audience"),
                URL_MATCH,
            ),
            Self::AudienceSecondRestrictionOther => (
                Addressing,
                "saml-core §2.5.1.4: every AudienceRestriction must be met, not any one (R-SA-6)",
                Refuse("saml_wrong_audience"),
                PROFILE,
            ),
            Self::AudienceListWithUs => (
                Addressing,
                "saml-core §2.5.1.4: within one restriction, any Audience naming the SP meets it",
                Accept,
                PROFILE,
            ),
            Self::AssertionIssuerSlashToggled => (
                Issuer,
                "saml-profiles §4.1.4.2: the Issuer is the IdP's entity ID, compared exactly (R-SA-6)",
                Refuse("saml_wrong_issuer"),
                URL_MATCH,
            ),
            Self::AssertionIssuerCase => (
                Issuer,
                "saml-profiles §4.1.4.2: the Issuer is the IdP's entity ID, compared exactly (R-SA-6)",
                Refuse("saml_wrong_issuer"),
                URL_MATCH,
            ),
            Self::StatusRequesterWithAssertion => (
                Status,
                "saml-core §3.2.2.2: only Success carries an assertion to act on (R-SA-6)",
                Refuse("saml_status_requester"),
                PROFILE,
            ),
            Self::ConfirmationNotBefore => (
                Subject,
                "saml-profiles §4.1.4.2: a bearer confirmation MUST NOT carry NotBefore (R-SA-6)",
                Refuse("saml_confirmation_not_before"),
                PROFILE,
            ),
            Self::HolderOfKeyConfirmation => (
                Subject,
                "saml-profiles §4.1.4.2: the Web SSO assertion carries a bearer SubjectConfirmation (R-SA-6)",
                Refuse("saml_no_bearer_confirmation"),
                PROFILE,
            ),
            Self::EncryptedAssertionInstead => (
                Subject,
                "saml-core §2.3.4: the SP publishes no encryption key, so nothing may be encrypted to it (R-SA-6)",
                Refuse("saml_encrypted_assertion"),
                PROFILE,
            ),
            Self::AssertionVersionOld => (
                Subject,
                "saml-core §2.3.3: Version is 2.0 (R-SA-6)",
                Refuse("saml_wrong_version"),
                PROFILE,
            ),
            Self::Unsolicited => (
                Replay,
                "saml-profiles §4.1.5: unsolicited Responses are refused by an SP-initiated-only SP (R-SA-2)",
                Refuse("saml_unsolicited_response"),
                UNSOLICITED,
            ),
            Self::ReplayPreviousResponse => (
                Replay,
                "saml-profiles §4.1.4.5: an assertion is used once, so its ID is remembered until it expires (R-SA-6)",
                Refuse("saml_replayed_assertion"),
                REPLAY,
            ),
            Self::AssertionRewrapped => (
                Replay,
                "saml-profiles §4.1.4.3: the assertion's bearer InResponseTo names the request it answered, not this one (R-SA-6)",
                Refuse("saml_wrong_in_response_to"),
                REPLAY,
            ),
        };
        FaultInfo {
            class,
            clause,
            expect,
            source,
        }
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
