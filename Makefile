# Two commands do all set-up: `make lab` (JupyterLab on the sample data) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: lab demo test lint typecheck bench sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## lab: open JupyterLab on notebooks/01_triage.ipynb with the bundled sample data
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/01_triage.ipynb $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

## demo: the whole pipeline on the sample data from the command line, into out/
demo: $(STAMP)
	bash scripts/demo.sh

## test: lint, type-check and run every test (PostgreSQL and Chromium tests included)
test: $(STAMP) lint typecheck
	XDG_DATA_HOME="$$(mktemp -d)" $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts notebooks
	$(BIN)/ruff format --check src tests bench scripts notebooks
	PYTHONPATH=src $(BIN)/lint-imports --no-cache --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

## bench: run the benchmarks (not part of the test suite)
bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

## sample: regenerate data/sample deterministically
sample: $(STAMP)
	$(BIN)/python -m escalation_kit.sample --out data/sample

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache out
