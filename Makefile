# Wazi: every task is a target here; CI calls `make test` only.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
# Rasa 3.6's 2023-era dependencies print pages of deprecation warnings; they are not ours to fix.
RASA := PYTHONWARNINGS=ignore::DeprecationWarning SQLALCHEMY_SILENCE_UBER_WARNING=1 $(RASA_VENV)/bin/rasa
LOG_DIR := .cache/logs

export RASA_TELEMETRY_ENABLED := false
export WAZI_ACTIONS_PORT ?= 5055
export WAZI_NLG_PORT ?= 5056
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install install-browser install-nginx catalogs translations i18n-check db train run run-prod test lint unit validate conversations e2e lock nlu-report bench-loans bench-turns bench-load stock-assistant clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(VENV)/.installed $(RASA_VENV)/.installed ## Create both environments (fast when nothing changed)

$(VENV)/.installed: pyproject.toml requirements/app.lock
	@mkdir -p $(LOG_DIR)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing the project environment ($(VENV))..."
	@$(PY) -m pip install -q -c requirements/app.lock -e '.[dev]' > $(LOG_DIR)/pip-app.log 2>&1 \
		|| { grep -v '^WARNING: Location' $(LOG_DIR)/pip-app.log | tail -20; exit 1; }
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.lock
	@mkdir -p $(LOG_DIR)
	@test -x $(RASA_VENV)/bin/python || $(PYTHON) -m venv $(RASA_VENV)
	@echo "installing the Rasa environment ($(RASA_VENV), about 2 minutes the first time)..."
	@$(RASA_VENV)/bin/pip install -q --no-deps --ignore-requires-python -r requirements/rasa.lock \
		> $(LOG_DIR)/pip-rasa.log 2>&1 \
		|| { grep -v '^WARNING: Location' $(LOG_DIR)/pip-rasa.log | tail -20; exit 1; }
	@touch $@

