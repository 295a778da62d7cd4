//! XML helpers: escaping for the builders, strict parsing, and the canonical pretty-printed
//! form that snapshots store.
//!
//! Parsing refuses DTDs (and with them entity expansion and external entities), refuses an XML
//! declaration naming any encoding but UTF-8 (the text was decoded as UTF-8; libxml2, which
//! checks signatures, would honour the declaration and read other characters), caps the node
//! count, and is used for every structure check before a signature is looked at.

use roxmltree::{Document, Node, NodeType, ParsingOptions};

/// Upper bound on nodes in one message; a real SAML Response has a few hundred.
pub const MAX_NODES: u32 = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("XML with a DTD is refused")]
    Dtd,
    #[error("the XML declaration names the encoding {0:?}; only UTF-8 is accepted")]
    Encoding(String),
}

/// The `encoding` of the XML declaration at the start of `text`, if it names one.
fn declared_encoding(text: &str) -> Option<String> {
    let rest = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let decl = rest.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let value = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = &value[1..];
    Some(value[..value.find(quote)?].to_owned())
}

/// Parses `text` with DTDs and non-UTF-8 encoding declarations refused.
pub fn parse(text: &str) -> Result<Document<'_>, XmlError> {
    if let Some(enc) = declared_encoding(text)
        && !enc.eq_ignore_ascii_case("UTF-8")
    {
        return Err(XmlError::Encoding(enc));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => XmlError::Dtd,
        other => XmlError::Malformed(other.to_string()),
    })
}

/// Escapes text content.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (always written in double quotes).
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// The canonical, pretty-printed form of a message for snapshots: one element per line, two
/// spaces per level, attributes and namespace declarations in document order, whitespace-only
/// text dropped, text kept exactly. Deterministic for a given input, so snapshots are byte-exact.
pub fn canonical(text_in: &str) -> Result<String, XmlError> {
    let doc = parse(text_in)?;
    let mut out = String::new();
    write_node(doc.root_element(), 0, &mut out);
    Ok(out)
}

fn qname(node: Node<'_, '_>, ns: Option<&str>, local: &str) -> String {
    match ns.and_then(|uri| node.lookup_prefix(uri)) {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}:{local}"),
        _ => local.to_owned(),
    }
}

fn element_qname(node: Node<'_, '_>) -> String {
    let tag = node.tag_name();
    // An element in the default namespace has no prefix even if the URI also has one.
    let default_ns = node.lookup_namespace_uri(None);
    match tag.namespace() {
        Some(uri) if default_ns == Some(uri) => tag.name().to_owned(),
        ns => qname(node, ns, tag.name()),
    }
}

fn write_node(node: Node<'_, '_>, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&element_qname(node));
    // Namespace declarations made on this element: in scope here but not on the parent.
    let parent_scope: Vec<(Option<&str>, &str)> = node
        .parent_element()
        .map(|p| p.namespaces().map(|n| (n.name(), n.uri())).collect())
        .unwrap_or_default();
    for ns in node.namespaces() {
        if !parent_scope.contains(&(ns.name(), ns.uri())) {
            match ns.name() {
                Some(prefix) => out.push_str(&format!(" xmlns:{prefix}=\"{}\"", attr(ns.uri()))),
                None => out.push_str(&format!(" xmlns=\"{}\"", attr(ns.uri()))),
            }
        }
    }
    for a in node.attributes() {
        let name = qname(node, a.namespace(), a.name());
        out.push_str(&format!(" {name}=\"{}\"", attr(a.value())));
    }
    let children: Vec<Node<'_, '_>> = node
        .children()
        .filter(|c| match c.node_type() {
            NodeType::Element => true,
            NodeType::Text => !c.text().unwrap_or_default().trim().is_empty(),
            _ => false,
        })
        .collect();
    match children.as_slice() {
        [] => out.push_str("/>\n"),
        [only] if only.is_text() => {
            out.push('>');
            out.push_str(&text(only.text().unwrap_or_default()));
            out.push_str(&format!("</{}>\n", element_qname(node)));
        }
        _ => {
            out.push_str(">\n");
            for child in children {
                if child.is_element() {
                    write_node(child, depth + 1, out);
                } else {
                    out.push_str(&"  ".repeat(depth + 1));
                    out.push_str(&text(child.text().unwrap_or_default()));
                    out.push('\n');
                }
            }
            out.push_str(&format!("{indent}</{}>\n", element_qname(node)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtds_are_refused() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert_eq!(parse(xxe).unwrap_err(), XmlError::Dtd);
    }

    #[test]
    fn only_utf8_may_be_declared() {
        for enc in ["UTF-7", "UTF-16", "ISO-8859-1", "utf-16le", "US-ASCII", "x"] {
            for q in ['"', '\''] {
                let doc = format!("<?xml version=\"1.0\" encoding={q}{enc}{q}?><r/>");
                assert_eq!(
                    parse(&doc).unwrap_err(),
                    XmlError::Encoding(enc.into()),
                    "{doc}"
                );
                let spaced = format!("\u{FEFF}<?xml version='1.0' encoding = {q}{enc}{q} ?><r/>");
                assert_eq!(parse(&spaced).unwrap_err(), XmlError::Encoding(enc.into()));
            }
        }
        for ok in [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><r/>",
            "<?xml version=\"1.0\" encoding='utf-8'?><r/>",
            "<?xml version=\"1.0\"?><r/>",
            "<r/>",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn canonical_form_is_stable_and_pretty() {
        let raw = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/t/</Issuer>
        <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>"#;
        let expected = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_1\">\n  <Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">https://sts.windows.net/t/</Issuer>\n  <samlp:Status>\n    <samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>\n  </samlp:Status>\n</samlp:Response>\n";
        let once = canonical(raw).unwrap();
        assert_eq!(once, expected);
        assert_eq!(canonical(&once).unwrap(), once);
    }

    #[test]
    fn escaping_round_trips_through_the_parser() {
        let value = "a<b & \"c\"\n";
        let doc_text = format!("<r a=\"{}\">{}</r>", attr(value), text(value));
        let doc = parse(&doc_text).unwrap();
        assert_eq!(doc.root_element().attribute("a"), Some(value));
        assert_eq!(doc.root_element().text(), Some(value));
    }
}
