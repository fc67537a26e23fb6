"""The outbox publisher: a Lambda on the lessons table's stream that publishes LessonCompleted.

A first completion is stored as a new entry of the student's completions item; the stream
record of that write reaches this handler, which publishes one event per added entry through
an `EventPublisher`. Other records (lessons) are skipped. Failures are reported per record
(`batchItemFailures`, with ReportBatchItemFailures on the event source mapping), so Lambda
retries from the first record that failed; records after it may be published twice, which
analytics absorbs by deduplicating on eventId. The local stack's stream poller invokes this
same handler with the same event shape (services/events/stream_poller.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from services.events.publishing import EventBridgePublisher, EventPublisher
from services.lessons.repository import added_completions
from services.toolkit.observability import service_logger

StreamHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

logger = service_logger("lessons-publisher")

# Completions are only ever added: an INSERT (a student's first) or a MODIFY (a later one).
ADDING_EVENTS = (DynamoDBRecordEventName.INSERT, DynamoDBRecordEventName.MODIFY)


def publish_completions(record: DynamoDBRecord, publisher: EventPublisher) -> None:
    """Publish a LessonCompleted per lesson entry the record added; raise if one is refused.

    If a later entry fails, the earlier ones are published again on the retry: harmless, as
    analytics counts each eventId once.
    """
    if record.dynamodb is None or record.event_name not in ADDING_EVENTS:
        return
    for completion in added_completions(record.dynamodb.old_image, record.dynamodb.new_image):
        event = completion.event()
        publisher.publish(event)
        logger.debug(
            "published LessonCompleted",
            extra={"eventId": event.event_id, "sequenceNumber": record.dynamodb.sequence_number},
        )


def make_handler(publisher: Callable[[], EventPublisher]) -> StreamHandler:
    """A stream handler publishing through the publisher `publisher()` makes on first use."""
    current_publisher = cache(publisher)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # A processor per invocation: it accumulates the batch's successes and failures.
        processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
        target = current_publisher()
        return process_partial_response(
            event=event,
            record_handler=lambda record: publish_completions(record, target),
            processor=processor,
            context=context,
        )

    return handler


# In AWS: EventBridge on EVENT_BUS_NAME, the client created on the first invocation only.
handler = make_handler(EventBridgePublisher)
