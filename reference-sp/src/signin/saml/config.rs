//! What the SP publishes and the administrator configures for SAML: the SP metadata (R-SA-2),
//! the account-management link, and `/api/<account>/modes/<mode>/saml` (R-SA-1, R-EN-2,
//! R-PROV-3).
//!
//! Certificate rollover (R-SA-11, issue 17): `idp_certificate` takes one certificate or several
//! PEM blocks one after another, and a Response or logout message signed with any of them is
//! the IdP's. The answer lists each with its subject, SHA-256 fingerprint and validity, and warns
//! (in the answer and the log) about one that has ended or ends within 30 days.

use super::*;
use crate::scope::Scoped;
use crate::signin::session::{AdminOfMode, AdminOfModeWith};

/// How long the certificate the SP makes for a customer key lasts (issue 17).
pub const GENERATED_CERTIFICATE_DAYS: i64 = 365;

/// The self-signed certificate the SP makes for a request-signing key given without one
/// (rcgen): `CN=DigitalSuite <account> <MODE> <OPERATION>`, a year from `not_before`.
pub fn generated_certificate(
    key: &protocol::keys::RequestSigningKey,
    account: &str,
    mode: ExecutionMode,
    operation: Operation,
    not_before: chrono::DateTime<chrono::Utc>,
) -> Result<protocol::keys::SelfSigned, ApiError> {
    let name = format!("DigitalSuite {account} {mode} {}", operation.as_str());
    key.self_signed_certificate(&name, not_before, GENERATED_CERTIFICATE_DAYS)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

pub(super) async fn account_management(
    State(state): State<AppState>,
    Scoped { account, mode, .. }: Scoped,
) -> Result<Response, ApiError> {
    match active_config(&state, &account, mode)
        .await?
        .and_then(|c| c.account_management_url)
    {
        Some(url) => Ok(Redirect::to(&url).into_response()),
        None => Err(ApiError::AccountManagementNotConfigured),
    }
}

pub(super) async fn metadata(
    State(state): State<AppState>,
    Scoped { account, mode, .. }: Scoped,
) -> Result<Response, ApiError> {
    let account_c = account.clone();
    let (config, key, stored_at) = state
        .store()
        .call(move |c| {
            let op = Operation::SamlAuth;
            Ok((
                load_config(c, &account_c, mode)?,
                store::keys::load_key(c, &account_c, mode, op)?,
                store::keys::updated_at(c, &account_c, mode, op.as_str())?,
            ))
        })
        .await?;
    // Always a certificate: every upload stores one (the customer's, or one the SP made). A
    // key stored before that gets the same certificate its upload would have, made from its
    // upload time, so the metadata is stable.
    let signing_key = match &key {
        Some(k) => Some(match k.certificate() {
            Some(cert) => cert.clone(),
            None => {
                let at = stored_at.unwrap_or_else(|| state.clock().now());
                generated_certificate(k, account.as_str(), mode, Operation::SamlAuth, at)?
                    .certificate
            }
        }),
        None => None,
    };
    let entity_id = config
        .as_ref()
        .map(|c| c.sp_entity_id.clone())
        .unwrap_or_else(|| default_sp_entity_id(&state, &account));
    let md = SpMetadata {
        entity_id,
        acs_url: acs_url(&state, &account, mode),
        slo_url: slo_url(&state, &account, mode),
        name_id_format: s::NAMEID_EMAIL.to_owned(),
        authn_requests_signed: key.is_some(),
        signing_key,
    };
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        md.to_xml(),
    )
        .into_response())
}

// ---------------------------------------------------------------- admin API

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigBody {
    sso_url: String,
    logout_url: Option<String>,
    name_id_format: String,
    idp_entity_id: String,
    idp_certificate: String,
    sp_entity_id: Option<String>,
    account_management_url: Option<String>,
    #[serde(default)]
    auto_provisioning: bool,
    #[serde(default = "yes")]
    idp_signs_logout_messages: bool,
}

pub(super) fn yes() -> bool {
    true
}

pub(super) fn check_url(field: &str, raw: &str) -> Result<String, ApiError> {
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(raw.to_owned()),
        _ => Err(ApiError::invalid(
            "invalid_url",
            format!("{field} must be an absolute http(s) URL"),
        )),
    }
}

/// Days before a certificate's end from which the answer warns.
pub const CERTIFICATE_WARNING_DAYS: i64 = 30;

/// One trusted IdP certificate, as the administrator sees it.
#[derive(Debug, serde::Serialize)]
pub(super) struct CertificateView {
    subject: String,
    sha256_fingerprint: String,
    not_before: String,
    not_after: String,
    days_left: i64,
}

/// The configuration as the API answers it: what is stored, each certificate described, and
/// the warnings about them.
#[derive(Debug, serde::Serialize)]
pub(super) struct ConfigView {
    #[serde(flatten)]
    config: SamlConfig,
    idp_certificates: Vec<CertificateView>,
    warnings: Vec<String>,
}

