"""The SAM templates: lint, offline transform, handlers, environment, retention, least privilege."""

from __future__ import annotations

import copy
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode import decode
from samtranslator.translator.transform import transform

from bff import tables
from tests.infra.conftest import PLACEHOLDER_SECRET
from tests.infra.lambda_packages import PackageCache, probe_handler, site_packages

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
TEMPLATES = sorted(INFRA.rglob("*.yaml"))
STAGE = "test"

# Variables the code reads that a deployed function does not need, and why.
NOT_NEEDED_IN_AWS = {
    "API_KEYS": "local alternative to API_KEY_SECRET_ID",
    "CLAIMS_KEYS": "local alternative to CLAIMS_KEY_SECRET_ID",
    "SUBGRAPH_CLAIMS_KEYS": "local alternative to SUBGRAPH_CLAIMS_KEY_SECRET_IDS",
    "SUBGRAPH_API_KEYS": "local alternative to SUBGRAPH_API_KEY_SECRET_IDS",
    "SUPERGRAPH_FILE": "local alternative to REGISTRY_TABLE",
    "REGISTRY_ADMIN_TOKEN": "local alternative to REGISTRY_ADMIN_TOKEN_SECRET_ID",
    "REGISTRY_SERVICE_TOKENS": "local alternative to REGISTRY_SERVICE_TOKEN_SECRET_IDS",
    "REGISTRY_API_KEY_REF_PATTERN": "optional; the default matches the templates' secret names",
    "SUBGRAPH_URL_OVERRIDES": "local tweak; the registry holds the URLs",
    "AWS_ENDPOINT_URL_DYNAMODB": "local DynamoDB endpoint",
    "AWS_ENDPOINT_URL_SECRETSMANAGER": "local Secrets Manager endpoint",
    "AWS_ENDPOINT_URL": "local endpoint of every AWS service",
}
# Reserved variables the Lambda runtime sets in every function (its region and role credentials).
SET_BY_THE_LAMBDA_RUNTIME = frozenset(
    {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    }
)


def template_id(path: Path) -> str:
    return str(path.relative_to(INFRA))


@cache
def load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert not matches, matches
    assert template is not None
    return template


