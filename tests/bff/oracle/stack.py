"""The gateway in front of the three real services, all on loopback with free ports.

The services run their own ASGI apps (API keys required) under uvicorn in threads; the
supergraph is composed from the SDLs they serve (`{ _service { sdl } }`), exactly as a
registration would, and the gateway's ASGI app is served the same way, so every request the
tests make crosses real HTTP: client -> gateway -> subgraphs -> moto server.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from bff.config import GatewaySettings
from bff.gateway import Gateway
from bff.http.app import GraphQLApp
from bff.supergraph import Supergraph, load_supergraph
from discovery.composition import CompositionSuccess, SubgraphInput, compose
from discovery.registration import fetch_service_sdl
from services.analytics.app import create_app as create_analytics_app
from services.lessons.app import create_app as create_lessons_app
from services.students.app import create_app as create_students_app
from services.toolkit.api_keys import ApiKeys
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys
from services.toolkit.serving import BackgroundServer
from tests.bff.oracle.school import School

API_KEYS = {name: f"oracle-{name}-key" for name in ("students", "lessons", "analytics")}
CLAIMS_KEYS = {name: f"oracle-{name}-claims-key-0123456789abcdef" for name in API_KEYS}
# The oracle's client is an admin (the monolith applies no authorization): what API Gateway's
# JWT authorizer would have verified, put where mangum puts the Lambda event.
ADMIN_CLAIMS = {"sub": "oracle-admin", "scope": "openid admin"}
SUPERGRAPH_VERSION = 1


@dataclass(frozen=True)
class HttpResponse:
    status: int
    content_type: str
    body: Any


@dataclass
class StaticSupergraph:
    """A gateway provider that always serves the supergraph composed at start."""

    supergraph: Supergraph

    async def latest(self) -> Supergraph:
        return self.supergraph


def serve_gateway(
    gateway: Gateway, config: GatewaySettings, claims: Mapping[str, str] | None = None
) -> BackgroundServer:
    """The gateway's ASGI app under uvicorn in a thread, started; with `claims`, every request
    carries them as the JWT authorizer's verified claims."""
    app: Any = GraphQLApp(gateway, config)
    if claims is not None:
        app = _authorized(app, claims)
    return BackgroundServer(app, lifespan=True).start()


def _authorized(app: Any, claims: Mapping[str, str]) -> Any:
    event = {"requestContext": {"authorizer": {"jwt": {"claims": dict(claims)}}}}

    async def with_claims(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app(
            {**scope, "aws.event": event} if scope["type"] == "http" else scope, receive, send
        )

    return with_claims


def post_graphql(
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> HttpResponse:
    """POST a GraphQL request to `url` as a client does (JSON in, JSON out), errors included."""
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    if operation_name is not None:
        payload["operationName"] = operation_name
    request = urllib.request.Request(
        url,
        data=orjson.dumps(payload),
        method="POST",
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return HttpResponse(
                response.status, response.headers["content-type"], orjson.loads(response.read())
            )
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(
                error.code, error.headers["content-type"], orjson.loads(error.read())
            )


@contextmanager
def running_stack(school: School) -> Iterator[OracleStack]:
    """The services and the gateway, started over `school`'s tables and always stopped."""
    stack = OracleStack(school)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


class OracleStack:
    """The servers of one oracle run (see `running_stack`); `post(query, variables)` asks the
    gateway."""

    def __init__(self, school: School) -> None:
        keys = {name: ApiKeys.of(key) for name, key in API_KEYS.items()}
        verifiers = {
            name: IdentityVerifier(RotatingKeys.of(key), name) for name, key in CLAIMS_KEYS.items()
        }
        self.services = {
            "students": BackgroundServer(
                create_students_app(
                    school.students, keys["students"], identity=verifiers["students"]
                )
            ),
            "lessons": BackgroundServer(
                create_lessons_app(
                    repository=school.lessons,
                    students=school.directory,
                    api_keys=keys["lessons"],
                    identity=verifiers["lessons"],
                )
            ),
            "analytics": BackgroundServer(
                create_analytics_app(
                    repository=school.analytics,
                    students=school.directory,
                    api_keys=keys["analytics"],
                    identity=verifiers["analytics"],
                )
            ),
        }
        self.supergraph_sdl = ""
        self.gateway_server: BackgroundServer | None = None

    def start(self) -> None:
        for server in self.services.values():
            server.start()
        subgraphs = [
            SubgraphInput(name, url, fetch_service_sdl(url, API_KEYS[name]))
            for name, url in self.subgraph_urls.items()
        ]
        result = compose(subgraphs)
        if not isinstance(result, CompositionSuccess):
            raise AssertionError(f"the services do not compose: {result.errors}")
        self.supergraph_sdl = result.supergraph_sdl
        supergraph = load_supergraph(result.supergraph_sdl, version=SUPERGRAPH_VERSION)
        config = GatewaySettings(
            subgraph_api_keys=API_KEYS,
            subgraph_claims_keys=CLAIMS_KEYS,
            subgraph_timeout_seconds=10,
            introspection_enabled=True,  # the oracle compares introspection too
        )
        gateway = Gateway(StaticSupergraph(supergraph), config, api_keys=API_KEYS)
        self.gateway_server = serve_gateway(gateway, config, ADMIN_CLAIMS)

    @property
    def subgraph_urls(self) -> dict[str, str]:
        return {name: f"{server.url}/graphql" for name, server in self.services.items()}

    @property
    def graphql_url(self) -> str:
        assert self.gateway_server is not None, "the stack is not started"
        return f"{self.gateway_server.url}/graphql"

    def post(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> HttpResponse:
        """POST /graphql as a client does (JSON in, JSON out)."""
        return post_graphql(self.graphql_url, query, variables, operation_name)

    def stop(self) -> None:
        servers = [self.gateway_server, *self.services.values()]
        for server in servers:
            if server is not None and server.server.started:
                server.stop()
