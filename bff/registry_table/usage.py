"""Schema usage in the BFF table: one item per day, client, client version and operation.

`pk=USAGE#<yyyy-mm-dd>`, `sk=OP#<client>#<version>#<document hash>#<operation name>`:
`count` and `errors` (ADDed by each flush), `coordinates` (a string set, ADDed), `lastSeen`
(ISO time of the last flush that saw it), `expiresAt` (TTL: the retention). The BFF writes them
(bff/usage/recorder.py, one UpdateItem per operation per flush); the registry reads a window of
days (one Query per day) for `GET /usage` and for checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

USAGE_PREFIX = "USAGE#"
OPERATION_PREFIX = "OP#"
UNNAMED = "-"


def usage_pk(day: date) -> str:
    return f"{USAGE_PREFIX}{day.isoformat()}"


@dataclass(frozen=True, slots=True)
class OperationKey:
    client: str
    client_version: str
    document_hash: str
    operation_name: str

    @property
    def sort_key(self) -> str:
        return "#".join(
            (
                OPERATION_PREFIX.rstrip("#"),
                self.client,
                self.client_version,
                self.document_hash,
                self.operation_name,
            )
        )


def update_arguments(
    table_name: str,
    day: date,
    key: OperationKey,
    *,
    count: int,
    errors: int,
    coordinates: Iterable[str],
    last_seen: str,
    expires_at: int,
) -> dict[str, Any]:
    """One UpdateItem adding a flush's counts to the day's item of an operation."""
    values: dict[str, Any] = {
        ":count": {"N": str(count)},
        ":errors": {"N": str(errors)},
        ":seen": {"S": last_seen},
        ":expires": {"N": str(expires_at)},
        ":client": {"S": key.client},
        ":version": {"S": key.client_version},
        ":hash": {"S": key.document_hash},
        ":name": {"S": key.operation_name},
    }
    expression = (
        "ADD #count :count, errors :errors SET lastSeen = :seen, expiresAt = :expires, "
        "client = :client, clientVersion = :version, documentHash = :hash, operationName = :name"
    )
    coordinates = sorted(set(coordinates))
    if coordinates:
        expression = expression.replace("ADD #count :count,", "ADD #count :count, coordinates :c,")
        values[":c"] = {"SS": coordinates}
    return {
        "TableName": table_name,
        "Key": {"pk": {"S": usage_pk(day)}, "sk": {"S": key.sort_key}},
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {"#count": "count"},
        "ExpressionAttributeValues": values,
    }


@dataclass(slots=True)
class OperationUsage:
    """An operation's usage over a window (days merged; client versions merged)."""

    client: str
    operation_name: str | None
    document_hash: str
    count: int = 0
    errors: int = 0
    last_seen: str = ""
    coordinates: set[str] = field(default_factory=set)
    client_versions: set[str] = field(default_factory=set)

    def to_json(self, *, with_coordinates: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "client": self.client,
            "name": self.operation_name,
            "hash": self.document_hash,
            "count": self.count,
            "errors": self.errors,
            "lastSeen": self.last_seen,
            "clientVersions": sorted(self.client_versions),
        }
        if with_coordinates:
            out["coordinates"] = sorted(self.coordinates)
        return out

    def uses(self, coordinate: str) -> bool:
        """True when it used `coordinate`; a bare type name matches any of its members."""
        if coordinate in self.coordinates:
            return True
        if "." not in coordinate:
            prefix = f"{coordinate}."
            return any(used.startswith(prefix) for used in self.coordinates)
        return False


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


# The attributes every aggregate item is written with, in the one UpdateItem that makes it.
_IDENTITY = frozenset(
    {"client", "clientVersion", "documentHash", "operationName", "count", "lastSeen"}
)


class UsageReader:
    """Reads usage aggregates from the BFF table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def operations(self, start: date, end: date, client: str | None = None) -> list[OperationUsage]:
        """Every operation seen in [start, end] (UTC days), most used first."""
        merged: dict[tuple[str, str, str], OperationUsage] = {}
        for day in days(start, end):
            for item in self._query(usage_pk(day)):
                if not _IDENTITY.issubset(item):
                    # Not written whole (DynamoDB applies an update atomically; moto server
                    # does not, so a concurrent read can see half of one): nothing to count.
                    continue
                if client is not None and item["client"]["S"] != client:
                    continue
                name = item["operationName"]["S"]
                key = (item["client"]["S"], item["documentHash"]["S"], name)
                usage = merged.get(key)
                if usage is None:
                    usage = merged[key] = OperationUsage(
                        key[0], None if name == UNNAMED else name, key[1]
                    )
                usage.count += int(item["count"]["N"])
                usage.errors += int(item.get("errors", {"N": "0"})["N"])
                usage.last_seen = max(usage.last_seen, item["lastSeen"]["S"])
                usage.coordinates.update(item.get("coordinates", {}).get("SS", ()))
                usage.client_versions.add(item["clientVersion"]["S"])
        return sorted(merged.values(), key=lambda u: (-u.count, u.client, u.document_hash))

    def _query(self, pk: str) -> Iterable[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        while True:
            page = self._client.query(**arguments)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def window(window_days: int, today: date | None = None) -> tuple[date, date]:
    """The last `window_days` UTC days, today included."""
    end = today or datetime.now(UTC).date()
    return end - timedelta(days=window_days - 1), end


def coordinate_usage(
    operations: Sequence[OperationUsage], coordinate: str
) -> dict[str, Any] | None:
    """Who used `coordinate` (clients, operations, counts, last seen); None when nobody did."""
    users = [operation for operation in operations if operation.uses(coordinate)]
    if not users:
        return None
    return {
        "clients": sorted({operation.client for operation in users}),
        "operations": [
            {
                "client": operation.client,
                "name": operation.operation_name,
                "hash": operation.document_hash,
                "count": operation.count,
                "lastSeen": operation.last_seen,
            }
            for operation in users
        ],
        "count": sum(operation.count for operation in users),
        "lastSeen": max(operation.last_seen for operation in users),
    }