class FakeManagedPolicyLoader:
    """What `sam deploy` would look up in IAM: the two AWS managed policies SAM attaches."""

    def load(self) -> dict[str, str]:
        return {
            "AWSLambdaBasicExecutionRole": (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ),
            "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        }


@cache
def transformed(path: Path) -> dict[str, Any]:
    template = copy.deepcopy(load(path))
    # `sam package` replaces local CodeUri folders by S3 locations before the transform.
    functions = template.get("Globals", {}).get("Function", {})
    if "CodeUri" in functions:
        functions["CodeUri"] = "s3://bucket/package.zip"
    for resource in template["Resources"].values():
        if "CodeUri" in resource.get("Properties", {}):
            resource["Properties"]["CodeUri"] = "s3://bucket/package.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(template, {}, FakeManagedPolicyLoader())


def sam_templates() -> list[Path]:
    return [path for path in TEMPLATES if "Transform" in load(path)]


def functions() -> list[tuple[Path, str, dict[str, Any]]]:
    """(template, logical id, merged properties) of every function, Globals applied."""
    found = []
    for path in sam_templates():
        template = load(path)
        defaults = template.get("Globals", {}).get("Function", {})
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            properties = {**defaults, **resource["Properties"]}
            variables = {
                **defaults.get("Environment", {}).get("Variables", {}),
                **resource["Properties"].get("Environment", {}).get("Variables", {}),
            }
            properties["Environment"] = {"Variables": variables}
            found.append((path, logical_id, properties))
    return found


FUNCTIONS = functions()
FUNCTION_IDS = [f"{template_id(path)}:{logical_id}" for path, logical_id, _ in FUNCTIONS]


def test_there_is_a_stack_per_concern() -> None:
    assert {template_id(path) for path in TEMPLATES} == {
        "events.yaml",
        "bff.yaml",
        "bff/stateful.yaml",
        "registry/stateful.yaml",
        "registry/service.yaml",
        "students/stateful.yaml",
        "students/service.yaml",
        "lessons/stateful.yaml",
        "lessons/service.yaml",
        "analytics/stateful.yaml",
        "analytics/service.yaml",
    }


@pytest.mark.parametrize("path", TEMPLATES, ids=template_id)
def test_template_passes_cfn_lint(path: Path) -> None:
    assert [str(match) for match in lint_file(path)] == []


@pytest.mark.parametrize("path", sam_templates(), ids=template_id)
def test_sam_template_transforms_offline(path: Path) -> None:
    resources = transformed(path)["Resources"]
    assert not any(r["Type"].startswith("AWS::Serverless::") for r in resources.values())


@pytest.mark.parametrize("path", TEMPLATES, ids=template_id)
def test_every_template_is_parameterised_by_stage(path: Path) -> None:
    assert "Stage" in load(path)["Parameters"]


# -- state ------------------------------------------------------------------------------------

STATEFUL_TYPES = {"AWS::DynamoDB::Table", "AWS::SecretsManager::Secret"}


@pytest.mark.parametrize("path", TEMPLATES, ids=template_id)
def test_stateful_resources_live_in_stateful_stacks_and_are_retained(path: Path) -> None:
    for logical_id, resource in load(path)["Resources"].items():
        if resource["Type"] not in STATEFUL_TYPES:
            continue
        assert path.name == "stateful.yaml", f"{logical_id} belongs in a stateful stack"
        assert resource.get("DeletionPolicy") == "Retain", logical_id
        assert resource.get("UpdateReplacePolicy") == "Retain", logical_id


@pytest.mark.parametrize("spec", tables.ALL_TABLES, ids=lambda spec: spec.logical_name)
def test_each_table_follows_its_spec(spec: tables.TableSpec) -> None:
    table = load(INFRA / spec.logical_name / "stateful.yaml")["Resources"]["Table"]["Properties"]
    expected = spec.create_table_kwargs("unused")
    assert table["BillingMode"] == expected["BillingMode"]
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        expected["AttributeDefinitions"], key=str
    )
    assert table.get("GlobalSecondaryIndexes", []) == expected.get("GlobalSecondaryIndexes", [])
    if spec.stream:
        assert table["StreamSpecification"] == {
            "StreamViewType": expected["StreamSpecification"]["StreamViewType"]
        }
    else:
        assert "StreamSpecification" not in table
    if spec.ttl_attribute:
        assert table["TimeToLiveSpecification"] == {
            "AttributeName": spec.ttl_attribute,
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in table


# -- handlers and their environment -------------------------------------------------------------


def placeholder_environment(
    variables: dict[str, Any], parameters: dict[str, Any]
) -> dict[str, str]:
    """The function's variables with deploy-time values replaced by plausible placeholders."""
    values = {}
    for name, value in variables.items():
        if isinstance(value, dict) and "Fn::If" in value:
            # An optional feature's setting: its value when the feature is off (the default).
            value = value["Fn::If"][2]
        if isinstance(value, str):
            values[name] = value
        elif isinstance(value, dict) and "Default" in parameters.get(value.get("Ref"), {}):
            values[name] = str(parameters[value["Ref"]]["Default"])
        elif name.endswith("_SECRET_IDS"):
            names = ("students", "lessons", "analytics")
            values[name] = json.dumps(dict.fromkeys(names, PLACEHOLDER_SECRET))
        elif name.endswith("_SECRET_ID"):
            values[name] = PLACEHOLDER_SECRET
        else:
            values[name] = f"placeholder-{name.lower()}"
    return values


def probe_environment(
    path: Path, properties: dict[str, Any], aws_endpoint: str
) -> tuple[tuple[str, str], ...]:
    """The function's template environment, with placeholders, and every AWS client on moto."""
    variables = placeholder_environment(
        properties["Environment"]["Variables"], load(path).get("Parameters", {})
    )
    return tuple(
        sorted(
            {
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": "none",
                "AWS_SECRET_ACCESS_KEY": "none",
                # Nothing reaches AWS: every client goes to the moto server.
                "AWS_ENDPOINT_URL": aws_endpoint,
                **variables,
            }.items()
        )
    )


def package_imports(
    path: Path,
    logical_id: str,
    properties: dict[str, Any],
    aws_endpoint: str,
    packages: PackageCache,
) -> list[str]:
    """Build the function's package as `sam build` does (infra/lambda.mk) and import its
    handler from that package alone: the project's module files it imported."""
    package = packages.package(logical_id)
    files = probe_handler(
        properties["Handler"], probe_environment(path, properties, aws_endpoint), package
    )["files"]
    return sorted(
        file
        for file in files
        if Path(file).is_relative_to(package) or Path(file).is_relative_to(ROOT)
        if not Path(file).is_relative_to(site_packages())
    )


@pytest.mark.parametrize(("path", "logical_id", "properties"), FUNCTIONS, ids=FUNCTION_IDS)
def test_handler_imports_from_its_package_and_is_callable_with_its_template_environment(
    path: Path,
    logical_id: str,
    properties: dict[str, Any],
    aws_endpoint: str,
    packages: PackageCache,
) -> None:
    files = package_imports(path, logical_id, properties, aws_endpoint, packages)
    # Every project module it needs is in its package, and nothing else of the repository is.
    package = packages.package(logical_id)
    assert files and all(Path(file).is_relative_to(package) for file in files)
    assert not (package / "tests").exists()
    assert not (package / "bff" / "devstack").exists()


ENV_NAME = r"[A-Z][A-Z0-9_]{2,}"
ENV_READS = [
    re.compile(rf"""environ(?:\.get)?[\[(]\s*["']({ENV_NAME})["']"""),
    re.compile(rf"""getenv\(\s*["']({ENV_NAME})["']"""),
    re.compile(rf"""\benv(?:\.get\(|\[)\s*["']({ENV_NAME})["']"""),
    # Settings fields naming their variable (bff/config.py: `metadata=_env("NAME", parse)`).
    re.compile(rf"""\b_env\(\s*["']({ENV_NAME})["']"""),
]
SPEC_ENV_READ = re.compile(r"environ(?:\.get)?[\[(]\s*(\w+)\.env_var")
# A variable named by a module constant (`TABLE_ENV = "REGISTRY_TABLE"`, `environ.get(TABLE_ENV)`).
ENV_CONSTANT = re.compile(rf"""^([A-Z][A-Z0-9_]*)\s*=\s*["']({ENV_NAME})["']""", re.MULTILINE)
CONSTANT_ENV_READ = re.compile(r"(?:environ(?:\.get)?[\[(]|getenv\()\s*([A-Z][A-Z0-9_]*)\s*[,)\]]")


def environment_reads(source: str) -> set[str]:
    names = {match for pattern in ENV_READS for match in pattern.findall(source)}
    constants = dict(ENV_CONSTANT.findall(source))
    names |= {constants[name] for name in CONSTANT_ENV_READ.findall(source) if name in constants}
    for spec_name in SPEC_ENV_READ.findall(source):
        spec = getattr(tables, spec_name, None)
        if isinstance(spec, tables.TableSpec):
            names.add(spec.env_var)
    return names


def test_environment_reads_are_recognised() -> None:
    source = (
        'os.environ["A_B"] os.environ.get("C_D") os.getenv("E_F") env.get("G_H") '
        'field(metadata=_env("I_J", _text)) os.environ[LESSONS.env_var]\n'
        'K_ENV = "K_L"\nos.environ.get(K_ENV, "")'
    )
    assert environment_reads(source) == {
        *("A_B", "C_D", "E_F", "G_H", "I_J", "K_L", "LESSONS_TABLE"),
    }


OPTIONAL_SETTING = re.compile(
    rf"""field\(\s*default(?:_factory)?=.*?metadata=_env\(\s*["']({ENV_NAME})["']""", re.DOTALL
)


def optional_settings(source: str) -> set[str]:
    """Settings with a default (`field(default=..., metadata=_env(...))`) AWS may leave unset."""
    return set(OPTIONAL_SETTING.findall(source))


def test_optional_settings_are_recognised() -> None:
    source = (
        'a: str = field(metadata=_env("A_B", _text))\n'
        'c: tuple = field(default=(), metadata=_env("C_D", _origins))\n'
        'e: dict = field(\n    default_factory=dict, metadata=_env("E_F", _json_map)\n)\n'
    )
    assert environment_reads(source) == {"A_B", "C_D", "E_F"}
    assert optional_settings(source) == {"C_D", "E_F"}


@pytest.mark.parametrize(("path", "logical_id", "properties"), FUNCTIONS, ids=FUNCTION_IDS)
def test_every_environment_variable_the_code_reads_is_set_by_the_template(
    path: Path,
    logical_id: str,
    properties: dict[str, Any],
    aws_endpoint: str,
    packages: PackageCache,
) -> None:
    reads: set[str] = set()
    required: set[str] = set()
    for file in package_imports(path, logical_id, properties, aws_endpoint, packages):
        source = Path(file).read_text()
        reads |= environment_reads(source)
        required |= environment_reads(source) - optional_settings(source)
    # The other way round, so the check cannot pass by recognising no read at all: what the
    # template sets for the code (not for Powertools) is recognised as read by it.
    ours = {
        name
        for name in properties["Environment"]["Variables"]
        if not name.startswith("POWERTOOLS_")
    }
    assert ours <= reads, f"{logical_id}: no read of {sorted(ours - reads)} recognised"
    # The registry table is how the BFF finds the supergraph, although the setting is optional.
    if properties["Handler"].startswith("bff."):
        required |= {"REGISTRY_TABLE", "SUBGRAPH_API_KEY_SECRET_IDS"}
    missing = (
        required
        - set(properties["Environment"]["Variables"])
        - set(NOT_NEEDED_IN_AWS)
        - SET_BY_THE_LAMBDA_RUNTIME
    )
    assert not missing, f"{logical_id} does not set {sorted(missing)}"


# -- least privilege ----------------------------------------------------------------------------

# Everything each function's role may name: exports of this stage (without the `bff-STAGE-`
# prefix) and resources of its own stack.
ALLOWED = {
    "StudentsFunction": {
        "students-table-name",
        "students-api-key-secret-arn",
        "students-claims-key-secret-arn",
    },
    # Lessons and analytics read the students table (DynamoDBReadPolicy) to act only on
    # students that exist (services/students/directory.py).
    "LessonsFunction": {
        "lessons-table-name",
        "lessons-api-key-secret-arn",
        "lessons-claims-key-secret-arn",
        "students-table-name",
    },
    "AnalyticsFunction": {
        "analytics-table-name",
        "analytics-api-key-secret-arn",
        "analytics-claims-key-secret-arn",
        "students-table-name",
    },
    "LessonsPublisherFunction": {
        "event-bus-arn",
        "lessons-table-stream-arn",
        "PublisherDeadLetterQueue",
    },
    "AnalyticsConsumerFunction": {"analytics-table-name", "ConsumerDeadLetterQueue"},
    "AnalyticsLeaderboardFunction": {"analytics-table-name", "students-table-name"},
    "StudentsRegistrationFunction": {
        "students-api-key-secret-arn",
        "students-registry-token-secret-arn",
    },
    "LessonsRegistrationFunction": {
        "lessons-api-key-secret-arn",
        "lessons-registry-token-secret-arn",
    },
    "AnalyticsRegistrationFunction": {
        "analytics-api-key-secret-arn",
        "analytics-registry-token-secret-arn",
    },
    "RegistryFunction": {
        "registry-table-name",
        "registry-admin-token-secret-arn",
        "bff-table-name",
        "students-registry-token-secret-arn",
        "lessons-registry-token-secret-arn",
        "analytics-registry-token-secret-arn",
    },
    "BffFunction": {
        "registry-table-name",
        "bff-table-name",
        "students-api-key-secret-arn",
        "lessons-api-key-secret-arn",
        "analytics-api-key-secret-arn",
        "students-claims-key-secret-arn",
        "lessons-claims-key-secret-arn",
        "analytics-claims-key-secret-arn",
        "bff-health-token-secret-arn",
    },
}
PLATFORM_POLICIES = set(FakeManagedPolicyLoader().load().values())


def named_resources(value: Any) -> set[str]:
    """Exports, own resources and literal ARNs a policy `Resource` refers to."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return set().union(*(named_resources(item) for item in value)) if value else set()
    if isinstance(value, dict):
        if "Fn::ImportValue" in value:
            name = value["Fn::ImportValue"]
            name = name.get("Fn::Sub", name) if isinstance(name, dict) else name
            return {str(name).removeprefix("bff-${Stage}-")}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::Sub" in value:
            body = value["Fn::Sub"]
            if isinstance(body, list):
                # The ARN pattern is the template's own; what it names are the variables.
                return set().union(*(named_resources(v) for v in body[1].values()))
            return {body}
    raise AssertionError(f"unexpected policy resource {value!r}")


def role_statements(path: Path) -> list[tuple[str, dict[str, Any], list[str]]]:
    resources = transformed(path)["Resources"]
    found = []
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        function_id = logical_id.removesuffix("Role")
        statements = [
            statement
            for policy in resource["Properties"].get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]
        ]
        managed = resource["Properties"].get("ManagedPolicyArns", [])
        found.append((function_id, {"Statement": statements}, managed))
    return found


ROLES = [(path, *role) for path in sam_templates() for role in role_statements(path)]


@pytest.mark.parametrize(
    ("path", "function_id", "document", "managed"),
    ROLES,
    ids=[f"{template_id(path)}:{function_id}" for path, function_id, _, _ in ROLES],
)
def test_each_policy_names_only_its_own_resources(
    path: Path, function_id: str, document: dict[str, Any], managed: list[str]
) -> None:
    # Only the logging and tracing policies every function gets: nothing grants "*" elsewhere.
    assert set(managed) <= PLATFORM_POLICIES
    assert document["Statement"], f"no policy statement found for {function_id}"
    named: set[str] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        resources = named_resources(statement["Resource"])
        assert "*" not in resources, f"{function_id} grants {statement['Action']} on *"
        named |= resources
    assert named <= ALLOWED[function_id], (
        f"{function_id} reaches {sorted(named - ALLOWED[function_id])}"
    )


def test_every_function_has_an_allowance_entry() -> None:
    assert {logical_id for _, logical_id, _ in FUNCTIONS} == set(ALLOWED)
    # ...and a role whose policies the test above checks.
    assert {function_id for _, function_id, _, _ in ROLES} == set(ALLOWED)


# -- edges --------------------------------------------------------------------------------------

SERVICE_STACKS = [INFRA / name / "service.yaml" for name in ("students", "lessons", "analytics")]


@pytest.mark.parametrize("path", SERVICE_STACKS, ids=template_id)
def test_the_subgraph_checks_every_key_of_its_secret_with_a_ttl(path: Path) -> None:
    """Rotation end to end: the function, not an API Gateway key fixed at deploy time, checks
    X-API-Key against the secret (every key in it) and re-reads it after the TTL; the same
    holds for the claims-signing keys."""
    service = path.parent.name
    resources = load(path)["Resources"]
    assert not {
        resource["Type"]
        for resource in resources.values()
        if resource["Type"] in {"AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlanKey"}
    }
    assert "ApiKeyRequired" not in resources["Api"]["Properties"].get("Auth", {})
    variables = resources[f"{service.capitalize()}Function"]["Properties"]["Environment"][
        "Variables"
    ]
    assert named_resources(variables["API_KEY_SECRET_ID"]) == {f"{service}-api-key-secret-arn"}
    assert named_resources(variables["CLAIMS_KEY_SECRET_ID"]) == {
        f"{service}-claims-key-secret-arn"
    }
    assert variables["SECRETS_TTL_SECONDS"] == {"Ref": "SecretsTtlSeconds"}
    throttling = resources["Api"]["Properties"]["MethodSettings"][0]
    assert throttling["ThrottlingRateLimit"] > 0


@pytest.mark.parametrize("path", SERVICE_STACKS, ids=template_id)
def test_deploying_a_service_registers_it(path: Path) -> None:
    service = path.parent.name
    registration = load(path)["Resources"]["Registration"]
    assert registration["Type"] == "Custom::ServiceRegistration"
    properties = registration["Properties"]
    assert properties["ServiceName"] == service
    assert named_resources(properties["RegistryUrl"]) == {"registry-url"}
    # A new function version on each code change re-registers the (possibly new) schema.
    assert properties["FunctionVersion"] == {"Ref": f"{service.capitalize()}Function.Version"}
    # A breaking change fails the deploy unless the stack is told to force it.
    assert properties["Force"] == {"Ref": "ForceBreakingChanges"}
    force = load(path)["Parameters"]["ForceBreakingChanges"]
    assert (force["Default"], force["AllowedValues"]) == ("false", ["false", "true"])


def test_the_bff_api_checks_jwts_on_graphql_and_only_health_and_graphiql_are_public() -> None:
    template = load(INFRA / "bff.yaml")
    api = template["Resources"]["Api"]["Properties"]["Auth"]
    jwt_config = api["Authorizers"][api["DefaultAuthorizer"]]["JwtConfiguration"]
    assert jwt_config == {"issuer": {"Ref": "JwtIssuer"}, "audience": [{"Ref": "JwtAudience"}]}
    events = template["Resources"]["BffFunction"]["Properties"]["Events"]
    public = {
        event["Properties"]["Path"]
        for event in events.values()
        if event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert public == {"/health", "/health/live", "/graphiql", "/graphiql/{proxy+}"}
    assert all(
        event["Properties"]["Method"] == "GET"
        for event in events.values()
        if event["Properties"]["Path"] in public
    )
    routes = transformed(INFRA / "bff.yaml")["Resources"]
    graphql_routes = [
        r["Properties"]
        for r in routes.values()
        if r["Type"] == "AWS::ApiGatewayV2::Route" and "/graphql" in r["Properties"]["RouteKey"]
    ]
    if graphql_routes:  # SAM may express routes in an OpenAPI body instead
        assert all(route["AuthorizationType"] == "JWT" for route in graphql_routes)
    else:
        body = routes["Api"]["Properties"]["Body"]["paths"]["/graphql"]
        assert all(operation["security"] == [{"Jwt": []}] for operation in body.values())


def test_the_public_health_route_shows_details_only_for_the_generated_health_token() -> None:
    function = transformed(INFRA / "bff.yaml")["Resources"]["BffFunction"]["Properties"]
    health_secret = {"Fn::ImportValue": {"Fn::Sub": "bff-${Stage}-bff-health-token-secret-arn"}}
    # The function names the secret (never a value) and its role may read it.
    assert function["Environment"]["Variables"]["HEALTH_TOKEN_SECRET_ID"] == health_secret
    assert "HEALTH_TOKEN" not in function["Environment"]["Variables"]
    [reads] = [
        statement["Resource"]
        for _, document, _ in role_statements(INFRA / "bff.yaml")
        for statement in document["Statement"]
        if statement["Action"] == "secretsmanager:GetSecretValue"
    ]
    assert health_secret in reads
    # The secret is generated by CloudFormation in the stateful stack, retained, and exported
    # under the name the function imports.
    stateful = load(INFRA / "bff" / "stateful.yaml")
    secret = stateful["Resources"]["HealthTokenSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["DeletionPolicy"] == "Retain"
    assert "SecretString" not in secret["Properties"]
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    exported = stateful["Outputs"]["HealthTokenSecretArn"]
    assert exported["Value"] == {"Ref": "HealthTokenSecret"}
    assert exported["Export"]["Name"] == health_secret["Fn::ImportValue"]


def test_lessons_stream_publisher_retries_bisects_and_parks_failures() -> None:
    mapping = load(INFRA / "lessons" / "service.yaml")["Resources"]["PublisherStream"]
    properties = mapping["Properties"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["MaximumRetryAttempts"] > 0
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["PublisherDeadLetterQueue", "Arn"]
    }


def test_analytics_consumes_lesson_completed_with_retries_and_dlqs_and_refreshes_hourly() -> None:
    resources = load(INFRA / "analytics" / "service.yaml")["Resources"]
    consumer = resources["AnalyticsConsumerFunction"]["Properties"]
    rule = consumer["Events"]["LessonCompleted"]["Properties"]
    assert rule["Pattern"] == {"source": ["lessons"], "detail-type": ["LessonCompleted"]}
    assert rule["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert "Arn" in rule["DeadLetterConfig"]
    assert "OnFailure" in consumer["EventInvokeConfig"]["DestinationConfig"]
    schedule = resources["AnalyticsLeaderboardFunction"]["Properties"]["Events"]["Hourly"]
    assert schedule["Properties"]["Schedule"] == "rate(1 hour)"


# -- logs and alarms ----------------------------------------------------------------------------


def _referenced(value: Any) -> str:
    """The logical id a `!Ref X` or `!GetAtt X.Attr` names."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


def _retention_is_set(resources: dict[str, Any], logical_id: str) -> bool:
    group = resources[logical_id]
    return group["Type"] == "AWS::Logs::LogGroup" and group["Properties"]["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }


@pytest.mark.parametrize(("path", "logical_id", "properties"), FUNCTIONS, ids=FUNCTION_IDS)
def test_every_function_logs_to_its_own_log_group_with_a_retention(
    path: Path, logical_id: str, properties: dict[str, Any]
) -> None:
    resources = load(path)["Resources"]
    group = _referenced(properties["LoggingConfig"]["LogGroup"])
    assert _retention_is_set(resources, group)
    # One group per function: no two functions share one.
    users = [
        other
        for other, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and _referenced(resource["Properties"]["LoggingConfig"]["LogGroup"]) == group
    ]
    assert users == [logical_id]
    assert "LogRetentionDays" in load(path)["Parameters"]


HTTP_APIS = [
    (path, logical_id)
    for path in sam_templates()
    for logical_id, resource in load(path)["Resources"].items()
    if resource["Type"] == "AWS::Serverless::HttpApi"
]


@pytest.mark.parametrize(
    ("path", "api"), HTTP_APIS, ids=[f"{template_id(p)}:{api}" for p, api in HTTP_APIS]
)
def test_http_apis_write_json_access_logs_to_a_retained_log_group(path: Path, api: str) -> None:
    resources = load(path)["Resources"]
    settings = resources[api]["Properties"]["AccessLogSettings"]
    assert _retention_is_set(resources, _referenced(settings["DestinationArn"]))
    record = json.loads(settings["Format"])
    assert {"requestId", "status", "latencyMs", "integrationError"} <= set(record)
    # ...and the transform keeps them on the stage it creates.
    stages = [
        r["Properties"]
        for r in transformed(path)["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Stage"
    ]
    assert stages and all("AccessLogSettings" in stage for stage in stages)


def alarms(path: Path) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in load(path)["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def _alarmed_metrics(alarm: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(namespace, metric, the resource its dimension names) of an alarm or its metric math."""
    metrics = (
        [alarm]
        if "MetricName" in alarm
        else [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]
    )
    found = set()
    for metric in metrics:
        (dimension,) = metric["Dimensions"]
        value = dimension["Value"]
        name = value["Fn::Sub"] if "Fn::Sub" in value else _referenced(value)
        found.add((metric["Namespace"], metric["MetricName"], name))
    return found


def test_the_bff_api_alarms_on_its_5xx_rate_latency_and_throttles() -> None:
    found = alarms(INFRA / "bff.yaml")
    rate = found["ApiServerErrorRateAlarm"]
    assert _alarmed_metrics(rate) == {
        ("AWS/ApiGateway", "5xx", "Api"),
        ("AWS/ApiGateway", "Count", "Api"),
    }
    assert "errors / requests" in rate["Metrics"][0]["Expression"]
    assert rate["Threshold"] == {"Ref": "ServerErrorRatePercent"}
    latency = found["ApiLatencyAlarm"]
    assert _alarmed_metrics(latency) == {("AWS/ApiGateway", "Latency", "Api")}
    assert latency["ExtendedStatistic"] == "p99"
    function_name = load(INFRA / "bff.yaml")["Resources"]["BffFunction"]["Properties"]
    assert _alarmed_metrics(found["BffFunctionThrottlesAlarm"]) == {
        ("AWS/Lambda", "Throttles", function_name["FunctionName"]["Fn::Sub"])
    }


@pytest.mark.parametrize("path", SERVICE_STACKS, ids=template_id)
def test_every_dead_letter_queue_alarms_as_soon_as_it_holds_a_message(path: Path) -> None:
    resources = load(path)["Resources"]
    queues = {lid for lid, r in resources.items() if r["Type"] == "AWS::SQS::Queue"}
    watched = {
        name
        for alarm in alarms(path).values()
        for namespace, metric, name in _alarmed_metrics(alarm)
        if (namespace, metric) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    }
    assert watched == queues
    for alarm in alarms(path).values():
        if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible":
            assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


@pytest.mark.parametrize("path", SERVICE_STACKS, ids=template_id)
def test_each_subgraph_function_alarms_on_throttles(path: Path) -> None:
    name = load(path)["Resources"][f"{path.parent.name.capitalize()}Function"]["Properties"]
    assert ("AWS/Lambda", "Throttles", name["FunctionName"]["Fn::Sub"]) in {
        metric for alarm in alarms(path).values() for metric in _alarmed_metrics(alarm)
    }


@pytest.mark.parametrize("path", sam_templates(), ids=template_id)
def test_alarms_notify_the_topic_when_one_is_given(path: Path) -> None:
    for alarm in alarms(path).values():
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }


def test_the_bff_traces_to_the_adot_layer_only_when_the_layer_is_given() -> None:
    properties = load(INFRA / "bff.yaml")["Resources"]["BffFunction"]["Properties"]
    layers = {"Fn::If": ["HasTracing", [{"Ref": "TracingLayerArn"}], {"Ref": "AWS::NoValue"}]}
    assert properties["Layers"] == layers
    exporter = properties["Environment"]["Variables"]["TRACING_EXPORTER"]
    assert exporter == {"Fn::If": ["HasTracing", "otlp", "off"]}
    assert load(INFRA / "bff.yaml")["Parameters"]["TracingLayerArn"]["Default"] == ""


@pytest.mark.parametrize("path", SERVICE_STACKS, ids=template_id)
def test_each_subgraph_traces_to_the_adot_layer_only_when_the_layer_is_given(path: Path) -> None:
    template = load(path)
    (graphql_function,) = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
        and resource["Properties"]["Handler"].endswith(".handler.handler")
    ]
    layers = {"Fn::If": ["HasTracing", [{"Ref": "TracingLayerArn"}], {"Ref": "AWS::NoValue"}]}
    assert graphql_function["Layers"] == layers
    exporter = graphql_function["Environment"]["Variables"]["TRACING_EXPORTER"]
    assert exporter == {"Fn::If": ["HasTracing", "otlp", "off"]}
    assert template["Parameters"]["TracingLayerArn"]["Default"] == ""
