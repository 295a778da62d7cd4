//! The probe's report as a person reads it (text), as a program reads it (JSON), and as a CI
//! system shows it (JUnit: one testcase per fault, a failure per FAIL or FAIL-CRITICAL).

use super::{Case, Report, Verdict};
use protocol::saml::xml;

const ORDER: [Verdict; 5] = [
    Verdict::FailCritical,
    Verdict::Fail,
    Verdict::Inconclusive,
    Verdict::Pass,
    Verdict::NotRun,
];

fn summary(r: &Report) -> String {
    let parts: Vec<String> = ORDER
        .iter()
        .map(|v| format!("{} {}", r.count(*v), v.label()))
        .collect();
    format!("{} case(s): {}", r.cases.len(), parts.join(", "))
}

/// A detail on one table line: the SP's own words may hold control characters.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub fn text(r: &Report) -> String {
    let mut out = format!(
        "probe-sp: the {} IdP {} against the SP {} (ACS {})\n",
        r.profile, r.idp_entity_id, r.sp_entity_id, r.acs
    );
    let line = |c: &Case| {
        format!(
            "{:<13} {:<40} {:<11} {}\n",
            c.verdict.label(),
            c.name,
            c.class,
            one_line(&c.detail)
        )
    };
    out.push_str(&line(&r.control));
    for c in &r.cases {
        out.push_str(&line(c));
    }
    let worst: Vec<&Case> = r
        .cases
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::FailCritical))
        .collect();
    if !worst.is_empty() {
        out.push_str(
            "\nWhat a correct SP does with each failed case, and where the attack is from:\n",
        );
        for c in worst {
            out.push_str(&format!(
                "  {} ({}): {}\n    source: {}\n",
                c.name,
                c.verdict.label(),
                c.expect,
                c.source
            ));
        }
    }
    out.push_str(&summary(r));
    out.push('\n');
    out
}

pub fn json(r: &Report) -> String {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    let mut counts = serde_json::Map::new();
    for verdict in ORDER {
        counts.insert(verdict.label().to_lowercase(), r.count(verdict).into());
    }
    v["summary"] = counts.into();
    v["exit_code"] = r.exit_code().into();
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

pub fn junit(r: &Report) -> String {
    let failures = r.count(Verdict::Fail) + r.count(Verdict::FailCritical);
    let errors = r.count(Verdict::Inconclusive) + usize::from(r.control.verdict != Verdict::Pass);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"probe-sp {}\" \
         tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{}\">\n",
        xml::attr(&r.sp_entity_id),
        r.cases.len() + 1,
        r.count(Verdict::NotRun),
    );
    for c in std::iter::once(&r.control).chain(&r.cases) {
        let body = match c.verdict {
            Verdict::Pass => String::new(),
            Verdict::Fail | Verdict::FailCritical => format!(
                "      <failure type=\"{}\" message=\"{}\">expected: {}\nsource: {}</failure>\n",
                c.verdict.label(),
                xml::attr(&c.detail),
                xml::text(&c.expect),
                xml::text(&c.source)
            ),
            Verdict::Inconclusive => format!(
                "      <error type=\"INCONCLUSIVE\" message=\"{}\"/>\n",
                xml::attr(&c.detail)
            ),
            Verdict::NotRun => format!("      <skipped message=\"{}\"/>\n", xml::attr(&c.detail)),
        };
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml::attr(&c.class),
            xml::attr(&c.name)
        ));
        if body.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(&format!(">\n{body}    </testcase>\n"));
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
