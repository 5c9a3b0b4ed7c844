# ICMD portal: `make run` serves the site, `make test` runs the whole suite.
# Both install what is missing into .venv/ and start a project-local PostgreSQL
# (under var/) unless DATABASE_URL points at another server.

SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# The first Python 3.12+ found (.python-version names the preferred one for pyenv).
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: run test install lock db prepare lint format stop bench backup restore

# The background worker (emails, search indexing) runs beside the server, is started
# again if it ever exits, and stops with the server.
run: prepare
	( trap 'kill $$child 2>/dev/null; wait $$child 2>/dev/null; exit 0' INT TERM; \
	  while true; do \
	    $(PY) manage.py run_worker --worker-id=dev & child=$$!; wait $$child; \
	    echo "The worker stopped (exit $$?); starting it again in 2 s." >&2; sleep 2; \
	  done ) & supervisor=$$!; \
	trap 'kill $$supervisor 2>/dev/null; wait $$supervisor 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: db messages
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

# Development installs requirements-dev.lock: the production pins of requirements.lock
# plus the test and lint tools. Production installs requirements.lock alone (README).
install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock requirements-dev.lock
	@if [ -z "$(PYTHON)" ]; then echo "error: Python 3.12 or newer is needed: install python3.13 (or set PYTHON=/path/to/python3.12+)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

# Both locks again from pyproject.toml, keeping every version they already pin unless
# pyproject.toml asks for another (LOCK_ARGS="--upgrade-package NAME" moves one package).
UV_VERSION := 0.13.9
LOCK_FLAGS := --universal --generate-hashes --quiet --custom-compile-command "make lock" $(LOCK_ARGS)
lock:
	@if [ -z "$(PYTHON)" ]; then echo "error: Python 3.12 or newer is needed: install python3.13 (or set PYTHON=/path/to/python3.12+)." >&2; exit 1; fi
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -c requirements.lock $(LOCK_FLAGS) \
	  -o requirements-dev.lock

db: install
	$(PY) -m icmd.localdb start

messages: install
	@command -v msgfmt >/dev/null || { echo "error: msgfmt not found: install GNU gettext (apt-get install gettext)." >&2; exit 1; }
	$(PY) manage.py compilemessages --ignore=.venv --verbosity=0

prepare: db messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_seed

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The load benchmark: gunicorn as in production, wrk through every kind of page, on a
# database of its own filled at full size; writes docs/bench/report.md (bench/load.py).
# BENCH_ARGS: e.g. "--scale 0.1 --duration 5", "--keep" (reuse the data of the last run),
# "--pages list topic", "--note 'text'". The older in-process benchmarks run on their own.
.PHONY: bench-catalogue bench-search bench-exports
bench: db messages
	@command -v wrk >/dev/null || { echo "error: wrk not found: install it (apt-get install wrk) to run the load benchmark." >&2; exit 1; }
	$(PY) bench/load.py $(BENCH_ARGS)

bench-catalogue: db messages
	$(PY) bench/catalogue.py

bench-search: db messages
	$(PY) bench/search.py

bench-exports: db messages
	$(PY) bench/exports.py

# The database and the uploaded files, into a new folder under var/backups/ (BACKUP_ARGS:
# e.g. "--dir /srv/backups --keep 14"); `make restore FROM=var/backups/<folder>` puts one
# back into an empty database (FORCE=1 replaces what the database holds).
backup: db
	$(PY) manage.py backup $(BACKUP_ARGS)

restore: db
	@if [ -z "$(FROM)" ]; then echo "usage: make restore FROM=var/backups/<folder> [FORCE=1]" >&2; exit 2; fi
	$(PY) manage.py restore "$(FROM)" $(if $(FORCE),--force)

stop:
	$(PY) -m icmd.localdb stop
