"""The lessons table against the moto server: the first completion is decided by DynamoDB."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from services.events.lesson_completed import Language, completion_event_id
from services.lessons.records import CompletionRecord, Difficulty, LessonRecord
from services.lessons.repository import LessonsRepository


def completion(student: str, lesson: str, language: Language, at: str) -> CompletionRecord:
    return CompletionRecord(
        student, lesson, language, 100, at, completion_event_id(student, lesson)
    )


def test_a_lesson_id_is_stored_once(repository: LessonsRepository) -> None:
    lesson = LessonRecord(
        "l1", "One", Difficulty.EASY, 50, (Language.GO,), "2026-01-01T00:00:00.000Z"
    )

    assert repository.put_lesson(lesson) is True
    assert repository.put_lesson(lesson) is False
    assert repository.get_lessons(["l1", "l2", "l1"]) == {"l1": lesson}


def test_the_first_completion_wins_and_later_ones_get_it_back(
    repository: LessonsRepository,
) -> None:
    first = completion("s1", "l1", Language.PYTHON, "2026-01-01T00:00:00.000Z")
    later = completion("s1", "l1", Language.GO, "2026-02-01T00:00:00.000Z")

    assert repository.record_first_completion(first) == (first, True)
    assert repository.record_first_completion(later) == (first, False)
    assert repository.completions_of("s1") == [first]


def test_a_repeat_identical_to_the_first_is_still_not_first(
    repository: LessonsRepository,
) -> None:
    # Same language, same timestamp (a client retrying within one clock tick): only the call
    # that actually wrote is first, so XP cannot be awarded twice.
    first = completion("s1", "l1", Language.PYTHON, "2026-01-01T00:00:00.000Z")

    assert repository.record_first_completion(first) == (first, True)
    assert repository.record_first_completion(first) == (first, False)
    # The same for the entry added to an existing completions item.
    second = completion("s1", "l2", Language.PYTHON, "2026-01-01T00:00:00.000Z")
    assert repository.record_first_completion(second) == (second, True)
    assert repository.record_first_completion(second) == (second, False)


def test_twenty_concurrent_completions_store_exactly_one(repository: LessonsRepository) -> None:
    attempts = [
        completion("s1", "l1", Language.PYTHON, f"2026-01-01T00:00:{second:02d}.000Z")
        for second in range(20)
    ]

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(repository.record_first_completion, attempts))

    winners = [stored for stored, first in outcomes if first]
    assert len(winners) == 1
    # Every loser was handed the winner's record, never its own attempt.
    assert {stored for stored, _ in outcomes} == {winners[0]}
    assert repository.completions_of("s1") == winners


def test_concurrent_first_completions_of_different_lessons_are_all_kept(
    repository: LessonsRepository,
) -> None:
    attempts = [
        completion("newcomer", f"l{number}", Language.GO, "2026-01-01T00:00:00.000Z")
        for number in range(10)
    ]

    # All race to create the student's completions item; the losers add their entry to it.
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(repository.record_first_completion, attempts))

    assert all(first for _, first in outcomes)
    assert {c.lesson_id for c in repository.completions_of("newcomer")} == {
        f"l{number}" for number in range(10)
    }


@pytest.mark.parametrize(
    ("operation", "earlier_lessons"),
    [("PutItem", []), ("UpdateItem", ["l0"])],
    ids=["creating-the-item", "adding-an-entry"],
)
def test_a_write_whose_answer_was_lost_and_retried_is_still_the_first(
    repository: LessonsRepository, private_client: Any, operation: str, earlier_lessons: list[str]
) -> None:
    for lesson in earlier_lessons:
        repository.record_first_completion(
            completion("s1", lesson, Language.GO, "2026-01-01T00:00:00.000Z")
        )
    mine = completion("s1", "l1", Language.RUST, "2026-01-02T00:00:00.000Z")
    retried: list[int] = []

    # As when DynamoDB (or the moto server under load) answers 500 after applying the write:
    # botocore sends the same request again, and its condition now fails on our own entry.
    def lose_the_first_answer(attempts: int, **_: Any) -> float | None:
        if retried:
            return None
        retried.append(attempts)
        return 0  # retry at once

    event = f"needs-retry.dynamodb.{operation}"
    private_client.meta.events.register(event, lose_the_first_answer)
    try:
        assert repository.record_first_completion(mine) == (mine, True)
    finally:
        private_client.meta.events.unregister(event, lose_the_first_answer)
    assert retried == [1]
    later = completion("s1", "l1", Language.GO, "2026-01-03T00:00:00.000Z")
    assert repository.record_first_completion(later) == (mine, False)
