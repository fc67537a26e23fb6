"""The students subgraph on one table, reached over uvicorn HTTP and API Gateway v1/v2 events."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from bff.tables import STUDENTS, create_table
from services.students.app import create_app
from services.students.repository import StudentRecord, StudentRepository
from services.toolkit.api_keys import ApiKeys
from tests.services.toolkit.transports import TRANSPORT_NAMES, Transport, open_transport
from tests.support.identity import verifier

DATA = Path(__file__).parent / "data"
KEY = "students-key-2026-11"
ROTATED_KEY = "students-key-2026-10"


def document(name: str) -> str:
    return (DATA / name).read_text()


@pytest.fixture(scope="module")
def students_table(dynamodb_client: Any) -> str:
    name = f"students-{uuid.uuid4().hex[:12]}"
    create_table(dynamodb_client, STUDENTS, name)
    return name


@pytest.fixture(scope="module")
def repository(students_table: str, moto_server: Any) -> StudentRepository:
    # Its own client, so tests can count exactly the calls the service makes.
    return StudentRepository(students_table, boto3.client("dynamodb"))


@pytest.fixture(scope="module", params=TRANSPORT_NAMES)
def students(request: pytest.FixtureRequest, repository: StudentRepository) -> Iterator[Transport]:
    app = create_app(repository, ApiKeys.of(KEY, ROTATED_KEY), identity=verifier("students"))
    with open_transport(request.param, app, "students") as transport:
        yield transport


@pytest.fixture(scope="module")
def known_students(repository: StudentRepository) -> list[StudentRecord]:
    """Sixty registered students shared by the module's tests (registration is the slow part)."""
    return [repository.register(f"Learner {i}", unique_email()) for i in range(60)]


ROSTER_SIZE = 21


@pytest.fixture(scope="module")
def roster(dynamodb_client: Any, moto_server: Any) -> StudentRepository:
    """A separate table holding exactly ROSTER_SIZE students, for paging on known data."""
    name = f"students-roster-{uuid.uuid4().hex[:12]}"
    create_table(dynamodb_client, STUDENTS, name)
    repository = StudentRepository(name, boto3.client("dynamodb"))
    for i in range(ROSTER_SIZE):
        repository.register(f"Roster {i:02}", unique_email("roster"))
    return repository


@pytest.fixture
def count_items(dynamodb_client: Any, students_table: str) -> Callable[[], int]:
    """Every item in the table (students and email guards): 'nothing stored' means unchanged."""

    def count() -> int:
        return int(dynamodb_client.scan(TableName=students_table, Select="COUNT")["Count"])

    return count


@pytest.fixture
def batch_get_calls(repository: StudentRepository) -> Iterator[list[int]]:
    """The number of keys in each BatchGetItem call the service makes during a test."""
    calls: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(sum(len(t["Keys"]) for t in params["RequestItems"].values()))

    events = repository.client.meta.events
    events.register("before-parameter-build.dynamodb.BatchGetItem", record, unique_id="count")
    try:
        yield calls
    finally:
        events.unregister("before-parameter-build.dynamodb.BatchGetItem", unique_id="count")


def unique_email(label: str = "student") -> str:
    return f"{label}.{uuid.uuid4().hex[:10]}@example.com"
