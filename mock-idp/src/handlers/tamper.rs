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
        // Faults made on the XML text (xml_edit).
        Fault::NameIdTrailingCr
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

fn declaration(encoding: &'static str) -> Edit {
    Edit::AfterSigning(Box::new(move |xml: String| {
        format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>{xml}")
    }))
}

/// The text edit a fault needs, if any (`idp` is the Issuer, `sp` the app's Identifier).
pub(super) fn xml_edit(fault: Fault, idp: &str, sp: &str) -> Edit {
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
        Fault::EncodingUtf7 => declaration("UTF-7"),
        Fault::EncodingUtf16 => declaration("UTF-16"),
        Fault::EncodingLatin1 => declaration("ISO-8859-1"),
        Fault::EncodingUtf8Declared => declaration("UTF-8"),
        _ => Edit::None,
    }
}
