#![no_main]
// The target's body lives in the core (rust/calllist/fuzz_targets.rs) so that `cargo test`
// replays the corpus through the very same function.
libfuzzer_sys::fuzz_target!(|data: &[u8]| _core::calllist::fuzz_targets::csv_paths_agree(data));
