"""A local stand-in for EventBridge: rules route published events to handler functions.

Delivery is a direct call of the target's Lambda handler with the EventBridge-shaped event
(as EventBridge invokes a rule's Lambda target), retried a few times with backoff. If every
attempt fails, `publish` raises `PublishFailed`, so the stream record stays unacknowledged and
the poller publishes it again later: a stored completion still reaches its consumer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.events.lesson_completed import LessonCompleted
from services.events.publishing import PublishFailed
from services.toolkit.observability import service_logger

LambdaTarget = Callable[[dict[str, Any], Any], Any]

logger = service_logger("local-event-bus")


@dataclass(frozen=True)
class Rule:
    """Deliver events whose `source` and `detail-type` match to `target`."""

    source: str
    detail_type: str
    target: LambdaTarget


class LocalEventBus:
    """An `EventPublisher` that delivers to local targets instead of putting to EventBridge."""

    def __init__(
        self, rules: list[Rule], *, attempts: int = 3, first_backoff_seconds: float = 0.1
    ) -> None:
        self.rules = rules
        self.attempts = attempts
        self.first_backoff_seconds = first_backoff_seconds

    def publish(self, event: LessonCompleted) -> None:
        envelope = event.eventbridge_envelope()
        for rule in self.rules:
            if rule.source == envelope["source"] and rule.detail_type == envelope["detail-type"]:
                self.deliver(rule.target, envelope)

    def deliver(self, target: LambdaTarget, envelope: dict[str, Any]) -> None:
        for attempt in range(self.attempts):
            try:
                target(envelope, None)
                return
            except Exception as error:
                # One line per attempt; the stream record is retried later if all of them fail.
                logger.warning(
                    "delivery failed",
                    extra={
                        "eventId": envelope["detail"].get("eventId"),
                        "attempt": attempt + 1,
                        "error": repr(error),
                    },
                )
                if attempt + 1 < self.attempts:
                    time.sleep(self.first_backoff_seconds * 2**attempt)
        raise PublishFailed(f"event {envelope['detail'].get('eventId')} was not delivered")
