"""PUT/GET/DELETE /services over HTTP and through the Lambda handler (v1 and v2 events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.discovery.api.conftest import RegistryApi, subgraph_sdl
from tests.discovery.conftest import table_items


def registration(name: str, version: int, supergraph: int, *, changed: bool) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "supergraphVersion": supergraph,
        "changed": changed,
        "breakingChanges": [],
    }


def test_register_publishes_a_supergraph_version(api: RegistryApi) -> None:
    first = api.register("students")
    second = api.register("lessons")

    assert first.status == 200
    assert first.json() == registration("students", 1, 1, changed=True)
    assert second.json() == registration("lessons", 2, 2, changed=True)


def test_unchanged_registration_is_a_no_op(api: RegistryApi) -> None:
    api.register("students")

    again = api.register("students")

    assert again.status == 200
    assert again.json() == registration("students", 1, 1, changed=False)


def test_list_and_show_services(api: RegistryApi) -> None:
    api.register("students", apiKeyRef="registry/students-key")
    api.register("lessons")

    listed = api.call("GET", "/services")
    shown = api.call("GET", "/services/students")

    assert listed.status == 200
    assert listed.json()["supergraphVersion"] == 2
    assert [s["name"] for s in listed.json()["services"]] == ["lessons", "students"]
    assert "sdl" not in listed.json()["services"][0]
    assert shown.status == 200
    assert shown.json()["sdl"] == subgraph_sdl("students")
    assert shown.json()["url"] == "http://students.test/graphql"
    assert shown.json()["apiKeyRef"] == "registry/students-key"
    assert shown.json()["updatedAt"].endswith("Z")


def test_show_unknown_service_is_404(api: RegistryApi) -> None:
    response = api.call("GET", "/services/nobody")

    assert response.status == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"
    assert "nobody" in response.json()["errors"][0]["message"]


def test_registration_that_does_not_compose_is_422_and_stores_nothing(
    api: RegistryApi, dynamodb_client: Any, registry_table: str
) -> None:
    api.register("students")
    before = table_items(dynamodb_client, registry_table)

    response = api.register("lessons", "lessons-conflicting")

    assert response.status == 422
    errors = response.json()["errors"]
    assert {error["code"] for error in errors} >= {"FIELD_TYPE_MISMATCH"}
    mismatch = next(error for error in errors if error["code"] == "FIELD_TYPE_MISMATCH")
    assert mismatch["service"] == "lessons"
    assert mismatch["locations"] == [{"line": 5, "column": 3}]
    assert "Student.name" in mismatch["message"]
    assert table_items(dynamodb_client, registry_table) == before


def test_invalid_sdl_is_422_with_its_location(api: RegistryApi) -> None:
    response = api.register("students", "invalid")

    assert response.status == 422
    [error] = response.json()["errors"]
    assert error["code"] == "INVALID_GRAPHQL"
    assert error["locations"] == [{"line": 2, "column": 10}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sdl": "type Query { a: Int }"}, "body.url"),
        ({"url": "ftp://x/graphql", "sdl": "type Query { a: Int }"}, "body.url"),
        ({"url": "http://x/graphql", "sdl": ""}, "body.sdl"),
        ({"url": "http://x/graphql", "sdl": 42}, "body.sdl"),
        ({"url": "http://x/graphql", "sdl": "type Query { a: Int }", "extra": 1}, "body.extra"),
        (["not", "an", "object"], "body"),
        ({"url": "http://x/graphql", "sdl": "#" * 256_001}, "body.sdl"),
    ],
)
def test_malformed_body_is_400_with_the_field(
    api: RegistryApi, body: Any, field: str, dynamodb_client: Any, registry_table: str
) -> None:
    response = api.call("PUT", "/services/students", body)

    assert response.status == 400
    errors = response.json()["errors"]
    assert errors[0]["code"] == "BAD_REQUEST"
    assert field in [error["field"] for error in errors]
    assert table_items(dynamodb_client, registry_table) == []


def test_body_that_is_not_json_is_400(api: RegistryApi) -> None:
    response = api.call("PUT", "/services/students", raw=b"{not json")

    assert response.status == 400
    assert response.json()["errors"][0]["message"] == "the body is not valid JSON"


@pytest.mark.parametrize("name", ["Students", "1st", "under_score", "x" * 64])
def test_bad_service_name_is_400(
    api: RegistryApi, name: str, dynamodb_client: Any, registry_table: str
) -> None:
    response = api.call(
        "PUT", f"/services/{name}", {"url": "http://x/g", "sdl": "type Query { a: Int }"}
    )

    assert response.status == 400
    [error] = response.json()["errors"]
    assert error["field"] == "path.name"
    assert "^[a-z][a-z0-9-]{0,62}$" in error["message"]
    assert table_items(dynamodb_client, registry_table) == []


def test_delete_publishes_a_version_without_the_service(api: RegistryApi) -> None:
    api.register("students")
    api.register("lessons")

    response = api.call("DELETE", "/services/lessons")

    assert response.status == 200
    assert response.json() == {"name": "lessons", "supergraphVersion": 3}
    assert api.call("GET", "/services/lessons").status == 404
    assert "lessons(" not in api.call("GET", "/supergraph").json()["sdl"]


def test_delete_unknown_service_is_404(
    api: RegistryApi, dynamodb_client: Any, registry_table: str
) -> None:
    api.register("students")
    before = table_items(dynamodb_client, registry_table)

    response = api.call("DELETE", "/services/lessons")

    assert response.status == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"
    assert table_items(dynamodb_client, registry_table) == before


def test_delete_that_breaks_the_graph_is_422_and_changes_nothing(
    api: RegistryApi, dynamodb_client: Any, registry_table: str
) -> None:
    for name in ("students", "lessons", "reviews"):
        api.register(name)
    before = table_items(dynamodb_client, registry_table)

    response = api.call("DELETE", "/services/lessons")

    assert response.status == 422
    assert response.json()["errors"][0]["code"] == "EXTERNAL_MISSING_ON_BASE"
    assert table_items(dynamodb_client, registry_table) == before


BREAKING = [
    ("FIELD_REMOVED", "Student.email"),
    ("OUTPUT_MADE_NULLABLE", "Student.name"),
    ("REQUIRED_ARGUMENT_ADDED", "Query.student(tenant:)"),
]


def test_a_breaking_change_is_refused_without_force_and_nothing_is_stored(
    api: RegistryApi, dynamodb_client: Any, registry_table: str
) -> None:
    api.register("students")
    api.register("lessons")
    before = table_items(dynamodb_client, registry_table)

    refused = api.register("students", "students-breaking")

    assert refused.status == 409
    [summary, *changes] = refused.json()["errors"]
    assert summary["code"] == "BREAKING_CHANGE"
    assert "would break client queries" in summary["message"]
    assert "force" in summary["message"]
    assert sorted((c["code"], c["coordinate"]) for c in changes) == BREAKING
    assert all(change["service"] == "students" for change in changes)
    assert table_items(dynamodb_client, registry_table) == before
    assert api.call("GET", "/services/students").json()["sdl"] == subgraph_sdl("students")


def test_force_publishes_a_breaking_change_and_reports_it(api: RegistryApi) -> None:
    api.register("students")
    api.register("lessons")

    forced = api.register("students", "students-breaking", force=True)

    assert forced.status == 200
    assert forced.json()["supergraphVersion"] == 3
    assert sorted((c["code"], c["coordinate"]) for c in forced.json()["breakingChanges"]) == (
        BREAKING
    )
    assert api.call("GET", "/services/students").json()["sdl"] == subgraph_sdl("students-breaking")


def test_additive_changes_and_first_registrations_need_no_force(api: RegistryApi) -> None:
    # Nothing published yet: nothing to break, even for a schema others would call breaking.
    assert api.register("students", "students-breaking").status == 200
    assert api.register("lessons").status == 200  # adds fields and types: breaks nothing
