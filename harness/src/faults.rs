//! `harness faults`: the mock IdP's fault catalogue (issue 16, item 1) as a tester reads it,
//! one fault per entry with its class, the outcome a correct SP gives, the clause and the source.

use mock_idp::{Expect, Fault};

fn name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The catalogue, or the entries of one `class`, as `text` or `json`.
pub fn render(class: Option<&str>, format: &str) -> anyhow::Result<String> {
    let classes: Vec<String> = {
        let mut c: Vec<String> = Fault::ALL.iter().map(|f| name(f.info().class)).collect();
        c.dedup();
        c.sort();
        c.dedup();
        c
    };
    if let Some(class) = class
        && !classes.iter().any(|c| c == class)
    {
        anyhow::bail!(
            "no fault class {class:?}; the classes are {}",
            classes.join(", ")
        );
    }
    let entries: Vec<(String, mock_idp::FaultInfo)> = Fault::ALL
        .iter()
        .map(|f| (name(f), f.info()))
        .filter(|(_, info)| class.is_none_or(|c| name(info.class) == c))
        .collect();
    match format {
        "json" => {
            let list: Vec<serde_json::Value> = entries
                .iter()
                .map(|(fault, info)| {
                    let mut v = serde_json::to_value(info).unwrap_or_default();
                    v["fault"] = fault.clone().into();
                    v
                })
                .collect();
            Ok(serde_json::to_string_pretty(&serde_json::json!({ "faults": list }))? + "\n")
        }
        "text" => {
            let mut out = String::new();
            for (fault, info) in &entries {
                let expect = match info.expect {
                    Expect::Refuse(code) => format!("refuse {code}"),
                    Expect::Accept => "accept".to_owned(),
                };
                out.push_str(&format!(
                    "{fault:<34} {:<10} {expect}\n    clause: {}\n    source: {}\n",
                    name(info.class),
                    info.clause,
                    info.source
                ));
            }
            out.push_str(&format!(
                "{} fault(s); a correct SP refuses every \"refuse\" one with an error and signs \
                 the user in for every \"accept\" one\n",
                entries.len()
            ));
            Ok(out)
        }
        other => anyhow::bail!("unknown format {other:?}: text or json"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_class_lists_only_its_faults_and_an_unknown_class_says_which_exist() {
        let time = render(Some("time"), "text").unwrap();
        assert!(time.contains("conditions_expired_past_skew"));
        assert!(!time.contains("wrong_audience"));
        let err = render(Some("timing"), "text").unwrap_err().to_string();
        assert!(
            err.contains("the classes are addressing, encoding"),
            "{err}"
        );
        let json: serde_json::Value = serde_json::from_str(&render(None, "json").unwrap()).unwrap();
        let faults = json["faults"].as_array().unwrap();
        assert_eq!(faults.len(), Fault::ALL.len());
        assert_eq!(faults[2]["fault"], "wrong_audience");
        assert_eq!(faults[2]["expect"]["outcome"], "refuse");
        assert_eq!(faults[2]["expect"]["code"], "saml_wrong_audience");
        assert!(render(None, "xml").is_err());
    }
}
