"""The analytics subgraph as an ASGI app (uvicorn locally, mangum in Lambda)."""

from __future__ import annotations

from starlette.types import ASGIApp

from services.analytics.loaders import AnalyticsLoaders
from services.analytics.repository import AnalyticsRepository
from services.analytics.schema import SERVICE_NAME, schema
from services.students.directory import StudentDirectory
from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app as create_subgraph_app
from services.toolkit.identity import IdentityVerifier


def create_app(
    *,
    repository: AnalyticsRepository | None = None,
    students: StudentDirectory | None = None,
    api_keys: ApiKeys | None = None,
    identity: IdentityVerifier | None = None,
) -> ASGIApp:
    """GraphQL at /graphql behind the API key; the tables come from ANALYTICS_TABLE and
    STUDENTS_TABLE (read only: which students exist) by default."""
    loaders = AnalyticsLoaders(repository or AnalyticsRepository(), students or StudentDirectory())
    return create_subgraph_app(
        schema, SERVICE_NAME, resources=loaders, api_keys=api_keys, identity=identity
    )
