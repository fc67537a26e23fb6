"""Data access for the analytics table (boto3 low-level client; name from ANALYTICS_TABLE).

Layout (single table, string keys):
  counted event  pk=EVENT#<eventId>    sk=EVENT   gsi1pk=EVENTS#<yyyy-mm>  gsi1sk=<completedAt>#<id>
  XP totals      pk=STUDENT#<student>  sk=TOTALS  gsi1pk=TOTALS            gsi1sk=<student>
                 attributes xp and xp_<LANGUAGE>, incremented with ADD
  board pointer  pk=BOARD#<scope>#<period>  sk=CURRENT  snapshotId, refreshedAt
  board entry    pk=SNAPSHOT#<id>#<scope>#<period>  sk=STUDENT#<student>  rank, xp
                 gsi1pk=<same as pk>  gsi1sk=<rank, 10 digits>#<student> (board order)
Snapshots are written whole before their pointers move, so readers never see half a board;
old snapshots expire through the table's TTL attribute (expiresAt).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bff.tables import ANALYTICS
from services.analytics.leaderboards import Award, Board, Standing
from services.events.lesson_completed import Language, LessonCompleted, format_instant
from services.toolkit.aws_clients import dynamodb_client
from services.toolkit.batching import batch_get_items
from services.toolkit.items import from_item, to_item

TOTALS_SK = "TOTALS"
TOTALS_LISTING = "TOTALS"
EVENT_SK = "EVENT"
POINTER_SK = "CURRENT"
SNAPSHOT_LIFETIME = timedelta(days=7)  # many hourly refreshes; TTL removes older snapshots
BATCH_WRITE_LIMIT = 25  # DynamoDB's cap on items per BatchWriteItem
MAX_WRITE_ATTEMPTS = 8


def language_attribute(language: Language) -> str:
    return f"xp_{language}"


def month_partition(moment: datetime) -> str:
    return f"EVENTS#{moment.astimezone(UTC):%Y-%m}"


def months_between(start: datetime, end: datetime) -> list[str]:
    """The event partitions covering [start, end], oldest first."""
    year, month = start.year, start.month
    partitions = []
    while (year, month) <= (end.year, end.month):
        partitions.append(f"EVENTS#{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return partitions


def student_key(student_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"STUDENT#{student_id}"}, "sk": {"S": TOTALS_SK}}


def pointer_key(board: Board) -> dict[str, Any]:
    return {"pk": {"S": f"BOARD#{board.scope}#{board.period}"}, "sk": {"S": POINTER_SK}}


def snapshot_partition(snapshot_id: str, board: Board) -> str:
    return f"SNAPSHOT#{snapshot_id}#{board.scope}#{board.period}"


def entry_key(snapshot_id: str, board: Board, student_id: str) -> dict[str, Any]:
    return {
        "pk": {"S": snapshot_partition(snapshot_id, board)},
        "sk": {"S": f"STUDENT#{student_id}"},
    }


@dataclass(frozen=True)
class StudentXp:
    student_id: str
    by_language: dict[Language, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_language.values())


def totals_from_item(item: Mapping[str, Any]) -> StudentXp:
    values = from_item(item)
    return StudentXp(
        student_id=values["studentId"],
        by_language={
            language: int(values[language_attribute(language)])
            for language in Language
            if int(values.get(language_attribute(language), 0))
        },
    )


@dataclass(frozen=True)
class BoardPointer:
    snapshot_id: str
    refreshed_at: str


class AnalyticsRepository:
    """Counted events, XP totals and leaderboard snapshots on one table."""

    def __init__(self, table_name: str | None = None, client: Any | None = None) -> None:
        self.table_name = table_name or os.environ[ANALYTICS.env_var]
        self.client = client or dynamodb_client()

    # -- counting events ---------------------------------------------------------------

    def count_event(self, event: LessonCompleted) -> bool:
        """Count `event` once: False (and nothing changed) when its eventId was counted before.

        The event record's conditional put and the XP increment are one transaction, so a
        redelivered event can neither be counted twice nor be recorded without its XP.
        """
        completed_at = event.completed_at
        event_item = to_item(
            {
                "pk": f"EVENT#{event.event_id}",
                "sk": EVENT_SK,
                "gsi1pk": month_partition(datetime.fromisoformat(completed_at)),
                "gsi1sk": f"{completed_at}#{event.event_id}",
                "kind": "event",
                "eventId": event.event_id,
                "studentId": event.student_id,
                "lessonId": event.lesson_id,
                "language": str(event.language),
                "xp": event.xp,
                "completedAt": completed_at,
            }
        )
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": event_item,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": student_key(event.student_id),
                            "UpdateExpression": (
                                "SET studentId = :student, gsi1pk = :listing, gsi1sk = :student "
                                "ADD xp :xp, #language :xp"
                            ),
                            "ExpressionAttributeNames": {
                                "#language": language_attribute(event.language)
                            },
                            "ExpressionAttributeValues": {
                                ":student": {"S": event.student_id},
                                ":listing": {"S": TOTALS_LISTING},
                                ":xp": {"N": str(event.xp)},
                            },
                        }
                    },
                ]
            )
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def counted(self, event_ids: Sequence[str]) -> set[str]:
        """Which of `event_ids` were counted before (a read; counting never relies on it)."""
        keys = [{"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": EVENT_SK}} for event_id in event_ids]
        items = batch_get_items(self.client, self.table_name, keys, consistent_read=True)
        return {event_id for event_id, item in zip(event_ids, items, strict=True) if item}

    # -- XP ------------------------------------------------------------------------------

    def xp_of(self, student_ids: Sequence[str]) -> list[StudentXp]:
        """Live totals, aligned with `student_ids` (one consistent BatchGetItem per 100)."""
        items = batch_get_items(
            self.client,
            self.table_name,
            [student_key(student_id) for student_id in student_ids],
            consistent_read=True,
        )
        return [
            StudentXp(student_id) if item is None else totals_from_item(item)
            for student_id, item in zip(student_ids, items, strict=True)
        ]

    def all_xp(self) -> Iterator[StudentXp]:
        for item in self._query(
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :listing",
            ExpressionAttributeValues={":listing": {"S": TOTALS_LISTING}},
        ):
            yield totals_from_item(item)

    def awards_since(self, start: datetime, now: datetime) -> Iterator[Award]:
        """Counted events completed in [start, now], one Query per calendar month."""
        lower = format_instant(start)
        for partition in months_between(start, now):
            for item in self._query(
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :month AND gsi1sk >= :lower",
                ExpressionAttributeValues={":month": {"S": partition}, ":lower": {"S": lower}},
            ):
                values = from_item(item)
                yield Award(
                    student_id=values["studentId"],
                    language=Language(values["language"]),
                    xp=int(values["xp"]),
                    completed_at=values["completedAt"],
                )

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.table_name, **kwargs):
            yield from page.get("Items", [])

    # -- leaderboard snapshots -------------------------------------------------------------

    def save_snapshot(
        self, snapshot_id: str, boards: Mapping[Board, list[Standing]], refreshed_at: datetime
    ) -> None:
        """Write every board's entries, then point each board at the new snapshot."""
        expires_at = int((refreshed_at + SNAPSHOT_LIFETIME).timestamp())
        entries = [
            to_item(
                {
                    "pk": snapshot_partition(snapshot_id, board),
                    "sk": f"STUDENT#{standing.student_id}",
                    "gsi1pk": snapshot_partition(snapshot_id, board),
                    "gsi1sk": f"{standing.rank:010d}#{standing.student_id}",
                    "studentId": standing.student_id,
                    "rank": standing.rank,
                    "xp": standing.xp,
                    "expiresAt": expires_at,
                }
            )
            for board, standings in boards.items()
            for standing in standings
        ]
        self._batch_write(entries)
        pointers = [
            {
                **pointer_key(board),
                **to_item(
                    {
                        "snapshotId": snapshot_id,
                        "refreshedAt": format_instant(refreshed_at),
                        "expiresAt": expires_at,
                    }
                ),
            }
            for board in boards
        ]
        self._batch_write(pointers)

    def _batch_write(self, items: Iterable[dict[str, Any]]) -> None:
        pending = [{"PutRequest": {"Item": item}} for item in items]
        for start in range(0, len(pending), BATCH_WRITE_LIMIT):
            request = {self.table_name: pending[start : start + BATCH_WRITE_LIMIT]}
            for attempt in range(MAX_WRITE_ATTEMPTS):
                response = self.client.batch_write_item(RequestItems=request)
                request = response.get("UnprocessedItems") or {}
                if not request:
                    break
                time.sleep(0.05 * 2**attempt)  # throttled: back off as AWS advises
            else:
                raise RuntimeError(f"{self.table_name}: writes still unprocessed after retries")

    def pointers(self, boards: Sequence[Board]) -> dict[Board, BoardPointer]:
        """The current snapshot of each board that has one."""
        items = batch_get_items(self.client, self.table_name, [pointer_key(b) for b in boards])
        found = {}
        for board, item in zip(boards, items, strict=True):
            if item is not None:
                values = from_item(item)
                found[board] = BoardPointer(values["snapshotId"], values["refreshedAt"])
        return found

    def top(self, pointer: BoardPointer, board: Board, first: int) -> list[Standing]:
        response = self.client.query(
            TableName=self.table_name,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :board",
            ExpressionAttributeValues={
                ":board": {"S": snapshot_partition(pointer.snapshot_id, board)}
            },
            Limit=first,
        )
        return [standing_from_item(item) for item in response.get("Items", [])]

    def standings(
        self, requests: Sequence[tuple[BoardPointer, Board, str]]
    ) -> list[Standing | None]:
        """Each (snapshot, board, student)'s standing, or None when unranked."""
        keys = [entry_key(pointer.snapshot_id, board, who) for pointer, board, who in requests]
        items = batch_get_items(self.client, self.table_name, keys)
        return [None if item is None else standing_from_item(item) for item in items]


def standing_from_item(item: Mapping[str, Any]) -> Standing:
    values = from_item(item)
    return Standing(int(values["rank"]), values["studentId"], int(values["xp"]))
