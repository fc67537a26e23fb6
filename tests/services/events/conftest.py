"""Event-path fixtures: the lessons and analytics tables side by side on the moto server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bff.tables import ANALYTICS, LESSONS, TableSpec
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import Language, LessonCompleted
from services.events.publishing import PublishFailed
from services.lessons.operations import complete_lesson
from services.lessons.records import Difficulty, LessonRecord
from services.lessons.repository import LessonsRepository
from services.students.directory import StudentDirectory

LESSON = LessonRecord(
    "loops",
    "Loops",
    Difficulty.EASY,
    150,
    (Language.PYTHON, Language.GO),
    "2026-01-01T00:00:00.000Z",
)


@pytest.fixture
def lessons(make_table: Callable[[TableSpec], str]) -> LessonsRepository:
    repository = LessonsRepository(make_table(LESSONS))
    repository.put_lesson(LESSON)
    return repository


@pytest.fixture
def analytics(make_table: Callable[[TableSpec], str]) -> AnalyticsRepository:
    return AnalyticsRepository(make_table(ANALYTICS))


@pytest.fixture(autouse=True)
def _enrolled(students: StudentDirectory) -> StudentDirectory:
    """The students the event path's tests complete lessons for exist (STUDENTS_TABLE)."""
    return students


def complete(lessons: LessonsRepository, student_id: str, lesson_id: str = "loops") -> Any:
    return complete_lesson(
        lessons,
        StudentDirectory(),
        student_id=student_id,
        lesson_id=lesson_id,
        language=Language.PYTHON if lesson_id == "loops" else Language.GO,
        now=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )


class RecordingPublisher:
    """Records what it is asked to publish, failing the first `failures` calls, then forwards."""

    def __init__(self, forward: Any | None = None, failures: int = 0) -> None:
        self.forward = forward
        self.failures = failures
        self.attempts: list[LessonCompleted] = []
        self.published: list[LessonCompleted] = []

    def publish(self, event: LessonCompleted) -> None:
        self.attempts.append(event)
        if self.failures > 0:
            self.failures -= 1
            raise PublishFailed("injected: the bus is unavailable")
        if self.forward is not None:
            self.forward.publish(event)
        self.published.append(event)
