# Lambda packages for `sam build`. Every function says `BuildMethod: makefile` with the repository
# root as CodeUri; SAM then runs `make build-<LogicalId>` here with ARTIFACTS_DIR set. Each
# package holds only the Python packages its handler imports and the third-party requirements of
# its kind (infra/lambda/requirements-*.txt, pinned by constraints.txt), built as arm64 wheels.
# boto3 is not packaged: the Lambda runtime provides it.

LAMBDA_PIP = python3 -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
	--platform manylinux2014_aarch64 --implementation cp --python-version 3.12 \
	-c constraints.txt --target "$(ARTIFACTS_DIR)" -r

# $(1): folders or files whose Python sources (and data files, for the BFF's GraphiQL assets)
# go into the package, keeping their paths.
define lambda_sources
	mkdir -p "$(ARTIFACTS_DIR)"
	find $(1) -type f -not -path '*/__pycache__/*' -not -name '*.pyc' \
		-exec cp --parents {} "$(ARTIFACTS_DIR)" \;
endef

SERVICE_BASE := services/__init__.py services/toolkit

build-StudentsFunction:
	$(call lambda_sources,$(SERVICE_BASE) services/students)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt

build-LessonsFunction build-LessonsPublisherFunction:
	$(call lambda_sources,$(SERVICE_BASE) services/lessons services/events)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt

build-AnalyticsFunction build-AnalyticsConsumerFunction build-AnalyticsLeaderboardFunction:
	$(call lambda_sources,$(SERVICE_BASE) services/analytics services/events)
	$(LAMBDA_PIP) infra/lambda/requirements-service.txt

# The registration custom resource needs only the standard library and boto3.
build-StudentsRegistrationFunction build-LessonsRegistrationFunction build-AnalyticsRegistrationFunction:
	$(call lambda_sources,discovery/__init__.py discovery/registration_resource.py \
		discovery/registration.py discovery/client.py)

# The registry's Lambda entry uses the services' handler factory (services/toolkit/handler.py);
# composition's satisfiability check is the gateway's query graph (bff/planning, bff/supergraph:
# graphql-core only); bff/supergraph/contracts.py checks clients' documents.
build-RegistryFunction:
	$(call lambda_sources,discovery services/__init__.py services/toolkit/__init__.py \
		services/toolkit/handler.py services/toolkit/observability.py \
		bff/__init__.py bff/supergraph bff/planning)
	$(LAMBDA_PIP) infra/lambda/requirements-registry.txt

# The BFF reads the published supergraph with discovery's store (discovery.source); the local
# stack (bff/devstack), the CLI and the registry's API stay out of its package.
build-BffFunction:
	$(call lambda_sources,bff -not -path 'bff/devstack/*' -not -name 'cli.py' -not -name 'commands.py')
	$(call lambda_sources,discovery -not -path 'discovery/api/*' -not -name 'handler.py' \
		-not -name 'commands.py' -not -name 'registration*.py')
	$(LAMBDA_PIP) infra/lambda/requirements-bff.txt

.PHONY: build-StudentsFunction build-LessonsFunction build-LessonsPublisherFunction \
	build-AnalyticsFunction build-AnalyticsConsumerFunction build-AnalyticsLeaderboardFunction \
	build-StudentsRegistrationFunction build-LessonsRegistrationFunction \
	build-AnalyticsRegistrationFunction build-RegistryFunction build-BffFunction
