"""Pre-deploy checks: would this service's new schema compose, and what would it break?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bff.registry_table.usage import coordinate_usage, window
from discovery.api_schema import api_schema
from discovery.breaking_changes import BreakingChange, find_breaking_changes
from discovery.client_registry import ClientRegistry
from discovery.composition.result import CompositionResult, CompositionSuccess
from discovery.store import RegistryStore

DEFAULT_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The check of one service change against the current published version (if any)."""

    composition: CompositionResult
    breaking_changes: tuple[BreakingChange, ...]
    against_version: int | None
    # Registered clients whose contract or published documents the change would break.
    broken_clients: tuple[dict[str, Any], ...] = ()
    # Who used each breaking change's coordinate in the window; None: no usage is recorded.
    usage: dict[str, dict[str, Any] | None] | None = None
    window_days: int = DEFAULT_WINDOW_DAYS
    strict: bool = False

    @property
    def ok(self) -> bool:
        if not self.composition.ok or self.broken_clients:
            return False
        if self.strict or self.usage is None:
            return not self.breaking_changes
        return not any(self.usage.get(change.coordinate) for change in self.breaking_changes)

    def to_json(self) -> dict[str, Any]:
        errors = () if isinstance(self.composition, CompositionSuccess) else self.composition.errors
        return {
            "ok": self.ok,
            "composes": self.composition.ok,
            "errors": [error.to_json() for error in errors],
            "hints": [
                {"code": hint.code, "message": hint.message} for hint in self.composition.hints
            ],
            "breakingChanges": [
                {**change.to_json(), "usage": _change_usage(self.usage, change.coordinate)}
                for change in self.breaking_changes
            ],
            "supergraphVersion": self.against_version,
            "usageRecorded": self.usage is not None,
            "windowDays": self.window_days,
            "strict": self.strict,
            "clients": list(self.broken_clients),
        }


def check_service(
    store: RegistryStore,
    name: str,
    url: str,
    sdl: str,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    strict: bool = False,
) -> CheckReport:
    """Compose the current graph with `name` replaced and diff the client-facing schemas;
    each breaking change is weighed against the usage recorded in the last `window_days`."""
    current, result = store.preview(name, url, sdl)
    changes: tuple[BreakingChange, ...] = ()
    broken: tuple[dict[str, Any], ...] = ()
    if current is not None and isinstance(result, CompositionSuccess):
        old, new = api_schema(current.sdl), api_schema(result.supergraph_sdl)
        changes = tuple(find_breaking_changes(old, new))
        broken = tuple(ClientRegistry(store).broken_by(result.supergraph_sdl))
    usage = None
    if store.usage is not None:
        operations = store.usage.operations(*window(window_days)) if changes else []
        usage = {
            change.coordinate: coordinate_usage(operations, change.coordinate) for change in changes
        }
    version = current.version if current else None
    return CheckReport(result, changes, version, broken, usage, window_days, strict)


def _change_usage(
    usage: dict[str, dict[str, Any] | None] | None, coordinate: str
) -> dict[str, Any] | None:
    found = (usage or {}).get(coordinate)
    if found is None:
        return None
    return {"clients": found["clients"], "operations": found["operations"]}
