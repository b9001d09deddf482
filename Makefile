# The two commands of the README: `make run` and `make test`. Everything else helps them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tracker
HOST ?= 127.0.0.1
PORT ?= 5000
# make run writes instance/config.py with a random SECRET_KEY the first time.
DEV_ENV := TRACKER_CREATE_INSTANCE_CONFIG=1

.PHONY: run test lint fmt typecheck setup setup-dev init demo bench fuzz serve clean

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

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

init: setup
	$(DEV_ENV) $(FLASK) init-db
	$(DEV_ENV) $(FLASK) load-demo
	$(DEV_ENV) $(FLASK) ensure-admin

## make run: set up, load the Cambodia demo once, serve on http://$(HOST):$(PORT) with the scheduler
run: init
	$(DEV_ENV) bin/run-dev $(HOST) $(PORT)

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

lint: setup-dev
	$(BIN)/ruff check tracker tests bench
	$(BIN)/ruff format --check tracker tests bench
	$(BIN)/mypy

fmt: setup-dev
	$(BIN)/ruff format tracker tests bench
	$(BIN)/ruff check --fix tracker tests bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
