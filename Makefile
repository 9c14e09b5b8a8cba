# SpotHive developer commands. `make run` starts the local stack; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: install run demo test lint unit bench synth cfn-lint infra-report layers customer-template deploy clean

UV := $(VENV)/bin/uv

# Installs go through uv (from PyPI into the venv): the same resolution as pip in seconds, not minutes.
# `make run`/`make demo` need only the run extras (local stack + risk model); everything else needs dev.
RUN_EXTRAS := local,ml
# `run` reuses a development install when there is one (dev contains the run extras).
RUN_STAMP := $(if $(wildcard $(VENV)/.installed),$(VENV)/.installed,$(VENV)/.installed-run)

install: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv

$(VENV)/.installed: pyproject.toml | $(UV)
	$(UV) pip install --python $(PY) -q -e '.[dev]'
	touch $@

$(VENV)/.installed-run: pyproject.toml | $(UV)
	$(UV) pip install --python $(PY) -q -e '.[$(RUN_EXTRAS)]'
	touch $@

## Start SpotHive locally (moto, Redis, API on :8000, workflows, ticker) and run the demo.
run: $(RUN_STAMP)
	$(VENV)/bin/spothive local

## Start, run the demo, print what it found and stop.
demo: $(RUN_STAMP)
	$(VENV)/bin/spothive local --exit-after-demo

## Lint, type-check, dependency rule and the whole test suite.
test: install lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check layers functions models agent infra tests app.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: install
	$(PY) -m pytest tests/unit

## Benchmarks (not part of `make test`): each prints a table with its baseline beside it.
bench: install
	@for b in tests/bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

## CDK: synthesize the hub and customer templates (no AWS credentials needed), lint them, count them.
synth: install
	$(PY) app.py

cfn-lint: synth
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

infra-report: install
	$(PY) -m infra.report --by-type

## Dependency layers for deployment (pip wheels for Lambda arm64); LIBGOMP=/path/to/aarch64/libgomp.so.1
layers: install
	$(PY) -m infra.build_layers $(if $(LIBGOMP),--libgomp $(LIBGOMP))

## Regenerate the customer role template the API serves from the CDK customer stack.
customer-template: install
	$(PY) app.py --customer-template-out layers/spothive/data/customer-role.template.json

deploy: layers
	npx cdk deploy SpotHiveHub

clean:
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache .spothive
