"""A subgraph that nulls an entity because one of its fields failed: the other fields it would
have provided are missing for that reason, so the client gets that one error, not one more
"Cannot return null" per missing non-null field (found by the oracle, tests/bff/oracle)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from graphql import build_schema, parse

from bff.execution import SubgraphEndpoint, SubgraphTransport, execute_plan, prepare_operation
from bff.planning.nodes import Fetch, Flatten, QueryPlan, RequiredField, RequiredSelection, Sequence

CASE_DIR = Path(__file__).parent / "entity_nulled_by_an_error"
ANSWERS = orjson.loads((CASE_DIR / "answers.json").read_bytes())

PLAN = Sequence(
    (
        Fetch("catalog", "{ product { __typename id name } }"),
        Flatten(
            ("product",),
            Fetch(
                "inventory",
                "query($representations: [_Any!]!) { _entities(representations: "
                "$representations) { ... on Product { stock restock } } }",
                requires=(RequiredSelection("Product", (RequiredField("id"),)),),
            ),
        ),
    )
)


@pytest.fixture
async def endpoints() -> AsyncIterator[dict[str, SubgraphEndpoint]]:
    """Both subgraphs on one loopback server, each answering its recorded response."""

    async def answer(request: web.Request) -> web.Response:
        return web.json_response(ANSWERS[request.match_info["name"]])

    app = web.Application()
    app.router.add_post("/{name}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield {
        name: SubgraphEndpoint(name, f"http://127.0.0.1:{port}/{name}")
        for name in ("catalog", "inventory")
    }
    await runner.cleanup()


async def test_one_error_explains_every_field_of_the_nulled_entity(
    endpoints: dict[str, SubgraphEndpoint], transport: SubgraphTransport
) -> None:
    operation = prepare_operation(parse("{ product { name stock restock } }"), None)
    result = await execute_plan(
        QueryPlan(PLAN, operation_kind=operation.kind),
        operation=operation,
        variables={},
        schema=build_schema((CASE_DIR / "api_schema.graphql").read_text()),
        endpoints=endpoints,
        transport=transport,
        forwarded_headers={},
        root_values={},
    )

    # stock and restock are non-null, so the product is null; only the subgraph's error says so.
    assert result.data == {"product": None}
    assert result.errors == [
        {
            "message": "Internal server error.",
            "path": ["product", "restock"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "service": "inventory"},
        }
    ]
