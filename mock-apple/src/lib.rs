//! A mock of Sign in with Apple (protocols.md §2): discovery, `/auth/authorize` (form_post),
//! `/auth/token` with the ES256 `client_secret` checks, `/auth/keys`, `/auth/revoke`, and the
//! native iOS flow a RunMyApp build gets from `ASAuthorizationAppleIDCredential` (§2.7), played
//! by a control call.
//!
//! ID tokens are RS256 with a 10-character `kid` and no `typ`; `email_verified` and
//! `is_private_email` come as the string "true" or as booleans, as Apple has sent both. Users who
//! hide their email get a `@privaterelay.appleid.com` address. Named faults break the next
//! identity token in one precise way. Embedded ([`MockApple::start`]) or standalone (the binary).

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

/// Apple's issuer, which its tokens carry wherever the mock runs.
pub const ISSUER: &str = "https://appleid.apple.com";
/// The `kid` of the mock's published key (10 characters, as Apple's).
pub const KEY_ID: &str = "MockAp1eK1";
/// The `kid` of a key that is never published.
pub const UNKNOWN_KEY_ID: &str = "Unkn0wnK1d";

/// A developer team with its registered `.p8` keys (public halves, by key ID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppleTeam {
    pub team_id: String,
    /// Key ID -> public key (SPKI PEM) of the team's Sign in with Apple keys.
    pub keys: BTreeMap<String, String>,
    /// Services IDs (web) and bundle IDs (apps) of the team, with their redirect URIs.
    pub clients: Vec<AppleClient>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppleClient {
    pub client_id: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

/// An Apple ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppleUser {
    /// Stable per team.
    pub sub: String,
    pub email: String,
    /// Shares a `@privaterelay.appleid.com` address instead of `email`.
    #[serde(default)]
    pub hide_email: bool,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
}

impl AppleUser {
    pub fn new(email: &str, first: &str, last: &str) -> Self {
        let digest = protocol::jwt::sha256_hex(email);
        Self {
            sub: format!("000605.{}.0934", &digest[..32]),
            email: email.to_owned(),
            hide_email: false,
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            password: "Apple-Pass-2026".into(),
        }
    }

