"""The LessonCompleted consumer: a Lambda that EventBridge invokes for each event.

Idempotent on eventId (see `AnalyticsRepository.count_event`): EventBridge delivers at least
once and the outbox may publish an event twice, but XP is counted once. An event that does
not parse raises, so EventBridge retries it and finally sends it to the rule's DLQ.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import DETAIL_TYPE, SOURCE, LessonCompleted
from services.toolkit.observability import service_logger

logger = service_logger("analytics-consumer")

ConsumerHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


class LessonCompletedEnvelope(EventBridgeModel):
    detail: LessonCompleted


def make_handler(repository: Callable[[], AnalyticsRepository]) -> ConsumerHandler:
    """A consumer counting into the repository `repository()` makes on first use."""
    current_repository = cache(repository)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        envelope = parse(event=event, model=LessonCompletedEnvelope)
        if envelope.source != SOURCE or envelope.detail_type != DETAIL_TYPE:
            # The rule routes only LessonCompleted here; anything else is not ours to count.
            logger.warning("ignored event", extra={"source": envelope.source})
            return {"counted": False, "eventId": None}
        completed = envelope.detail
        counted = current_repository().count_event(completed)
        # Routine either way (the outbox delivers at least once): visible with LOG_LEVEL=DEBUG.
        logger.debug(
            "counted LessonCompleted" if counted else "duplicate LessonCompleted ignored",
            extra={"eventId": completed.event_id, "studentId": completed.student_id},
        )
        return {"counted": counted, "eventId": completed.event_id}

    return handler


handler = make_handler(AnalyticsRepository)
