# One-command set-up: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= screening-report

.PHONY: eval eval-baseline bench demo test lint typecheck samples readme clean serve browser-deps postgres-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/supplyscreen screen samples/vendors.xlsx samples/seafood_shipments.xlsx --out $(OUT) --force
	@echo "Open $(OUT)/report.html"

samples: $(BIN)/python
	$(BIN)/python -m pip install --quiet openpyxl
	$(BIN)/python samples/generate.py

# Watchlist matching: labelled pairs through ListMatcher (dev/test), then the real-names false-alert benchmark
# (its WRatio baseline comes from tests/eval/realnames_baseline.json; `make eval-baseline` recomputes it).
eval: $(VENV)/.installed-test
	$(BIN)/python tests/eval/evaluate.py --json tests/eval/results.json
	$(BIN)/python tests/eval/realnames.py --json tests/eval/realnames-results.json
	$(BIN)/python tests/eval/evaluate_text.py --json tests/eval/text/results.json
	for path in tests/eval/text/dev_extra*.csv; do \
		set=$$(basename $$path .csv); \
		$(BIN)/python tests/eval/evaluate_text.py --corpus $$path \
			--json tests/eval/text/results-$$(echo $$set | tr _ -).json || exit 1; \
	done

eval-baseline: $(VENV)/.installed-test
	$(BIN)/python tests/eval/realnames.py --baseline --json tests/eval/realnames-results.json

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

readme: $(VENV)/.installed
	$(BIN)/python -c "import pathlib; from supplyscreen.reference import update_readme; from supplyscreen.rules import load_rules; p = pathlib.Path('README.md'); p.write_text(update_readme(p.read_text(encoding='utf-8'), load_rules()), encoding='utf-8')"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests samples
	$(BIN)/ruff format --check src tests

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

test: $(VENV)/.installed-test lint typecheck browser-deps postgres-deps
	$(BIN)/python -m pytest

# The web app on http://127.0.0.1:8000 (HOST, PORT and DB override the defaults).
serve: $(VENV)/.installed
	$(BIN)/supplyscreen serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT)) $(if $(DB),--db $(DB))

# Browser tests drive Debian's Chromium (never a downloaded browser); CJK fonts so Chinese names render.
browser-deps:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then echo "browser tests need Chromium at /usr/bin/chromium (or SUPPLYSCREEN_CHROMIUM)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "browser tests need: sudo apt-get install -y chromium fonts-noto-cjk"; fi

# The PostgreSQL tests start a throwaway server with initdb and pg_ctl (Debian's postgresql); installed with apt
# when it can be, and skipped with the reason printed when it cannot: never a failure here.
postgres-deps:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then echo "PostgreSQL tests will skip: no initdb and no apt-get"; \
	elif [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
		|| echo "PostgreSQL tests will skip: apt-get install postgresql failed"; \
	else echo "PostgreSQL tests need: sudo apt-get install -y postgresql"; fi

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
