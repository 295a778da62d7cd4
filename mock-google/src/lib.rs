//! A mock of Google's OAuth 2.0 / OpenID Connect provider, following protocols.md §1 field by
//! field: discovery, the authorization endpoint with an account chooser and consent for people
//! and a headless login for tests, the token endpoint, userinfo, and a JWKS holding a current and
//! a next key, rotated on demand.
//!
//! Strict as Google is: an exact `redirect_uri` match (a mismatch is shown on the provider's page,
//! never redirected), single-use codes bound to the client and `redirect_uri`, PKCE when sent,
//! client authentication by secret (HTTP Basic or form). Named faults make the next ID token or
//! token response wrong in one precise way. Embedded ([`MockGoogle::start`]) or standalone (the
//! binary), with a control API under `/control/`.

mod handlers;

use mock_kit::bounded::QueueFull;
use mock_kit::bounded::{BoundedLog, BoundedMap};
use protocol::fixtures::JwtFixture;
use protocol::jwt::JwtSigningKey;
use protocol::{Clock, IdGenerator};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// An OAuth client registered with the provider (a "Web application" client in Google Cloud).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleClient {
    pub client_id: String,
    pub client_secret: String,
    /// Authorized redirect URIs; matched exactly (scheme, case, trailing slash).
    pub redirect_uris: Vec<String>,
}

/// A Google account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleUser {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub picture: String,
    #[serde(default = "english")]
    pub locale: String,
    /// The Workspace domain; `None` for a consumer (gmail.com) account.
    #[serde(default)]
    pub hd: Option<String>,
    pub password: String,
}

fn english() -> String {
    "en".into()
}

impl GoogleUser {
    /// A Google Workspace user of `domain`.
    pub fn workspace(email: &str, name: &str, domain: &str) -> Self {
        let mut u = Self::consumer(email, name);
        u.hd = Some(domain.to_owned());
        u
    }

    /// A consumer account (no `hd`).
    pub fn consumer(email: &str, name: &str) -> Self {
        let (given, family) = name.split_once(['.', ' ']).unwrap_or((name, ""));
        let sub: String = protocol::jwt::left_half_hash(email)
            .bytes()
            .map(|b| char::from(b'0' + b % 10))
            .collect();
        Self {
            sub: format!("1{sub}"),
            email: email.to_owned(),
            email_verified: true,
            name: name.to_owned(),
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            picture: format!("https://lh3.googleusercontent.com/a/{}", email.len()),
            locale: english(),
            hd: None,
            password: "Google-Pass-2026".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleConfig {
    #[serde(default)]
    pub clients: Vec<GoogleClient>,
    #[serde(default)]
    pub users: Vec<GoogleUser>,
}

/// Named faults for the next sign-in's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// `exp` an hour ago.
    Expired,
    /// `aud` (and `azp`) another client.
    WrongAud,
    /// `iss` another issuer.
    WrongIss,
    /// `iss` in the legacy form without scheme (valid, §1.4).
    LegacyIssuer,
    /// A `kid` the JWKS does not hold.
    UnknownKid,
    /// The signature does not match the token.
    BadSignature,
    /// `alg: none`, unsigned.
    AlgNone,
    /// No `nonce` although one was sent.
    MissingNonce,
    /// Another `nonce`.
    WrongNonce,
    /// `email_verified` false.
    EmailUnverified,
    /// No `hd` claim.
    HdMissing,
    /// `hd` of another domain.
    HdDifferent,
    /// The token endpoint answers `invalid_grant`.
    TokenInvalidGrant,
    /// `aud` is `[our client, another client]` and there is no `azp`.
    AudArrayNoAzp,
    /// `aud` is `[our client, another client]` and `azp` the other client.
    AudArrayOtherAzp,
    /// Not a fault: `aud` is `[our client, another client]` with `azp` our client.
    AudArrayWithAzp,
    /// `aud` is our client alone, but `azp` names another client.
    AzpOther,
    /// `aud` is `[another client, a third client]`, without ours; `azp` names ours.
    AudArrayWithoutUs,
    /// Not a fault: `aud` is our client alone and there is no `azp` (OIDC Core §2 makes `azp`
    /// optional when there is one audience).
    SingleAudNoAzp,
    /// `exp` 60 s ago: the SP's 60 s skew is used up (the end is exclusive).
    ExpiredPastSkew,
    /// Not a fault: `exp` 59 s ago, inside the skew.
    ExpiredWithinSkew,
    /// `iat` 61 s ahead: one second past the skew.
    IatPastSkew,
    /// Not a fault: `iat` exactly 60 s ahead, the skew's edge (still valid).
    IatWithinSkew,
    /// `iat` an hour ahead.
    IatFuture,
    /// `nbf` an hour ahead.
    NbfFuture,
    /// No `iat` claim.
    MissingIat,
    /// No `sub` claim.
    MissingSub,
    /// The JOSE header carries `"crit":["exp"]`.
    CritHeader,
    /// At the next refresh: the refresh token is refused as revoked (the user removed the
    /// app's access in their Google Account), `invalid_grant`.
    RefreshRevoked,
    /// At the next refresh: the refresh token is refused as expired (Google ends an app's
    /// refresh tokens after 7 days while its consent screen is in testing, or after six months
    /// unused), `invalid_grant` with the same description.
    RefreshExpired,
    /// At the next refresh: Google answers as for a token of another client,
    /// `unauthorized_client`.
    RefreshWrongClient,
}

impl Fault {
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    /// Whether the fault waits for the next `grant_type=refresh_token` call rather than the
    /// next sign-in: the two are queued apart, so a sign-in between never takes it.
    pub fn at_refresh(self) -> bool {
        matches!(
            self,
            Self::RefreshRevoked | Self::RefreshExpired | Self::RefreshWrongClient
        )
    }
}

/// What the next headless login decides at the consent screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Allow,
    Deny,
}

/// One request the provider received, with secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// `authorize`, `token`, `revoke`, `userinfo`, `jwks`, `discovery`.
    pub endpoint: &'static str,
    pub params: BTreeMap<String, String>,
}

