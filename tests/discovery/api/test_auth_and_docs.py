"""The admin token on every registry route, the OpenAPI document, health, unknown routes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.discovery.api.conftest import RegistryApi
from tests.discovery.conftest import table_items

ADMIN_ROUTES = [
    ("GET", "/services", None),
    ("GET", "/services/students", None),
    ("PUT", "/services/students", {"url": "http://x/graphql", "sdl": "type Query { a: Int }"}),
    ("DELETE", "/services/students", None),
    ("GET", "/supergraph", None),
    ("GET", "/supergraph/versions", None),
    ("POST", "/supergraph/rollback", {"version": 1}),
    (
        "POST",
        "/checks",
        {"name": "students", "url": "http://x/graphql", "sdl": "type Query { a: Int }"},
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_admin_routes_need_the_token(
    api: RegistryApi,
    method: str,
    path: str,
    body: Any,
    dynamodb_client: Any,
    registry_table: str,
) -> None:
    missing = api.call(method, path, body, token=None)
    wrong = api.call(method, path, body, token="not-the-token")

    for response in (missing, wrong):
        assert response.status == 401
        assert response.json()["errors"][0]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"] == "Bearer"
    assert table_items(dynamodb_client, registry_table) == []


def test_wrong_scheme_is_401(api: RegistryApi) -> None:
    response = api.call("GET", "/services", token=None, headers={"Authorization": "Basic abc"})

    assert response.status == 401


def test_openapi_lists_the_routes_without_a_token(api: RegistryApi) -> None:
    response = api.call("GET", "/openapi.json", token=None)

    assert response.status == 200
    document = response.json()
    assert set(document["paths"]) >= {
        "/services",
        "/services/{name}",
        "/supergraph",
        "/supergraph/rollback",
        "/supergraph/versions",
        "/checks",
    }
    assert set(document["paths"]["/services/{name}"]) == {"get", "put", "delete"}
    assert "422" in document["paths"]["/services/{name}"]["put"]["responses"]
    assert "HTTPBearer" in document["components"]["securitySchemes"]


def test_health_needs_no_token(api: RegistryApi) -> None:
    response = api.call("GET", "/health", token=None)

    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_a_json_404(api: RegistryApi) -> None:
    response = api.call("GET", "/nothing-here")

    assert response.status == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"
