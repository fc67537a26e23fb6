"""Fixtures shared by the services' tests."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from bff.tables import STUDENTS
from services.students.directory import StudentDirectory
from services.students.repository import StudentRepository


@pytest.fixture
def private_client(moto_server: Any) -> Any:
    """A DynamoDB client of the test's own, so hooks a test registers on it (call recorders,
    throttling) never leak into other tests."""
    return boto3.client("dynamodb", endpoint_url=moto_server.endpoint)


# Every student id the services' tests complete lessons or earn XP for.
ENROLLED = (
    *("s1", "s2", "s3", *(f"s{number:03d}" for number in range(0, 100, 10))),
    *("ada", "bob", "cy", "dee", "eve"),  # analytics/fixtures/completions.json
)


@pytest.fixture
def students(make_table: Any, private_client: Any) -> StudentDirectory:
    """A fresh students table (exported in STUDENTS_TABLE) holding the `ENROLLED` students."""
    table = make_table(STUDENTS)
    enroll(table, private_client, *ENROLLED)
    return StudentDirectory(table, private_client)


def enroll(table: str, client: Any, *student_ids: str) -> None:
    repository = StudentRepository(table, client)
    for student_id in student_ids:
        repository.register(student_id, f"{student_id}@example.com", student_id=student_id)
