//! A mock SAML 2.0 identity provider that behaves as Microsoft Entra ID (default), Okta or Google
//! Workspace (protocols.md §3-4), for SP-initiated Web Browser SSO and single logout.
//!
//! It works embedded and standalone (ARCHITECTURE.md example 2): [`MockIdp::start`] serves it on
//! `127.0.0.1:0` inside a test, with URL helpers and per-test control (enqueue who logs in next,
//! enqueue a named [`Fault`] for the next Response, read the [`LoggedMessage`] log); the binary
//! serves the same thing on a fixed port, with the same powers over an HTTP control API.
//!
//! Strict by default: an AuthnRequest is checked as the chosen vendor checks it, and every
//! Response is correct and signed as the vendor signs. Faults are explicit and one-shot.

pub mod answer;
pub mod config;
pub mod faults;
mod handlers;
pub mod profile;

pub use answer::Answer;
pub use config::{IdpConfig, IdpUser, RegisteredApp};
pub use faults::{Expect, Fault, FaultClass, FaultInfo};
pub use profile::VendorProfile;

use mock_kit::bounded::QueueFull;
use mock_kit::bounded::{BoundedLog, BoundedMap};
use protocol::keys::{Certificate, SigningKey};
use protocol::{Clock, IdGenerator};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Which way a logged message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Received,
    Sent,
}

/// One SAML message the IdP received or sent, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedMessage {
    pub direction: Direction,
    /// `redirect` or `post`.
    pub binding: &'static str,
    /// Root element's local name: `AuthnRequest`, `Response`, `LogoutRequest`, ...
    pub kind: String,
    pub xml: String,
    pub relay_state: Option<String>,
    /// Where a sent message went.
    pub destination: Option<String>,
    /// SigAlg of a received Redirect-binding message that carried a query signature.
    pub sig_alg: Option<String>,
}

/// An AuthnRequest waiting for a person to fill in the login form.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub request: handlers::AuthnRequestInfo,
    pub acs: String,
    pub relay_state: Option<String>,
}

/// Where the IdP's signing-certificate rollover stands.
#[derive(Debug, Clone, Default)]
pub(crate) enum Rollover {
    /// One certificate, the configured key's.
    #[default]
    None,
    /// The next certificate is published beside the current one, which still signs.
    Published(SigningKey),
    /// The next key signs; both certificates are published.
    Activated(SigningKey),
    /// The next key signs and the old certificate is no longer published.
    Retired(SigningKey),
}

/// A step of [`MockIdp::roll_over`], in the order Entra takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloverStep {
    Publish,
    Activate,
    Retire,
}

