"""The analytics use cases behind the schema: read one board (refresh lives in refresh.py)."""

from __future__ import annotations

from dataclasses import dataclass

from services.analytics.leaderboards import Board, Standing
from services.analytics.refresh import refresh_leaderboards
from services.analytics.repository import AnalyticsRepository
from services.toolkit.pagination import check_page_size


@dataclass(frozen=True)
class LeaderboardView:
    board: Board
    refreshed_at: str
    standings: list[Standing]


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