/// An authorization code waiting to be redeemed.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub email: String,
    pub nonce: Option<String>,
    pub challenge: Option<(String, String)>,
    pub scope: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub used: bool,
    pub fault: Option<Fault>,
    /// `access_type=offline` was asked for.
    pub offline: bool,
    /// `prompt` held `consent`: Google issues a new refresh token even after the first.
    pub prompt_consent: bool,
}

/// A refresh token's grant (§1.3): it is not rotated; revocation removes it.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub email: String,
    pub scope: String,
}

/// An access token: whose, and the refresh token it came with or from (revoking either
/// revokes both, as Google's revocation endpoint does).
#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub email: String,
    pub refresh_token: Option<String>,
}

/// A sign-in waiting for a person at the account chooser or the consent screen.
#[derive(Debug, Clone)]
pub(crate) struct PendingAuth {
    pub params: handlers::AuthParams,
    pub email: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Runtime {
    pub next_logins: mock_kit::bounded::BoundedQueue<(String, Consent)>,
    pub faults: mock_kit::bounded::BoundedQueue<Fault>,
    pub sessions: BoundedMap<String, String>,
    pub pending: BoundedMap<String, PendingAuth>,
    pub codes: BoundedMap<String, CodeGrant>,
    pub access_tokens: BoundedMap<String, AccessGrant>,
    pub refresh_tokens: BoundedMap<String, RefreshGrant>,
    /// `client_id` and email of each offline grant already given a refresh token: the next
    /// code exchange gets none unless `prompt=consent` was asked for.
    pub offline_granted: BoundedMap<(String, String), ()>,
    /// Faults for the next refresh ([`Fault::at_refresh`]).
    pub refresh_faults: mock_kit::bounded::BoundedQueue<Fault>,
    /// Device codes of the device flow.
    pub device_codes: BoundedMap<String, handlers::DeviceGrant>,
    /// User code -> its device code.
    pub device_user_codes: BoundedMap<String, String>,
    pub log: BoundedLog<LoggedRequest>,
    /// Index of the signing key in [`Shared::keys`]; rotation moves it on.
    pub current_key: usize,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Mutex<GoogleConfig>,
    pub issuer: String,
    pub keys: Vec<JwtSigningKey>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub runtime: Mutex<Runtime>,
}

impl Shared {
    pub fn runtime(&self) -> MutexGuard<'_, Runtime> {
        self.runtime.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> MutexGuard<'_, GoogleConfig> {
        self.config.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    pub fn log(&self, endpoint: &'static str, params: BTreeMap<String, String>) {
        self.runtime().log.push(LoggedRequest { endpoint, params });
    }
}

/// Paths, mirroring Google's endpoints on one host.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
pub const AUTH_PATH: &str = "/o/oauth2/v2/auth";
pub const TOKEN_PATH: &str = "/token";
/// Google's `revocation_endpoint` (oauth2.googleapis.com/revoke).
pub const REVOKE_PATH: &str = "/revoke";
pub const USERINFO_PATH: &str = "/v1/userinfo";
pub const JWKS_PATH: &str = "/oauth2/v3/certs";

/// A running mock Google.
#[derive(Debug)]
pub struct MockGoogle {
    server: mock_kit::Server,
    shared: Arc<Shared>,
}

impl MockGoogle {
    pub async fn start(
        config: GoogleConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> anyhow::Result<Self> {
        Self::start_on("127.0.0.1:0".parse()?, None, config, clock, ids).await
    }

    /// Serves on `addr`; `public_url` is the issuer (how browsers and RPs reach it), by default
    /// `http://<bound address>`.
    pub async fn start_on(
        addr: SocketAddr,
        public_url: Option<String>,
        config: GoogleConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> anyhow::Result<Self> {
        let keys = [
            JwtFixture::Google1,
            JwtFixture::Google2,
            JwtFixture::Google3,
        ]
        .into_iter()
        .map(|f| {
            let kid = JwtSigningKey::google_kid(f.key_pem())?;
            JwtSigningKey::from_pem(f.key_pem(), kid)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("fixture JWT keys: {e}"))?;
        let build = |issuer| {
            Ok(Shared {
                config: Mutex::new(config),
                issuer,
                keys,
                clock,
                ids,
                runtime: Mutex::new(Runtime::default()),
            })
        };
        let (server, shared) =
            mock_kit::Server::start_mock(addr, public_url, "mock Google", build, handlers::router)
                .await?;
        Ok(Self { server, shared })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The issuer, which is also the base URL.
    pub fn issuer(&self) -> &str {
        &self.shared.issuer
    }

    pub fn discovery_url(&self) -> String {
        self.shared.url(DISCOVERY_PATH)
    }

    pub fn authorization_url(&self) -> String {
        self.shared.url(AUTH_PATH)
    }

    /// The next browser without a Google session signs in as `email` and decides `consent`.
    pub fn enqueue_login(&self, email: &str, consent: Consent) -> Result<(), QueueFull> {
        self.shared
            .runtime()
            .next_logins
            .push((email.to_owned(), consent))
    }

    /// The next sign-in's tokens carry `fault`.
    pub fn enqueue_fault(&self, fault: Fault) -> Result<(), QueueFull> {
        let mut rt = self.shared.runtime();
        if fault.at_refresh() {
            rt.refresh_faults.push(fault)
        } else {
            rt.faults.push(fault)
        }
    }

    /// Signs with the next key and publishes the one after it; the old key leaves the JWKS.
    pub fn rotate_keys(&self) {
        let mut rt = self.shared.runtime();
        rt.current_key = (rt.current_key + 1).min(self.shared.keys.len() - 1);
    }

    /// The `kid` that signs ID tokens now.
    pub fn current_kid(&self) -> String {
        let i = self.shared.runtime().current_key;
        self.shared.keys[i].kid().to_owned()
    }

    pub fn add_user(&self, user: GoogleUser) {
        self.shared.config().users.push(user);
    }

    pub fn add_client(&self, client: GoogleClient) {
        self.shared.config().clients.push(client);
    }

    /// Every request received so far, secrets redacted.
    pub fn received(&self) -> Vec<LoggedRequest> {
        self.shared.runtime().log.to_vec()
    }

    pub fn clear_sessions(&self) {
        self.shared.runtime().sessions.clear();
    }
}