#[derive(Debug, thiserror::Error)]
pub enum RolloverError {
    #[error("a rollover step out of order: {0}")]
    OutOfOrder(&'static str),
    #[error("the next certificate cannot be made: {0}")]
    Key(String),
}

pub(crate) fn roll_over(
    shared: &Shared,
    step: RolloverStep,
    next: Option<SigningKey>,
) -> Result<Certificate, RolloverError> {
    let mut rt = shared.runtime();
    let state = std::mem::take(&mut rt.rollover);
    let result = match (step, state) {
        (RolloverStep::Publish, Rollover::None) => {
            let key = match next {
                Some(k) => Ok(k),
                None => SigningKey::generate(
                    &format!("Mock {} Federated SSO Certificate", shared.profile.name()),
                    shared.clock.now(),
                    3 * 365,
                )
                .map_err(|e| RolloverError::Key(e.to_string())),
            };
            match key {
                Ok(k) => Ok(Rollover::Published(k)),
                Err(e) => {
                    rt.rollover = Rollover::None;
                    return Err(e);
                }
            }
        }
        (RolloverStep::Activate, Rollover::Published(k)) => Ok(Rollover::Activated(k)),
        (RolloverStep::Retire, Rollover::Activated(k)) => Ok(Rollover::Retired(k)),
        (_, back) => {
            rt.rollover = back;
            return Err(RolloverError::OutOfOrder(
                "publish, then activate, then retire",
            ));
        }
    };
    let new = result?;
    let cert = match &new {
        Rollover::Published(k) | Rollover::Activated(k) | Rollover::Retired(k) => k.certificate(),
        Rollover::None => shared.key.certificate(),
    };
    rt.rollover = new;
    Ok(cert)
}

#[derive(Debug, Default)]
pub(crate) struct Runtime {
    pub next_logins: mock_kit::bounded::BoundedQueue<String>,
    /// Faults for the next Responses.
    pub faults: mock_kit::bounded::BoundedQueue<Fault>,
    /// Faults for the next logout messages, queued apart so that a sign-in between never takes
    /// one (nor a logout message one meant for a Response).
    pub logout_faults: mock_kit::bounded::BoundedQueue<Fault>,
    /// IdP session token -> username.
    pub sessions: BoundedMap<String, String>,
    pub pending: BoundedMap<String, Pending>,
    pub log: BoundedLog<LoggedMessage>,
    /// Username -> (app identifier, SessionIndex) of the user's last sign-in, for IdP-initiated
    /// logout.
    pub last_sign_in: BoundedMap<String, (String, String)>,
    /// The last Response sent, for the replay faults.
    pub last_response: Option<String>,
    /// Where the signing-certificate rollover stands (R-SA-11).
    pub rollover: Rollover,
    /// The NameID the last Response asserted, as the IdP signed it (before any fault made
    /// after signing), read as a signature reads it: comments dropped, references resolved.
    pub last_asserted: Option<String>,
}

impl Runtime {
    /// The queue a fault waits in: Responses and logout messages each take only their own.
    pub fn fault_queue(&mut self, fault: Fault) -> &mut mock_kit::bounded::BoundedQueue<Fault> {
        if fault.is_logout() {
            &mut self.logout_faults
        } else {
            &mut self.faults
        }
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Mutex<IdpConfig>,
    pub profile: VendorProfile,
    pub tenant: String,
    pub key: SigningKey,
    pub base_url: String,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub runtime: Mutex<Runtime>,
}

impl Shared {
    pub fn runtime(&self) -> MutexGuard<'_, Runtime> {
        self.runtime.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> MutexGuard<'_, IdpConfig> {
        self.config.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn log(&self, message: LoggedMessage) {
        self.runtime().log.push(message);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The key that signs now: the configured one, or the next once a rollover activated it.
    pub fn signing_key(&self) -> SigningKey {
        match &self.runtime().rollover {
            Rollover::Activated(next) | Rollover::Retired(next) => next.clone(),
            Rollover::None | Rollover::Published(_) => self.key.clone(),
        }
    }

    /// The certificates the metadata publishes, the signing one first while both are listed.
    pub fn published_certificates(&self) -> Vec<Certificate> {
        let current = self.key.certificate();
        match &self.runtime().rollover {
            Rollover::None => vec![current],
            Rollover::Published(next) => vec![current, next.certificate()],
            Rollover::Activated(next) => vec![next.certificate(), current],
            Rollover::Retired(next) => vec![next.certificate()],
        }
    }

    pub fn sso_url(&self) -> String {
        let mut url = self.url(&self.profile.sso_path(&self.tenant));
        if let Some(q) = self.profile.sso_query(&self.tenant) {
            url.push('?');
            url.push_str(&q);
        }
        url
    }

    /// Name of the IdP's session cookie; unique per IdP so several on one host never collide
    /// (browsers do not separate cookies by port).
    pub fn cookie_name(&self) -> String {
        let tenant: String = self
            .tenant
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        format!("MOCKIDP_{}_{tenant}", self.profile.name().replace('-', "_"))
    }
}

/// A running mock IdP.
#[derive(Debug)]
pub struct MockIdp {
    server: mock_kit::Server,
    shared: Arc<Shared>,
}

impl MockIdp {
    /// Serves the IdP on `127.0.0.1:0`, signing with the profile's fixture key.
    pub async fn start(
        config: IdpConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> anyhow::Result<Self> {
        Self::start_on("127.0.0.1:0".parse()?, None, config, clock, ids).await
    }

    /// Serves the IdP on `addr`. `public_url` is how browsers reach it (defaults to
    /// `http://<bound address>`).
    pub async fn start_on(
        addr: SocketAddr,
        public_url: Option<String>,
        config: IdpConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> anyhow::Result<Self> {
        let key = config.profile.fixture().signing_key();
        Self::start_with_key(addr, public_url, config, key, clock, ids).await
    }

    /// Serves the IdP on `addr`, signing with `key` instead of the profile's fixture key (a
    /// tester's own key and certificate, as `harness probe-sp --idp-key` takes them).
    pub async fn start_with_key(
        addr: SocketAddr,
        public_url: Option<String>,
        config: IdpConfig,
        key: SigningKey,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> anyhow::Result<Self> {
        let profile = config.profile;
        let build = |base_url| {
            Ok(Shared {
                profile,
                tenant: config.tenant.clone(),
                key,
                base_url,
                config: Mutex::new(config),
                clock,
                ids,
                runtime: Mutex::new(Runtime::default()),
            })
        };
        let (server, shared) =
            mock_kit::Server::start_mock(addr, public_url, "mock IdP", build, handlers::router)
                .await?;
        Ok(Self { server, shared })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn profile(&self) -> VendorProfile {
        self.shared.profile
    }

    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The IdP's entity ID (its Responses' Issuer).
    pub fn entity_id(&self) -> String {
        self.shared.profile.entity_id(&self.shared.tenant)
    }

    /// The Login URL (SSO, both bindings).
    pub fn sso_url(&self) -> String {
        self.shared.sso_url()
    }

    /// The Logout URL; `None` for Google Workspace.
    pub fn slo_url(&self) -> Option<String> {
        self.shared
            .profile
            .slo_path(&self.shared.tenant)
            .map(|p| self.shared.url(&p))
    }

    pub fn metadata_url(&self) -> String {
        self.shared
            .url(&self.shared.profile.metadata_path(&self.shared.tenant))
    }

    /// The signing certificate, as an SP is configured with it (after a rollover, the new one).
    pub fn certificate(&self) -> Certificate {
        self.shared.signing_key().certificate()
    }

    /// One step of Entra's certificate rollover (protocols.md §3.7) to `next` (None: a new
    /// key and certificate made now with rcgen): publish it beside the current one, sign with
    /// it (both still published), then retire the old one. The certificate of `next` it is at.
    pub fn roll_over(
        &self,
        step: RolloverStep,
        next: Option<SigningKey>,
    ) -> Result<Certificate, RolloverError> {
        roll_over(&self.shared, step, next)
    }

    /// The next login (from any browser without an IdP session) is this user's, with no form.
    pub fn enqueue_login(&self, username: &str) -> Result<(), QueueFull> {
        self.shared.runtime().next_logins.push(username.to_owned())
    }

    /// The next Response, or for a logout fault the next logout message, carries this fault.
    pub fn enqueue_fault(&self, fault: Fault) -> Result<(), QueueFull> {
        self.shared.runtime().fault_queue(fault).push(fault)
    }

    pub fn add_user(&self, user: IdpUser) {
        self.shared.config().users.push(user);
    }

    pub fn add_app(&self, app: RegisteredApp) {
        self.shared.config().apps.push(app);
    }

    /// Changes a registered app (by identifier); false if there is none.
    pub fn update_app(&self, identifier: &str, change: impl FnOnce(&mut RegisteredApp)) -> bool {
        let mut config = self.shared.config();
        match config.apps.iter_mut().find(|a| a.identifier == identifier) {
            Some(app) => {
                change(app);
                true
            }
            None => false,
        }
    }

    /// Every message received and sent so far, in order.
    pub fn received(&self) -> Vec<LoggedMessage> {
        self.shared.runtime().log.to_vec()
    }

    /// Forgets every IdP session, as if each user had signed out at the IdP.
    pub fn clear_sessions(&self) {
        self.shared.runtime().sessions.clear();
    }

    /// Drops every queued login and fault, and forgets the last asserted NameID: a probe case
    /// the IdP never answered (an AuthnRequest it refused, a timeout) must not leave its fault
    /// for the next case.
    pub fn clear_queues(&self) {
        let mut rt = self.shared.runtime();
        while rt.next_logins.pop().is_some() {}
        while rt.faults.pop().is_some() {}
        while rt.logout_faults.pop().is_some() {}
        rt.last_asserted = None;
    }

    /// The NameID the last Response asserted, as signed: what a correct SP signs in (or
    /// refuses). A fault made after signing (a wrapped copy, tampered content) does not change
    /// it; one made before (a space, a comment inside the NameID) does. `None` without a
    /// Response since [`Self::clear_queues`], or when the Response has no readable NameID.
    pub fn last_asserted_name_id(&self) -> Option<String> {
        self.shared.runtime().last_asserted.clone()
    }
}
