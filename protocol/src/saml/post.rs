//! The HTTP-POST binding (saml-bindings-2.0-os §3.5): a form that the browser submits by itself.

use super::redirect::{BindingError, MAX_ENCODED, MessageKind};
use super::xml::attr;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Largest decoded message accepted from a POST.
pub const MAX_DECODED: usize = 256 * 1024;

/// An HTML page that POSTs `xml` (Base64, not deflated) to `action` as soon as it loads; the
/// button is there for browsers without JavaScript (§3.5.4).
pub fn form(action: &str, kind: MessageKind, xml: &str, relay_state: Option<&str>) -> String {
    let relay = relay_state
        .map(|rs| {
            format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\"/>\n",
                attr(rs)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Signing in</title></head>\n\
         <body>\n\
         <form method=\"post\" action=\"{}\">\n\
         <input type=\"hidden\" name=\"{}\" value=\"{}\"/>\n{relay}\
         <noscript><button type=\"submit\">Continue</button></noscript>\n\
         </form>\n<script>{AUTO_SUBMIT}</script>\n</body></html>\n",
        attr(action),
        kind.param(),
        STANDARD.encode(xml.as_bytes()),
    )
}

/// The one inline script an auto-posting page runs; [`auto_submit_csp`] allows exactly it.
pub const AUTO_SUBMIT: &str = "document.forms[0].submit()";

/// The Content-Security-Policy of a page that auto-posts a form to `action`: no script but
/// [`AUTO_SUBMIT`] (by its SHA-256), the form may go only to `action`'s origin, never framed.
pub fn auto_submit_csp(action: &str) -> String {
    let digest = openssl::sha::sha256(AUTO_SUBMIT.as_bytes());
    let target = url::Url::parse(action)
        .ok()
        .map(|u| u.origin())
        .filter(url::Origin::is_tuple)
        .map_or_else(|| "'self'".to_owned(), |o| o.ascii_serialization());
    format!(
        "default-src 'none'; script-src 'sha256-{}'; form-action {target}; \
         frame-ancestors 'none'; base-uri 'none'",
        STANDARD.encode(digest)
    )
}

/// Decodes a POSTed `SAMLResponse`/`SAMLRequest` value, size-checked before decoding.
pub fn decode(value: &str) -> Result<String, BindingError> {
    if value.len() > MAX_ENCODED.max(MAX_DECODED * 4 / 3 + 4) {
        return Err(BindingError::EncodedTooLarge);
    }
    let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| BindingError::NotBase64)?;
    String::from_utf8(bytes).map_err(|_| BindingError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_carries_the_message_and_relay_state() {
        let html = form(
            "https://sp.example/acs?a=1&b=2",
            MessageKind::Response,
            "<r/>",
            Some("x\"y"),
        );
        assert!(html.contains("action=\"https://sp.example/acs?a=1&amp;b=2\""));
        assert!(html.contains(&format!(
            "name=\"SAMLResponse\" value=\"{}\"",
            STANDARD.encode("<r/>")
        )));
        assert!(html.contains("name=\"RelayState\" value=\"x&quot;y\""));
        assert_eq!(decode(&STANDARD.encode("<r/>")).unwrap(), "<r/>");
        assert_eq!(decode("***").unwrap_err(), BindingError::NotBase64);
    }
}
