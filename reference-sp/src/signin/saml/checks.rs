//! The rules of the ACS and of single logout, one named [`Check`] each, and how a run of them is
//! kept (R-SA-6, R-SA-10, R-VEN-1, R-VEN-3).
//!
//! The ACS and the vendor report run the same function, [`super::acs::judge`] (for logout
//! messages, the `judge_logout_*` functions of single logout); only the [`Checks`] they pass
//! differ. The ACS stops at the first broken rule and answers with its code.
//! A report records every rule as passed or failed and goes on wherever the message still allows,
//! so a vendor sees all that is wrong at once. Nothing here decides whether a rule passes: a
//! check that is not run in the ACS cannot appear in a report, and the other way round.

use serde::Serialize;

/// One rule the SP applies to a Response ([`Check::ALL`]) or a logout message from the IdP
/// ([`Check::LOGOUT_REQUEST`], [`Check::LOGOUT_RESPONSE`]), in the order it applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Decoding,
    WellFormedXml,
    IsResponse,
    ResponseVersion,
    ResponseIssuer,
    ResponseIssueInstant,
    Status,
    Destination,
    InResponseTo,
    NotEncrypted,
    OneAssertion,
    AssertionId,
    Signature,
    AssertionVersion,
    AssertionIssuer,
    AssertionIssueInstant,
    Subject,
    NameIdFormat,
    NameIdQualifiers,
    NameIdIsEmail,
    NotBefore,
    NotOnOrAfter,
    Audience,
    BearerConfirmation,
    AuthnStatement,
    SessionNotOnOrAfter,
    Attributes,
    // Single logout (R-SA-5, R-SA-9, R-SA-10): a LogoutRequest or LogoutResponse from the IdP.
    LogoutXml,
    LogoutElement,
    LogoutVersion,
    LogoutId,
    LogoutIssuer,
    LogoutIssueInstant,
    LogoutDestination,
    LogoutSignature,
    LogoutNameId,
    LogoutSessionIndex,
    LogoutInResponseTo,
    LogoutStatus,
}

