//! Byte-exact snapshots of what the reference SP really sends: the AuthnRequest behind the
//! sign-on URL, the LogoutRequest of single logout, and the SP metadata. Fixed clock, sequential
//! IDs and a fixed public URL, through `app()` with `oneshot` (no sockets needed).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use protocol::fixtures::Fixture;
use protocol::saml::redirect;
use protocol::saml::xml::canonical;
use protocol::{FixedClock, SequentialIds};
use reference_sp::domain::{AccountId, AuthMethod, Email, ExecutionMode};
use reference_sp::signin::saml::SamlConfig;
use reference_sp::store::{self, NewSession, NewUser};
use reference_sp::{AppState, Settings, Store, app};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tower::ServiceExt;

const ACCOUNT: &str = "112501524864919680";
const TENANT: &str = "0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a";

fn state() -> AppState {
    let store = Store::open_in_memory().unwrap();
    let account: AccountId = ACCOUNT.parse().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let config = SamlConfig {
        sso_url: format!("https://login.microsoftonline.com/{TENANT}/saml2"),
        logout_url: Some(format!("https://login.microsoftonline.com/{TENANT}/saml2")),
        name_id_format: protocol::saml::NAMEID_EMAIL.into(),
        idp_entity_id: format!("https://sts.windows.net/{TENANT}/"),
        idp_certificate: Fixture::IdpEntra.certificate().pem(),
        sp_entity_id: format!("https://live.runmyprocess.com/live/{ACCOUNT}"),
        account_management_url: None,
        auto_provisioning: false,
        idp_signs_logout_messages: true,
    };
    store
        .call_blocking(|c| {
            store::create_account(c, &account, "Contoso", Some(5), now)?;
            reference_sp::store::saml::save_config(c, &account, ExecutionMode::Live, &config)?;
            store::set_method(c, &account, ExecutionMode::Live, AuthMethod::Saml)
        })
        .unwrap();
    AppState::new(
        store,
        Arc::new(FixedClock::new(now)),
        Arc::new(SequentialIds::new()),
        Settings::new("https://live.runmyprocess.com"),
    )
}

/// Stores the demo customer's key for `operation` in LIVE, as the certificate API does.
fn add_key(state: &AppState, operation: &str) {
    let account: AccountId = ACCOUNT.parse().unwrap();
    state
        .store()
        .call_blocking(|c| {
            c.execute(
                "INSERT INTO signing_keys (account_id, mode, operation, key_pem, fingerprint, title, updated_at)
                 VALUES (?1, 'LIVE', ?2, ?3, 'fp', 'My AuthN Certificate', '2026-01-05T09:00:00Z')",
                rusqlite::params![account.as_str(), operation, Fixture::SpContoso.key_pem()],
            )?;
            Ok(())
        })
        .unwrap();
}

fn redirect_query(response: &axum::response::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    location.split_once('?').unwrap().1.to_owned()
}

fn redirected_message(response: &axum::response::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    redirect::parse_query(location.split_once('?').unwrap().1)
        .unwrap()
        .xml
}

