"""The lessons subgraph schema: its part of ARCHITECTURE.md section 3, Federation 2."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.types import Info

from services.events.lesson_completed import Language, parse_instant
from services.lessons import operations
from services.lessons.loaders import LessonsLoaders
from services.lessons.records import (
    MAX_STUDENT_ID_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_XP,
    MIN_XP,
    CompletionRecord,
    Difficulty,
    LessonRecord,
)
from services.toolkit.authorization import require_admin, require_owner
from services.toolkit.context import SubgraphContext
from services.toolkit.schema import build_subgraph_schema

SERVICE_NAME = "lessons"

strawberry.enum(Language, description="A programming language a lesson can be solved in.")
strawberry.enum(Difficulty, description="How hard a lesson is.")

LessonsInfo = Info[SubgraphContext[LessonsLoaders], None]


@strawberry.federation.type(keys=["id"], description="A lesson students complete to earn XP.")
class Lesson:
    id: strawberry.ID
    title: str
    difficulty: Difficulty
    xp: int = strawberry.field(description=f"XP for a first completion ({MIN_XP} to {MAX_XP}).")
    languages: list[Language] = strawberry.field(description="Languages it can be solved in.")

    @classmethod
    def from_record(cls, record: LessonRecord) -> Lesson:
        return cls(
            id=strawberry.ID(record.id),
            title=record.title,
            difficulty=record.difficulty,
            xp=record.xp,
            languages=list(record.languages),
        )

    @classmethod
    async def resolve_reference(cls, info: LessonsInfo, id: strawberry.ID) -> Lesson | None:
        record = await load_lesson(info, id)
        return None if record is None else cls.from_record(record)


async def load_lesson(info: LessonsInfo, lesson_id: str) -> LessonRecord | None:
    context = info.context
    return await context.loader(context.resources.lessons_by_id).load(lesson_id)


@strawberry.type(description="A student's first completion of a lesson.")
class Completion:
    lesson_id: strawberry.Private[str]
    language: Language = strawberry.field(description="The language it was solved in.")
    completed_at: datetime

    @classmethod
    def from_record(cls, record: CompletionRecord) -> Completion:
        return cls(
            lesson_id=record.lesson_id,
            language=record.language,
            completed_at=parse_instant(record.completed_at),
        )

    @strawberry.field
    async def lesson(self, info: LessonsInfo) -> Lesson:
        record = await load_lesson(info, self.lesson_id)
        if record is None:  # lessons are never deleted, so a completion's lesson exists
            raise LookupError(f"completion refers to missing lesson {self.lesson_id}")
        return Lesson.from_record(record)


@strawberry.federation.type(keys=["id"], description="A student, as far as lessons knows them.")
class Student:
    id: strawberry.ID

    @strawberry.field(description="The student's first completions, one per lesson.")
    async def completions(self, info: LessonsInfo) -> list[Completion]:
        context = info.context
        records = await context.loader(context.resources.completions_by_student).load(self.id)
        return [Completion.from_record(record) for record in records]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Student:
        # No read: completions of an id that never completed anything are simply empty.
        return cls(id=id)


@strawberry.type
class CompleteLessonResult:
    completion: Completion = strawberry.field(
        description="The first completion (the stored one, also when this call repeated it)."
    )
    awarded_xp: int = strawberry.field(description="The lesson's XP the first time, else 0.")
    first_completion: bool


@strawberry.input
class CreateLessonInput:
    title: str = strawberry.field(description=f"1 to {MAX_TITLE_LENGTH} characters.")
    difficulty: Difficulty
    xp: int = strawberry.field(description=f"Between {MIN_XP} and {MAX_XP}.")
    languages: list[Language] = strawberry.field(description="At least one.")


@strawberry.type
class Query:
    @strawberry.field(description="A lesson by id, or null.")
    async def lesson(self, info: LessonsInfo, id: strawberry.ID) -> Lesson | None:
        record = await load_lesson(info, id)
        return None if record is None else Lesson.from_record(record)

    @strawberry.field(description="All lessons, oldest first; with language, those offering it.")
    async def lessons(
        self, info: LessonsInfo, language: Language | None = strawberry.UNSET
    ) -> list[Lesson]:
        repository = info.context.resources.repository
        records = await asyncio.to_thread(repository.list_lessons, language or None)
        return [Lesson.from_record(record) for record in records]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a lesson (admin scope; BAD_USER_INPUT when a rule is broken)."
    )
    async def create_lesson(self, info: LessonsInfo, input: CreateLessonInput) -> Lesson:
        require_admin(info.context.identity, "createLesson")
        record = await asyncio.to_thread(
            operations.create_lesson,
            info.context.resources.repository,
            title=input.title,
            difficulty=input.difficulty,
            xp=input.xp,
            languages=list(input.languages),
        )
        return Lesson.from_record(record)

    @strawberry.mutation(
        description=(
            "Record that a student solved a lesson in a language: FORBIDDEN unless the caller "
            "owns the student or has the admin scope. XP is awarded once per lesson "
            "per student: a repeat returns the first completion with awardedXp 0. NOT_FOUND for "
            "an unknown lesson or student (nothing is recorded), BAD_USER_INPUT for a language "
            f"the lesson does not offer or a studentId longer than {MAX_STUDENT_ID_LENGTH}."
        )
    )
    async def complete_lesson(
        self,
        info: LessonsInfo,
        student_id: strawberry.ID,
        lesson_id: strawberry.ID,
        language: Language,
    ) -> CompleteLessonResult:
        require_owner(info.context.identity, student_id, "completeLesson")
        resources = info.context.resources
        outcome = await asyncio.to_thread(
            operations.complete_lesson,
            resources.repository,
            resources.students,
            student_id=student_id,
            lesson_id=lesson_id,
            language=language,
        )
        return CompleteLessonResult(
            completion=Completion.from_record(outcome.completion),
            awarded_xp=outcome.awarded_xp,
            first_completion=outcome.first_completion,
        )


schema = build_subgraph_schema(
    SERVICE_NAME, query=Query, mutation=Mutation, types=[Lesson, Student]
)
