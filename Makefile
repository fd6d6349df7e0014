# trailwatch: `make test` and `make demo` set up everything on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXAMPLES := $(sort $(dir $(wildcard examples/*/main.tf)))
# checkov pins libraries that conflict with ours, so it lives in a virtualenv of its own.
CKV_VENV  := .venv-checkov
CKV_STAMP := $(CKV_VENV)/.installed
PYTEST_ARGS ?=
# Parallel workers for `make test` (pytest-xdist; each has its own emulator). Terraform and the
# provider wait on KMS/IAM propagation sleeps much of the time, so more workers than cores pay,
# up to the point where each worker's own start (collection, emulator, provider processes,
# inits) costs more than it fills (DEVELOPERS.md, "Test run time": fresh clones of one tree
# on one morning, 4 workers 295.8 s, 5 workers 257.8-275.9 s, 6 workers 290.3 s, 8 workers
# 276.2-309.5 s, with 40-110 CPU-s more for 8 than for 5).
PYTEST_WORKERS ?= 5

.PHONY: venv checkov-venv collected test demo lint bench equality docs service-calls policies clean

# uv makes both virtualenvs and installs the pinned requirements into them (DEVELOPERS.md,
# "Pinned dependencies and why each is there": pip took 40 s for .venv and 31 s for
# .venv-checkov here, uv 25 s and 15 s). One uv, in .uv, serves both: `python -m venv` plus
# `pip install uv` in each virtualenv cost 4.9 CPU-s apiece, ensurepip most of it; .venv's pip
# (tests/test_installed_wheel.py builds and installs the wheel with it) is a pinned requirement.
# Neither virtualenv is compiled ahead: the processes that use them write the bytecode of what
# they import (about 1,200 of .venv's modules in a whole run; 3,800 of checkov's 6,400: 3 CPU-s
# in the scan against 8 CPU-s to compile all of them).
UV_VERSION := 0.13.9
UV_ROOT    := .uv
# A folder per version: a new UV_VERSION installs afresh.
UV_DIR     := $(UV_ROOT)/$(UV_VERSION)
UV         := $(UV_DIR)/bin/uv
UV_VENV     = $(UV) venv --quiet --clear --python-preference only-system --python $(PYTHON)
UV_INSTALL  = $(UV) pip install --quiet --python

# uv's wheel holds only its binary: pip puts it in $(UV_DIR) (through a virtualenv of its own
# when $(PYTHON) has no pip).
$(UV):
	$(PYTHON) -m pip install -qq --target $(UV_DIR) uv==$(UV_VERSION) 2>/dev/null \
	  || { $(PYTHON) -m venv $(UV_DIR)/venv && $(UV_DIR)/venv/bin/pip install -qq --target $(UV_DIR) uv==$(UV_VERSION); }

$(STAMP): requirements.txt pyproject.toml | $(UV)
	$(UV_VENV) $(VENV)
	$(UV_INSTALL) $(BIN)/python -r requirements.txt
	$(UV_INSTALL) $(BIN)/python --no-deps -e .
	@touch $(STAMP)

## venv: build .venv from the pinned requirements, with the package installed
venv: $(STAMP)

$(CKV_STAMP): requirements-checkov.txt | $(UV)
	$(UV_VENV) $(CKV_VENV)
	$(UV_INSTALL) $(CKV_VENV)/bin/python -r requirements-checkov.txt
	@touch $(CKV_STAMP)

## checkov-venv: build .venv-checkov (checkov, pinned) for the security scan
checkov-venv: $(CKV_STAMP)

## test: the whole suite (needs terraform on PATH)
# Bytecode is written while the suite runs (PYTHONDONTWRITEBYTECODE, which some shells and CI
# images set, is cleared): every worker and every Python process a test starts would otherwise
# compile trailwatch's modules, and pytest rewrite each test module, from source again.
# The two virtualenvs are built at once, and one collection (`collected`) writes the bytecode
# of the test modules, trailwatch and what they import before the workers start, instead of
# each worker writing the same files at the same time (DEVELOPERS.md, "Test run time").
test:
	@$(MAKE) --no-print-directory -j2 checkov-venv collected
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

# A collection that fails is reported by the run that follows it.
collected: venv
	-@PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest --collect-only -q -p no:cacheprovider > /dev/null 2>&1

## demo: apply examples/minimal on the embedded emulator, show it, destroy (KEEP=1 keeps it)
demo: venv
	PYTHONDONTWRITEBYTECODE= $(BIN)/trailwatch demo $(if $(KEEP),--keep,)

## lint: terraform fmt; terraform validate and checkov on every example; ruff check, ruff format
##       and mypy; the service-call table's freshness; parliament on every policy document of the
##       root module and every example (planned and applied on the emulator)
lint: venv checkov-venv
	terraform fmt -check -recursive
	@export TF_CLI_CONFIG_FILE="$$($(BIN)/python -c 'from trailwatch.harness.terraform import cli_config; print(cli_config())')"; \
	for ex in $(EXAMPLES); do \
	  echo "terraform validate $$ex"; \
	  terraform -chdir=$$ex init -backend=false -input=false >/dev/null && terraform -chdir=$$ex validate -no-color || exit 1; \
	done
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	@for ex in $(EXAMPLES); do \
	  echo "checkov $$ex"; \
	  $(CKV_VENV)/bin/checkov -d $$ex --framework terraform --compact --quiet --skip-download || exit 1; \
	done
	$(BIN)/python -m trailwatch.maint service-calls --check
	$(BIN)/python -m trailwatch.maint policies --lint

## docs: regenerate the inputs/outputs tables of every module README (maintainers)
docs: venv
	$(BIN)/python -m trailwatch.maint docs

## service-calls: render docs/service-calls.md from docs/service-calls.yaml (maintainers)
service-calls: venv
	$(BIN)/python -m trailwatch.maint service-calls

## policies: every IAM policy document of the root module and each example, linted by parliament
policies: venv
	$(BIN)/python -m trailwatch.maint policies --lint

## bench: backtest vs zcat (floor) and jq on 1M-record synthetic archives of seven shapes (file size, record mix), ratios in one run
bench: venv
	@command -v jq >/dev/null || (apt-get update -qq && apt-get install -y -qq jq >/dev/null)
	$(BIN)/python -m trailwatch.maint.bench

## equality: the eventbridge path's equality proof over every bench shape at full size (1M records each; archives cached in .bench)
equality: venv
	$(BIN)/python -m trailwatch.maint equality

clean:
	rm -rf $(VENV) $(CKV_VENV) $(UV_ROOT) .pytest_cache .mypy_cache .ruff_cache .bench
	find examples -name .terraform -type d -prune -exec rm -rf {} +
