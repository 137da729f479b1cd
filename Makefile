# hrtech-gov: `make run` serves the demo (SQLite, eager Celery, console email); `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
AXE := node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 8000

# The embedded default: no services. Any of these can be overridden from the environment.
export DEBUG ?= true
export SECRET_KEY ?= dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz

.PHONY: sso-provider install run test test-fast lint format migrate seed bench stack check clean mutation messages

install: $(STAMP) $(AXE)
	@$(PY) scripts/compile_messages.py

# axe-core, for the browser tests' accessibility checks (npm; skipped where npm is absent, and
# then the browser tests skip too, unless REQUIRE_BROWSER makes them fail).
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $(AXE); \
	else echo "npm not found: the browser tests' accessibility checks cannot run"; fi

# Rebuilt only when pyproject.toml changes, so `make install` is instant when nothing did.
$(STAMP): pyproject.toml scripts/find-python.sh
	@set -e; \
	if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		interp=$$(scripts/find-python.sh); \
		echo "Creating $(VENV) with $$interp"; \
		rm -rf $(VENV); "$$interp" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install -q --disable-pip-version-check 'uv>=0.9,<1' 2>&1 | grep -v "is ignored" || true; \
	UV_PYTHON_DOWNLOADS=never $(VENV)/bin/uv pip install -q --python $(PY) -r pyproject.toml --extra dev; \
	touch $(STAMP)

# The Dutch and French catalogs (locale/): gather every marked string after a change, translate what
# is new in the .po files (tests/core/test_translations.py fails while any message lacks one).
messages: install
	$(PY) manage.py makemessages -l nl -l fr --no-location --no-obsolete \
		--ignore='.venv/*' --ignore='node_modules/*' --ignore='tests/*' --ignore='mutants/*' \
		--ignore='staticfiles/*' --ignore='bench/*'
	@$(PY) scripts/compile_messages.py

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Demo on http://$(HOST):$(PORT)/ — logins are in README.md (password: demo)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Single sign-on, tried locally: the tests' OpenID provider (django-oidc-provider, tests/oidc_idp/)
# on SSO_PORT with demo people in the demo mappings' groups (password: demo). Then, in another
# shell, `make run` with the OIDC_* variables it prints (README.md, "Single sign-on").
SSO_PORT ?= 8001
SSO_DIR := .sso-provider
sso-provider: install
	@mkdir -p $(SSO_DIR)
	@export DJANGO_SETTINGS_MODULE=tests.oidc_idp.settings IDP_DB=$(CURDIR)/$(SSO_DIR)/idp.sqlite3 \
		IDP_URL=http://$(HOST):$(SSO_PORT); \
	$(PY) -m tests.oidc_idp.control setup hrtech-gov demo-client-secret \
		http://$(HOST):$(PORT)/oidc/callback/ && \
	$(PY) -m tests.oidc_idp.control user sso.hr demo sso.hr@example.com hrtech-hr-reviewers && \
	$(PY) -m tests.oidc_idp.control user sso.it demo sso.it@example.com hrtech-it-reviewers && \
	$(PY) -m tests.oidc_idp.control user sso.cdo demo sso.cdo@example.com hrtech-cdo && \
	echo "Provider on http://$(HOST):$(SSO_PORT)/ (sso.hr, sso.it, sso.cdo; password: demo). Run:" && \
	echo "  OIDC_RP_CLIENT_ID=hrtech-gov OIDC_RP_CLIENT_SECRET=demo-client-secret \\" && \
	echo "  OIDC_OP_AUTHORIZATION_ENDPOINT=http://$(HOST):$(SSO_PORT)/openid/authorize \\" && \
	echo "  OIDC_OP_TOKEN_ENDPOINT=http://$(HOST):$(SSO_PORT)/openid/token \\" && \
	echo "  OIDC_OP_USER_ENDPOINT=http://$(HOST):$(SSO_PORT)/openid/userinfo \\" && \
	echo "  OIDC_OP_JWKS_ENDPOINT=http://$(HOST):$(SSO_PORT)/openid/jwks \\" && \
	echo "  OIDC_PROVIDER_NAME='the demo provider' make run" && \
	$(PY) -m django runserver $(HOST):$(SSO_PORT) --noreload

