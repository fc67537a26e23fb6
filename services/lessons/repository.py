"""Data access for the lessons table (boto3, low-level client; physical name from LESSONS_TABLE).

Layout (single table, string keys):
  lesson      pk=LESSON#<id>        sk=LESSON              gsi1pk=LESSON  gsi1sk=<createdAt>#<id>
  completion  pk=STUDENT#<student>  sk=COMPLETION#<lesson>  the outbox: its stream INSERT
              is what the publisher turns into LessonCompleted (see publisher.py)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from services.events.lesson_completed import Language
from services.lessons.records import CompletionRecord, Difficulty, LessonRecord
from services.toolkit.aws_clients import dynamodb_client
from services.toolkit.batching import batch_get_items
from services.toolkit.tables import LESSONS

LESSON_SK = "LESSON"
LESSON_LISTING = "LESSON"
COMPLETION_PREFIX = "COMPLETION#"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def lesson_key(lesson_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"LESSON#{lesson_id}"}, "sk": {"S": LESSON_SK}}


def completion_key(student_id: str, lesson_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"STUDENT#{student_id}"}, "sk": {"S": f"{COMPLETION_PREFIX}{lesson_id}"}}


def lesson_item(lesson: LessonRecord) -> dict[str, Any]:
    return to_item(
        {
            "pk": f"LESSON#{lesson.id}",
            "sk": LESSON_SK,
            "gsi1pk": LESSON_LISTING,
            "gsi1sk": f"{lesson.created_at}#{lesson.id}",
            "kind": "lesson",
            "id": lesson.id,
            "title": lesson.title,
            "difficulty": str(lesson.difficulty),
            "xp": lesson.xp,
            "languages": [str(language) for language in lesson.languages],
            "createdAt": lesson.created_at,
        }
    )


def lesson_from_item(item: dict[str, Any]) -> LessonRecord:
    values = from_item(item)
    return LessonRecord(
        id=values["id"],
        title=values["title"],
        difficulty=Difficulty(values["difficulty"]),
        xp=int(values["xp"]),
        languages=tuple(Language(language) for language in values["languages"]),
        created_at=values["createdAt"],
    )


def completion_item(completion: CompletionRecord) -> dict[str, Any]:
    return to_item(
        {
            "pk": f"STUDENT#{completion.student_id}",
            "sk": f"{COMPLETION_PREFIX}{completion.lesson_id}",
            "kind": "completion",
            "studentId": completion.student_id,
            "lessonId": completion.lesson_id,
            "language": str(completion.language),
            "xp": completion.xp,
            "completedAt": completion.completed_at,
            "eventId": completion.event_id,
        }
    )


def completion_from_values(values: dict[str, Any]) -> CompletionRecord:
    """From a deserialized item (a table read or a stream image)."""
    return CompletionRecord(
        student_id=values["studentId"],
        lesson_id=values["lessonId"],
        language=Language(values["language"]),
        xp=int(values["xp"]),  # a Decimal from DynamoDB
        completed_at=values["completedAt"],
        event_id=values["eventId"],
    )


def is_completion(values: dict[str, Any]) -> bool:
    return values.get("kind") == "completion"


class LessonsRepository:
    """Lessons and first completions; every write that must happen once is conditional."""

    def __init__(self, table_name: str | None = None, client: Any | None = None) -> None:
        self.table_name = table_name or os.environ[LESSONS.env_var]
        self.client = client or dynamodb_client()

    def put_lesson(self, lesson: LessonRecord) -> bool:
        """Store a new lesson; False (and nothing written) if the id is taken."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=lesson_item(lesson),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get_lessons(self, lesson_ids: Iterable[str]) -> dict[str, LessonRecord]:
        """Lessons by id, one BatchGetItem per 100 distinct ids; unknown ids are absent."""
        keys = [lesson_key(lesson_id) for lesson_id in dict.fromkeys(lesson_ids)]
        items = batch_get_items(self.client, self.table_name, keys)
        lessons = [lesson_from_item(item) for item in items if item is not None]
        return {lesson.id: lesson for lesson in lessons}

    def list_lessons(self, language: Language | None = None) -> list[LessonRecord]:
        """All lessons, oldest first; with `language`, those that can be solved in it."""
        lessons = [
            lesson_from_item(item)
            for item in self._query(
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :listing",
                ExpressionAttributeValues={":listing": {"S": LESSON_LISTING}},
            )
        ]
        if language is None:
            return lessons
        return [lesson for lesson in lessons if language in lesson.languages]

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.table_name, **kwargs):
            yield from page.get("Items", [])

    def record_first_completion(
        self, completion: CompletionRecord
    ) -> tuple[CompletionRecord, bool]:
        """Store `completion` unless the student completed the lesson before.

        One conditional put, never read-then-write: concurrent calls for the same student and
        lesson race on DynamoDB's condition and exactly one wins. Returns the stored first
        completion and whether it is the one just written.
        """
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=completion_item(completion),
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            existing = error.response.get("Item")
            if existing is None:  # very old servers omit it: one read of the winner's item
                existing = self.client.get_item(
                    TableName=self.table_name,
                    Key=completion_key(completion.student_id, completion.lesson_id),
                    ConsistentRead=True,
                )["Item"]
            return completion_from_values(from_item(existing)), False
        return completion, True

    def stored_completions(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], CompletionRecord]:
        """The stored first completions among (studentId, lessonId) pairs (batched reads)."""
        keys = [completion_key(student_id, lesson_id) for student_id, lesson_id in pairs]
        items = batch_get_items(self.client, self.table_name, keys)
        records = [completion_from_values(from_item(item)) for item in items if item is not None]
        return {(record.student_id, record.lesson_id): record for record in records}

    def completions_of(self, student_id: str) -> list[CompletionRecord]:
        """A student's first completions, in lesson id order."""
        return [
            completion_from_values(from_item(item))
            for item in self._query(
                KeyConditionExpression="pk = :student AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={
                    ":student": {"S": f"STUDENT#{student_id}"},
                    ":prefix": {"S": COMPLETION_PREFIX},
                },
            )
        ]
