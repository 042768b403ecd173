# lockstep: `make demo` runs lock actions on the embedded stack; `make test` runs every test.
# Both install what they need (npm packages, the Temporal servers) on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NPM_STAMP := node_modules/.package-lock.stamp

.PHONY: help deps toolchain typecheck test test-unit clean

help:
	@echo "make test       install what is missing, typecheck, run all tests"
	@echo "make toolchain  install the Temporal dev server and time-skipping test server (cached)"
	@echo "make deps       npm ci"

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NPM_STAMP)

toolchain:
	bash scripts/install-toolchain.sh

typecheck: deps
	npx tsc --noEmit -p tsconfig.json

test: deps toolchain typecheck
	npx jest --ci

clean:
	rm -rf dist .data
