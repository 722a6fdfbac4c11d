# pmsystem — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_STAFF ?= 300
DEMO_PASSWORD ?= demo-pass-2026
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast venv lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

# DEBUG is off unless DEBUG=1 (the project's own error pages), so WhiteNoise serves the static
# files from STATIC_ROOT, as in production: collectstatic first (it copies only what changed).
run: venv
	bash scripts/system-deps.sh run
	$(BIN)/python manage.py compilemessages --ignore '.*' -v 0
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --staff $(DEMO_STAFF) --password "$(DEMO_PASSWORD)"
	@echo "Serving on http://$(HOST):$(PORT)/ — sign in with any login above, password $(DEMO_PASSWORD)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: venv
	bash scripts/test.sh

# The fast lane: everything but the slow kinds (browser, Celery worker, other processes, whole
# worlds); `make test` stays the whole suite, as CI runs it.
test-fast: venv
	bash scripts/test.sh -m "not browser and not worker and not subprocess and not slow"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .mypy_cache
