//! ID-token verification shared by Google (protocols.md §1.7) and Apple (§2.9) sign-in, and by
//! the mocks' tests: the compact-JWS header rules, RS256 with the JWKS key the `kid` names
//! (fetched again when a token names a key not yet seen: rotation), and the claim rules both
//! providers share (RFC 7519 §4.1, OIDC Core §2, §3.1.3.7) against an injected clock.
//!
//! No I/O here: fetching a document is the caller's (a closure), so the SP's HTTP client, its
//! time limits and its error mapping stay in the SP. The provider-specific rules (issuer,
//! audience, `azp`, nonce, `hd`) are the callers'.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

/// Longest ID token accepted; real Google and Apple tokens are 1 to 2 KiB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Most providers (discovery documents and JWKS) held; past it the cache starts again empty.
/// There is one per configured provider URL, so this is only reached by misuse.
pub const MAX_CACHED_PROVIDERS: usize = 1024;

/// Why an RS256 JWT's signature could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtCheck {
    AlgorithmNotAllowed(String),
    Malformed(String),
    UnknownKid,
    BadSignature,
    Unavailable(String),
    /// A `crit` header parameter: RFC 7515 §4.1.11 says refuse what is not understood, and the
    /// verifier understands no extension.
    CritHeader,
}

/// Claim rules Google's and Apple's ID tokens share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimCheck {
    MissingSub,
    MissingIat,
    IatFuture,
    NotYetValid,
    Expired,
}

/// The parts of an OpenID provider's discovery document the SP uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// `sub` present, `iat` present and not ahead, `nbf` (if any) reached, `exp` not passed, each
/// with `skew`.
pub fn common_claims(claims: &Value, now: DateTime<Utc>, skew: Duration) -> Result<(), ClaimCheck> {
    let (now, skew) = (now.timestamp(), skew.num_seconds());
    if claims["sub"].as_str().is_none_or(str::is_empty) {
        return Err(ClaimCheck::MissingSub);
    }
    let iat = claims["iat"].as_i64().ok_or(ClaimCheck::MissingIat)?;
    if iat > now + skew {
        return Err(ClaimCheck::IatFuture);
    }
    if let Some(nbf) = claims.get("nbf")
        && nbf.as_i64().is_none_or(|nbf| nbf > now + skew)
    {
        return Err(ClaimCheck::NotYetValid);
    }
    let exp = claims["exp"].as_i64().ok_or(ClaimCheck::Expired)?;
    if now >= exp + skew {
        return Err(ClaimCheck::Expired);
    }
    Ok(())
}

/// A boolean claim as Google and Apple send it: `true`, or the string `"true"` (§1.4, §2.6).
pub fn truthy(v: &Value) -> bool {
    v.as_bool() == Some(true) || v.as_str() == Some("true")
}

/// Reads a compact JWS's header before any key is fetched: three parts, a JSON object header,
/// `alg` RS256, no `crit`, a `kid`. Returns the `kid`. Pure, so it is fuzzed (fuzz/).
pub fn jwt_header(token: &str) -> Result<String, JwtCheck> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtCheck::Malformed("token too long".into()));
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtCheck::Malformed(
            "not a compact JWS of three parts".into(),
        ));
    };
    let header: Value = URL_SAFE_NO_PAD
        .decode(header_b64)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(Value::is_object)
        .ok_or_else(|| JwtCheck::Malformed("unreadable header".into()))?;
    let alg = header["alg"].as_str().unwrap_or_default();
    if alg != "RS256" {
        return Err(JwtCheck::AlgorithmNotAllowed(alg.to_owned()));
    }
    if header.get("crit").is_some() {
        return Err(JwtCheck::CritHeader);
    }
    header["kid"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| JwtCheck::Malformed("no kid".into()))
}

/// Checks the signature with `jwk` (an RSA JWK) and returns the claims, unchecked.
pub fn verify_with_jwk(jwk: &Value, token: &str) -> Result<Value, JwtCheck> {
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap_or_default(),
        jwk["e"].as_str().unwrap_or_default(),
    )
    .map_err(|e| JwtCheck::Malformed(format!("JWK: {e}")))?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => JwtCheck::BadSignature,
            _ => JwtCheck::Malformed(e.to_string()),
        })
}

/// Discovery documents and JWKS of OpenID providers, in memory: they are the provider's,
/// fetched again on start or when a token names a key the cache does not hold.
#[derive(Debug, Default)]
pub struct ProviderCache {
    metadata: Mutex<HashMap<String, ProviderMetadata>>,
    jwks: Mutex<HashMap<String, Vec<Value>>>,
}

fn put<V>(map: &Mutex<HashMap<String, V>>, key: &str, value: V) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_CACHED_PROVIDERS && !map.contains_key(key) {
        map.clear();
    }
    map.insert(key.to_owned(), value);
}

