//! The mock IdP's fault catalogue is proven against the reference SP (issue 16, item 1): every
//! fault whose catalogue entry says "refuse with CODE" has a scenario that queues it and asserts
//! that CODE, and every valid variant a scenario that queues it and signs in. Scenario outlines
//! count row by row, with the row's values put into the steps.

use mock_idp::{Expect, Fault};
use std::path::Path;

/// Each scenario of a feature file as the text of its steps, outlines expanded per row.
fn scenarios(feature: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut steps: Vec<String> = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut rows = 0;
    let mut in_scenario = false;
    let flush = |steps: &mut Vec<String>, rows: usize, out: &mut Vec<String>| {
        if rows == 0 && !steps.is_empty() {
            out.push(steps.join("\n"));
        }
        steps.clear();
    };
    for line in feature.lines().map(str::trim) {
        if line.starts_with("Scenario") || line.starts_with("Background") {
            if in_scenario {
                flush(&mut steps, rows, &mut out);
            }
            in_scenario = line.starts_with("Scenario");
            header = None;
            rows = 0;
            steps.clear();
        } else if !in_scenario {
            continue;
        } else if line.starts_with("Examples") {
            header = None;
        } else if let Some(cells) = line.strip_prefix('|') {
            let cells: Vec<String> = cells
                .trim_end_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect();
            match &header {
                None => header = Some(cells),
                Some(names) => {
                    let mut text = steps.join("\n");
                    for (name, value) in names.iter().zip(&cells) {
                        text = text.replace(&format!("<{name}>"), value);
                    }
                    out.push(text);
                    rows += 1;
                }
            }
        } else if !line.is_empty() && !line.starts_with('#') && !line.starts_with('@') {
            steps.push(line.to_owned());
        }
    }
    if in_scenario {
        flush(&mut steps, rows, &mut out);
    }
    out
}

fn all_scenarios() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../features");
    let mut stack = vec![root];
    let mut out = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("features/") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "feature") {
                out.extend(scenarios(
                    &std::fs::read_to_string(&path).expect("a feature"),
                ));
            }
        }
    }
    out
}

/// Whether `scenario` queues `fault` at the mock IdP.
fn queues(scenario: &str, fault: &str) -> bool {
    scenario.contains(&format!("has the fault \"{fault}\""))
}

#[test]
fn every_fault_in_the_catalogue_is_proven_by_a_scenario() {
    let scenarios = all_scenarios();
    assert!(scenarios.len() > 400, "the features were read");
    let mut unproven = Vec::new();
    for fault in Fault::ALL {
        let name = serde_json::to_value(fault).expect("a name");
        let name = name.as_str().expect("a string");
        let proven = scenarios.iter().any(|s| {
            queues(s, name)
                && match fault.info().expect {
                    Expect::Refuse(code) => {
                        s.contains(&format!("refuses the Response with \"{code}\""))
                    }
                    Expect::Accept => {
                        !s.contains("refuses the Response")
                            && (s.contains("the login succeeds")
                                || s.contains("is signed in to LIVE as"))
                    }
                }
        });
        if !proven {
            unproven.push(format!("{name}: {:?}", fault.info().expect));
        }
    }
    assert!(
        unproven.is_empty(),
        "faults whose catalogue entry no scenario proves (queue it with `has the fault \"NAME\"` \
         and assert the outcome):\n  {}",
        unproven.join("\n  ")
    );
}

#[test]
fn outlines_are_expanded_row_by_row() {
    let feature = "Feature: f\n  Background:\n    Given a\n  Scenario: one\n    When x \"f1\"\n  \
                   Scenario Outline: two\n    When x \"<fault>\"\n    Then y \"<code>\"\n    \
                   Examples:\n      | fault | code |\n      | f2    | c2   |\n      | f3    | c3   |\n";
    assert_eq!(
        scenarios(feature),
        [
            "When x \"f1\"",
            "When x \"f2\"\nThen y \"c2\"",
            "When x \"f3\"\nThen y \"c3\""
        ]
    );
}

#[test]
fn every_entry_names_a_clause_and_a_source() {
    for fault in Fault::ALL {
        let info = fault.info();
        assert!(info.clause.len() > 10, "{fault:?}: {}", info.clause);
        assert!(info.source.len() > 10, "{fault:?}: {}", info.source);
        if let Expect::Refuse(code) = info.expect {
            assert!(code.starts_with("saml_"), "{fault:?}: {code}");
        }
    }
}
