"""The lessons subgraph through HTTP (uvicorn) and its Lambda handler (API Gateway v1 and v2)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from services.events.lesson_completed import Language
from services.lessons.records import Difficulty, LessonRecord
from services.lessons.repository import LessonsRepository
from tests.services.conftest import enroll
from tests.services.lessons.conftest import (
    API_KEY,
    ROTATED_API_KEY,
    error_codes,
    operation,
    record_calls,
    run,
    stored_items,
)
from tests.services.toolkit.transports import Transport, graphql

NEW_LESSON = {
    "title": "Generators",
    "difficulty": "MEDIUM",
    "xp": 120,
    "languages": ["PYTHON", "JAVASCRIPT"],
}


def seed_lesson(repository: LessonsRepository, lesson_id: str = "gen", xp: int = 120) -> None:
    repository.put_lesson(
        LessonRecord(
            lesson_id,
            f"Lesson {lesson_id}",
            Difficulty.EASY,
            xp,
            (Language.PYTHON, Language.GO),
            "2026-01-01T00:00:00.000Z",
        )
    )


@pytest.mark.parametrize("api_key", [None, "not-a-key", API_KEY + "x"])
def test_requests_without_a_valid_key_get_401_and_change_nothing(
    transport: Transport, api_key: str | None, private_client: Any, lessons_table: str
) -> None:
    reply = graphql(transport, operation("create_lesson"), {"input": NEW_LESSON}, api_key=api_key)

    assert reply.status == 401
    assert reply.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert b"not-a-key" not in reply.body
    assert stored_items(private_client, lessons_table) == []


def test_other_routes_also_need_the_key(transport: Transport) -> None:
    reply = transport.request("GET", "/health")

    assert reply.status == 401
    assert reply.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_sdl_declares_the_entities_with_key(transport: Transport) -> None:
    sdl = run(transport, "sdl")["data"]["_service"]["sdl"]

    assert 'type Lesson @key(fields: "id")' in sdl
    assert 'type Student @key(fields: "id")' in sdl
    assert "specs.apollo.dev/federation/v2" in sdl


def test_created_lesson_can_be_read_and_listed_by_language(transport: Transport) -> None:
    created = run(transport, "create_lesson", input=NEW_LESSON)["data"]["createLesson"]
    # Either of the rotating keys is accepted.
    read = run(transport, "lesson", api_key=ROTATED_API_KEY, id=created["id"])["data"]["lesson"]

    assert read == created == {**NEW_LESSON, "id": created["id"]}
    assert run(transport, "lessons", language="JAVASCRIPT")["data"]["lessons"] == [
        {"id": created["id"], "title": "Generators"}
    ]
    assert run(transport, "lessons", language="RUST")["data"]["lessons"] == []
    assert len(run(transport, "lessons")["data"]["lessons"]) == 1
    assert run(transport, "lesson", id="missing")["data"]["lesson"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"xp": 49},
        {"xp": 501},
        {"languages": []},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
    ],
)
def test_a_lesson_breaking_a_rule_is_refused_and_nothing_is_stored(
    transport: Transport, change: dict[str, Any], private_client: Any, lessons_table: str
) -> None:
    body = run(transport, "create_lesson", input={**NEW_LESSON, **change})

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"] is None
    assert stored_items(private_client, lessons_table) == []


def test_boundary_xp_values_are_accepted(transport: Transport) -> None:
    for xp in (50, 500):
        created = run(transport, "create_lesson", input={**NEW_LESSON, "xp": xp})
        assert created["data"]["createLesson"]["xp"] == xp


def test_first_completion_awards_xp_and_a_repeat_awards_nothing(
    transport: Transport, repository: LessonsRepository
) -> None:
    seed_lesson(repository, "gen", xp=120)

    first = run(transport, "complete_lesson", studentId="s1", lessonId="gen", language="PYTHON")
    again = run(transport, "complete_lesson", studentId="s1", lessonId="gen", language="GO")

    first_result = first["data"]["completeLesson"]
    assert first_result["awardedXp"] == 120
    assert first_result["firstCompletion"] is True
    assert first_result["completion"]["lesson"] == {"id": "gen", "title": "Lesson gen", "xp": 120}
    assert first_result["completion"]["completedAt"].endswith("Z")
    again_result = again["data"]["completeLesson"]
    assert again_result["awardedXp"] == 0
    assert again_result["firstCompletion"] is False
    # The stored first completion is returned, not the repeat's language.
    assert again_result["completion"] == first_result["completion"]
    assert [c.language for c in repository.completions_of("s1")] == [Language.PYTHON]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"studentId": "s1", "lessonId": "nope", "language": "PYTHON"}, "NOT_FOUND"),
        # A ghost: no such student, so no completion, no XP, no event (the outbox is empty).
        ({"studentId": "ghost", "lessonId": "gen", "language": "PYTHON"}, "NOT_FOUND"),
        ({"studentId": "s1", "lessonId": "gen", "language": "RUST"}, "BAD_USER_INPUT"),
        ({"studentId": "", "lessonId": "gen", "language": "PYTHON"}, "BAD_USER_INPUT"),
        ({"studentId": "s" * 129, "lessonId": "gen", "language": "PYTHON"}, "BAD_USER_INPUT"),
    ],
)
def test_a_refused_completion_stores_nothing(
    transport: Transport,
    repository: LessonsRepository,
    variables: dict[str, str],
    code: str,
    private_client: Any,
    lessons_table: str,
) -> None:
    seed_lesson(repository, "gen")

    body = run(transport, "complete_lesson", **variables)

    assert error_codes(body) == [code]
    assert [item["sk"]["S"] for item in stored_items(private_client, lessons_table)] == ["LESSON"]


def test_an_unknown_language_variable_is_rejected_before_any_resolver(
    transport: Transport, repository: LessonsRepository
) -> None:
    seed_lesson(repository, "gen")

    body = run(transport, "complete_lesson", studentId="s1", lessonId="gen", language="COBOL")

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert repository.completions_of("s1") == []


def test_entities_resolve_100_lessons_with_one_batch_get(
    transport: Transport, repository: LessonsRepository, private_client: Any
) -> None:
    for number in range(100):
        seed_lesson(repository, f"l{number:03d}", xp=50 + number)
    calls = record_calls(private_client)
    representations = [{"__typename": "Lesson", "id": f"l{n:03d}"} for n in range(100)]

    body = run(transport, "entities", representations=representations)

    entities = body["data"]["_entities"]
    assert [entity["id"] for entity in entities] == [f"l{n:03d}" for n in range(100)]
    assert entities[7] == {"__typename": "Lesson", "id": "l007", "title": "Lesson l007", "xp": 57}
    assert calls == ["BatchGetItem"]


def test_entities_resolve_100_students_completions_with_two_batch_gets(
    transport: Transport, repository: LessonsRepository, private_client: Any
) -> None:
    for number in range(3):
        seed_lesson(repository, f"l{number}", xp=100 + number)
    for number in range(0, 100, 10):  # every tenth student completed lessons
        for lesson in ("l0", "l2"):
            run(
                transport,
                "complete_lesson",
                studentId=f"s{number:03d}",
                lessonId=lesson,
                language="GO",
            )
    calls = record_calls(private_client)
    representations = [{"__typename": "Student", "id": f"s{n:03d}"} for n in range(100)]

    body = run(transport, "entities", representations=representations)

    entities = body["data"]["_entities"]
    assert [len(entity["completions"]) for entity in entities] == [
        2 if n % 10 == 0 else 0 for n in range(100)
    ]
    assert {c["lesson"]["id"] for c in entities[50]["completions"]} == {"l0", "l2"}
    # One read of the students' completions items, one of the lessons they refer to.
    assert calls == ["BatchGetItem", "BatchGetItem"]


def test_entities_return_null_for_unknown_lessons_and_students_with_completions(
    transport: Transport, repository: LessonsRepository
) -> None:
    seed_lesson(repository, "gen")
    run(transport, "complete_lesson", studentId="s1", lessonId="gen", language="GO")

    body = run(
        transport,
        "entities",
        representations=[
            {"__typename": "Lesson", "id": "unknown"},
            {"__typename": "Student", "id": "s1"},
            {"__typename": "Student", "id": "never-completed"},
        ],
    )

    unknown, student, newcomer = body["data"]["_entities"]
    assert unknown is None
    assert student["completions"][0]["language"] == "GO"
    assert student["completions"][0]["lesson"] == {"id": "gen", "title": "Lesson gen"}
    assert newcomer == {"__typename": "Student", "id": "never-completed", "completions": []}


def test_a_ghost_student_is_refused_naming_the_id(
    transport: Transport, repository: LessonsRepository
) -> None:
    seed_lesson(repository, "gen")
    body = run(transport, "complete_lesson", studentId="ghost-7", lessonId="gen", language="GO")
    [error] = body["errors"]
    assert error["message"] == "no student with id 'ghost-7'"
    assert (error["path"], error["extensions"]["code"]) == (["completeLesson"], "NOT_FOUND")
    assert repository.completions_of("ghost-7") == []
    # A student registered just now is found (consistent reads), and completes the lesson.
    enroll(os.environ["STUDENTS_TABLE"], repository.client, "ghost-7")
    body = run(transport, "complete_lesson", studentId="ghost-7", lessonId="gen", language="GO")
    assert body["data"]["completeLesson"]["awardedXp"] > 0
