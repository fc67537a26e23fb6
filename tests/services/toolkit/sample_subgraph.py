"""A minimal subgraph built with the toolkit, to test the toolkit apart from any real service."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import strawberry
from starlette.types import ASGIApp

from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app
from services.toolkit.context import SubgraphContext
from services.toolkit.errors import ErrorCode, UserError
from services.toolkit.observability import service_logger
from services.toolkit.schema import build_subgraph_schema
from tests.support.identity import verifier

SERVICE_NAME = "sample"
LEAKY_DETAIL = "connect to db.internal:5432 with password hunter2 failed"

Info = strawberry.Info[SubgraphContext[dict[str, str]], None]
WRITTEN_AT = datetime(2026, 1, 31, 13, 0, tzinfo=timezone(timedelta(hours=1)))


@strawberry.federation.type(keys=["id"])
class Note:
    id: strawberry.ID
    written_at: datetime

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Note:
        return cls(id=id, written_at=WRITTEN_AT)


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str) -> str:
        return text

    @strawberry.field
    def note(self, id: strawberry.ID) -> Note:
        return Note.resolve_reference(id)

    @strawberry.field
    def greeting(self, info: Info) -> str:
        return info.context.resources["greeting"]

    @strawberry.field
    def identity(self, info: Info) -> str | None:
        identity = info.context.identity
        if identity is None:
            return None
        return json.dumps({"sub": identity.subject, "scopes": sorted(identity.scopes)})

    @strawberry.field
    def trace_id(self, info: Info) -> str | None:
        return info.context.trace_id

    @strawberry.field
    def logged_trace_id(self) -> str | None:
        """The trace id the service's log lines carry while this request runs."""
        return service_logger(SERVICE_NAME).get_current_keys().get("trace_id")

    @strawberry.field
    def refuse(self, code: str) -> str:
        raise UserError(f"refused with {code}", ErrorCode(code))

    @strawberry.field
    def crash(self) -> str | None:
        raise RuntimeError(LEAKY_DETAIL)


schema = build_subgraph_schema(SERVICE_NAME, query=Query, types=[Note])


def create_sample_app(api_keys: ApiKeys) -> ASGIApp:
    return create_app(
        schema,
        SERVICE_NAME,
        resources={"greeting": "hello"},
        api_keys=api_keys,
        identity=verifier(SERVICE_NAME),
    )
