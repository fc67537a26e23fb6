"""discovery.handler: the deployed Lambda entry, configured from the environment as in AWS
(table name, admin token in Secrets Manager), invoked with API Gateway v1 and v2 events."""

from __future__ import annotations

import importlib
import json
from typing import Any

import boto3
import pytest

from bff.devstack.moto_server import MotoServer
from bff.tables import REGISTRY
from tests.discovery.api.conftest import subgraph_sdl
from tests.services.toolkit.transports import ApiGatewayLambda


def test_handler_serves_the_api_with_the_token_from_secrets_manager(
    moto_server: MotoServer, make_table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_table(REGISTRY)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
    secrets = boto3.client("secretsmanager", endpoint_url=moto_server.endpoint)
    secret_id = secrets.create_secret(Name="registry/admin-token", SecretString="s3cret-token")[
        "ARN"
    ]
    monkeypatch.setenv("REGISTRY_ADMIN_TOKEN_SECRET_ID", secret_id)
    monkeypatch.delenv("REGISTRY_ADMIN_TOKEN", raising=False)
    # A fresh import, as a cold start does: settings are read on the first invocation.
    module = importlib.reload(importlib.import_module("discovery.handler"))
    rest_api = ApiGatewayLambda(module.handler, "rest_api_v1")
    http_api = ApiGatewayLambda(module.handler, "http_api_v2", base64_bodies=True)
    token = {"Authorization": "Bearer s3cret-token", "Content-Type": "application/json"}
    body = json.dumps({"url": "http://students.test/graphql", "sdl": subgraph_sdl("students")})

    registered = rest_api.request("PUT", "/services/students", headers=token, body=body.encode())
    supergraph = http_api.request("GET", "/supergraph", headers=token)
    not_modified = http_api.request("GET", "/supergraph", headers={**token, "If-None-Match": '"1"'})
    refused = rest_api.request("GET", "/services", headers={"Authorization": "Bearer nope"})

    assert registered.status == 200
    assert registered.json()["supergraphVersion"] == 1
    assert supergraph.status == 200
    assert supergraph.headers["etag"] == '"1"'
    assert "type Student" in supergraph.json()["sdl"]
    assert not_modified.status == 304
    assert refused.status == 401
    assert refused.json()["errors"][0]["code"] == "UNAUTHENTICATED"
