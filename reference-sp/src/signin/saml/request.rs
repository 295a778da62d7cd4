//! Starting SAML sign-in (R-SA-3): the AuthnRequest (and the SP's LogoutRequest) on the
//! Redirect binding, signed with the customer's key when one is configured for the mode
//! (R-SG-3), remembered with the browser binding until its answer arrives (R-SA-6).

use super::*;

/// Whether this mode signs users in with SAML, and with which configuration.
pub async fn active_config(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<SamlConfig>, ApiError> {
    let account = account.clone();
    state
        .store()
        .call(move |c| {
            let method = store::mode_config(c, &account, mode)?.method;
            if method != crate::domain::AuthMethod::Saml {
                return Ok(None);
            }
            load_config(c, &account, mode)
        })
        .await
}

/// Redirects the browser to the IdP with a new AuthnRequest (HTTP-Redirect binding), recording
/// its ID for this browser; `next` is where the browser goes after sign-in.
pub async fn start_sign_in(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    config: &SamlConfig,
    next: &str,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let id = state.ids().new_id("id");
    let request = AuthnRequest {
        id: id.clone(),
        issue_instant: now,
        destination: config.sso_url.clone(),
        acs_url: acs_url(state, account, mode),
        issuer: config.sp_entity_id.clone(),
        name_id_format: Some(config.name_id_format.clone()),
        force_authn: false,
    }
    .to_xml(&Style::SAMLP);
    tracing::info!(account = %account, mode = %mode, request_id = %id, "AuthnRequest sent");
    let outgoing = Outgoing {
        id: &id,
        kind: "authn",
        xml: &request,
        destination: &config.sso_url,
        next,
    };
    send_request(state, account, mode, &outgoing).await
}

/// A request message on its way to the IdP.
pub(super) struct Outgoing<'a> {
    pub(super) id: &'a str,
    pub(super) kind: &'a str,
    pub(super) xml: &'a str,
    pub(super) destination: &'a str,
    /// Where the browser goes once the answer arrives.
    pub(super) next: &'a str,
}

/// Remembers the request for this browser and redirects the browser to the IdP with it
/// (HTTP-Redirect binding).
pub(super) async fn send_request(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    out: &Outgoing<'_>,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let token = state.ids().new_id("rq");
    let (id, kind, account_c, hash, next) = (
        out.id.to_owned(),
        out.kind.to_owned(),
        account.clone(),
        token_hash(&token),
        out.next.to_owned(),
    );
    state
        .store()
        .call(move |c| {
            let request = store::NewSamlRequest {
                id: &id,
                kind: &kind,
                account: &account_c,
                mode,
                browser_hash: &hash,
                next: &next,
            };
            store::insert_saml_request(c, &request, now, REQUEST_LIFETIME)
        })
        .await?;
    // With the customer's key for this operation and mode, the request goes out signed (R-SG-3);
    // keys of other modes never sign it.
    let operation = if out.kind == "authn" {
        Operation::SamlAuth
    } else {
        Operation::SamlLogout
    };
    let account_c = account.clone();
    let key = state
        .store()
        .call(move |c| store::keys::load_key(c, &account_c, mode, operation))
        .await?;
    let query = match &key {
        Some(key) => redirect::signed_query(MessageKind::Request, out.xml, None, key.pkey()),
        None => redirect::query(MessageKind::Request, out.xml, None),
    }
    .map_err(|e| ApiError::Internal(format!("encoding the {} request: {e}", out.kind)))?;
    let sep = if out.destination.contains('?') {
        '&'
    } else {
        '?'
    };
    with_cookie(
        Redirect::to(&format!("{}{sep}{query}", out.destination)).into_response(),
        &request_cookie(state, account, mode, &token),
    )
}
