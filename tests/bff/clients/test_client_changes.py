"""Client and contract changes reach a running BFF like a new supergraph version: the revision
is polled off the request path, and the last known clients stay when the registry is gone."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bff.clients.directory import ClientDirectory
from bff.clients.identity import ClientIdentity
from bff.registry_table.clients import ClientStore
from bff.supergraph.contracts import Contract
from discovery.client_registry import ClientRegistry
from tests.bff.clients.conftest import ClientStack, post
from tests.support.edge_clients import ASGIClient

ANY_QUERY = {"query": "{ students { name } }"}


def code(response: Any) -> str | None:
    errors = response.json().get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def test_a_policy_change_reaches_the_running_bff(stack: ClientStack, client: ASGIClient) -> None:
    assert code(post(client, ANY_QUERY, "mobile")) == "PERSISTED_QUERY_NOT_IN_LIST"

    ClientRegistry(stack.store).register("mobile", "open", Contract())

    deadline = time.monotonic() + 30  # polled: the refresh runs in the background
    while code(post(client, ANY_QUERY, "mobile")) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert post(client, ANY_QUERY, "mobile").json()["data"]["students"][0] == {"name": "Ada"}


def test_unknown_clients_get_the_default_clients_profile(stack: ClientStack) -> None:
    app = stack.app(default_client="mobile")
    try:
        refused = post(stack.client(app), ANY_QUERY, "some-new-app")
        unnamed = post(stack.client(app), ANY_QUERY, None)
        web = post(stack.client(app), ANY_QUERY, "web")
    finally:
        stack.loop.run_until_complete(app.close())
    assert code(refused) == code(unnamed) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert code(web) is None


class _FailingStore:
    def __init__(self, store: ClientStore) -> None:
        self.store = store
        self.down = False

    def __getattr__(self, name: str) -> Any:
        if self.down:
            raise ConnectionError("registry table unreachable")
        return getattr(self.store, name)


def test_the_last_known_clients_are_served_when_the_registry_is_unreachable(
    stack: ClientStack, dynamodb_client: Any, edge_loop: asyncio.AbstractEventLoop
) -> None:
    store = _FailingStore(ClientStore(dynamodb_client, stack.registry_table))
    directory = ClientDirectory(store, default_client=None, poll_seconds=0)
    first = edge_loop.run_until_complete(directory.current())
    store.down = True

    later = edge_loop.run_until_complete(directory.current())

    assert later is first
    assert later.profile(ClientIdentity("mobile")).policy == "safelist"
