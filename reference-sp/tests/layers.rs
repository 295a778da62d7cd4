//! The reference SP's shape, checked (issue 12): every SQL statement in `store/`; arrows run
//! `http -> signin -> scope -> store -> domain/error`; no sign-in method imports another; no
//! import cycle between files. Read from the sources, so a change that breaks the shape fails
//! here with the file and the import named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`signin::saml::acs`) -> source without comments.
fn sources() -> BTreeMap<String, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut module = rel.to_string_lossy().replace('/', "::");
            if let Some(parent) = module.strip_suffix("::mod") {
                module = parent.to_owned();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code: String = text
                .lines()
                .map(|l| match l.find("//") {
                    Some(i) => &l[..i],
                    None => l,
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(module, code);
        }
    }
}

/// The modules a file names by `crate::...` or `super::...` (resolved to the longest module
/// that exists), minus itself; `use a::{b, c}` lists are expanded one level.
fn imports(module: &str, code: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    // `super` is the enclosing module, for a `mod.rs` as for any other file.
    let mut parent: Vec<&str> = module.split("::").collect();
    parent.pop();
    let bytes = code.as_bytes();
    for prefix in ["crate::", "super::"] {
        let mut at = 0;
        while let Some(i) = code[at..].find(prefix) {
            let start = at + i;
            at = start + prefix.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let rest = &code[at..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut heads = vec![path.trim_end_matches(':').to_owned()];
            if rest[path.len()..].starts_with('{') {
                let inner = &rest[path.len() + 1..rest.find('}').unwrap_or(rest.len())];
                for item in inner.split(',') {
                    let item = item.trim();
                    if !item.is_empty() && item != "self" {
                        heads.push(format!("{path}{item}"));
                    }
                }
            }
            for head in heads {
                let mut parts: Vec<String> = if prefix == "super::" {
                    parent.iter().map(|s| (*s).to_owned()).collect()
                } else {
                    Vec::new()
                };
                parts.extend(
                    head.split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
                let best = (1..=parts.len())
                    .map(|n| parts[..n].join("::"))
                    .rfind(|m| all.contains(m));
                if let Some(m) = best
                    && m != module
                    && !module.starts_with(&format!("{m}::"))
                {
                    found.insert(m);
                }
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = sources();
    let all: BTreeSet<String> = src.keys().cloned().collect();
    src.iter()
        .map(|(m, code)| (m.clone(), imports(m, code, &all)))
        .collect()
}

fn layer(module: &str) -> u8 {
    let top = module.split("::").next().unwrap_or_default();
    match top {
        "domain" | "error" => 0,
        "store" => 1,
        "scope" => 2,
        "signin" => 3,
        "http" => 4,
        // The crate root wires everything; the binary, seeding and test helpers sit on top.
        _ => 5,
    }
}

#[test]
fn arrows_run_from_http_to_signin_to_store_to_domain() {
    let mut wrong = Vec::new();
    for (from, tos) in graph() {
        for to in tos {
            if layer(&to) > layer(&from) {
                wrong.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
}

#[test]
fn no_sign_in_method_imports_another() {
    let methods = ["password", "saml", "google", "apple"];
    let mut wrong = Vec::new();
    for (from, tos) in graph() {
        let Some(own) = from.strip_prefix("signin::") else {
            continue;
        };
        let own = own.split("::").next().unwrap_or_default();
        for to in tos {
            let Some(target) = to.strip_prefix("signin::") else {
                continue;
            };
            let target = target.split("::").next().unwrap_or_default();
            // Shared modules serve every method and may import none of them, except the
            // administrator check in `session`, which takes Basic credentials (`password`).
            let exception = own == "session" && target == "password";
            if target != own && methods.contains(&target) && !exception {
                wrong.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "methods importing each other: {wrong:#?}");
}

#[test]
fn no_import_cycle_between_files() {
    let g = graph();
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(m.to_owned(), 1);
        stack.push(m.to_owned());
        for n in g.get(m).into_iter().flatten() {
            match state.get(n.as_str()).copied().unwrap_or(0) {
                1 => {
                    let i = stack.iter().position(|s| s == n).unwrap_or(0);
                    let mut cycle = stack[i..].to_vec();
                    cycle.push(n.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(n, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in g.keys() {
        // The crate root defines AppState, which every handler names: it is the wiring point.
        if m == "lib" || state.contains_key(m) {
            continue;
        }
        let mut stack = Vec::new();
        let g_no_root: BTreeMap<String, BTreeSet<String>> = g
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.iter().filter(|t| *t != "lib").cloned().collect(),
                )
            })
            .collect();
        if let Some(cycle) = visit(m, &g_no_root, &mut state, &mut stack) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn every_sql_statement_is_in_the_store() {
    let mut wrong = Vec::new();
    for (m, code) in sources() {
        if m == "store" || m.starts_with("store::") {
            continue;
        }
        for needle in [
            "SELECT ",
            "INSERT INTO",
            "DELETE FROM",
            "UPDATE ",
            ".execute(",
            ".query_row(",
            ".prepare(",
        ] {
            if code.contains(needle) {
                wrong.push(format!("{m}: {needle:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "SQL outside store/: {wrong:#?}");
}

#[test]
fn the_checker_sees_imports() {
    // Guard against a checker that finds nothing: known arrows must be seen.
    let g = graph();
    assert!(
        g["signin::saml"].contains("signin::session"),
        "{:?}",
        g["signin::saml"]
    );
    assert!(
        g["signin::saml::acs"].contains("store::saml"),
        "{:?}",
        g["signin::saml::acs"]
    );
    assert!(
        g["http::browser"].contains("signin::google"),
        "{:?}",
        g["http::browser"]
    );
    assert!(
        g["store::sessions"].contains("store::users"),
        "{:?}",
        g["store::sessions"]
    );
}
