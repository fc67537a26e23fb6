"""How a subgraph builds its strawberry Federation-2 schema, and the shared DateTime scalar.

`build_subgraph_schema(service_name, query=..., mutation=..., types=...)` returns a federation
schema (strawberry emits Federation 2 `@link` SDL) with error masking installed and errors
logged through the service's Powertools logger. `DateTime` values are `datetime` objects in
Python and ISO-8601 UTC strings (`2026-01-31T12:00:00.000Z`) on the wire, in every service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cached_property, partial
from typing import Any

import strawberry
import strawberry.federation
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from services.toolkit.errors import ErrorCode, MaskUnexpectedErrors, UserError, log_graphql_errors


def format_datetime(value: datetime) -> str:
    """ISO-8601 in UTC with millisecond precision and a `Z`; what DateTime fields return."""
    if value.tzinfo is None:
        raise ValueError("DateTime values must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_datetime(value: object) -> datetime:
    """A DateTime argument: an ISO-8601 string with an offset (or `Z`), returned in UTC."""
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("DateTime must include a UTC offset, e.g. 2026-01-31T12:00:00Z")
    return parsed.astimezone(UTC)


DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 UTC string",
    serialize=format_datetime,
    parse_value=parse_datetime,
)


class SubgraphSchema(strawberry.federation.Schema):
    """A federation schema that logs errors via Powertools and checks `_entities` input."""

    def __init__(self, service_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._log_errors = log_graphql_errors(service_name)

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """`_entities`, with malformed representations reported as `BAD_USER_INPUT`.

        strawberry resolves each representation by calling `resolve_reference(**fields)`; a
        representation of an unknown type, or whose fields do not fit the key, would otherwise
        surface as an internal error.
        """
        entity_types = self._entity_type_names
        for index, representation in enumerate(representations):
            if not (
                isinstance(representation, dict)
                and representation.get("__typename") in entity_types
            ):
                raise UserError(
                    f"representations[{index}] must be an object whose __typename is one of "
                    f"this subgraph's entities ({', '.join(sorted(entity_types))}).",
                    ErrorCode.BAD_USER_INPUT,
                )
        typenames = [representation["__typename"] for representation in representations]
        results = super().entities_resolver(info, representations)
        return [
            # resolve_reference got arguments that do not match its key fields.
            UserError(
                f"representations[{index}] does not match the @key of {typenames[index]}.",
                ErrorCode.BAD_USER_INPUT,
            )
            if isinstance(result, TypeError)
            else result
            for index, result in enumerate(results)
        ]

    @cached_property
    def _entity_type_names(self) -> frozenset[str]:
        return frozenset(
            name
            for name, type_ in self.schema_converter.type_map.items()
            if hasattr(getattr(type_.definition, "origin", None), "resolve_reference")
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        self._log_errors(errors)


def build_subgraph_schema(
    service_name: str,
    *,
    query: type,
    mutation: type | None = None,
    types: Iterable[type] = (),
    extensions: Iterable[type[SchemaExtension]] = (),
) -> SubgraphSchema:
    """The Federation-2 schema of one subgraph, with masking and the UTC DateTime scalar; with
    strawberry's spans (parse, validate, each resolver) when tracing is on in this process."""
    return SubgraphSchema(
        service_name,
        query=query,
        mutation=mutation,
        types=types,
        # Masking runs last so it sees every error other extensions may add.
        extensions=[*_tracing_extensions(), *extensions, MaskUnexpectedErrors],
        config=StrawberryConfig(scalar_map={datetime: DATETIME_SCALAR}),
    )


def _tracing_extensions() -> list[Callable[[], SchemaExtension]]:
    from bff.observability.tracing import tracer_provider

    provider = tracer_provider()
    if provider is None:
        return []
    from strawberry.extensions.tracing import OpenTelemetryExtension

    return [partial(OpenTelemetryExtension, tracer_provider=provider)]
