"""Ghost students (XP counted for an id the students service does not know, as before lessons
checked ids) are never ranked, and a snapshot that still holds one is served without it: one
bad record never nulls a whole leaderboard at the gateway."""

from __future__ import annotations

from datetime import UTC, datetime

from services.analytics.consumer import make_handler
from services.analytics.leaderboards import Board, Period, Standing
from services.analytics.refresh import refresh_leaderboards
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import Language, LessonCompleted, completion_event_id
from services.students.directory import StudentDirectory
from tests.services.analytics.conftest import run
from tests.services.toolkit.transports import Transport

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OVERALL = {"period": "ALL_TIME", "first": 10}


def _award(repository: AnalyticsRepository, student: str, xp: int) -> None:
    event = LessonCompleted(
        event_id=completion_event_id(student, "l1"),
        student_id=student,
        lesson_id="l1",
        language=Language.PYTHON,
        xp=xp,
        completed_at="2026-11-20T09:00:00Z",
    )
    make_handler(lambda: repository)(event.eventbridge_envelope(), None)


def test_a_ghost_with_the_most_xp_is_not_ranked(
    transport: Transport, repository: AnalyticsRepository, students: StudentDirectory
) -> None:
    _award(repository, "ghost", 500)
    _award(repository, "ada", 200)
    _award(repository, "bob", 100)
    refresh_leaderboards(repository, students, NOW)

    board = run(transport, "leaderboard", **OVERALL)["data"]["leaderboard"]

    assert [(e["rank"], e["student"]["id"], e["xp"]) for e in board["entries"]] == [
        (1, "ada", 200),
        (2, "bob", 100),
    ]
    # Its XP stays counted: ranking is what leaves it out.
    assert repository.xp_of(["ghost"])[0].total == 500


def test_a_snapshot_holding_a_ghost_is_served_without_it(
    transport: Transport, repository: AnalyticsRepository, students: StudentDirectory
) -> None:
    # A snapshot taken before ghosts were left out.
    standings = [Standing(1, "ghost", 500), Standing(2, "ada", 200)]
    repository.save_snapshot("old", {Board(None, Period.ALL_TIME): standings}, NOW)

    board = run(transport, "leaderboard", **OVERALL)["data"]["leaderboard"]

    assert [(e["rank"], e["student"]["id"]) for e in board["entries"]] == [(2, "ada")]
