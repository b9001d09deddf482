# The two commands of the README: `make run` and `make test`. Everything else helps them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tracker
HOST ?= 127.0.0.1
PORT ?= 5000
# make run writes instance/config.py with a random SECRET_KEY the first time.
DEV_ENV := TRACKER_CREATE_INSTANCE_CONFIG=1

.PHONY: run dev test lint fmt typecheck setup setup-dev translations extract-messages init demo bench fuzz serve migrate scheduler clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("tracker needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed translations
setup-dev: $(VENV)/.installed-dev translations

## make translations: compile tracker/translations/*/LC_MESSAGES/messages.po to .mo (the
## .mo files are not in git; Flask-Babel reads them). make extract-messages: refresh the .po
## files from the sources (README, "Translations").
translations: | $(VENV)/.installed
	$(BIN)/pybabel -q compile -d tracker/translations

extract-messages: setup-dev
	PYTHONPATH=. $(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l --sort-by-file \
		--no-wrap --ignore-dirs '.*' -o tracker/translations/messages.pot .
	$(BIN)/pybabel -q update -i tracker/translations/messages.pot -d tracker/translations \
		--no-wrap --ignore-obsolete --no-fuzzy-matching

init: setup
	$(DEV_ENV) $(FLASK) init-db
	$(DEV_ENV) $(FLASK) load-demo
	$(DEV_ENV) $(FLASK) ensure-admin

## make run: set up, load the Cambodia demo once, serve on http://$(HOST):$(PORT) with the scheduler
## Mail links and calendar feeds follow HOST and PORT unless TRACKER_BASE_URL is set.
run: init
	$(DEV_ENV) bin/run-dev $(HOST) $(PORT)

## make dev: the same with Flask's reloader and interactive debugger (never on a shared network)
dev: init
	$(DEV_ENV) bin/run-dev $(HOST) $(PORT) --debug

## make test: install dev dependencies and run the whole suite (SQLite, and PostgreSQL when
## TRACKER_TEST_DATABASE_URL is set); extra pytest arguments go in ARGS.
test: setup-dev
	$(BIN)/pytest -n auto $(ARGS)

## make fuzz: schemathesis against the API's own OpenAPI document, FUZZ_EXAMPLES (100) examples
## per operation, on SQLite and on PostgreSQL (set TRACKER_TEST_DATABASE_URL, as for make test).
FUZZ_EXAMPLES ?= 100
fuzz: setup-dev
	TRACKER_FUZZ=1 TRACKER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -n 2 -m fuzz \
		tests/test_api_fuzz.py $(ARGS)

## make bench: the benchmark of bench/run.py (not part of make test): 1k, 10k and 100k actions
## on SQLite and PostgreSQL; a subset with SIZES=1000,10000 BACKENDS=sqlite, more in BENCH_ARGS.
## Needs wrk (Debian: apt-get install wrk; installed here when run as root) and PostgreSQL at
## TRACKER_BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
bench: setup-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get install -y -qq wrk >/dev/null; } \
		|| echo "bench: no wrk (apt-get install wrk): the load rows will say n/a" >&2
	$(BIN)/python bench/run.py $(if $(SIZES),--sizes $(SIZES)) \
		$(if $(BACKENDS),--backends $(BACKENDS)) $(BENCH_ARGS)

## make serve: production-style serving, gunicorn with WORKERS workers on BIND against
## TRACKER_DATABASE_URL (TRACKER_SECRET_KEY required). Run `make migrate` once per deploy
## first: workers never migrate. The scheduler is a separate single process (make scheduler).
WORKERS ?= 4
BIND ?= 127.0.0.1:8000
serve: setup
	GUNICORN_WORKERS=$(WORKERS) GUNICORN_BIND=$(BIND) $(BIN)/gunicorn -c deploy/gunicorn.conf.py

migrate: setup
	$(FLASK) init-db

scheduler: setup
	$(FLASK) run-scheduler

lint: setup-dev
	$(BIN)/ruff check tracker tests bench
	$(BIN)/ruff format --check tracker tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

fmt: setup-dev
	$(BIN)/ruff format tracker tests bench
	$(BIN)/ruff check --fix tracker tests bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
