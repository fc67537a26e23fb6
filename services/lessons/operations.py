"""The lessons use cases behind the mutations: the input rules first, then one write (or none)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from services.events.lesson_completed import Language, completion_event_id, format_instant
from services.lessons.records import (
    MAX_STUDENT_ID_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_XP,
    MIN_XP,
    CompletionRecord,
    Difficulty,
    LessonRecord,
)
from services.lessons.repository import LessonsRepository
from services.toolkit.errors import ErrorCode, UserError


def checked_title(title: str) -> str:
    cleaned = title.strip()
    if not 1 <= len(cleaned) <= MAX_TITLE_LENGTH:
        raise UserError(f"title must be 1 to {MAX_TITLE_LENGTH} characters (not only spaces)")
    return cleaned


def checked_xp(xp: int) -> int:
    if not MIN_XP <= xp <= MAX_XP:
        raise UserError(f"xp must be between {MIN_XP} and {MAX_XP}, got {xp}")
    return xp


def checked_languages(languages: list[Language]) -> tuple[Language, ...]:
    if not languages:
        raise UserError("a lesson needs at least one language")
    return tuple(dict.fromkeys(languages))  # duplicates dropped, order kept


def checked_student_id(student_id: str) -> str:
    if not student_id.strip() or len(student_id) > MAX_STUDENT_ID_LENGTH:
        raise UserError(
            f"studentId must be a non-empty id of at most {MAX_STUDENT_ID_LENGTH} characters"
        )
    return student_id


def checked_language_for(lesson: LessonRecord, language: Language) -> Language:
    if language not in lesson.languages:
        offered = ", ".join(lesson.languages)
        raise UserError(f"lesson {lesson.id} cannot be solved in {language} (only {offered})")
    return language


def lesson_not_found(lesson_id: str) -> UserError:
    return UserError(f"no lesson with id {lesson_id!r}", ErrorCode.NOT_FOUND)


def student_not_found(student_id: str) -> UserError:
    return UserError(f"no student with id {student_id!r}", ErrorCode.NOT_FOUND)


class StudentLookup(Protocol):
    """Which students exist (`services.students.directory.StudentDirectory`)."""

    def exists(self, student_id: str) -> bool: ...


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
    students: StudentLookup,
    *,
    student_id: str,
    lesson_id: str,
    language: Language,
    now: datetime | None = None,
) -> CompletionOutcome:
    """Record a completion; XP is awarded (and LessonCompleted published) only the first time.

    A repeated completion, in any language, returns the stored first completion with 0 XP.
    An unknown student or lesson is `NOT_FOUND`, checked before anything is written.
    """
    checked_student_id(student_id)
    lesson = repository.get_lessons([lesson_id]).get(lesson_id)
    if lesson is None:
        raise lesson_not_found(lesson_id)
    checked_language_for(lesson, language)
    if not students.exists(student_id):
        raise student_not_found(student_id)
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
