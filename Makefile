# callcore developer entry points. `make demo` and `make test` work on a fresh Debian machine
# with the Rust toolchain and CPython 3.11: they install everything else themselves.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Debian packages the tests compare against (sox, ffmpeg, spandsp) or start (sshd)
APT_PACKAGES := sox ffmpeg libspandsp-dev openssh-server time

.PHONY: setup system-deps demo test test-rust test-python bench bench-run clean wheel docs

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# builds the release wheel through the maturin backend and installs it with the test extras
setup: system-deps $(PY)
	$(PY) -m pip install -q '.[all,test]'

demo: setup
	$(VENV)/bin/callcore demo

test-rust:
	cargo test --quiet

test-python: setup
	$(PY) -m pytest -q tests

test: test-rust test-python

# BENCH_BIG= (empty) leaves out the big generated inputs (the 10M-row call list, ~375 MB)
BENCH_BIG ?= --big
bench: setup
	$(PY) -m pip install -q '.[bench]'
	$(MAKE) bench-run PY=$(PY)

# the benchmarks alone, in an environment set up already (`make bench-run PY=/path/to/python`):
# one pytest run, so that the summary's tables all come from the same run. Rounds of at least
# 0.2 ms: pytest-benchmark's default (5 us) held ~4 calls of a 1.3 us signature, and its own work
# between rounds (timers, bookkeeping) then added ~0.1 us a call to callcore's figure and the
# floor's (a 20 us peer is not moved); longer benchmarks are unaffected
bench-run:
	$(PY) -m pytest benches --benchmark-only --benchmark-min-time=0.0002 --benchmark-columns=median,iqr,rounds -q $(BENCH_BIG)

# the release wheel for any Linux x86_64 with glibc >= 2.17 (CentOS 7, RHEL 8, Debian 11, Ubuntu
# 20.04, Kylin V10) and any CPython >= 3.11 (abi3): maturin links against glibc 2.17 through zig
# (ziglang from PyPI, so no manylinux container is needed), the release profile strips, then
# auditwheel and tools/check_wheel.py check the result and try its core install in a fresh venv.
# Build tools live in their own venv, never in the project's.
TOOLS := .venv-tools
WHEEL_TARGET_DIR ?= target
wheel:
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q 'maturin>=1.9,<2' 'ziglang>=0.13' 'auditwheel>=6'
	rm -rf dist && PATH="$(abspath $(TOOLS))/bin:$$PATH" CARGO_TARGET_DIR=$(WHEEL_TARGET_DIR) \
		$(TOOLS)/bin/maturin build --release --zig --compatibility manylinux2014 \
		--target x86_64-unknown-linux-gnu --out dist
	PATH="$(abspath $(TOOLS))/bin:$$PATH" $(TOOLS)/bin/python tools/check_wheel.py dist/callcore-*.whl \
		--venv $(CURDIR)/dist/core-venv

# the user documentation (API reference from the docstrings) into site/; warnings are errors
docs: setup
	$(PY) -m mkdocs build --strict

clean:
	rm -rf $(VENV) $(TOOLS) target dist site .pytest_cache .benchmarks

# Fuzzing (cargo-fuzz, libFuzzer). Every target listed by `cargo fuzz list` runs FUZZ_SECONDS,
# from its committed seeds/regressions (tests/data/fuzz/<target>/, replayed by `cargo test`)
# plus a local working corpus (fuzz/corpus/<target>/, not committed). RUSTC_BOOTSTRAP lets the
# stable toolchain take cargo-fuzz's -Z flags. A crash stops the run and leaves its input in
# fuzz/artifacts/<target>/: fix it, then copy it into tests/data/fuzz/<target>/ as a regression.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	@for t in $$(RUSTC_BOOTSTRAP=1 cargo fuzz list --fuzz-dir fuzz); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; mkdir -p fuzz/corpus/$$t; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz -O $$t fuzz/corpus/$$t tests/data/fuzz/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=3072 -timeout=10 -print_final_stats=1 || exit 1; \
	done
