"""The analytics subgraph as an ASGI app (uvicorn locally, mangum in Lambda)."""

from __future__ import annotations

from starlette.types import ASGIApp

from services.analytics.loaders import AnalyticsLoaders
from services.analytics.repository import AnalyticsRepository
from services.analytics.schema import SERVICE_NAME, schema
from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app as create_subgraph_app


def create_app(
    *, repository: AnalyticsRepository | None = None, api_keys: ApiKeys | None = None
) -> ASGIApp:
    """GraphQL at /graphql behind the API key; the table comes from ANALYTICS_TABLE by default."""
    return create_subgraph_app(
        schema,
        SERVICE_NAME,
        resources=AnalyticsLoaders(repository or AnalyticsRepository()),
        api_keys=api_keys,
    )
