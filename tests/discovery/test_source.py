"""SupergraphSource against the moto server: polling interval, refreshes in the background (a
slow registry never delays `get()`), what a poll reads, last-good, `prepare`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from bff.devstack.moto_server import MotoServer, free_port
from bff.registry_table.source import SupergraphSource, SupergraphUnavailable
from bff.tables import REGISTRY, create_table
from discovery.store import RegistryStore
from tests.discovery.composers import concatenating_composer
from tests.support.fake_clock import FakeClock


class RecordedCalls:
    """The DynamoDB calls a real client makes, as (operation, partition key) pairs."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, str]] = []
        client.meta.events.register("provide-client-params.dynamodb.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        values = params.get("ExpressionAttributeValues", {})
        key = values.get(":pk") or params.get("Key", {}).get("pk") or {"S": ""}
        self.calls.append((model.name, key["S"]))

    def take(self) -> list[tuple[str, str]]:
        calls, self.calls = self.calls, []
        return calls


@pytest.fixture
def client(moto_server: MotoServer) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_server.endpoint)


def source_for(table: str, client: Any, clock: FakeClock, poll: float = 5.0) -> SupergraphSource:
    return SupergraphSource(table, client=client, poll_interval=poll, clock=clock)


def test_loads_the_current_supergraph(store: RegistryStore, client: Any) -> None:
    store.register("students", "http://students/graphql", "type Query { a: Int }", api_key_ref="k")

    snapshot = source_for(store.table_name, client, FakeClock()).get()

    assert snapshot.version == 1
    assert snapshot.sdl == store.current().sdl  # type: ignore[union-attr]
    assert snapshot.api_key_refs == {"students": "k"}


def test_polls_at_most_every_interval(store: RegistryStore, client: Any) -> None:
    clock = FakeClock()
    source = source_for(store.table_name, client, clock)
    store.register("students", "http://students/graphql", "type Query { a: Int }")
    assert source.get().version == 1

    store.register("lessons", "http://lessons/graphql", "type Query { b: Int }")
    clock.now += 4.9
    before_interval = source.get()
    source.wait_for_refresh()
    clock.now += 0.1
    when_due = source.get()  # starts a refresh and answers with what it has
    source.wait_for_refresh()
    after_refresh = source.get()

    assert before_interval.version == 1
    assert when_due.version == 1
    assert after_refresh.version == 2
    assert "b: Int" in after_refresh.sdl


def test_a_poll_reads_only_the_version_header_unless_it_changed(
    store: RegistryStore, client: Any
) -> None:
    calls = RecordedCalls(client)
    clock = FakeClock()
    source = source_for(store.table_name, client, clock)
    store.register("students", "http://students/graphql", "type Query { a: Int }")
    source.get()
    calls.take()

    source.get()  # within the interval: no call at all
    source.wait_for_refresh()
    within = calls.take()
    clock.now += 5
    source.get()  # due, unchanged: the newest header only
    source.wait_for_refresh()
    unchanged = calls.take()
    store.register("lessons", "http://lessons/graphql", "type Query { b: Int }")
    clock.now += 5
    source.get()  # changed: header, then the new blobs
    source.wait_for_refresh()
    changed = calls.take()

    assert within == []
    assert unchanged == [("Query", "SUPERGRAPH")]
    assert changed[0] == ("Query", "SUPERGRAPH")
    assert [pk.split("#")[0] for _, pk in changed[1:]] == ["BLOB", "BLOB"]


def test_invalidate_checks_at_once(store: RegistryStore, client: Any) -> None:
    source = source_for(store.table_name, client, FakeClock())
    store.register("students", "http://students/graphql", "type Query { a: Int }")
    source.get()
    store.register("lessons", "http://lessons/graphql", "type Query { b: Int }")

    source.invalidate()
    source.get()
    source.wait_for_refresh()

    assert source.get().version == 2