impl Check {
    /// A Response's checks, in the ACS's order.
    pub const ALL: &'static [Check] = &[
        Self::Decoding,
        Self::WellFormedXml,
        Self::IsResponse,
        Self::ResponseVersion,
        Self::ResponseIssuer,
        Self::ResponseIssueInstant,
        Self::Status,
        Self::Destination,
        Self::InResponseTo,
        Self::NotEncrypted,
        Self::OneAssertion,
        Self::AssertionId,
        Self::Signature,
        Self::AssertionVersion,
        Self::AssertionIssuer,
        Self::AssertionIssueInstant,
        Self::Subject,
        Self::NameIdFormat,
        Self::NameIdQualifiers,
        Self::NameIdIsEmail,
        Self::NotBefore,
        Self::NotOnOrAfter,
        Self::Audience,
        Self::BearerConfirmation,
        Self::AuthnStatement,
        Self::SessionNotOnOrAfter,
        Self::Attributes,
    ];

    /// A LogoutRequest's checks, in the SP's order (R-SA-9, R-SA-10).
    pub const LOGOUT_REQUEST: &'static [Check] = &[
        Self::LogoutXml,
        Self::LogoutElement,
        Self::LogoutVersion,
        Self::LogoutId,
        Self::LogoutIssuer,
        Self::LogoutIssueInstant,
        Self::LogoutDestination,
        Self::LogoutSignature,
        Self::LogoutNameId,
        Self::LogoutSessionIndex,
    ];

    /// A LogoutResponse's checks, in the SP's order (R-SA-5, R-SA-10).
    pub const LOGOUT_RESPONSE: &'static [Check] = &[
        Self::LogoutXml,
        Self::LogoutElement,
        Self::LogoutVersion,
        Self::LogoutId,
        Self::LogoutIssuer,
        Self::LogoutIssueInstant,
        Self::LogoutDestination,
        Self::LogoutSignature,
        Self::LogoutInResponseTo,
        Self::LogoutStatus,
    ];

    /// A stable identifier (`response.destination`), for reports and JUnit test names.
    pub fn id(self) -> &'static str {
        self.meta().0
    }

    /// The REQUIREMENTS.md rule this check belongs to.
    pub fn rule(self) -> &'static str {
        self.meta().1
    }

    /// The specification clause it applies.
    pub fn clause(self) -> &'static str {
        self.meta().2
    }

    /// What it requires, in one line.
    pub fn title(self) -> &'static str {
        self.meta().3
    }

    fn meta(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::Decoding => (
                "message.base64",
                "R-SA-6",
                "saml-bindings §3.5.4",
                "the SAMLResponse field is base64 of the XML",
            ),
            Self::WellFormedXml => (
                "message.xml",
                "R-SA-6",
                "saml-core §1.3, XML 1.0",
                "well-formed UTF-8 XML, without a DTD",
            ),
            Self::IsResponse => (
                "response.element",
                "R-SA-6",
                "saml-core §3.3.3",
                "the message is a samlp:Response",
            ),
            Self::ResponseVersion => (
                "response.version",
                "R-SA-6",
                "saml-core §3.2.2",
                "the Response has Version=\"2.0\"",
            ),
            Self::ResponseIssuer => (
                "response.issuer",
                "R-SA-6",
                "saml-profiles §4.1.4.2",
                "the Response's Issuer, if present, is the IdP's entity ID (entity format)",
            ),
            Self::ResponseIssueInstant => (
                "response.issue_instant",
                "R-SA-6",
                "saml-core §3.2.2, §1.3.3",
                "the Response's IssueInstant is now (within 120 s) and not older than a request",
            ),
            Self::Status => (
                "response.status",
                "R-SA-6",
                "saml-core §3.2.2.2",
                "the Status is Success",
            ),
            Self::Destination => (
                "response.destination",
                "R-SA-6",
                "saml-bindings §3.5.5.2",
                "the Response's Destination is this ACS URL",
            ),
            Self::InResponseTo => (
                "response.in_response_to",
                "R-SA-2",
                "saml-profiles §4.1.4.2, §4.1.5",
                "the Response answers an AuthnRequest (InResponseTo; no unsolicited Responses)",
            ),
            Self::NotEncrypted => (
                "assertion.not_encrypted",
                "R-SA-6",
                "saml-core §2.3.4",
                "the assertion is not encrypted (the SP holds no decryption key)",
            ),
            Self::OneAssertion => (
                "assertion.count",
                "R-SA-6",
                "saml-profiles §4.1.4.2",
                "exactly one Assertion, a direct child of the Response",
            ),
            Self::AssertionId => (
                "assertion.id",
                "R-SA-6",
                "saml-core §2.3.3",
                "the Assertion has an ID",
            ),
            Self::Signature => (
                "signature",
                "R-SA-6",
                "saml-profiles §4.1.3.5, §4.1.4.2; xmldsig-core",
                "the Response or the Assertion is signed (RSA-SHA256, exclusive c14n) by the configured certificate",
            ),
            Self::AssertionVersion => (
                "assertion.version",
                "R-SA-6",
                "saml-core §2.3.3",
                "the Assertion has Version=\"2.0\"",
            ),
            Self::AssertionIssuer => (
                "assertion.issuer",
                "R-SA-6",
                "saml-profiles §4.1.4.2",
                "the Assertion's Issuer is the IdP's entity ID (entity format)",
            ),
            Self::AssertionIssueInstant => (
                "assertion.issue_instant",
                "R-SA-6",
                "saml-core §2.3.3",
                "the Assertion's IssueInstant is now (within 120 s) and not older than a request",
            ),
            Self::Subject => (
                "subject.name_id",
                "R-SA-4",
                "saml-core §2.4.1, saml-profiles §4.1.4.2",
                "the Subject has exactly one identifier, a NameID with text",
            ),
            Self::NameIdFormat => (
                "subject.name_id_format",
                "R-SA-4",
                "saml-core §8.3.2",
                "the NameID's Format is the configured one (emailAddress)",
            ),
            Self::NameIdQualifiers => (
                "subject.name_id_qualifiers",
                "R-SA-4",
                "saml-core §2.2.2",
                "NameQualifier and SPNameQualifier, if present, name this IdP and this SP",
            ),
            Self::NameIdIsEmail => (
                "subject.name_id_email",
                "R-SA-4",
                "saml-core §8.3.2",
                "the NameID is the user's email address, exactly as DigitalSuite knows it",
            ),
            Self::NotBefore => (
                "conditions.not_before",
                "R-SA-6",
                "saml-core §2.5.1.2",
                "Conditions NotBefore is not in the future (120 s skew)",
            ),
            Self::NotOnOrAfter => (
                "conditions.not_on_or_after",
                "R-SA-6",
                "saml-core §2.5.1.2",
                "Conditions NotOnOrAfter is not past (120 s skew)",
            ),
            Self::Audience => (
                "conditions.audience",
                "R-SA-6",
                "saml-core §2.5.1.4, saml-profiles §4.1.4.2",
                "every AudienceRestriction names this SP's entity ID",
            ),
            Self::BearerConfirmation => (
                "subject.bearer_confirmation",
                "R-SA-6",
                "saml-profiles §4.1.4.2",
                "a bearer SubjectConfirmationData with Recipient = ACS, NotOnOrAfter in the future, no NotBefore, InResponseTo = the request",
            ),
            Self::AuthnStatement => (
                "assertion.authn_statement",
                "R-SA-6",
                "saml-profiles §4.1.4.2",
                "the Assertion has an AuthnStatement",
            ),
            Self::SessionNotOnOrAfter => (
                "assertion.session_not_on_or_after",
                "R-SA-6",
                "saml-core §2.7.2",
                "the IdP's SessionNotOnOrAfter, if present, has not passed",
            ),
            Self::Attributes => (
                "assertion.attributes",
                "R-SA-8",
                "saml-core §2.7.3",
                "attribute values are text",
            ),
            Self::LogoutXml => (
                "logout.xml",
                "R-SA-10",
                "saml-core §1.3, XML 1.0",
                "well-formed UTF-8 XML, without a DTD",
            ),
            Self::LogoutElement => (
                "logout.element",
                "R-SA-10",
                "saml-core §3.7.1, §3.7.2",
                "the message is a samlp:LogoutRequest (or, answering the SP, a samlp:LogoutResponse)",
            ),
            Self::LogoutVersion => (
                "logout.version",
                "R-SA-10",
                "saml-core §3.2.1, §3.2.2",
                "the message has Version=\"2.0\"",
            ),
            Self::LogoutId => (
                "logout.id",
                "R-SA-10",
                "saml-core §3.2.1, §3.2.2",
                "the message has an ID",
            ),
            Self::LogoutIssuer => (
                "logout.issuer",
                "R-SA-10",
                "saml-profiles §4.4.4.1, §4.4.4.2",
                "the Issuer is the IdP's entity ID (or Entra's login.microsoftonline.com form)",
            ),
            Self::LogoutIssueInstant => (
                "logout.issue_instant",
                "R-SA-10",
                "saml-core §3.2.1, §1.3.3",
                "IssueInstant is now, within 120 s",
            ),
            Self::LogoutDestination => (
                "logout.destination",
                "R-SA-10",
                "saml-bindings §3.4.5.2, §3.5.5.2",
                "Destination, if present, is the SP's logout URL of the mode",
            ),
            Self::LogoutSignature => (
                "logout.signature",
                "R-SA-10",
                "saml-bindings §3.4.4.1, §3.5.4; saml-profiles §4.4.4",
                "a signature present verifies with the IdP's certificate (Redirect: SigAlg and Signature in the query; POST: one enveloped signature of the message); unsigned only where the mode says the IdP does not sign logout messages",
            ),
            Self::LogoutNameId => (
                "logout.name_id",
                "R-SA-9",
                "saml-core §3.7.1",
                "exactly one identifier, a NameID with the user's value",
            ),
            Self::LogoutSessionIndex => (
                "logout.session_index",
                "R-SA-9",
                "saml-core §3.7.1",
                "each SessionIndex is text",
            ),
            Self::LogoutInResponseTo => (
                "logout.in_response_to",
                "R-SA-5",
                "saml-core §3.2.2; saml-profiles §4.4.4.2",
                "InResponseTo names the SP's LogoutRequest",
            ),
            Self::LogoutStatus => (
                "logout.status",
                "R-SA-5",
                "saml-core §3.2.2.2, §3.7.2",
                "the Status is Success",
            ),
        }
    }
}

