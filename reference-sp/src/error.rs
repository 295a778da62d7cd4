//! Errors with stable codes, and extractors that turn malformed input into those codes.
//!
//! Every refusal the SP makes carries a code that never changes (`invalid_credentials`,
//! `unknown_mode`, ...) in a JSON body `{"error":{"code":..,"message":..}}`; scenarios assert on
//! the code, never on the prose. Internal details are logged, not returned. A browser is shown
//! the same code and text as a page ([`Shown`], rendered by `http::error_pages`).

use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unknown customer account")]
    UnknownAccount,
    #[error("unknown execution mode: P_mode must be TEST, ACCEPTANCE or LIVE")]
    UnknownMode,
    #[error("resource not found")]
    ResourceNotFound,
    #[error("user not found")]
    UserNotFound,
    /// One answer for unknown email, wrong password and locked user (R-PW-5).
    #[error("sign-in failed: wrong email or password, or the account is locked")]
    InvalidCredentials,
    #[error("authentication required")]
    AuthenticationRequired,
    /// A session cookie of another account or execution mode (R-ACC-6).
    #[error("this session belongs to another account or execution mode")]
    SessionScopeMismatch,
    #[error("this operation needs an administrator of the account")]
    AdminRequired,
    #[error("this application is not open to this user")]
    ApplicationAccessDenied,
    #[error("a user with this email already exists in the account")]
    DuplicateEmail,
    #[error("{message}")]
    MethodNotConfigured { message: String },
    /// A field failed validation; `code` names the rule (`invalid_email`, `weak_password`, ...).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// A request that cannot be read at all; `code` names what is wrong (`feed_malformed`, ...).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// A request refused for where it came from (`csrf_origin`, `csrf_login_token`).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("no request-signing key for this operation and mode")]
    CertificateNotFound,
    #[error("{message}")]
    MalformedJson { message: String },
    #[error("{message}")]
    MalformedForm { message: String },
    #[error("{message}")]
    MalformedQuery { message: String },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{message}")]
    UnsupportedMediaType { message: String },
    /// A sign-in message refused by its method's rules: a SAML message at the ACS or the
    /// single-logout endpoint, a Google or Apple sign-in. Code, status and text are the
    /// method's (each method's error type converts itself), so this module knows no method.
    #[error("{message}")]
    SignInRefused {
        code: &'static str,
        status: StatusCode,
        message: String,
    },
    #[error("SAML is not configured for this mode")]
    SamlNotConfigured,
    #[error("no account-management URL is configured for this mode")]
    AccountManagementNotConfigured,
    #[error("another account already uses this SP entity ID")]
    EntityIdTaken,
    #[error("this configuration is the mode's selected method; select another method first")]
    MethodInUse,
    #[error("no such endpoint")]
    RouteNotFound,
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    /// The password-hashing queue is full (R-PW-1): retry later; nothing was counted.
    #[error("too many sign-ins in progress; retry in a moment")]
    Overloaded,
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownAccount => "unknown_account",
            Self::UnknownMode => "unknown_mode",
            Self::ResourceNotFound => "resource_not_found",
            Self::UserNotFound => "user_not_found",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AuthenticationRequired => "authentication_required",
            Self::SessionScopeMismatch => "session_scope_mismatch",
            Self::AdminRequired => "admin_required",
            Self::ApplicationAccessDenied => "application_access_denied",
            Self::DuplicateEmail => "duplicate_email",
            Self::MethodNotConfigured { .. } => "method_not_configured",
            Self::Invalid { code, .. }
            | Self::BadRequest { code, .. }
            | Self::Forbidden { code, .. } => code,
            Self::CertificateNotFound => "certificate_not_found",
            Self::MalformedJson { .. } => "malformed_json",
            Self::MalformedForm { .. } => "malformed_form",
            Self::MalformedQuery { .. } => "malformed_query",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::SignInRefused { code, .. } => code,
            Self::SamlNotConfigured => "saml_not_configured",
            Self::AccountManagementNotConfigured => "account_management_not_configured",
            Self::EntityIdTaken => "entity_id_taken",
            Self::MethodInUse => "method_in_use",
            Self::RouteNotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Overloaded => "overloaded",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnknownAccount
            | Self::ResourceNotFound
            | Self::UserNotFound
            | Self::RouteNotFound
            | Self::CertificateNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::SignInRefused { status, .. } => *status,
            Self::SamlNotConfigured | Self::AccountManagementNotConfigured => StatusCode::NOT_FOUND,
            Self::EntityIdTaken | Self::MethodInUse => StatusCode::CONFLICT,
            Self::UnknownMode
            | Self::BadRequest { .. }
            | Self::MalformedJson { .. }
            | Self::MalformedForm { .. }
            | Self::MalformedQuery { .. } => StatusCode::BAD_REQUEST,
            Self::InvalidCredentials
            | Self::AuthenticationRequired
            | Self::SessionScopeMismatch => StatusCode::UNAUTHORIZED,
            Self::AdminRequired | Self::ApplicationAccessDenied | Self::Forbidden { .. } => {
                StatusCode::FORBIDDEN
            }
            Self::DuplicateEmail | Self::MethodNotConfigured { .. } => StatusCode::CONFLICT,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A sign-in method's refusal (SAML, Google, Apple): its stable code, HTTP status and text. Every
