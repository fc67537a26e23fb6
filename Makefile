# Two commands matter: `make dev` (whole local stack) and `make test` (the test suite).
# Everything they need is installed here, from the project's own files.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NODE_STAMP := tools/node/node_modules/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-installed-stamp
BENCH_NODE_STAMP := bench/node_modules/.installed-stamp

.PHONY: dev test lint bench chaos assets node-tools clean

# The three distributions this repository builds (pyproject.toml): the gateway at the root, the
# registry and the demo subgraphs from their folders.
DISTRIBUTIONS := . discovery services

# Editable installs of all three: the gateway's `dev` extra names the other two, found here.
$(STAMP): pyproject.toml discovery/pyproject.toml services/pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]' -e ./discovery -e ./services
	touch $@

# Node packages used by tests and tooling (graphql-js as a real client, GraphiQL's assets).
$(NODE_STAMP): tools/node/package.json tools/node/package-lock.json
	cd tools/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-tools: $(NODE_STAMP)

# What the benchmark adds: matplotlib for the chart; the Node gateways, subgraphs and autocannon.
$(BENCH_STAMP): $(STAMP) bench/requirements.txt
	$(BIN)/pip install --quiet -c constraints.txt -r bench/requirements.txt
	touch $@

$(BENCH_NODE_STAMP): bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# GraphiQL's static assets, copied from the npm packages into an ignored folder the BFF serves.
assets: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m bff.http.assets build

# The distributions, sdist and wheel each, in dist/: serverless-bff (with GraphiQL's assets),
# serverless-bff-registry, serverless-bff-demo-services.
wheel: assets
	rm -rf dist
	for project in $(DISTRIBUTIONS); do $(BIN)/python -m build --outdir dist $$project || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) $(NODE_STAMP) $(BENCH_STAMP) $(BENCH_NODE_STAMP) assets wheel
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider

dev: $(STAMP) $(NODE_STAMP) assets
	$(BIN)/bff dev

bench: $(STAMP) $(BENCH_STAMP) $(BENCH_NODE_STAMP)
	$(BIN)/python -m bench

# The local stack under injected faults (a few minutes; not part of `make test`): writes
# bench/results/chaos.md and fails if any row of the fault table does. CHAOS_LOAD_SECONDS=N
# shortens or lengthens the load at the end.
CHAOS_LOAD_SECONDS ?= 120
chaos: $(STAMP) $(NODE_STAMP) assets
	$(BIN)/python -m bench.chaos --load-seconds $(CHAOS_LOAD_SECONDS)

clean:
	rm -rf $(VENV) tools/node/node_modules .dev bff/http/static bench/node_modules bench/.work dist \
		$(addsuffix /build,$(DISTRIBUTIONS))

# Lambda packages for `sam build` (see infra/lambda.mk).
include infra/lambda.mk
