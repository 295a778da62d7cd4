//! A check's results as text (coloured on a terminal), JSON or JUnit XML, and the message itself
//! indented with its signed part marked.

use super::{MessageReport, Verdict};
use protocol::saml::xml::{attr, text};
use roxmltree::Node;
use std::fmt::Write as _;

/// Output formats of the vendor commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            "junit" => Ok(Self::Junit),
            other => Err(format!("unknown format {other:?}: text, json or junit")),
        }
    }
}

pub fn render(reports: &[MessageReport], format: Format, colour: bool) -> String {
    match format {
        Format::Text => text_report(reports, colour),
        Format::Json => json(reports),
        Format::Junit => junit(reports),
    }
}

fn text_report(reports: &[MessageReport], colour: bool) -> String {
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(out, "== {}", r.source);
        for rule in &r.rules {
            let mark = match rule.outcome {
                Verdict::Pass => paint("32", "PASS"),
                Verdict::Fail => paint("31", "FAIL"),
                Verdict::Warn => paint("33", "WARN"),
                Verdict::NotChecked => paint("33", "----"),
            };
            let _ = writeln!(
                out,
                "{mark} {:<34} {:<8} {}",
                rule.id, rule.rule, rule.title
            );
            if rule.outcome == Verdict::Pass
                && let Some(found) = &rule.found
            {
                let _ = writeln!(out, "     found: {found}");
            }
            if matches!(rule.outcome, Verdict::Fail | Verdict::Warn) {
                let found = rule.found.as_deref().unwrap_or_default();
                let _ = match rule.code {
                    Some(code) => writeln!(out, "     found: {found} ({code})"),
                    None => writeln!(out, "     found: {found}"),
                };
                let _ = writeln!(out, "     clause: {}", rule.clause);
                if let Some(hint) = &rule.hint {
                    let _ = writeln!(out, "     fix: {hint}");
                }
            }
        }
        let failed = r.failed();
        let _ = writeln!(
            out,
            "{}",
            if failed == 0 {
                paint("32", &format!("every rule passed: {}", r.verdict_pass))
            } else {
                paint(
                    "31",
                    &format!("{failed} rule(s) failed: {}", r.verdict_fail),
                )
            }
        );
        if !r.pretty.is_empty() {
            let _ = writeln!(
                out,
                "\nThe message (S: covered by a signature):\n{}",
                r.pretty
            );
        }
    }
    out
}

