//! Exclusive XML Canonicalization 1.0 without comments (<https://www.w3.org/TR/xml-exc-c14n/>)
//! of one element of an already parsed document, optionally minus one of its descendants: what
//! an enveloped XML signature digests (xmldsig-core §6.6.4 then §6.5.2) and signs (SignedInfo).
//!
//! It reads the tree the caller reads (roxmltree), so the bytes digested are the bytes of the
//! very nodes the SP then acts on; prefixes come from the source text, where roxmltree keeps
//! them. The output follows the Canonical XML data model: namespace declarations only where
//! visibly utilized (or listed in the InclusiveNamespaces PrefixList) and not already in force
//! from an output ancestor, sorted by prefix with the default first; attributes sorted by
//! namespace URI then local name; empty elements as start and end tags; `&`, `<`, `>`, CR
//! escaped in text and `&`, `<`, `"`, TAB, LF, CR in attribute values; comments dropped;
//! processing instructions kept. Iterative, so nesting depth costs memory, not stack.

use roxmltree::{Node, NodeId};

/// One entry of the InclusiveNamespaces PrefixList: a prefix, or `None` for `#default`.
pub type Prefix<'a> = Option<&'a str>;

/// Parses a PrefixList attribute value (xml-exc-c14n §3): whitespace-separated prefixes,
/// `#default` for the default namespace.
pub fn prefix_list(value: &str) -> Vec<Prefix<'_>> {
    value
        .split_ascii_whitespace()
        .map(|p| if p == "#default" { None } else { Some(p) })
        .collect()
}

/// The exclusive canonical form of `apex` and its descendants, without `exclude`'s subtree.
pub fn canonicalize(
    apex: Node<'_, '_>,
    exclude: Option<NodeId>,
    inclusive: &[Prefix<'_>],
) -> String {
    let src = apex.document().input_text();
    let mut out = String::with_capacity(apex.range().len());
    // Namespace declarations in force from output ancestors: (prefix, URI), innermost last;
    // `marks` holds where each open element's own declarations start.
    let mut rendered: Vec<(Prefix<'_>, &str)> = Vec::new();
    let mut marks: Vec<usize> = Vec::new();
    enum Step<'a, 'i> {
        Open(Node<'a, 'i>),
        Close(Node<'a, 'i>),
    }
    let mut stack = vec![Step::Open(apex)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Close(node) => {
                out.push_str("</");
                out.push_str(element_qname(src, node));
                out.push('>');
                if let Some(at) = marks.pop() {
                    rendered.truncate(at);
                }
            }
            Step::Open(node) if node.is_element() => {
                if Some(node.id()) == exclude {
                    continue;
                }
                marks.push(rendered.len());
                open_tag(src, node, inclusive, &mut rendered, &mut out);
                stack.push(Step::Close(node));
                let children: Vec<_> = node.children().collect();
                stack.extend(children.into_iter().rev().map(Step::Open));
            }
            Step::Open(node) if node.is_text() => text(node.text().unwrap_or_default(), &mut out),
            Step::Open(node) if node.is_pi() => {
                if let Some(pi) = node.pi() {
                    out.push_str("<?");
                    out.push_str(pi.target);
                    if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                        out.push(' ');
                        out.push_str(value);
                    }
                    out.push_str("?>");
                }
            }
            // Comments are not part of the without-comments canonical form.
            Step::Open(_) => {}
        }
    }
    out
}

fn open_tag<'a>(
    src: &'a str,
    node: Node<'a, '_>,
    inclusive: &[Prefix<'_>],
    rendered: &mut Vec<(Prefix<'a>, &'a str)>,
    out: &mut String,
) {
    let qname = element_qname(src, node);
    let attributes: Vec<(&str, &str, &'a str, &str)> = node
        .attributes()
        .map(|a| {
            let q = &src[a.range_qname()];
            (a.namespace().unwrap_or(""), a.name(), q, a.value())
        })
        .collect();
    // In scope here: (prefix, URI) for every namespace, the default as `None`.
    let scope: Vec<(Prefix<'a>, &'a str)> =
        node.namespaces().map(|ns| (ns.name(), ns.uri())).collect();
    let uri_of = |p: Prefix<'_>| {
        scope
            .iter()
            .find(|(name, _)| *name == p)
            .map(|(_, uri)| *uri)
    };
    // The prefixes this element visibly utilizes: its own, and its prefixed attributes' (an
    // unprefixed attribute is in no namespace and utilizes no default). The PrefixList's
    // prefixes are treated as inclusive c14n treats every namespace: wanted when in scope.
    let mut wanted: Vec<Prefix<'a>> = vec![prefix_of(qname)];
    wanted.extend(
        attributes
            .iter()
            .filter_map(|(_, _, q, _)| prefix_of(q))
            .map(Some),
    );
    for p in inclusive {
        if let Some((name, _)) = scope.iter().find(|(name, _)| name == p) {
            wanted.push(*name);
        }
    }
    let mut declared: Vec<(Prefix<'a>, &'a str)> = Vec::new();
    for p in wanted {
        // `xml:` is bound by definition and never declared.
        if p == Some("xml") || declared.iter().any(|(d, _)| *d == p) {
            continue;
        }
        // An undeclared default namespace is the empty one.
        let Some(uri) = uri_of(p).or(p.is_none().then_some("")) else {
            continue;
        };
        let in_force = rendered
            .iter()
            .rev()
            .find(|(r, _)| *r == p)
            .map_or("", |(_, u)| *u);
        if in_force != uri {
            declared.push((p, uri));
        }
    }
    declared.sort_by(|a, b| a.0.unwrap_or("").cmp(b.0.unwrap_or("")));
    out.push('<');
    out.push_str(qname);
    for (p, uri) in &declared {
        match p {
            None => out.push_str(" xmlns=\""),
            Some(p) => {
                out.push_str(" xmlns:");
                out.push_str(p);
                out.push_str("=\"");
            }
        }
        attribute_value(uri, out);
        out.push('"');
    }
    rendered.extend(declared);
    let mut attributes = attributes;
    // By namespace URI, then local name; `xml:` attributes are the element's own (exclusive
    // c14n never imports them from ancestors).
    attributes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, q, value) in attributes {
        out.push(' ');
        out.push_str(q);
        out.push_str("=\"");
        attribute_value(value, out);
        out.push('"');
    }
    out.push('>');
}

