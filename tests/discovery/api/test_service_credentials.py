"""Per-service registry credentials: a service's token registers, updates, reads and checks
that service only, and only with its own apiKeyRef; delete, rollback, other services and
clients need the admin token. Every refusal is 403 FORBIDDEN and changes nothing."""

from __future__ import annotations

import pytest

from tests.discovery.api.conftest import ADMIN_TOKEN, SERVICE_TOKENS, RegistryApi, subgraph_sdl

STUDENTS, LESSONS = SERVICE_TOKENS["students"], SERVICE_TOKENS["lessons"]
OWN_REF = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:bff/dev/students/api-key-AbCdEf"
LESSONS_REF = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:bff/dev/lessons/api-key-XyZ"


def registration(name: str, url: str | None = None, **fields: object) -> dict[str, object]:
    return {"url": url or f"http://{name}.test/graphql", "sdl": subgraph_sdl(name), **fields}


def forbidden(reply: object) -> bool:
    return reply.status == 403 and reply.json()["errors"][0]["code"] == "FORBIDDEN"  # type: ignore[attr-defined]


def snapshot(api: RegistryApi) -> object:
    """What the registry holds (read as admin): services and the published version."""
    return api.call("GET", "/services").json()


@pytest.fixture
def registered(api: RegistryApi) -> RegistryApi:
    """students (own ref) and lessons registered, each with its own credential."""
    body = registration("students", apiKeyRef=OWN_REF)
    assert api.call("PUT", "/services/students", body, token=STUDENTS).status == 200
    body = registration("lessons", apiKeyRef=LESSONS_REF)
    assert api.call("PUT", "/services/lessons", body, token=LESSONS).status == 200
    return api


def test_a_service_registers_updates_reads_and_checks_itself(registered: RegistryApi) -> None:
    api = registered
    moved = registration("students", url="http://students-v2.test/graphql", apiKeyRef=OWN_REF)
    updated = api.call("PUT", "/services/students", moved, token=STUDENTS)
    assert updated.status == 200 and updated.json()["changed"] is True
    read = api.call("GET", "/services/students", token=STUDENTS)
    assert read.json()["url"] == "http://students-v2.test/graphql"
    check = {"name": "students", "url": "http://students-v2.test/graphql"}
    checked = api.call(
        "POST", "/checks", {**check, "sdl": subgraph_sdl("students")}, token=STUDENTS
    )
    assert checked.status == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/services/lessons", registration("lessons", url="http://evil.test/graphql")),
        ("DELETE", "/services/lessons", None),
        ("DELETE", "/services/students", None),
        ("GET", "/services/lessons", None),
        ("GET", "/services", None),
        (
            "POST",
            "/checks",
            {"name": "lessons", "url": "http://x.test", "sdl": "type Query { a: Int }"},
        ),
        ("POST", "/supergraph/rollback", {"version": 1}),
        ("GET", "/supergraph", None),
        ("PUT", "/clients/web", {"policy": "open"}),
        ("GET", "/clients", None),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_service_credential_cannot_touch_others_or_admin_routes(
    registered: RegistryApi, method: str, path: str, body: object
) -> None:
    before = snapshot(registered)

    reply = registered.call(method, path, body, token=STUDENTS)

    assert forbidden(reply), reply.body
    assert snapshot(registered) == before
    assert registered.call("GET", "/clients", token=ADMIN_TOKEN).json()["clients"] == []


@pytest.mark.parametrize(
    "ref",
    [LESSONS_REF, "bff/dev/lessons/api-key", "local/lessons/api-key", "students"],
    ids=["lessons-arn", "lessons-name", "lessons-local", "no-pattern"],
)
def test_a_service_may_only_name_its_own_api_key_secret(registered: RegistryApi, ref: str) -> None:
    before = snapshot(registered)

    reply = registered.call(
        "PUT", "/services/students", registration("students", apiKeyRef=ref), token=STUDENTS
    )

    assert forbidden(reply)
    assert snapshot(registered) == before


def test_the_admin_may_do_everything(registered: RegistryApi) -> None:
    api = registered
    repointed = registration("lessons", url="http://lessons-v2.test/graphql", apiKeyRef="any/ref")
    assert api.call("PUT", "/services/lessons", repointed).status == 200
    assert api.call("DELETE", "/services/lessons").status == 200
    assert api.call("POST", "/supergraph/rollback", {"version": 1}).status == 200


def test_an_unknown_token_is_401(registered: RegistryApi) -> None:
    reply = registered.call("GET", "/services/students", token="not-a-registry-token")
    assert reply.status == 401
    assert reply.json()["errors"][0]["code"] == "UNAUTHENTICATED"
