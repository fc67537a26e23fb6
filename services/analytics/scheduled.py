"""The hourly leaderboard refresh: a Lambda on an EventBridge schedule (rate(1 hour))."""

from __future__ import annotations

from functools import cache
from typing import Any

from services.analytics.refresh import refresh_leaderboards
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import format_instant
from services.students.directory import StudentDirectory
from services.toolkit.observability import service_logger

logger = service_logger("analytics-scheduled")

# Created on the first invocation, then reused by warm ones.
current_repository = cache(AnalyticsRepository)
current_students = cache(StudentDirectory)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Refresh every board; the schedule's event carries nothing we need."""
    refreshed_at = format_instant(refresh_leaderboards(current_repository(), current_students()))
    logger.info("leaderboards refreshed", extra={"refreshedAt": refreshed_at})
    return {"refreshedAt": refreshed_at}
