"""A new supergraph version is built with its clients' contract views and published documents
in the registry refresh, before it is swapped in: the first request of a client with a contract
finds its view and its documents planned, built by nobody on the request path."""

from __future__ import annotations

from bff.gateway import RegistrySupergraphProvider, ServedSupergraph
from bff.http.app import GraphQLApp
from bff.supergraph.contracts import Contract
from tests.bff.clients.conftest import ClientStack, post
from tests.support.edge_clients import ASGIClient
from tests.support.tagged_subgraphs import tagged_sdl

WITHOUT_INTERNAL = Contract(exclude_tags=frozenset({"internal"}))
PROFILE = {"documentId": "mobile-profile", "variables": {"id": "1"}}


def test_the_refresh_builds_the_clients_views_and_documents_of_a_new_version(
    stack: ClientStack, app: GraphQLApp, client: ASGIClient
) -> None:
    gateway = app.gateway
    assert post(client, PROFILE, "mobile").json()["data"]["student"]["name"] == "Ada"
    first = gateway.served
    # A new version (lessons moves to another address; the URL override still reaches it).
    stack.store.register("lessons", "http://lessons.moved/graphql", tagged_sdl("lessons"))
    provider = gateway._provider
    assert isinstance(provider, RegistrySupergraphProvider)
    stack.loop.run_until_complete(gateway.current())  # due: starts the refresh
    provider.source.wait_for_refresh(30)

    built = provider.source.get().prepared
    assert isinstance(built, ServedSupergraph) and built is not first
    # Before any request used it: mobile's contract view exists, with its published
    # documents parsed, validated and planned in that view's cache.
    view = built.contract_views[WITHOUT_INTERNAL]
    assert isinstance(view, ServedSupergraph) and len(view.operations) >= 2
    assert built.clients_revision is not None
    cached = len(view.operations)

    assert post(client, PROFILE, "mobile").json()["data"]["student"]["name"] == "Ada"
    assert gateway.served is built
    assert built.contract_views[WITHOUT_INTERNAL] is view
    assert len(view.operations) == cached  # answered from what the refresh planned
