"""The registry's DynamoDB store (one table, REGISTRY spec): services and supergraph versions."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from discovery.store.errors import (
        BreakingChangesRefused,
        ClientNotFound,
        ClientRejected,
        CompositionRejected,
        InvalidServiceName,
        PublishContention,
        RegistryCorrupted,
        RegistryError,
        ServiceNotFound,
        VersionNotFound,
    )
    from discovery.store.registry_store import Registration, RegistryStore, ServiceSet

# Exports load on first use (PEP 562): the BFF reads the supergraph through `blobs` and
# `versions` only, and the registry store's writing side cost its Lambda cold start.
_EXPORTED_FROM = {
    **dict.fromkeys(
        (
            "BreakingChangesRefused",
            "ClientNotFound",
            "ClientRejected",
            "CompositionRejected",
            "InvalidServiceName",
            "PublishContention",
            "RegistryCorrupted",
            "RegistryError",
            "ServiceNotFound",
            "VersionNotFound",
        ),
        "discovery.store.errors",
    ),
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