/// What happened to one check in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<E> {
    Pass,
    Fail(E),
    /// Not run: an earlier failure left nothing to judge it on.
    NotChecked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<E> {
    pub check: Check,
    pub outcome: Outcome<E>,
}

/// How a run of the checks treats a broken rule.
#[derive(Debug)]
pub struct Checks<E> {
    /// `None`: stop at the first failure (the ACS). `Some`: record and go on (a report).
    findings: Option<Vec<Finding<E>>>,
}

impl<E: Clone> Checks<E> {
    /// The ACS: the first broken rule ends the run.
    pub fn first_failure() -> Self {
        Self { findings: None }
    }

    /// A report: every rule is recorded.
    pub fn every_rule() -> Self {
        Self {
            findings: Some(Vec::new()),
        }
    }

    /// Records `result` for `check`. The ACS gets the error back; a report keeps it and goes on.
    pub fn check(&mut self, check: Check, result: Result<(), E>) -> Result<(), E> {
        self.value(check, result, || ())
    }

    /// As [`Checks::check`] for a check that yields a value; a report goes on with `fallback`.
    pub fn value<T>(
        &mut self,
        check: Check,
        result: Result<T, E>,
        fallback: impl FnOnce() -> T,
    ) -> Result<T, E> {
        match (result, &mut self.findings) {
            (Ok(v), findings) => {
                if let Some(f) = findings {
                    f.push(Finding {
                        check,
                        outcome: Outcome::Pass,
                    });
                }
                Ok(v)
            }
            (Err(e), None) => Err(e),
            (Err(e), Some(f)) => {
                f.push(Finding {
                    check,
                    outcome: Outcome::Fail(e),
                });
                Ok(fallback())
            }
        }
    }

    /// A check the rest depends on: a failure ends the run of the ACS and of a report alike.
    pub fn fatal<T>(&mut self, check: Check, result: Result<T, E>) -> Result<T, E> {
        if let Some(f) = &mut self.findings {
            let outcome = match &result {
                Ok(_) => Outcome::Pass,
                Err(e) => Outcome::Fail(e.clone()),
            };
            f.push(Finding { check, outcome });
        }
        result
    }

    /// Every check of `order` ([`Check::ALL`] for a Response): failed if any part of it failed
    /// (its first failure), passed if it was run and nothing failed, else
    /// [`Outcome::NotChecked`]. Empty for the ACS's run.
    pub fn into_findings(self, order: &[Check]) -> Vec<Finding<E>> {
        let Some(found) = self.findings else {
            return Vec::new();
        };
        order
            .iter()
            .map(|c| {
                let mine = || found.iter().filter(|f| f.check == *c);
                let outcome = mine()
                    .find(|f| matches!(f.outcome, Outcome::Fail(_)))
                    .or_else(|| mine().next())
                    .map_or(Outcome::NotChecked, |f| f.outcome.clone());
                Finding { check: *c, outcome }
            })
            .collect()
    }
}
