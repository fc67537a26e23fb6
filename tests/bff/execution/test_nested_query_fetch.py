"""A field of type `Query` below the root: its fetch is sent once and merged at its path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from graphql import parse

from bff.execution import SubgraphEndpoint, SubgraphTransport, execute_plan, prepare_operation
from bff.planning import QueryPlanner
from bff.supergraph import load_supergraph

FIXTURE = Path(__file__).parents[1] / "planning" / "fixtures" / "nested-query-type"


def _answer_a(payload: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"item": {"id": "1", "__typename": "Item", "parent": {"item": {"id": "2"}}}}}


def _answer_b(payload: dict[str, Any]) -> dict[str, Any]:
    if "_entities" in payload["query"]:
        return {"data": {"_entities": [{"label": "one"}]}}
    return {"data": {"items": [{"label": "one"}, {"label": "two"}]}}


@pytest.fixture
async def subgraph_urls() -> AsyncIterator[tuple[dict[str, str], list[dict[str, Any]]]]:
    calls: list[dict[str, Any]] = []
    runners = []
    urls = {}
    for name, answer in (("a", _answer_a), ("b", _answer_b)):

        async def handle(request: web.Request, answer: Any = answer, name: str = name) -> Any:
            payload = orjson.loads(await request.read())
            calls.append({"service": name, **payload})
            return web.Response(body=orjson.dumps(answer(payload)), content_type="application/json")

        app = web.Application()
        app.router.add_post("/graphql", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        urls[name] = f"http://127.0.0.1:{port}/graphql"
        runners.append(runner)
    yield urls, calls
    for runner in runners:
        await runner.cleanup()


async def test_nested_query_field_is_fetched_once_and_merged(subgraph_urls: Any) -> None:
    urls, calls = subgraph_urls
    supergraph = load_supergraph((FIXTURE / "supergraph.graphql").read_text())
    document = parse((FIXTURE / "operation.graphql").read_text())
    plan = QueryPlanner(supergraph).plan(document, None)
    transport = SubgraphTransport()
    try:
        result = await execute_plan(
            plan,
            operation=prepare_operation(document, None),
            variables={},
            schema=supergraph.api_schema,
            endpoints={name: SubgraphEndpoint(name, url, None, 5.0) for name, url in urls.items()},
            transport=transport,
        )
    finally:
        await transport.close()
    assert result.errors == []
    assert result.data == {
        "item": {
            "label": "one",
            "parent": {"items": [{"label": "one"}, {"label": "two"}], "item": {"id": "2"}},
        }
    }
    # The nested root fetch is a plain query: no representations, sent exactly once.
    plain_b = [c for c in calls if c["service"] == "b" and "_entities" not in c["query"]]
    assert len(plain_b) == 1
    assert "variables" not in plain_b[0]
