//! Byte-exact snapshots of every message the SAML layer builds, signatures included, with a
//! fixed time, fixed IDs and the fixture keys; and the checks that what is signed verifies.

use chrono::{DateTime, Duration, TimeZone, Utc};
use protocol::fixtures::Fixture;
use protocol::saml::messages::{
    Assertion, Attribute, AuthnRequest, AuthnStatement, Conditions, Confirmation, Issuer,
    LogoutRequest, LogoutResponse, NameId, Response, Signing, Status, Style,
};
use protocol::saml::metadata::{IdpMetadata, SpMetadata};
use protocol::saml::sign::{self, SignedElement};
use protocol::saml::xml::canonical;
use protocol::saml::{self as s};

const ACS: &str = "https://live.runmyprocess.com/live/112501524864919680/saml/acs";
const SP: &str = "https://live.runmyprocess.com/112501524864919680";
const TENANT: &str = "https://sts.windows.net/0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a/";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

fn entra_response() -> Response {
    let t = t0();
    Response {
        id: "_r0001".into(),
        issue_instant: t,
        destination: Some(ACS.into()),
        in_response_to: Some("id0001".into()),
        issuer: Issuer::new(TENANT),
        status: Status::success(),
        assertion: Some(Assertion {
            id: "_a0001".into(),
            issue_instant: t,
            issuer: Issuer::new(TENANT),
            name_id: Some(NameId {
                value: "B.Simon@contoso.com".into(),
                format: Some(s::NAMEID_EMAIL.into()),
            }),
            confirmation: Confirmation {
                in_response_to: Some("id0001".into()),
                not_on_or_after: Some(t + Duration::minutes(60)),
                recipient: Some(ACS.into()),
            },
            conditions: Conditions {
                not_before: Some(t - Duration::minutes(5)),
                not_on_or_after: Some(t + Duration::minutes(60)),
                audiences: vec![SP.into()],
            },
            attributes: vec![
                Attribute {
                    name: "http://schemas.microsoft.com/identity/claims/displayname".into(),
                    name_format: None,
                    values: vec!["B.Simon".into()],
                    value_type: None,
                },
                Attribute {
                    name: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role".into(),
                    name_format: None,
                    values: vec!["Approver".into()],
                    value_type: None,
                },
            ],
            authn: AuthnStatement {
                instant: t - Duration::seconds(3),
                session_index: Some("_a0001".into()),
                session_not_on_or_after: None,
                class_ref: s::AC_PASSWORD.into(),
            },
        }),
    }
}

/// The signed elements, by the native verifier and by the xmlsec oracle, which must agree.
fn signed_elements(xml: &str) -> Vec<SignedElement> {
    signed_by(xml, &Fixture::IdpEntra.certificate())
}

fn signed_by(xml: &str, cert: &protocol::keys::Certificate) -> Vec<SignedElement> {
    let native = sign::verify(xml, cert).unwrap();
    assert_eq!(native, sign::verify_xmlsec(xml, cert).unwrap().0);
    native
}

#[test]
fn authn_request() {
    let req = AuthnRequest {
        id: "id0001".into(),
        issue_instant: t0(),
        destination: "https://login.microsoftonline.com/0b6f4a8c/saml2".into(),
        acs_url: ACS.into(),
        issuer: SP.into(),
        name_id_format: Some(s::NAMEID_EMAIL.into()),
        force_authn: false,
    };
    insta::assert_snapshot!(
        "saml__sp__authn_request",
        canonical(&req.to_xml(&Style::SAMLP)).unwrap()
    );
}

#[test]
fn responses_for_each_signing_option() {
    let key = Fixture::IdpEntra.signing_key();
    let r = entra_response();
    for (signing, name, expected) in [
        (Signing::Assertion, "assertion_signed", vec!["Assertion"]),
        (Signing::Response, "response_signed", vec!["Response"]),
        (Signing::Both, "both_signed", vec!["Response", "Assertion"]),
        (Signing::Unsigned, "unsigned", vec![]),
    ] {
        let xml = r.to_xml(&Style::ENTRA, signing, &key).unwrap();
        let signed: Vec<String> = signed_elements(&xml)
            .into_iter()
            .map(|e| e.element)
            .collect();
        assert_eq!(signed, expected, "{name}");
        insta::assert_snapshot!(
            format!("saml__entra__response_{name}"),
            canonical(&xml).unwrap()
        );
    }
}

