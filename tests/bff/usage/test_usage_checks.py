"""Usage the BFF recorded, read by the registry: GET /usage, GET /usage/coordinates/{c}, and
POST /checks (and PUT /services: refused only for a used change) weighing each breaking change
by who used it (the BFF and the registry over the
same tables, moto server over HTTP)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from discovery.api import RegistrySettings, create_app
from tests.bff.clients.conftest import PROFILE, ClientStack, post
from tests.services.toolkit.transports import Transport, open_transport
from tests.support.edge_clients import ASGIClient
from tests.support.tagged_subgraphs import tagged_sdl

TOKEN = "usage-test-admin-token"
WITHOUT_NAME = tagged_sdl("students").replace(
    "  id: ID!\n  name: String!\n  email", "  id: ID!\n  email"
)
WITHOUT_EMAIL = tagged_sdl("students").replace('  email: String! @tag(name: "internal")\n', "")


@pytest.fixture
def registry(stack: ClientStack, dynamodb_client: Any) -> Iterator[Transport]:
    settings = RegistrySettings(
        stack.registry_table, admin_token=TOKEN, usage_table=stack.bff_table
    )
    with open_transport("http", create_app(settings, dynamodb_client=dynamodb_client)) as transport:
        yield transport


def call(registry: Transport, method: str, path: str, body: Any = None) -> Any:
    reply = registry.request(
        method,
        path,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        body=None if body is None else json.dumps(body).encode(),
    )
    assert reply.status == 200, reply.body
    return reply.json()


def check(registry: Transport, sdl: str, **options: Any) -> dict[str, Any]:
    body = {"name": "students", "url": "http://students.test/graphql", "sdl": sdl, **options}
    return call(registry, "POST", "/checks", body)


@pytest.fixture
def used(client: ASGIClient) -> None:
    """mobile ran Profile twice, web a query of its own; then the BFF flushed."""
    for _ in range(2):
        post(client, {"documentId": "mobile-profile", "variables": {"id": "1"}}, "mobile")
    post(client, {"query": "query Titles { lessons { title } }"}, "web")
    assert client.app.gateway.usage.flush() == 2


def test_removing_a_field_mobile_uses_reports_mobile_and_the_operation(
    registry: Transport, used: None
) -> None:
    report = check(registry, WITHOUT_NAME)

    assert report["ok"] is False
    (change,) = report["breakingChanges"]
    assert change["coordinate"] == "Student.name"
    assert change["usage"]["clients"] == ["mobile"]
    (operation,) = change["usage"]["operations"]
    assert operation | {"lastSeen": None} == {
        "client": "mobile",
        "name": "Profile",
        "hash": hashlib.sha256(PROFILE.encode()).hexdigest(),
        "count": 2,
        "lastSeen": None,
    }
    assert operation["lastSeen"].endswith("Z")
    # mobile's published Profile document selects it too.
    assert [client["name"] for client in report["clients"]] == ["mobile"]


def test_removing_an_unused_field_passes_and_fails_under_strict(
    registry: Transport, used: None
) -> None:
    report = check(registry, WITHOUT_EMAIL)

    (change,) = report["breakingChanges"]
    assert (change["coordinate"], change["usage"]) == ("Student.email", None)
    assert report["ok"] is True
    assert report["usageRecorded"] is True
    strict = check(registry, WITHOUT_EMAIL, strict=True)
    assert strict["ok"] is False
    assert strict["strict"] is True


def test_usage_outside_the_window_does_not_count(
    stack: ClientStack, registry: Transport, dynamodb_client: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from bff.registry_table.usage import OperationKey, update_arguments

    old = datetime.now(UTC).date() - timedelta(days=10)
    dynamodb_client.update_item(
        **update_arguments(
            stack.bff_table,
            old,
            OperationKey("mobile", "1.0", "h", "Old"),
            count=5,
            errors=0,
            coordinates=["Student.name"],
            last_seen=f"{old.isoformat()}T00:00:00Z",
            expires_at=2_000_000_000,
        )
    )

    assert check(registry, WITHOUT_NAME, windowDays=7)["breakingChanges"][0]["usage"] is None
    within = check(registry, WITHOUT_NAME, windowDays=14)["breakingChanges"][0]["usage"]
    assert within["operations"][0]["name"] == "Old"


def test_get_usage_lists_operations_and_each_clients_most_used(
    registry: Transport, used: None
) -> None:
    answer = call(registry, "GET", "/usage")

    assert [(o["client"], o["name"], o["count"]) for o in answer["operations"]] == [
        ("mobile", "Profile", 2),
        ("web", "Titles", 1),
    ]
    assert answer["operations"][1]["coordinates"] == ["Lesson.title", "Query.lessons"]
    assert [(c["name"], c["count"], c["topOperations"][0]["name"]) for c in answer["clients"]] == [
        ("mobile", 2, "Profile"),
        ("web", 1, "Titles"),
    ]
    only_web = call(registry, "GET", "/usage?client=web")
    assert [o["client"] for o in only_web["operations"]] == ["web"]


def test_get_usage_of_a_coordinate(registry: Transport, used: None) -> None:
    name = call(registry, "GET", "/usage/coordinates/Student.name")
    email = call(registry, "GET", "/usage/coordinates/Student.email")
    lesson = call(registry, "GET", "/usage/coordinates/Lesson")

    assert (name["used"], name["count"], name["clients"]) == (True, 2, ["mobile"])
    assert name["lastSeen"].endswith("Z")
    assert (email["used"], email["count"], email["lastSeen"]) == (False, 0, None)
    # A type name matches its members.
    assert lesson["clients"] == ["web"]


def test_without_a_bff_table_usage_is_not_recorded(
    stack: ClientStack, dynamodb_client: Any
) -> None:
    settings = RegistrySettings(stack.registry_table, admin_token=TOKEN)
    with open_transport("http", create_app(settings, dynamodb_client=dynamodb_client)) as registry:
        reply = registry.request("GET", "/usage", headers={"Authorization": f"Bearer {TOKEN}"})
        assert reply.status == 404
        assert reply.json()["errors"][0]["code"] == "USAGE_NOT_RECORDED"
        # Checks then count every breaking change, as before usage existed.
        report = check(registry, WITHOUT_EMAIL)
        assert (report["ok"], report["usageRecorded"]) == (False, False)


@pytest.fixture
def registry_url(stack: ClientStack, dynamodb_client: Any) -> Iterator[str]:
    from services.toolkit.serving import BackgroundServer

    settings = RegistrySettings(
        stack.registry_table, admin_token=TOKEN, usage_table=stack.bff_table
    )
    with BackgroundServer(create_app(settings, dynamodb_client=dynamodb_client)) as server:
        yield server.url


def bff(registry_url: str, *argv: str) -> int:
    from bff.cli import main

    command, action, *rest = argv
    return main([command, action, "--registry", registry_url, "--token", TOKEN, *rest])


def test_the_cli_shows_who_a_change_breaks_and_what_was_used(
    registry_url: str, used: None, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    used_field, unused_field = tmp_path / "without-name.graphql", tmp_path / "without-email.graphql"
    used_field.write_text(WITHOUT_NAME)
    unused_field.write_text(WITHOUT_EMAIL)
    capsys.readouterr()

    assert bff(registry_url, "services", "check", "students", "--sdl", str(used_field)) == 1
    refused = capsys.readouterr().out
    assert bff(registry_url, "services", "check", "students", "--sdl", str(unused_field)) == 0
    passed = capsys.readouterr().out
    strict = ["services", "check", "students", "--sdl", str(unused_field), "--strict"]
    assert bff(registry_url, *strict) == 1
    capsys.readouterr()

    assert "FIELD_REMOVED  Student.name  mobile: Profile (2)" in refused
    assert "breaks client mobile:" in refused
    assert "FIELD_REMOVED  Student.email  unused" in passed
    assert "ok: no client used these in the last 30 days (--strict fails on them)" in passed

    assert bff(registry_url, "usage", "operations") == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[1].split() == ["CLIENT", "OPERATION", "HASH", "COUNT", "ERRORS", "LAST", "SEEN"]
    assert listing[2].split()[:2] == ["mobile", "Profile"]
    assert bff(registry_url, "usage", "coordinate", "Student.email") == 0
    assert "Student.email: unused from" in capsys.readouterr().out
    assert bff(registry_url, "usage", "coordinate", "Student.name") == 0
    assert "Student.name: 2 request(s) by mobile, last" in capsys.readouterr().out


# --- registration weighed by usage: a used field is not removed without force -----------


def register(registry: Transport, sdl: str, **options: Any) -> tuple[int, Any]:
    body = {"url": "http://students.test/graphql", "sdl": sdl, **options}
    reply = registry.request(
        "PUT",
        "/services/students",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    return reply.status, reply.json()


def test_a_used_field_is_not_removed_without_force(registry: Transport, used: None) -> None:
    status, body = register(registry, WITHOUT_NAME)

    assert status == 409
    assert [e.get("coordinate") for e in body["errors"][1:]] == ["Student.name"]
    forced_status, forced = register(registry, WITHOUT_NAME, force=True)
    assert forced_status == 200
    assert [c["coordinate"] for c in forced["breakingChanges"]] == ["Student.name"]


def test_a_field_nobody_used_is_removed_without_force(registry: Transport, used: None) -> None:
    status, body = register(registry, WITHOUT_EMAIL)

    assert status == 200, body
    assert [c["coordinate"] for c in body["breakingChanges"]] == ["Student.email"]
