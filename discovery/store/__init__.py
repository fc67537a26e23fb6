"""The registry's DynamoDB store (one table, REGISTRY spec): services and supergraph versions."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bff.registry_table.errors import RegistryCorrupted, RegistryError
    from discovery.store.errors import (
        BreakingChangesRefused,
        ClientNotFound,
        ClientRejected,
        CompositionRejected,
        InvalidServiceName,
        PublishContention,
        ServiceNotFound,
        VersionNotFound,
    )
    from discovery.store.registry_store import Registration, RegistryStore, ServiceSet

# Exports load on first use (PEP 562): the registry store's writing side costs cold-start time
# that its read-only users need not pay.
_EXPORTED_FROM = {
    **dict.fromkeys(
        (
            "BreakingChangesRefused",
            "ClientNotFound",
            "ClientRejected",
            "CompositionRejected",
            "InvalidServiceName",
            "PublishContention",
            "ServiceNotFound",
            "VersionNotFound",
        ),
        "discovery.store.errors",
    ),
    **dict.fromkeys(("RegistryCorrupted", "RegistryError"), "bff.registry_table.errors"),
    **dict.fromkeys(
        ("Registration", "RegistryStore", "ServiceSet"), "discovery.store.registry_store"
    ),
}


def __getattr__(name: str) -> Any:
    module = _EXPORTED_FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "BreakingChangesRefused",
    "ClientNotFound",
    "ClientRejected",
    "CompositionRejected",
    "InvalidServiceName",
    "PublishContention",
    "Registration",
    "RegistryCorrupted",
    "RegistryError",
    "RegistryStore",
    "ServiceNotFound",
    "ServiceSet",
    "VersionNotFound",
]
