//! The certificate configuration API's Atom feed parser (R-SG-1, R-SG-4) on arbitrary bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reference_sp::fuzzing;

fuzz_target!(|data: &[u8]| {
    fuzzing::feed(data);
});
