# One command to run the service, one to run the tests. Both set themselves up from a clean clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-pgbouncer install chromium pgbouncer i18n bench screenshots clean

run: $(STAMP)
	$(BIN)/yibao migrate
	$(BIN)/yibao import-parameters backend/data/policy_samples.json
	$(BIN)/yibao seed-demo
	$(BIN)/yibao serve --host $(HOST) --port $(PORT)

test: $(STAMP) chromium pgbouncer
	$(BIN)/ruff check backend web tests bench migrations/env.py
	$(BIN)/lint-imports
	$(BIN)/pytest
ifeq ($(CI),true)
	$(MAKE) test-pgbouncer
endif

# The PostgreSQL storage and API tests once more, through pgbouncer in transaction pooling mode, which the
# fixtures start on a free port (docs/scaling.md). CI runs it after the suite.
test-pgbouncer: $(STAMP) pgbouncer
	YIBAO_PGBOUNCER=1 $(BIN)/pytest tests -k postgresql -m "not browser and not load" -q

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
