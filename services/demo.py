"""Demo data for the local stack: students, lessons, completions, XP and leaderboards.

`seed()` writes through each service's own data access (students' repository, lessons'
conditional first completion, analytics' consumer handler on the LessonCompleted events), so
the demo data obeys the same rules as real traffic. Ids are derived from fixed names and the
spread of completions from a fixed random seed: running it again writes nothing new.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bff.tables import ANALYTICS, LESSONS, STUDENTS, TableSpec, create_table
from services.analytics import consumer
from services.analytics.refresh import refresh_leaderboards
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import Language, completion_event_id, format_instant
from services.events.local_path import local_table_name
from services.lessons.records import CompletionRecord, Difficulty, LessonRecord
from services.lessons.repository import LessonsRepository
from services.students.directory import StudentDirectory
from services.students.repository import StudentRepository
from services.toolkit.authorization import owned_student_id
from services.toolkit.aws_clients import dynamodb_client
from services.toolkit.errors import ErrorCode, UserError

DEMO_NAMESPACE = uuid.UUID("0d3c0a1e-5e6d-4b8a-9c2f-64656d6f0001")
RANDOM_SEED = 2026

FIRST_NAMES = ("Ada", "Grace", "Alan", "Barbara", "Linus", "Margaret")
LAST_NAMES = ("Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Novak")

P, JS, GO, JAVA, RUST = (
    Language.PYTHON,
    Language.JAVASCRIPT,
    Language.GO,
    Language.JAVA,
    Language.RUST,
)
E, M, H = Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD
LESSONS_CATALOGUE: tuple[tuple[str, Difficulty, int, tuple[Language, ...]], ...] = (
    ("Hello, variables", E, 50, (P, JS, GO, JAVA, RUST)),
    ("Conditionals", E, 60, (P, JS, GO, JAVA, RUST)),
    ("Loops and ranges", E, 75, (P, JS, GO, JAVA, RUST)),
    ("Functions", E, 80, (P, JS, GO, JAVA, RUST)),
    ("Lists and slices", E, 90, (P, GO, RUST)),
    ("Dictionaries and maps", M, 120, (P, JS, GO, JAVA)),
    ("String formatting", E, 70, (P, JS, JAVA)),
    ("Error handling", M, 150, (P, GO, JAVA, RUST)),
    ("Closures", M, 180, (P, JS, RUST)),
    ("Classes and structs", M, 160, (P, GO, JAVA, RUST)),
    ("Interfaces and traits", H, 250, (GO, JAVA, RUST)),
    ("Generators and iterators", M, 200, (P, JS, RUST)),
    ("Promises and async", H, 300, (P, JS)),
    ("Goroutines and channels", H, 350, (GO,)),
    ("Ownership and borrowing", H, 500, (RUST,)),
    ("Streams", M, 220, (JAVA,)),
    ("Generics", H, 280, (GO, JAVA, RUST)),
    ("Unit testing", M, 140, (P, JS, GO, JAVA, RUST)),
    ("Recursion", M, 170, (P, JS, GO, JAVA)),
    ("Dynamic programming", H, 450, (P, JAVA, RUST)),
)
MAX_DAYS_AGO = 420  # beyond a year, so LAST_YEAR and ALL_TIME boards differ
# The demo user (the local stack's `userToken`) owns the first demo student; no one owns the rest.
DEMO_USER_SUB = "demo-user"
DEMO_USER_STUDENT_ID = owned_student_id(DEMO_USER_SUB)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds, and how much of it this run wrote (all zero on a second run)."""

    students: int
    lessons: int
    completions: int
    students_created: int
    lessons_created: int
    completions_created: int
    events_counted: int
    leaderboards_refreshed: bool


def demo_id(kind: str, number: int) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{kind}-{number:02d}"))


def table_name(spec: TableSpec, explicit: str | None, client: Any) -> str:
    """The explicit name, else the env var, else the logical name; created if missing."""
    name = local_table_name(spec, explicit)
    create_table(client, spec, name)
    return name


