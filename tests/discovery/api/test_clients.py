"""PUT/GET/DELETE /clients and /clients/{name}/documents: policies, contracts, trusted documents."""

from __future__ import annotations

from typing import Any

import pytest

from tests.discovery.api.conftest import RegistryApi
from tests.discovery.conftest import table_items
from tests.support.tagged_subgraphs import register_tagged_subgraphs, tagged_sdl

MOBILE = {"policy": "safelist", "contract": {"excludeTags": ["internal"]}}
PROFILE = "query Profile($id: ID!) { student(id: $id) { id name } }"
LESSONS = "query Lessons { lessons { id title } }"
WITH_EMAIL = "query Emails {\n  students {\n    email\n  }\n}"


def apollo_manifest(*bodies: tuple[str, str]) -> dict[str, Any]:
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": f"id-{name}", "name": name, "type": "query", "body": body}
            for name, body in bodies
        ],
    }


@pytest.fixture
def graph(api: RegistryApi) -> RegistryApi:
    register_tagged_subgraphs(lambda name, body: api.call("PUT", f"/services/{name}", body))
    return api


def test_register_list_show_and_remove_a_client(graph: RegistryApi) -> None:
    put = graph.call("PUT", "/clients/mobile", MOBILE)
    graph.call("PUT", "/clients/web", {"policy": "apq"})

    assert put.status == 200
    assert put.json() | {"updatedAt": None} == {
        "name": "mobile",
        "policy": "safelist",
        "contract": {"includeTags": [], "excludeTags": ["internal"]},
        "updatedAt": None,
        "documents": 0,
    }
    listed = graph.call("GET", "/clients").json()["clients"]
    assert [(c["name"], c["policy"]) for c in listed] == [("mobile", "safelist"), ("web", "apq")]
    assert graph.call("GET", "/clients/web").json()["contract"] == {
        "includeTags": [],
        "excludeTags": [],
    }
    assert graph.call("DELETE", "/clients/web").status == 200
    missing = graph.call("GET", "/clients/web")
    assert missing.status == 404
    assert missing.json()["errors"][0]["code"] == "NOT_FOUND"
    assert graph.call("DELETE", "/clients/web").status == 404


def test_a_contract_leaving_no_valid_schema_is_refused_and_nothing_stored(
    graph: RegistryApi, registry_table: str, dynamodb_client: Any
) -> None:
    before = table_items(dynamodb_client, registry_table)

    # Only `internal` elements kept: Query has no field left.
    refused = graph.call(
        "PUT", "/clients/partner", {"policy": "open", "contract": {"includeTags": ["internal"]}}
    )

    assert refused.status == 422
    assert refused.json()["errors"] == [
        {
            "code": "CONTRACT_INVALID",
            "message": "the contract leaves no field on the Query type",
        }
    ]
    assert table_items(dynamodb_client, registry_table) == before


@pytest.mark.parametrize(
    "body",
    [{"policy": "closed"}, {"policy": "open", "contract": {"excludeTags": "internal"}}, {}],
    ids=["unknown-policy", "tags-not-a-list", "no-policy"],
)
def test_a_malformed_client_is_a_400(graph: RegistryApi, body: dict[str, Any]) -> None:
    reply = graph.call("PUT", "/clients/mobile", body)

    assert reply.status == 400
    assert reply.json()["errors"][0]["code"] == "BAD_REQUEST"
    assert graph.call("GET", "/clients/mobile").status == 404


def test_client_routes_need_the_admin_token(graph: RegistryApi) -> None:
    for method, path in (("GET", "/clients"), ("PUT", "/clients/mobile")):
        reply = graph.call(method, path, MOBILE, token="wrong")
        assert reply.status == 401
        assert reply.json()["errors"][0]["code"] == "UNAUTHENTICATED"


def test_publish_an_apollo_manifest_and_read_it_back(graph: RegistryApi) -> None:
    graph.call("PUT", "/clients/mobile", MOBILE)

    published = graph.call(
        "PUT",
        "/clients/mobile/documents",
        apollo_manifest(("Profile", PROFILE), ("Lessons", LESSONS)),
    )

    assert published.status == 200
    assert published.json() == {"published": 2}
    documents = graph.call("GET", "/clients/mobile/documents").json()
    assert sorted(documents, key=lambda d: d["id"]) == [
        {"id": "id-Lessons", "name": "Lessons", "body": LESSONS},
        {"id": "id-Profile", "name": "Profile", "body": PROFILE},
    ]
    assert graph.call("GET", "/clients/mobile").json()["documents"] == 2


def test_publish_a_relay_map_replaces_the_documents(graph: RegistryApi) -> None:
    graph.call("PUT", "/clients/mobile", MOBILE)
    graph.call("PUT", "/clients/mobile/documents", apollo_manifest(("Profile", PROFILE)))

    published = graph.call("PUT", "/clients/mobile/documents", {"abc123": LESSONS})

    assert published.json() == {"published": 1}
    # The operation's name is read from the document when the map gives none.
    assert graph.call("GET", "/clients/mobile/documents").json() == [
        {"id": "abc123", "name": "Lessons", "body": LESSONS}
    ]


