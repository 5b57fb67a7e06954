# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test run setup lint bench locales browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

## demo: the bot against the local emulator with demo data and a browser chat; no token needed
demo: $(STAMP)
	$(BIN)/poytabot demo

## test: lint, types and the whole suite (PostgreSQL runs too when POYTABOT_TEST_POSTGRES_URL is set)
# In parallel (pytest-xdist): most tests wait on the emulator's Telegram limits, the network and
# timers rather than the CPU, so more workers than cores pay off. PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= 4
test: lint browser
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## run: real Telegram; reads POYTABOT_BOT_TOKEN from .env
run: $(STAMP)
	$(BIN)/poytabot run

## lint: style, format, types and the architecture contracts (pyproject.toml [tool.importlinter])
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## bench: figures, not pass/fail (BENCHMARKS.md): poytabot and a bare aiogram echo bot as processes against the emulator with Telegram's limits on; vote presses at stepped rates, reminders due together, broadcasts; SQLite, and PostgreSQL when POYTABOT_TEST_POSTGRES_URL is set; BENCH_ARGS=--quick for a short run; written to bench-results/
bench: $(STAMP)
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

## browser: Debian's Chromium (and an emoji font for screenshots) for the browser-chat tests (Playwright's own download is not used)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	  else echo "chromium not found: browser tests will be skipped"; fi; }

## locales: re-extract messages and merge them into the fi, sv and en catalogs
locales: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k __ -k lazy_gettext --no-location --sort-output -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --omit-header=false

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
