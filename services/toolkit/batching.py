"""DynamoDB BatchGetItem for many keys: chunks of 100 (the API limit), UnprocessedKeys retried.

Results come back aligned with the requested keys (None where no item exists), which is the
shape a DataLoader batch function must return.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

BATCH_GET_LIMIT = 100  # DynamoDB rejects a BatchGetItem with more keys than this
MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 0.05

AttributeMap = dict[str, dict[str, Any]]


class UnprocessedKeysError(RuntimeError):
    """DynamoDB kept returning UnprocessedKeys after every retry (sustained throttling)."""


def _identity(key: AttributeMap) -> tuple[tuple[str, str], ...]:
    """A hashable form of a typed key, e.g. (("pk", "S:STUDENT#1"), ("sk", "S:PROFILE"))."""
    return tuple(
        sorted(
            (name, next(f"{kind}:{v}" for kind, v in value.items())) for name, value in key.items()
        )
    )


def batch_get_items(
    client: Any,
    table_name: str,
    keys: Sequence[AttributeMap],
    *,
    consistent_read: bool = False,
    first_backoff_seconds: float = FIRST_BACKOFF_SECONDS,
) -> list[AttributeMap | None]:
    """Fetch `keys` from `table_name`; one BatchGetItem per 100 distinct keys when not throttled.

    Duplicate keys are fetched once (DynamoDB rejects duplicates within a request). Items are
    returned in the order of `keys`, None for keys with no item.
    """
    distinct: dict[tuple[tuple[str, str], ...], AttributeMap] = {}
    for key in keys:
        distinct.setdefault(_identity(key), key)
    key_names = {name for key in keys for name in key}

    found: dict[tuple[tuple[str, str], ...], AttributeMap] = {}
    pending = list(distinct.values())
    for start in range(0, len(pending), BATCH_GET_LIMIT):
        chunk = pending[start : start + BATCH_GET_LIMIT]
        request: dict[str, Any] = {table_name: {"Keys": chunk, "ConsistentRead": consistent_read}}
        for attempt in range(MAX_ATTEMPTS):
            response = client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(table_name, []):
                found[_identity({name: item[name] for name in key_names})] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            # Unprocessed keys mean throttling; backing off exponentially is what AWS advises.
            time.sleep(first_backoff_seconds * 2**attempt)
        else:
            raise UnprocessedKeysError(f"{table_name}: keys still unprocessed after retries")
    return [found.get(_identity(key)) for key in keys]
