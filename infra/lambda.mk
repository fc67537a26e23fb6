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

# $(1): the handlers' modules; their package gets every project file they can import
# (infra/lambda_sources.py: the import closure, function-level imports included).
define lambda_sources
	mkdir -p "$(ARTIFACTS_DIR)"
	$(LAMBDA_BUILD_PYTHON) infra/lambda_sources.py --into "$(ARTIFACTS_DIR)" $(1)
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

build-StudentsFunction:
	$(call lambda_sources,services.students.handler)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt
	$(lambda_finish)

build-LessonsFunction build-LessonsPublisherFunction:
	$(call lambda_sources,services.lessons.handler services.lessons.publisher)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt -r infra/lambda/requirements-events.txt
	$(lambda_finish)

build-AnalyticsFunction build-AnalyticsConsumerFunction build-AnalyticsLeaderboardFunction:
	$(call lambda_sources,services.analytics.handler services.analytics.consumer \
		services.analytics.scheduled)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt -r infra/lambda/requirements-events.txt
	$(lambda_finish)

# The registration custom resource needs only the standard library and boto3.
build-StudentsRegistrationFunction build-LessonsRegistrationFunction build-AnalyticsRegistrationFunction:
	$(call lambda_sources,discovery.registration_resource)
	$(lambda_finish)

# The registry's API and composition (whose satisfiability check is the gateway's query graph).
build-RegistryFunction:
	$(call lambda_sources,discovery.handler)
	$(LAMBDA_PIP) infra/lambda/requirements-registry.txt
	$(lambda_finish)

# The BFF reads the published supergraph from the registry's table (bff/registry_table). GraphiQL's
# assets are copied from the npm packages in tools/node (installed here if missing).
build-BffFunction:
	$(call lambda_sources,bff.handler)
	test -f tools/node/node_modules/.installed-stamp || \
		(cd tools/node && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed-stamp)
	$(LAMBDA_BUILD_PYTHON) -m bff.http.assets build --target "$(ARTIFACTS_DIR)/bff/http/static"
	$(LAMBDA_PIP) infra/lambda/requirements-bff.txt
	$(lambda_finish)

.PHONY: build-StudentsFunction build-LessonsFunction build-LessonsPublisherFunction \
	build-AnalyticsFunction build-AnalyticsConsumerFunction build-AnalyticsLeaderboardFunction \
	build-StudentsRegistrationFunction build-LessonsRegistrationFunction \
	build-AnalyticsRegistrationFunction build-RegistryFunction build-BffFunction
