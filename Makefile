# The README's commands. `make run` runs the product on embedded defaults; `make test` passes the tests on the
# real parts (PostgreSQL, Redis, Chromium), installing what is missing first; `make test-quick` runs the unit and
# backend tests alone (PostgreSQL and Redis, no live stack, no browser), for the inner loop.
SHELL := /bin/bash
VENV := .venv/bin
# The real parts the tests and benchmarks run on (scripts/services.sh starts them on loopback).
TEST_ENV := DATABASE_URL=$${TEST_DATABASE_URL:-postgres://whatsapp:whatsapp@127.0.0.1:5432/whatsapp} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/0} CHROMIUM_PATH=$${CHROMIUM_PATH:-/usr/bin/chromium}
# Processes the suite is spread over (pytest-xdist; tests/conftest.py groups the tests); 0, the default, is one
# process: see the README for why (measured on this 2-core machine).
TEST_PROCESSES ?= 0
# What `make test-quick` runs: every suite that needs neither a live stack nor a browser (the docs' runnable
# commands need a live stack).
QUICK_TESTS := tests/shared tests/code tests/bench tests/backend tests/docs \
	--ignore=tests/docs/test_runnable_commands_work_on_a_live_stack.py

.PHONY: setup services lint test test-quick run bench clean

setup:
	@bash scripts/setup.sh

services: setup
	@bash scripts/services.sh

lint: setup
	@echo "==> ruff check"
	@$(VENV)/ruff check .
	@$(VENV)/ruff format --check .

test: services lint
	@echo "==> pytest (the whole suite, on PostgreSQL, Redis and Chromium, in $(TEST_PROCESSES) processes)"
	@$(TEST_ENV) $(VENV)/pytest --durations=15 $(if $(filter-out 0,$(TEST_PROCESSES)),-n $(TEST_PROCESSES) --dist loadgroup)

test-quick: services
	@echo "==> pytest (unit and backend tests: no live stack, no browser)"
	@$(TEST_ENV) $(VENV)/pytest --durations=10 $(QUICK_TESTS)

run: setup
	@bash scripts/run.sh

bench: services
	@$(TEST_ENV) $(VENV)/python -m tests.bench

clean:
	rm -rf var artifacts .pytest_cache .ruff_cache
