#![no_main]
// The target's body lives in the core (rust/textcsv.rs) so that `cargo test` replays the corpus
// through the very same function.
libfuzzer_sys::fuzz_target!(|data: &[u8]| _core::textcsv::fuzz_rows(data));