fn view(config: SamlConfig, now: chrono::DateTime<chrono::Utc>) -> Result<ConfigView, ApiError> {
    let certs = protocol::keys::certificates_from_text(&config.idp_certificate)
        .map_err(|e| ApiError::Internal(format!("stored IdP certificate: {e}")))?;
    let mut shown = Vec::with_capacity(certs.len());
    let mut warnings = Vec::new();
    for cert in &certs {
        let f = cert
            .facts()
            .map_err(|e| ApiError::Internal(format!("stored IdP certificate: {e}")))?;
        let days_left = (f.not_after - now).num_days();
        if now < f.not_before {
            warnings.push(format!(
                "the IdP certificate {} ({}) is not valid before {}: is it the IdP's next one, \
                 added early?",
                f.subject,
                f.sha256_fingerprint,
                f.not_before.format("%Y-%m-%d")
            ));
        } else if now >= f.not_after {
            warnings.push(format!(
                "the IdP certificate {} ({}) ended on {}: remove it once the new one signs",
                f.subject,
                f.sha256_fingerprint,
                f.not_after.format("%Y-%m-%d")
            ));
        } else if days_left < CERTIFICATE_WARNING_DAYS {
            warnings.push(format!(
                "the IdP certificate {} ({}) ends on {}, in {days_left} days: add the IdP's new \
                 certificate beside it before the IdP switches",
                f.subject,
                f.sha256_fingerprint,
                f.not_after.format("%Y-%m-%d")
            ));
        }
        shown.push(CertificateView {
            subject: f.subject,
            sha256_fingerprint: f.sha256_fingerprint,
            not_before: f.not_before.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            not_after: f.not_after.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            days_left,
        });
    }
    Ok(ConfigView {
        config,
        idp_certificates: shown,
        warnings,
    })
}

pub(super) async fn get_config(
    State(state): State<AppState>,
    AdminOfMode { account, mode }: AdminOfMode,
) -> Result<Json<ConfigView>, ApiError> {
    let config = state
        .store()
        .call(move |c| load_config(c, &account, mode))
        .await?
        .ok_or(ApiError::SamlNotConfigured)?;
    Ok(Json(view(config, state.clock().now())?))
}

pub(super) async fn put_config(
    State(state): State<AppState>,
    AdminOfModeWith {
        account,
        mode,
        body,
    }: AdminOfModeWith<ConfigBody>,
) -> Result<Json<ConfigView>, ApiError> {
    if body.name_id_format != s::NAMEID_EMAIL {
        return Err(ApiError::invalid(
            "invalid_name_id_format",
            format!(
                "the NameID must carry the user's email: use {}",
                s::NAMEID_EMAIL
            ),
        ));
    }
    let certs = protocol::keys::certificates_from_text(&body.idp_certificate)
        .map_err(|e| ApiError::invalid("invalid_certificate", format!("idp_certificate: {e}")))?;
    for cert in &certs {
        cert.facts().map_err(|e| {
            ApiError::invalid("invalid_certificate", format!("idp_certificate: {e}"))
        })?;
    }
    if body.auto_provisioning && mode != ExecutionMode::Live {
        return Err(ApiError::invalid(
            "auto_provisioning_live_only",
            "auto-provisioning exists only in LIVE mode",
        ));
    }
    if body.idp_entity_id.trim().is_empty() {
        return Err(ApiError::invalid(
            "invalid_entity_id",
            "idp_entity_id must not be empty",
        ));
    }
    let config = SamlConfig {
        sso_url: check_url("sso_url", &body.sso_url)?,
        logout_url: body
            .logout_url
            .as_deref()
            .map(|u| check_url("logout_url", u))
            .transpose()?,
        name_id_format: body.name_id_format,
        idp_entity_id: body.idp_entity_id.trim().to_owned(),
        idp_certificate: certs.iter().map(Certificate::pem).collect(),
        sp_entity_id: match body.sp_entity_id {
            Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
            Some(_) => {
                return Err(ApiError::invalid(
                    "invalid_entity_id",
                    "sp_entity_id must not be empty",
                ));
            }
            None => default_sp_entity_id(&state, &account),
        },
        account_management_url: body
            .account_management_url
            .as_deref()
            .map(|u| check_url("account_management_url", u))
            .transpose()?,
        auto_provisioning: body.auto_provisioning,
        idp_signs_logout_messages: body.idp_signs_logout_messages,
    };
    let saved = config.clone();
    let account_c = account.clone();
    state
        .store()
        .call(move |c| {
            if crate::store::saml::entity_id_taken(c, &saved.sp_entity_id, &account)? {
                return Err(ApiError::EntityIdTaken);
            }
            save_config(c, &account, mode, &saved)
        })
        .await?;
    let shown = view(config, state.clock().now())?;
    for warning in &shown.warnings {
        tracing::warn!(account = %account_c, %mode, "{warning}");
    }
    Ok(Json(shown))
}

pub(super) async fn delete_config(
    State(state): State<AppState>,
    AdminOfMode { account, mode }: AdminOfMode,
) -> Result<Response, ApiError> {
    state
        .store()
        .call(move |c| crate::store::saml::delete_config(c, &account, mode))
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