# The suite runs on DATABASE_URL (SQLite when unset).
# With a server database (CI), the suite runs as three processes side by side, so that both cores
# stay busy: the browser tests (Chromium, a live server) and the schema fuzzer on a test database
# and a Redis database of their own; the rest; and, on SQLite without services (the embedded
# default of `make run`), the fast suite, which alone runs the two permission matrices (every
# operation and page by every persona: they ask nothing of the database engine, and their 2,800
# tests balance the three). The logs of the two others follow the main one.
SQLITE_LOG := .test-sqlite.log
BROWSER_LOG := .test-browser.log
MATRICES := tests/api/test_permissions_matrix.py tests/decisions/test_browser_permissions.py
FUZZER := tests/api/test_schemathesis.py
test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	@sqlite_pid=; browser_pid=; main_args=; \
	if [ -n "$$DATABASE_URL" ] && [[ "$$DATABASE_URL" != sqlite* ]]; then \
		env -u DATABASE_URL -u REDIS_URL -u REQUIRE_POSTGRES -u REQUIRE_REDIS -u REQUIRE_CELERY \
			$(PY) -m pytest -m "not browser and not celery_worker and not postgres" \
			--ignore=$(FUZZER) -p no:cacheprovider -q --create-db > $(SQLITE_LOG) 2>&1 & sqlite_pid=$$!; \
		browser_redis=$$REDIS_URL; \
		if [[ "$$REDIS_URL" =~ ^(.*/)([0-9]+)$$ ]]; then \
			browser_redis="$${BASH_REMATCH[1]}$$(( BASH_REMATCH[2] + 1 ))"; \
		fi; \
		TEST_DB_SUFFIX=_browser REDIS_URL=$$browser_redis \
			$(PY) -m pytest tests/browser $(FUZZER) $(PYTEST_ARGS) > $(BROWSER_LOG) 2>&1 & browser_pid=$$!; \
		main_args="--ignore=tests/browser --ignore=$(FUZZER) $(addprefix --ignore=,$(MATRICES))"; \
	fi; \
	$(PY) -m pytest $$main_args $(PYTEST_ARGS); main_rc=$$?; \
	sqlite_rc=0; browser_rc=0; \
	if [ -n "$$browser_pid" ]; then \
		wait $$browser_pid; browser_rc=$$?; \
		echo "== the browser tests and the schema fuzzer (ran beside it) =="; \
		cat $(BROWSER_LOG); \
	fi; \
	if [ -n "$$sqlite_pid" ]; then \
		wait $$sqlite_pid; sqlite_rc=$$?; \
		echo "== the fast suite and the permission matrices on SQLite, without services (ran beside it) =="; \
		cat $(SQLITE_LOG); \
	fi; \
	exit $$(( main_rc || browser_rc || sqlite_rc ))

test-fast: install
	$(PY) -m pytest -m "not browser and not celery_worker" -q $(PYTEST_ARGS)

# Style and real bugs (ruff), the layers (import-linter: every import between apps points down,
# see docs/ARCHITECTURE.md) and types (mypy with django-stubs); .pre-commit-config.yaml runs the same.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py check

# web, worker and beat as local processes against PostgreSQL and Redis (the docker-compose stack).
stack: install
	bash scripts/stack.sh

# Page latency (and catalog sync throughput, bench/sync_bench.py) on a large PostgreSQL
# database, then the catalog sync job path at 200,000 items and the landscape's map and impact:
# figures in bench/results.json. BENCH_DATABASE_URL picks the database.
bench: install
	$(PY) bench/run.py
	$(PY) bench/job_bench.py
	$(PY) bench/landscape_bench.py
	$(PY) bench/usage_bench.py
	$(PY) bench/export_bench.py

# Only the catalog sync part of the bench (bench/run.py runs it too, after the pages).
.PHONY: bench-sync
bench-sync: install
	$(PY) bench/sync_bench.py

# Catalog sync jobs: ~200,000 items as one job through gunicorn and a Celery worker, against
# the COPY floor (bench/job_bench.py; figures under "sync_job" in bench/results.json).
.PHONY: bench-job
bench-job: install
	$(PY) bench/job_bench.py

# The landscape: the integration map and a removal's impact with 2,000 tools and 5,000
# integrations (bench/landscape_bench.py; figures under "landscape" in bench/results.json).
.PHONY: bench-landscape
bench-landscape: install
	$(PY) bench/landscape_bench.py

# Usage ingestion: 100,000 monthly rows through the usage service in batches, a first pass and
# a second, unchanged one (bench/usage_bench.py; figures under "usage" in bench/results.json).
.PHONY: bench-usage
bench-usage: install
	$(PY) bench/usage_bench.py

# The exports: the proposal list as CSV and as Excel, every one of BENCH_EXPORT_ROWS (100,000)
# proposals, time and the worker's peak memory (bench/export_bench.py; under "export").
.PHONY: bench-export
bench-export: install
	$(PY) bench/export_bench.py

# Mutation testing of the rule modules ([tool.mutmut] in pyproject.toml; docs/mutation.md):
# each mutant runs only the tests that called the function it changes, on SQLite, in
# MUTATION_JOBS parallel processes (each with its own test database). Not part of every CI run
# (slow); writes bench/mutation.json. `make mutation` starts afresh (mutants/ is rebuilt);
# `make mutation-rerun MUTANTS='decisions.rights.*'` keeps the results of the last run and
# checks again the mutants named (globs), or, without MUTANTS, those not checked yet.
MUTATION_JOBS ?= 2
MUTANTS ?=
MUTMUT := env -u DATABASE_URL -u REDIS_URL -u REQUIRE_POSTGRES -u REQUIRE_REDIS -u REQUIRE_CELERY \
	-u REQUIRE_BROWSER MUTATION_DB_SLOTS=1 TEST_DB_SUFFIX=_mutation PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	$(PY) bench/mutation_run.py

.PHONY: mutation-rerun
mutation: install
	rm -rf mutants
	$(MUTMUT) run --max-children $(MUTATION_JOBS)
	$(PY) bench/mutation_report.py

mutation-rerun: install
	$(MUTMUT) run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(PY) bench/mutation_report.py

clean:
	rm -rf mutants $(VENV) db.sqlite3 .pytest_cache .ruff_cache .mypy_cache .import_linter_cache staticfiles
