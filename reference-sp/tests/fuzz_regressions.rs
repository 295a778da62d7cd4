//! Every seed and every saved crash of the fuzz targets (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) run through the same code the fuzzer ran
//! (`reference_sp::fuzzing`), so a fixed crash stays fixed without nightly or cargo-fuzz. A
//! panic fails the test; the signed seed Responses must also still be accepted, so the ACS
//! target keeps reaching the field checks behind the signature.

use reference_sp::fuzzing;
use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn acs_inputs_never_panic_and_signed_seeds_are_accepted() {
    let all = inputs("acs");
    assert!(all.len() >= 6, "the ACS seed corpus is missing");
    for (path, data) in all {
        let verdict = fuzzing::acs(&data);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("signed-") {
            assert_eq!(verdict, Ok(()), "{name}");
        }
    }
}

#[test]
fn redirect_feed_and_jwt_inputs_never_panic() {
    for (target, run) in [
        ("redirect", fuzzing::redirect as fn(&[u8])),
        ("feed", fuzzing::feed),
        ("jwt", fuzzing::jwt),
    ] {
        let all = inputs(target);
        assert!(!all.is_empty(), "no {target} inputs");
        for (_, data) in all {
            run(&data);
        }
    }
}
