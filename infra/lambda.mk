# Lambda packages for `sam build`. Every function says `BuildMethod: makefile` with the repository
# root as CodeUri; SAM then runs `make build-<LogicalId>` here with ARTIFACTS_DIR set. Each
# package holds only the Python packages its handler imports and the third-party requirements of
# its kind (infra/lambda/requirements-*.txt, pinned by constraints.txt), built as arm64 wheels.
# boto3 is not packaged: the Lambda runtime provides it.
#
# Bytecode: the templates' runtime is python$(LAMBDA_PYTHON_VERSION) (3.12+ for SnapStart). A
# `.pyc` is only usable by the Python version that wrote it, so pip writes none and the package
# is compiled by that version's interpreter: `python3.12` on the PATH, a pyenv 3.12 (this
# project's machines have one), or the SAM build image's (`sam build --use-container`). Without
# one the package gets no bytecode rather than stale bytecode, and says so.

LAMBDA_PYTHON_VERSION ?= 3.12
LAMBDA_BUILD_PYTHON ?= python3
LAMBDA_BYTECODE_PYTHON ?= $(shell for candidate in python$(LAMBDA_PYTHON_VERSION) \
	$$(pyenv root 2>/dev/null)/versions/$(LAMBDA_PYTHON_VERSION).*/bin/python$(LAMBDA_PYTHON_VERSION); do \
	"$$candidate" -c 'import sys; assert "%d.%d" % sys.version_info[:2] == "$(LAMBDA_PYTHON_VERSION)"' \
		>/dev/null 2>&1 && { echo "$$candidate"; break; }; done)

LAMBDA_PIP = $(LAMBDA_BUILD_PYTHON) -m pip install --quiet --disable-pip-version-check \
	--no-compile --only-binary=:all: --platform manylinux2014_aarch64 --implementation cp \
	--python-version $(LAMBDA_PYTHON_VERSION) -c constraints.txt --target "$(ARTIFACTS_DIR)" -r

# $(1): folders or files whose Python sources go into the package, keeping their paths.
define lambda_sources
	mkdir -p "$(ARTIFACTS_DIR)"
	find $(1) -type f -name '*.py' -not -path '*/__pycache__/*' \
		-exec cp --parents {} "$(ARTIFACTS_DIR)" \;
endef

# Console scripts are useless on Lambda; bytecode is written for the runtime's version or not at
# all (see above). unchecked-hash: the package is immutable, so Python need not stat the sources.
define lambda_finish
	rm -rf "$(ARTIFACTS_DIR)/bin"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	$(if $(LAMBDA_BYTECODE_PYTHON),\
		"$(LAMBDA_BYTECODE_PYTHON)" -m compileall -q -j 0 --invalidation-mode unchecked-hash \
			"$(ARTIFACTS_DIR)",\
		@echo "no Python $(LAMBDA_PYTHON_VERSION) here: $(ARTIFACTS_DIR) has no bytecode" >&2)
endef

# Each list is what the handlers' modules import, at init or on a request (function-level
# imports too); tests/infra/test_lambda_packages.py checks each package against its handlers'
# imports. Local-only modules (uvicorn serving, the local event bus, the CLI) stay out.
TOOLKIT = services/__init__.py $(addprefix services/toolkit/,__init__.py api_keys.py app.py \
	aws_clients.py batching.py claims.py context.py errors.py handler.py observability.py \
	schema.py tables.py)

build-StudentsFunction:
	$(call lambda_sources,$(TOOLKIT) services/toolkit/pagination.py services/students)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt
	$(lambda_finish)

build-LessonsFunction build-LessonsPublisherFunction:
	$(call lambda_sources,$(TOOLKIT) services/toolkit/items.py services/lessons \
		$(addprefix services/events/,__init__.py lesson_completed.py publishing.py))
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt -r infra/lambda/requirements-events.txt
	$(lambda_finish)

build-AnalyticsFunction build-AnalyticsConsumerFunction build-AnalyticsLeaderboardFunction:
	$(call lambda_sources,$(TOOLKIT) services/toolkit/items.py services/toolkit/pagination.py \
		services/analytics services/events/__init__.py services/events/lesson_completed.py)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt -r infra/lambda/requirements-events.txt
	$(lambda_finish)

# The registration custom resource needs only the standard library and boto3.
build-StudentsRegistrationFunction build-LessonsRegistrationFunction build-AnalyticsRegistrationFunction:
	$(call lambda_sources,$(addprefix discovery/,__init__.py registration_resource.py \
		registration.py client.py))
	$(lambda_finish)

# The registry's Lambda entry uses the services' handler factory (services/toolkit/handler.py);
# composition's satisfiability check is the gateway's query graph (bff/planning, bff/supergraph:
# graphql-core only); bff/supergraph/contracts.py checks clients' documents.
build-RegistryFunction:
	$(call lambda_sources,discovery/api discovery/composition discovery/store \
		$(addprefix discovery/,__init__.py api_schema.py breaking_changes.py checks.py \
			handler.py records.py) \
		$(addprefix services/,__init__.py toolkit/__init__.py toolkit/handler.py \
			toolkit/observability.py) \
		bff/__init__.py bff/supergraph bff/planning)
	$(LAMBDA_PIP) infra/lambda/requirements-registry.txt
	$(lambda_finish)

# The BFF reads the published supergraph with discovery's store (discovery.source, read side
# only); the local stack (bff/devstack) and the CLI stay out of its package. GraphiQL's assets
# are copied from the npm packages in tools/node (installed here if missing) into the package.
build-BffFunction:
	$(call lambda_sources,bff -not -path 'bff/devstack/*' -not -name 'cli.py' -not -name 'commands.py')
	$(call lambda_sources,$(addprefix discovery/,__init__.py source.py) \
		$(addprefix discovery/store/,__init__.py blobs.py errors.py layout.py versions.py))
	test -f tools/node/node_modules/.installed-stamp || \
		(cd tools/node && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed-stamp)
	$(LAMBDA_BUILD_PYTHON) -m bff.http.assets build --target "$(ARTIFACTS_DIR)/bff/http/static"
	$(LAMBDA_PIP) infra/lambda/requirements-bff.txt
	$(lambda_finish)

.PHONY: build-StudentsFunction build-LessonsFunction build-LessonsPublisherFunction \
	build-AnalyticsFunction build-AnalyticsConsumerFunction build-AnalyticsLeaderboardFunction \
	build-StudentsRegistrationFunction build-LessonsRegistrationFunction \
	build-AnalyticsRegistrationFunction build-RegistryFunction build-BffFunction