def demo_students(now: datetime) -> list[tuple[str, str, str, datetime, str | None]]:
    """(id, name, email, joinedAt, owner) for 36 students, joined over the past two years; the
    first is the demo user's own."""
    people = [(first, last) for last in LAST_NAMES for first in FIRST_NAMES]
    return [
        (
            DEMO_USER_STUDENT_ID if number == 1 else demo_id("student", number),
            f"{first} {last}",
            f"{first.lower()}.{last.lower()}@example.com",
            now - timedelta(days=700 - number * 17),
            DEMO_USER_SUB if number == 1 else None,
        )
        for number, (first, last) in enumerate(people, start=1)
    ]


def demo_lessons(now: datetime) -> list[LessonRecord]:
    return [
        LessonRecord(
            id=demo_id("lesson", number),
            title=title,
            difficulty=difficulty,
            xp=xp,
            languages=languages,
            created_at=format_instant(now - timedelta(days=800 - number)),
        )
        for number, (title, difficulty, xp, languages) in enumerate(LESSONS_CATALOGUE, start=1)
    ]


def demo_completions(
    student_ids: list[str], lessons: list[LessonRecord], now: datetime
) -> list[CompletionRecord]:
    """Each student completes one to eight lessons, in one of each lesson's languages."""
    chance = random.Random(RANDOM_SEED)
    completions = []
    for student_id in student_ids:
        for lesson in chance.sample(lessons, chance.randint(1, 8)):
            completed_at = now - timedelta(
                days=chance.randint(0, MAX_DAYS_AGO), minutes=chance.randint(0, 1439)
            )
            completions.append(
                CompletionRecord(
                    student_id=student_id,
                    lesson_id=lesson.id,
                    language=chance.choice(lesson.languages),
                    xp=lesson.xp,
                    completed_at=format_instant(completed_at),
                    event_id=completion_event_id(student_id, lesson.id),
                )
            )
    return completions


def seed(
    *,
    students_table: str | None = None,
    lessons_table: str | None = None,
    analytics_table: str | None = None,
    now: datetime | None = None,
    client: Any | None = None,
) -> DemoSummary:
    """Load the demo data (idempotent). Table names default to the services' env vars."""
    now = now or datetime.now(UTC)
    client = client or dynamodb_client()
    students = StudentRepository(table_name(STUDENTS, students_table, client), client)
    lessons = LessonsRepository(table_name(LESSONS, lessons_table, client), client)
    analytics = AnalyticsRepository(table_name(ANALYTICS, analytics_table, client), client)

    # Reads first so a second run skips what exists; the writes stay conditional regardless.
    people = demo_students(now)
    student_ids = [person[0] for person in people]
    existing_students = students.get_many(student_ids)
    students_created = 0
    for (student_id, name, email, joined_at, owner), existing in zip(
        people, existing_students, strict=True
    ):
        if existing is not None:
            continue
        try:
            students.register(name, email, student_id=student_id, joined_at=joined_at, owner=owner)
            students_created += 1
        except UserError as error:
            if error.code != ErrorCode.CONFLICT:  # already there from an earlier run
                raise

    catalogue = demo_lessons(now)
    lessons_created = sum(lessons.put_lesson(lesson) for lesson in catalogue)

    # Existing completions keep their first values; the events are built from what is stored.
    candidates = demo_completions(student_ids, catalogue, now)
    existing_completions = {
        (completion.student_id, completion.lesson_id): completion
        for completions in lessons.completions_of_students(student_ids)
        for completion in completions
    }
    completions_created = 0
    events = []
    for candidate in candidates:
        stored = existing_completions.get((candidate.student_id, candidate.lesson_id))
        if stored is None:
            stored, first = lessons.record_first_completion(candidate)
            completions_created += first
        events.append(stored.event())
    # The consumer is idempotent anyway; skipping events it already counted only saves time.
    count = consumer.make_handler(lambda: analytics)
    already = analytics.counted([event.event_id for event in events])
    events_counted = sum(
        count(event.eventbridge_envelope(), None)["counted"]
        for event in events
        if event.event_id not in already
    )

    refreshed = bool(students_created or lessons_created or completions_created or events_counted)
    if refreshed:
        refresh_leaderboards(analytics, StudentDirectory(students.table_name, client), now)
    return DemoSummary(
        students=len(people),
        lessons=len(catalogue),
        completions=len(events),
        students_created=students_created,
        lessons_created=lessons_created,
        completions_created=completions_created,
        events_counted=events_counted,
        leaderboards_refreshed=refreshed,
    )
