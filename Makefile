# Two commands do all set-up: `make lab` (JupyterLab on the sample data) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: lab app screenshots demo test lint typecheck bench sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## lab: JupyterLab at the repository root (out/ visible), on notebooks/01_triage.ipynb;
## jupyter_config/ strips the notebooks' outputs when they are saved
lab: $(STAMP)
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter_config" $(BIN)/jupyter lab \
		--ServerApp.root_dir="$(CURDIR)" notebooks/01_triage.ipynb \
		$(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

## app: the triage console as a web app for analysts who do not write code (see README)
app: $(STAMP)
	$(BIN)/escalation-kit app --tickets data/sample/tickets.csv \
		--customers data/sample/customers.csv --health data/sample/health.json

## screenshots: the browser tests write README's screenshots into docs/screenshots
screenshots: $(STAMP)
	EK_SCREENSHOTS="$(CURDIR)/docs/screenshots" $(BIN)/pytest -q \
		tests/app/test_app_browser.py tests/notebooks/test_lab_console.py

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
