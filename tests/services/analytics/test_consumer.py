"""The LessonCompleted consumer with EventBridge-shaped events: counted once per eventId."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.analytics.consumer import make_handler
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import Language, LessonCompleted
from tests.services.analytics.known_data import known_events

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    return client.scan(TableName=table)["Items"]


def test_a_redelivered_event_does_not_count_twice(repository: AnalyticsRepository) -> None:
    consume = make_handler(lambda: repository)
    event = known_events(NOW)[0]  # ada, PYTHON, 200

    first = consume(event.eventbridge_envelope(), None)
    # EventBridge's own retry or a second publish: a new envelope id, the same eventId.
    again = consume(event.eventbridge_envelope(), None)

    assert first == {"counted": True, "eventId": event.event_id}
    assert again == {"counted": False, "eventId": event.event_id}
    (ada,) = repository.xp_of(["ada"])
    assert (ada.total, ada.by_language) == (200, {Language.PYTHON: 200})


def test_every_distinct_event_adds_up_per_language(repository: AnalyticsRepository) -> None:
    consume = make_handler(lambda: repository)
    for event in known_events(NOW):
        consume(event.eventbridge_envelope(), None)

    ada, eve, nobody = repository.xp_of(["ada", "eve", "nobody"])

    assert ada.by_language == {Language.PYTHON: 200, Language.GO: 100}
    assert eve.total == 300
    assert (nobody.total, nobody.by_language) == (0, {})


@pytest.mark.parametrize(
    "broken",
    [
        {"xp": -5},
        {"language": "COBOL"},
        {"eventId": ""},
        {"completedAt": "2026-11-24T12:00:00"},  # no offset: not an instant
        {"completedAt": "yesterday"},
    ],
)
def test_a_malformed_event_raises_and_stores_nothing(
    repository: AnalyticsRepository,
    private_client: Any,
    analytics_table: str,
    broken: dict[str, Any],
) -> None:
    consume = make_handler(lambda: repository)
    envelope = known_events(NOW)[0].eventbridge_envelope()
    envelope["detail"].update(broken)

    # Raising makes EventBridge retry and finally park the event in the rule's DLQ.
    with pytest.raises(ValidationError):
        consume(envelope, None)
    assert scan(private_client, analytics_table) == []


def test_an_event_of_another_type_is_ignored(
    repository: AnalyticsRepository, private_client: Any, analytics_table: str
) -> None:
    consume = make_handler(lambda: repository)
    envelope = known_events(NOW)[0].eventbridge_envelope()
    envelope["detail-type"] = "LessonCreated"

    assert consume(envelope, None) == {"counted": False, "eventId": None}
    assert scan(private_client, analytics_table) == []


def test_completion_times_are_normalised_to_one_utc_form() -> None:
    detail = {
        "eventId": "e1",
        "studentId": "s1",
        "lessonId": "l1",
        "language": "GO",
        "xp": 100,
        "completedAt": "2026-11-24T13:00:00+01:00",
    }

    assert LessonCompleted.model_validate(detail).completed_at == "2026-11-24T12:00:00.000Z"


def test_the_event_contract_uses_the_documented_field_names() -> None:
    event = LessonCompleted(
        event_id="e1",
        student_id="s1",
        lesson_id="l1",
        language=Language.GO,
        xp=100,
        completed_at="2026-11-24T12:00:00.000Z",
    )

    envelope = event.eventbridge_envelope()

    assert (envelope["source"], envelope["detail-type"]) == ("lessons", "LessonCompleted")
    assert envelope["detail"] == {
        "eventId": "e1",
        "studentId": "s1",
        "lessonId": "l1",
        "language": "GO",
        "xp": 100,
        "completedAt": "2026-11-24T12:00:00.000Z",
    }
