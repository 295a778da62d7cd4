//! The administrator's JSON API under `/api/<account>/`: users (manual provisioning, R-ACC-4;
//! unlock, R-PW-4), per-mode method (R-ACC-2), password policy (R-PW-3), custom login page
//! (R-PW-6) and resources (R-ACC-3, R-ACC-5).
//!
//! Callers authenticate as an administrator of that account with HTTP Basic (email and password,
//! counted by the LIVE password policy like any login) or with a LIVE session cookie. Every body
//! is validated whole before anything is written, so a refused request changes nothing.

use crate::domain::{
    AccountId, AuthMethod, Email, ExecutionMode, Profile, ResourceKind, Visibility,
    check_new_password, parse_language, parse_name, parse_resource_path,
};
use crate::error::{ApiError, JsonBody};
use crate::signin::composite::Event;
use crate::signin::session::AdminOf;
pub(crate) use crate::signin::session::admin;
use crate::signin::session::{AdminOfMode, AdminOfModeWith};
use crate::store::{self, NewResource, NewUser, User, UserPatch};
use crate::{AppState, MAX_RESOURCE_BYTES};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/{account}/composite-triggers",
            get(get_triggers).put(put_triggers),
        )
        .route("/api/{account}/composite-calls", get(list_calls))
        .route("/api/{account}/users", get(list_users).post(create_user))
        .route(
            "/api/{account}/users/{id}",
            get(get_user).patch(update_user),
        )
        .route("/api/{account}/users/{id}/unlock", post(unlock_user))
        .route("/api/{account}/modes", get(list_modes))
        .route("/api/{account}/modes/{mode}", get(get_mode))
        .route("/api/{account}/modes/{mode}/method", put(set_method))
        .route(
            "/api/{account}/modes/{mode}/password-policy",
            put(set_password_policy),
        )
        .route(
            "/api/{account}/modes/{mode}/login-page",
            put(set_login_page).delete(clear_login_page),
        )
        .route("/api/{account}/resources", get(list_resources))
        .route(
            "/api/{account}/resources/{*path}",
            get(get_resource)
                .put(put_resource)
                .layer(DefaultBodyLimit::max(MAX_RESOURCE_BYTES + 64 * 1024)),
        )
}

fn parse_user_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::UserNotFound)
}

// ---------------------------------------------------------------- users

