# SpotHive developer commands. `make run` starts the local stack; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: install run demo test lint format unit integration infra pr bench synth cfn-lint infra-report layers customer-template deploy clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

## Start SpotHive locally (moto, Redis, API on :8000, workflows, ticker) and run the demo.
run: install
	$(VENV)/bin/spothive local

## Start, run the demo, print what it found and stop.
demo: install
	$(VENV)/bin/spothive local --exit-after-demo

## Lint, type-check, dependency rule and the whole test suite.
test: install lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check layers functions models agent infra tests app.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## Fix what ruff can fix (imports, style) in place.
format: install
	$(VENV)/bin/ruff check --fix layers functions models agent infra tests app.py

## Pure tests: no moto, no Redis, no CDK (seconds).
unit: install
	$(PY) -m pytest tests/unit tests/models

## Adapters and flows against moto and a real Redis (contract and integration suites).
integration: install
	$(PY) -m pytest tests/contract tests/integration

## The CDK app: synth once, then every infra test.
infra: install
	$(PY) -m pytest tests/infra

## Everything CI runs, in the order it runs it.
pr: test

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
