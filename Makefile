# The two commands of the README: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint format messages serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip "setuptools<81" wheel
	# XStatic-Bootstrap ships only an sdist whose setup still imports pkg_resources.
	$(PIP) install -q --no-build-isolation "XStatic-Bootstrap>=5.3"
	$(PIP) install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_paper_dataset
	$(PY) manage.py seed_demo_weighting
	$(PY) manage.py demo_accounts
	@echo "Saualnama is at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

# In parallel (pytest-xdist), a test file per worker at a time so that a file's module-wide
# fixtures (the seeded 2022 survey) are built once; at most 4 workers, each with its own test
# database and Redis databases (tests/redis_dbs.py). `make test PYTEST_ARGS=-n0` runs serially.
PYTEST_ARGS ?= -n auto --maxprocesses=4 --dist loadfile
test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerate and compile the catalogues (needs GNU gettext); the .mo files are committed.
messages: install
	$(PY) manage.py makemessages -l kk -l ru --no-obsolete --ignore=.venv --ignore=bench --ignore=tests --ignore=test-results --ignore=test-output
	$(PY) manage.py compilemessages -l kk -l ru --ignore=.venv

# Speed and memory benchmarks on PostgreSQL, not part of `make test` (bench/README.md).
# `make bench SIZES=10000,100000` runs fewer sizes.
bench: install
	$(PY) bench/run.py $(if $(SIZES),--sizes $(SIZES)) $(if $(QUICK),--quick)

# 200 respondents at once through gunicorn for 60 s on PostgreSQL, then a check of every response
# (bench/LOAD.md). `make load RESPONDENTS=50 DURATION=20` for a shorter run.
.PHONY: load
load: install
	$(PY) bench/load.py $(if $(RESPONDENTS),--respondents $(RESPONDENTS)) $(if $(DURATION),--duration $(DURATION))

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
