"""Recompute every leaderboard as one new snapshot (the mutation and the hourly schedule).

Kept apart from the GraphQL-facing use cases so the scheduled Lambda imports no GraphQL code.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.analytics.leaderboards import MAX_RANKED, Period, compute_boards, period_start
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import format_instant


def refresh_leaderboards(
    repository: AnalyticsRepository, now: datetime | None = None, limit: int = MAX_RANKED
) -> datetime:
    """Recompute every board (overall and per language, each period) as one new snapshot."""
    now = now or datetime.now(UTC)
    all_time = {student.student_id: student.by_language for student in repository.all_xp()}
    awards = repository.awards_since(period_start(Period.LAST_YEAR, now), now)
    boards = compute_boards(all_time, awards, now, limit)
    # Unique per refresh, so two concurrent refreshes write separate, complete snapshots.
    snapshot_id = f"{format_instant(now)}-{uuid.uuid4().hex[:8]}"
    repository.save_snapshot(snapshot_id, boards, now)
    return now
