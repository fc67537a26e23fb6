"""Through the local API Gateway into the real BFF handler and on to a loopback subgraph.

A verified token's claims reach the subgraph in a token the BFF signs for it (`X-BFF-Identity`);
identity headers the client sends do not; a rejected token never gets as far as the BFF, so no
subgraph is called.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bff.devstack.jwt_keys import SigningKey, load_or_create_signing_key
from bff.devstack.moto_server import free_port, wait_for_port
from discovery.composition.compose import compose
from discovery.composition.result import CompositionSuccess, SubgraphInput
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys
from services.toolkit.serving import BackgroundServer

SUBGRAPH_SDL = Path(__file__).parent / "fixtures" / "echo" / "subgraph.graphql"
API_KEY = "echo-subgraph-key"
CLAIMS_KEY = "echo-claims-key-0123456789abcdef0123456789"
VERIFIER = IdentityVerifier(RotatingKeys.of(CLAIMS_KEY), "echo")


@dataclass
class EchoSubgraph:
    """A loopback subgraph that answers `whoami` with the forwarded `sub` and records headers."""

    server: BackgroundServer
    seen: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.server.url}/graphql"


@pytest.fixture(scope="module")
def echo_subgraph() -> Iterator[EchoSubgraph]:
    recorded: list[dict[str, str]] = []

    async def whoami(request: Request) -> JSONResponse:
        await request.body()
        headers = dict(request.headers)  # names already lower-cased
        recorded.append(headers)
        token = headers.get("x-bff-identity")
        identity = VERIFIER.verify(token) if token else None
        return JSONResponse({"data": {"whoami": identity and identity.subject}})

    app = Starlette(routes=[Route("/graphql", whoami, methods=["POST"])])
    with BackgroundServer(app) as server:
        yield EchoSubgraph(server, recorded)


@dataclass(frozen=True)
class Edge:
    url: str
    signing_key: SigningKey
    log_path: Path


@pytest.fixture(scope="module")
def edge(echo_subgraph: EchoSubgraph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    """`python -m bff.devstack.apigateway` running `bff.handler.handler`, as the stack runs it."""
    state = tmp_path_factory.mktemp("edge")
    # The supergraph is composed from the subgraph's SDL, as the registry would publish it.
    composed = compose([SubgraphInput("echo", echo_subgraph.url, SUBGRAPH_SDL.read_text())])
    assert isinstance(composed, CompositionSuccess), composed
    supergraph = state / "supergraph.graphql"
    supergraph.write_text(composed.supergraph_sdl)
    signing_key = load_or_create_signing_key(state)
    port = free_port()
    log_path = state / "bff.log"
    env = {
        **os.environ,
        "SUPERGRAPH_FILE": str(supergraph),
        "SUBGRAPH_API_KEYS": json.dumps({"echo": API_KEY}),
        "SUBGRAPH_CLAIMS_KEYS": json.dumps({"echo": CLAIMS_KEY}),
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bff.devstack.apigateway",
                *("--port", str(port), "--key-dir", str(state)),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield Edge(f"http://127.0.0.1:{port}", signing_key, log_path)
    finally:
        process.terminate()
        process.wait(timeout=10)


def post_graphql(edge: Edge, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{edge.url}/graphql",
        data=json.dumps({"query": "{ whoami }"}).encode(),
        headers={"content-type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_verified_claims_reach_the_subgraph_and_client_claims_do_not(
    edge: Edge, echo_subgraph: EchoSubgraph
) -> None:
    forged = "eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9"  # {"sub":"admin","role":"admin"}
    token = edge.signing_key.mint("student-42", extra_claims={"scope": "profile"})
    status, body = post_graphql(
        edge,
        {"authorization": f"Bearer {token}", "x-bff-claims": forged, "x-bff-identity": forged},
    )
    assert status == 200, body
    assert body["data"] == {"whoami": "student-42"}
    headers = echo_subgraph.seen[-1]
    assert headers["x-api-key"] == API_KEY
    identity = VERIFIER.verify(headers["x-bff-identity"])
    assert identity.subject == "student-42"
    assert identity.scopes == {"profile"}
    assert "role" not in identity.claims
    assert forged not in json.dumps(headers)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer expired", "Bearer wrong-audience"],
    ids=["missing", "expired", "wrong-audience"],
)
def test_a_rejected_token_never_reaches_the_bff(
    edge: Edge, echo_subgraph: EchoSubgraph, authorization: str | None
) -> None:
    tokens = {
        "Bearer expired": edge.signing_key.mint("s", ttl_seconds=1, now=time.time() - 3600),
        "Bearer wrong-audience": edge.signing_key.mint("s", audience="another-api"),
    }
    headers = {}
    if authorization:
        headers["authorization"] = f"Bearer {tokens[authorization]}"
    calls_before = len(echo_subgraph.seen)
    status, body = post_graphql(edge, headers)
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert len(echo_subgraph.seen) == calls_before


def test_each_request_is_logged_with_status_latency_and_subgraph_calls(edge: Edge) -> None:
    token = edge.signing_key.mint("student-1")
    post_graphql(edge, {"authorization": f"Bearer {token}"})
    with urllib.request.urlopen(f"{edge.url}/health", timeout=30) as response:
        assert response.status == 200
    log = edge.log_path.read_text()
    assert any(
        "POST /graphql 200 " in line and "ms subgraph_calls=1" in line for line in log.splitlines()
    ), log
    assert any("GET /health 200 " in line for line in log.splitlines()), log
