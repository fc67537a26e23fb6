"""DynamoDB table definitions: the one place the code, the tests and infra/ templates follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index projecting all attributes."""

    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One table: string keys `pk`/`sk` (single-table design), optional GSIs and stream.

    `env_var` names the environment variable that carries the table's physical name; the
    SAM templates set it and tests assert they do.
    """

    logical_name: str
    env_var: str
    partition_key: str = "pk"
    sort_key: str | None = "sk"
    indexes: tuple[IndexSpec, ...] = ()
    stream: bool = False
    ttl_attribute: str | None = None

    def attribute_names(self) -> list[str]:
        names = [self.partition_key] + ([self.sort_key] if self.sort_key else [])
        for index in self.indexes:
            names.append(index.partition_key)
            if index.sort_key:
                names.append(index.sort_key)
        return list(dict.fromkeys(names))

    def create_table_kwargs(self, table_name: str) -> dict[str, Any]:
        """Arguments for `dynamodb.create_table` (on-demand billing, as in infra/)."""
        key_schema = [{"AttributeName": self.partition_key, "KeyType": "HASH"}]
        if self.sort_key:
            key_schema.append({"AttributeName": self.sort_key, "KeyType": "RANGE"})
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "KeySchema": key_schema,
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": "S"} for name in self.attribute_names()
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
                    + (
                        [{"AttributeName": index.sort_key, "KeyType": "RANGE"}]
                        if index.sort_key
                        else []
                    ),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ]
        if self.stream:
            kwargs["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            }
        return kwargs


STUDENTS = TableSpec(
    logical_name="students",
    env_var="STUDENTS_TABLE",
    indexes=(IndexSpec("gsi1", "gsi1pk", "gsi1sk"),),
)
LESSONS = TableSpec(
    logical_name="lessons",
    env_var="LESSONS_TABLE",
    indexes=(IndexSpec("gsi1", "gsi1pk", "gsi1sk"),),
    # The outbox: a stream of first completions feeds the LessonCompleted publisher.
    stream=True,
)
ANALYTICS = TableSpec(
    logical_name="analytics",
    env_var="ANALYTICS_TABLE",
    indexes=(IndexSpec("gsi1", "gsi1pk", "gsi1sk"),),
    ttl_attribute="expiresAt",
)
REGISTRY = TableSpec(logical_name="registry", env_var="REGISTRY_TABLE")
# The BFF's own state, shared by all its instances: automatic persisted queries (pk=APQ#<hash>)
# and schema usage aggregates; both expire.
BFF = TableSpec(logical_name="bff", env_var="BFF_TABLE", ttl_attribute="expiresAt")

ALL_TABLES: tuple[TableSpec, ...] = (STUDENTS, LESSONS, ANALYTICS, REGISTRY, BFF)


def create_table(client: Any, spec: TableSpec, table_name: str) -> None:
    """Create `table_name` from `spec` and wait until it is active (idempotent)."""
    try:
        client.create_table(**spec.create_table_kwargs(table_name))
    except client.exceptions.ResourceInUseException:
        return
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
    )
    if spec.ttl_attribute:
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )
