"""A request's way past its client's rules, before planning: which client it is, which schema
it sees (its contract), and which query text it may run (trusted documents, APQ, safelist).

Contract schemas are built once per (supergraph version, contract), each with its own operation
cache; clients' published documents are parsed, validated and planned whenever the supergraph
or the clients change, so their first request is served from the cache. For a new supergraph
version both happen in the registry refresh, before the version is swapped in (`warm`); for a
clients change, on the first request that sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from bff.clients.directory import EMPTY, ClientDirectory, ClientProfile, ClientSet
from bff.clients.documents import requested_id, resolve_document
from bff.clients.identity import ANONYMOUS, ClientIdentity
from bff.clients.persisted_queries import PersistedQueryStore
from bff.supergraph.contracts import Contract, ContractError, contract_schema

if TYPE_CHECKING:
    from bff.config import GatewaySettings
    from bff.gateway import GraphQLRequest, ServedSupergraph

logger = Logger(service="bff", child=True)


@dataclass(frozen=True, slots=True)
class Admitted:
    """What the gateway runs: `served` is the client's view of the supergraph."""

    served: ServedSupergraph
    profile: ClientProfile
    query: str
    persist_as: str | None


class ClientAdmission:
    def __init__(
        self, directory: ClientDirectory | None, persisted_queries: PersistedQueryStore
    ) -> None:
        self.directory = directory
        self.persisted_queries = persisted_queries

    @classmethod
    def from_settings(cls, config: GatewaySettings) -> ClientAdmission:
        directory = None
        if config.registry_table:
            directory = ClientDirectory(
                _LazyClientStore(config.registry_table),
                default_client=config.default_client,
                poll_seconds=config.registry_poll_seconds,
            )
        store = PersistedQueryStore(
            config.bff_table,
            ttl_seconds=config.persisted_query_ttl_seconds,
            cache_size=config.persisted_query_cache_size,
        )
        return cls(directory, store)

    async def clients(self) -> ClientSet:
        return await self.directory.current() if self.directory is not None else EMPTY

    async def admit(self, served: ServedSupergraph, request: GraphQLRequest) -> Admitted:
        """Raises `DocumentRefused` (nothing else ran) or `ContractError`."""
        clients = await self.clients()
        self.prepare(served, clients)
        identity: ClientIdentity = getattr(request, "client", None) or ANONYMOUS
        profile = clients.profile(identity)
        view = self.view(served, profile.contract)
        document_id = requested_id(request.extensions, request.document_id)
        resolved = await resolve_document(
            request.query, document_id, profile, self.persisted_queries
        )
        return Admitted(view, profile, resolved.query, resolved.persist_as)

    def view(self, served: ServedSupergraph, contract: Contract) -> ServedSupergraph:
        """The supergraph as a client with `contract` sees it; raises `ContractError`."""
        if contract.is_full:
            return served
        views = served.contract_views
        view = views.get(contract)
        if view is None:
            try:
                view = served.restricted(contract_schema(served.supergraph.sdl, contract))
            except ContractError as error:
                # The registry refuses such contracts; a later supergraph may still break one.
                logger.error("a client's contract leaves no valid schema", error=str(error))
                view = error
            views[contract] = view
        if isinstance(view, ContractError):
            raise view
        return view

    def warm(self, served: ServedSupergraph) -> None:
        """`prepare` with the clients known now (blocking: the supergraph refresh's thread,
        before `served` is swapped in), so no request of a known client builds them."""
        known = self.directory.known() if self.directory is not None else EMPTY
        self.prepare(served, known)

    def prepare(self, served: ServedSupergraph, clients: ClientSet) -> None:
        """Parse, validate and plan every published document, once per supergraph and clients
        revision; a document the new supergraph breaks is logged (its requests get the error)."""
        if served.clients_revision == clients.revision:
            return
        served.clients_revision = clients.revision
        from bff.gateway import GraphQLRequestError

        for profile in clients.profiles.values():
            if not profile.documents:
                continue
            try:
                view = self.view(served, profile.contract)
            except ContractError:
                continue
            for document in profile.documents.values():
                names = {document.name, None} if document.name else {None}
                for name in names:
                    try:
                        view.operation(document.body, name)
                    except GraphQLRequestError as error:
                        if name is not None:
                            logger.warning(
                                "a published document no longer validates",
                                client=profile.name,
                                document=document.id,
                                error=error.errors[0]["message"],
                            )


class _LazyClientStore:
    """The registry table's ClientStore, made on first use: the cold path pays for neither its
    import nor its (botocore) client."""

    def __init__(self, table_name: str) -> None:
        self._table_name = table_name
        self._store: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._store is None:
            from bff.registry_table.clients import ClientStore
            from bff.registry_table.source import fast_reading_client

            # The gateway only reads clients and their documents.
            self._store = ClientStore(fast_reading_client(), self._table_name)
        return getattr(self._store, name)
