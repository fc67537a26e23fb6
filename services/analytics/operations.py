"""The analytics use cases behind the schema: read one board (refresh lives in refresh.py)."""

from __future__ import annotations

from dataclasses import dataclass

from services.analytics.leaderboards import Board, Standing
from services.analytics.refresh import refresh_leaderboards
from services.analytics.repository import AnalyticsRepository
from services.students.directory import StudentDirectory
from services.toolkit.pagination import check_page_size


@dataclass(frozen=True)
class LeaderboardView:
    board: Board
    refreshed_at: str
    standings: list[Standing]


def read_leaderboard(
    repository: AnalyticsRepository, students: StudentDirectory, board: Board, first: int
) -> LeaderboardView:
    """The top `first` (1..100) of the board's latest snapshot, students that exist only.

    Before the very first refresh there is no snapshot: this read takes it, so a new
    deployment shows real boards at once instead of waiting for the hourly schedule. A snapshot
    taken before ghosts were left out may still hold one: it is skipped here, so one bad record
    never nulls the whole leaderboard at the gateway.
    """
    check_page_size(first)
    pointer = repository.pointers([board]).get(board)
    if pointer is None:
        refresh_leaderboards(repository, students)
        pointer = repository.pointers([board])[board]
    standings = repository.top(pointer, board, first)
    existing = students.existing(standing.student_id for standing in standings)
    kept = [standing for standing in standings if standing.student_id in existing]
    return LeaderboardView(board, pointer.refreshed_at, kept)
