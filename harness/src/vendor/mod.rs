//! Vendor mode (R-VEN-1): an IdP vendor or a customer's IT team judges a captured SAMLResponse
//! against what the reference SP requires, rule by rule.
//!
//! [`check_response`] runs the SP's own ACS checks (`reference_sp::signin::saml::acs::report`,
//! the very function the ACS runs, in its every-rule mode), adds the one check the ACS makes
//! against its store that a capture can still be judged on (InResponseTo = the request's ID,
//! when given), and gives each failure a fix hint in the vendor's own terms ([`hints`]).
//! [`input`] finds the SAMLResponses in what admins capture (the posted value, the XML, a HAR
//! file, a SAML-tracer export); [`render`] writes text, JSON or JUnit.

pub mod cli;
pub mod external;
pub mod hints;
pub mod input;
pub mod kept;
pub mod metadata;
pub mod render;

use chrono::{DateTime, Utc};
use protocol::keys::Certificate;
use reference_sp::error::Refusal as _;
use reference_sp::signin::saml::acs::{self, Finding, Outcome};
use reference_sp::store::saml::SamlConfig;

/// Vendor profiles with their own wording in fix hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    EntraId,
    Okta,
    GoogleWorkspace,
}

impl Profile {
    /// The vendor an IdP entity ID belongs to, when its form says so (Entra's
    /// `https://sts.windows.net/<tenant>/`, Okta's `http://www.okta.com/<id>`, Google's
    /// `https://accounts.google.com/o/saml2?idpid=<id>`).
    pub fn guess(idp_entity_id: &str) -> Option<Self> {
        let host = url::Url::parse(idp_entity_id)
            .ok()?
            .host_str()?
            .to_ascii_lowercase();
        match host.as_str() {
            "sts.windows.net" | "login.microsoftonline.com" => Some(Self::EntraId),
            "accounts.google.com" => Some(Self::GoogleWorkspace),
            h if h == "www.okta.com" || h.ends_with(".okta.com") => Some(Self::Okta),
            _ => None,
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "entra-id" => Ok(Self::EntraId),
            "okta" => Ok(Self::Okta),
            "google-workspace" => Ok(Self::GoogleWorkspace),
            other => Err(format!(
                "unknown profile {other:?}: entra-id, okta or google-workspace"
            )),
        }
    }
}

/// What the Response is judged against: what the SP would have configured for this IdP.
#[derive(Debug, Clone)]
pub struct Expectations {
    /// The IdP's signing certificate, PEM or the Base64 file Entra downloads.
    pub idp_certificate: String,
    pub idp_entity_id: String,
    pub sp_entity_id: String,
    pub acs_url: String,
    /// The AuthnRequest's ID, when known: InResponseTo must be it.
    pub request_id: Option<String>,
    /// When the Response is judged (a capture taken earlier is judged at its own time).
    pub now: DateTime<Utc>,
    pub profile: Option<Profile>,
}

/// Why a capture cannot be judged at all (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("{0}")]
    Input(String),
    #[error("the IdP certificate cannot be read: {0}")]
    Certificate(String),
}

/// One rule's result for one message, with what a vendor needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleResult {
    /// Stable identifier (`response.destination`).
    pub id: &'static str,
    /// REQUIREMENTS.md rule.
    pub rule: &'static str,
    /// Specification clause.
    pub clause: &'static str,
    /// What the rule requires.
    pub title: &'static str,
    pub outcome: Verdict,
    /// The SP's error code, on failure.
    pub code: Option<&'static str>,
    /// What was found, on failure.
    pub found: Option<String>,
    /// How to fix it, on failure, in the vendor's terms.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Allowed, but worth acting on (a certificate ending soon, no single logout).
    Warn,
    /// Not judged, and why is in `found`.
    NotChecked,
}

/// The judgement of one captured message.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MessageReport {
    /// Where in the input it was found (`HAR entry 3: POST https://...`).
    pub source: String,
    pub rules: Vec<RuleResult>,
    /// The message, indented, with the signed elements marked; empty if it does not decode.
    pub pretty: String,
    /// What "nothing failed" and "a rule failed" mean for this kind of message.
    #[serde(skip)]
    pub verdict_pass: &'static str,
    #[serde(skip)]
    pub verdict_fail: &'static str,
}

impl MessageReport {
    pub fn failed(&self) -> usize {
        self.rules
            .iter()
            .filter(|r| r.outcome == Verdict::Fail)
            .count()
    }

