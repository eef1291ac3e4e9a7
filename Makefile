# callcore developer entry points. `make demo` and `make test` work on a fresh Debian machine
# with the Rust toolchain and CPython 3.11: they install everything else themselves.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Debian packages the tests compare against (sox, ffmpeg, spandsp) or start (sshd)
APT_PACKAGES := sox ffmpeg libspandsp-dev openssh-server

.PHONY: setup system-deps demo test test-rust test-python bench clean

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

bench: setup
	$(PY) -m pip install -q '.[bench]'
	$(PY) -m pytest benches --benchmark-only --benchmark-columns=median,iqr,rounds -q
	# the 10M-row call list (a 375 MB file, made once in the temp dir): callcore and polars end to end
	CALLCORE_BENCH_ROWS=10000000 $(PY) -m pytest benches/bench_calllist.py --benchmark-only -q -s \
		-k "e2e_callcore or e2e_polars or report"

clean:
	rm -rf $(VENV) target .pytest_cache .benchmarks