    /// The address the user shares with `team`.
    pub fn shared_email(&self, team_id: &str) -> String {
        if self.hide_email {
            let digest = protocol::jwt::sha256_hex(&format!("{team_id}/{}", self.email));
            format!("{}@privaterelay.appleid.com", &digest[..10])
        } else {
            self.email.clone()
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppleConfig {
    #[serde(default)]
    pub teams: Vec<AppleTeam>,
    #[serde(default)]
    pub users: Vec<AppleUser>,
    /// Emit `email_verified` and `is_private_email` as strings ("true") rather than booleans.
    #[serde(default)]
    pub booleans_as_strings: bool,
}

/// Named faults for the next identity token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// `exp` in the past.
    Expired,
    /// `aud` is the web Services ID instead of the app's bundle ID.
    WrongAud,
    /// `iss` is not Apple.
    WrongIss,
    /// A `kid` the JWKS does not hold.
    UnknownKid,
    /// Signed by a key Apple does not publish.
    BadSignature,
    /// A nonce other than the one the app sent.
    NonceMismatch,
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
    /// The identity token carries the app's raw nonce instead of its SHA-256 (an app that
    /// forgot to hash, or a token minted for a nonce the attacker chose to show in the clear).
    NonceUnhashed,
    /// `email_verified` is false.
    EmailUnverified,
    /// `exp` 60 s ago: the SP's 60 s skew is used up.
    ExpiredPastSkew,
    /// Not a fault: `exp` 59 s ago.
    ExpiredWithinSkew,
    /// `iat` 61 s ahead: past the SP's 60 s skew.
    IatPastSkew,
    /// Not a fault: `iat` exactly 60 s ahead, the skew's edge (still valid).
    IatWithinSkew,
    /// The ID token the token endpoint returns for the code has `iss` not Apple (its `aud` is
    /// right). Skipped by the identity token the app receives, which stays genuine.
    RedeemedWrongIss,
    /// The ID token the token endpoint returns for the code has another `aud` (its `iss` is
    /// right). Skipped by the identity token the app receives, which stays genuine.
    RedeemedWrongAud,
    /// At the next refresh: the refresh token is refused as revoked (the user stopped using
    /// Sign in with Apple for the app), `invalid_grant`.
    RefreshRevoked,
    /// At the next refresh: the refresh token is refused as expired, `invalid_grant`.
    RefreshExpired,
    /// At the next refresh: refused as a token of another client, `invalid_grant`.
    RefreshWrongClient,
}

impl Fault {
    /// A fault for the token endpoint's answer only: the authorization (web or native) leaves
    /// it queued for the code's redemption.
    pub fn redeemed_only(self) -> bool {
        matches!(self, Self::RedeemedWrongIss | Self::RedeemedWrongAud)
    }

    /// Whether the fault waits for the next `grant_type=refresh_token` call: queued apart from
    /// the sign-in faults, so a sign-in between never takes it.
    pub fn at_refresh(self) -> bool {
        matches!(
            self,
            Self::RefreshRevoked | Self::RefreshExpired | Self::RefreshWrongClient
        )
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// What the iOS app receives from `ASAuthorizationAppleIDCredential` (protocols.md §2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeCredential {
    pub user: String,
    #[serde(rename = "identityToken")]
    pub identity_token: String,
    #[serde(rename = "authorizationCode")]
    pub authorization_code: String,
    /// Only on the first authorization of the app by this user.
    pub email: Option<String>,
    #[serde(rename = "fullName")]
    pub full_name: Option<FullName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullName {
    #[serde(rename = "givenName")]
    pub given_name: String,
    #[serde(rename = "familyName")]
    pub family_name: String,
}

/// One request the provider received, with secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    pub endpoint: &'static str,
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: Option<String>,
    pub sub: String,
    pub nonce: Option<String>,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub used: bool,
}

/// What a refresh token was issued for (§2.5): it is not rotated.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub sub: String,
}

#[derive(Debug, Default)]
pub(crate) struct Runtime {
    pub next_logins: mock_kit::bounded::BoundedQueue<(String, bool)>,
    pub faults: mock_kit::bounded::BoundedQueue<Fault>,
    pub codes: BoundedMap<String, CodeGrant>,
    /// (user sub, client ID) pairs already authorized: the name and email go out only once.
    pub authorized: BoundedMap<(String, String), ()>,
    /// Refresh token -> its grant; revocation removes it.
    pub refresh_tokens: BoundedMap<String, RefreshGrant>,
    /// Access token -> the refresh token it came with (revoking one revokes both).
    pub access_tokens: BoundedMap<String, String>,
    /// Faults for the next refresh ([`Fault::at_refresh`]).
    pub refresh_faults: mock_kit::bounded::BoundedQueue<Fault>,
    pub log: BoundedLog<LoggedRequest>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Mutex<AppleConfig>,
    pub base_url: String,
    pub key: JwtSigningKey,
    pub foreign_key: JwtSigningKey,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub runtime: Mutex<Runtime>,
}

impl Shared {
    pub fn runtime(&self) -> MutexGuard<'_, Runtime> {
        self.runtime.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> MutexGuard<'_, AppleConfig> {
        self.config.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn log(&self, endpoint: &'static str, params: BTreeMap<String, String>) {
        self.runtime().log.push(LoggedRequest { endpoint, params });
    }

    /// The team a client ID belongs to.
    pub fn team_of(&self, client_id: &str) -> Option<AppleTeam> {
        self.config()
            .teams
            .iter()
            .find(|t| t.clients.iter().any(|c| c.client_id == client_id))
            .cloned()
    }
}

/// A running mock Apple.
#[derive(Debug)]
pub struct MockApple {
    server: mock_kit::Server,
    shared: Arc<Shared>,
}

impl MockApple {
    pub async fn start(
        config: AppleConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> anyhow::Result<Self> {
        Self::start_on("127.0.0.1:0".parse()?, None, config, clock, ids).await
    }

    pub async fn start_on(
        addr: SocketAddr,
        public_url: Option<String>,
        config: AppleConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> anyhow::Result<Self> {
        let key = JwtSigningKey::from_pem(JwtFixture::Apple1.key_pem(), KEY_ID)
            .map_err(|e| anyhow::anyhow!("fixture Apple key: {e}"))?;
        let foreign_key = JwtSigningKey::from_pem(JwtFixture::Apple2.key_pem(), KEY_ID)
            .map_err(|e| anyhow::anyhow!("fixture Apple key: {e}"))?;
        let build = |base_url| {
            Ok(Shared {
                config: Mutex::new(config),
                base_url,
                key,
                foreign_key,
                clock,
                ids,
                runtime: Mutex::new(Runtime::default()),
            })
        };
        let (server, shared) =
            mock_kit::Server::start_mock(addr, public_url, "mock Apple", build, handlers::router)
                .await?;
        Ok(Self { server, shared })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Where `/auth/keys`, `/auth/token` and the rest are served.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The iOS app signs `username` in with Apple (the native flow), with `raw_nonce` whose
    /// SHA-256 the app puts in the request.
    pub fn native_sign_in(
        &self,
        bundle_id: &str,
        username: &str,
        raw_nonce: &str,
    ) -> anyhow::Result<NativeCredential> {
        handlers::native(&self.shared, bundle_id, username, raw_nonce)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The next authorization (web or native) is this user's; `cancel` plays "Cancel".
    pub fn enqueue_login(&self, username: &str, cancel: bool) -> Result<(), QueueFull> {
        self.shared
            .runtime()
            .next_logins
            .push((username.to_owned(), cancel))
    }

    pub fn enqueue_fault(&self, fault: Fault) -> Result<(), QueueFull> {
        let mut rt = self.shared.runtime();
        if fault.at_refresh() {
            rt.refresh_faults.push(fault)
        } else {
            rt.faults.push(fault)
        }
    }

    pub fn add_user(&self, user: AppleUser) {
        self.shared.config().users.push(user);
    }

    pub fn set_booleans_as_strings(&self, on: bool) {
        self.shared.config().booleans_as_strings = on;
    }

    pub fn received(&self) -> Vec<LoggedRequest> {
        self.shared.runtime().log.to_vec()
    }
}