/// The element's qualified name as written in the source.
pub fn element_qname<'a>(src: &'a str, node: Node<'_, '_>) -> &'a str {
    let after = &src[node.range().start + 1..];
    let end = after
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(after.len());
    &after[..end]
}

fn prefix_of(qname: &str) -> Prefix<'_> {
    qname.split_once(':').map(|(p, _)| p)
}

fn text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn attribute_value(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(xml: &str, inclusive: &str) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        canonicalize(doc.root_element(), None, &prefix_list(inclusive))
    }

    fn c14n_of(xml: &str, id: &str, inclusive: &str) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let node = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap();
        canonicalize(node, None, &prefix_list(inclusive))
    }

    /// xml-exc-c14n §2.2: the example whose inclusive and exclusive forms differ.
    #[test]
    fn the_specifications_example_keeps_only_utilized_namespaces() {
        let xml = "<n0:local xmlns:n0=\"foo:bar\" xmlns:n3=\"ftp://example.org\">\
                   <n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\" id=\"e2\">\
                   <n3:stuff xmlns:n3=\"ftp://example.org\"/></n1:elem2></n0:local>";
        assert_eq!(
            c14n_of(xml, "e2", ""),
            "<n1:elem2 xmlns:n1=\"http://example.net\" id=\"e2\" xml:lang=\"en\">\
             <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff></n1:elem2>"
        );
        // With n3 listed as inclusive, it is declared where it is in scope, on the apex.
        assert_eq!(
            c14n_of(xml, "e2", "n3"),
            "<n1:elem2 xmlns:n1=\"http://example.net\" xmlns:n3=\"ftp://example.org\" id=\"e2\" \
             xml:lang=\"en\"><n3:stuff></n3:stuff></n1:elem2>"
        );
    }

    /// Canonical XML 1.0 §3.1-3.3 rules that exclusive c14n shares: attribute order, escapes,
    /// empty elements, whitespace kept, namespace sort order, superfluous declarations removed.
    #[test]
    fn attributes_text_and_declarations_take_their_canonical_form() {
        assert_eq!(
            c14n(
                "<e xmlns:b=\"http://www.ietf.org\" xmlns:a=\"http://www.w3.org\" \
                 b:attr=\"sorted\" attr2=\"all\" a:attr=\"out\" attr=\"I&apos;m\"><x/>  \
                 <y>a&amp;b &lt; &gt; &#13;</y></e>",
                ""
            ),
            "<e xmlns:a=\"http://www.w3.org\" xmlns:b=\"http://www.ietf.org\" attr=\"I'm\" \
             attr2=\"all\" b:attr=\"sorted\" a:attr=\"out\"><x></x>  \
             <y>a&amp;b &lt; &gt; &#xD;</y></e>"
        );
        assert_eq!(
            c14n("<e a=\"&#9;&#10;&#13;&quot;&lt;&amp;>\"/>", ""),
            "<e a=\"&#x9;&#xA;&#xD;&quot;&lt;&amp;>\"></e>"
        );
        // A default namespace is declared once; xmlns="" only where it is undone.
        assert_eq!(
            c14n(
                "<a xmlns=\"urn:x\"><b xmlns=\"urn:x\"><c xmlns=\"\"/></b></a>",
                ""
            ),
            "<a xmlns=\"urn:x\"><b><c xmlns=\"\"></c></b></a>"
        );
        // An unused declaration is dropped; an unprefixed attribute uses no default.
        assert_eq!(
            c14n(
                "<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" xmlns=\"urn:d\" k=\"v\"/>",
                ""
            ),
            "<p:a xmlns:p=\"urn:p\" k=\"v\"></p:a>"
        );
        assert_eq!(
            c14n("<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\"/>", "#default"),
            "<p:a xmlns=\"urn:d\" xmlns:p=\"urn:p\"></p:a>"
        );
    }

    #[test]
    fn comments_go_processing_instructions_stay_and_an_excluded_subtree_is_absent() {
        let xml = "<a><!-- c --><?pi data?><s id=\"x\"><t/></s><b/></a>";
        let doc = roxmltree::Document::parse(xml).unwrap();
        let s = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("x"))
            .unwrap();
        assert_eq!(
            canonicalize(doc.root_element(), Some(s.id()), &[]),
            "<a><?pi data?><b></b></a>"
        );
    }

    #[test]
    fn deep_nesting_costs_no_stack() {
        let deep = format!("{}{}", "<a>".repeat(15_000), "</a>".repeat(15_000));
        let doc = roxmltree::Document::parse_with_options(
            &deep,
            roxmltree::ParsingOptions {
                nodes_limit: u32::MAX,
                ..Default::default()
            },
        )
        .unwrap();
        // `<a/>`-free input: each open and close tag comes back as written.
        assert_eq!(canonicalize(doc.root_element(), None, &[]), deep);
    }
}
