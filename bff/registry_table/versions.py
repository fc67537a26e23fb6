"""Version headers: the append-only log of published supergraphs, one small item per version.

Publishing a version is one conditional PutItem of its header (`attribute_not_exists`): the
version number is the lock, so of two writers that read version N only one can publish N+1.
Everything a header points to (blobs) is written before it, so readers never see a header
whose content is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bff.registry_table.blobs import BlobRef
from bff.registry_table.layout import SUPERGRAPH_PK, VERSION_PREFIX, version_sk


@dataclass(frozen=True, slots=True)
class VersionHeader:
    version: int
    supergraph: BlobRef
    manifest: BlobRef
    created_at: str
    reason: str

    def to_item(self) -> dict[str, Any]:
        return {
            "pk": {"S": SUPERGRAPH_PK},
            "sk": {"S": version_sk(self.version)},
            "version": {"N": str(self.version)},
            "supergraphSha256": {"S": self.supergraph.sha256},
            "supergraphChunks": {"N": str(self.supergraph.chunks)},
            "manifestSha256": {"S": self.manifest.sha256},
            "manifestChunks": {"N": str(self.manifest.chunks)},
            "createdAt": {"S": self.created_at},
            "reason": {"S": self.reason},
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> VersionHeader:
        return cls(
            version=int(item["version"]["N"]),
            supergraph=BlobRef(item["supergraphSha256"]["S"], int(item["supergraphChunks"]["N"])),
            manifest=BlobRef(item["manifestSha256"]["S"], int(item["manifestChunks"]["N"])),
            created_at=item["createdAt"]["S"],
            reason=item["reason"]["S"],
        )


class VersionLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def latest(self) -> VersionHeader | None:
        headers = self.recent(limit=1)
        return headers[0] if headers else None

    def recent(self, limit: int) -> list[VersionHeader]:
        """The newest `limit` headers, newest first."""
        page = self._client.query(
            TableName=self._table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": SUPERGRAPH_PK},
                ":prefix": {"S": VERSION_PREFIX},
            },
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [VersionHeader.from_item(item) for item in page["Items"]]

    def get(self, version: int) -> VersionHeader | None:
        response = self._client.get_item(
            TableName=self._table_name,
            Key={"pk": {"S": SUPERGRAPH_PK}, "sk": {"S": version_sk(version)}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return VersionHeader.from_item(item) if item else None

    def append(self, header: VersionHeader) -> bool:
        """Publish `header`; False when another writer already published that version."""
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item=header.to_item(),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
