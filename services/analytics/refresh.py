"""Recompute every leaderboard as one new snapshot (the mutation and the hourly schedule).

Kept apart from the GraphQL-facing use cases so the scheduled Lambda imports no GraphQL code.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.analytics.leaderboards import MAX_RANKED, Period, compute_boards, period_start
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import format_instant
from services.students.directory import StudentDirectory


def refresh_leaderboards(
    repository: AnalyticsRepository,
    students: StudentDirectory,
    now: datetime | None = None,
    limit: int = MAX_RANKED,
) -> datetime:
    """Recompute every board (overall and per language, each period) as one new snapshot.

    Only students that exist are ranked: XP counted for an id the students service does not
    know (a "ghost", from before lessons checked ids) stays counted but never ranks, since the
    gateway could not resolve its `student` and would null the whole leaderboard.
    """
    now = now or datetime.now(UTC)
    all_time = {student.student_id: student.by_language for student in repository.all_xp()}
    existing = students.existing(all_time)
    all_time = {student: xp for student, xp in all_time.items() if student in existing}
    awards = (
        award
        for award in repository.awards_since(period_start(Period.LAST_YEAR, now), now)
        if award.student_id in existing
    )
    boards = compute_boards(all_time, awards, now, limit)
    # Unique per refresh, so two concurrent refreshes write separate, complete snapshots.
    snapshot_id = f"{format_instant(now)}-{uuid.uuid4().hex[:8]}"
    repository.save_snapshot(snapshot_id, boards, now)
    return now
