"""The lessons use cases behind the mutations: rules first, then one write (or none)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from services.events.lesson_completed import Language, completion_event_id, format_instant
from services.lessons.records import (
    CompletionRecord,
    Difficulty,
    LessonRecord,
    checked_language_for,
    checked_languages,
    checked_student_id,
    checked_title,
    checked_xp,
    lesson_not_found,
)
from services.lessons.repository import LessonsRepository
from services.toolkit.errors import ErrorCode, UserError


@dataclass(frozen=True)
class CompletionOutcome:
    completion: CompletionRecord
    awarded_xp: int
    first_completion: bool


def create_lesson(
    repository: LessonsRepository,
    *,
    title: str,
    difficulty: Difficulty,
    xp: int,
    languages: list[Language],
    now: datetime | None = None,
    lesson_id: str | None = None,
) -> LessonRecord:
    """Validate and store a lesson; a rule violation raises `UserError` before any write."""
    lesson = LessonRecord(
        id=lesson_id or uuid.uuid4().hex,
        title=checked_title(title),
        difficulty=difficulty,
        xp=checked_xp(xp),
        languages=checked_languages(languages),
        created_at=format_instant(now or datetime.now(UTC)),
    )
    if not repository.put_lesson(lesson):
        raise UserError(f"a lesson with id {lesson.id!r} exists already", ErrorCode.CONFLICT)
    return lesson


def complete_lesson(
    repository: LessonsRepository,
    *,
    student_id: str,
    lesson_id: str,
    language: Language,
    now: datetime | None = None,
) -> CompletionOutcome:
    """Record a completion; XP is awarded (and LessonCompleted published) only the first time.

    A repeated completion, in any language, returns the stored first completion with 0 XP.
    """
    checked_student_id(student_id)
    lesson = repository.get_lessons([lesson_id]).get(lesson_id)
    if lesson is None:
        raise lesson_not_found(lesson_id)
    checked_language_for(lesson, language)
    candidate = CompletionRecord(
        student_id=student_id,
        lesson_id=lesson_id,
        language=language,
        xp=lesson.xp,
        completed_at=format_instant(now or datetime.now(UTC)),
        event_id=completion_event_id(student_id, lesson_id),
    )
    stored, first = repository.record_first_completion(candidate)
    return CompletionOutcome(stored, lesson.xp if first else 0, first)