def test_a_manifest_with_one_invalid_document_is_refused_whole(
    graph: RegistryApi, registry_table: str, dynamodb_client: Any
) -> None:
    graph.call("PUT", "/clients/mobile", MOBILE)
    graph.call("PUT", "/clients/mobile/documents", apollo_manifest(("Profile", PROFILE)))
    before = table_items(dynamodb_client, registry_table)

    # `email` is tagged internal: outside mobile's contract, though valid on the full schema.
    refused = graph.call(
        "PUT",
        "/clients/mobile/documents",
        apollo_manifest(("Lessons", LESSONS), ("Emails", WITH_EMAIL)),
    )

    assert refused.status == 422
    assert refused.json()["errors"] == [
        {
            "code": "INVALID_DOCUMENT",
            "message": "Cannot query field 'email' on type 'Student'.",
            "document": "id-Emails",
            "operation": "Emails",
            "locations": [{"line": 3, "column": 5}],
        }
    ]
    assert table_items(dynamodb_client, registry_table) == before
    # The same document is fine for a client with the full schema.
    graph.call("PUT", "/clients/web", {"policy": "apq"})
    accepted = graph.call("PUT", "/clients/web/documents", apollo_manifest(("Emails", WITH_EMAIL)))
    assert accepted.json() == {"published": 1}


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}, "version"),
        ({"format": "apollo-persisted-query-manifest", "version": 1, "operations": {}}, "list"),
        ({"abc": 42}, "text"),
        ({"abc": "query { nope"}, "Syntax Error"),
    ],
    ids=["version", "operations-not-a-list", "body-not-text", "syntax-error"],
)
def test_malformed_manifests_are_refused(
    graph: RegistryApi, manifest: dict[str, Any], message: str
) -> None:
    graph.call("PUT", "/clients/mobile", MOBILE)

    refused = graph.call("PUT", "/clients/mobile/documents", manifest)

    assert refused.status == 422
    assert message in refused.json()["errors"][0]["message"]
    assert graph.call("GET", "/clients/mobile/documents").json() == []


def test_documents_of_an_unknown_client_are_a_404(graph: RegistryApi) -> None:
    assert graph.call("PUT", "/clients/ghost/documents", {"a": LESSONS}).status == 404
    assert graph.call("GET", "/clients/ghost/documents").status == 404


def test_a_contract_change_that_breaks_published_documents_is_refused(graph: RegistryApi) -> None:
    graph.call("PUT", "/clients/app", {"policy": "safelist"})
    graph.call("PUT", "/clients/app/documents", apollo_manifest(("Emails", WITH_EMAIL)))

    refused = graph.call("PUT", "/clients/app", MOBILE)

    assert refused.status == 422
    assert refused.json()["errors"][0]["document"] == "id-Emails"
    assert graph.call("GET", "/clients/app").json()["policy"] == "safelist"
    assert graph.call("GET", "/clients/app").json()["contract"]["excludeTags"] == []


def check(graph: RegistryApi, name: str, sdl: str) -> dict[str, Any]:
    reply = graph.call(
        "POST", "/checks", {"name": name, "url": f"http://{name}.test/graphql", "sdl": sdl}
    )
    assert reply.status == 200
    return reply.json()


def test_a_check_reports_the_clients_whose_published_documents_a_change_breaks(
    graph: RegistryApi, registry_table: str, dynamodb_client: Any
) -> None:
    graph.call("PUT", "/clients/mobile", MOBILE)
    graph.call(
        "PUT",
        "/clients/mobile/documents",
        apollo_manifest(("Profile", PROFILE), ("Lessons", LESSONS)),
    )
    graph.call("PUT", "/clients/web", {"policy": "apq"})
    before = table_items(dynamodb_client, registry_table)
    # Lesson.title goes: mobile's Lessons document selects it.
    without_title = tagged_sdl("lessons").replace("  title: String!\n", "")

    report = check(graph, "lessons", without_title)

    assert report["ok"] is False
    assert [c["coordinate"] for c in report["breakingChanges"]] == ["Lesson.title"]
    assert report["clients"] == [
        {
            "name": "mobile",
            "errors": [
                {
                    "code": "INVALID_DOCUMENT",
                    "message": "Cannot query field 'title' on type 'Lesson'.",
                    "document": "id-Lessons",
                    "operation": "Lessons",
                    "locations": [{"line": 1, "column": 30}],
                }
            ],
        }
    ]
    assert table_items(dynamodb_client, registry_table) == before


def test_a_check_reports_a_contract_the_change_leaves_invalid(graph: RegistryApi) -> None:
    graph.call(
        "PUT", "/clients/partner", {"policy": "open", "contract": {"excludeTags": ["internal"]}}
    )
    # Every lessons root field now returns an internal type: with Student.email gone too...
    tagged_everything = tagged_sdl("students").replace(
        "  student(id: ID!): Student\n  students(first: Int! = 20): [Student!]!\n",
        '  student(id: ID!): Student @tag(name: "internal")\n'
        '  students(first: Int! = 20): [Student!]! @tag(name: "internal")\n',
    )
    assert tagged_everything != tagged_sdl("students")
    lessons_internal = tagged_sdl("lessons").replace(
        "  lessons(language: Language): [Lesson!]!\n",
        '  lessons(language: Language): [Lesson!]! @tag(name: "internal")\n',
    )
    graph.call(
        "PUT",
        "/services/students",
        {"url": "http://students.test/graphql", "sdl": tagged_everything},
    )

    report = check(graph, "lessons", lessons_internal)

    assert report["clients"] == [
        {
            "name": "partner",
            "errors": [
                {
                    "code": "CONTRACT_INVALID",
                    "message": "the contract leaves no field on the Query type",
                }
            ],
        }
    ]
    assert report["ok"] is False


def test_a_change_no_client_notices_reports_no_clients(graph: RegistryApi) -> None:
    graph.call("PUT", "/clients/mobile", MOBILE)
    graph.call("PUT", "/clients/mobile/documents", apollo_manifest(("Lessons", LESSONS)))
    # Lesson.language is outside mobile's contract: removing it breaks other clients only.
    without_language = tagged_sdl("lessons").replace("  language: Language!\n", "")

    report = check(graph, "lessons", without_language)

    assert report["clients"] == []
    assert [c["coordinate"] for c in report["breakingChanges"]] == ["Lesson.language"]
