"""The students subgraph's ASGI app (what uvicorn serves and the Lambda handler wraps)."""

from __future__ import annotations

from starlette.types import ASGIApp

from services.students.repository import StudentRepository
from services.students.schema import SERVICE_NAME, schema
from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app as create_subgraph_app
from services.toolkit.identity import IdentityVerifier


def create_app(
    repository: StudentRepository | None = None,
    api_keys: ApiKeys | None = None,
    identity: IdentityVerifier | None = None,
) -> ASGIApp:
    """The app on `repository` (default: STUDENTS_TABLE) behind `api_keys` (default: env)."""
    return create_subgraph_app(
        schema,
        SERVICE_NAME,
        resources=repository if repository is not None else StudentRepository.from_environment(),
        api_keys=api_keys,
        identity=identity,
    )
