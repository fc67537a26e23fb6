"""Errors a client gets for a persisted or trusted document, before anything is planned.

Codes and messages follow Apollo's: Apollo Client's persisted-queries link looks for
`PERSISTED_QUERY_NOT_FOUND` (or the message `PersistedQueryNotFound`) to send the full query.
"""

from __future__ import annotations

from typing import Any

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
BAD_REQUEST = "BAD_REQUEST"


class DocumentRefused(Exception):
    """The request's document cannot be used; `code` is one of this module's codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [{"message": self.message, "extensions": {"code": self.code}}]


def not_found() -> DocumentRefused:
    return DocumentRefused(PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound")


def not_supported() -> DocumentRefused:
    return DocumentRefused(PERSISTED_QUERY_NOT_SUPPORTED, "PersistedQueryNotSupported")


def not_in_list(client: str) -> DocumentRefused:
    return DocumentRefused(
        PERSISTED_QUERY_NOT_IN_LIST,
        f"Client {client!r} may only send its published documents; this operation is not one.",
    )


def hash_mismatch() -> DocumentRefused:
    return DocumentRefused(
        PERSISTED_QUERY_HASH_MISMATCH,
        "The persisted query's sha256Hash is not the SHA-256 of the query sent with it.",
    )


def bad_extension(message: str) -> DocumentRefused:
    return DocumentRefused(BAD_REQUEST, message)
