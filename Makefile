# The two commands of the README: `make demo` and `make test`. Both bootstrap what they need.
.DEFAULT_GOAL := help
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PORT ?= 8000
# The PostgreSQL the suite runs against a second time (Django creates and drops test_<name>).
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/ketaclinic
PYTEST := $(UV) run --frozen pytest

.PHONY: help bootstrap demo test lint typecheck test-sqlite test-postgres test-browser bench

help:
	@echo "make demo   - install, migrate, load demo data once, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - ruff, mypy, tests on SQLite, tests on PostgreSQL, browser tests in Chromium"
	@echo "make bench  - benchmarks under benchmarks/ (JSON results in benchmarks/results/)"

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

demo: bootstrap
	PORT=$(PORT) $(UV) run --frozen ketaclinic demo

lint: bootstrap
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: bootstrap
	$(UV) run --frozen mypy ketaclinic tests benchmarks

test-sqlite: bootstrap
	env -u DATABASE_URL KETACLINIC_EXPECT_DB=sqlite $(PYTEST) -m "not browser" -p no:cacheprovider

test-postgres: bootstrap
	DATABASE_URL=$(TEST_POSTGRES_URL) KETACLINIC_EXPECT_DB=postgresql $(PYTEST) -m "not browser" -p no:cacheprovider

test-browser: bootstrap
	env -u DATABASE_URL KETACLINIC_EXPECT_DB=sqlite $(PYTEST) -m browser -p no:cacheprovider

test: lint typecheck test-sqlite test-postgres test-browser

bench: bootstrap
	$(UV) run --frozen python benchmarks/seed_benchmark.py

# Cohort analytics at tier M (10,000 patients, a year of check-ins) on PostgreSQL: seeds the
# dedicated database kc_bench_m once (reused after), writes benchmarks/results/outcomes-*.json.
.PHONY: bench-outcomes
bench-outcomes: bootstrap
	$(UV) run --frozen python benchmarks/outcomes_benchmark.py
