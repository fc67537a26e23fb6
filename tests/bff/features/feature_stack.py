"""One federation feature served for real: its fixture subgraphs over loopback HTTP and the gateway
in front of them, each under uvicorn on a free port (`BackgroundServer`).

The supergraph is the planner's golden fixture (`tests/bff/planning/fixtures/<feature>/`), its
subgraph URLs replaced by the loopback ones through `subgraph_url_overrides`. Every subgraph
checks its API key and records what the gateway asked, so a test can count the hops.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from graphql import FieldNode, OperationDefinitionNode, parse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bff.config import GatewaySettings
from bff.gateway import FileSupergraphProvider, Gateway
from services.toolkit.serving import BackgroundServer
from tests.bff.features.computed_fields import COMPUTED_FIELDS
from tests.bff.features.fixture_subgraph import FixtureSubgraph, build_fixture_subgraph
from tests.bff.oracle.stack import post_graphql, serve_gateway

HERE = Path(__file__).parent
PLANNING_FIXTURES = HERE.parent / "planning" / "fixtures"
DATA = HERE / "data"


@dataclass(frozen=True)
class SubgraphCall:
    """One request a subgraph received: a root query, or `_entities` for N representations
    (`_entities xN + xM` for a combined request with two entity parts, `... + query` when it
    also selects root fields). `resolved`: the fields the subgraph resolved answering it,
    as `Type.field(arg: value)`, one per resolution."""

    service: str
    query: str
    variables: Mapping[str, Any]
    resolved: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        batches = [
            value
            for name, value in sorted(self.variables.items())
            if name.startswith("representations") and isinstance(value, list)
        ]
        if not batches:
            return "query"
        summary = "_entities " + " + ".join(f"x{len(batch)}" for batch in batches)
        operation = parse(self.query).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        fields = [
            node for node in operation.selection_set.selections if isinstance(node, FieldNode)
        ]
        if any(node.name.value != "_entities" for node in fields):
            summary += " + query"
        return summary


def load_feature_subgraphs(feature: str) -> list[FixtureSubgraph]:
    """The feature's subgraphs: SDL from the planning fixture (or, for a supergraph fixture that
    keeps no subgraph SDL, from `data/<feature>/`), data and rules from this folder."""
    sdl_folder = PLANNING_FIXTURES / feature / "subgraphs"
    if not sdl_folder.is_dir():
        sdl_folder = DATA / feature
    rules = COMPUTED_FIELDS.get(feature, {})
    return [
        build_fixture_subgraph(
            path.stem,
            path.read_text(encoding="utf-8"),
            json.loads((DATA / feature / f"{path.stem}.json").read_text(encoding="utf-8")),
            rules.get(path.stem),
        )
        for path in sorted(sdl_folder.glob("*.graphql"))
    ]


@dataclass
class FeatureStack:
    """The subgraphs and gateway of one feature; `post()` asks the gateway over HTTP."""

    feature: str
    subgraphs: list[FixtureSubgraph]
    calls: list[SubgraphCall] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    # Defaults to the feature's golden fixture supergraph.
    supergraph_file: Path | None = None
    _servers: list[BackgroundServer] = field(default_factory=list)
    _gateway: BackgroundServer | None = None

    @classmethod
    def for_feature(cls, feature: str) -> FeatureStack:
        return cls(feature, load_feature_subgraphs(feature))

    @classmethod
    def serving(cls, feature: str) -> Iterator[FeatureStack]:
        """The feature's stack started, stopped when resumed (a fixture yields from it)."""
        stack = cls.for_feature(feature).start()
        try:
            yield stack
        finally:
            stack.stop()

    def api_key(self, service: str) -> str:
        return f"{self.feature}-{service}-key"

    def start(self) -> FeatureStack:
        for subgraph in self.subgraphs:
            server = BackgroundServer(self._subgraph_app(subgraph))
            self._servers.append(server.start())
            self.urls[subgraph.name] = f"{server.url}/graphql"
        config = GatewaySettings(
            subgraph_url_overrides=self.urls,
            subgraph_api_keys={name: self.api_key(name) for name in self.urls},
            subgraph_timeout_seconds=10,
        )
        supergraph_file = self.supergraph_file or (
            PLANNING_FIXTURES / self.feature / "supergraph.graphql"
        )
        provider = FileSupergraphProvider(supergraph_file)
        self._gateway = serve_gateway(Gateway(provider, config), config)
        return self

    def stop(self) -> None:
        if self._gateway is not None:
            self._gateway.stop()  # first: its shutdown closes its connections to the subgraphs
        for server in self._servers:
            server.server.should_exit = True  # all at once, so their shutdowns overlap
        for server in self._servers:
            server.stop()

    def post(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> tuple[int, Any]:
        """POST /graphql as a client does; returns the HTTP status and the decoded JSON body."""
        assert self._gateway is not None, "the stack is not started"
        response = post_graphql(f"{self._gateway.url}/graphql", query, variables, operation_name)
        return response.status, response.body

    def _subgraph_app(self, subgraph: FixtureSubgraph) -> Starlette:
        async def handle(request: Request) -> Response:
            if request.headers.get("x-api-key") != self.api_key(subgraph.name):
                return JSONResponse({"errors": [{"message": "bad API key"}]}, status_code=401)
            payload = orjson.loads(await request.body())
            variables = payload.get("variables") or {}
            resolved: list[str] = []
            self.calls.append(SubgraphCall(subgraph.name, payload["query"], variables, resolved))
            answer = subgraph.execute(
                payload["query"], variables, payload.get("operationName"), resolved
            )
            return Response(orjson.dumps(answer), media_type="application/json")

        return Starlette(routes=[Route("/graphql", handle, methods=["POST"])])
