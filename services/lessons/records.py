"""What the lessons table holds, as plain values, and the input rules a new lesson must meet."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.events.lesson_completed import Language, LessonCompleted
from services.toolkit.errors import ErrorCode, UserError

MIN_XP, MAX_XP = 50, 500
MAX_TITLE_LENGTH = 200
# Student ids come from the students service, whose table lessons cannot read: any non-empty
# id up to this length is accepted (the gateway passes ids it got from students).
MAX_STUDENT_ID_LENGTH = 128


class Difficulty(StrEnum):
    EASY = "EASY"
    MEDIUM = "MEDIUM"
    HARD = "HARD"


@dataclass(frozen=True)
class LessonRecord:
    id: str
    title: str
    difficulty: Difficulty
    xp: int
    languages: tuple[Language, ...]
    created_at: str


@dataclass(frozen=True)
class CompletionRecord:
    """A student's first completion of a lesson; storing it is what publishes LessonCompleted."""

    student_id: str
    lesson_id: str
    language: Language
    xp: int
    completed_at: str
    event_id: str

    def event(self) -> LessonCompleted:
        return LessonCompleted(
            event_id=self.event_id,
            student_id=self.student_id,
            lesson_id=self.lesson_id,
            language=self.language,
            xp=self.xp,
            completed_at=self.completed_at,
        )


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
