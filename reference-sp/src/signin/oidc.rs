//! The SP's side of [`protocol::oidc`] for Google and Apple sign-in (R-GO-6, R-APPLE-3): provider
//! documents fetched with the SP's HTTP client and a 10 s limit, cached in [`AppState`].

use crate::AppState;
use protocol::oidc::{JwtCheck, ProviderMetadata};
use serde_json::Value;

/// The longest the SP waits for a provider's document.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A provider's JSON document; the error is a message for the refusal's text.
async fn fetch_json(state: &AppState, url: &str) -> Result<Value, String> {
    let response = state
        .http()
        .get(url)
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// The discovery document at `url`.
pub async fn metadata(state: &AppState, url: &str) -> Result<ProviderMetadata, String> {
    state
        .oidc_cache()
        .metadata(url, |u| async move { fetch_json(state, &u).await })
        .await
}

/// The token's claims once its RS256 signature checks with the provider's key (unchecked
/// claims: each provider's rules are its module's).
pub async fn verify_rs256(
    state: &AppState,
    jwks_uri: &str,
    token: &str,
) -> Result<Value, JwtCheck> {
    state
        .oidc_cache()
        .verify_rs256(jwks_uri, token, |u| async move {
            fetch_json(state, &u).await.map_err(|e| {
                format!("the provider's discovery document or keys cannot be fetched: {e}")
            })
        })
        .await
}
