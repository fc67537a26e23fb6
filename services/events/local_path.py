"""The local stack's event path: lessons stream -> publisher handler -> local bus -> consumer.

In AWS, Lambda's event source mapping feeds the lessons stream to the publisher, which puts
events on EventBridge, whose rule invokes the analytics consumer. Locally the same two
handlers run in-process: `StreamPoller` stands in for the event source mapping and
`LocalEventBus` for EventBridge (a direct call of the consumer handler, with retries).

    poller = start_local_event_path()   # tables from LESSONS_TABLE / ANALYTICS_TABLE
    ...
    poller.stop()
"""

from __future__ import annotations

import os
from typing import Any

from bff.tables import ANALYTICS, LESSONS, TableSpec
from services.analytics import consumer
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import DETAIL_TYPE, SOURCE
from services.events.local_bus import LocalEventBus, Rule
from services.events.stream_poller import StreamPoller
from services.lessons import publisher


def local_table_name(spec: TableSpec, explicit: str | None) -> str:
    return explicit or os.environ.get(spec.env_var) or spec.logical_name


def build_local_event_path(
    *,
    lessons_table: str | None = None,
    analytics_table: str | None = None,
    dynamodb: Any | None = None,
    streams: Any | None = None,
    delivery_attempts: int = 3,
    first_backoff_seconds: float = 0.1,
) -> StreamPoller:
    """A poller (not started) wired from the lessons table's stream to the analytics consumer.

    Table names default to LESSONS_TABLE / ANALYTICS_TABLE, else the logical names, as
    `bff serve-service` and `bff seed` name them locally.
    """
    analytics = AnalyticsRepository(local_table_name(ANALYTICS, analytics_table), dynamodb)
    bus = LocalEventBus(
        [Rule(SOURCE, DETAIL_TYPE, consumer.make_handler(lambda: analytics))],
        attempts=delivery_attempts,
        first_backoff_seconds=first_backoff_seconds,
    )
    return StreamPoller(
        local_table_name(LESSONS, lessons_table),
        publisher.make_handler(lambda: bus),
        dynamodb=dynamodb,
        streams=streams,
    )


def start_local_event_path(interval_seconds: float = 0.2, **options: Any) -> StreamPoller:
    """Build the path and poll in a background thread; call `.stop()` on the result to end it."""
    return build_local_event_path(**options).start(interval_seconds)
