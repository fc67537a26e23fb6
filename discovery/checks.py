"""Pre-deploy checks: would this service's new schema compose, and what would it break?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from discovery.api_schema import api_schema
from discovery.breaking_changes import BreakingChange, find_breaking_changes
from discovery.client_registry import ClientRegistry
from discovery.composition.result import CompositionResult, CompositionSuccess
from discovery.store import RegistryStore


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The check of one service change against the current published version (if any)."""

    composition: CompositionResult
    breaking_changes: tuple[BreakingChange, ...]
    against_version: int | None
    # Registered clients whose contract or published documents the change would break.
    broken_clients: tuple[dict[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        return self.composition.ok and not self.breaking_changes and not self.broken_clients

    def to_json(self) -> dict[str, Any]:
        errors = () if isinstance(self.composition, CompositionSuccess) else self.composition.errors
        return {
            "ok": self.ok,
            "composes": self.composition.ok,
            "errors": [error.to_json() for error in errors],
            "hints": [
                {"code": hint.code, "message": hint.message} for hint in self.composition.hints
            ],
            "breakingChanges": [change.to_json() for change in self.breaking_changes],
            "supergraphVersion": self.against_version,
            "clients": list(self.broken_clients),
        }


def check_service(store: RegistryStore, name: str, url: str, sdl: str) -> CheckReport:
    """Compose the current graph with `name` replaced and diff the client-facing schemas."""
    current, result = store.preview(name, url, sdl)
    changes: tuple[BreakingChange, ...] = ()
    broken: tuple[dict[str, Any], ...] = ()
    if current is not None and isinstance(result, CompositionSuccess):
        old, new = api_schema(current.sdl), api_schema(result.supergraph_sdl)
        changes = tuple(find_breaking_changes(old, new))
        broken = tuple(ClientRegistry(store).broken_by(result.supergraph_sdl))
    return CheckReport(result, changes, current.version if current else None, broken)