/// such error becomes [`ApiError::SignInRefused`], so this module names no method.
pub trait Refusal: std::fmt::Display {
    fn code(&self) -> &'static str;
    fn status(&self) -> StatusCode;
}

impl<T: Refusal> From<T> for ApiError {
    fn from(e: T) -> Self {
        Self::SignInRefused {
            code: e.code(),
            status: e.status(),
            message: e.to_string(),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Internal(format!("store: {e}"))
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Internal(format!("blocking task: {e}"))
    }
}

/// What an error answer said, kept on the response for [`crate::http::error_pages`], which
/// shows it as a page to a browser (issue 15, item 2); JSON clients never see it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub code: &'static str,
    pub message: String,
    /// Vendor mode's report of the refused message (R-VEN-3).
    pub report: Option<String>,
    /// A sign-in method refused a message (SAML, Google, Apple), not the request itself.
    pub sign_in: bool,
}

/// Where the page of an error sends a person next, when the handler knows better than the URL
/// (a Google callback carries its mode in the stored state, not in the query).
#[derive(Debug, Clone)]
pub struct WayBack(pub String);

impl ApiError {
    /// What this error says, as its page shows it.
    pub fn shown(&self) -> Shown {
        Shown {
            code: self.code(),
            message: self.to_string(),
            report: None,
            sign_in: matches!(self, Self::SignInRefused { .. }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let status = self.status();
        let shown = self.shown();
        let body = Json(json!({"error": {"code": shown.code, "message": shown.message}}));
        let mut response = (status, body).into_response();
        response.extensions_mut().insert(shown);
        if matches!(
            self,
            Self::AuthenticationRequired | Self::InvalidCredentials
        ) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"DigitalSuite\""),
            );
        }
        if matches!(self, Self::Overloaded) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        response
    }
}

/// `axum::Json` whose rejections are [`ApiError`]s.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(value)) => {
                check_strings(&value, None)?;
                serde_json::from_value(value)
                    .map(Self)
                    .map_err(|e| ApiError::invalid("invalid_field", e.to_string()))
            }
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType {
                    message: "expected Content-Type: application/json".into(),
                },
                r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
                // Well-formed JSON of the wrong shape: a missing field, a wrong type, an unknown key.
                JsonRejection::JsonDataError(e) => {
                    ApiError::invalid("invalid_field", e.body_text())
                }
                other => ApiError::MalformedJson {
                    message: other.body_text(),
                },
            }),
        }
    }
}

/// Fields that hold PEM text, where line breaks belong.
const MULTILINE_FIELDS: &[&str] = &["idp_certificate", "private_key", "sp_certificate"];

/// Every string of a JSON body, at any depth, is free of NUL and other control characters
/// (line breaks and tabs only in PEM fields), so nothing invisible is ever stored.
fn check_strings(value: &serde_json::Value, field: Option<&str>) -> Result<(), ApiError> {
    match value {
        serde_json::Value::String(text) => {
            let multiline = field.is_some_and(|f| MULTILINE_FIELDS.contains(&f));
            if text
                .chars()
                .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
            {
                return Err(ApiError::invalid(
                    "invalid_field",
                    format!(
                        "{} must not contain NUL or other control characters",
                        field.unwrap_or("a string")
                    ),
                ));
            }
            Ok(())
        }
        serde_json::Value::Array(items) => items.iter().try_for_each(|v| check_strings(v, field)),
        serde_json::Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check_strings(v, Some(k.as_str()))),
        _ => Ok(()),
    }
}

/// `axum::Form` whose rejections are [`ApiError`]s.
#[derive(Debug)]
pub struct FormBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection {
                FormRejection::InvalidFormContentType(_) => ApiError::UnsupportedMediaType {
                    message: "expected Content-Type: application/x-www-form-urlencoded".into(),
                },
                r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
                other => ApiError::MalformedForm {
                    message: other.body_text(),
                },
            }),
        }
    }
}

/// `axum::extract::Query` whose rejections are [`ApiError`]s.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection {
                QueryRejection::FailedToDeserializeQueryString(e) => ApiError::MalformedQuery {
                    message: e.body_text(),
                },
                other => ApiError::MalformedQuery {
                    message: other.body_text(),
                },
            }),
        }
    }
}