fn json(reports: &[MessageReport]) -> String {
    let messages: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            serde_json::json!({
                "source": r.source,
                "failed": r.failed(),
                "rules": r.rules,
                "message": r.pretty,
            })
        })
        .collect();
    let failed: usize = reports.iter().map(MessageReport::failed).sum();
    let doc = serde_json::json!({ "failed": failed, "messages": messages });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn junit(reports: &[MessageReport]) -> String {
    let tests: usize = reports.iter().map(|r| r.rules.len()).sum();
    let failures: usize = reports.iter().map(MessageReport::failed).sum();
    let skipped: usize = reports
        .iter()
        .flat_map(|r| &r.rules)
        .filter(|r| r.outcome == Verdict::NotChecked)
        .count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"check-response\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">\n"
    );
    for r in reports {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            attr(&r.source),
            r.rules.len(),
            r.failed()
        );
        for rule in &r.rules {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                attr(rule.rule),
                attr(rule.id)
            );
            match rule.outcome {
                Verdict::Pass => out.push_str("/>\n"),
                Verdict::Warn => {
                    let _ = writeln!(
                        out,
                        "><system-out>warning: {}\nfix: {}</system-out></testcase>",
                        text(rule.found.as_deref().unwrap_or_default()),
                        text(rule.hint.as_deref().unwrap_or_default())
                    );
                }
                Verdict::NotChecked => {
                    let _ = writeln!(
                        out,
                        "><skipped message=\"{}\"/></testcase>",
                        attr(rule.found.as_deref().unwrap_or_default())
                    );
                }
                Verdict::Fail => {
                    let _ = writeln!(
                        out,
                        "><failure type=\"{}\" message=\"{}\">{}\nclause: {}\nfix: {}</failure></testcase>",
                        attr(rule.code.unwrap_or_default()),
                        attr(rule.found.as_deref().unwrap_or_default()),
                        text(rule.title),
                        text(rule.clause),
                        text(rule.hint.as_deref().unwrap_or_default())
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The message indented one element a line, each line of a signed element's content marked
/// `S` (the elements whose enveloped signature references them). Unparsable text is returned
/// as is.
pub fn pretty_xml(xml: &str) -> String {
    // The SP's own parser: no DTD, a bounded number of nodes.
    let Ok(doc) = protocol::saml::xml::parse(xml) else {
        return xml.to_owned();
    };
    let signed: Vec<String> = protocol::saml::sign::check_structure(xml)
        .map(|s| s.into_iter().map(|e| e.id).collect())
        .unwrap_or_default();
    let mut out = String::new();
    write_node(doc.root_element(), 0, false, &signed, &mut out);
    out
}

/// Deeper than any SAML message; below it the printer says so instead of recursing further.
const MAX_DEPTH: usize = 64;

fn write_node(
    node: Node<'_, '_>,
    depth: usize,
    in_signed: bool,
    signed: &[String],
    out: &mut String,
) {
    if depth > MAX_DEPTH {
        let _ = writeln!(
            out,
            "  {}… (nested deeper than {MAX_DEPTH})",
            "  ".repeat(depth)
        );
        return;
    }
    let in_signed = in_signed
        || node
            .attribute("ID")
            .is_some_and(|id| signed.iter().any(|s| s == id));
    let gutter = if in_signed { "S " } else { "  " };
    let indent = "  ".repeat(depth);
    let name = qualified(node);
    let mut open = format!("<{name}");
    let parent_ns: Vec<_> = node
        .parent_element()
        .map(|p| p.namespaces().map(|n| (n.name(), n.uri())).collect())
        .unwrap_or_default();
    for ns in node.namespaces() {
        if !parent_ns.contains(&(ns.name(), ns.uri())) {
            match ns.name() {
                Some(prefix) => {
                    let _ = write!(open, " xmlns:{prefix}=\"{}\"", attr(ns.uri()));
                }
                None => {
                    let _ = write!(open, " xmlns=\"{}\"", attr(ns.uri()));
                }
            }
        }
    }
    for a in node.attributes() {
        let key = match a.namespace().and_then(|ns| node.lookup_prefix(ns)) {
            Some(p) => format!("{p}:{}", a.name()),
            None => a.name().to_owned(),
        };
        let _ = write!(open, " {key}=\"{}\"", attr(a.value()));
    }
    let children: Vec<Node<'_, '_>> = node
        .children()
        .filter(|c| {
            c.is_element() || (c.is_text() && !c.text().unwrap_or_default().trim().is_empty())
        })
        .collect();
    match children.as_slice() {
        [] => {
            let _ = writeln!(out, "{gutter}{indent}{open}/>");
        }
        [only] if only.is_text() => {
            let _ = writeln!(
                out,
                "{gutter}{indent}{open}>{}</{name}>",
                text(only.text().unwrap_or_default())
            );
        }
        _ => {
            let _ = writeln!(out, "{gutter}{indent}{open}>");
            for c in children {
                if c.is_element() {
                    write_node(c, depth + 1, in_signed, signed, out);
                } else {
                    let _ = writeln!(
                        out,
                        "{gutter}{indent}  {}",
                        text(c.text().unwrap_or_default().trim())
                    );
                }
            }
            let _ = writeln!(out, "{gutter}{indent}</{name}>");
        }
    }
}

fn qualified(node: Node<'_, '_>) -> String {
    let local = node.tag_name().name();
    match node
        .tag_name()
        .namespace()
        .and_then(|ns| node.lookup_prefix(ns))
    {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

/// A one-page Markdown summary of many judged messages, for a vendor to attach to a ticket.
pub fn markdown(reports: &[MessageReport]) -> String {
    let failed_messages = reports.iter().filter(|r| r.failed() > 0).count();
    let mut out = format!(
        "# Conformance report: reference SP (DigitalSuite)\n\n{} message(s) judged, {} refused, {} accepted.\n\n| message | verdict | failed rules |\n|---|---|---|\n",
        reports.len(),
        failed_messages,
        reports.len() - failed_messages
    );
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for r in reports {
        let failed: Vec<&str> = r
            .rules
            .iter()
            .filter(|x| x.outcome == Verdict::Fail)
            .map(|x| x.id)
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&r.source),
            if failed.is_empty() {
                "accepted"
            } else {
                "refused"
            },
            if failed.is_empty() {
                "none".to_owned()
            } else {
                failed.join(", ")
            }
        );
    }
    for r in reports.iter().filter(|r| r.failed() > 0) {
        let _ = writeln!(out, "\n## {}\n", cell(&r.source));
        for x in r.rules.iter().filter(|x| x.outcome == Verdict::Fail) {
            let _ = writeln!(
                out,
                "- **{}** ({}, {}): {}\n  - found: {} (`{}`)\n  - fix: {}",
                x.id,
                x.rule,
                x.clause,
                x.title,
                cell(x.found.as_deref().unwrap_or_default()),
                x.code.unwrap_or_default(),
                cell(x.hint.as_deref().unwrap_or_default())
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_or_hostile_xml_is_printed_without_recursing_without_bound() {
        let deep = format!("{}{}", "<a>".repeat(5_000), "</a>".repeat(5_000));
        let out = pretty_xml(&deep);
        assert!(out.contains("nested deeper than 64"));
        assert!(out.lines().count() < 200);
        // A DTD is not parsed: the text comes back as it is.
        let dtd = "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>";
        assert_eq!(pretty_xml(dtd), dtd);
    }
}
