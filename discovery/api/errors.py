"""Every error the registry API returns has one shape: `{"errors": [{code, message, ...}]}`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from discovery.api.credentials import Forbidden
from discovery.store import (
    BreakingChangesRefused,
    ClientNotFound,
    ClientRejected,
    CompositionRejected,
    InvalidServiceName,
    RegistryError,
    ServiceNotFound,
    VersionNotFound,
)

logger = Logger(service="registry")

STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
BREAKING_CHANGE = "BREAKING_CHANGE"


class Unauthenticated(Exception):
    """No credential, or one that is neither the admin's nor a service's."""


def error_response(
    status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status, headers=headers)


def _field_path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    # FastAPI answers 422 by default; 422 here means "does not compose", so a malformed
    # request is a 400 with the offending field of each problem.
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "code": "BAD_REQUEST",
            "message": "the body is not valid JSON"
            if problem["type"] == "json_invalid"
            else problem["msg"],
            "field": _field_path(problem["loc"]),
        }
        for problem in exc.errors()
    ]
    return error_response(400, errors)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
    return error_response(exc.status_code, [{"code": code, "message": str(exc.detail)}])


async def _unauthenticated(_: Request, exc: Exception) -> JSONResponse:
    return error_response(
        401,
        [{"code": "UNAUTHENTICATED", "message": str(exc)}],
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _forbidden(_: Request, exc: Exception) -> JSONResponse:
    return error_response(403, [{"code": STATUS_CODES[403], "message": str(exc)}])


async def _registry_error(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, CompositionRejected):
        return error_response(422, [error.to_json() for error in exc.errors])
    if isinstance(exc, BreakingChangesRefused):
        # 409: the graph composes, but publishing it conflicts with what clients use.
        errors = [
            {"code": BREAKING_CHANGE, "message": str(exc)},
            *({**change.to_json(), "service": exc.name} for change in exc.changes),
        ]
        return error_response(409, errors)
    if isinstance(exc, InvalidServiceName):
        return error_response(
            400, [{"code": "INVALID_SERVICE_NAME", "message": str(exc), "field": "name"}]
        )
    if isinstance(exc, ClientRejected):
        return error_response(422, exc.problems)
    if isinstance(exc, ServiceNotFound | VersionNotFound | ClientNotFound):
        return error_response(404, [{"code": "NOT_FOUND", "message": str(exc)}])
    logger.exception("registry operation failed")
    return error_response(503, [{"code": "REGISTRY_UNAVAILABLE", "message": str(exc)}])


async def _storage_error(_: Request, exc: Exception) -> JSONResponse:
    # The message of a boto error may carry resource names; it goes to the log only.
    logger.exception("registry table unreachable")
    return error_response(
        503, [{"code": "REGISTRY_UNAVAILABLE", "message": "the registry's storage is unavailable"}]
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected registry error")
    return error_response(
        500, [{"code": "INTERNAL_SERVER_ERROR", "message": "unexpected error; see the logs"}]
    )


async def _usage_not_recorded(_: Request, exc: Exception) -> JSONResponse:
    return error_response(404, [{"code": "USAGE_NOT_RECORDED", "message": str(exc)}])


def install_error_handlers(app: FastAPI) -> None:
    from discovery.api.usage import UsageNotRecorded

    app.add_exception_handler(UsageNotRecorded, _usage_not_recorded)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(ClientError, _storage_error)
    app.add_exception_handler(BotoCoreError, _storage_error)
    app.add_exception_handler(Exception, _unexpected)
