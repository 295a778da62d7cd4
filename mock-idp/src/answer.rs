//! The Response the mock IdP answers a sign-in with, before faults and signing: what the
//! profile's vendor sends for a user, to one app, answering one AuthnRequest (protocols.md §3;
//! saml-profiles §4.1.4.2). Public so the benchmarks sign and judge exactly what the mock sends.

use crate::{IdpUser, VendorProfile};
use chrono::{DateTime, Utc};
use protocol::IdGenerator;
use protocol::saml::messages::{
    Assertion, AuthnStatement, Conditions, Confirmation, Issuer, NameId, Response, Status,
};
use protocol::saml::{self as s};

/// Who is signed in, where, in answer to what.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub profile: VendorProfile,
    pub tenant: &'a str,
    pub user: &'a IdpUser,
    /// The app's identifier (the Audience).
    pub audience: &'a str,
    /// Destination and Recipient.
    pub acs: &'a str,
    /// The AuthnRequest's ID (InResponseTo).
    pub request_id: &'a str,
    /// The NameIDPolicy Format the request asked for, if any; else emailAddress.
    pub name_id_format: Option<&'a str>,
}

impl Answer<'_> {
    /// The Response, with IDs from `ids` (the assertion's first) and times from `now`.
    pub fn response(&self, ids: &dyn IdGenerator, now: DateTime<Utc>) -> Response {
        let profile = self.profile;
        let (before, after, confirm_after) = profile.validity();
        let issuer = Issuer {
            value: profile.entity_id(self.tenant),
            format: profile.issuer_format(),
        };
        let assertion_id = ids.new_id("_");
        Response {
            id: ids.new_id("_"),
            issue_instant: now,
            destination: Some(self.acs.to_owned()),
            in_response_to: Some(self.request_id.to_owned()),
            issuer: issuer.clone(),
            status: Status::success(),
            assertion: Some(Assertion {
                id: assertion_id.clone(),
                issue_instant: now,
                issuer,
                name_id: Some(NameId {
                    value: self.user.email.clone(),
                    format: Some(self.name_id_format.unwrap_or(s::NAMEID_EMAIL).to_owned()),
                }),
                confirmation: Confirmation {
                    in_response_to: Some(self.request_id.to_owned()),
                    not_on_or_after: Some(now + confirm_after),
                    recipient: Some(self.acs.to_owned()),
                },
                conditions: Conditions {
                    not_before: Some(now - before),
                    not_on_or_after: Some(now + after),
                    audiences: vec![self.audience.to_owned()],
                },
                attributes: profile.attributes(self.tenant, self.user),
                authn: AuthnStatement {
                    instant: now,
                    session_index: Some(assertion_id),
                    session_not_on_or_after: None,
                    class_ref: profile.authn_context().to_owned(),
                },
            }),
        }
    }
}
