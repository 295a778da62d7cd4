//! The customer's own request-signing keys (REQUIREMENTS.md R-SG-1..4; the "Sign SAML requests
//! with your own certificate" part of the DigitalSuite documentation).
//!
//! `PUT /config/<customer id>/certificate` takes the documented Atom feed: categories `hash`
//! (SHA256), `encryption` (RSA), `operation` (SAML_AUTH | SAML_LOGOUT), `format` (PEM), `mode`
//! (TEST | ACCEPTANCE | LIVE), and the private key in the feed's `<content>` (optionally followed
//! by its certificate). It adds or replaces the key for that operation and mode.
//! `DELETE /config/<customer id>/certificate/<OPERATION>?P_mode=<MODE>` removes it.
//! Administrators only. The private key is stored, used to sign, and never returned or logged:
//! answers carry the public-key fingerprint and the certificate.
//!
//! A key given without its certificate gets one (issue 17): the SP makes a self-signed
//! certificate for it (rcgen; subject `CN=DigitalSuite <account> <MODE> <OPERATION>`, valid one
//! year from the upload), stores it with the key, publishes it in the SP metadata (pysaml2 and
//! Entra's "Require verification certificates" cannot take a bare `RSAKeyValue`), and the
//! answer says so with `generated="self-signed"` and the validity.

use crate::AppState;
use crate::domain::ExecutionMode;
use crate::error::{ApiError, QueryParams};
use crate::scope::ModeQuery;
use crate::store;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, put};
use protocol::keys::{KeyError, RequestSigningKey, SelfSigned};
use protocol::saml::xml;

const NS_ATOM: &str = "http://www.w3.org/2005/Atom";

pub use crate::domain::Operation;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/config/{account}/certificate", put(put_key))
        .route(
            "/config/{account}/certificate/{operation}",
            delete(delete_key),
        )
}

/// What a valid feed asks for.
#[derive(Debug)]
pub struct KeyRequest {
    pub operation: Operation,
    pub mode: ExecutionMode,
    pub title: String,
    pub key: RequestSigningKey,
    /// The key (and certificate) exactly as given, to be stored.
    pub pem: String,
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(code, message)
}

fn key_error(e: KeyError) -> ApiError {
    let code = match e {
        KeyError::EncryptedKey => "key_encrypted",
        KeyError::NotRsa => "key_not_rsa",
        KeyError::TooShort(_) => "key_too_short",
        KeyError::CertificateMismatch => "certificate_key_mismatch",
        KeyError::MissingPemBlock(_) | KeyError::NotBase64(_) | KeyError::NotDer => "key_not_pem",
        KeyError::Unreadable(_) => "key_unreadable",
        KeyError::CertificateGeneration(m) => {
            return ApiError::Internal(format!("making the key's certificate: {m}"));
        }
    };
    invalid(code, e.to_string())
}

/// Parses and checks the Atom feed; nothing is stored unless all of it is right.
pub fn parse_feed(text: &str) -> Result<KeyRequest, ApiError> {
    let doc = xml::parse(text).map_err(|e| match e {
        xml::XmlError::Dtd => {
            ApiError::bad_request("feed_dtd", "a feed with a DTD or entities is refused")
        }
        other => ApiError::bad_request("feed_malformed", other.to_string()),
    })?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(NS_ATOM) || root.tag_name().name() != "feed" {
        return Err(ApiError::bad_request(
            "feed_malformed",
            "the document is not an Atom feed",
        ));
    }
    let atom = |n: &roxmltree::Node<'_, '_>, name: &str| {
        n.is_element() && n.tag_name().namespace() == Some(NS_ATOM) && n.tag_name().name() == name
    };
    let mut categories: Vec<(&str, &str)> = Vec::new();
    for c in root.children().filter(|c| atom(c, "category")) {
        let term = c.attribute("term").unwrap_or_default();
        let label = c.attribute("label").unwrap_or_default();
        if !["hash", "encryption", "operation", "format", "mode"].contains(&term) {
            return Err(invalid(
                "category_unknown",
                format!("unknown category term {term:?}"),
            ));
        }
        if categories.iter().any(|(t, _)| *t == term) {
            return Err(invalid(
                "category_duplicate",
                format!("category {term:?} appears twice"),
            ));
        }
        categories.push((term, label));
    }
    let category = |term: &str| {
        categories
            .iter()
            .find(|(t, _)| *t == term)
            .map(|(_, l)| *l)
            .ok_or_else(|| {
                invalid(
                    "category_missing",
                    format!("the feed has no {term:?} category"),
                )
            })
    };
    let expect = |term: &str, wanted: &str, code: &'static str| -> Result<(), ApiError> {
        let label = category(term)?;
        if label == wanted {
            Ok(())
        } else {
            Err(invalid(
                code,
                format!("category {term} must be {wanted}, not {label:?}"),
            ))
        }
    };
    expect("hash", "SHA256", "unsupported_hash")?;
    expect("encryption", "RSA", "unsupported_encryption")?;
    expect("format", "PEM", "unsupported_format")?;
    let operation = Operation::parse(category("operation")?)?;
    let mode: ExecutionMode = category("mode")?.parse()?;
    let title = root
        .children()
        .find(|c| atom(c, "title"))
        .and_then(|t| t.text())
        .unwrap_or_default()
        .trim()
        .to_owned();
    let content = root
        .children()
        .find(|c| atom(c, "content"))
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            invalid(
                "key_missing",
                "the private key goes in the feed's <content> element",
            )
        })?;
    let key = RequestSigningKey::from_pem(content).map_err(key_error)?;
    Ok(KeyRequest {
        operation,
        mode,
        title,
        key,
        pem: content.to_owned(),
    })
}

