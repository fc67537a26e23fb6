"""Concurrent registrations against the moto server, and supergraphs over the item limit."""

from __future__ import annotations

import threading
from typing import Any

import boto3

from bff.registry_table.blobs import CHUNK_BYTES
from bff.registry_table.layout import blob_pk
from bff.registry_table.versions import VersionLog
from discovery.store import RegistryStore
from tests.discovery.composers import concatenating_composer


def test_twenty_concurrent_registrations_all_land(registry_table: str, moto_server: Any) -> None:
    errors: list[BaseException] = []
    versions: dict[str, int] = {}
    start = threading.Barrier(20)

    def register(index: int) -> None:
        # One client and store per thread, as separate service deployments would have.
        client = boto3.client("dynamodb", endpoint_url=moto_server.endpoint)
        store = RegistryStore(registry_table, client=client, composer=concatenating_composer)
        start.wait()
        try:
            name = f"service-{index}"
            sdl = f"type Query {{ field{index}: Int }}"
            versions[name] = store.register(name, f"http://{name}/graphql", sdl).supergraph_version
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    reader = RegistryStore(registry_table, composer=concatenating_composer)
    current = reader.current()
    assert current is not None
    assert current.version == 20
    assert sorted(versions.values()) == list(range(1, 21))
    assert sorted(s.name for s in current.services) == sorted(versions)
    for index in range(20):
        assert f"field{index}: Int" in current.sdl
    history = [entry.version for entry in reader.history(limit=100)]
    assert history == list(range(20, 0, -1))
    # Each version holds exactly the services registered up to it: nothing was lost on the way.
    for name, version in versions.items():
        assert len(reader.version(version).services) == version
        assert reader.version(version).service(name) is not None


def test_supergraph_larger_than_an_item_is_stored_in_chunks(
    store: RegistryStore, dynamodb_client: Any
) -> None:
    def sdl(index: int) -> str:
        fields = "\n".join(f"  field_{index}_{n}_with_a_long_name: String" for n in range(120))
        return f"type Type{index} {{\n{fields}\n}}\ntype Query {{ type{index}: Type{index} }}"

    for index in range(100):
        store.register(f"service-{index}", f"http://service-{index}/graphql", sdl(index))

    fresh = RegistryStore(store.table_name, client=dynamodb_client, composer=concatenating_composer)
    current = fresh.current()
    assert current is not None
    assert current.version == 100
    assert len(current.sdl.encode()) > 400_000
    assert len(current.services) == 100
    assert sdl(99) in current.sdl and sdl(0) in current.sdl
    header = VersionLog(dynamodb_client, store.table_name).latest()
    assert header is not None and header.supergraph.chunks >= 2
    chunks = dynamodb_client.query(
        TableName=store.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": blob_pk(header.supergraph.sha256)}},
    )["Items"]
    assert len(chunks) == header.supergraph.chunks
    assert all(len(chunk["data"]["B"]) <= CHUNK_BYTES for chunk in chunks)