    pub fn rule(&self, id: &str) -> Option<&RuleResult> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// The id of the check made here, not in the ACS: InResponseTo against `--request-id`.
pub const REQUEST_ID_CHECK: &str = "response.request_id";

/// Judges one captured SAMLResponse (the value as posted: base64).
pub fn check_response(
    source: &str,
    encoded: &str,
    expect: &Expectations,
) -> Result<MessageReport, Unusable> {
    let cert = Certificate::from_text(&expect.idp_certificate)
        .map_err(|e| Unusable::Certificate(e.to_string()))?;
    let config = SamlConfig {
        sso_url: String::new(),
        logout_url: None,
        name_id_format: protocol::saml::NAMEID_EMAIL.to_owned(),
        idp_entity_id: expect.idp_entity_id.clone(),
        idp_certificate: expect.idp_certificate.clone(),
        sp_entity_id: expect.sp_entity_id.clone(),
        account_management_url: None,
        auto_provisioning: false,
        idp_signs_logout_messages: true,
    };
    let findings = acs::report(
        encoded,
        &config,
        std::slice::from_ref(&cert),
        &expect.acs_url,
        expect.now,
    );
    let mut rules: Vec<RuleResult> = findings
        .iter()
        .map(|f| rule_result(f, expect.profile))
        .collect();
    let decoded = protocol::saml::post::decode(encoded).ok();
    rules.push(request_id_rule(decoded.as_deref(), expect));
    let pretty = decoded
        .as_deref()
        .map(render::pretty_xml)
        .unwrap_or_default();
    Ok(MessageReport {
        source: source.to_owned(),
        rules,
        pretty,
        verdict_pass: "the reference SP accepts this Response",
        verdict_fail: "the reference SP refuses this Response",
    })
}

pub(crate) fn rule_result(f: &Finding, profile: Option<Profile>) -> RuleResult {
    let (outcome, code, found) = match &f.outcome {
        Outcome::Pass => (Verdict::Pass, None, None),
        Outcome::Fail(e) => (Verdict::Fail, Some(e.code()), Some(e.to_string())),
        Outcome::NotChecked => (
            Verdict::NotChecked,
            None,
            Some("not judged: an earlier failure left nothing to judge it on".to_owned()),
        ),
    };
    let hint = (outcome == Verdict::Fail).then(|| hints::hint(f.check, code, profile));
    RuleResult {
        id: f.check.id(),
        rule: f.check.rule(),
        clause: f.check.clause(),
        title: f.check.title(),
        outcome,
        code,
        found,
        hint,
    }
}

/// InResponseTo against the request's ID, which the ACS takes from its store.
fn request_id_rule(xml: Option<&str>, expect: &Expectations) -> RuleResult {
    let in_response_to = xml.and_then(|x| {
        protocol::saml::xml::parse(x).ok().and_then(|d| {
            d.root_element()
                .attribute("InResponseTo")
                .map(str::to_owned)
        })
    });
    let (outcome, code, found) = match (&expect.request_id, in_response_to) {
        (None, _) => (
            Verdict::NotChecked,
            None,
            Some("not judged: give --request-id (the AuthnRequest's ID)".to_owned()),
        ),
        (Some(want), Some(got)) if *want == got => (Verdict::Pass, None, None),
        (Some(want), got) => (
            Verdict::Fail,
            Some("saml_unknown_request"),
            Some(format!(
                "InResponseTo is {:?}, the request's ID is {want:?}",
                got.unwrap_or_default()
            )),
        ),
    };
    let hint = (outcome == Verdict::Fail).then(|| {
        "Answer the AuthnRequest that started this sign-in (its ID goes in InResponseTo); a \
         Response to another or an earlier request is refused."
            .to_owned()
    });
    RuleResult {
        id: REQUEST_ID_CHECK,
        rule: "R-SA-6",
        clause: "saml-profiles §4.1.4.2",
        title: "InResponseTo is the ID of the AuthnRequest this Response answers",
        outcome,
        code,
        found,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reference_sp::signin::saml::acs::Check;

    /// docs/vendors/README.md lists every check, in the ACS's order, with its rule and clause.
    #[test]
    fn the_vendor_guide_lists_every_check_as_the_code_defines_it() {
        let doc = include_str!("../../../docs/vendors/README.md");
        let (responses, logout) = doc
            .split_once("## The rules of a logout message's report")
            .expect("a section for logout messages");
        let row = |check: &Check| {
            format!(
                "| `{}` | {} | {} | {} |",
                check.id(),
                check.rule(),
                check.clause(),
                check.title()
            )
        };
        // LogoutRequest's rules, then the LogoutResponse's own.
        let logout_checks: Vec<&Check> = Check::LOGOUT_REQUEST
            .iter()
            .chain(
                Check::LOGOUT_RESPONSE
                    .iter()
                    .filter(|c| !Check::LOGOUT_REQUEST.contains(c)),
            )
            .collect();
        let logout_rows: Vec<&str> = logout.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(logout_rows.len(), logout_checks.len());
        for (r, check) in logout_rows.iter().zip(logout_checks) {
            assert_eq!(*r, row(check));
        }
        let rows: Vec<&str> = responses.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(
            rows.len(),
            Check::ALL.len() + 1,
            "one row per check, plus the request ID"
        );
        for (r, check) in rows.iter().zip(Check::ALL) {
            assert_eq!(*r, row(check));
        }
        assert!(rows[Check::ALL.len()].starts_with(&format!("| `{REQUEST_ID_CHECK}` |")));
    }
}