async fn list_users(
    State(state): State<AppState>,
    AdminOf { account, .. }: AdminOf,
) -> Result<Json<Value>, ApiError> {
    let users = state
        .store()
        .call(move |c| store::list_users(c, &account))
        .await?;
    Ok(Json(json!({ "users": users })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    name: String,
    email: String,
    profile: Option<String>,
    ide_language: Option<String>,
    language: Option<String>,
    password: Option<String>,
}

async fn create_user(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CreateUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let (account, _) = admin(&state, &headers, &account).await?;
    let name = parse_name(&body.name)?;
    let email = Email::parse(&body.email)?;
    let profile: Profile = body.profile.as_deref().unwrap_or("User").parse()?;
    let ide_language =
        parse_language("ide_language", body.ide_language.as_deref().unwrap_or("en"))?;
    let language = parse_language("language", body.language.as_deref().unwrap_or("en"))?;
    let password_hash = match body.password {
        Some(password) => {
            check_new_password(&password)?;
            Some(state.hashing().hash(password).await?)
        }
        None => None,
    };
    let new = NewUser {
        name,
        email,
        profile,
        ide_language,
        language,
        password_hash,
    };
    let now = state.clock().now();
    let user = state
        .store()
        .call(move |c| store::create_user(c, &account, &new, now))
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn get_user(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<User>, ApiError> {
    let (account, _) = admin(&state, &headers, &account).await?;
    let id = parse_user_id(&id)?;
    Ok(Json(
        state
            .store()
            .call(move |c| store::get_user(c, &account, id))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    name: Option<String>,
    profile: Option<String>,
    ide_language: Option<String>,
    language: Option<String>,
    password: Option<String>,
}

async fn update_user(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UpdateUser>,
) -> Result<Json<User>, ApiError> {
    let (account, _) = admin(&state, &headers, &account).await?;
    let id = parse_user_id(&id)?;
    let mut patch = UserPatch {
        name: body.name.as_deref().map(parse_name).transpose()?,
        profile: body.profile.as_deref().map(str::parse).transpose()?,
        ide_language: body
            .ide_language
            .as_deref()
            .map(|l| parse_language("ide_language", l))
            .transpose()?,
        language: body
            .language
            .as_deref()
            .map(|l| parse_language("language", l))
            .transpose()?,
        password_hash: None,
    };
    if let Some(password) = body.password {
        check_new_password(&password)?;
        patch.password_hash = Some(state.hashing().hash(password).await?);
    }
    Ok(Json(
        state
            .store()
            .call(move |c| store::update_user(c, &account, id, &patch))
            .await?,
    ))
}

async fn unlock_user(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<User>, ApiError> {
    let (account, admin_user) = admin(&state, &headers, &account).await?;
    let id = parse_user_id(&id)?;
    let user = state
        .store()
        .call(move |c| store::unlock_user(c, &account, id))
        .await?;
    tracing::info!(user_id = id, by = admin_user.id, "user unlocked");
    Ok(Json(user))
}

// ---------------------------------------------------------------- modes

async fn list_modes(
    State(state): State<AppState>,
    AdminOf { account, .. }: AdminOf,
) -> Result<Json<Value>, ApiError> {
    let modes = state
        .store()
        .call(move |c| {
            ExecutionMode::ALL
                .iter()
                .map(|m| store::mode_config(c, &account, *m))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(json!({ "modes": modes })))
}

/// Applies `change` to one mode's configuration and answers with the configuration as stored.
async fn update_mode(
    state: &AppState,
    account: AccountId,
    mode: ExecutionMode,
    change: impl FnOnce(&rusqlite::Connection, &AccountId) -> Result<(), ApiError> + Send + 'static,
) -> Result<Json<store::ModeConfig>, ApiError> {
    let config = state
        .store()
        .call(move |c| {
            change(c, &account)?;
            store::mode_config(c, &account, mode)
        })
        .await?;
    Ok(Json(config))
}

async fn get_mode(
    State(state): State<AppState>,
    AdminOfMode { account, mode }: AdminOfMode,
) -> Result<Json<store::ModeConfig>, ApiError> {
    update_mode(&state, account, mode, |_, _| Ok(())).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodBody {
    method: String,
}

async fn set_method(
    State(state): State<AppState>,
    AdminOfModeWith {
        account,
        mode,
        body,
    }: AdminOfModeWith<MethodBody>,
) -> Result<Json<store::ModeConfig>, ApiError> {
    let method: AuthMethod = body.method.parse()?;
    // A provider method needs its configuration first; selecting it without would leave the mode
    // with a method that cannot sign anybody in.
    let configured = match method {
        AuthMethod::LoginPassword => true,
        AuthMethod::Saml => {
            let account = account.clone();
            state
                .store()
                .call(move |c| crate::store::saml::load_config(c, &account, mode))
                .await?
                .is_some()
        }
        AuthMethod::Google => {
            let account = account.clone();
            state
                .store()
                .call(move |c| crate::store::google::load_config(c, &account, mode))
                .await?
                .is_some()
        }
    };
    if !configured {
        return Err(ApiError::MethodNotConfigured {
            message: format!(
                "{} needs its provider configuration for {mode} before it can be selected",
                method.as_str()
            ),
        });
    }
    update_mode(&state, account, mode, move |c, account| {
        store::set_method(c, account, mode, method)
    })
    .await
}

/// Largest configurable number of failed attempts.
const MAX_POLICY_ATTEMPTS: u64 = 1000;

async fn set_password_policy(
    State(state): State<AppState>,
    AdminOfModeWith {
        account,
        mode,
        body,
    }: AdminOfModeWith<Value>,
) -> Result<Json<store::ModeConfig>, ApiError> {
    let invalid = || {
        ApiError::invalid(
            "invalid_policy",
            format!(
                "expected {{\"max_failed_attempts\": N}} with N from 1 to {MAX_POLICY_ATTEMPTS}, or null for no limit"
            ),
        )
    };
    let object = body.as_object().ok_or_else(invalid)?;
    if object.len() != 1 {
        return Err(invalid());
    }
    let max = match object.get("max_failed_attempts").ok_or_else(invalid)? {
        Value::Null => None,
        Value::Number(n) => match n.as_u64() {
            Some(n @ 1..=MAX_POLICY_ATTEMPTS) => Some(n as u32),
            _ => return Err(invalid()),
        },
        _ => return Err(invalid()),
    };
    update_mode(&state, account, mode, move |c, account| {
        store::set_max_failed_attempts(c, account, mode, max)
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginPageBody {
    path: String,
}

async fn set_login_page(
    State(state): State<AppState>,
    AdminOfModeWith {
        account,
        mode,
        body,
    }: AdminOfModeWith<LoginPageBody>,
) -> Result<Json<store::ModeConfig>, ApiError> {
    let path = parse_resource_path(&body.path)?;
    update_mode(&state, account, mode, move |c, account| {
        let res = store::get_resource(c, account, &path)?.ok_or(ApiError::ResourceNotFound)?;
        if res.visibility != Visibility::Public {
            return Err(ApiError::invalid(
                "login_page_not_public",
                "a login page must be a public resource: nobody has a session yet",
            ));
        }
        if !res.content_type.starts_with("text/html") {
            return Err(ApiError::invalid(
                "login_page_not_html",
                "a login page must be served as text/html",
            ));
        }
        store::set_login_page(c, account, mode, Some(&path))
    })
    .await
}

async fn clear_login_page(
    State(state): State<AppState>,
    AdminOfMode { account, mode }: AdminOfMode,
) -> Result<Json<store::ModeConfig>, ApiError> {
    update_mode(&state, account, mode, move |c, account| {
        store::set_login_page(c, account, mode, None)
    })
    .await
}

// ---------------------------------------------------------------- resources

async fn list_resources(
    State(state): State<AppState>,
    AdminOf { account, .. }: AdminOf,
) -> Result<Json<Value>, ApiError> {
    let resources = state
        .store()
        .call(move |c| store::list_resources(c, &account))
        .await?;
    Ok(Json(json!({ "resources": resources })))
}

async fn get_resource(
    State(state): State<AppState>,
    Path((account, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<store::Resource>, ApiError> {
    let (account, _) = admin(&state, &headers, &account).await?;
    let path = parse_resource_path(&path)?;
    Ok(Json(
        state
            .store()
            .call(move |c| store::get_resource(c, &account, &path))
            .await?
            .ok_or(ApiError::ResourceNotFound)?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceBody {
    kind: String,
    visibility: String,
    content_type: Option<String>,
    body: String,
    #[serde(default)]
    users: Vec<i64>,
}

async fn put_resource(
    State(state): State<AppState>,
    Path((account, path)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ResourceBody>,
) -> Result<(StatusCode, Json<store::Resource>), ApiError> {
    let (account, _) = admin(&state, &headers, &account).await?;
    let path = parse_resource_path(&path)?;
    let kind: ResourceKind = body.kind.parse()?;
    let visibility: Visibility = body.visibility.parse()?;
    let content_type = body
        .content_type
        .unwrap_or_else(|| "text/html; charset=utf-8".into());
    if content_type.len() > 200 || HeaderValue::from_str(&content_type).is_err() {
        return Err(ApiError::invalid(
            "invalid_content_type",
            "content_type must be a valid header value of at most 200 bytes",
        ));
    }
    if body.body.len() > MAX_RESOURCE_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if visibility != Visibility::Named && !body.users.is_empty() {
        return Err(ApiError::invalid(
            "invalid_users",
            "users can only be granted a resource whose visibility is named",
        ));
    }
    let new = NewResource {
        path,
        kind,
        visibility,
        content_type,
        body: body.body.into_bytes(),
        users: body.users,
    };
    let resource = state
        .store()
        .call(move |c| store::put_resource(c, &account, &new))
        .await?;
    Ok((StatusCode::OK, Json(resource)))
}

// ---------------------------------------------------------------- composite triggers (R-CA-1)

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Triggers {
    user_authentication: Option<String>,
    user_creation: Option<String>,
}

async fn get_triggers(
    State(state): State<AppState>,
    AdminOf { account, .. }: AdminOf,
) -> Result<Json<Triggers>, ApiError> {
    let rows: Vec<(String, String)> = state
        .store()
        .call(move |c| store::composite::triggers(c, &account))
        .await?;
    let find = |e: Event| {
        rows.iter()
            .find(|(ev, _)| ev == e.as_str())
            .map(|(_, u)| u.clone())
    };
    Ok(Json(Triggers {
        user_authentication: find(Event::UserAuthentication),
        user_creation: find(Event::UserCreation),
    }))
}

async fn put_triggers(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Triggers>,
) -> Result<Json<Triggers>, ApiError> {
    let (account, _) = admin(&state, &headers, &account).await?;
    for url in [&body.user_authentication, &body.user_creation]
        .into_iter()
        .flatten()
    {
        crate::domain::parse_http_url("a composite API URL", url)?;
    }
    let (auth, creation) = (body.user_authentication.clone(), body.user_creation.clone());
    state
        .store()
        .call(move |c| {
            let set = [
                (Event::UserAuthentication.as_str(), auth.as_deref()),
                (Event::UserCreation.as_str(), creation.as_deref()),
            ];
            store::composite::set_triggers(c, &account, &set)
        })
        .await?;
    Ok(Json(body))
}

async fn list_calls(
    State(state): State<AppState>,
    AdminOf { account, .. }: AdminOf,
) -> Result<Json<Value>, ApiError> {
    let calls = state
        .store()
        .call(move |c| store::composite::list(c, &account))
        .await?;
    Ok(Json(json!({ "calls": calls })))
}
