# The two commands are `make run` and `make test`; see README.md.
# pyenv picks Python 3.12 through .python-version; PYTHON=... overrides.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1
# make serve: debug off, plain HTTP on 127.0.0.1 (DJANGO_HTTPS=0: no redirect to HTTPS, no HSTS,
# no secure-only cookies), and one secret key for every worker, made once into a local file.
WORKERS ?= 3
SERVE_KEY_FILE := .serve-secret-key
SERVE_ENV = DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SERVE_KEY_FILE))}"
# The tools (tools/README.md: corpus, bench, bench_import, loadtest, drills) are not part of the app:
# packages of their own, run with the app's Python and settings.
TOOL = PYTHONPATH=tools $(BIN)/python -m

.PHONY: run serve serve-nginx db test test-all lint check pytest pytest-all clean bench side-by-side backup restore \
  loadtest drills

# The venv and its packages: uv (pinned, from PyPI) installs the requirements in a few seconds, so the venv is made
# without pip and this Python's own pip puts uv into it. Where uv cannot be had (no pip here, or an old one, or
# no PyPI), the venv gets pip and pip installs them, slower. Both say what they install as they go.
UV_VERSION := 0.13.10
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "This project needs Python 3.12 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Install Python 3.12+ (e.g. 'pyenv install 3.12', which .python-version then selects)"; \
	  echo "or run 'make PYTHON=/path/to/python3.12 ...'."; exit 1; }
	$(PYTHON) -m venv --without-pip $(VENV)
	@$(PYTHON) -m pip --python $(BIN)/python install --disable-pip-version-check uv==$(UV_VERSION) || { \
	  echo "uv could not be installed: the requirements are installed with pip instead (slower)."; \
	  $(BIN)/python -m ensurepip --upgrade --default-pip; }

# $(call install,FILE): FILE's requirements into the venv, with uv if it is there, else with pip. uv compiles
# them to bytecode as pip does, once, rather than every process that imports them doing it again.
install = @if [ -x $(BIN)/uv ]; then set -x; $(BIN)/uv pip install --compile-bytecode --python $(BIN)/python -r $(1); \
  else set -x; $(BIN)/python -m pip install --disable-pip-version-check -r $(1); fi

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(call install,requirements.txt)
	touch $@

$(VENV)/.installed-test: requirements.txt tests/requirements.txt | $(BIN)/python
	$(call install,tests/requirements.txt)
	touch $@ $(VENV)/.installed-run

# The database that make run and make serve share: migrated, with the demo archive loaded.
db: $(VENV)/.installed-run
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	@# migrate has just run the system checks on the same code and settings.
	$(DEV_ENV) $(BIN)/python manage.py load_demo --skip-checks
	@# Each published document gets its first public version (docs/history.md).
	$(DEV_ENV) $(BIN)/python manage.py number_versions --skip-checks

run: db
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

$(SERVE_KEY_FILE): | $(BIN)/python
	umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# Production-like: gunicorn with several workers, static files collected under hashed names and
# served by whitenoise (docs/deployment.md).
serve: db $(SERVE_KEY_FILE)
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(SERVE_ENV) $(BIN)/gunicorn archive_project.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) \
	  --access-logfile -

# The same behind nginx, as in production (docs/deployment.md, "Behind nginx"): Debian's nginx on
# 127.0.0.1:$(PORT) with docs/nginx/archive.conf, gunicorn on a loopback port behind it. nginx buffers
# whole requests and answers, so slow clients cannot hold gunicorn's few workers, and sends uploads
# once Django has said yes (serve_nginx sets DJANGO_MEDIA_ACCEL_REDIRECT and DJANGO_SCAN_ACCEL_REDIRECT).
serve-nginx: db $(SERVE_KEY_FILE)
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(SERVE_ENV) $(BIN)/python manage.py serve_nginx --port $(PORT) --workers $(WORKERS)

# make backup [BACKUP=path]: the database and media in one zip, by default backups/archive-<UTC time>.zip.
backup: $(VENV)/.installed-run
	$(BIN)/python manage.py backup_archive $(BACKUP)

# make restore BACKUP=path: into an empty database migrated by the same release (docs/backup.md).
# Not after db: load_demo would make the database non-empty.
restore: $(VENV)/.installed-run
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/archive-....zip"; exit 2; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py restore_archive $(BACKUP)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(VENV)/.installed-test
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

