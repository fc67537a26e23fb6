"""Lessons fixtures: a fresh lessons table, its repository, and the app on every transport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bff.tables import LESSONS, TableSpec
from services.lessons.app import create_app
from services.lessons.repository import LessonsRepository
from services.students.directory import StudentDirectory
from services.toolkit.api_keys import ApiKeys
from tests.services.toolkit.transports import (
    TRANSPORT_NAMES,
    Reply,
    Transport,
    graphql,
    open_transport,
)
from tests.support.identity import admin_headers, verifier

OPERATIONS = Path(__file__).parent / "operations"
API_KEY = "lessons-key-current"
ROTATED_API_KEY = "lessons-key-next"  # both valid at once, as during a rotation


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


@pytest.fixture
def lessons_table(make_table: Callable[[TableSpec], str]) -> str:
    return make_table(LESSONS)


@pytest.fixture
def repository(lessons_table: str, private_client: Any) -> LessonsRepository:
    return LessonsRepository(lessons_table, private_client)


@pytest.fixture(params=TRANSPORT_NAMES)
def transport(
    request: pytest.FixtureRequest, repository: LessonsRepository, students: StudentDirectory
) -> Iterator[Transport]:
    app = create_app(
        repository=repository,
        students=students,
        api_keys=ApiKeys.of(API_KEY, ROTATED_API_KEY),
        identity=verifier("lessons"),
    )
    with open_transport(request.param, app, "lessons") as opened:
        yield opened


def run(
    transport: Transport,
    name: str,
    api_key: str | None = API_KEY,
    identity: dict[str, str] | None = None,
    **variables: Any,
) -> Any:
    """Run a stored operation (as an admin unless `identity`, headers, says who); returns the
    JSON body after checking the HTTP status is 200."""
    headers = admin_headers("lessons") if identity is None else identity
    reply: Reply = graphql(transport, operation(name), variables, api_key=api_key, headers=headers)
    assert reply.status == 200, reply.body
    return reply.json()


def error_codes(body: Any) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def record_calls(client: Any) -> list[str]:
    """The names of the DynamoDB operations `client` makes from now on, in order."""
    calls: list[str] = []
    client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    return calls


def stored_items(client: Any, table_name: str) -> list[dict[str, Any]]:
    return client.scan(TableName=table_name)["Items"]
