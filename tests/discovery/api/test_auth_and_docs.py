"""The admin token on every registry route, the OpenAPI document, health, unknown routes."""

from __future__ import annotations

from typing import Any

import pytest

from discovery.api import RegistryConfigurationError, RegistrySettings, create_app
from tests.discovery.api.conftest import ADMIN_TOKEN, RegistryApi
from tests.discovery.conftest import table_items
from tests.services.toolkit.transports import open_transport

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


def test_unreachable_storage_is_503_without_details(
    dynamodb_client: Any, registry_table: str
) -> None:
    missing = f"{registry_table}-missing"
    app = create_app(
        RegistrySettings(missing, admin_token=ADMIN_TOKEN), dynamodb_client=dynamodb_client
    )
    with open_transport("http", app) as transport:
        response = RegistryApi(transport).call("GET", "/services")

    assert response.status == 503
    [error] = response.json()["errors"]
    assert error["code"] == "REGISTRY_UNAVAILABLE"
    assert missing not in error["message"]


def test_missing_configuration_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_TABLE", "registry")
    monkeypatch.delenv("REGISTRY_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("REGISTRY_ADMIN_TOKEN_SECRET_ID", raising=False)

    with pytest.raises(RegistryConfigurationError, match="REGISTRY_ADMIN_TOKEN"):
        RegistrySettings.from_env()
