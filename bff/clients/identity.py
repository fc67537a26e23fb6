"""Which client sends a request: `graphql-client-name` / `graphql-client-version`, or Apollo's
`apollographql-client-name` / `-version` (the first present wins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NAME_HEADERS = ("graphql-client-name", "apollographql-client-name")
VERSION_HEADERS = ("graphql-client-version", "apollographql-client-version")
_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """What the client says it is; None when it says nothing."""

    name: str | None = None
    version: str | None = None


ANONYMOUS = ClientIdentity()


def client_identity(headers: Mapping[str, str]) -> ClientIdentity:
    """From lower-cased request headers. Values are trimmed and cut to 64 characters: they
    reach logs and usage records, and a client must not be able to flood either."""
    return ClientIdentity(_first(headers, NAME_HEADERS), _first(headers, VERSION_HEADERS))


def _first(headers: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = headers.get(name, "").strip()
        if value:
            return value[:_MAX_LENGTH]
    return None
