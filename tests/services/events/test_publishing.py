"""`EventBridgePublisher` against EventBridge on the moto server (a rule delivers to SQS)."""

from __future__ import annotations

from typing import Any

import pytest

from services.events.lesson_completed import Language, LessonCompleted
from services.events.publishing import EventBridgePublisher, PublishFailed
from tests.services.events.eventbridge import BusWithQueue, create_bus_with_queue

EVENT = LessonCompleted(
    event_id="e-1",
    student_id="s1",
    lesson_id="loops",
    language=Language.RUST,
    xp=200,
    completed_at="2026-11-20T09:30:00.000Z",
)


@pytest.fixture
def bus(moto_server: Any) -> BusWithQueue:
    return create_bus_with_queue(moto_server.endpoint)


def test_a_published_event_reaches_the_rule_target_as_lessons_lesson_completed(
    bus: BusWithQueue,
) -> None:
    EventBridgePublisher(bus.events, bus.bus_name).publish(EVENT)

    (delivered,) = bus.delivered()
    assert delivered["source"] == "lessons"
    assert delivered["detail-type"] == "LessonCompleted"
    assert delivered["detail"] == EVENT.detail()


def test_a_rejected_entry_raises_so_the_record_is_retried(bus: BusWithQueue) -> None:
    # put_events answers 200 with FailedEntryCount for a rejected entry; make EventBridge
    # reject one by corrupting the request on its way out.
    def corrupt(params: dict[str, Any], **_: Any) -> None:
        params["Entries"][0]["Detail"] = "{not json"

    bus.events.meta.events.register_first("before-parameter-build.events.PutEvents", corrupt)

    with pytest.raises(PublishFailed, match="MalformedDetail"):
        EventBridgePublisher(bus.events, bus.bus_name).publish(EVENT)
    assert bus.delivered() == []
