"""Fixtures for the gateway's tests: the edge's loopback subgraphs, event loop and app."""

from tests.support.edge_fixtures import (  # noqa: F401 (fixtures pytest finds by name)
    edge_app,
    edge_loop,
    graphiql_assets_dir,
    subgraphs,
)
