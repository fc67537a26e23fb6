"""Registering clients and publishing their trusted documents, checked against the graph.

A client's contract must leave a valid schema of the current supergraph, and every document it
publishes must be valid against that schema; otherwise nothing is stored and the problems are
returned (422). With nothing published yet there is no schema to check documents against, so
publishing documents waits for the first supergraph; a client itself may be registered first.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from bff.registry_table.documents import (
    CONTRACT_INVALID,
    NO_SUPERGRAPH,
    ClientRecord,
    PublishedDocument,
    check_documents,
    read_manifest,
    with_operation_names,
)
from bff.supergraph.contracts import Contract, ContractError, contract_schema
from discovery.store import ClientNotFound, ClientRejected, RegistryStore


class ClientRegistry:
    """Client operations over a `RegistryStore` (its table holds the clients too)."""

    def __init__(self, store: RegistryStore) -> None:
        self._store = store
        self._clients = store.clients

    def list(self) -> list[ClientRecord]:
        return sorted(self._clients.clients()[1], key=lambda record: record.name)

    def get(self, name: str) -> ClientRecord:
        record = self._clients.get(name)
        if record is None:
            raise ClientNotFound(name)
        return record

    def register(self, name: str, policy: str, contract: Contract) -> ClientRecord:
        """Add or change a client; refused if its contract (or then its documents) break."""
        previous = self._clients.get(name)
        schema = self._schema(contract)
        if schema is not None and previous is not None and previous.documents:
            problems = check_documents(schema, self._clients.documents(name))
            if problems:
                raise ClientRejected(problems)
        documents = previous.documents if previous else 0
        return self._clients.put(ClientRecord(name, policy, contract, documents=documents))

    def remove(self, name: str) -> None:
        if not self._clients.delete(name):
            raise ClientNotFound(name)

    def documents(self, name: str) -> list[PublishedDocument]:
        self.get(name)
        return self._clients.documents(name)

    def publish(self, name: str, manifest: Any) -> int:
        """Replace the client's documents with the manifest's, all valid or none stored."""
        record = self.get(name)
        documents, problems = read_manifest(manifest)
        if problems:
            raise ClientRejected(problems)
        schema = self._schema(record.contract)
        if schema is None:
            raise ClientRejected(
                [{"code": NO_SUPERGRAPH, "message": "no supergraph is published to check against"}]
            )
        problems = check_documents(schema, documents)
        if problems:
            raise ClientRejected(problems)
        return self._clients.publish(record, with_operation_names(documents))

    def broken_by(self, supergraph_sdl: str) -> list[dict[str, Any]]:
        """The clients a proposed supergraph would break: a contract left invalid, or
        published documents no longer valid against the client's schema. Each is
        `{"name", "errors": [...]}` (problems as publishing reports them)."""
        broken = []
        for record in self.list():
            if record.contract.is_full and not record.documents:
                continue
            try:
                schema = contract_schema(supergraph_sdl, record.contract)
            except ContractError as error:
                problems = [{"code": CONTRACT_INVALID, "message": str(error)}]
            else:
                problems = check_documents(schema, self._clients.documents(record.name))
            if problems:
                broken.append({"name": record.name, "errors": problems})
        return broken

    def _schema(self, contract: Contract) -> GraphQLSchema | None:
        current = self._store.current()
        if current is None:
            return None
        try:
            return contract_schema(current.sdl, contract)
        except ContractError as error:
            raise ClientRejected([{"code": CONTRACT_INVALID, "message": str(error)}]) from None
