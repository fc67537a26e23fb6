"""The registration custom resource against a real local registry, service and ResponseURL.

The registry API and the students subgraph run under uvicorn on free ports, DynamoDB and
Secrets Manager are the moto server, and CloudFormation's pre-signed ResponseURL is a loopback
HTTP server that records what the handler PUTs.
"""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from bff.tables import REGISTRY, STUDENTS, create_table
from discovery.api import create_app as create_registry_app
from discovery.api.credentials import ServiceTokens
from discovery.api.settings import RegistrySettings
from discovery.registration import fetch_service_sdl
from discovery.registration_resource import NOT_REGISTERED, handler
from services.students.app import create_app as create_students_app
from services.students.repository import StudentRepository
from services.toolkit.api_keys import ApiKeys
from services.toolkit.serving import BackgroundServer
from tests.support.api_gateway import FakeLambdaContext

FIXTURES = Path(__file__).parent / "fixtures" / "registration"
ADMIN_TOKEN = "admin-" + uuid.uuid4().hex
API_KEY = "students-" + uuid.uuid4().hex
# Each service's own registry credential; the custom resource uses its service's.
SERVICE_TOKENS = {name: f"{name}-registry-{uuid.uuid4().hex}" for name in ("students", "impostor")}


@dataclass
class CloudFormation:
    """Stands in for the pre-signed S3 URL CloudFormation waits on."""

    server: ThreadingHTTPServer
    responses: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str | None] = field(default_factory=list)

    @property
    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/presigned?X-Amz-Signature=x"

    def last(self) -> dict[str, Any]:
        return self.responses[-1]


@pytest.fixture(scope="module")
def cloudformation() -> Iterator[CloudFormation]:
    received: list[dict[str, Any]] = []
    content_types: list[str | None] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(json.loads(body))
            content_types.append(self.headers.get("content-type"))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield CloudFormation(server, received, content_types)
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Deployment:
    registry_url: str
    service_url: str
    token_secrets: dict[str, str]  # each service's registry token, by service
    key_secrets: dict[str, str]  # each service's API key secret (named as in AWS)
    admin_secret: str
    wrong_token_secret: str


@pytest.fixture(scope="module")
def deployment(moto_server: Any, dynamodb_client: Any) -> Iterator[Deployment]:
    suffix = uuid.uuid4().hex[:8]
    registry_table = f"registry-{suffix}"
    students_table = f"students-{suffix}"
    create_table(dynamodb_client, REGISTRY, registry_table)
    create_table(dynamodb_client, STUDENTS, students_table)
    secrets = boto3.client("secretsmanager", endpoint_url=moto_server.endpoint)

    def secret(name: str, value: str) -> str:
        return str(secrets.create_secret(Name=name, SecretString=value)["ARN"])

    token_secrets = {
        name: secret(f"bff/{suffix}/{name}/registry-token", token)
        for name, token in SERVICE_TOKENS.items()
    }
    # The impostor holds the same API key: only its credential and name differ.
    key_secrets = {name: secret(f"bff/{suffix}/{name}/api-key", API_KEY) for name in SERVICE_TOKENS}
    admin_secret = secret(f"bff/{suffix}/registry/admin-token", ADMIN_TOKEN)
    wrong_token_secret = secret(f"wrong-token-{suffix}", "not-a-registry-token")
    registry = create_registry_app(
        RegistrySettings(table_name=registry_table, admin_token=ADMIN_TOKEN),
        dynamodb_client=dynamodb_client,
        service_tokens=ServiceTokens(SERVICE_TOKENS),
    )
    students = create_students_app(
        StudentRepository(students_table, dynamodb_client), api_keys=ApiKeys.of(API_KEY)
    )
    with BackgroundServer(registry) as registry_server, BackgroundServer(students) as service:
        # Another service stays registered throughout, so removing students leaves a graph.
        status, _ = registry_call(
            registry_server.url,
            "PUT",
            "/services/greetings",
            {
                "url": "http://127.0.0.1:9/graphql",
                "sdl": (FIXTURES / "greetings.graphql").read_text(),
            },
        )
        assert status == 200
        yield Deployment(
            registry_url=registry_server.url,
            service_url=f"{service.url}/graphql",
            token_secrets=token_secrets,
            key_secrets=key_secrets,
            admin_secret=admin_secret,
            wrong_token_secret=wrong_token_secret,
        )


@pytest.fixture(autouse=True)
def secrets_on_moto(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The handler builds its own client from the environment, as in Lambda.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)


