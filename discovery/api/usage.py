"""The registry API's usage routes: what each client's operations used, from the BFF table.

Days are UTC dates (`from`, `to`, both included; default: the last 30 days). Without a BFF
table configured (BFF_TABLE) nothing is recorded and these routes answer 404.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations, which name
# the store dependency passed in at runtime.
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from bff.registry_table.usage import UsageReader, coordinate_usage, window
from discovery.api.models import ErrorResponse
from discovery.store import RegistryStore

DEFAULT_DAYS = 30
TOP_OPERATIONS = 5
NOT_RECORDED = {404: {"model": ErrorResponse, "description": "No usage is recorded"}}


class UsageNotRecorded(Exception):
    """The registry has no BFF table to read usage from."""


def _reader(store: RegistryStore) -> UsageReader:
    if store.usage is None:
        raise UsageNotRecorded("no usage is recorded: set BFF_TABLE to the BFF's table")
    return store.usage


def _days(start: date | None, end: date | None) -> tuple[date, date]:
    default_start, default_end = window(DEFAULT_DAYS, end)
    return start or default_start, end or default_end


def usage_router(store_dependency: Any, errors: dict[int | str, dict[str, Any]]) -> APIRouter:
    router = APIRouter(tags=["usage"])
    Store = store_dependency
    From = Annotated[date | None, Query(alias="from", description="First UTC day")]
    To = Annotated[date | None, Query(alias="to", description="Last UTC day")]

    @router.get("/usage", responses={**errors, **NOT_RECORDED})
    def usage(
        store: Store, start: From = None, end: To = None, client: str | None = None
    ) -> dict[str, Any]:
        """Operations seen in the window, most used first, and each client's top ones."""
        first, last = _days(start, end)
        operations = _reader(store).operations(first, last, client)
        clients: dict[str, list[Any]] = {}
        for operation in operations:
            clients.setdefault(operation.client, []).append(operation)
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "operations": [operation.to_json(with_coordinates=True) for operation in operations],
            "clients": [
                {
                    "name": name,
                    "count": sum(operation.count for operation in used),
                    "topOperations": [
                        {"name": o.operation_name, "hash": o.document_hash, "count": o.count}
                        for o in used[:TOP_OPERATIONS]
                    ],
                }
                for name, used in sorted(clients.items())
            ],
        }

    @router.get("/usage/coordinates/{coordinate}", responses={**errors, **NOT_RECORDED})
    def coordinate(
        coordinate: Annotated[str, Path(max_length=512, description="e.g. Student.email")],
        store: Store,
        start: From = None,
        end: To = None,
    ) -> dict[str, Any]:
        """Who used a schema coordinate in the window, how often, and when last."""
        first, last = _days(start, end)
        found = coordinate_usage(_reader(store).operations(first, last), coordinate)
        return {
            "coordinate": coordinate,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "used": found is not None,
            "count": found["count"] if found else 0,
            "lastSeen": found["lastSeen"] if found else None,
            "clients": found["clients"] if found else [],
            "operations": found["operations"] if found else [],
        }

    return router
