//! callcore: the Rust core of the `callcore` Python package.
//!
//! One folder per capability, each plain Rust with no PyO3 types, so `cargo test` runs them
//! without Python. The `bindings` module (feature `python`) is the only place that knows PyO3.

pub mod audio;
pub mod calllist;
pub mod digits;
pub mod fsutil;
pub mod sign;
pub mod textcsv;

#[cfg(test)]
mod fuzz_corpus;

#[cfg(feature = "python")]
mod bindings;