install-browser: ## Install Debian's Chromium (browser tests), a Devanagari font (Hindi charts), espeak-ng and opus-tools (lessons as voice notes), once
	@mkdir -p $(LOG_DIR)
	@command -v chromium > /dev/null && dpkg -s fonts-lohit-deva > /dev/null 2>&1 \
		&& command -v espeak-ng > /dev/null && command -v opusenc > /dev/null || { \
		echo "installing chromium, fonts-lohit-deva, espeak-ng and opus-tools (Debian packages)..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		fonts-lohit-deva espeak-ng opus-tools) > $(LOG_DIR)/apt-chromium.log 2>&1 \
		|| { tail -20 $(LOG_DIR)/apt-chromium.log; exit 1; }; }

install-nginx: ## Install Debian's nginx (the production profile's load balancer), once
	@mkdir -p $(LOG_DIR)
	@command -v nginx > /dev/null || PATH="$$PATH:/usr/sbin" command -v nginx > /dev/null || { \
		echo "installing nginx-light (Debian package)..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) \
		> $(LOG_DIR)/apt-nginx.log 2>&1 || { tail -20 $(LOG_DIR)/apt-nginx.log; exit 1; }; }

lock: ## Re-pin the project environment after changing pyproject.toml
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip freeze --exclude-editable > requirements/app.lock

LANGS := sw fr es hi
MO_FILES := $(foreach l,$(LANGS),locales/$(l)/LC_MESSAGES/messages.mo)

catalogs: $(MO_FILES) ## Compile the translation catalogs (locales/*/LC_MESSAGES/messages.mo)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -D messages -i $< -o $@ 2>&1 | grep -v '^compiling catalog' || true
	@test -s $@

translations: install ## Re-extract messages.pot and merge it into every language's .po
	$(VENV)/bin/pybabel extract -F babel.cfg -o locales/messages.pot --no-location \
		--sort-output --add-comments=TRANSLATORS: --project=Wazi \
		--copyright-holder="Wazi contributors" .
	$(VENV)/bin/pybabel update -D messages -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete

i18n-check: install ## Fail on a message missing from a catalog, untranslated, fuzzy or broken
	@$(PY) -m bot.i18n_check

db: install ## Migrate and seed the demo database (SQLite by default)
	@$(VENV)/bin/wazi demo seed

train: install ## Train the Rasa model unless one for these inputs is cached in models/
	@$(PY) -m bot.training train

run: export WAZI_TODAY ?= 2026-11-25
# The adapters sign who is writing and the action server checks it: one secret per run unless set.
ifeq ($(strip $(WAZI_CHANNEL_SECRET)),)
run: export WAZI_CHANNEL_SECRET := $(shell $(PYTHON) -c "import secrets; print(secrets.token_hex(32))")
endif
ifeq ($(WAZI_PROFILE),production)
run: run-prod
else
run: install catalogs db train ## Run Wazi locally: Rasa, actions, web chat (+ Telegram/WhatsApp if set)
	@mkdir -p $(LOG_DIR)
	@$(PY) -m bot.procfile > $(LOG_DIR)/Procfile
	@echo "Demo mode: today is $$WAZI_TODAY (WAZI_TODAY). Starting $$(cut -d: -f1 $(LOG_DIR)/Procfile | paste -sd, -) (Rasa takes about 20 s)..."
	@WAZI_MODEL=$$($(PY) -m bot.training path) \
		$(VENV)/bin/honcho start -f $(LOG_DIR)/Procfile -d .
endif

# The production profile (docs/deployment.md): PostgreSQL for Wazi's data and Rasa's tracker
# store, Redis as the lock store, WAZI_RASA_REPLICAS Rasa servers and WAZI_ACTION_REPLICAS action
# servers and NLG endpoints behind nginx, the web app and any channel adapters.
PROD_DIR := .cache/prod
run-prod: export WAZI_PROFILE := production
run-prod: export WAZI_TODAY ?= 2026-11-25
run-prod: export WAZI_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/wazi
ifeq ($(strip $(WAZI_CHANNEL_SECRET)),)
run-prod: export WAZI_CHANNEL_SECRET := $(shell $(PYTHON) -c "import secrets; print(secrets.token_hex(32))")
endif
ifeq ($(strip $(WAZI_SECRET_KEY)),)
run-prod: export WAZI_SECRET_KEY := $(shell $(PYTHON) -c "import secrets; print(secrets.token_hex(32))")
endif
run-prod: install install-nginx catalogs train ## Run the production profile on this machine (local PostgreSQL and Redis)
	@$(PY) -m bot.production $(PROD_DIR)
	@$(VENV)/bin/wazi demo seed
	@echo "Demo mode: today is $$WAZI_TODAY. Starting $$(cut -d: -f1 $(PROD_DIR)/Procfile | paste -sd, -) (Rasa takes about 30 s)..."
	@WAZI_MODEL=$$($(PY) -m bot.training path) PATH="$$PATH:/usr/sbin" \
		$(VENV)/bin/honcho start -f $(PROD_DIR)/Procfile -d .

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

unit: install install-browser install-nginx catalogs ## Unit, data-layer (SQLite and PostgreSQL) and browser tests
	$(VENV)/bin/pytest -m "not e2e" --durations=15

# Rasa 3.6's --fail-on-warnings lets some warnings (unused intents, unknown utterances) pass,
# so bot/rasa_validate.py fails the target on any warning in its output (see that module).
validate: install ## rasa data validate: any error or warning fails
	@mkdir -p $(LOG_DIR)
	@$(RASA) data validate --data nlu_data --domain domain.yml --config config.yml \
		--fail-on-warnings > $(LOG_DIR)/validate.log 2>&1; status=$$?; \
	if [ $$status -ne 0 ] || ! $(PY) -m bot.rasa_validate $(LOG_DIR)/validate.log; then \
		grep -E -A1 "ERROR" $(LOG_DIR)/validate.log; \
		echo "rasa data validate: failed (log: $(LOG_DIR)/validate.log)"; exit 1; fi; \
	echo "rasa data validate: no errors, no warnings"

conversations: train ## Rasa conversation tests (tests/test_*.yml)
	@mkdir -p results
	$(RASA) test core --model $$($(PY) -m bot.training path) --stories tests \
		--fail-on-prediction-errors --out results/conversations --no-plot

e2e: train catalogs install-nginx ## End-to-end: real Rasa server and action server over HTTP
	$(VENV)/bin/pytest -m e2e --durations=15

# The model, then the benchmarks' stock assistant, train (CPU-bound) while the unit tests run (mostly
# waiting on browsers, databases and servers): two jobs side by side, each one's output printed
# whole when it ends.
test: lint i18n-check ## Everything CI runs
	@$(MAKE) --no-print-directory -j2 --output-sync=target unit train stock-assistant
	@$(MAKE) --no-print-directory validate conversations e2e

nlu-report: install ## Cross-validated intent F1 per language and intent -> reports/nlu-report.md
	$(PY) -m bot.nlu_report 5

bench-load: install install-nginx catalogs train ## Throughput, p50/p95/p99 and memory at 40 senders: local, production, stock rasa init (needs PostgreSQL, Redis)
	$(PY) bench/load.py

stock-assistant: install ## Make the benchmarks' stock `rasa init` assistant unless cached in .cache/bench/
	$(PY) bench/turns.py --make-stock

bench-loans: install ## Print the loan engine's speed (target: under 1 ms a loan)
	$(PY) bench/loans.py

bench-turns: install catalogs train ## Print turn latency, Wazi vs a stock `rasa init` bot (target: p95 ratio <= 1.3)
	$(PY) bench/turns.py

clean: ## Remove environments, models, caches and the local database
	rm -rf $(VENV) $(RASA_VENV) models data .cache results .pytest_cache .ruff_cache
