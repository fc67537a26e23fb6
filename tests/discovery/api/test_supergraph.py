"""GET /supergraph (ETag, 304), versions, rollback and checks."""

from __future__ import annotations

from typing import Any

from tests.discovery.api.conftest import RegistryApi, subgraph_sdl
from tests.discovery.conftest import table_items


def test_supergraph_is_served_with_an_etag(api: RegistryApi) -> None:
    api.register("students")

    response = api.call("GET", "/supergraph")

    assert response.status == 200
    assert response.json()["version"] == 1
    assert (
        '@join__graph(name: "students", url: "http://students.test/graphql")'
        in response.json()["sdl"]
    )
    assert response.headers["etag"] == '"1"'


def test_if_none_match_gives_304_until_a_new_version(api: RegistryApi) -> None:
    api.register("students")

    unchanged = api.call("GET", "/supergraph", headers={"If-None-Match": '"1"'})
    api.register("lessons")
    changed = api.call("GET", "/supergraph", headers={"If-None-Match": '"1"'})

    assert unchanged.status == 304
    assert unchanged.body == b""
    assert unchanged.headers["etag"] == '"1"'
    assert changed.status == 200
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["version"] == 2


def test_no_supergraph_yet_is_404(api: RegistryApi) -> None:
    response = api.call("GET", "/supergraph")

    assert response.status == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"


def test_rollback_publishes_a_new_version_with_the_old_sdl(api: RegistryApi) -> None:
    api.register("students")
    old = api.call("GET", "/supergraph").json()
    api.register("lessons")

    response = api.call("POST", "/supergraph/rollback", {"version": 1})

    assert response.status == 200
    assert response.json() == {"version": 3, "rolledBackTo": 1}
    current = api.call("GET", "/supergraph").json()
    assert current == {"version": 3, "sdl": old["sdl"]}
    assert [s["name"] for s in api.call("GET", "/services").json()["services"]] == ["students"]
    versions = api.call("GET", "/supergraph/versions").json()["versions"]
    assert [(v["version"], v["reason"]) for v in versions] == [
        (3, "rollback to 1"),
        (2, "register lessons"),
        (1, "register students"),
    ]


def test_rollback_to_unknown_version_is_404(
    api: RegistryApi, dynamodb_client: Any, registry_table: str
) -> None:
    api.register("students")
    before = table_items(dynamodb_client, registry_table)

    response = api.call("POST", "/supergraph/rollback", {"version": 9})

    assert response.status == 404
    assert "9" in response.json()["errors"][0]["message"]
    assert table_items(dynamodb_client, registry_table) == before


def test_rollback_with_a_bad_version_is_400(api: RegistryApi) -> None:
    response = api.call("POST", "/supergraph/rollback", {"version": "latest"})

    assert response.status == 400
    assert response.json()["errors"][0]["field"] == "body.version"


def test_check_lists_breaking_changes_and_stores_nothing(
    api: RegistryApi, dynamodb_client: Any, registry_table: str
) -> None:
    api.register("students")
    api.register("lessons")
    before = table_items(dynamodb_client, registry_table)

    response = api.call(
        "POST",
        "/checks",
        {
            "name": "students",
            "url": "http://students.test/graphql",
            "sdl": subgraph_sdl("students-breaking"),
        },
    )

    assert response.status == 200
    report = response.json()
    assert report["composes"] is True
    assert report["ok"] is False
    assert report["supergraphVersion"] == 2
    assert sorted((c["code"], c["coordinate"]) for c in report["breakingChanges"]) == [
        ("FIELD_REMOVED", "Student.email"),
        ("OUTPUT_MADE_NULLABLE", "Student.name"),
        ("REQUIRED_ARGUMENT_ADDED", "Query.student(tenant:)"),
    ]
    assert table_items(dynamodb_client, registry_table) == before


def test_check_of_a_graph_that_does_not_compose(api: RegistryApi) -> None:
    api.register("students")

    response = api.call(
        "POST",
        "/checks",
        {
            "name": "lessons",
            "url": "http://lessons.test/graphql",
            "sdl": subgraph_sdl("lessons-conflicting"),
        },
    )

    assert response.status == 200
    report = response.json()
    assert report["ok"] is False and report["composes"] is False
    assert "FIELD_TYPE_MISMATCH" in [error["code"] for error in report["errors"]]
    assert report["breakingChanges"] == []


def test_check_of_a_safe_change(api: RegistryApi) -> None:
    api.register("students")

    response = api.call(
        "POST",
        "/checks",
        {"name": "lessons", "url": "http://lessons.test/graphql", "sdl": subgraph_sdl("lessons")},
    )

    assert response.json()["ok"] is True
    assert response.json()["breakingChanges"] == []
