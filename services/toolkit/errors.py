"""Errors a subgraph shows its callers: user errors carry a code, everything else is masked.

Resolvers raise `UserError(message, code)` for mistakes the caller can fix; the message and
`extensions.code` reach the client as they are. Any other exception is an internal fault: it is
logged here with its stack trace and the client only sees `INTERNAL_SERVER_ERROR`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.types import Send
from strawberry.extensions import MaskErrors

from services.toolkit.observability import service_logger


class ErrorCode(StrEnum):
    """The `extensions.code` values of ARCHITECTURE.md section 3 that subgraphs produce."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Requests that never reached a resolver (syntax, unknown fields, wrong argument types).
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


class UserError(Exception):
    """A caller's mistake; graphql-core copies `extensions` onto the reported GraphQL error."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions: dict[str, Any] = {"code": str(code)}


INTERNAL_ERROR_MESSAGE = "Internal server error."


def _is_unexpected(error: GraphQLError) -> bool:
    """An error raised by our code that is not a deliberate `UserError` (or GraphQLError)."""
    original = error.original_error
    return original is not None and not isinstance(original, UserError | GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Strawberry extension: hide internals of unexpected errors, give every error a code.

    Strawberry runs `Schema.process_errors` (our logging) before this extension, so the full
    exception is logged server-side while the response carries only a generic message.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True, error_message=INTERNAL_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if _is_unexpected(error):
            masked = super().anonymise_error(error)
            masked.extensions = {"code": str(ErrorCode.INTERNAL_SERVER_ERROR)}
            return masked
        if "code" not in (error.extensions or {}):
            # No original error means graphql-core itself rejected the document or variables.
            error.extensions = {
                **(error.extensions or {}),
                "code": str(
                    ErrorCode.GRAPHQL_VALIDATION_FAILED
                    if error.original_error is None
                    else ErrorCode.BAD_USER_INPUT
                ),
            }
        return error


def log_graphql_errors(service_name: str) -> Callable[[list[GraphQLError]], None]:
    """A `process_errors` replacement: unexpected errors with traceback, user errors briefly."""
    logger = service_logger(service_name)

    def process(errors: list[GraphQLError]) -> None:
        for error in errors:
            if _is_unexpected(error):
                logger.error(
                    "unexpected error in resolver",
                    exc_info=error.original_error,
                    extra={"path": error.path},
                )
            else:
                logger.info(
                    "request error",
                    extra={"path": error.path, "code": (error.extensions or {}).get("code")},
                )

    return process


def error_body(message: str, code: ErrorCode) -> bytes:
    """A GraphQL-shaped JSON body for errors answered before GraphQL runs (401, 404, 400)."""
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": str(code)}}]})


async def send_json_error(send: Send, status: int, message: str, code: ErrorCode) -> None:
    """Answer an ASGI HTTP request with `error_body` (used by middleware, before routing)."""
    body = error_body(message, code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