def test_nothing_published_is_unavailable(registry_table: str, client: Any) -> None:
    source = source_for(registry_table, client, FakeClock())

    with pytest.raises(SupergraphUnavailable, match="no supergraph has been published"):
        source.get()


@pytest.fixture
def own_moto_server() -> Iterator[MotoServer]:
    """A moto server this test may stop, to make the table unreachable."""
    with MotoServer() as server:
        yield server


def test_keeps_serving_the_last_good_snapshot_when_unreachable(
    own_moto_server: MotoServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=own_moto_server.endpoint,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    create_table(client, REGISTRY, "registry")
    store = RegistryStore("registry", client=client, composer=concatenating_composer)
    store.register("students", "http://students/graphql", "type Query { a: Int }")
    clock = FakeClock()
    source = source_for("registry", client, clock)
    loaded = source.get()

    own_moto_server.stop()
    clock.now += 5
    with caplog.at_level(logging.WARNING, logger="bff.registry_table.source"):
        served = source.get()
        source.wait_for_refresh()

    assert served is loaded
    assert source.get() is loaded
    assert "registry unreachable; serving supergraph version 1" in caplog.text


def test_never_reachable_is_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    client = boto3.client(
        "dynamodb",
        endpoint_url=nothing_listens,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    source = source_for("registry", client, FakeClock())

    with pytest.raises(SupergraphUnavailable, match="cannot be read"):
        source.get()
    assert "no supergraph loaded yet" in caplog.text


def test_table_name_comes_from_the_environment(
    registry_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_TABLE", registry_table)

    assert SupergraphSource().table_name == registry_table


class SlowTable:
    """Makes every DynamoDB call of `client` wait until released (a registry that hangs)."""

    def __init__(self, client: Any) -> None:
        self.slow = False
        self.entered = threading.Event()
        self.release = threading.Event()
        client.meta.events.register("before-send.dynamodb.*", self._wait)

    def _wait(self, **_: Any) -> None:
        if self.slow:
            self.entered.set()
            self.release.wait(30)


def test_a_slow_registry_never_delays_get(store: RegistryStore, client: Any) -> None:
    table = SlowTable(client)
    clock = FakeClock()
    source = source_for(store.table_name, client, clock)
    store.register("students", "http://students/graphql", "type Query { a: Int }")
    loaded = source.get()
    store.register("lessons", "http://lessons/graphql", "type Query { b: Int }")

    table.slow = True
    clock.now += 5
    try:
        first = source.get()  # starts the refresh, which hangs on the table
        assert table.entered.wait(30)
        # The refresh is stuck in a table call right now, and get() still answers at once.
        during = [source.get() for _ in range(3)]
    finally:
        table.slow = False
        table.release.set()
    source.wait_for_refresh()

    assert first is loaded
    assert all(snapshot is loaded for snapshot in during)
    assert source.get().version == 2


def test_prepare_runs_in_the_refresh_and_a_version_it_refuses_is_not_served(
    store: RegistryStore, client: Any
) -> None:
    def prepare(snapshot: Any) -> str:
        if "broken" in snapshot.sdl:
            raise ValueError("does not load")
        return f"prepared {snapshot.version}"

    clock = FakeClock()
    source = SupergraphSource(store.table_name, client=client, clock=clock, prepare=prepare)
    store.register("students", "http://students/graphql", "type Query { a: Int }")
    assert source.get().prepared == "prepared 1"
    store.register("lessons", "http://lessons/graphql", "type Query { broken: Int }")
    source.refresh()
    assert source.get().version == 1
    store.register("lessons", "http://lessons/graphql", "type Query { b: Int }")
    source.refresh()
    assert source.get().prepared == "prepared 3"


def test_without_a_snapshot_the_table_is_read_at_most_once_per_interval(
    registry_table: str, client: Any
) -> None:
    calls = RecordedCalls(client)
    clock = FakeClock()
    source = source_for(registry_table, client, clock)
    for _ in range(3):
        with pytest.raises(SupergraphUnavailable):
            source.get()
    assert len(calls.take()) == 1
