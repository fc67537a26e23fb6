"""Publishing `LessonCompleted`: the `EventPublisher` interface and its EventBridge version."""

from __future__ import annotations

import os
from typing import Any, Protocol

import orjson

from services.events.lesson_completed import DETAIL_TYPE, SOURCE, LessonCompleted


class PublishFailed(RuntimeError):
    """The event was not accepted; the caller retries (its stream record stays unacknowledged)."""


class EventPublisher(Protocol):
    """Puts one event on the bus or raises `PublishFailed`."""

    def publish(self, event: LessonCompleted) -> None: ...


class EventBridgePublisher:
    """`put_events` on the configured bus (`EVENT_BUS_NAME`, default bus when unset)."""

    def __init__(self, client: Any | None = None, bus_name: str | None = None) -> None:
        if client is None:
            import boto3  # only the AWS path needs an events client

            client = boto3.client("events")
        self.client = client
        self.bus_name = bus_name or os.environ.get("EVENT_BUS_NAME") or "default"

    def publish(self, event: LessonCompleted) -> None:
        response = self.client.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": orjson.dumps(event.detail()).decode(),
                    "EventBusName": self.bus_name,
                }
            ]
        )
        # put_events answers 200 even when an entry was rejected (throttling, internal
        # failure): only FailedEntryCount tells, so it is checked on every call.
        if response.get("FailedEntryCount", 0):
            entry = next((e for e in response.get("Entries", []) if e.get("ErrorCode")), {})
            raise PublishFailed(
                f"EventBridge rejected event {event.event_id}: "
                f"{entry.get('ErrorCode', 'unknown')} {entry.get('ErrorMessage', '')}".strip()
            )