#[test]
fn okta_and_google_styles() {
    let mut r = entra_response();
    r.issuer = Issuer {
        value: "http://www.okta.com/exk1okta".into(),
        format: Some(s::NAMEID_ENTITY.into()),
    };
    let xml = r
        .to_xml(&Style::OKTA, Signing::Both, &Fixture::IdpOkta.signing_key())
        .unwrap();
    let signed = signed_by(&xml, &Fixture::IdpOkta.certificate());
    assert_eq!(signed.len(), 2);
    insta::assert_snapshot!("saml__okta__response_both_signed", canonical(&xml).unwrap());

    let mut g = entra_response();
    g.issuer = Issuer::new("https://accounts.google.com/o/saml2?idpid=C01mock");
    if let Some(a) = g.assertion.as_mut() {
        a.attributes = vec![Attribute {
            name: "role".into(),
            name_format: None,
            values: vec!["Approver".into()],
            value_type: Some("xs:anyType".into()),
        }];
    }
    let xml = g
        .to_xml(
            &Style::SAMLP,
            Signing::Assertion,
            &Fixture::IdpGoogleWorkspace.signing_key(),
        )
        .unwrap();
    signed_by(&xml, &Fixture::IdpGoogleWorkspace.certificate());
    insta::assert_snapshot!(
        "saml__google_workspace__response_assertion_signed",
        canonical(&xml).unwrap()
    );
}

#[test]
fn error_response() {
    let mut r = entra_response();
    r.assertion = None;
    r.status = Status {
        code: s::STATUS_REQUESTER.into(),
        sub_code: Some(s::STATUS_REQUEST_UNSUPPORTED.into()),
        message: Some("AADSTS75011: Authentication method by which the user authenticated with the service doesn't match requested authentication method.".into()),
    };
    let xml = r
        .to_xml(
            &Style::ENTRA,
            Signing::Unsigned,
            &Fixture::IdpEntra.signing_key(),
        )
        .unwrap();
    insta::assert_snapshot!(
        "saml__entra__response_requester_error",
        canonical(&xml).unwrap()
    );
}

#[test]
fn logout_messages() {
    let req = LogoutRequest {
        id: "id0002".into(),
        issue_instant: t0(),
        destination: "https://login.microsoftonline.com/0b6f4a8c/saml2".into(),
        issuer: SP.into(),
        name_id: NameId {
            value: "B.Simon@contoso.com".into(),
            format: Some(s::NAMEID_EMAIL.into()),
        },
        session_index: Some("_a0001".into()),
    };
    insta::assert_snapshot!(
        "saml__sp__logout_request",
        canonical(&req.to_xml(&Style::SAMLP)).unwrap()
    );
    let resp = LogoutResponse {
        id: "_l0001".into(),
        issue_instant: t0(),
        destination: Some("https://live.runmyprocess.com/live/112501524864919680/saml/slo".into()),
        in_response_to: "id0002".into(),
        issuer: Issuer::new("https://login.microsoftonline.com/0b6f4a8c/"),
        status: Status::success(),
    };
    insta::assert_snapshot!(
        "saml__entra__logout_response",
        canonical(&resp.to_xml(&Style::ENTRA)).unwrap()
    );
}

#[test]
fn metadata() {
    let sp = SpMetadata {
        entity_id: SP.into(),
        acs_url: ACS.into(),
        slo_url: "https://live.runmyprocess.com/live/112501524864919680/saml/slo".into(),
        name_id_format: s::NAMEID_EMAIL.into(),
        authn_requests_signed: false,
        signing_key: None,
    };
    insta::assert_snapshot!("saml__sp__metadata", canonical(&sp.to_xml()).unwrap());
    let idp = IdpMetadata {
        entity_id: TENANT.into(),
        sso_url: "https://login.microsoftonline.com/0b6f4a8c/saml2".into(),
        slo_url: Some("https://login.microsoftonline.com/0b6f4a8c/saml2".into()),
        signing_certs: vec![Fixture::IdpEntra.certificate()],
        name_id_formats: vec![],
    };
    insta::assert_snapshot!(
        "saml__entra__idp_metadata",
        canonical(&idp.to_xml()).unwrap()
    );
}

#[test]
fn a_response_signed_by_another_key_does_not_verify() {
    let xml = entra_response()
        .to_xml(
            &Style::ENTRA,
            Signing::Assertion,
            &Fixture::IdpUntrusted.signing_key(),
        )
        .unwrap();
    for verdict in [
        sign::verify(&xml, &Fixture::IdpEntra.certificate()).unwrap_err(),
        sign::verify_xmlsec(&xml, &Fixture::IdpEntra.certificate()).unwrap_err(),
    ] {
        assert_eq!(verdict, sign::SignError::InvalidSignature);
    }
}
