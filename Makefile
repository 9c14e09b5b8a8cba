# SpotHive developer commands. `make run` starts the local stack; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: install run demo test lint format unit integration infra pr bench synth cfn-lint infra-report layers customer-template deploy clean \
	checkov checkov-install \
	web web-if-node web-client web-client-check web-test

UV := $(VENV)/bin/uv

# Installs go through uv (from PyPI into the venv): the same resolution as pip in seconds, not minutes.
# `make run`/`make demo` need only the run extras (local stack, risk model, the agent it runs); the rest needs dev.
RUN_EXTRAS := local,ml,agent
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
run: $(RUN_STAMP) web-if-node
	$(VENV)/bin/spothive local

## Start, run the demo, print what it found and stop.
demo: $(RUN_STAMP)
	$(VENV)/bin/spothive local --exit-after-demo

## Lint, type-check, dependency rule and the whole test suite.
test: install checkov-install lint web-test
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check layers functions models agent infra tests app.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## Fix what ruff can fix (imports, style) in place.
format: install
	$(VENV)/bin/ruff check --fix layers functions models agent infra tests app.py

## Pure tests on the shared in-memory fakes: moto, Redis and the network are blocked (seconds).
unit: install
	$(PY) -m pytest tests/unit tests/models

## Each port on its fake and its real adapter (contract), then flows against moto and a real Redis.
integration: install
	$(PY) -m pytest tests/contract tests/integration

## The CDK app: synth once, then every infra test.
infra: install checkov-install
	$(PY) -m pytest tests/infra

## checkov in its own venv (its pins would downgrade boto3 and others in .venv): infra/checkov-requirements.txt
CHECKOV_VENV := .venv-checkov
checkov-install: $(CHECKOV_VENV)/.installed

$(CHECKOV_VENV)/.installed: infra/checkov-requirements.txt | $(UV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(UV) pip install --python $(CHECKOV_VENV)/bin/python -q -r infra/checkov-requirements.txt
	touch $@

## checkov over the synthesized templates (the same scan tests/infra/test_checkov.py runs).
checkov: synth checkov-install
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --framework cloudformation --skip-download --compact --quiet \
		-f cdk.out/SpotHiveHub.template.json -f cdk.out/SpotHiveCustomer.template.json

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
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache .spothive web/dist web/test-results

## The web console (web/): `npm ci` from the lockfile once, then a build whenever a source changed (it prints
## the bundle size and fails over the first-load budget). `make run` builds it when npm is there.
WEB_SRC := $(shell find web/src web/public web/index.html web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)

web: web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

web-if-node:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory web || echo "the console did not build; serving the API only"; \
	else echo "npm not found: the console is not built (the API and its docs still run)"; fi

## Regenerate the typed API client (web/src/api/schema.d.ts) from the OpenAPI document.
web-client: install web/node_modules/.package-lock.json
	$(PY) -m spothive.cli openapi --out web/openapi.json
	cd web && npx openapi-typescript openapi.json -o src/api/schema.d.ts

## Fail when the checked-in OpenAPI document or typed client differ from what the API generates now.
web-client-check: install web/node_modules/.package-lock.json
	@tmp=$$(mktemp -d) && $(PY) -m spothive.cli openapi --out $$tmp/openapi.json && \
	(cd web && npx openapi-typescript $$tmp/openapi.json -o $$tmp/schema.d.ts >/dev/null 2>&1) && \
	if diff -u web/openapi.json $$tmp/openapi.json && diff -u web/src/api/schema.d.ts $$tmp/schema.d.ts; \
	then echo "typed API client matches the OpenAPI document"; rm -rf $$tmp; \
	else rm -rf $$tmp; echo "the typed API client is stale: run make web-client"; exit 1; fi

## Console checks: types, unit tests (vitest), then the browser journey (Playwright) against the local stack.
web-test: install web web-client-check
	cd web && npx tsc --noEmit -p tsconfig.json && npx vitest run && npx playwright test
