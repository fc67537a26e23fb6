"""What the lessons table holds, as plain values (no GraphQL imports: the publisher uses it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.events.lesson_completed import Language, LessonCompleted

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