@dataclass
class LambdaContext(FakeLambdaContext):
    """The shared fake context, with the time left settable (the handler budgets its retries
    by it)."""

    function_name: str = "registration"
    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def cfn_event(
    cloudformation: CloudFormation,
    deployment: Deployment,
    request_type: str,
    *,
    name: str = "students",
    physical_id: str | None = None,
    **overrides: str,
) -> dict[str, Any]:
    properties = {
        "ServiceToken": "arn:aws:lambda:us-east-1:000000000000:function:registration",
        "ServiceName": name,
        "ServiceUrl": deployment.service_url,
        "RegistryUrl": deployment.registry_url,
        "RegistryTokenSecretId": deployment.token_secrets.get(name, deployment.admin_secret),
        "ApiKeySecretId": deployment.key_secrets.get(name, ""),
        "FunctionVersion": "1",
        **overrides,
    }
    event = {
        "RequestType": request_type,
        "ResponseURL": cloudformation.response_url,
        "StackId": "arn:aws:cloudformation:us-east-1:000000000000:stack/bff-test-students/1",
        "RequestId": str(uuid.uuid4()),
        "ResourceType": "Custom::ServiceRegistration",
        "LogicalResourceId": "Registration",
        "ResourceProperties": properties,
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        event["OldResourceProperties"] = {**properties, "FunctionVersion": "0"}
    return event


def registry_get(deployment: Deployment, path: str) -> tuple[int, dict[str, Any]]:
    return registry_call(deployment.registry_url, "GET", path)


def registry_call(
    registry_url: str, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{registry_url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_create_and_update_register_the_service_and_delete_leaves_it_to_the_admin(
    cloudformation: CloudFormation, deployment: Deployment
) -> None:
    create = cfn_event(cloudformation, deployment, "Create")
    handler(create, LambdaContext())
    created = cloudformation.last()
    assert created["Status"] == "SUCCESS", created["Reason"]
    assert created["RequestId"] == create["RequestId"]
    assert created["StackId"] == create["StackId"]
    assert created["LogicalResourceId"] == "Registration"
    assert created["PhysicalResourceId"] == f"students@{deployment.registry_url}"
    assert created["Data"]["supergraphVersion"] >= 1
    # Pre-signed S3 URLs are signed without a content type.
    assert cloudformation.content_types[-1] in (None, "")
    status, service = registry_get(deployment, "/services/students")
    assert status == 200
    assert service["url"] == deployment.service_url
    assert service["apiKeyRef"] == deployment.key_secrets["students"]
    assert "type Student" in service["sdl"]

    update = cfn_event(
        cloudformation,
        deployment,
        "Update",
        physical_id=created["PhysicalResourceId"],
        FunctionVersion="2",
    )
    handler(update, LambdaContext())
    updated = cloudformation.last()
    assert updated["Status"] == "SUCCESS", updated["Reason"]
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]

    delete = cfn_event(
        cloudformation, deployment, "Delete", physical_id=created["PhysicalResourceId"]
    )
    handler(delete, LambdaContext())
    # The service's credential may not remove it: the stack's Delete succeeds and the
    # registration stays for an admin to remove.
    assert cloudformation.last()["Status"] == "SUCCESS"
    assert registry_get(deployment, "/services/students")[0] == 200


def test_a_services_credential_cannot_register_or_repoint_another_service(
    cloudformation: CloudFormation, deployment: Deployment
) -> None:
    handler(cfn_event(cloudformation, deployment, "Create"), LambdaContext())
    _, before = registry_get(deployment, "/services/greetings")

    # The students stack's resource, renamed to take over greetings (its key ref and URL).
    takeover = cfn_event(
        cloudformation,
        deployment,
        "Create",
        name="greetings",
        RegistryTokenSecretId=deployment.token_secrets["students"],
        ApiKeySecretId=deployment.key_secrets["students"],
    )
    handler(takeover, LambdaContext())
    refused = cloudformation.last()

    assert refused["Status"] == "FAILED"
    assert "403" in refused["Reason"]
    assert registry_get(deployment, "/services/greetings")[1] == before


def test_a_refused_registration_fails_the_deploy_with_the_composition_errors(
    cloudformation: CloudFormation, deployment: Deployment
) -> None:
    handler(cfn_event(cloudformation, deployment, "Create"), LambdaContext())
    assert cloudformation.last()["Status"] == "SUCCESS"
    # The same schema under a second name defines every students field twice: no composition.
    impostor = cfn_event(cloudformation, deployment, "Create", name="impostor")
    handler(impostor, LambdaContext())
    refused = cloudformation.last()
    assert refused["Status"] == "FAILED"
    assert refused["Reason"].startswith("the registry refused impostor: ")
    assert (
        "[" in refused["Reason"]
    )  # error codes from the composition, e.g. [INVALID_FIELD_SHARING]
    assert refused["PhysicalResourceId"] == NOT_REGISTERED
    assert registry_get(deployment, "/services/impostor")[0] == 404
    assert ADMIN_TOKEN not in json.dumps(refused) and API_KEY not in json.dumps(refused)

    # CloudFormation rolls the failed Create back with a Delete: nothing to remove, success.
    rollback = cfn_event(
        cloudformation, deployment, "Delete", name="impostor", physical_id=NOT_REGISTERED
    )
    handler(rollback, LambdaContext())
    assert cloudformation.last()["Status"] == "SUCCESS"
    assert registry_get(deployment, "/services")[0] == 200
    _, services = registry_get(deployment, "/services")
    assert "impostor" not in json.dumps(services)


def test_a_wrong_registry_token_fails_without_leaking_it(
    cloudformation: CloudFormation, deployment: Deployment
) -> None:
    event = cfn_event(
        cloudformation, deployment, "Create", RegistryTokenSecretId=deployment.wrong_token_secret
    )
    handler(event, LambdaContext())
    failed = cloudformation.last()
    assert failed["Status"] == "FAILED"
    assert failed["Reason"].startswith("registering students: registry answered 401")
    assert "not-a-registry-token" not in json.dumps(failed)
    assert API_KEY not in json.dumps(failed)


def test_an_unreachable_service_fails_the_deploy_in_time(
    cloudformation: CloudFormation, deployment: Deployment
) -> None:
    event = cfn_event(cloudformation, deployment, "Create", ServiceUrl="http://127.0.0.1:9/graphql")
    # Barely more than the reserve kept for the response: no time for retries.
    handler(event, LambdaContext(remaining_ms=5500))
    failed = cloudformation.last()
    assert failed["Status"] == "FAILED"
    assert "http://127.0.0.1:9/graphql is unreachable" in failed["Reason"]


def test_a_wrong_service_key_fails_the_deploy(
    cloudformation: CloudFormation, deployment: Deployment, moto_server: Any
) -> None:
    secrets = boto3.client("secretsmanager", endpoint_url=moto_server.endpoint)
    other = secrets.create_secret(Name=f"other-{uuid.uuid4().hex[:8]}", SecretString="nope")
    event = cfn_event(cloudformation, deployment, "Create", ApiKeySecretId=other["ARN"])
    handler(event, LambdaContext())
    failed = cloudformation.last()
    assert failed["Status"] == "FAILED"
    assert "refused the SDL query with HTTP 401" in failed["Reason"]
    assert "nope" not in failed["Reason"]


def test_missing_properties_and_unreadable_secrets_are_reported(
    cloudformation: CloudFormation, deployment: Deployment
) -> None:
    event = cfn_event(cloudformation, deployment, "Create", RegistryUrl="")
    handler(event, LambdaContext())
    assert cloudformation.last()["Status"] == "FAILED"
    assert "RegistryUrl" in cloudformation.last()["Reason"]

    event = cfn_event(cloudformation, deployment, "Create", RegistryTokenSecretId="no-such-secret")
    handler(event, LambdaContext())
    assert cloudformation.last()["Status"] == "FAILED"
    assert "cannot read secret no-such-secret" in cloudformation.last()["Reason"]


def test_a_breaking_change_fails_the_deploy_unless_forced_and_the_check_is_reported(
    cloudformation: CloudFormation, deployment: Deployment
) -> None:
    # What is published has a field the deployed service no longer serves.
    served = fetch_service_sdl(deployment.service_url, API_KEY)
    assert "type Query {" in served
    published = served.replace("type Query {", "type Query {\n  legacy: String", 1)
    status, _ = registry_call(
        deployment.registry_url,
        "PUT",
        "/services/students",
        {"url": deployment.service_url, "sdl": published, "force": True},
    )
    assert status == 200

    handler(cfn_event(cloudformation, deployment, "Create"), LambdaContext())
    refused = cloudformation.last()
    assert refused["Status"] == "FAILED"
    assert refused["Reason"].startswith("the registry refused students: it would break client")
    assert "[FIELD_REMOVED]" in refused["Reason"] and "Query.legacy" in refused["Reason"]
    assert registry_get(deployment, "/services/students")[1]["sdl"] == published

    handler(cfn_event(cloudformation, deployment, "Create", Force="true"), LambdaContext())
    forced = cloudformation.last()
    assert forced["Status"] == "SUCCESS", forced["Reason"]
    assert forced["Data"]["breakingChanges"] == 1
    assert forced["Data"]["breakingChangeCoordinates"] == "Query.legacy"
    assert registry_get(deployment, "/services/students")[1]["sdl"] == served

    # A deploy that breaks nothing reports a clean check.
    handler(cfn_event(cloudformation, deployment, "Create", FunctionVersion="3"), LambdaContext())
    clean = cloudformation.last()
    assert (clean["Status"], clean["Data"]["breakingChanges"]) == ("SUCCESS", 0)
