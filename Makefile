# One command to run the service, one to run the tests. Both set themselves up from a clean clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest-xdist processes for the suite (docs/testing.md has what they gain on two cores)
TEST_WORKERS ?= 2

.PHONY: run test test-pgbouncer coverage install chromium pgbouncer i18n bench screenshots clean

run: $(STAMP)
	$(BIN)/yibao migrate
	$(BIN)/yibao import-parameters backend/data/policy_samples.json
	$(BIN)/yibao import-catalogue backend/data/catalogue_samples.csv
	$(BIN)/yibao seed-demo
	$(BIN)/yibao serve --host $(HOST) --port $(PORT)

# The suite in three runs (docs/testing.md): everything but the load tests, the load and kill tests alone
# (they measure a served app and want the machine to themselves), and under CI the pooler run.
test: $(STAMP) chromium pgbouncer
	$(BIN)/ruff check backend web tests bench migrations/env.py
	$(BIN)/lint-imports
	$(BIN)/pytest -m "not load" -n $(TEST_WORKERS) --durations=25
	$(BIN)/pytest -m load --durations=5
ifeq ($(CI),true)
	$(MAKE) test-pgbouncer
endif

# What a transaction-mode pooler can break (prepared statements, sessions, settle, concurrency: the tests
# marked `pooler`), once more on PostgreSQL through pgbouncer, which the fixtures start on a free port
# (docs/scaling.md). CI runs it after the suite.
test-pgbouncer: $(STAMP) pgbouncer
	YIBAO_PGBOUNCER=1 $(BIN)/pytest tests -m "pooler and not browser and not load" -q --durations=10

# Line and branch coverage of backend/ and web/ by database (docs/testing.md): the tests that need no
# database, then the SQLite and the PostgreSQL items; reports for SQLite, PostgreSQL and both.
COVERAGE := $(BIN)/coverage
COVDIR   := var/coverage
coverage: $(STAMP)
	rm -rf $(COVDIR) && mkdir -p $(COVDIR)
	COVERAGE_FILE=$(COVDIR)/nodb $(COVERAGE) run -m pytest -m "not load" -k "not sqlite and not postgresql" -q
	COVERAGE_FILE=$(COVDIR)/sqlite $(COVERAGE) run -m pytest -m "not load" -k sqlite -q
	COVERAGE_FILE=$(COVDIR)/postgresql $(COVERAGE) run -m pytest -m "not load" -k postgresql -q
	$(BIN)/python -m tests.coverage_summary sqlite=$(COVDIR)/nodb+$(COVDIR)/sqlite \
	  postgresql=$(COVDIR)/nodb+$(COVDIR)/postgresql both=$(COVDIR)/nodb+$(COVDIR)/sqlite+$(COVDIR)/postgresql

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Browser tests drive Debian's Chromium (Playwright's own browser downloads are not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

pgbouncer:
	@test -x /usr/sbin/pgbouncer || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q pgbouncer; }

# Refresh the zh_CN catalog from the code and templates (then translate the new entries).
i18n: $(STAMP)
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Plural:1,2 -o var/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i var/messages.pot -d backend/locale -l zh_CN --no-fuzzy-matching --ignore-obsolete

bench: $(STAMP)
	$(BIN)/python bench/report.py

# Re-take the screenshots in docs/guide/img from the browser tests (needs CJK fonts: fonts-noto-cjk).
screenshots: $(STAMP) chromium
	YIBAO_SCREENSHOTS=docs/guide/img $(BIN)/pytest tests/browser -k "not postgresql" -q

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
