//! Interoperability: the `openidconnect` crate, a third-party relying-party library, discovers
//! the mock, runs the authorization-code flow with PKCE and validates the ID token. That proves
//! the mock is faithful to the standard, not only to our SP.

use mock_google::{Consent, GoogleClient, GoogleConfig, GoogleUser, MockGoogle};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use protocol::{RandomIds, SystemClock};
use std::sync::Arc;

const CLIENT_ID: &str = "1234987819200-mock.apps.googleusercontent.com";
const SECRET: &str = "GOCSPX-mock-secret";
const REDIRECT: &str = "http://127.0.0.1:9/oauth2callback";

#[tokio::test]
async fn openidconnect_discovers_signs_in_and_validates_the_id_token() {
    let config = GoogleConfig {
        clients: vec![GoogleClient {
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
        users: vec![GoogleUser::workspace(
            "jsmith@example.com",
            "J Smith",
            "example.com",
        )],
    };
    // The RP library checks expiry against the real clock, so this mock runs on it too.
    let google = MockGoogle::start(config, Arc::new(SystemClock), Arc::new(RandomIds))
        .await
        .unwrap();
    google
        .enqueue_login("jsmith@example.com", Consent::Allow)
        .unwrap();

    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(google.issuer().to_owned()).unwrap(),
        &http,
    )
    .await
    .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(CLIENT_ID.into()),
        Some(ClientSecret::new(SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The browser's hop: the mock answers a queued login with a redirect carrying the code.
    let r = http.get(url.as_str()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(csrf.secret().as_str()));
    let code = param("code").expect("a code");

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .expect("a token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("token exchange");
    assert_eq!(tokens.token_type().as_ref(), "bearer");
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the ID token validates");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("jsmith@example.com")
    );
    assert_eq!(claims.email_verified(), Some(true));
    // at_hash binds the ID token to the access token (OIDC Core 3.1.3.6).
    let expected = openidconnect::AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&client.id_token_verifier()).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected));
}
