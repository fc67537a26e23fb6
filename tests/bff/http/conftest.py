"""The HTTP suite's `client`: each test runs through the ASGI app and the Lambda handler
(API Gateway v1 and v2 events)."""

from __future__ import annotations

import asyncio

import pytest

from bff.http.app import GraphQLApp
from tests.support.edge_clients import ASGIClient, EdgeClient, LambdaClient

CLIENT_KINDS = ["asgi", "lambda-v1", "lambda-v2"]


@pytest.fixture(params=CLIENT_KINDS)
def client(
    request: pytest.FixtureRequest, edge_app: GraphQLApp, edge_loop: asyncio.AbstractEventLoop
) -> EdgeClient:
    if request.param == "asgi":
        return ASGIClient(edge_app, edge_loop)
    return LambdaClient(edge_app, request.param.removeprefix("lambda-"))
