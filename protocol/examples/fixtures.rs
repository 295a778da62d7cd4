//! `cargo xtask fixtures [--check]`: writes each fixture's `cert.pem` from its `key.pem` by its
//! recipe (`Fixture::recipe_certificate`, rcgen), or with `--check` only says which differ.
//! The keys themselves are inputs: RSA key generation takes no seed.

use protocol::fixtures::Fixture;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut differ = 0;
    for f in Fixture::ALL {
        let path = root.join(f.dir()).join("cert.pem");
        let made = f.recipe_certificate().pem();
        let same = std::fs::read_to_string(&path).is_ok_and(|old| old == made);
        if same {
            println!("{}: up to date", path.display());
        } else if check {
            println!("{}: differs from its recipe", path.display());
            differ += 1;
        } else if let Err(e) = std::fs::write(&path, &made) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("{}: written", path.display());
        }
    }
    if differ > 0 {
        eprintln!(
            "{differ} certificate(s) differ: run cargo xtask fixtures, then review the snapshots"
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
