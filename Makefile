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

.PHONY: run test lint format chromium haproxy js-sdk clean-var

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
test: $(STAMP) chromium haproxy js-sdk
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

## The platform's JavaScript SDK (npm @voucherify/sdk, pinned in tests/e2e/js/package-lock.json) for the
## JavaScript checkout test; without node and npm that test is SKIPPED, saying how to install them.
JS_SDK := tests/e2e/js/node_modules/@voucherify/sdk/package.json
js-sdk:
	@if [ -f $(JS_SDK) ]; then :; \
	elif command -v npm >/dev/null; then \
		echo "Installing the JavaScript SDK for its test (npm ci in tests/e2e/js)..."; \
		cd tests/e2e/js && npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "*** The JavaScript SDK test needs node and npm and will be SKIPPED."; \
		echo "*** Install them (Debian: sudo apt-get install nodejs npm), then: make js-sdk"; \
	fi

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

## Debian's haproxy, the load balancer of the several-machines test (tests/voucherhub/test_several_machines.py,
## which also needs root for its network namespaces).
haproxy:
	@if [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's haproxy for the several-machines test (apt-get)..."; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null 2>&1 || \
		{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; }; \
	else \
		echo "*** The several-machines test needs root and haproxy and will be SKIPPED."; \
		echo "*** Install it with:  sudo apt-get install haproxy  (and run the tests as root)"; \
	fi

## Forget the embedded-default database, broker queue and export files (make run reloads demo data).
clean-var:
	rm -rf var
