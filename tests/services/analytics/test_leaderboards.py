"""Leaderboard ranking on plain data: tie rule, periods, limits."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from services.analytics.leaderboards import (
    ALL_BOARDS,
    Board,
    Period,
    Standing,
    compute_boards,
    rank,
)
from services.events.lesson_completed import Language
from tests.services.analytics.known_data import expected_boards, known_awards

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("xp", "expected"),
    [
        ({}, []),
        ({"a": 10}, [Standing(1, "a", 10)]),
        # Standard competition ranking: equal XP share a rank, the next rank skips.
        (
            {"d": 5, "c": 10, "b": 10, "a": 20},
            [Standing(1, "a", 20), Standing(2, "b", 10), Standing(2, "c", 10), Standing(4, "d", 5)],
        ),
        # Ties are listed by student id, whatever order they arrive in.
        ({"z": 7, "m": 7, "a": 7}, [Standing(1, "a", 7), Standing(1, "m", 7), Standing(1, "z", 7)]),
        # No XP, no rank.
        ({"a": 0, "b": 3}, [Standing(1, "b", 3)]),
    ],
)
def test_rank_uses_competition_ranking_with_ties_by_student_id(
    xp: dict[str, int], expected: list[Standing]
) -> None:
    assert rank(xp) == expected


def test_rank_keeps_only_the_top_entries() -> None:
    standings = rank({"a": 3, "b": 2, "c": 2, "d": 1}, limit=2)

    assert standings == [Standing(1, "a", 3), Standing(2, "b", 2)]


def test_every_board_matches_the_known_data() -> None:
    awards = known_awards(NOW)
    all_time: dict[str, dict[Language, int]] = defaultdict(lambda: defaultdict(int))
    for award in awards:
        all_time[award.student_id][award.language] += award.xp

    boards = compute_boards(all_time, awards, NOW)

    assert set(boards) == set(ALL_BOARDS) == set(expected_boards())
    assert boards == expected_boards()


def test_last_month_is_the_30_days_before_the_refresh_inclusive() -> None:
    dee = [award for award in known_awards(NOW) if award.student_id == "dee"]  # 40 days old
    when_30_days_old = NOW - timedelta(days=10)

    at_boundary = compute_boards({}, dee, when_30_days_old)
    just_after = compute_boards({}, dee, when_30_days_old + timedelta(milliseconds=1))

    assert at_boundary[Board(None, Period.LAST_MONTH)] == [Standing(1, "dee", 200)]
    assert just_after[Board(None, Period.LAST_MONTH)] == []
    assert just_after[Board(None, Period.LAST_YEAR)] == [Standing(1, "dee", 200)]
