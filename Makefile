# The two commands a newcomer needs:  make run  and  make test  (see README.md).
# Each sets up what it needs by itself: the virtualenv with the pinned requirements, and for the
# browser tests Debian's chromium.

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Ensures make's shell sees the venv first, and that pytest never sees a stray broker variable
# (Celery reads CELERY_BROKER_URL from the environment before any setting: pinned in the test settings).
unexport CELERY_BROKER_URL

STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint format chromium clean-var

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

## make run: migrate, load demo data (once), then web + Celery worker + beat until Ctrl-C.
run: $(STAMP)
	python manage.py migrate --noinput -v0
	python manage.py seed_demo
	@echo
	@echo "  VoucherHub is starting at  http://127.0.0.1:$(PORT)/   (log in with a user above; Ctrl-C stops everything)"
	@echo
	@# honcho exits 130 after Ctrl-C has stopped every process: that is the normal way out, not an error.
	trap : INT; VOUCHERHUB_PORT=$(PORT) honcho start -f Procfile.dev || [ $$? -eq 130 ]

## make test: the whole suite (SQLite by default; DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis).
test: $(STAMP) chromium
	ruff check .
	lint-imports
	pytest -n 2 -q $(PYTEST_ARGS)

lint: $(STAMP)
	ruff check .
	lint-imports
	ruff format --check .

format: $(STAMP)
	ruff format .
	ruff check --fix .

## Debian's chromium for the Playwright tests (Playwright's own browser download does not work here).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests (apt-get)..."; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null; \
	else \
		echo "*** The browser tests need Chromium at /usr/bin/chromium and will be SKIPPED."; \
		echo "*** Install it with:  sudo apt-get install chromium fonts-liberation"; \
	fi

## Forget the embedded-default database, broker queue and export files (make run reloads demo data).
clean-var:
	rm -rf var
