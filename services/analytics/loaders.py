"""Batch functions behind the analytics DataLoaders (boto3 runs in a worker thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.analytics.leaderboards import Board, Standing
from services.analytics.repository import AnalyticsRepository, StudentXp
from services.students.directory import StudentDirectory

RankRequest = tuple[str, Board]  # (studentId, board)


class AnalyticsLoaders:
    """What the analytics app hands resolvers as `info.context.resources`."""

    def __init__(self, repository: AnalyticsRepository, students: StudentDirectory) -> None:
        self.repository = repository
        self.students = students

    async def xp_by_student(self, student_ids: Sequence[str]) -> list[StudentXp]:
        """Live XP of every student asked for in one tick: one BatchGetItem per 100."""
        return await asyncio.to_thread(self.repository.xp_of, list(student_ids))

    async def rank_by_request(self, requests: Sequence[RankRequest]) -> list[Standing | None]:
        """Ranks from the latest snapshots: one read of the boards' pointers, one of entries."""
        return await asyncio.to_thread(self._standings, list(requests))

    def _standings(self, requests: list[RankRequest]) -> list[Standing | None]:
        boards = list(dict.fromkeys(board for _, board in requests))
        pointers = self.repository.pointers(boards)
        # A board never refreshed has no snapshot: everyone is unranked in it.
        answerable = [(student, board) for student, board in requests if board in pointers]
        standings = self.repository.standings(
            [(pointers[board], board, student) for student, board in answerable]
        )
        found = dict(zip(answerable, standings, strict=True))
        return [found.get(request) for request in requests]
