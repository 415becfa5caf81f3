# IMT Registry: everyday commands. `make demo` serves the demo; `make test` runs the suite on PostgreSQL;
# `make lint` checks style, complexity and the import contracts (all settings in pyproject.toml).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEMO := DJANGO_SETTINGS_MODULE=config.settings.demo
DEMO_PATIENTS ?= 500
DEMO_SEED ?= 20260101
DEMO_AS_OF ?= 2026-11-01
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/imt_registry

.PHONY: install demo demo-data test lint check bench bench-quick clean

$(VENV)/.installed: requirements/lock.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/lock.txt
	touch $@

install: $(VENV)/.installed

demo-data: install
	rm -f demo.sqlite3
	$(DEMO) $(PY) manage.py migrate --verbosity 0
	$(DEMO) $(PY) manage.py generate_cohort --patients $(DEMO_PATIENTS) --seed $(DEMO_SEED) --as-of $(DEMO_AS_OF)
	$(DEMO) $(PY) manage.py refresh_findings --as-of $(DEMO_AS_OF)
	$(DEMO) $(PY) manage.py refresh_surveillance --as-of $(DEMO_AS_OF)
	$(DEMO) $(PY) manage.py create_demo_users

demo: demo-data
	@echo "Serving the demo on http://127.0.0.1:8000 (admin at /admin/, API docs at /api/docs/)"
	$(DEMO) $(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

bench: install
	$(PY) -m bench --patients 100000

bench-quick: install
	$(PY) -m bench --patients 10000

clean:
	rm -rf $(VENV) demo.sqlite3
