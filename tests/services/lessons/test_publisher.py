"""The deployed outbox publisher, `services.lessons.publisher.handler`, on real stream records.

Stream records are read from the moto server's DynamoDB Stream and handed over in the event
shape Lambda uses; events go to EventBridge on the moto server, whose rule feeds SQS.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from services.events.lesson_completed import Language
from services.events.stream_poller import lambda_record, streams_client
from services.lessons.operations import complete_lesson, create_lesson
from services.lessons.records import Difficulty
from services.lessons.repository import LessonsRepository
from services.students.directory import StudentDirectory
from tests.services.events.eventbridge import BusWithQueue, create_bus_with_queue


@pytest.fixture
def bus(moto_server: Any) -> BusWithQueue:
    return create_bus_with_queue(moto_server.endpoint)


def stream_event(table_name: str, private_client: Any) -> dict[str, Any]:
    """Every record on the table's stream so far, as one Lambda DynamoDB Streams event."""
    streams = streams_client()
    arn = private_client.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += [
            lambda_record(r, arn) for r in streams.get_records(ShardIterator=iterator)["Records"]
        ]
    return {"Records": records}


def deployed_handler(monkeypatch: pytest.MonkeyPatch, bus_name: str, endpoint: str) -> Any:
    monkeypatch.setenv("EVENT_BUS_NAME", bus_name)
    monkeypatch.setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", endpoint)
    import services.lessons.publisher as module

    return importlib.reload(module).handler


def test_first_completions_are_published_to_the_bus_and_nothing_else(
    repository: LessonsRepository,
    students: StudentDirectory,
    private_client: Any,
    bus: BusWithQueue,
    moto_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lesson = create_lesson(
        repository, title="Traits", difficulty=Difficulty.HARD, xp=400, languages=[Language.RUST]
    )
    at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    complete_lesson(
        repository, students, student_id="s1", lesson_id=lesson.id, language=Language.RUST, now=at
    )
    complete_lesson(
        repository, students, student_id="s1", lesson_id=lesson.id, language=Language.RUST
    )
    handler = deployed_handler(monkeypatch, bus.bus_name, moto_server.endpoint)

    result = handler(stream_event(repository.table_name, private_client), None)

    assert result == {"batchItemFailures": []}
    (delivered,) = bus.delivered()
    assert (delivered["source"], delivered["detail-type"]) == ("lessons", "LessonCompleted")
    assert delivered["detail"] == {
        "eventId": delivered["detail"]["eventId"],
        "studentId": "s1",
        "lessonId": lesson.id,
        "language": "RUST",
        "xp": 400,
        "completedAt": "2026-11-01T08:00:00.000Z",
    }


def test_records_that_could_not_be_published_are_reported_for_retry(
    repository: LessonsRepository,
    students: StudentDirectory,
    private_client: Any,
    moto_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lesson = create_lesson(
        repository, title="Maps", difficulty=Difficulty.EASY, xp=50, languages=[Language.GO]
    )
    for student in ("s1", "s2"):
        complete_lesson(
            repository, students, student_id=student, lesson_id=lesson.id, language=Language.GO
        )
    handler = deployed_handler(monkeypatch, "no-such-bus", moto_server.endpoint)
    event = stream_event(repository.table_name, private_client)

    result = handler(event, None)

    # The lesson record needs no publishing and succeeds; both completions are reported.
    completion_sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in event["Records"][1:]]
    assert result == {
        "batchItemFailures": [{"itemIdentifier": number} for number in completion_sequence_numbers]
    }


def test_a_batch_where_every_record_fails_raises_so_lambda_retries_it(
    repository: LessonsRepository,
    students: StudentDirectory,
    private_client: Any,
    moto_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lesson = create_lesson(
        repository, title="Maps", difficulty=Difficulty.EASY, xp=50, languages=[Language.GO]
    )
    complete_lesson(
        repository, students, student_id="s1", lesson_id=lesson.id, language=Language.GO
    )
    handler = deployed_handler(monkeypatch, "no-such-bus", moto_server.endpoint)
    event = stream_event(repository.table_name, private_client)
    event["Records"] = event["Records"][1:]  # the completion only

    with pytest.raises(BatchProcessingError):
        handler(event, None)
