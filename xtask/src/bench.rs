//! `cargo xtask bench`: the criterion benchmarks of `harness/benches/saml.rs` (issue 14, item 3),
//! then one table with every row beside its floor measured in the same run, as a ratio.
//! Arguments after `bench` go to criterion (`--measurement-time 3`, a name filter).

use std::path::Path;

/// Each row: the benchmark, its floor, how many floor operations it cannot avoid, the goal.
const ROWS: &[(&str, &str, f64, f64)] = &[
    (
        "sp/acs_validate_assertion_signed",
        "floor/rsa2048_verify_sha256_response",
        1.0,
        8.0,
    ),
    (
        "sp/acs_validate_assertion_signed_xmlsec",
        "floor/rsa2048_verify_sha256_response",
        1.0,
        8.0,
    ),
    (
        "sp/acs_validate_both_signed",
        "floor/rsa2048_verify_sha256_response",
        2.0,
        6.0,
    ),
    (
        "sp/acs_validate_both_signed_xmlsec",
        "floor/rsa2048_verify_sha256_response",
        2.0,
        6.0,
    ),
    (
        "idp/build_and_sign_response",
        "floor/rsa2048_sign_sha256_response",
        1.0,
        1.3,
    ),
    (
        "idp/decode_and_verify_signed_redirect_request",
        "floor/rsa2048_verify_sha256_query",
        1.0,
        3.0,
    ),
];

pub fn run(args: &[String]) -> Result<(), String> {
    let status = crate::cargo()
        .args(["bench", "-p", "harness", "--bench", "saml", "--"])
        .args(args)
        .status()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if !status.success() {
        return Err(format!("cargo bench failed: {status}"));
    }
    let root = Path::new("target/criterion");
    println!(
        "\n{:<48} {:>12} {:>12} {:>8} {:>6}",
        "row", "median", "floor", "ratio", "goal"
    );
    for (row, floor, units, goal) in ROWS {
        let (Some(t), Some(f)) = (median_ns(root, row), median_ns(root, floor)) else {
            println!("{row:<48} not measured in this run");
            continue;
        };
        let floor = f * units;
        println!(
            "{row:<48} {:>12} {:>12} {:>7.1}× {:>5.1}×",
            human(t),
            human(floor),
            t / floor,
            goal
        );
    }
    Ok(())
}

/// The median of a benchmark's last run, in nanoseconds, from criterion's `estimates.json`
/// (read by hand: xtask uses std only).
fn median_ns(root: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(root.join(id).join("new/estimates.json")).ok()?;
    let median = &text[text.find("\"median\":")?..];
    let at = median.find("\"point_estimate\":")? + "\"point_estimate\":".len();
    let number: String = median[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number.parse().ok()
}

fn human(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else {
        format!("{:.1} µs", ns / 1_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_read_from_criterions_estimates() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        let at = dir.join("g/b/new");
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(
            at.join("estimates.json"),
            r#"{"mean":{"point_estimate":9.0},"median":{"confidence_interval":{"lower_bound":1.0},"point_estimate":1117305.5,"standard_error":2.0}}"#,
        )
        .unwrap();
        assert_eq!(median_ns(&dir, "g/b"), Some(1117305.5));
        assert_eq!(median_ns(&dir, "g/none"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
