//! The fixture identities in `fixtures/` (one folder each, fixed names), compiled in so a
//! missing file fails the build. Public test material: for tests and the demo stack only.

use crate::keys::{Certificate, SigningKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fixture {
    /// The mock IdP's signing key in its Entra ID profile.
    IdpEntra,
    IdpOkta,
    IdpGoogleWorkspace,
    /// A key no SP trusts, for the "signed with an untrusted key" fault.
    IdpUntrusted,
    /// The demo customer's own key for signed AuthnRequest/LogoutRequest.
    SpContoso,
    /// The key the demo customer rotates to.
    SpContosoNext,
}

impl Fixture {
    pub const ALL: [Fixture; 6] = [
        Self::IdpEntra,
        Self::IdpOkta,
        Self::IdpGoogleWorkspace,
        Self::IdpUntrusted,
        Self::SpContoso,
        Self::SpContosoNext,
    ];

    pub fn key_pem(self) -> &'static str {
        match self {
            Self::IdpEntra => include_str!("../../fixtures/idp-entra/key.pem"),
            Self::IdpOkta => include_str!("../../fixtures/idp-okta/key.pem"),
            Self::IdpGoogleWorkspace => include_str!("../../fixtures/idp-google-workspace/key.pem"),
            Self::IdpUntrusted => include_str!("../../fixtures/idp-untrusted/key.pem"),
            Self::SpContoso => include_str!("../../fixtures/sp-contoso/key.pem"),
            Self::SpContosoNext => include_str!("../../fixtures/sp-contoso-next/key.pem"),
        }
    }

    pub fn cert_pem(self) -> &'static str {
        match self {
            Self::IdpEntra => include_str!("../../fixtures/idp-entra/cert.pem"),
            Self::IdpOkta => include_str!("../../fixtures/idp-okta/cert.pem"),
            Self::IdpGoogleWorkspace => {
                include_str!("../../fixtures/idp-google-workspace/cert.pem")
            }
            Self::IdpUntrusted => include_str!("../../fixtures/idp-untrusted/cert.pem"),
            Self::SpContoso => include_str!("../../fixtures/sp-contoso/cert.pem"),
            Self::SpContosoNext => include_str!("../../fixtures/sp-contoso-next/cert.pem"),
        }
    }

    /// The fixture as a signing key. The files are part of the build, so a failure here is a
    /// broken checkout, not an input error.
    pub fn signing_key(self) -> SigningKey {
        SigningKey::from_pem(self.key_pem(), self.cert_pem())
            .unwrap_or_else(|e| panic!("fixture {self:?} is unreadable: {e}"))
    }

    pub fn certificate(self) -> Certificate {
        self.signing_key().certificate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_loads_and_is_distinct() {
        let certs: std::collections::HashSet<Vec<u8>> = Fixture::ALL
            .iter()
            .map(|f| f.certificate().der().to_vec())
            .collect();
        assert_eq!(certs.len(), Fixture::ALL.len());
    }
}

/// RSA keys for signing JWTs (the mock Google's JWKS), in rotation order: key 1 signs first,
/// key 2 is published as "next", key 3 arrives with the second rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwtFixture {
    Google1,
    Google2,
    Google3,
    /// The mock Apple's identity-token signing key.
    Apple1,
    /// A key the mock Apple does not publish (the "bad signature" fault signs with it).
    Apple2,
    /// The customer's Sign in with Apple developer key (`.p8`, ES256): signs `client_secret`.
    AppleDeveloper,
    /// Another developer key, registered nowhere.
    AppleDeveloperOther,
}

impl JwtFixture {
    pub fn key_pem(self) -> &'static str {
        match self {
            Self::Google1 => include_str!("../../fixtures/google-1/key.pem"),
            Self::Google2 => include_str!("../../fixtures/google-2/key.pem"),
            Self::Google3 => include_str!("../../fixtures/google-3/key.pem"),
            Self::Apple1 => include_str!("../../fixtures/apple-1/key.pem"),
            Self::Apple2 => include_str!("../../fixtures/apple-2/key.pem"),
            Self::AppleDeveloper => include_str!("../../fixtures/apple-developer/key.p8"),
            Self::AppleDeveloperOther => {
                include_str!("../../fixtures/apple-developer-other/key.p8")
            }
        }
    }
}
