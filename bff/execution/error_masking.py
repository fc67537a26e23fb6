"""Client-facing errors from subgraph failures: useful to a client, useless to an attacker.

A failed call becomes `SUBGRAPH_UNAVAILABLE` naming only the service (never its URL, API key or
the underlying exception). A subgraph's own GraphQL errors pass through with their message and
`extensions.code`, minus anything debug-shaped (`exception`, `stacktrace`), and minus `locations`,
which point into the subgraph's document rather than the client's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SUBGRAPH_UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"
# What a subgraph error without a code is: the subgraph failed to resolve something.
DEFAULT_SUBGRAPH_ERROR_CODE = "INTERNAL_SERVER_ERROR"

_DEBUG_EXTENSIONS = frozenset({"exception", "stacktrace", "stackTrace", "traceback"})

Path = Sequence[str | int]


def unavailable_error(service: str, path: Path | None) -> dict[str, Any]:
    """The error a client sees when `service` gave no usable answer."""
    error: dict[str, Any] = {"message": f"Service '{service}' is unavailable."}
    if path is not None:
        error["path"] = list(path)
    error["extensions"] = {"code": SUBGRAPH_UNAVAILABLE, "service": service}
    return error


def subgraph_error(raw: Any, service: str, path: Path | None) -> dict[str, Any]:
    """A subgraph's GraphQL error re-pathed into the client's response and stripped of debug."""
    message = raw.get("message") if isinstance(raw, dict) else None
    error: dict[str, Any] = {
        "message": message if isinstance(message, str) and message else "Subgraph error."
    }
    if path is not None:
        error["path"] = list(path)
    extensions: dict[str, Any] = {}
    raw_extensions = raw.get("extensions") if isinstance(raw, dict) else None
    if isinstance(raw_extensions, dict):
        extensions = {
            key: value for key, value in raw_extensions.items() if key not in _DEBUG_EXTENSIONS
        }
    if not isinstance(extensions.get("code"), str):
        extensions["code"] = DEFAULT_SUBGRAPH_ERROR_CODE
    extensions.setdefault("service", service)
    error["extensions"] = extensions
    return error
