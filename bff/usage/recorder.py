"""Records which schema coordinates each client's operations use, off the request path.

Per request (sampled at `USAGE_SAMPLE_RATE`): one dict update under a lock, keyed by (client,
client version, document hash, operation name); the document's coordinates are computed once
per cached operation. A flush swaps the buffer out and adds it to the day's aggregates in the
BFF table (bff/registry_table/usage.py), one UpdateItem per operation, in a background thread every
`USAGE_FLUSH_SECONDS`. Memory is bounded: at most `USAGE_MAX_OPERATIONS` distinct operations
wait between flushes (more are dropped, and counted in the log).

Lambda freezes a process between invocations, threads included, so there the handler also
flushes in the invocation's tail once the buffer is older than `USAGE_FLUSH_SECONDS`
(`flush_if_due`): counts reach DynamoDB before the instance freezes, at the cost of one flush's
writes in one invocation per interval. Counts buffered when an instance is reclaimed (at most
one interval's) are lost, as are those of a failed flush: DynamoDB being unreachable is logged
and never fails a request.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from graphql import GraphQLSchema

from bff.document_hash import document_hash
from bff.execution.operation import PreparedOperation
from bff.usage.coordinates import OperationCoordinates, operation_coordinates

if TYPE_CHECKING:
    from bff.config import GatewaySettings

logger = Logger(service="bff", child=True)

UNKNOWN_CLIENT = "unknown"
_COORDINATE_CACHE = 2000


@dataclass(slots=True)
class _Pending:
    count: int = 0
    errors: int = 0
    coordinates: set[str] = field(default_factory=set)


class UsageRecorder:
    """`record` per request; `flush` writes what was recorded since the last flush."""

    def __init__(
        self,
        table_name: str | None,
        *,
        sample_rate: float = 1.0,
        retention_days: int = 30,
        flush_seconds: float = 5.0,
        max_operations: int = 5000,
        client: Any | None = None,
        background: bool = True,
        clock: Callable[[], float] = time.time,
        sample: Callable[[], float] = random.random,
    ) -> None:
        self.table_name = table_name
        self._sample_rate = sample_rate
        self._retention_seconds = retention_days * 86_400
        self._flush_seconds = flush_seconds
        self._max_operations = max_operations
        self._client = client
        self._background = background
        self._clock = clock
        self._sample = sample
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._pending: dict[tuple[str, str, str, str, str], _Pending] = {}
        self._dropped = 0
        self._since: float | None = None
        self._coordinates: OrderedDict[int, tuple[Any, OperationCoordinates]] = OrderedDict()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @classmethod
    def from_settings(cls, config: GatewaySettings) -> UsageRecorder:
        return cls(
            config.bff_table,
            sample_rate=config.usage_sample_rate,
            retention_days=config.usage_retention_days,
            flush_seconds=config.usage_flush_seconds,
            max_operations=config.usage_max_operations,
        )

    @property
    def enabled(self) -> bool:
        return self.table_name is not None and self._sample_rate > 0

    def record(
        self,
        *,
        client: str | None,
        client_version: str | None,
        query: str,
        operation_name: str | None,
        schema: GraphQLSchema,
        prepared: PreparedOperation,
        variables: Mapping[str, Any] | None,
        failed: bool,
    ) -> None:
        """Count one executed operation (never raises)."""
        if not self.enabled or (self._sample_rate < 1 and self._sample() >= self._sample_rate):
            return
        try:
            used = self._static(schema, prepared).used(variables)
            day = datetime.fromtimestamp(self._clock(), UTC).date().isoformat()
            key = (
                day,
                client or UNKNOWN_CLIENT,
                client_version or "-",
                document_hash(query),
                operation_name or _name(prepared),
            )
            with self._lock:
                pending = self._pending.get(key)
                if pending is None:
                    if len(self._pending) >= self._max_operations:
                        self._dropped += 1
                        return
                    pending = self._pending[key] = _Pending()
                    self._since = self._since or self._clock()
                pending.count += 1
                pending.errors += 1 if failed else 0
                pending.coordinates |= used
        except Exception:
            logger.exception("usage recording failed; the request is not affected")
            return
        if self._background and self._thread is None:
            self._start()

    def _static(self, schema: GraphQLSchema, prepared: PreparedOperation) -> OperationCoordinates:
        # Keyed by identity (the cache holds the objects, so an id is never reused meanwhile).
        key = id(prepared)
        found = self._coordinates.get(key)
        if found is not None and found[0] is prepared and found[1] is not None:
            return found[1]
        coordinates = operation_coordinates(schema, prepared)
        self._coordinates[key] = (prepared, coordinates)
        while len(self._coordinates) > _COORDINATE_CACHE:
            self._coordinates.popitem(last=False)
        return coordinates

    def flush_if_due(self) -> None:
        """Flush when the oldest pending count waited `USAGE_FLUSH_SECONDS` (Lambda's tail)."""
        # Waits for a background flush in progress: what it swapped out is written first.
        with self._flushing:
            since = self._since
            if since is not None and self._clock() - since >= self._flush_seconds:
                self._flush()

    def flush(self) -> int:
        """Write what is pending; returns how many operations were written. Never raises.
        One flush at a time: a flush in the invocation's tail waits for the background one,
        so what it swapped out is written before the handler returns."""
        with self._flushing:
            return self._flush()

    def _flush(self) -> int:
        with self._lock:
            pending, self._pending = self._pending, {}
            dropped, self._dropped = self._dropped, 0
            self._since = None
        if dropped:
            logger.warning("usage buffer full: counts dropped", dropped_requests=dropped)
        if not pending or self.table_name is None:
            return 0
        from bff.registry_table.usage import OperationKey, update_arguments

        now = self._clock()
        seen = datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")
        written = 0
        try:
            client = self._dynamodb()
            for (day, name, version, document_hash, operation), counts in pending.items():
                client.update_item(
                    **update_arguments(
                        self.table_name,
                        datetime.fromisoformat(day).date(),
                        OperationKey(name, version, document_hash, operation),
                        count=counts.count,
                        errors=counts.errors,
                        coordinates=counts.coordinates,
                        last_seen=seen,
                        expires_at=int(now + self._retention_seconds),
                    )
                )
                written += 1
        except Exception as error:
            lost = sum(counts.count for counts in list(pending.values())[written:])
            logger.error(
                "usage flush failed: counts lost",
                lost_operations=len(pending) - written,
                lost_requests=lost,
                error=repr(error),
            )
        return written

    def close(self) -> None:
        """Stop the flusher and write what is pending (server shutdown)."""
        self._stopped.set()
        self.flush()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="usage-flusher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._flush_seconds):
            self.flush()

    def _dynamodb(self) -> Any:
        if self._client is None:
            from bff.registry_table.source import fast_failing_client

            self._client = fast_failing_client()
        return self._client


def _name(prepared: PreparedOperation) -> str:
    name = prepared.definition.name
    return name.value if name is not None else "-"
