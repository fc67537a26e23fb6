"""The HTTP suite's `client`: each test runs through the ASGI app and the Lambda handler
(API Gateway v1 and v2 events)."""

from __future__ import annotations

import asyncio

import pytest

from bff.http.app import GraphQLApp
from tests.support.edge_clients import ASGIClient, EdgeClient, LambdaClient

CLIENT_KINDS = ["asgi", "lambda-v1", "lambda-v2"]


def edge_client(kind: str, app: GraphQLApp, loop: asyncio.AbstractEventLoop) -> EdgeClient:
    """A client of `kind` (one of CLIENT_KINDS) for `app`."""
    if kind == "asgi":
        return ASGIClient(app, loop)
    return LambdaClient(app, kind.removeprefix("lambda-"))


@pytest.fixture(params=CLIENT_KINDS)
def client(
    request: pytest.FixtureRequest, edge_app: GraphQLApp, edge_loop: asyncio.AbstractEventLoop
) -> EdgeClient:
    return edge_client(request.param, edge_app, edge_loop)
