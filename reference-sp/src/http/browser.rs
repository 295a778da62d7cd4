//! The browser-facing surface under `/live/<account>/`, modelled on the product's URLs.
//!
//! - `GET /`: what the SP is and its URL patterns.
//!
//! - `GET /live/<account>[/]`: the account home (protected); also the sign-on URL (ENTRA).
//! - `GET|POST /live/<account>/login`, `POST /live/<account>/logout`: Login/Password
//!   (R-PW-1..6), the login page being the standard one or the mode's custom page (R-PW-6).
//! - `GET /live/<account>/session`: who the session is, as JSON.
//! - `GET /live/<account>/signed-out`: the page after signing out of an SSO mode (R-SA-5).
//! - `GET /live/<account>/<path>`: resources; public ones to anybody, the rest to a session of
//!   this account and mode (R-ACC-3, R-ACC-5, R-ACC-6).
//!
//! The execution mode is the `P_mode` query parameter: `TEST`, `ACCEPTANCE` or `LIVE` (default).

use crate::AppState;
use crate::domain::{AccountId, ExecutionMode, Visibility, parse_resource_path};
use crate::error::{ApiError, FormBody, QueryParams};
use crate::http::{csrf, pages};
use crate::scope::ScopedWith;
pub use crate::scope::{ModeQuery, Scoped, home_url, login_page_path, safe_next, scope};
use crate::signin::session::{self, NoSession, with_cookie};
use crate::store::{self, ModeConfig};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use url::form_urlencoded;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/live/{account}", get(home))
        .route("/live/{account}/", get(home))
        .route("/live/{account}/login", get(login_form).post(login))
        .route("/live/{account}/logout", post(logout))
        .route("/live/{account}/session", get(session))
        .route("/live/{account}/signed-out", get(signed_out))
        .route("/live/{account}/{*path}", get(resource))
}

async fn index(State(state): State<AppState>) -> Response {
    page(pages::index_page(&state.settings().public_url))
}

