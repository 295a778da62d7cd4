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

    /// The folder under `fixtures/`.
    pub fn dir(self) -> &'static str {
        match self {
            Self::IdpEntra => "idp-entra",
            Self::IdpOkta => "idp-okta",
            Self::IdpGoogleWorkspace => "idp-google-workspace",
            Self::IdpUntrusted => "idp-untrusted",
            Self::SpContoso => "sp-contoso",
            Self::SpContosoNext => "sp-contoso-next",
        }
    }

    /// The subject's CN of its certificate.
    pub fn common_name(self) -> &'static str {
        match self {
            Self::IdpEntra => "Microsoft Azure Federated SSO Certificate",
            Self::IdpOkta => "okta-mock-idp",
            Self::IdpGoogleWorkspace => "Google Workspace mock IdP",
            Self::IdpUntrusted => "Untrusted signer",
            Self::SpContoso => "contoso.runmyprocess.mock",
            Self::SpContosoNext => "contoso-next.runmyprocess.mock",
        }
    }

    /// The certificate its recipe makes from its key (rcgen, deterministic): `CN=`
    /// [`Self::common_name`], valid [`CERT_DAYS`] from [`cert_not_before`]. `cargo xtask
    /// fixtures` writes it to `cert.pem`; a test checks the committed file is exactly this.
    pub fn recipe_certificate(self) -> Certificate {
        let key = crate::keys::RequestSigningKey::from_pem(self.key_pem())
            .unwrap_or_else(|e| panic!("fixture {self:?} key is unreadable: {e}"));
        key.self_signed_certificate(self.common_name(), cert_not_before(), CERT_DAYS)
            .unwrap_or_else(|e| panic!("fixture {self:?}: {e}"))
            .certificate
    }
}

/// Fixture certificates start before every fixed clock of the tests (2026-01-05) ...
pub fn cert_not_before() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default() // 2026-01-01T00:00:00Z
}

/// ... and last ten years.
pub const CERT_DAYS: i64 = 3652;

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed certificates are what `cargo xtask fixtures` makes from the keys.
    #[test]
    fn every_committed_certificate_is_what_its_recipe_makes() {
        assert_eq!(cert_not_before().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        for f in Fixture::ALL {
            assert!(
                f.certificate() == f.recipe_certificate(),
                "fixtures/{}/cert.pem is not what its recipe makes: run cargo xtask fixtures",
                f.dir()
            );
        }
    }

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
