"""Batch functions behind the lessons DataLoaders: one backend round per request tick.

boto3 is synchronous, so each batch runs in a worker thread and the event loop keeps serving
other requests meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.lessons.records import CompletionRecord, LessonRecord
from services.lessons.repository import LessonsRepository
from services.students.directory import StudentDirectory


class LessonsLoaders:
    """What the lessons app hands resolvers as `info.context.resources`."""

    def __init__(self, repository: LessonsRepository, students: StudentDirectory) -> None:
        self.repository = repository
        self.students = students

    async def lessons_by_id(self, lesson_ids: Sequence[str]) -> list[LessonRecord | None]:
        """All lessons asked for in one tick: one BatchGetItem (per 100 ids)."""
        found = await asyncio.to_thread(self.repository.get_lessons, lesson_ids)
        return [found.get(lesson_id) for lesson_id in lesson_ids]

    async def completions_by_student(
        self, student_ids: Sequence[str]
    ) -> list[list[CompletionRecord]]:
        """All students asked for in one tick: one BatchGetItem (per 100 students)."""
        return await asyncio.to_thread(self.repository.completions_of_students, student_ids)
