"""Who may change lessons: createLesson needs `admin`; completeLesson is for the caller's own
student (or any, with `admin`). A refusal is FORBIDDEN and stores nothing: no completion, no
outbox event, so analytics never awards XP for it."""

from __future__ import annotations

from typing import Any

import pytest

from services.lessons.repository import LessonsRepository
from services.students.directory import StudentDirectory
from services.toolkit.authorization import owned_student_id
from tests.services.conftest import enroll
from tests.services.lessons.conftest import error_codes, run, stored_items
from tests.services.lessons.test_graphql import NEW_LESSON, seed_lesson
from tests.services.toolkit.transports import Transport
from tests.support.identity import (
    OTHER_SUB,
    USER_SUB,
    admin_headers,
    identity_headers,
    user_headers,
)

USER = user_headers("lessons")
ANONYMOUS: dict[str, str] = {}
# Scopes other than `admin`, even ones that contain the word, give no admin power.
NOT_ADMIN = {
    "plain-user": USER,
    "anonymous": ANONYMOUS,
    "admin-like-scopes": identity_headers("lessons", USER_SUB, scope="administrator admins"),
    "admin-for-another-service": identity_headers("students", USER_SUB, scope="admin"),
}


@pytest.fixture(autouse=True)
def enrolled(students: StudentDirectory, private_client: Any) -> None:
    """The owned students exist (lessons refuses completions for unknown students)."""
    enroll(
        students.table_name, private_client, *(owned_student_id(s) for s in (USER_SUB, OTHER_SUB))
    )


def complete(transport: Transport, student_id: str, identity: dict[str, str]) -> Any:
    variables = {"studentId": student_id, "lessonId": "gen", "language": "PYTHON"}
    return run(transport, "complete_lesson", identity=identity, **variables)


@pytest.mark.parametrize("identity", NOT_ADMIN.values(), ids=NOT_ADMIN.keys())
def test_create_lesson_without_admin_is_forbidden_and_stores_nothing(
    transport: Transport, identity: dict[str, str], private_client: Any, lessons_table: str
) -> None:
    body = run(transport, "create_lesson", identity=identity, input=NEW_LESSON)

    assert body["data"] is None
    assert error_codes(body) == ["FORBIDDEN"]
    assert stored_items(private_client, lessons_table) == []


def test_an_admin_creates_lessons(transport: Transport) -> None:
    body = run(transport, "create_lesson", identity=admin_headers("lessons"), input=NEW_LESSON)

    assert body["data"]["createLesson"]["title"] == NEW_LESSON["title"]


@pytest.mark.parametrize(
    "identity", [USER, ANONYMOUS, NOT_ADMIN["admin-like-scopes"]], ids=["user", "anon", "like"]
)
def test_completing_a_lesson_for_another_student_is_forbidden_and_stores_nothing(
    transport: Transport,
    repository: LessonsRepository,
    identity: dict[str, str],
    private_client: Any,
    lessons_table: str,
) -> None:
    seed_lesson(repository)
    before = stored_items(private_client, lessons_table)

    body = complete(transport, owned_student_id(OTHER_SUB), identity)

    assert body["data"] is None
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["completeLesson"]
    assert stored_items(private_client, lessons_table) == before


def test_a_user_completes_lessons_for_its_own_student(
    transport: Transport, repository: LessonsRepository
) -> None:
    seed_lesson(repository)

    body = complete(transport, owned_student_id(USER_SUB), USER)
    assert "errors" not in body, body

    assert body["data"]["completeLesson"]["awardedXp"] == 120
    assert repository.completions_of(owned_student_id(USER_SUB))


def test_an_admin_completes_lessons_for_any_student(
    transport: Transport, repository: LessonsRepository
) -> None:
    seed_lesson(repository)

    body = complete(transport, owned_student_id(OTHER_SUB), admin_headers("lessons"))

    assert body["data"]["completeLesson"]["firstCompletion"] is True
