"""Fixtures for registry tests: a fresh registry table and a store over it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bff.tables import REGISTRY, TableSpec
from discovery.store import RegistryStore
from tests.discovery.composers import concatenating_composer


@pytest.fixture
def registry_table(make_table: Callable[[TableSpec], str]) -> str:
    return make_table(REGISTRY)


@pytest.fixture
def store(registry_table: str, dynamodb_client: Any) -> RegistryStore:
    return RegistryStore(registry_table, client=dynamodb_client, composer=concatenating_composer)


def table_items(client: Any, table_name: str) -> list[dict[str, Any]]:
    """Every item in the table, in a stable order (to assert that nothing changed)."""
    items: list[dict[str, Any]] = []
    scan: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = client.scan(**scan)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))