impl ProviderCache {
    /// The discovery document at `url`, from the cache or fetched (and parsed) once.
    pub async fn metadata<F, Fut>(&self, url: &str, fetch: F) -> Result<ProviderMetadata, String>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Value, String>>,
    {
        let cached = self
            .metadata
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(url)
            .cloned();
        if let Some(m) = cached {
            return Ok(m);
        }
        let doc = fetch(url.to_owned()).await?;
        let m: ProviderMetadata =
            serde_json::from_value(doc).map_err(|e| format!("discovery document: {e}"))?;
        put(&self.metadata, url, m.clone());
        Ok(m)
    }

    fn cached_jwk(&self, jwks_uri: &str, kid: &str) -> Option<Value> {
        self.jwks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(jwks_uri)
            .and_then(|keys| {
                keys.iter()
                    .find(|k| k["kid"].as_str() == Some(kid))
                    .cloned()
            })
    }

    /// The JWK with `kid`, from the cache or, when unknown, from a fresh JWKS (key rotation).
    pub async fn jwk<F, Fut>(&self, jwks_uri: &str, kid: &str, fetch: F) -> Result<Value, JwtCheck>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Value, String>>,
    {
        if let Some(k) = self.cached_jwk(jwks_uri, kid) {
            return Ok(k);
        }
        let doc = fetch(jwks_uri.to_owned())
            .await
            .map_err(JwtCheck::Unavailable)?;
        let keys = doc["keys"].as_array().cloned().unwrap_or_default();
        put(&self.jwks, jwks_uri, keys);
        self.cached_jwk(jwks_uri, kid).ok_or(JwtCheck::UnknownKid)
    }

    /// Checks an RS256 JWT's signature with the JWKS key its `kid` names and returns its claims,
    /// unchecked: every claim is the caller's to check, against the injected clock.
    pub async fn verify_rs256<F, Fut>(
        &self,
        jwks_uri: &str,
        token: &str,
        fetch: F,
    ) -> Result<Value, JwtCheck>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Value, String>>,
    {
        let kid = jwt_header(token)?;
        let jwk = self.jwk(jwks_uri, &kid, fetch).await?;
        verify_with_jwk(&jwk, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    #[test]
    fn claims_are_checked_at_each_skew_boundary() {
        let skew = Duration::seconds(60);
        let ok = json!({"sub": "u", "iat": 1000, "exp": 2000});
        assert_eq!(common_claims(&ok, at(1500), skew), Ok(()));
        assert_eq!(common_claims(&ok, at(2059), skew), Ok(()));
        assert_eq!(common_claims(&ok, at(2060), skew), Err(ClaimCheck::Expired));
        assert_eq!(common_claims(&ok, at(940), skew), Ok(()));
        assert_eq!(
            common_claims(&ok, at(939), skew),
            Err(ClaimCheck::IatFuture)
        );
        let nbf = json!({"sub": "u", "iat": 1000, "exp": 2000, "nbf": "soon"});
        assert_eq!(
            common_claims(&nbf, at(1500), skew),
            Err(ClaimCheck::NotYetValid)
        );
        let no_sub = json!({"sub": "", "iat": 1000, "exp": 2000});
        assert_eq!(
            common_claims(&no_sub, at(1500), skew),
            Err(ClaimCheck::MissingSub)
        );
    }

    #[test]
    fn headers_other_than_rs256_with_a_kid_are_refused() {
        let enc = |h: &str| format!("{}.e30.sig", URL_SAFE_NO_PAD.encode(h));
        assert_eq!(
            jwt_header(&enc(r#"{"alg":"RS256","kid":"k"}"#)),
            Ok("k".into())
        );
        assert_eq!(
            jwt_header(&enc(r#"{"alg":"none","kid":"k"}"#)),
            Err(JwtCheck::AlgorithmNotAllowed("none".into()))
        );
        assert_eq!(
            jwt_header(&enc(r#"{"alg":"RS256","kid":"k","crit":["exp"]}"#)),
            Err(JwtCheck::CritHeader)
        );
        assert!(matches!(jwt_header("a.b"), Err(JwtCheck::Malformed(_))));
        assert!(matches!(
            jwt_header(&"a".repeat(MAX_TOKEN_LEN + 1)),
            Err(JwtCheck::Malformed(_))
        ));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_unknown_kid_fetches_the_jwks_again_once() {
        let cache = ProviderCache::default();
        let fetches = std::cell::Cell::new(0);
        let fetch = |keys: Value| {
            fetches.set(fetches.get() + 1);
            async move { Ok(json!({ "keys": keys })) }
        };
        let k1 = json!([{"kid": "one"}]);
        assert!(cache.jwk("u", "one", |_| fetch(k1.clone())).await.is_ok());
        assert!(cache.jwk("u", "one", |_| fetch(k1.clone())).await.is_ok());
        assert_eq!(fetches.get(), 1);
        let k2 = json!([{"kid": "two"}]);
        assert!(cache.jwk("u", "two", |_| fetch(k2.clone())).await.is_ok());
        assert_eq!(fetches.get(), 2);
        assert_eq!(
            cache.jwk("u", "three", |_| fetch(k2.clone())).await,
            Err(JwtCheck::UnknownKid)
        );
    }
}
