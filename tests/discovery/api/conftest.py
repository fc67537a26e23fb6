"""The registry API reached three ways (uvicorn over loopback, API Gateway v1 and v2 events
through the Lambda handler), over a fresh registry table per test and the real composer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from discovery.api import RegistrySettings, create_app
from discovery.api.credentials import ServiceTokens
from tests.services.toolkit.transports import TRANSPORT_NAMES, Reply, Transport, open_transport

ADMIN_TOKEN = "registry-admin-token-for-tests"
# Each service's own registry credential.
SERVICE_TOKENS = {name: f"registry-{name}-token-for-tests" for name in ("students", "lessons")}
SUBGRAPHS = Path(__file__).parent.parent / "fixtures" / "subgraphs"


def subgraph_sdl(name: str) -> str:
    return (SUBGRAPHS / f"{name}.graphql").read_text()


@dataclass
class RegistryApi:
    transport: Transport

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = ADMIN_TOKEN,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
        if payload is not None:
            all_headers.setdefault("Content-Type", "application/json")
        return self.transport.request(method, path, headers=all_headers, body=payload)

    def register(self, name: str, fixture: str | None = None, **fields: Any) -> Reply:
        body = {"url": f"http://{name}.test/graphql", "sdl": subgraph_sdl(fixture or name)}
        return self.call("PUT", f"/services/{name}", {**body, **fields})


@pytest.fixture(params=TRANSPORT_NAMES)
def api(
    request: pytest.FixtureRequest, registry_table: str, dynamodb_client: Any
) -> Iterator[RegistryApi]:
    app = create_app(
        RegistrySettings(registry_table, admin_token=ADMIN_TOKEN),
        dynamodb_client=dynamodb_client,
        service_tokens=ServiceTokens(SERVICE_TOKENS),
    )
    with open_transport(request.param, app, "registry") as transport:
        yield RegistryApi(transport)
