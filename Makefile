# Hài Lòng — developer commands. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small
LOCALE := survey_api/locale

.PHONY: help install run serve migrate demo test test-pg lint check docs-access fmt messages bench bench-ingest bench-writers bench-reports browser clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its development tools

migrate: $(STAMP) ## Apply database migrations (SQLite file under var/ unless SURVEY_DATABASE_URL is set)
	$(BIN)/survey-api db upgrade

demo: migrate ## Load the Cà Mau demo province (idempotent)
	$(BIN)/survey-api demo

run: migrate ## Install, migrate, load the demo if the database is empty, and serve on http://127.0.0.1:8000
	$(BIN)/survey-api demo --if-empty
	$(BIN)/survey-api serve --host $(HOST) --port $(PORT)

serve: $(STAMP) ## Serve without migrating or loading anything
	$(BIN)/survey-api serve --host $(HOST) --port $(PORT)

browser: ## Install Debian's Chromium for the browser tests when it is missing (needs root and apt-get)
	@bash tests/e2e/ensure-chromium.sh

test: $(STAMP) browser ## Run the whole suite (browser tests included when Chromium is available)
	$(BIN)/pytest

test-pg: $(STAMP) browser ## Run the whole suite on the local PostgreSQL (database 'test')
	SURVEY_TEST_DATABASE_URL=$${SURVEY_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} $(BIN)/pytest

lint: $(STAMP) ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: $(STAMP) ## The API against its OpenAPI schema: schemathesis on a throwaway app, as admin, kiosk and integration
	bash tests/contract/run-schemathesis.sh

docs-access: $(STAMP) ## Write the access table of docs/security.md from tests/access_rules.py
	$(BIN)/python -m tests.access_rules

fmt: $(STAMP) ## Format and fix what ruff can fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP) ## Extract the message keys into messages.pot and update every language's messages.po
	$(BIN)/pybabel extract -F babel.cfg -k t -k translate -k N_ --add-location=file --sort-output -w 120 \
		--project "Hài Lòng" --version 0.1.0 -o $(LOCALE)/messages.pot survey_api kiosk dashboard
	$(BIN)/python -m survey_api.i18n_tools $(LOCALE)
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages --no-fuzzy-matching -w 120

bench: $(STAMP) ## Run every benchmark (SCALE=small|full); fails if a target is missed
	@status=0; \
	$(BIN)/python bench/ingest.py || status=1; \
	$(BIN)/python bench/writers.py || status=1; \
	$(BIN)/python bench/reports.py --scale $(SCALE) || status=1; \
	exit $$status

bench-ingest: $(STAMP) ## Ingest benchmark: durable ratings/s against the framework's ceiling
	$(BIN)/python bench/ingest.py

bench-writers: $(STAMP) ## 32 clients writing dossier events and phone ratings at once: no 5xx, nothing lost
	$(BIN)/python bench/writers.py

bench-reports: $(STAMP) ## Report benchmark at SCALE=small|full
	$(BIN)/python bench/reports.py --scale $(SCALE)

clean: ## Remove the virtual environment and local data (var/)
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