#[tokio::test]
async fn the_sign_on_url_sends_this_authn_request() {
    let response = app(state())
        .oneshot(
            Request::get(format!("/live/{ACCOUNT}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let xml = redirected_message(&response);
    insta::assert_snapshot!("sp__live__authn_request", canonical(&xml).unwrap());
}

#[tokio::test]
async fn with_a_saml_auth_key_the_authn_request_is_signed() {
    let state = state();
    add_key(&state, "SAML_AUTH");
    let response = app(state)
        .oneshot(
            Request::get(format!("/live/{ACCOUNT}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let query = redirect_query(&response);
    let received = redirect::parse_query(&query).unwrap();
    redirect::verify_query_signature(&received, &Fixture::SpContoso.certificate(), false).unwrap();
    insta::assert_snapshot!("sp__live__authn_request_signed_query", query);
    insta::assert_snapshot!(
        "sp__live__authn_request_signed",
        canonical(&received.xml).unwrap()
    );
}

#[tokio::test]
async fn with_a_saml_logout_key_the_logout_request_is_signed() {
    let state = state();
    add_key(&state, "SAML_LOGOUT");
    let response = logout_with_saml_session(state).await;
    let query = redirect_query(&response);
    let received = redirect::parse_query(&query).unwrap();
    redirect::verify_query_signature(&received, &Fixture::SpContoso.certificate(), false).unwrap();
    insta::assert_snapshot!("sp__live__logout_request_signed_query", query);
    insta::assert_snapshot!(
        "sp__live__logout_request_signed",
        canonical(&received.xml).unwrap()
    );
}

#[tokio::test]
async fn single_logout_sends_this_logout_request() {
    let response = logout_with_saml_session(state()).await;
    let xml = redirected_message(&response);
    insta::assert_snapshot!("sp__live__logout_request", canonical(&xml).unwrap());
}

/// Opens a SAML session for B.Simon and posts logout.
async fn logout_with_saml_session(state: AppState) -> axum::response::Response {
    let token = "ds-test-session";
    let hash: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    saml_session(&state, &hash);
    app(state)
        .oneshot(
            Request::post(format!("/live/{ACCOUNT}/logout?P_mode=LIVE"))
                .header(header::COOKIE, format!("DS_SESSION_{ACCOUNT}_LIVE={token}"))
                // The sign-out button of the SP's own page (CSRF rule 1).
                .header(header::ORIGIN, "https://live.runmyprocess.com")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
}

/// B.Simon with a LIVE SAML session (NameID, SessionIndex `_0001`) under `token_hash`.
fn saml_session(state: &AppState, token_hash: &str) {
    let account: AccountId = ACCOUNT.parse().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    state
        .store()
        .call_blocking(|c| {
            let user = NewUser::new("B.Simon", Email::parse("B.Simon@contoso.com")?);
            let user = store::create_user(c, &account, &user, now)?;
            let saml = reference_sp::signin::session::SamlSession {
                name_id: "B.Simon@contoso.com".into(),
                name_id_format: protocol::saml::NAMEID_EMAIL.into(),
                session_index: Some("_0001".into()),
            };
            let session = NewSession {
                token_hash,
                account: &account,
                mode: ExecutionMode::Live,
                user_id: user.id,
                saml: Some(&saml),
            };
            store::insert_session(c, &session, now, now + chrono::Duration::hours(8))
        })
        .unwrap();
}

#[tokio::test]
async fn the_metadata_endpoint_serves_this_document() {
    let response = app(state())
        .oneshot(
            Request::get(format!("/live/{ACCOUNT}/saml/metadata?P_mode=LIVE"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let xml = String::from_utf8(body.to_vec()).unwrap();
    insta::assert_snapshot!("sp__live__metadata", canonical(&xml).unwrap());
}

/// The IdP's LogoutRequest for B.Simon's session, by the Redirect binding, signed with the
/// Entra fixture key (the configuration requires signed logout messages).
fn idp_logout_query() -> String {
    let request = protocol::saml::messages::LogoutRequest {
        id: "_idp-lo-1".into(),
        issue_instant: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        destination: format!("https://live.runmyprocess.com/live/{ACCOUNT}/saml/slo?P_mode=LIVE"),
        issuer: format!("https://sts.windows.net/{TENANT}/"),
        name_id: protocol::saml::messages::NameId {
            value: "B.Simon@contoso.com".into(),
            format: Some(protocol::saml::NAMEID_EMAIL.into()),
        },
        session_index: Some("_0001".into()),
    }
    .to_xml(&protocol::saml::messages::Style::ENTRA);
    let key = protocol::keys::RequestSigningKey::from_pem(Fixture::IdpEntra.key_pem()).unwrap();
    redirect::signed_query(redirect::MessageKind::Request, &request, None, key.pkey()).unwrap()
}

async fn idp_initiated_logout(state: AppState) -> axum::response::Response {
    // The session to end, then the IdP's LogoutRequest.
    saml_session(&state, "h-idp");
    app(state)
        .oneshot(
            Request::get(format!(
                "/live/{ACCOUNT}/saml/slo?P_mode=LIVE&{}",
                idp_logout_query()
            ))
            .body(Body::empty())
            .unwrap(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn idp_initiated_logout_is_answered_with_this_logout_response() {
    let state = state();
    let response = idp_initiated_logout(state.clone()).await;
    let xml = redirected_message(&response);
    insta::assert_snapshot!("sp__live__logout_response", canonical(&xml).unwrap());
    let left: i64 = state
        .store()
        .call_blocking(|c| Ok(c.query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(left, 0, "the session was not ended");
}

#[tokio::test]
async fn with_a_saml_logout_key_the_logout_response_is_signed() {
    let state = state();
    add_key(&state, "SAML_LOGOUT");
    let response = idp_initiated_logout(state).await;
    let query = redirect_query(&response);
    let received = redirect::parse_query(&query).unwrap();
    redirect::verify_query_signature(&received, &Fixture::SpContoso.certificate(), false).unwrap();
    insta::assert_snapshot!("sp__live__logout_response_signed_query", query);
}

/// A key stored alone, as uploads before issue 17 stored it: the metadata still publishes a
/// certificate, the one its upload would make now (made from the stored upload time, so the
/// same each time), never a bare RSAKeyValue.
#[tokio::test]
async fn a_key_stored_without_its_certificate_is_published_with_the_one_its_upload_makes() {
    let state = state();
    add_key(&state, "SAML_AUTH");
    let get = || {
        app(state.clone()).oneshot(
            Request::get(format!("/live/{ACCOUNT}/saml/metadata?P_mode=LIVE"))
                .body(Body::empty())
                .unwrap(),
        )
    };
    let read = |r: axum::response::Response| async move {
        assert_eq!(r.status(), StatusCode::OK);
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    };
    let xml = read(get().await.unwrap()).await;
    let key = protocol::keys::RequestSigningKey::from_pem(Fixture::SpContoso.key_pem()).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let made = reference_sp::signin::saml::generated_certificate(
        &key,
        ACCOUNT,
        reference_sp::domain::ExecutionMode::Live,
        reference_sp::domain::Operation::SamlAuth,
        at,
    )
    .unwrap();
    assert!(
        xml.contains(&format!(
            "<ds:X509Certificate>{}</ds:X509Certificate>",
            made.certificate.base64()
        )),
        "{xml}"
    );
    assert!(!xml.contains("RSAKeyValue"), "{xml}");
    assert_eq!(read(get().await.unwrap()).await, xml, "the same each time");
}