async fn config(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<ModeConfig, ApiError> {
    let account = account.clone();
    state
        .store()
        .call(move |c| store::mode_config(c, &account, mode))
        .await
}

/// One of the SP's own HTML pages, with its strict CSP.
fn page(html: String) -> Response {
    (
        [(axum::http::header::CONTENT_SECURITY_POLICY, crate::PAGE_CSP)],
        Html(html),
    )
        .into_response()
}

/// One of the SP's pages with a policy of its own (a stricter or wider `form-action`).
fn page_with_csp(html: String, csp: &str) -> Response {
    match HeaderValue::from_str(csp) {
        Ok(csp) => ([(header::CONTENT_SECURITY_POLICY, csp)], Html(html)).into_response(),
        Err(_) => page(html),
    }
}

/// The mode's SAML logout URL, where Sign out sends the browser (R-SA-5).
async fn saml_logout_url(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<String>, ApiError> {
    let account = account.clone();
    let config = state
        .store()
        .call(move |c| crate::store::saml::load_config(c, &account, mode))
        .await?;
    Ok(config.and_then(|c| c.logout_url))
}

/// The mode's login page: the custom one when configured (R-PW-6), else the standard one.
fn login_url(
    account: &AccountId,
    config: &ModeConfig,
    next: Option<&str>,
    error: Option<&str>,
) -> String {
    let base = match &config.login_page {
        Some(path) => format!("/live/{account}/{path}"),
        None => format!("/live/{account}/login"),
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("P_mode", config.mode.as_str());
    if let Some(next) = next {
        query.append_pair("next", next);
    }
    if let Some(error) = error {
        query.append_pair("error", error);
    }
    format!("{base}?{}", query.finish())
}

fn requested(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| uri.path().to_owned())
}

async fn home(
    State(state): State<AppState>,
    Scoped {
        account,
        mode,
        query: q,
    }: Scoped,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    match session::current_session(&state, &headers, &account, mode).await? {
        Ok(session) => {
            let (account_c, user_id) = (account.clone(), session.user.id);
            let (name, applications) = state
                .store()
                .call(move |c| {
                    Ok((
                        store::account_name(c, &account_c)?,
                        store::applications_for(c, &account_c, user_id)?,
                    ))
                })
                .await?;
            let name = name.unwrap_or_else(|| format!("Account {account}"));
            let html = pages::home_page(&account, &name, mode, &session.user, &applications);
            // Sign out of a SAML session answers with a redirect to the IdP's logout URL; a
            // browser follows a form's redirects only to origins its `form-action` names.
            let logout_url = match session.saml {
                Some(_) => saml_logout_url(&state, &account, mode).await?,
                None => None,
            };
            Ok(
                match logout_url
                    .as_deref()
                    .and_then(mock_kit::html::csp_posting_to)
                {
                    Some(csp) => page_with_csp(html, &csp),
                    None => page(html),
                },
            )
        }
        Err(_) => sign_in(&state, &account, mode, &requested(&uri), &q).await,
    }
}

/// Where a request without a session goes: the IdP when the mode uses SAML (R-SA-2), else the
/// mode's login page (R-PW-6).
async fn sign_in(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    next: &str,
    q: &ModeQuery,
) -> Result<Response, ApiError> {
    if q.from.as_deref() == Some("google") {
        let domain = q.domain.clone().filter(|d| !d.is_empty());
        return crate::signin::google::start(state, account, mode, domain, next).await;
    }
    if let Some(saml) = crate::signin::saml::active_config(state, account, mode).await? {
        return crate::signin::saml::start_sign_in(state, account, mode, &saml, next).await;
    }
    if config(state, account, mode).await?.method == crate::domain::AuthMethod::Google {
        return crate::signin::google::start(state, account, mode, None, next).await;
    }
    let config = config(state, account, mode).await?;
    Ok(Redirect::to(&login_url(account, &config, Some(next), None)).into_response())
}

/// The standard login page of a mode, without `next`.
async fn login_form(
    State(state): State<AppState>,
    Scoped {
        account,
        mode,
        query: q,
    }: Scoped,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let config = config(&state, &account, mode).await?;
    let next = safe_next(&account, mode, q.next.as_deref());
    // The pre-session cookie a login post must come back with (CSRF rule 2).
    let (token, cookie) = csrf::login_token(&state, &headers, &account, mode);
    if config.login_page.is_some() {
        let error = q.error.as_deref().filter(|e| *e == "invalid_credentials");
        let to = Redirect::to(&login_url(&account, &config, Some(&next), error));
        return with_cookie(to.into_response(), &cookie);
    }
    let error = q
        .error
        .as_deref()
        .filter(|e| *e == ApiError::InvalidCredentials.code());
    let google = crate::signin::google::configured(&state, &account, mode)
        .await?
        .is_some();
    let typed = error.and_then(|_| typed_email(&headers, &account, mode));
    let account_c = account.clone();
    let name = state
        .store()
        .call(move |c| store::account_name(c, &account_c))
        .await?;
    with_cookie(
        page(pages::login_page(pages::LoginPage {
            account: &account,
            account_name: name.as_deref(),
            mode,
            next: &next,
            error,
            google,
            login_token: &token,
            email: typed.as_deref(),
        })),
        &cookie,
    )
}

/// How long the standard page remembers the email of a failed attempt.
const TYPED_EMAIL_SECONDS: u32 = 300;

fn typed_email_cookie_name(account: &AccountId, mode: ExecutionMode) -> String {
    format!("DS_LOGIN_EMAIL_{account}_{mode}")
}

/// Whether an email may be typed again: none no address could be (too long, control
/// characters) is kept.
fn keepable(email: &str) -> bool {
    email.len() <= 254 && !email.chars().any(char::is_control)
}

/// The cookie that carries a failed attempt's email across the post/redirect/get back to the
/// standard login page, so the person does not type it again (never the password); `None`
/// clears it.
fn typed_email_cookie(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    email: Option<&str>,
) -> String {
    let (value, max_age) = match email {
        Some(e) => (
            form_urlencoded::byte_serialize(e.as_bytes()).collect(),
            TYPED_EMAIL_SECONDS,
        ),
        None => (String::new(), 0),
    };
    format!(
        "{}={value}; Path=/live/{account}/login; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        typed_email_cookie_name(account, mode),
        if state.settings().secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

fn typed_email(headers: &HeaderMap, account: &AccountId, mode: ExecutionMode) -> Option<String> {
    let raw = session::cookie_value(headers, &typed_email_cookie_name(account, mode))?;
    let email: String = form_urlencoded::parse(format!("e={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    keepable(&email).then_some(email)
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
    /// `google`: sign in with Google instead (an authentication policy of a login page, R-GO-2).
    policy: Option<String>,
    domain: Option<String>,
    /// The standard page's copy of the pre-session cookie (CSRF rule 2).
    login_token: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ScopedWith {
        account,
        mode,
        headers,
        body: FormBody(form),
        ..
    }: ScopedWith<FormBody<LoginForm>>,
) -> Result<Response, ApiError> {
    let config = config(&state, &account, mode).await?;
    // Before anything is looked up or counted: a forged post changes nothing.
    csrf::check_login_token(
        &headers,
        &account,
        mode,
        form.login_token.as_deref(),
        config.login_page.is_some(),
    )?;
    let next = safe_next(&account, mode, form.next.as_deref());
    match form.policy.as_deref() {
        Some("google") => {
            let domain = form.domain.filter(|d| !d.is_empty());
            return crate::signin::google::start(&state, &account, mode, domain, &next).await;
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "unknown_policy",
                format!("unknown authentication policy {other:?}"),
            ));
        }
        None => {}
    }
    let (Some(email), Some(password)) = (form.email, form.password) else {
        return Err(ApiError::MalformedForm {
            message: "email and password are required".into(),
        });
    };
    match crate::signin::password::check_password(&state, &account, mode, &email, &password).await {
        Ok(user) => {
            let cookie =
                session::start_session(&state, &headers, &account, mode, &user, None, None).await?;
            tracing::info!(account = %account, mode = %mode, user_id = user.id, "login");
            let signed_in = with_cookie(Redirect::to(&next).into_response(), &cookie)?;
            // A failed attempt's email is forgotten once the person is in.
            with_cookie(signed_in, &typed_email_cookie(&state, &account, mode, None))
        }
        Err(ApiError::InvalidCredentials) => {
            // Post/redirect/get: back to the mode's login page (standard or custom, R-PW-6)
            // with the code, so reload and Back never send the password again.
            let code = ApiError::InvalidCredentials.code();
            let back = Redirect::to(&login_url(&account, &config, Some(&next), Some(code)))
                .into_response();
            if config.login_page.is_none() && keepable(&email) {
                let cookie = typed_email_cookie(&state, &account, mode, Some(&email));
                with_cookie(back, &cookie)
            } else {
                Ok(back)
            }
        }
        Err(other) => Err(other),
    }
}

async fn logout(
    State(state): State<AppState>,
    Scoped { account, mode, .. }: Scoped,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ended = session::end_session(&state, &headers, &account, mode).await?;
    let clear = session::clear_cookie(&account, mode);
    // A SAML session signs out at the IdP too (single logout, R-SA-5).
    if let Some(saml) = ended.and_then(|s| s.saml) {
        let account_c = account.clone();
        let config = state
            .store()
            .call(move |c| crate::store::saml::load_config(c, &account_c, mode))
            .await?;
        if let Some(config) = config
            && let Some(response) =
                crate::signin::saml::start_logout(&state, &account, mode, &config, &saml).await?
        {
            return with_cookie(response, &clear);
        }
    }
    let config = config(&state, &account, mode).await?;
    // The login page only where it is how the mode signs in; else the signed-out page.
    let to = match config.method {
        crate::domain::AuthMethod::LoginPassword => login_url(&account, &config, None, None),
        _ => crate::scope::signed_out_path(&account, mode),
    };
    with_cookie(Redirect::to(&to).into_response(), &clear)
}

async fn signed_out(
    State(state): State<AppState>,
    Scoped { account, mode, .. }: Scoped,
) -> Result<Response, ApiError> {
    let config = config(&state, &account, mode).await?;
    Ok(page(pages::signed_out_page(&account, mode, config.method)))
}

async fn session(
    State(state): State<AppState>,
    Scoped { account, mode, .. }: Scoped,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = session::current_session(&state, &headers, &account, mode)
        .await?
        .map_err(ApiError::from)?;
    Ok(Json(json!({
        "account": session.account,
        "mode": session.mode,
        "user": session.user,
    }))
    .into_response())
}

async fn resource(
    State(state): State<AppState>,
    Path((account, path)): Path<(String, String)>,
    QueryParams(q): QueryParams<ModeQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (account, mode) = scope(&state, &account, q.mode.as_deref()).await?;
    let found = match parse_resource_path(&path) {
        Ok(path) => {
            let account = account.clone();
            state
                .store()
                .call(move |c| store::get_resource(c, &account, &path))
                .await?
        }
        Err(_) => None,
    };
    if let Some(res) = found
        .as_ref()
        .filter(|r| r.visibility == Visibility::Public)
    {
        // The mode's custom login page gets the pre-session cookie its post needs (CSRF rule 2).
        if config(&state, &account, mode).await?.login_page.as_deref() == Some(res.path.as_str()) {
            let (_, cookie) = csrf::login_token(&state, &headers, &account, mode);
            return with_cookie(serve(res, false), &cookie);
        }
        return Ok(serve(res, true));
    }
    // Without a session, a missing resource looks like a protected one: existence is not leaked.
    let session = match session::current_session(&state, &headers, &account, mode).await? {
        Ok(session) => session,
        Err(NoSession::Missing | NoSession::OtherScope) => {
            return sign_in(&state, &account, mode, &requested(&uri), &q).await;
        }
    };
    let res = found.ok_or(ApiError::ResourceNotFound)?;
    if res.visibility == Visibility::Named && !res.users.contains(&session.user.id) {
        return Err(ApiError::ApplicationAccessDenied);
    }
    Ok(serve(&res, false))
}

fn serve(res: &store::Resource, public: bool) -> Response {
    let mut response = res.body.clone().into_response();
    let headers = response.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&res.content_type) {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=60"
        } else {
            "private, no-store"
        }),
    );
    response
}
