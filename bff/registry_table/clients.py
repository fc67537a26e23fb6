"""Clients and their published documents in the registry table, and the revision the BFF polls.

- `pk=CLIENTS, sk=CLIENT#<name>`: one client (policy, contract, when, how many documents).
- `pk=CLIENTS, sk=#REVISION`: a counter raised by every change to a client or its documents;
  the BFF reads this one small item every few seconds and reloads everything when it moved,
  the way it polls the supergraph version.
- `pk=DOCUMENTS#<name>, sk=DOC#<id>`: one published document (`name`, `body`).

Publishing a manifest writes the new documents, deletes those it no longer holds, then raises
the revision: a BFF that reloads in between sees a mix of old and new documents, all of which
were valid for the client.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from bff.registry_table.documents import ClientRecord, PublishedDocument
from bff.supergraph.contracts import Contract

CLIENTS_PK = "CLIENTS"
CLIENT_PREFIX = "CLIENT#"
REVISION_SK = "#REVISION"
DOCUMENTS_PREFIX = "DOCUMENTS#"
DOCUMENT_PREFIX = "DOC#"
_BATCH = 25


def _documents_pk(client: str) -> str:
    return f"{DOCUMENTS_PREFIX}{client}"


class ClientStore:
    """Reads and writes clients and documents; the caller validates them first."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    # Reads

    def revision(self) -> int:
        item = self._client.get_item(
            TableName=self._table_name,
            Key={"pk": {"S": CLIENTS_PK}, "sk": {"S": REVISION_SK}},
            ConsistentRead=True,
        ).get("Item")
        return int(item["revision"]["N"]) if item else 0

    def clients(self) -> tuple[int, list[ClientRecord]]:
        """The revision and every client, read together (one partition)."""
        revision = 0
        records: list[ClientRecord] = []
        for item in self._query(CLIENTS_PK):
            if item["sk"]["S"] == REVISION_SK:
                revision = int(item["revision"]["N"])
            else:
                records.append(_record(item))
        return revision, records

    def get(self, name: str) -> ClientRecord | None:
        item = self._client.get_item(
            TableName=self._table_name,
            Key={"pk": {"S": CLIENTS_PK}, "sk": {"S": f"{CLIENT_PREFIX}{name}"}},
            ConsistentRead=True,
        ).get("Item")
        return _record(item) if item else None

    def documents(self, name: str) -> list[PublishedDocument]:
        return [
            PublishedDocument(
                id=item["sk"]["S"].removeprefix(DOCUMENT_PREFIX),
                name=item["name"]["S"] if "name" in item else None,
                body=item["body"]["S"],
            )
            for item in self._query(_documents_pk(name))
        ]

    # Changes

    def put(self, record: ClientRecord) -> ClientRecord:
        stored = ClientRecord(
            record.name, record.policy, record.contract, _timestamp(), record.documents
        )
        self._client.put_item(TableName=self._table_name, Item=_item(stored))
        self._bump()
        return stored

    def delete(self, name: str) -> bool:
        """Remove a client and its documents; False when there was no such client."""
        answer = self._client.delete_item(
            TableName=self._table_name,
            Key={"pk": {"S": CLIENTS_PK}, "sk": {"S": f"{CLIENT_PREFIX}{name}"}},
            ReturnValues="ALL_OLD",
        )
        self._replace_documents(name, [])
        self._bump()
        return "Attributes" in answer

    def publish(self, record: ClientRecord, documents: Sequence[PublishedDocument]) -> int:
        """Make `documents` the client's whole set; returns how many it holds."""
        self._replace_documents(record.name, documents)
        self.put(
            ClientRecord(record.name, record.policy, record.contract, documents=len(documents))
        )
        return len(documents)

    # Internals

    def _replace_documents(self, name: str, documents: Sequence[PublishedDocument]) -> None:
        pk = _documents_pk(name)
        keep = {document.id for document in documents}
        stale = [
            item["sk"]["S"]
            for item in self._query(pk, projection="sk")
            if item["sk"]["S"].removeprefix(DOCUMENT_PREFIX) not in keep
        ]
        requests: list[dict[str, Any]] = [
            {"PutRequest": {"Item": _document_item(pk, document)}} for document in documents
        ]
        requests += [{"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}} for sk in stale]
        for start in range(0, len(requests), _BATCH):
            self._write_batch(requests[start : start + _BATCH])

    def _write_batch(self, requests: list[dict[str, Any]]) -> None:
        pending = {self._table_name: requests}
        while pending:
            answer = self._client.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}

    def _bump(self) -> None:
        self._client.update_item(
            TableName=self._table_name,
            Key={"pk": {"S": CLIENTS_PK}, "sk": {"S": REVISION_SK}},
            UpdateExpression="ADD revision :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def _query(self, pk: str, *, projection: str | None = None) -> Iterator[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        if projection:
            arguments["ProjectionExpression"] = projection
        while True:
            page = self._client.query(**arguments)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _item(record: ClientRecord) -> dict[str, Any]:
    contract = record.contract
    item: dict[str, Any] = {
        "pk": {"S": CLIENTS_PK},
        "sk": {"S": f"{CLIENT_PREFIX}{record.name}"},
        "name": {"S": record.name},
        "policy": {"S": record.policy},
        "includeTags": {"L": [{"S": tag} for tag in sorted(contract.include_tags)]},
        "excludeTags": {"L": [{"S": tag} for tag in sorted(contract.exclude_tags)]},
        "updatedAt": {"S": record.updated_at},
        "documents": {"N": str(record.documents)},
    }
    return item


def _record(item: dict[str, Any]) -> ClientRecord:
    return ClientRecord(
        name=item["name"]["S"],
        policy=item["policy"]["S"],
        contract=Contract(
            include_tags=frozenset(tag["S"] for tag in item["includeTags"]["L"]),
            exclude_tags=frozenset(tag["S"] for tag in item["excludeTags"]["L"]),
        ),
        updated_at=item["updatedAt"]["S"],
        documents=int(item["documents"]["N"]),
    )


def _document_item(pk: str, document: PublishedDocument) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": pk},
        "sk": {"S": f"{DOCUMENT_PREFIX}{document.id}"},
        "body": {"S": document.body},
    }
    if document.name:
        item["name"] = {"S": document.name}
    return item


def _timestamp() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
