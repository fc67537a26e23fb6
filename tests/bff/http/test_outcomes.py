"""The outcome the app reports for each GraphQL request (the handler's CloudWatch metrics)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bff.http.app import GraphQLApp, Outcome
from tests.support.edge_clients import post_json


@pytest.fixture
def outcomes(edge_app: GraphQLApp) -> Iterator[list[str]]:
    seen: list[str] = []
    edge_app.observe = seen.append
    yield seen
    edge_app.observe = None


@pytest.mark.parametrize(
    ("payload", "outcome"),
    [
        ({"query": "{ __typename }"}, Outcome.EXECUTED),
        ({"query": '{ student(id: "1") { name } }'}, Outcome.EXECUTED),
        ({"query": "{ nope }"}, Outcome.INVALID),
        ({"query": 1}, Outcome.MALFORMED),
    ],
)
def test_each_request_reports_one_outcome(client, outcomes, payload, outcome) -> None:
    post_json(client, payload)
    assert outcomes == [outcome]


def test_health_and_assets_report_nothing(client, outcomes) -> None:
    client.request("GET", "/health")
    assert outcomes == []