# One test process per core (pytest-xdist); PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= auto
# axe-core for the accessibility tests (tests/browser/), from the npm registry when npm is here.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --ignore-scripts --no-audit --no-fund; \
	else echo "npm not found: the accessibility tests will fail until axe-core is installed (npm ci), or set ARCHIVE_BROWSER_TESTS=0"; fi

# The slowest tests are named at the end of every run, so that a slow one is seen when it comes in.
PYTEST = $(BIN)/pytest -n $(PYTEST_WORKERS) --cov=documents --cov=archive_project --cov-report=term:skip-covered \
  --durations=15
# The unit tests: everything but the tests that start servers and processes (tests/integration/), drive a
# browser (tests/browser/) or test the tools (tools/); tests/conftest.py marks them by folder.
UNIT_TESTS := not integration and not browser and not tooling

pytest: $(VENV)/.installed-test
	$(PYTEST) -m "$(UNIT_TESTS)" $(PYTEST_ARGS)

pytest-all: $(VENV)/.installed-test node_modules/.package-lock.json
	$(PYTEST) $(PYTEST_ARGS)

# make test: the gates and the unit tests, in a few minutes; make test-all (and .ci/run): the gates and every test.
test: lint check pytest
test-all: lint check pytest-all

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm db.sqlite3.search-index .db.sqlite3.search-index.lock media staticfiles .coverage $(SERVE_KEY_FILE) tools/.venv-bench

# Benchmarks (docs/benchmarks.md): a synthetic corpus in a SQLite file and another in a PostgreSQL
# database, each made once by tools/corpus/ (the 1,000,000-document one takes about half an hour),
# then timed by tools/bench/. For a quick run: make bench BENCH_SQLITE_DOCS=10000 BENCH_PG_DOCS=20000;
# BENCH_PG_DOCS=0 skips PostgreSQL. Another seed needs another file and database name.
BENCH_SEED ?= 1
BENCH_SQLITE_DOCS ?= 100000
BENCH_PG_DOCS ?= 1000000
BENCH_SQLITE_FILE ?= bench-$(BENCH_SQLITE_DOCS).sqlite3
ifeq ($(BENCH_PG_DOCS),1000000)
BENCH_PG_DB ?= archive_bench
else
BENCH_PG_DB ?= archive_bench_$(BENCH_PG_DOCS)
endif
BENCH_PG_HOST ?= 127.0.0.1
BENCH_PG_PORT ?= 5432
BENCH_ARGS ?=
BENCH_SQLITE_URL := sqlite:///$(BENCH_SQLITE_FILE)
BENCH_PG_URL := postgres://$(BENCH_PG_HOST):$(BENCH_PG_PORT)/$(BENCH_PG_DB)
# Production settings (debug off, hashed static files) over the test client's plain HTTP.
BENCH_ENV := DJANGO_DEBUG=0 DJANGO_HTTPS=0

bench: $(VENV)/.installed-run
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	DATABASE_URL=$(BENCH_SQLITE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_SQLITE_URL) $(TOOL) corpus --if-missing \
	  --documents $(BENCH_SQLITE_DOCS) --seed $(BENCH_SEED)
	$(BENCH_ENV) DATABASE_URL=$(BENCH_SQLITE_URL) $(TOOL) bench $(BENCH_ARGS)
	$(SIDE_BY_SIDE)
ifneq ($(BENCH_PG_DOCS),0)
	@psql -h $(BENCH_PG_HOST) -p $(BENCH_PG_PORT) -d postgres -tAc \
	  "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_PG_DB)'" | grep -q 1 \
	  || createdb -h $(BENCH_PG_HOST) -p $(BENCH_PG_PORT) $(BENCH_PG_DB)
	DATABASE_URL=$(BENCH_PG_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_PG_URL) $(TOOL) corpus --if-missing \
	  --documents $(BENCH_PG_DOCS) --seed $(BENCH_SEED)
	$(BENCH_ENV) DATABASE_URL=$(BENCH_PG_URL) $(TOOL) bench $(BENCH_ARGS)
endif

