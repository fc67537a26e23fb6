"""Leaderboard ranking, pure: XP tallies in, ranked standings per board out.

Boards: overall and per language, for LAST_MONTH (the 30 days before the refresh), LAST_YEAR
(the 365 days before it) and ALL_TIME. Tie rule: standard competition ranking ("1, 2, 2, 4"):
students with equal XP share a rank, the next rank skips; within a tie, entries are ordered
by studentId. Students with 0 XP in a board are not ranked in it, and only the top
`MAX_RANKED` entries are kept (beyond them a student is unranked, rank null).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.events.lesson_completed import Language, parse_instant

MAX_RANKED = 1000
OVERALL = "ALL"  # the board scope of the overall (all languages) boards


class Period(StrEnum):
    LAST_MONTH = "LAST_MONTH"
    LAST_YEAR = "LAST_YEAR"
    ALL_TIME = "ALL_TIME"


PERIOD_LENGTH: dict[Period, timedelta] = {
    Period.LAST_MONTH: timedelta(days=30),
    Period.LAST_YEAR: timedelta(days=365),
}


@dataclass(frozen=True)
class Board:
    """One leaderboard: a language (None = overall) and a period."""

    language: Language | None
    period: Period

    @property
    def scope(self) -> str:
        return OVERALL if self.language is None else str(self.language)


ALL_BOARDS: tuple[Board, ...] = tuple(
    Board(language, period) for language in (None, *Language) for period in Period
)


@dataclass(frozen=True)
class Standing:
    rank: int
    student_id: str
    xp: int


@dataclass(frozen=True)
class Award:
    """XP a student earned in a language at a moment (one counted LessonCompleted)."""

    student_id: str
    language: Language
    xp: int
    completed_at: str


XpByLanguage = Mapping[Language, int]


def period_start(period: Period, now: datetime) -> datetime:
    """The earliest completion time counted in `period` at `now` (ALL_TIME has none)."""
    return now - PERIOD_LENGTH[period]


def rank(xp_by_student: Mapping[str, int], limit: int = MAX_RANKED) -> list[Standing]:
    """Competition ranking of students with positive XP, ties ordered by studentId."""
    ordered = sorted(
        ((student, xp) for student, xp in xp_by_student.items() if xp > 0),
        key=lambda pair: (-pair[1], pair[0]),
    )
    standings: list[Standing] = []
    for position, (student, xp) in enumerate(ordered[:limit], start=1):
        tied = standings and standings[-1].xp == xp
        standings.append(Standing(standings[-1].rank if tied else position, student, xp))
    return standings


def boards_for(
    xp_by_student: Mapping[str, XpByLanguage], period: Period, limit: int = MAX_RANKED
) -> dict[Board, list[Standing]]:
    """The overall and per-language boards of one period from per-language tallies."""
    overall = {student: sum(by_language.values()) for student, by_language in xp_by_student.items()}
    boards = {Board(None, period): rank(overall, limit)}
    for language in Language:
        in_language = {
            student: by_language.get(language, 0) for student, by_language in xp_by_student.items()
        }
        boards[Board(language, period)] = rank(in_language, limit)
    return boards


def tally(awards: Iterable[Award], since: datetime) -> dict[str, dict[Language, int]]:
    """XP per student and language over awards completed at or after `since`."""
    totals: dict[str, dict[Language, int]] = defaultdict(lambda: defaultdict(int))
    for award in awards:
        if parse_instant(award.completed_at) >= since:
            totals[award.student_id][award.language] += award.xp
    return {student: dict(by_language) for student, by_language in totals.items()}


def compute_boards(
    all_time: Mapping[str, XpByLanguage],
    recent_awards: Iterable[Award],
    now: datetime,
    limit: int = MAX_RANKED,
) -> dict[Board, list[Standing]]:
    """Every board at `now`: ALL_TIME from the running totals, the others from the awards."""
    awards = list(recent_awards)
    boards = boards_for(all_time, Period.ALL_TIME, limit)
    for period in PERIOD_LENGTH:
        boards.update(boards_for(tally(awards, period_start(period, now)), period, limit))
    return boards
