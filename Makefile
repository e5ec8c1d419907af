# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out
# two cores is the machine this project is built for; TEST_WORKERS=0 runs the tests in one process
TEST_WORKERS ?= 2

.PHONY: demo test lint bench eval clean system-deps check-security

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no python3.11 or python3 found; install Python 3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/deescalate demo --out $(OUT)
	@echo; echo "== practice: a trainee who notices the driver is deaf, then one who only gives commands =="
	$(BIN)/deescalate train deaf-driver --script tests/training/scripts/deaf-driver.good.txt --out $(OUT)
	$(BIN)/deescalate train deaf-driver --script tests/training/scripts/deaf-driver.bad.txt --out $(OUT) --seed 2
	@echo; $(BIN)/deescalate demo-review --out $(OUT)

# espeak-ng speaks the synthesized dialogue of the audio tests; Debian's chromium runs the
# review pages' end-to-end tests (Playwright drives it; no browser is downloaded). Where they
# cannot be installed those tests skip and say why.
system-deps:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq espeak-ng) >/dev/null 2>&1 \
	      || echo "note: espeak-ng could not be installed; speech-synthesis tests will skip"; \
	  else echo "note: espeak-ng is missing (needs root and apt-get to install); speech-synthesis tests will skip"; fi; }
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
	      || echo "note: chromium could not be installed; the browser tests of the review pages will skip"; \
	  else echo "note: /usr/bin/chromium is missing (needs root and apt-get to install); browser tests will skip"; fi; }

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# Hostile input and faults at a larger budget than make test's: 1,000 random examples a reader, schemathesis at
# 100 examples an operation, every kill point and kill loops; prints the counts (benchmarks/security_counts.py).
check-security: $(STAMP) system-deps
	timeout 1800 $(BIN)/python benchmarks/security_counts.py --full

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP) system-deps
	$(BIN)/python benchmarks/bench_analyzer.py
	$(BIN)/python benchmarks/merge_eval.py
	$(BIN)/python benchmarks/bench_audio.py
	$(BIN)/python benchmarks/bench_live.py

eval: $(STAMP)
	$(BIN)/deescalate eval ../shared/corpus/dev

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