# Side by side with Datasette (docs/benchmarks.md, tools/side_by_side/): the SQLite corpus served by our app
# (gunicorn) and, from a copy with its own FTS5 table, by Datasette, pinned in tools/requirements-bench.txt
# and installed into tools/.venv-bench (never into the app's requirements); the same pages asked of both,
# interleaved, at each of SIDE_BY_SIDE_CLIENTS. make bench runs it after the SQLite timing; alone:
# make side-by-side BENCH_SQLITE_DOCS=20000. SIDE_BY_SIDE_ARGS="--requests 60 --budget 120 ..." for more
# (PYTHONPATH=tools tools/.venv-bench/bin/python -m side_by_side --help).
BENCH_VENV := tools/.venv-bench
SIDE_BY_SIDE_CLIENTS ?= 1 8
SIDE_BY_SIDE_ARGS ?=
SIDE_BY_SIDE = PYTHONPATH=tools $(BENCH_VENV)/bin/python -m side_by_side --sqlite $(BENCH_SQLITE_FILE) \
  --app-python $(BIN)/python --clients $(SIDE_BY_SIDE_CLIENTS) $(SIDE_BY_SIDE_ARGS)

$(BENCH_VENV)/.installed: tools/requirements-bench.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r tools/requirements-bench.txt
	touch $@

bench: $(BENCH_VENV)/.installed

side-by-side: $(VENV)/.installed-run $(BENCH_VENV)/.installed
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	DATABASE_URL=$(BENCH_SQLITE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_SQLITE_URL) $(TOOL) corpus --if-missing \
	  --documents $(BENCH_SQLITE_DOCS) --seed $(BENCH_SEED)
	$(SIDE_BY_SIDE)

# Load test (docs/benchmarks.md, "Load test"): gunicorn on 127.0.0.1 over a 100,000-document corpus in
# PostgreSQL (made once, a few minutes), with Redis as the shared cache (database 2, emptied first),
# driven by readers at each of LOADTEST_CLIENTS for LOADTEST_SECONDS while a curator edits through the
# API (tools/loadtest/). Fails on any error or lost edit. Quick run:
# make loadtest LOADTEST_CLIENTS="4 8" LOADTEST_SECONDS=10. Workers default to (2 × cores) + 1.
LOADTEST_DOCS ?= 100000
LOADTEST_SEED ?= 1
LOADTEST_CLIENTS ?= 16 64
LOADTEST_SECONDS ?= 60
LOADTEST_WARMUP ?= 15
LOADTEST_WORKERS ?=
ifeq ($(LOADTEST_DOCS),100000)
LOADTEST_DB ?= archive_loadtest
else
LOADTEST_DB ?= archive_loadtest_$(LOADTEST_DOCS)
endif
LOADTEST_REDIS_URL ?= redis://127.0.0.1:6379/2
LOADTEST_ENV = $(SERVE_ENV) DATABASE_URL=postgres://$(BENCH_PG_HOST):$(BENCH_PG_PORT)/$(LOADTEST_DB) \
  REDIS_URL=$(LOADTEST_REDIS_URL)

loadtest: $(VENV)/.installed-run $(SERVE_KEY_FILE)
	@psql -h $(BENCH_PG_HOST) -p $(BENCH_PG_PORT) -d postgres -tAc \
	  "SELECT 1 FROM pg_database WHERE datname = '$(LOADTEST_DB)'" | grep -q 1 \
	  || createdb -h $(BENCH_PG_HOST) -p $(BENCH_PG_PORT) $(LOADTEST_DB)
	$(LOADTEST_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(LOADTEST_ENV) $(TOOL) corpus --if-missing \
	  --documents $(LOADTEST_DOCS) --seed $(LOADTEST_SEED)
	$(LOADTEST_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(LOADTEST_ENV) $(TOOL) loadtest --flush-cache --clients $(LOADTEST_CLIENTS) \
	  --seconds $(LOADTEST_SECONDS) --warmup $(LOADTEST_WARMUP) $(if $(LOADTEST_WORKERS),--workers $(LOADTEST_WORKERS))

# Fault drills (docs/reliability.md): PostgreSQL restarted, frozen, and its backends killed mid-save (at a
# chosen moment and at random ones), the media disk full, Redis stopped, SQLite under several workers, slow
# clients against gunicorn alone and behind nginx, each against servers of the drills' own (a private
# PostgreSQL cluster, redis-server and nginx on free ports, a tmpfs, which needs root); writes the results
# into docs/reliability.md and cleans up whether it passes or fails. DRILLS="postgres-restart ..." for some.
# Code in tools/drills/.
DRILLS ?=
drills: $(VENV)/.installed-run
	$(TOOL) drills $(DRILLS)
