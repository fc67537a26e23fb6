"""The registry's DynamoDB store (one table, REGISTRY spec): services and supergraph versions."""

from discovery.store.errors import (
    CompositionRejected,
    InvalidServiceName,
    PublishContention,
    RegistryCorrupted,
    RegistryError,
    ServiceNotFound,
    VersionNotFound,
)
from discovery.store.registry_store import Registration, RegistryStore, ServiceSet

__all__ = [
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
