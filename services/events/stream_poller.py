"""Reads a DynamoDB Stream (the moto server's, locally) and invokes a Lambda stream handler.

It plays the part of Lambda's event source mapping: records are handed to the handler as a
DynamoDB Streams event of the same shape Lambda sends, in order per shard, and a shard
advances only past records the handler acknowledged. A raised exception means the whole
batch is retried; `batchItemFailures` means retry from the first failed record.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3

from services.toolkit.aws_clients import dynamodb_client
from services.toolkit.observability import service_logger

StreamHandler = Callable[[dict[str, Any], Any], dict[str, Any] | None]

logger = service_logger("stream-poller")


def streams_client() -> Any:
    """A DynamoDB Streams client; locally the streams API is served by the DynamoDB endpoint."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODBSTREAMS") or os.environ.get(
        "AWS_ENDPOINT_URL_DYNAMODB"
    )
    return boto3.client("dynamodbstreams", endpoint_url=endpoint)


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda passes it: JSON-ready, with `eventSourceARN`."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):  # boto3 parsed it; Lambda sends epoch seconds
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": change, "eventSourceARN": stream_arn}


@dataclass
class ShardCursor:
    """Where a shard is read from, and the fetched records not yet acknowledged."""

    iterator: str | None
    pending: list[dict[str, Any]] = field(default_factory=list)
    next_iterator: str | None = None


class StreamPoller:
    """Polls one table's stream; `poll_once` is deterministic for tests, `start` runs a thread."""

    def __init__(
        self,
        table_name: str,
        handler: StreamHandler,
        *,
        dynamodb: Any | None = None,
        streams: Any | None = None,
        batch_size: int = 100,
    ) -> None:
        self.table_name = table_name
        self.handler = handler
        self.dynamodb = dynamodb or dynamodb_client()
        self.streams = streams or streams_client()
        self.batch_size = batch_size
        self.stream_arn: str | None = None
        self.shards: dict[str, ShardCursor] = {}
        self.finished_shards: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> int:
        """Deliver what is available on every shard; returns how many records were acknowledged."""
        self._discover_shards()
        acknowledged = 0
        for shard_id, cursor in list(self.shards.items()):
            acknowledged += self._poll_shard(cursor)
            if cursor.iterator is None and not cursor.pending:
                del self.shards[shard_id]  # closed shard, fully read
                self.finished_shards.add(shard_id)
        return acknowledged

    def _discover_shards(self) -> None:
        if self.stream_arn is None:
            table = self.dynamodb.describe_table(TableName=self.table_name)["Table"]
            self.stream_arn = table["LatestStreamArn"]
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id in self.shards or shard_id in self.finished_shards:
                continue
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            self.shards[shard_id] = ShardCursor(iterator)

    def _poll_shard(self, cursor: ShardCursor) -> int:
        if not cursor.pending:
            if cursor.iterator is None:
                return 0
            response = self.streams.get_records(
                ShardIterator=cursor.iterator, Limit=self.batch_size
            )
            cursor.pending = response.get("Records", [])
            cursor.next_iterator = response.get("NextShardIterator")
            if not cursor.pending:
                cursor.iterator = cursor.next_iterator
                return 0
        assert self.stream_arn is not None
        batch = cursor.pending
        event = {"Records": [lambda_record(record, self.stream_arn) for record in batch]}
        try:
            response = self.handler(event, None) or {}
        except Exception:
            logger.exception("stream handler failed; the batch will be retried")
            return 0
        failures = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        first_failed = next(
            (i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failures), None
        )
        if first_failed is None:
            cursor.pending = []
            cursor.iterator = cursor.next_iterator
            return len(batch)
        logger.warning(
            "stream records failed; retrying from the first failure",
            extra={"failed": len(failures), "batch": len(batch)},
        )
        # As Lambda does: checkpoint before the first failure, retry from it next time.
        cursor.pending = batch[first_failed:]
        return first_failed

    def start(self, interval_seconds: float = 0.2) -> StreamPoller:
        """Poll in a daemon thread until `stop()`."""

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.poll_once()
                except Exception:  # the stream endpoint may be briefly unavailable
                    logger.exception("stream poll failed")
                self._stop.wait(interval_seconds)

        self._thread = threading.Thread(target=run, name=f"stream-poller-{self.table_name}")
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