/// The Atom answer: the request's categories, and the public side of the key only.
fn feed_answer(req: &KeyRequest, fingerprint: &str, generated: Option<&SelfSigned>) -> String {
    let made = generated
        .map(|g| {
            format!(
                " generated=\"self-signed\" notBefore=\"{}\" notAfter=\"{}\"",
                g.not_before.format("%Y-%m-%dT%H:%M:%SZ"),
                g.not_after.format("%Y-%m-%dT%H:%M:%SZ")
            )
        })
        .unwrap_or_default();
    let cert = req
        .key
        .certificate()
        .map(|c| {
            format!(
                "<p:certificate{made}>{}</p:certificate>\n",
                xml::text(&c.pem())
            )
        })
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <feed xmlns=\"{NS_ATOM}\" xmlns:p=\"http://www.runmyprocess.com/library/\">\n\
         <generator uri=\"http://www.runmyprocess.com\">(c) RunMyProcess</generator>\n\
         <title>{title}</title>\n\
         <category term=\"hash\" label=\"SHA256\" />\n\
         <category term=\"encryption\" label=\"RSA\" />\n\
         <category term=\"operation\" label=\"{op}\" />\n\
         <category term=\"format\" label=\"PEM\" />\n\
         <category term=\"mode\" label=\"{mode}\" />\n\
         <p:fingerprint algorithm=\"SHA-256\">{fingerprint}</p:fingerprint>\n{cert}</feed>\n",
        title = xml::text(&req.title),
        op = req.operation.as_str(),
        mode = req.mode,
    )
}

async fn put_key(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (account, _) = crate::signin::session::admin(&state, &headers, &account).await?;
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::bad_request("feed_malformed", r.body_text())
        }
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !["application/atom+xml", "application/xml", "text/xml"].contains(&media) {
        return Err(ApiError::UnsupportedMediaType {
            message: "expected Content-Type: application/atom+xml".into(),
        });
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("feed_malformed", "the feed is not UTF-8"))?;
    let mut request = parse_feed(text)?;
    let fingerprint = request.key.public_key_fingerprint().map_err(key_error)?;
    let generated = match request.key.certificate() {
        Some(_) => None,
        None => {
            let made = crate::signin::saml::generated_certificate(
                &request.key,
                account.as_str(),
                request.mode,
                request.operation,
                state.clock().now(),
            )?;
            request.pem = format!("{}\n{}", request.pem.trim_end(), made.certificate.pem());
            request.key = RequestSigningKey::from_pem(&request.pem).map_err(key_error)?;
            Some(made)
        }
    };
    let (pem, fp, now) = (
        request.pem.clone(),
        fingerprint.clone(),
        state.clock().now(),
    );
    let (op, mode, title, account_c) = (
        request.operation,
        request.mode,
        request.title.clone(),
        account.clone(),
    );
    let replaced = state
        .store()
        .call(move |c| {
            let key = store::keys::NewKey {
                account: &account_c,
                mode,
                operation: op.as_str(),
                pem: &pem,
                fingerprint: &fp,
                title: &title,
            };
            let existed = store::keys::put(c, &key, now)?;
            Ok(existed)
        })
        .await?;
    tracing::info!(account = %account, mode = %request.mode, operation = request.operation.as_str(), %fingerprint, replaced, "request-signing key stored");
    let status = if replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed_answer(&request, &fingerprint, generated.as_ref()),
    )
        .into_response())
}

async fn delete_key(
    State(state): State<AppState>,
    Path((account, operation)): Path<(String, String)>,
    QueryParams(q): QueryParams<ModeQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (account, _) = crate::signin::session::admin(&state, &headers, &account).await?;
    let operation = Operation::parse(&operation)?;
    let mode: ExecutionMode = q.mode.as_deref().ok_or(ApiError::UnknownMode)?.parse()?;
    let account_c = account.clone();
    let removed = state
        .store()
        .call(move |c| store::keys::delete(c, &account_c, mode, operation.as_str()))
        .await?;
    if removed == 0 {
        return Err(ApiError::CertificateNotFound);
    }
    tracing::info!(account = %account, mode = %mode, operation = operation.as_str(), "request-signing key removed");
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_feed_is_accepted() {
        let feed = include_str!("../../../fixtures/certificate-feed.example.xml");
        let request = parse_feed(feed).unwrap();
        assert_eq!(request.operation, Operation::SamlAuth);
        assert_eq!(request.mode, ExecutionMode::Live);
        assert_eq!(request.title, "My AuthN Certificate");
        assert!(request.key.certificate().is_none());
    }

    #[test]
    fn the_answer_never_carries_the_private_key() {
        let feed = include_str!("../../../fixtures/certificate-feed.example.xml");
        let request = parse_feed(feed).unwrap();
        let answer = feed_answer(&request, "AB:CD", None);
        assert!(!answer.contains("PRIVATE KEY"));
        assert!(answer.contains("<p:fingerprint algorithm=\"SHA-256\">AB:CD</p:fingerprint>"));
        assert!(protocol::saml::xml::parse(&answer).is_ok());
    }
}
