"""Students data access against the moto server: conditional writes, reads, names and emails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bff.tables import STUDENTS
from services.students.repository import StudentRepository, normalize_email, normalize_name
from services.toolkit.errors import UserError
from tests.services.students.conftest import unique_email


@pytest.fixture
def fresh(make_table: Callable[[Any], str], dynamodb_client: Any) -> StudentRepository:
    make_table(STUDENTS)  # exported as STUDENTS_TABLE
    return StudentRepository.from_environment(dynamodb_client)


def _count(repository: StudentRepository) -> int:
    return int(repository.client.scan(TableName=repository.table_name, Select="COUNT")["Count"])


def test_registration_is_one_conditional_transaction_without_a_prior_read(
    fresh: StudentRepository,
) -> None:
    # Uniqueness rests on DynamoDB's atomic conditions, not on reading first. (A concurrency
    # test cannot show it here: moto applies transactions without a lock and rolls back by
    # swapping in a table snapshot, so racing transactions on moto lose or leak items.)
    calls: list[str] = []
    fresh.client.meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.append(model.name), unique_id="calls"
    )
    try:
        email = unique_email("once")
        fresh.register("First", email)
        with pytest.raises(UserError) as raised:
            fresh.register("Second", email.upper())
    finally:
        fresh.client.meta.events.unregister("before-call.dynamodb", unique_id="calls")
    assert raised.value.extensions == {"code": "CONFLICT"}
    assert calls == ["TransactWriteItems", "TransactWriteItems"]
    assert _count(fresh) == 2  # one student and its email guard


def test_a_given_id_that_exists_is_a_conflict_and_stores_nothing(fresh: StudentRepository) -> None:
    fresh.register("Demo", unique_email(), student_id="student-1")
    before = _count(fresh)
    with pytest.raises(UserError) as raised:
        fresh.register("Other", unique_email(), student_id="student-1")
    assert raised.value.extensions == {"code": "CONFLICT"}
    assert _count(fresh) == before


def test_demo_data_can_fix_id_and_join_time(fresh: StudentRepository) -> None:
    joined = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    fresh.register("Demo", "demo@example.com", student_id="student-7", joined_at=joined)
    student = fresh.get("student-7")
    assert student is not None and student.joined_at == joined


def test_get_many_keeps_order_and_answers_none_for_unknown(fresh: StudentRepository) -> None:
    a = fresh.register("A", unique_email())
    b = fresh.register("B", unique_email())
    found = fresh.get_many([b.id, "nope", a.id, b.id])
    assert [s.name if s else None for s in found] == ["B", None, "A", "B"]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("  Ada  ", "Ada"), ("x" * 100, "x" * 100), ("Zoë Ünal", "Zoë Ünal")],
)
def test_names_are_trimmed(raw: str, normalized: str) -> None:
    assert normalize_name(raw) == normalized


@pytest.mark.parametrize("raw", ["", "  ", "x" * 101])
def test_names_must_be_1_to_100_characters_after_trimming(raw: str) -> None:
    with pytest.raises(UserError):
        normalize_name(raw)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        (" Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"),
        ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
    ],
)
def test_emails_are_compared_trimmed_and_lower_cased(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    ["a@b", "a@-b.com", "a@b-.com", "@example.com", "a@.com", "a b@example.com", "a@example.c"],
)
def test_unlikely_emails_are_refused(raw: str) -> None:
    with pytest.raises(UserError):
        normalize_email(raw)
