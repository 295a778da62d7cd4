//! `docs/RULES.md` and the scenarios' rule tags agree (README "Running scenarios"): every
//! scenario proves at least one rule, every tag names a rule of the list, and every rule has a
//! scenario unless the list's "Not yet proven" section says why not.

use cucumber::gherkin::{Feature, GherkinEnv};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The rule IDs of `docs/RULES.md` (`- **R-PW-3** ...`), lower case as tags are, split into
/// the rules and those listed under "Not yet proven".
fn rules() -> (BTreeSet<String>, BTreeSet<String>) {
    let text = std::fs::read_to_string(root().join("docs/RULES.md")).expect("docs/RULES.md");
    let (listed, unproven) = text
        .split_once("\n## Not yet proven")
        .expect("docs/RULES.md has a \"Not yet proven\" section");
    let ids = |part: &str| -> BTreeSet<String> {
        part.lines()
            .filter_map(|l| l.strip_prefix("- **R-"))
            .filter_map(|l| l.split_once("**"))
            .map(|(id, _)| format!("r-{}", id.to_ascii_lowercase()))
            .collect()
    };
    (ids(listed), ids(unproven))
}

fn feature_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("features/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            feature_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "feature") {
            out.push(path);
        }
    }
}

/// Each scenario (by file and name) with the rule tags that apply to it: its feature's, its
/// rule block's, its own and its examples' tags.
fn scenarios() -> Vec<(String, BTreeSet<String>)> {
    let mut files = Vec::new();
    feature_files(&root().join("features"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no feature files found");
    let mut out = Vec::new();
    for file in files {
        let feature = Feature::parse_path(&file, GherkinEnv::default())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let rule_tags = |tags: &[String]| -> BTreeSet<String> {
            tags.iter()
                .filter(|t| t.starts_with("r-"))
                .cloned()
                .collect()
        };
        let shown = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        let name = |s: &str| format!("{shown}: {s}");
        let inherited = rule_tags(&feature.tags);
        let mut add = |scenario: &cucumber::gherkin::Scenario, mut tags: BTreeSet<String>| {
            tags.extend(rule_tags(&scenario.tags));
            for examples in &scenario.examples {
                tags.extend(rule_tags(&examples.tags));
            }
            out.push((name(&scenario.name), tags));
        };
        for scenario in &feature.scenarios {
            add(scenario, inherited.clone());
        }
        for rule in &feature.rules {
            let mut tags = inherited.clone();
            tags.extend(rule_tags(&rule.tags));
            for scenario in &rule.scenarios {
                add(scenario, tags.clone());
            }
        }
    }
    out
}

#[test]
fn every_scenario_proves_a_rule_of_the_list() {
    let (listed, _) = rules();
    assert!(
        listed.len() >= 40,
        "only {} rules read from docs/RULES.md",
        listed.len()
    );
    let mut untagged = Vec::new();
    let mut unknown = Vec::new();
    for (scenario, tags) in scenarios() {
        if tags.is_empty() {
            untagged.push(scenario.clone());
        }
        for tag in tags.iter().filter(|t| !listed.contains(*t)) {
            unknown.push(format!("@{tag} in {scenario}"));
        }
    }
    assert!(
        untagged.is_empty(),
        "scenarios without a rule tag:\n  {}",
        untagged.join("\n  ")
    );
    assert!(
        unknown.is_empty(),
        "tags docs/RULES.md does not list:\n  {}",
        unknown.join("\n  ")
    );
}

#[test]
fn every_rule_has_a_scenario_or_says_why_not() {
    let (listed, unproven) = rules();
    let mut count: BTreeMap<String, usize> = listed.iter().map(|r| (r.clone(), 0)).collect();
    for (_, tags) in scenarios() {
        for tag in tags {
            *count.entry(tag).or_default() += 1;
        }
    }
    let missing: Vec<&String> = count
        .iter()
        .filter(|(rule, n)| **n == 0 && !unproven.contains(*rule))
        .map(|(rule, _)| rule)
        .collect();
    assert!(missing.is_empty(), "rules without a scenario: {missing:?}");
    let proven_now: Vec<&String> = unproven
        .iter()
        .filter(|r| count.get(*r).is_some_and(|n| *n > 0))
        .collect();
    assert!(
        proven_now.is_empty(),
        "listed as not yet proven but tagged on a scenario (move them out of the list): {proven_now:?}"
    );
    let strays: Vec<&String> = unproven.difference(&listed).collect();
    assert!(
        strays.is_empty(),
        "not-yet-proven rules that are not rules: {strays:?}"
    );
}
