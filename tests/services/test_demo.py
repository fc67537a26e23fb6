"""The demo data: consistent across the three services, deterministic, and idempotent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bff.tables import ANALYTICS, LESSONS, STUDENTS, create_table
from services.analytics.leaderboards import ALL_BOARDS, Board, Period
from services.analytics.repository import AnalyticsRepository
from services.demo import (
    DEMO_USER_STUDENT_ID,
    DEMO_USER_SUB,
    DemoSummary,
    demo_id,
    seed,
    table_name,
)
from services.lessons.repository import LessonsRepository
from services.students.repository import StudentRepository

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SeededTables:
    names: dict[str, str]
    summary: DemoSummary


@pytest.fixture(scope="module")
def seeded(dynamodb_client: Any) -> SeededTables:
    """Seeding is the slow part (one transaction per event on moto): done once per module."""
    names = {}
    for spec in (STUDENTS, LESSONS, ANALYTICS):
        names[spec.logical_name] = f"demo-{spec.logical_name}-{uuid.uuid4().hex[:8]}"
        create_table(dynamodb_client, spec, names[spec.logical_name])
    summary = seed(
        students_table=names["students"],
        lessons_table=names["lessons"],
        analytics_table=names["analytics"],
        now=NOW,
        client=dynamodb_client,
    )
    return SeededTables(names, summary)


def scan_all(client: Any, tables: dict[str, str]) -> dict[str, list[Any]]:
    def items(name: str) -> list[Any]:
        found = client.scan(TableName=name)["Items"]
        return sorted(found, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))

    return {logical: items(name) for logical, name in tables.items()}


def test_seed_loads_consistent_data_into_all_three_services(
    seeded: SeededTables, dynamodb_client: Any
) -> None:
    summary, tables = seeded.summary, seeded.names

    assert (summary.students, summary.lessons) == (36, 20)
    assert summary.students_created == 36 and summary.lessons_created == 20
    assert summary.completions == summary.completions_created == summary.events_counted > 36
    assert summary.leaderboards_refreshed

    students = StudentRepository(tables["students"], dynamodb_client)
    lessons = LessonsRepository(tables["lessons"], dynamodb_client)
    analytics = AnalyticsRepository(tables["analytics"], dynamodb_client)
    student_ids = [DEMO_USER_STUDENT_ID] + [demo_id("student", n) for n in range(2, 37)]
    assert all(student is not None for student in students.get_many(student_ids))
    # The demo user owns exactly the first student (the local stack's userStudentId).
    owners = [student.owner for student in students.get_many(student_ids)]  # type: ignore[union-attr]
    assert owners == [DEMO_USER_SUB] + [None] * 35
    assert len(lessons.list_lessons()) == 20
    # Every student's XP in analytics is exactly the XP of their completions in lessons.
    for student_id, xp in zip(student_ids, analytics.xp_of(student_ids), strict=True):
        completions = lessons.completions_of(student_id)
        assert xp.total == sum(completion.xp for completion in completions) > 0
        assert set(xp.by_language) == {completion.language for completion in completions}
    # Every board has a snapshot; completions span more than a year, so periods differ.
    pointers = analytics.pointers(list(ALL_BOARDS))
    assert set(pointers) == set(ALL_BOARDS)
    overall = {
        period: analytics.top(pointers[Board(None, period)], Board(None, period), 100)
        for period in Period
    }
    assert len(overall[Period.ALL_TIME]) == 36
    assert len(overall[Period.LAST_MONTH]) < len(overall[Period.LAST_YEAR]) <= 36
    assert overall[Period.LAST_MONTH][0].xp < overall[Period.ALL_TIME][0].xp


def test_seeding_again_changes_nothing(seeded: SeededTables, dynamodb_client: Any) -> None:
    before = scan_all(dynamodb_client, seeded.names)

    again = seed(
        students_table=seeded.names["students"],
        lessons_table=seeded.names["lessons"],
        analytics_table=seeded.names["analytics"],
        now=NOW + timedelta(days=3),  # a later run finds everything in place all the same
        client=dynamodb_client,
    )

    assert again == DemoSummary(
        students=36,
        lessons=20,
        completions=seeded.summary.completions,
        students_created=0,
        lessons_created=0,
        completions_created=0,
        events_counted=0,
        leaderboards_refreshed=False,
    )
    assert scan_all(dynamodb_client, seeded.names) == before


def test_table_names_default_to_the_services_env_vars(
    dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"lessons-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(LESSONS.env_var, name)

    assert table_name(LESSONS, None, dynamodb_client) == name
    explicit = f"explicit-{uuid.uuid4().hex[:8]}"
    assert table_name(LESSONS, explicit, dynamodb_client) == explicit
    for created in (name, explicit):
        assert dynamodb_client.describe_table(TableName=created)["Table"]["TableStatus"] == "ACTIVE"
