"""Known data for analytics tests (fixtures/): completions relative to a moment, expected boards."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.analytics.leaderboards import Award, Board, Period, Standing
from services.events.lesson_completed import (
    Language,
    LessonCompleted,
    completion_event_id,
    format_instant,
)

FIXTURES = Path(__file__).parent / "fixtures"


def completions() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "completions.json").read_text())


def known_events(now: datetime) -> list[LessonCompleted]:
    """The fixture completions as LessonCompleted events, `daysAgo` counted back from `now`."""
    return [
        LessonCompleted(
            event_id=completion_event_id(row["student"], row["lesson"]),
            student_id=row["student"],
            lesson_id=row["lesson"],
            language=Language(row["language"]),
            xp=row["xp"],
            completed_at=format_instant(now - timedelta(days=row["daysAgo"])),
        )
        for row in completions()
    ]


def known_awards(now: datetime) -> list[Award]:
    return [
        Award(event.student_id, event.language, event.xp, event.completed_at)
        for event in known_events(now)
    ]


def expected_boards() -> dict[Board, list[Standing]]:
    raw = json.loads((FIXTURES / "boards.json").read_text())
    boards = {}
    for name, rows in raw.items():
        if name.startswith("_"):
            continue
        scope, period = name.split("/")
        language = None if scope == "ALL" else Language(scope)
        boards[Board(language, Period(period))] = [Standing(*row) for row in rows]
    return boards
