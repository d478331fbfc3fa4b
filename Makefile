# Customer Health Workbook. Every target creates .venv (Python's venv + pip) when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AS_OF  ?= 2026-10-31
OUT    ?= reports/sample-$(AS_OF)
PREVIOUS ?=

.PHONY: setup report test sample tiny lab bench strip clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## the full monthly report on the bundled sample (generated on first use)
report: $(STAMP)
	$(BIN)/python -m helpers.run --dataset sample --as-of $(AS_OF) --out $(OUT) $(if $(PREVIOUS),--previous $(PREVIOUS))

## every test: helpers, bad inputs, notebooks (nbval), end-to-end runs, determinism
test: $(STAMP)
	$(BIN)/python -m pytest

sample: $(STAMP)
	$(BIN)/python -m helpers.synth --scale sample --seed 42 --out data/sample

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_events.py
	$(BIN)/python benchmarks/bench_measures.py

## strip outputs from notebooks before committing
strip: $(STAMP)
	$(BIN)/nbstripout notebooks/*.ipynb

clean:
	rm -rf $(VENV) data/sample data/tiny data/large reports/workbench
