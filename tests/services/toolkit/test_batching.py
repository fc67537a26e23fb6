"""BatchGetItem against the moto server: 100 keys per call, order kept, unprocessed retried."""

from __future__ import annotations

from typing import Any

import pytest

from bff.tables import STUDENTS
from services.toolkit.batching import UnprocessedKeysError, batch_get_items


@pytest.fixture
def table(make_table: Any, dynamodb_client: Any) -> str:
    name = make_table(STUDENTS)
    for start in range(0, 150, 25):
        dynamodb_client.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {**_key(i), "n": {"N": str(i)}}}}
                    for i in range(start, start + 25)
                ]
            }
        )
    return name


def _key(i: int) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"ITEM#{i}"}, "sk": {"S": "ITEM"}}


def _count_calls(private_client: Any) -> list[int]:
    sizes: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sizes.append(sum(len(t["Keys"]) for t in params["RequestItems"].values()))

    private_client.meta.events.register("before-parameter-build.dynamodb.BatchGetItem", record)
    return sizes


def test_keys_are_read_100_per_call_in_request_order(table: str, private_client: Any) -> None:
    sizes = _count_calls(private_client)
    wanted = [*range(149, -1, -1), *range(150, 210)]  # 150 stored (reversed) + 60 unknown
    items = batch_get_items(private_client, table, [_key(i) for i in wanted])
    assert sizes == [100, 100, 10]
    assert [item and int(item["n"]["N"]) for item in items] == [
        i if i < 150 else None for i in wanted
    ]


def test_duplicate_keys_are_fetched_once_and_answered_each_time(
    table: str, private_client: Any
) -> None:
    sizes = _count_calls(private_client)
    items = batch_get_items(private_client, table, [_key(3), _key(3), _key(4)])
    assert sizes == [2]
    assert [item["n"]["N"] for item in items if item] == ["3", "3", "4"]


def _throttle(private_client: Any, times: int) -> None:
    """Make DynamoDB's answers report half their keys unprocessed, `times` times."""
    remaining = [times]

    def throttle(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if remaining[0] == 0:
            return
        remaining[0] -= 1
        for table, items in parsed.get("Responses", {}).items():
            kept, dropped = items[: len(items) // 2], items[len(items) // 2 :]
            parsed["Responses"][table] = kept
            keys = [{"pk": i["pk"], "sk": i["sk"]} for i in dropped]
            parsed["UnprocessedKeys"] = {table: {"Keys": keys}}

    private_client.meta.events.register("after-call.dynamodb.BatchGetItem", throttle)


def test_unprocessed_keys_are_retried_until_answered(table: str, private_client: Any) -> None:
    _throttle(private_client, times=2)
    sizes = _count_calls(private_client)
    items = batch_get_items(
        private_client, table, [_key(i) for i in range(40)], first_backoff_seconds=0
    )
    assert sizes == [40, 20, 10]
    assert [int(item["n"]["N"]) for item in items if item] == list(range(40))


def test_keys_still_unprocessed_after_every_retry_raise(table: str, private_client: Any) -> None:
    _throttle(private_client, times=1000)
    with pytest.raises(UnprocessedKeysError):
        batch_get_items(private_client, table, [_key(i) for i in range(4)], first_backoff_seconds=0)
