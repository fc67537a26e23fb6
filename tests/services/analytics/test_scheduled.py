"""The hourly refresh handler and the deployed subgraph handler, from their configuration."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bff.tables import ANALYTICS, TableSpec
from services.analytics.consumer import make_handler
from services.analytics.leaderboards import Board, Period
from services.analytics.repository import AnalyticsRepository
from tests.services.analytics.conftest import operation
from tests.services.analytics.known_data import known_events
from tests.services.toolkit.transports import ApiGatewayLambda, graphql
from tests.support.identity import CLAIMS_KEY, admin_headers, user_headers

SCHEDULE_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-24T12:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:events:eu-west-1:123456789012:rule/bff-dev-leaderboards"],
    "detail": {},
}


@pytest.mark.usefixtures("students")  # exported in STUDENTS_TABLE
def test_the_scheduled_handler_refreshes_every_board(
    make_table: Callable[[TableSpec], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = make_table(ANALYTICS)
    repository = AnalyticsRepository(table)
    consume = make_handler(lambda: repository)
    for event in known_events(datetime.now(UTC)):
        consume(event.eventbridge_envelope(), None)
    import services.analytics.scheduled as module

    result = importlib.reload(module).handler(SCHEDULE_EVENT, None)

    pointers = repository.pointers([Board(None, Period.ALL_TIME), Board(None, Period.LAST_MONTH)])
    assert {pointer.refreshed_at for pointer in pointers.values()} == {result["refreshedAt"]}
    top = repository.top(
        pointers[Board(None, Period.LAST_MONTH)], Board(None, Period.LAST_MONTH), 1
    )
    assert [(standing.rank, standing.student_id) for standing in top] == [(1, "cy")]


@pytest.mark.parametrize("event_version", ["rest_api_v1", "http_api_v2"])
@pytest.mark.usefixtures("students")  # exported in STUDENTS_TABLE
def test_the_module_handler_serves_graphql_from_its_configuration(
    event_version: str,
    make_table: Callable[[TableSpec], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_table(ANALYTICS)  # exported in ANALYTICS_TABLE
    monkeypatch.setenv("API_KEYS", '["deployed-key", "next-key"]')
    monkeypatch.setenv("CLAIMS_KEYS", CLAIMS_KEY)
    import services.analytics.handler as module

    lambda_function = ApiGatewayLambda(importlib.reload(module).handler, event_version)

    admin = admin_headers("analytics")
    refreshed = graphql(
        lambda_function, operation("refresh"), {}, api_key="next-key", headers=admin
    )
    refused = graphql(
        lambda_function,
        operation("refresh"),
        {},
        api_key="next-key",
        headers=user_headers("analytics"),
    )
    denied = graphql(lambda_function, operation("refresh"), {}, api_key=None)

    assert refreshed.status == 200
    assert refreshed.json() == {"data": {"refreshLeaderboards": True}}
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert denied.status == 401
    assert denied.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
