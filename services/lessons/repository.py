"""Data access for the lessons table (boto3, low-level client; physical name from LESSONS_TABLE).

Layout (single table, string keys):
  lesson       pk=LESSON#<id>        sk=LESSON       gsi1pk=LESSON  gsi1sk=<createdAt>#<id>
  completions  pk=STUDENT#<student>  sk=COMPLETIONS  completions: {<lessonId>: {language, xp,
               completedAt, eventId}}, the student's first completions, one entry per lesson

One item per student makes `Student.completions` for a whole `_entities` batch one
BatchGetItem, and recording a first completion one conditional write on that item. It is also
the outbox: each stream record of it that adds a lesson entry is a LessonCompleted to publish
(see publisher.py). An item holds up to 400 KB, about 2,000 completions per student.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bff.tables import LESSONS
from services.events.lesson_completed import Language
from services.lessons.records import CompletionRecord, Difficulty, LessonRecord
from services.toolkit.aws_clients import dynamodb_client
from services.toolkit.batching import batch_get_items
from services.toolkit.items import from_item, to_attribute, to_item

LESSON_SK = "LESSON"
LESSON_LISTING = "LESSON"
COMPLETIONS_SK = "COMPLETIONS"
COMPLETIONS_KIND = "completions"
MAX_WRITE_ROUNDS = 3  # add-entry / create-item races resolve in two rounds at most


def lesson_key(lesson_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"LESSON#{lesson_id}"}, "sk": {"S": LESSON_SK}}


def completions_key(student_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"STUDENT#{student_id}"}, "sk": {"S": COMPLETIONS_SK}}


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


def completion_entry(completion: CompletionRecord, write_id: str) -> dict[str, Any]:
    """The completion as the typed map stored under its lesson id.

    `write_id` is unique per `record_first_completion` call: when the SDK retries a write whose
    answer was lost, finding our own `write_id` stored tells "our write landed" apart from
    "another request got there first" (even one with the same content and timestamp).
    """
    return to_attribute(
        {
            "language": str(completion.language),
            "xp": completion.xp,
            "completedAt": completion.completed_at,
            "eventId": completion.event_id,
            "writeId": write_id,
        }
    )


def completions_from_values(values: dict[str, Any]) -> list[CompletionRecord]:
    """The completions in a deserialized completions item (a read or a stream image), by time."""
    records = [
        CompletionRecord(
            student_id=values["studentId"],
            lesson_id=lesson_id,
            language=Language(entry["language"]),
            xp=int(entry["xp"]),  # a Decimal from DynamoDB
            completed_at=entry["completedAt"],
            event_id=entry["eventId"],
        )
        for lesson_id, entry in values.get("completions", {}).items()
    ]
    return sorted(records, key=lambda record: (record.completed_at, record.lesson_id))


def added_completions(
    old_image: dict[str, Any], new_image: dict[str, Any]
) -> list[CompletionRecord]:
    """Completions a stream record added: entries in the new image missing from the old one."""
    if new_image.get("kind") != COMPLETIONS_KIND:
        return []
    before = set(old_image.get("completions", {}))
    return [c for c in completions_from_values(new_image) if c.lesson_id not in before]


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

        Conditional writes only, never read-then-write: concurrent calls for the same student
        and lesson race on DynamoDB's condition and exactly one wins. Returns the stored first
        completion and whether it is the one just written.
        """
        write_id = uuid.uuid4().hex
        for _ in range(MAX_WRITE_ROUNDS):
            try:
                self._add_entry(completion, write_id)
                return completion, True
            except self.client.exceptions.ConditionalCheckFailedException as error:
                current = error.response.get("Item")
            if current is None:  # the student has no completions item yet
                if self._create_item(completion, write_id):
                    return completion, True
                continue  # another request created the item meanwhile: add the entry to it
            values = from_item(current)
            stored = {c.lesson_id: c for c in completions_from_values(values)}
            if completion.lesson_id in stored:
                # Our own write_id: our write landed and the SDK retried it because its answer
                # was lost (a 5xx or a dropped connection after the write took effect).
                entry = values.get("completions", {}).get(completion.lesson_id, {})
                first = entry.get("writeId") == write_id
                return stored[completion.lesson_id], first
        raise RuntimeError(f"could not record completion of {completion.lesson_id}")

    def _add_entry(self, completion: CompletionRecord, write_id: str) -> None:
        self.client.update_item(
            TableName=self.table_name,
            Key=completions_key(completion.student_id),
            UpdateExpression="SET completions.#lesson = :entry",
            ConditionExpression=(
                "attribute_exists(completions) AND attribute_not_exists(completions.#lesson)"
            ),
            ExpressionAttributeNames={"#lesson": completion.lesson_id},
            ExpressionAttributeValues={":entry": completion_entry(completion, write_id)},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )

    def _create_item(self, completion: CompletionRecord, write_id: str) -> bool:
        """The student's first completion of all: create the item holding it."""
        item = {
            **completions_key(completion.student_id),
            "kind": {"S": COMPLETIONS_KIND},
            "studentId": {"S": completion.student_id},
            "completions": {"M": {completion.lesson_id: completion_entry(completion, write_id)}},
        }
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def completions_of_students(self, student_ids: Sequence[str]) -> list[list[CompletionRecord]]:
        """Each student's first completions (oldest first): one BatchGetItem per 100 students."""
        keys = [completions_key(student_id) for student_id in student_ids]
        items = batch_get_items(self.client, self.table_name, keys)
        return [[] if item is None else completions_from_values(from_item(item)) for item in items]

    def completions_of(self, student_id: str) -> list[CompletionRecord]:
        return self.completions_of_students([student_id])[0]
