"""Analytics fixtures: a fresh analytics table, its repository, the app on every transport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bff.tables import ANALYTICS, TableSpec
from services.analytics.app import create_app
from services.analytics.repository import AnalyticsRepository
from services.students.directory import StudentDirectory
from services.toolkit.api_keys import ApiKeys
from tests.services.toolkit.transports import (
    TRANSPORT_NAMES,
    Transport,
    graphql,
    open_transport,
)
from tests.support.identity import admin_headers, verifier

OPERATIONS = Path(__file__).parent / "operations"
API_KEY = "analytics-key"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


@pytest.fixture
def analytics_table(make_table: Callable[[TableSpec], str]) -> str:
    return make_table(ANALYTICS)


@pytest.fixture
def repository(analytics_table: str, private_client: Any) -> AnalyticsRepository:
    return AnalyticsRepository(analytics_table, private_client)


@pytest.fixture(params=TRANSPORT_NAMES)
def transport(
    request: pytest.FixtureRequest, repository: AnalyticsRepository, students: StudentDirectory
) -> Iterator[Transport]:
    app = create_app(
        repository=repository,
        students=students,
        api_keys=ApiKeys.of(API_KEY),
        identity=verifier("analytics"),
    )
    with open_transport(request.param, app, "analytics") as opened:
        yield opened


def run(
    transport: Transport,
    name: str,
    api_key: str | None = API_KEY,
    identity: dict[str, str] | None = None,
    **variables: Any,
) -> Any:
    """Run a stored operation as an admin, unless `identity` (headers) says who."""
    headers = admin_headers("analytics") if identity is None else identity
    reply = graphql(transport, operation(name), variables, api_key=api_key, headers=headers)
    assert reply.status == 200, reply.body
    return reply.json()
