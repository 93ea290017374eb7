# The two commands of README.md: `make demo`, `make test`.
PYTHON := .venv/bin/python
MANAGE := $(PYTHON) example_site/manage.py
# Where `make demo` serves the example site (portal_demo prints its links there).
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: demo test wheel lint format test-unit test-repeat test-oldest test-integration coverage install system-deps messages browser-tools screenshots

install:
	@scripts/bootstrap.sh

system-deps:
	@scripts/system-deps.sh

# Compiles the French catalogue when there is one (the .mo files are not in git).
# (DEMO=1: compiling needs no secret; the example site refuses to start without one.)
messages: install
	@if ls aquatiris_portal/locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		cd aquatiris_portal && DEMO=1 ../$(PYTHON) ../example_site/manage.py compilemessages -v0 -l fr; fi

## Demo: example site on SQLite, local private files, in-process jobs,
## emails printed in the terminal; http://127.0.0.1:8000. DEMO=1 tells the
## example site it is a demo: DEBUG on and a published SECRET_KEY (never on a
## reachable server). Without it the site refuses to start with no SECRET_KEY.
demo: export DEMO := 1
demo: install
	@command -v msgfmt >/dev/null && $(MAKE) -s messages || true
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) portal_demo --base-url http://$(DEMO_ADDR)
	$(MANAGE) runserver --noreload $(DEMO_ADDR)

## The package's wheel into dist/ (docs/install.md, "Installing into an existing Wagtail
## site"): built in a temporary copy of the tree, fails on a setuptools warning.
wheel:
	@scripts/build-wheel.sh dist

## The whole suite: unit tests (SQLite) on the newest supported pair, the
## property tests again with Hypothesis's "deep" profile (tests/conftest.py),
## the unit tests on the oldest pair (test-oldest), then integration tests on the real stack
## (PostgreSQL, Redis, SeaweedFS, SMTP sink, Chromium) on loopback.
test: system-deps install messages browser-tools
	$(if $(LINTED),,$(MAKE) --no-print-directory lint)
	$(PYTHON) -m pytest tests/unit
	$(PYTHON) -m pytest tests/unit -q -p no:cacheprovider -m properties --hypothesis-profile=deep
	$(MAKE) --no-print-directory test-oldest
	$(PYTHON) -m pytest tests/integration -p no:cacheprovider -v
# (pytest exits 5 when it collects no test: make fails then, on purpose.)

## Style and static checks, fast, before any test (configuration in
## pyproject.toml): ruff's rules, ruff's format, djLint's rules on the templates, the
## rooms' import contract (.importlinter; docs/architecture.md), no import
## cycle at all (counting imports inside functions), mypy on the seams.
## `make format` applies what can be applied automatically.
TEMPLATES := aquatiris_portal/templates example_site/templates
lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/djlint $(TEMPLATES) --lint
	.venv/bin/lint-imports --no-cache
	$(PYTHON) scripts/import_cycles.py
	.venv/bin/mypy

format: install
	@scripts/tidy_tree.sh

test-unit: install
	$(PYTHON) -m pytest tests/unit

## The unit suite N times in a row (default 10), stopping at the first red
## run: a flaky test shows here before it refuses a submission.
REPEAT ?= 10
test-repeat: install
	@for run in $$(seq 1 $(REPEAT)); do \
		echo "== unit run $$run/$(REPEAT)"; \
		$(PYTHON) -m pytest tests/unit -q -p no:cacheprovider || exit 1; \
	done

## The unit suite on Python 3.11 with Django 5.2 LTS and Wagtail 7.4 LTS
## (second venv .venv-oldest; every other dependency at the release series of
## its lower bound in setup.cfg: scripts/oldest_constraints.py).
test-oldest:
	@scripts/bootstrap-oldest.sh
	.venv-oldest/bin/python -m pytest tests/unit -p no:cacheprovider -q

## Unit suite under coverage.py (branch mode), per-module figures.
coverage: install
	$(PYTHON) -m coverage erase
	$(PYTHON) -m coverage run -m pytest tests/unit -p no:cacheprovider -q
	$(PYTHON) -m coverage report

test-integration: system-deps install browser-tools
	$(PYTHON) -m pytest tests/integration -p no:cacheprovider -v

## Refresh the committed screenshots under docs/screenshots/ (browser tests).
screenshots: system-deps install browser-tools
	PORTAL_UPDATE_SCREENSHOTS=1 $(PYTHON) -m pytest tests/integration -p no:cacheprovider -k "browser or chromium"

## axe-core (npm, pinned in package-lock.json) for tests/integration/test_a11y.py
browser-tools:
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	@npm ci --no-audit --no-fund --omit=dev --loglevel=error
