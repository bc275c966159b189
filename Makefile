# The two commands are `make run` and `make test`; see README.md.
# pyenv picks Python 3.12 through .python-version; PYTHON=... overrides.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run test lint check pytest clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "This project needs Python 3.12 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Install Python 3.12+ (e.g. 'pyenv install 3.12', which .python-version then selects)"; \
	  echo "or run 'make PYTHON=/path/to/python3.12 ...'."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt tests/requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r tests/requirements.txt
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py load_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(VENV)/.installed-test
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: $(VENV)/.installed-test
	$(BIN)/pytest --cov=documents --cov=archive_project --cov-report=term:skip-covered $(PYTEST_ARGS)

test: lint check pytest

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .coverage

# Benchmarks (docs/benchmarks.md): a synthetic corpus in a SQLite file and another in a PostgreSQL
# database, each made once by generate_corpus (the 1,000,000-document one takes about half an hour),
# then timed by run_benchmarks. For a quick run: make bench BENCH_SQLITE_DOCS=10000 BENCH_PG_DOCS=20000;
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

bench: $(VENV)/.installed-run
	DATABASE_URL=$(BENCH_SQLITE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_SQLITE_URL) $(BIN)/python manage.py generate_corpus --if-missing \
	  --documents $(BENCH_SQLITE_DOCS) --seed $(BENCH_SEED)
	DATABASE_URL=$(BENCH_SQLITE_URL) $(BIN)/python manage.py run_benchmarks $(BENCH_ARGS)
ifneq ($(BENCH_PG_DOCS),0)
	@psql -h $(BENCH_PG_HOST) -p $(BENCH_PG_PORT) -d postgres -tAc \
	  "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_PG_DB)'" | grep -q 1 \
	  || createdb -h $(BENCH_PG_HOST) -p $(BENCH_PG_PORT) $(BENCH_PG_DB)
	DATABASE_URL=$(BENCH_PG_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_PG_URL) $(BIN)/python manage.py generate_corpus --if-missing \
	  --documents $(BENCH_PG_DOCS) --seed $(BENCH_SEED)
	DATABASE_URL=$(BENCH_PG_URL) $(BIN)/python manage.py run_benchmarks $(BENCH_ARGS)
endif
