"""Client-facing errors from subgraph failures: useful to a client, useless to an attacker.

Masking is by allowlist. A subgraph's GraphQL error keeps its message only when its
`extensions.code` is one clients are meant to act on (`PASSED_CODES`: bad input, not found,
unauthenticated, forbidden, conflict); anything else (no code, INTERNAL_SERVER_ERROR, a
validation error of a query our planner wrote, a code we do not know) becomes "Internal server
error." with INTERNAL_SERVER_ERROR, because its message may describe the subgraph's internals.
Only `code` and `service` survive among the extensions; `locations` are dropped, as they point
into the subgraph's document rather than the client's. A failed call becomes
`SUBGRAPH_UNAVAILABLE` naming only the service (never its URL, API key or the exception).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bff.authorization import RemovedField

SUBGRAPH_UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
FORBIDDEN = "FORBIDDEN"
# What a subgraph error without a code is: the subgraph failed to resolve something.
DEFAULT_SUBGRAPH_ERROR_CODE = INTERNAL_SERVER_ERROR
INTERNAL_MESSAGE = "Internal server error."
FORBIDDEN_MESSAGE = "Not authorized to access this field."
# Codes whose message is meant for the client (ARCHITECTURE.md section 3).
PASSED_CODES = frozenset({"BAD_USER_INPUT", "NOT_FOUND", "UNAUTHENTICATED", FORBIDDEN, "CONFLICT"})

Path = Sequence[str | int]


def unavailable_error(service: str, path: Path | None) -> dict[str, Any]:
    """The error a client sees when `service` gave no usable answer."""
    error: dict[str, Any] = {"message": f"Service '{service}' is unavailable."}
    if path is not None:
        error["path"] = list(path)
    error["extensions"] = {"code": SUBGRAPH_UNAVAILABLE, "service": service}
    return error


def subgraph_error(raw: Any, service: str, path: Path | None) -> dict[str, Any]:
    """A subgraph's GraphQL error re-pathed into the client's response, masked by allowlist."""
    message = raw.get("message") if isinstance(raw, dict) else None
    raw_extensions = raw.get("extensions") if isinstance(raw, dict) else None
    code = raw_extensions.get("code") if isinstance(raw_extensions, dict) else None
    passed = code in PASSED_CODES and isinstance(message, str) and bool(message)
    error: dict[str, Any] = {"message": message if passed else INTERNAL_MESSAGE}
    if path is not None:
        error["path"] = list(path)
    error["extensions"] = {"code": code if passed else INTERNAL_SERVER_ERROR, "service": service}
    return error


def forbidden_error(path: Path) -> dict[str, Any]:
    """A field authorization refused: answered null, never fetched."""
    return {"message": FORBIDDEN_MESSAGE, "path": list(path), "extensions": {"code": FORBIDDEN}}


def forbidden_paths(
    data: dict[str, Any],
    removed: Iterable[RemovedField],
    type_matches: Callable[[str, str], bool],
) -> Iterator[tuple[str | int, ...]]:
    """Where each refused field would be in `data`: under every object its parent path reaches
    (list items indexed) whose `__typename`, when known, fits the type it was selected on."""
    for field in removed:
        for path, parent in _objects_at(data, field.parent_path, ()):
            typename = parent.get("__typename")
            if isinstance(typename, str) and not type_matches(field.parent_type, typename):
                continue
            yield (*path, field.response_key)


def _objects_at(
    value: Any, keys: Sequence[str], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _objects_at(item, keys, (*path, index))
        return
    if not isinstance(value, dict):
        return
    if not keys:
        yield path, value
        return
    yield from _objects_at(value.get(keys[0]), keys[1:], (*path, keys[0]))
