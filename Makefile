# Fangkong: `make run` sets everything up and starts the site; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 0.0.0.0
# gunicorn: 3 sync workers measured best on 2 cores (benchmarks/README.md, booking submit):
# threads (gthread) cost more CPU per request here. WEB_THREADS > 1 switches to gthread.
WEB_WORKERS ?= 3
WEB_THREADS ?= 1
export PORT

.PHONY: run setup install test test-fast test-postgres lint typecheck bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

setup: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py setup_demo

# Starts the web server (gunicorn) and the background worker; Ctrl+C stops both.
run: setup
	@echo ""
	@echo "  浦东防控 is running:  http://localhost:$(PORT)/   (staff desk: http://localhost:$(PORT)/desk/)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py run_worker --no-reload --interval 0.5 & \
	  SITE_URL=$${SITE_URL:-http://localhost:$(PORT)} $(VENV)/bin/gunicorn config.wsgi -b $(HOST):$(PORT) \
	    --workers $(WEB_WORKERS) --threads $(WEB_THREADS) --access-logfile - --log-level warning

test: install
	$(VENV)/bin/pytest -q

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fangkong} $(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy fangkong config

bench: install
	$(PY) benchmarks/booking_submit.py

clean:
	rm -rf var/*.sqlite3* var/staticfiles
