"""The `LessonCompleted` event (ARCHITECTURE.md section 4): what lessons publishes, analytics reads.

Both services import this one definition, so the event's shape and the `Language` values they
share cannot drift apart.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SOURCE = "lessons"
DETAIL_TYPE = "LessonCompleted"

# eventId is derived from (studentId, lessonId): a completion is stored once per pair, so every
# retry or redelivery of it carries the same id and analytics can deduplicate on it.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c3b0e-4d1a-4c55-9a55-6c6573736f6e")


class Language(StrEnum):
    """The languages a lesson can be solved in (the GraphQL enum `Language`)."""

    PYTHON = "PYTHON"
    JAVASCRIPT = "JAVASCRIPT"
    GO = "GO"
    JAVA = "JAVA"
    RUST = "RUST"


def format_instant(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z`; fixed width, so strings sort by time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a timezone")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    """The inverse of `format_instant` (accepts any ISO-8601 string with an offset)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without timezone: {text!r}")
    return moment.astimezone(UTC)


def completion_event_id(student_id: str, lesson_id: str) -> str:
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{student_id}/{lesson_id}"))


class LessonCompleted(BaseModel):
    """The event's `detail`, with the field names used on the wire."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    event_id: str = Field(alias="eventId", min_length=1)
    student_id: str = Field(alias="studentId", min_length=1)
    lesson_id: str = Field(alias="lessonId", min_length=1)
    language: Language
    xp: int = Field(ge=0)
    completed_at: str = Field(alias="completedAt", min_length=1)

    @field_validator("completed_at")
    @classmethod
    def utc_instant(cls, value: str) -> str:
        """Any ISO-8601 instant with an offset, stored in the one fixed-width UTC form.

        Analytics compares completion times as strings (period boundaries), which is only
        right when every one of them has the same format.
        """
        return format_instant(parse_instant(value))

    def detail(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")

    def eventbridge_envelope(
        self, *, region: str = "us-east-1", account: str = "000000000000"
    ) -> dict[str, Any]:
        """The event as EventBridge delivers it to a rule's target (used by the local bus)."""
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": DETAIL_TYPE,
            "source": SOURCE,
            "account": account,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": [],
            "detail": self.detail(),
        }
