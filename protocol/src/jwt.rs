//! JSON Web Tokens for the OpenID Connect providers (RFC 7515/7517/7519): RS256 signing keys
//! published as JWKs, and the helpers the mocks and the SP share. Signing and verification are
//! jsonwebtoken's (aws-lc backend).

use crate::keys::{KeyError, private_key_der};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt;

/// An RSA key that signs RS256 JWTs under a key ID. `Debug` never shows the key.
#[derive(Clone)]
pub struct JwtSigningKey {
    kid: String,
    encoding: EncodingKey,
    n: String,
    e: String,
}

impl JwtSigningKey {
    /// Reads an RSA private key (PEM). `kid` is the key ID the JWKS and token headers carry.
    pub fn from_pem(pem: &str, kid: impl Into<String>) -> Result<Self, KeyError> {
        let der = private_key_der(pem)?;
        let key = openssl::pkey::PKey::private_key_from_der(&der)
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        let rsa = key.rsa().map_err(|_| KeyError::NotRsa)?;
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        Ok(Self {
            kid: kid.into(),
            encoding,
            n: URL_SAFE_NO_PAD.encode(rsa.n().to_vec()),
            e: URL_SAFE_NO_PAD.encode(rsa.e().to_vec()),
        })
    }

    /// Google's style of key ID: 40 hex digits (here the SHA-1 of the modulus).
    pub fn google_kid(pem: &str) -> Result<String, KeyError> {
        let der = private_key_der(pem)?;
        let key = openssl::pkey::PKey::private_key_from_der(&der)
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        let rsa = key.rsa().map_err(|_| KeyError::NotRsa)?;
        Ok(openssl::sha::sha1(&rsa.n().to_vec())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (`kty`, `alg`, `use`, `kid`, `n`, `e`).
    pub fn jwk(&self) -> Value {
        json!({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid, "n": self.n, "e": self.e})
    }

    /// Signs `claims` as an RS256 JWT whose header carries this key's `kid` and `typ` if given
    /// (Google writes `"typ":"JWT"`, Apple none).
    pub fn sign(&self, claims: &impl Serialize, typ: Option<&str>) -> Result<String, String> {
        self.sign_with_kid(claims, typ, &self.kid)
    }

    /// Like [`sign`](Self::sign) but announcing another `kid` (a fault: a key the verifier does
    /// not know).
    pub fn sign_with_kid(
        &self,
        claims: &impl Serialize,
        typ: Option<&str>,
        kid: &str,
    ) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        header.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }
}

impl JwtSigningKey {
    /// Signs `claims` under an arbitrary JOSE `header` (RS256): how a test provider emits a
    /// header no library would write (a `crit` list, say).
    pub fn sign_with_header(
        &self,
        header: &Value,
        claims: &impl Serialize,
    ) -> Result<String, String> {
        let enc = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
        let h = serde_json::to_vec(header).map_err(|e| e.to_string())?;
        let c = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
        let message = format!("{}.{}", enc(&h), enc(&c));
        let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, Algorithm::RS256)
            .map_err(|e| e.to_string())?;
        Ok(format!("{message}.{sig}"))
    }
}

impl fmt::Debug for JwtSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSigningKey")
            .field("kid", &self.kid)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// An ES256 key (EC P-256, PKCS#8 `.p8`), as Sign in with Apple developer keys are: signs the
/// `client_secret` JWT (protocols.md §2.4). `Debug` never shows the key.
#[derive(Clone)]
pub struct Es256Key {
    kid: String,
    encoding: EncodingKey,
    public_pem: String,
}

impl Es256Key {
    pub fn from_pem(pem: &str, kid: impl Into<String>) -> Result<Self, KeyError> {
        let der = private_key_der(pem)?;
        let key = openssl::pkey::PKey::private_key_from_der(&der)
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        if key.id() != openssl::pkey::Id::EC {
            return Err(KeyError::Unreadable("not an EC key".into()));
        }
        let public_pem = key
            .public_key_to_pem()
            .map_err(|e| KeyError::Unreadable(e.to_string()))
            .and_then(|p| String::from_utf8(p).map_err(|e| KeyError::Unreadable(e.to_string())))?;
        let encoding = EncodingKey::from_ec_pem(pem.as_bytes())
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        Ok(Self {
            kid: kid.into(),
            encoding,
            public_pem,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key (SPKI PEM), as the provider registers it.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    pub fn sign(&self, claims: &impl Serialize) -> Result<String, String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = None;
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }
}

impl fmt::Debug for Es256Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Es256Key")
            .field("kid", &self.kid)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Apple's audience for `client_secret` JWTs.
pub const APPLE_AUDIENCE: &str = "https://appleid.apple.com";

/// The `client_secret` a Sign in with Apple client sends to `/auth/token` (protocols.md §2.4):
/// ES256, `kid` = key ID, `iss` = team ID, `aud` = Apple, `sub` = client ID.
pub fn apple_client_secret(
    key: &Es256Key,
    team_id: &str,
    client_id: &str,
    issued_at: i64,
    lifetime_seconds: i64,
) -> Result<String, String> {
    key.sign(&json!({
        "iss": team_id,
        "iat": issued_at,
        "exp": issued_at + lifetime_seconds,
        "aud": APPLE_AUDIENCE,
        "sub": client_id,
    }))
}

/// Lower-case hex SHA-256, the form of Apple's native-flow nonce (protocols.md §2.7).
pub fn sha256_hex(value: &str) -> String {
    openssl::sha::sha256(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An unsigned token (`alg: none`), for the fault that tests a verifier refuses it.
pub fn unsigned_token(claims: &impl Serialize) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    format!("{header}.{payload}.")
}

/// `at_hash` / `c_hash` (OIDC Core §3.1.3.6): the left half of SHA-256 of the ASCII value,
/// base64url.
pub fn left_half_hash(value: &str) -> String {
    let digest = openssl::sha::sha256(value.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// PKCE S256 (RFC 7636 §4.2): base64url(SHA-256(verifier)).
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::JwtFixture;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn a_token_verifies_with_its_jwk() {
        let pem = JwtFixture::Google1.key_pem();
        let kid = JwtSigningKey::google_kid(pem).unwrap();
        assert_eq!(kid.len(), 40);
        let key = JwtSigningKey::from_pem(pem, kid.clone()).unwrap();
        let token = key
            .sign(
                &json!({"sub": "1", "aud": "x", "exp": 4_000_000_000u64}),
                Some("JWT"),
            )
            .unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(kid.as_str()));
        let jwk = key.jwk();
        let decoding = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&["x"]);
        let data = jsonwebtoken::decode::<Value>(&token, &decoding, &v).unwrap();
        assert_eq!(data.claims["sub"], "1");
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
