"""The analytics use cases: refresh every leaderboard, read one board."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from services.analytics.leaderboards import (
    MAX_RANKED,
    Board,
    Period,
    Standing,
    compute_boards,
    period_start,
)
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import format_instant
from services.toolkit.pagination import check_page_size


@dataclass(frozen=True)
class LeaderboardView:
    board: Board
    refreshed_at: str
    standings: list[Standing]


def refresh_leaderboards(
    repository: AnalyticsRepository, now: datetime | None = None, limit: int = MAX_RANKED
) -> datetime:
    """Recompute every board (overall and per language, each period) as one new snapshot."""
    now = now or datetime.now(UTC)
    all_time = {student.student_id: student.by_language for student in repository.all_xp()}
    year_start = period_start(Period.LAST_YEAR, now)
    assert year_start is not None
    awards = repository.awards_since(year_start, now)
    boards = compute_boards(all_time, awards, now, limit)
    # Unique per refresh, so two concurrent refreshes write separate, complete snapshots.
    snapshot_id = f"{format_instant(now)}-{uuid.uuid4().hex[:8]}"
    repository.save_snapshot(snapshot_id, boards, now)
    return now


def read_leaderboard(repository: AnalyticsRepository, board: Board, first: int) -> LeaderboardView:
    """The top `first` (1..100) of the board's latest snapshot.

    Before the very first refresh there is no snapshot: this read takes it, so a new
    deployment shows real boards at once instead of waiting for the hourly schedule.
    """
    check_page_size(first)
    pointer = repository.pointers([board]).get(board)
    if pointer is None:
        refresh_leaderboards(repository)
        pointer = repository.pointers([board])[board]
    return LeaderboardView(board, pointer.refreshed_at, repository.top(pointer, board, first))
