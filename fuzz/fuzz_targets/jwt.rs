//! The ID-token header and claims checks Google and Apple share, and jsonwebtoken's decoder
//! with a fixed key, on arbitrary tokens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reference_sp::fuzzing;

fuzz_target!(|data: &[u8]| {
    fuzzing::jwt(data);
});
