//! One-line fix hints for each ACS check, in the vendor's own terms where the vendor's portal has
//! a field for it (Entra: "Basic SAML Configuration", "Attributes & Claims", "SAML Certificates";
//! Okta: the app's "SAML Settings"; Google Workspace: "Service provider details" and "Name ID").

use super::Profile;
use reference_sp::signin::saml::acs::Check;

/// How to fix a failed `check` (`code` is the SP's error code) for `profile`.
pub fn hint(check: Check, code: Option<&str>, profile: Option<Profile>) -> String {
    use Profile::{EntraId, GoogleWorkspace, Okta};
    let p = profile;
    let s = match check {
        Check::Decoding => {
            "Post the SAMLResponse form field as standard base64 of the XML (HTTP-POST binding)."
        }
        Check::WellFormedXml => "Send well-formed UTF-8 XML with no DOCTYPE (no DTD, no entities).",
        Check::IsResponse => {
            "Post a samlp:Response to the ACS; requests and logout messages go to other endpoints."
        }
        Check::ResponseVersion | Check::AssertionVersion => {
            "Set Version=\"2.0\" on the Response and the Assertion."
        }
        Check::ResponseIssuer | Check::AssertionIssuer => match p {
            Some(EntraId) => {
                "The SP's \"Azure AD Identifier\" must be the Issuer Entra sends (https://sts.windows.net/<tenant id>/); copy it from \"Set up <app>\" into the SP's IdP entity ID."
            }
            Some(Okta) => {
                "Copy the app's \"Identity Provider Issuer\" (View SAML setup instructions) into the SP's IdP entity ID."
            }
            Some(GoogleWorkspace) => {
                "Copy the \"Entity ID\" from Google's \"Google Identity Provider details\" into the SP's IdP entity ID."
            }
            None => {
                "The Issuer (entity format, or no Format) must be exactly the IdP entity ID the SP is configured with."
            }
        },
        Check::ResponseIssueInstant | Check::AssertionIssueInstant => {
            "Synchronise the IdP's clock (NTP): IssueInstant must be within 120 s of the SP's time, and the Response must answer a request less than 10 minutes old."
        }
        Check::Status => {
            "The IdP refused the sign-in: read its StatusCode and StatusMessage (for Entra, the AADSTS code) and fix the cause on the IdP side."
        }
        Check::Destination => return acs_url(p).to_owned(),
        Check::BearerConfirmation if code == Some("saml_wrong_recipient") => {
            return acs_url(p).to_owned();
        }
        Check::InResponseTo => {
            "Only SP-initiated sign-in is supported: start at the SP's sign-on URL (/live/<account>) so the Response answers its AuthnRequest; IdP-initiated (unsolicited) Responses are refused."
        }
        Check::NotEncrypted => match p {
            Some(EntraId) => {
                "Turn off \"Token encryption\" for this app: the SP has no decryption key."
            }
            Some(Okta) => "Set \"Assertion Encryption\" to Unencrypted.",
            _ => "Send the assertion unencrypted: the SP has no decryption key.",
        },
        Check::OneAssertion => {
            "Send exactly one Assertion, a direct child of the Response (no extra or wrapped assertions)."
        }
        Check::AssertionId => "Give the Assertion an ID attribute.",
        Check::Signature => match (code, p) {
            (Some("saml_signature_algorithm"), Some(EntraId)) => {
                "In \"SAML Certificates\", set \"Signing Algorithm\" to SHA-256."
            }
            (Some("saml_signature_algorithm"), _) => {
                "Sign with RSA-SHA256 and digest with SHA-256 (SHA-1 is refused)."
            }
            (Some("saml_unsigned"), Some(EntraId)) => {
                "In \"SAML Certificates\", set \"Signing Option\" to sign the assertion (or the response and the assertion)."
            }
            (Some("saml_unsigned"), Some(Okta)) => {
                "In \"SAML Settings\", set \"Assertion Signature\" to Signed."
            }
            (Some("saml_unsigned"), _) => {
                "Sign the Assertion or the Response (enveloped signature referencing its ID)."
            }
            (_, Some(EntraId)) => {
                "Download the certificate (Base64) from \"SAML Certificates\" again and give it to the SP: the signature does not verify with the configured one (rollover?)."
            }
            (_, Some(Okta)) => {
                "Download the app's current \"X.509 Certificate\" and give it to the SP: the signature does not verify with the configured one."
            }
            _ => {
                "Give the SP the IdP's current signing certificate: the signature does not verify with the configured one, or its shape is refused (one enveloped signature per signed element, exclusive c14n, no comments)."
            }
        },
        Check::Subject | Check::NameIdIsEmail => match p {
            Some(EntraId) => {
                "In \"Attributes & Claims\", set \"Unique User Identifier (Name ID)\" to user.mail (or user.userprincipalname when it is the email), format Email address."
            }
            Some(Okta) => {
                "Set \"Application username\" to Email and \"Name ID format\" to EmailAddress."
            }
            Some(GoogleWorkspace) => {
                "Under \"Name ID\", set format EMAIL and Name ID to Basic Information > Primary email."
            }
            None => {
                "The Subject's one identifier must be a NameID holding the user's email address exactly (no spaces, no comments)."
            }
        },
        Check::NameIdFormat => match p {
            Some(EntraId) => {
                "In \"Attributes & Claims\", edit \"Unique User Identifier (Name ID)\" and choose the name identifier format \"Email address\"."
            }
            Some(Okta) => "Set \"Name ID format\" to EmailAddress.",
            Some(GoogleWorkspace) => "Set \"Name ID format\" to EMAIL.",
            None => "NameID Format must be urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress.",
        },
        Check::NameIdQualifiers => {
            "Leave NameQualifier and SPNameQualifier out, or set them to the IdP's and this SP's entity IDs."
        }
        Check::NotBefore | Check::NotOnOrAfter | Check::SessionNotOnOrAfter => {
            "Synchronise the IdP's clock (NTP) and send a Response valid now (NotBefore not ahead, NotOnOrAfter not past, beyond 120 s)."
        }
        Check::Audience => match p {
            Some(EntraId) => {
                "In \"Basic SAML Configuration\", set \"Identifier (Entity ID)\" to the SP's entity ID exactly."
            }
            Some(Okta) => {
                "In \"SAML Settings\", set \"Audience URI (SP Entity ID)\" to the SP's entity ID exactly."
            }
            Some(GoogleWorkspace) => {
                "In \"Service provider details\", set \"Entity ID\" to the SP's entity ID exactly."
            }
            None => "Add an AudienceRestriction whose Audience is the SP's entity ID exactly.",
        },
        Check::BearerConfirmation => {
            "Send a bearer SubjectConfirmation whose SubjectConfirmationData has Recipient = the ACS URL, a NotOnOrAfter in the future, no NotBefore, and InResponseTo = the request's ID."
        }
        Check::AuthnStatement => "Include an AuthnStatement in the Assertion.",
        Check::Attributes => "Attribute values must be text (no nested elements).",
        Check::LogoutXml => return hint(Check::WellFormedXml, code, p),
        Check::LogoutElement => {
            "Send the IdP's own logout as a samlp:LogoutRequest, and answer the SP's LogoutRequest with a samlp:LogoutResponse, to the SP's logout URL."
        }
        Check::LogoutVersion => "Set Version=\"2.0\" on the logout message.",
        Check::LogoutId => "Give the logout message an ID attribute.",
        Check::LogoutIssuer => match p {
            Some(EntraId) => {
                "The Issuer must be the app's Azure AD Identifier (https://sts.windows.net/<tenant id>/) or https://login.microsoftonline.com/<tenant id>/, as configured in the SP."
            }
            _ => "The Issuer must be exactly the IdP entity ID the SP is configured with.",
        },
        Check::LogoutIssueInstant => {
            "Synchronise the IdP's clock (NTP): IssueInstant must be within 120 s of the SP's time."
        }
        Check::LogoutDestination => match p {
            Some(EntraId) => {
                "In \"Basic SAML Configuration\", set \"Logout Url\" to the SP's logout URL exactly (with P_mode)."
            }
            Some(Okta) => "Set \"Single Logout URL\" to the SP's logout URL exactly (with P_mode).",
            _ => "Destination, when present, must be the SP's logout URL exactly (with P_mode).",
        },
        Check::LogoutSignature => match code {
            Some("saml_logout_unsigned") => {
                "Sign logout messages (Redirect: SigAlg and Signature in the query; POST: an enveloped signature), or configure the mode with idp_signs_logout_messages: false if this IdP never signs them."
            }
            Some("saml_signature_algorithm") => {
                "Sign logout messages with RSA-SHA256 (SHA-1 is refused)."
            }
            _ => {
                "Sign logout messages with the key of the IdP certificate the SP is configured with: Redirect, over the query as sent; POST, one enveloped signature of the whole message, and none inside a Redirect message."
            }
        },
        Check::LogoutNameId => {
            "Name the user with exactly one NameID, the value the sign-in's assertion had (BaseID and EncryptedID are not supported)."
        }
        Check::LogoutSessionIndex => "Each SessionIndex must be text.",
        Check::LogoutInResponseTo => {
            "A LogoutResponse must carry InResponseTo: the ID of the SP's LogoutRequest."
        }
        Check::LogoutStatus => {
            "The IdP did not complete the logout: read its StatusCode and StatusMessage and fix the cause on the IdP side."
        }
    };
    s.to_owned()
}

/// Where the vendor's portal holds the ACS URL (Destination and Recipient come from it).
fn acs_url(profile: Option<Profile>) -> &'static str {
    match profile {
        Some(Profile::EntraId) => {
            "In \"Basic SAML Configuration\", set \"Reply URL (Assertion Consumer Service URL)\" to the SP's ACS URL exactly (scheme, host, path, P_mode)."
        }
        Some(Profile::Okta) => {
            "In \"SAML Settings\", set \"Single sign-on URL\" to the SP's ACS URL exactly, and tick \"Use this for Recipient URL and Destination URL\"."
        }
        Some(Profile::GoogleWorkspace) => {
            "In \"Service provider details\", set \"ACS URL\" to the SP's ACS URL exactly."
        }
        None => {
            "Destination and SubjectConfirmationData Recipient must be the SP's ACS URL exactly."
        }
    }
}
