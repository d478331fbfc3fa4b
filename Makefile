# Customer Health Workbook. Every target creates .venv (Python's venv + pip) when it is missing.
# `make help` lists the targets; a target's `## ...` line is its one-line doc.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AS_OF  ?= 2026-10-31
OUT    ?= reports/sample-$(AS_OF)
PREVIOUS ?=

.DEFAULT_GOAL := help
.PHONY: help setup spark-setup browser-setup report test check lint format hooks sample lab bench strip clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install the workbook with its test tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

SPARK_STAMP := $(VENV)/.spark-installed
# installs the Debian packages whose command is missing (as root), else says which to install
DEBIAN := .ci/debian-packages

spark-setup: $(SPARK_STAMP) ## --engine spark: Java (Debian's default-jre-headless, when java is missing) and the spark extra

$(SPARK_STAMP): $(STAMP)
	$(DEBIAN) java=default-jre-headless
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	touch $(SPARK_STAMP)

browser-setup: ## the report's browser test: Debian's chromium, when it is missing
	$(DEBIAN) chromium=chromium

report: $(STAMP) ## the full monthly report on the bundled sample (AS_OF=, OUT=, PREVIOUS=)
	$(BIN)/python -m helpers.run --dataset sample --as-of $(AS_OF) --out $(OUT) $(if $(PREVIOUS),--previous $(PREVIOUS))

test: $(STAMP) ## every test (Java, Chromium and the spark extra included): lint, helpers, bad inputs, notebooks, end-to-end runs, the report in a browser (what CI runs)
	$(DEBIAN) java=default-jre-headless chromium=chromium
	$(MAKE) --no-print-directory $(SPARK_STAMP)
	$(BIN)/python -m pytest -n logical --maxprocesses=4 --dist loadgroup

check: $(STAMP) ## the fast tier for the edit loop: lint and unit tests on hand-made tables (no dataset, no notebook)
	$(BIN)/python -m pytest tests -m "not slow" -q

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## ruff: fix what it can, then format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

hooks: $(STAMP) ## install the pre-commit hooks (nbstripout, ruff): do this first
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/pre-commit install

sample: $(STAMP) ## regenerate the bundled sample into data/sample
	$(BIN)/python -m helpers.synth --scale sample --seed 42 --out data/sample

lab: $(STAMP) ## JupyterLab on the notebooks, to step through the method
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) ## speed and memory of event validation and the measure catalogue
	$(BIN)/python benchmarks/bench_events.py
	$(BIN)/python benchmarks/bench_measures.py

strip: $(STAMP) ## strip outputs from notebooks before committing
	$(BIN)/nbstripout notebooks/*.ipynb

clean: ## remove .venv, generated data and the workbench
	rm -rf $(VENV) data/sample data/tiny data/large reports/workbench
