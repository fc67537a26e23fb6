"""What reading the registry's table can fail with; the registry's other refusals subclass
`RegistryError` (discovery/store/errors.py)."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of the registry's refusals."""


class RegistryCorrupted(RegistryError):
    """A stored item is missing or inconsistent (e.g. a blob chunk was deleted by hand)."""
