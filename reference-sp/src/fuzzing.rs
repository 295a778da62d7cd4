//! The bodies of the fuzz targets (`fuzz/`, issue 9), kept here so the ordinary test suite runs
//! every saved crash and seed input through exactly the code the fuzzer ran
//! (`tests/fuzz_regressions.rs`). Each takes arbitrary bytes and must return, never panic;
//! what it returns is not the point: every input either passes or is refused with a code.
//!
//! The fixed configuration matches `protocol/tests/messages.rs` (Entra profile, fixture key,
//! 2026-01-05T09:00:00Z), so seed Responses built there reach the signature and field checks.

use crate::error::Refusal as _;
use crate::signin::saml::SamlConfig;
use crate::signin::saml::acs;
use chrono::{TimeZone, Utc};
use protocol::fixtures::{Fixture, JwtFixture};
use protocol::saml::{self as s, post, redirect};
use std::sync::OnceLock;

pub const ACS: &str = "https://live.runmyprocess.com/live/112501524864919680/saml/acs";
pub const SP: &str = "https://live.runmyprocess.com/112501524864919680";
pub const TENANT: &str = "https://sts.windows.net/0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a/";

fn config() -> &'static SamlConfig {
    static CONFIG: OnceLock<SamlConfig> = OnceLock::new();
    CONFIG.get_or_init(|| SamlConfig {
        sso_url: "https://login.microsoftonline.com/t/saml2".into(),
        logout_url: None,
        name_id_format: s::NAMEID_EMAIL.into(),
        idp_entity_id: TENANT.into(),
        idp_certificate: Fixture::IdpEntra.certificate().pem(),
        sp_entity_id: SP.into(),
        account_management_url: None,
        auto_provisioning: false,
        idp_signs_logout_messages: true,
    })
}

/// `acs::validate` on the input as the posted field (first byte even) or on base64 of the rest
/// (first byte odd: arbitrary XML). Returns the refusal code, if any.
pub fn acs(data: &[u8]) -> Result<(), &'static str> {
    let Some((&mode, rest)) = data.split_first() else {
        return Err("empty");
    };
    let encoded = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(rest)
    };
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 30).unwrap();
    acs::validate(
        &encoded,
        config(),
        &[Fixture::IdpEntra.certificate()],
        ACS,
        now,
    )
    .map(|_| ())
    .map_err(|e| e.code())
}

/// The Redirect decoder, then the query-signature check with the fixture certificate.
pub fn redirect(data: &[u8]) {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(received) = redirect::parse_query(query) {
        let _ =
            redirect::verify_query_signature(&received, &Fixture::SpContoso.certificate(), false);
        let _ = protocol::saml::xml::parse(&received.xml);
    }
    let _ = redirect::inflate_base64(query);
    let _ = post::decode(query);
}

/// The certificate API's feed parser.
pub fn feed(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::http::certificates::parse_feed(text);
    }
}

/// The ID-token header check, the shared claim rules on the (unverified) claims, and
/// jsonwebtoken's decoder with a fixed RSA key.
pub fn jwt(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = protocol::oidc::jwt_header(token);
    if let Some(claims) = token.split('.').nth(1) {
        use base64::Engine;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        if let Some(claims) = claims {
            let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
            let _ = protocol::oidc::common_claims(&claims, now, chrono::Duration::seconds(60));
        }
    }
    static KEY: OnceLock<Option<jsonwebtoken::DecodingKey>> = OnceLock::new();
    if let Some(key) = KEY.get_or_init(|| {
        let signer =
            protocol::jwt::JwtSigningKey::from_pem(JwtFixture::Google1.key_pem(), "k").ok()?;
        let jwk = signer.jwk();
        jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str()?, jwk["e"].as_str()?).ok()
    }) {
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let _ = jsonwebtoken::decode::<serde_json::Value>(token, key, &validation);
    }
}
