//! The ACS on arbitrary input: `acs::validate` must answer Ok or one `AcsError`, never panic,
//! whatever is posted. The first byte picks the form: the input as the SAMLResponse field itself
//! (arbitrary base64), or base64 of the rest (arbitrary XML, which reaches the parser and the
//! signature checks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use reference_sp::fuzzing;

fuzz_target!(|data: &[u8]| {
    let _ = fuzzing::acs(data);
});
