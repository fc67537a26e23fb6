"""The oracle's data: fresh students, lessons and analytics tables seeded from `data/school.json`.

Everything is written through the services' own data access (students' conditional
registration, lessons' conditional first completion, analytics' idempotent event count), then
every leaderboard is refreshed once, so both the subgraphs and the monolith read one
consistent state. Ids, names and join dates are fixed; completion times are days before the
seeding moment so the LAST_MONTH / LAST_YEAR / ALL_TIME boards stay distinct whenever the
tests run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bff.tables import ANALYTICS, LESSONS, STUDENTS, create_table
from services.analytics.refresh import refresh_leaderboards
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import Language, completion_event_id, format_instant
from services.lessons.records import CompletionRecord, Difficulty, LessonRecord
from services.lessons.repository import LessonsRepository
from services.students.directory import StudentDirectory
from services.students.repository import StudentRepository
from services.toolkit.schema import parse_datetime

SCHOOL_FILE = Path(__file__).parent / "data" / "school.json"


@dataclass(frozen=True)
class School:
    """The three services' repositories over the seeded tables."""

    students: StudentRepository
    lessons: LessonsRepository
    analytics: AnalyticsRepository

    @property
    def directory(self) -> StudentDirectory:
        """Which students exist, as lessons and analytics read it."""
        return StudentDirectory(self.students.table_name, self.students.client)


def create_school_tables(client: Any) -> School:
    """Three new, uniquely named tables (nothing shared with other tests)."""
    suffix = uuid.uuid4().hex[:12]
    students, lessons, analytics = (
        f"oracle-{spec.logical_name}-{suffix}" for spec in (STUDENTS, LESSONS, ANALYTICS)
    )
    for spec, name in ((STUDENTS, students), (LESSONS, lessons), (ANALYTICS, analytics)):
        create_table(client, spec, name)
    return School(
        students=StudentRepository(students, client),
        lessons=LessonsRepository(lessons, client),
        analytics=AnalyticsRepository(analytics, client),
    )


def completion_record(entry: dict[str, Any], xp: int, now: datetime) -> CompletionRecord:
    """A completion of `data/school.json`, completed `daysAgo` days before `now`."""
    return CompletionRecord(
        student_id=entry["student"],
        lesson_id=entry["lesson"],
        language=Language(entry["language"]),
        xp=xp,
        completed_at=format_instant(now - timedelta(days=entry["daysAgo"])),
        event_id=completion_event_id(entry["student"], entry["lesson"]),
    )


def seed_school(school: School, now: datetime) -> None:
    """Write `data/school.json` into the school's tables and refresh the leaderboards at `now`."""
    data = orjson.loads(SCHOOL_FILE.read_bytes())
    for student in data["students"]:
        school.students.register(
            student["name"],
            student["email"],
            student_id=student["id"],
            joined_at=parse_datetime(student["joinedAt"]),
        )
    xp_by_lesson = {}
    for lesson in data["lessons"]:
        xp_by_lesson[lesson["id"]] = lesson["xp"]
        school.lessons.put_lesson(
            LessonRecord(
                id=lesson["id"],
                title=lesson["title"],
                difficulty=Difficulty(lesson["difficulty"]),
                xp=lesson["xp"],
                languages=tuple(Language(name) for name in lesson["languages"]),
                created_at=lesson["createdAt"],
            )
        )
    for completion in data["completions"]:
        record = completion_record(completion, xp_by_lesson[completion["lesson"]], now)
        stored, _first = school.lessons.record_first_completion(record)
        # What the event path would deliver; counted one by one (moto applies transactions
        # without a lock, so concurrent counts could misbehave there).
        school.analytics.count_event(stored.event())
    # Completions whose lesson does not exist (as after a faulty data migration), never
    # counted: the lessons subgraph fails on their `lesson`, which exercises error paths and
    # null propagation through entity fetches.
    for orphan in data["orphanCompletions"]:
        school.lessons.record_first_completion(completion_record(orphan, orphan["xp"], now))
    refresh_leaderboards(school.analytics, school.directory, now)
