//! The HTTP-Redirect binding decoder (saml-bindings §3.4.4): query parsing, base64, DEFLATE
//! (bounded), UTF-8 and the query-signature check, on arbitrary query strings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reference_sp::fuzzing;

fuzz_target!(|data: &[u8]| {
    fuzzing::redirect(data);
});
