"""Content-addressed blobs split into chunks, so values larger than one item can be stored."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from bff.registry_table.errors import RegistryCorrupted
from bff.registry_table.layout import blob_pk, chunk_sk

# DynamoDB's item limit is 400 KB including attribute names and keys; leave room for them.
CHUNK_BYTES = 350_000


@dataclass(frozen=True, slots=True)
class BlobRef:
    sha256: str
    chunks: int


class BlobStore:
    """Writes and reads blobs. Blobs never change once written (the key is the content's hash),
    so writing is idempotent and read blobs can be cached for the life of the process."""

    def __init__(self, client: Any, table_name: str, *, cache_entries: int = 16) -> None:
        self._client = client
        self._table_name = table_name
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_entries = cache_entries
        self._lock = threading.Lock()

    def put(self, data: bytes) -> BlobRef:
        sha256 = hashlib.sha256(data).hexdigest()
        pieces = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]
        for index, piece in enumerate(pieces):
            self._client.put_item(
                TableName=self._table_name,
                Item={
                    "pk": {"S": blob_pk(sha256)},
                    "sk": {"S": chunk_sk(index)},
                    "data": {"B": piece},
                },
            )
        self._remember(sha256, data)
        return BlobRef(sha256=sha256, chunks=len(pieces))

    def get(self, ref: BlobRef) -> bytes:
        with self._lock:
            cached = self._cache.get(ref.sha256)
        if cached is not None:
            return cached
        pieces: list[bytes] = []
        query: dict[str, Any] = {
            "TableName": self._table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": blob_pk(ref.sha256)}},
            "ConsistentRead": True,
        }
        while True:
            page = self._client.query(**query)
            pieces.extend(item["data"]["B"] for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        data = b"".join(pieces)
        if len(pieces) != ref.chunks or hashlib.sha256(data).hexdigest() != ref.sha256:
            raise RegistryCorrupted(
                f"blob {ref.sha256} has {len(pieces)} of {ref.chunks} chunks or a wrong hash"
            )
        self._remember(ref.sha256, data)
        return data

    def _remember(self, sha256: str, data: bytes) -> None:
        with self._lock:
            self._cache[sha256] = data
            self._cache.move_to_end(sha256)
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)
