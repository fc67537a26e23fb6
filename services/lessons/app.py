"""The lessons subgraph as an ASGI app (uvicorn locally, mangum in Lambda)."""

from __future__ import annotations

from starlette.types import ASGIApp

from services.lessons.loaders import LessonsLoaders
from services.lessons.repository import LessonsRepository
from services.lessons.schema import SERVICE_NAME, schema
from services.students.directory import StudentDirectory
from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app as create_subgraph_app
from services.toolkit.identity import IdentityVerifier


def create_app(
    *,
    repository: LessonsRepository | None = None,
    students: StudentDirectory | None = None,
    api_keys: ApiKeys | None = None,
    identity: IdentityVerifier | None = None,
) -> ASGIApp:
    """GraphQL at /graphql behind the API key; the tables come from LESSONS_TABLE and
    STUDENTS_TABLE (read only: which students exist) by default."""
    return create_subgraph_app(
        schema,
        SERVICE_NAME,
        resources=LessonsLoaders(repository or LessonsRepository(), students or StudentDirectory()),
        api_keys=api_keys,
        identity=identity,
    )
