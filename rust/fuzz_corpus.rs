//! The committed fuzz corpora (`tests/data/fuzz/<target>/`: seeds and regression inputs) replayed
//! through their targets by plain `cargo test`, so CI runs every input a fuzzer ever kept without
//! libFuzzer or a nightly toolchain. Each capability lists its targets in its `fuzz_targets.rs`.

/// Runs every file of every target's corpus through the target; a panic fails with the file name.
pub(crate) fn replay(targets: &[(&str, fn(&[u8]))]) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut total = 0;
    for (name, target) in targets {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: no corpus", dir.display());
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let r = std::panic::catch_unwind(|| target(&data));
            assert!(r.is_ok(), "{name}: {} fails", f.display());
            total += 1;
        }
    }
    assert!(total >= targets.len());
}
