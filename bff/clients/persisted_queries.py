"""The automatic persisted query store: a DynamoDB table shared by every BFF process and Lambda
instance, with an in-process LRU in front.

Entries map a SHA-256 to the query text it hashes, so they never change: the LRU needs no
expiry of its own, and DynamoDB's TTL (`expiresAt`) only bounds the table's size. The store is
an optimisation: when DynamoDB fails, a read is a miss (the client then sends the full query,
which is answered) and a write is skipped; both are logged, neither fails the request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(service="bff", child=True)

PK_PREFIX = "APQ#"
SORT_KEY = "APQ"


class PersistedQueryStore:
    """`get`/`put` by hash. `table_name` None keeps queries in this process only."""

    def __init__(
        self,
        table_name: str | None,
        *,
        ttl_seconds: float,
        cache_size: int,
        client: Any | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table_name = table_name
        self._ttl_seconds = ttl_seconds
        self._cache_size = cache_size
        self._client = client
        self._clock = clock
        self._cache: OrderedDict[str, str] = OrderedDict()

    async def get(self, sha256: str) -> str | None:
        query = self._cache.get(sha256)
        if query is not None:
            self._cache.move_to_end(sha256)
            return query
        if self._table_name is None:
            return None
        try:
            item = await asyncio.to_thread(self._read, sha256)
        except Exception as error:
            logger.warning("persisted query store unreachable: a miss", error=repr(error))
            return None
        if item is None:
            return None
        self._remember(sha256, item)
        return item

    async def put(self, sha256: str, query: str) -> None:
        if self._cache.get(sha256) == query:
            return  # stored by this process already
        self._remember(sha256, query)
        if self._table_name is None:
            return
        try:
            await asyncio.to_thread(self._write, sha256, query)
        except Exception as error:
            logger.warning("persisted query store unreachable: not stored", error=repr(error))

    def _remember(self, sha256: str, query: str) -> None:
        if self._cache_size <= 0:
            return
        self._cache[sha256] = query
        self._cache.move_to_end(sha256)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _dynamodb(self) -> Any:
        if self._client is None:
            from bff.registry_table.source import fast_failing_client

            self._client = fast_failing_client()
        return self._client

    def _read(self, sha256: str) -> str | None:
        item = (
            self._dynamodb()
            .get_item(
                TableName=self._table_name,
                Key={"pk": {"S": f"{PK_PREFIX}{sha256}"}, "sk": {"S": SORT_KEY}},
            )
            .get("Item")
        )
        if item is None or int(item["expiresAt"]["N"]) < self._clock():
            # DynamoDB deletes expired items within days, not at once.
            return None
        return item["query"]["S"]

    def _write(self, sha256: str, query: str) -> None:
        self._dynamodb().put_item(
            TableName=self._table_name,
            Item={
                "pk": {"S": f"{PK_PREFIX}{sha256}"},
                "sk": {"S": SORT_KEY},
                "query": {"S": query},
                "expiresAt": {"N": str(int(self._clock() + self._ttl_seconds))},
            },
        )
