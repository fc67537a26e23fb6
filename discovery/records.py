"""Registry values: service records, published supergraph versions, and the service-name rule."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from discovery.composition.result import CompositionResult, SubgraphInput

# Lowercase, digits and dashes, starting with a letter, at most 63 characters: safe in URLs,
# DynamoDB keys, CloudFormation names, and distinct after composition upper-cases it into a
# `join__Graph` value (no underscores, so `a-b` and `a_b` cannot collide).
SERVICE_NAME_RULE = "^[a-z][a-z0-9-]{0,62}$"
SERVICE_NAME_PATTERN = re.compile(SERVICE_NAME_RULE)

Composer = Callable[[Sequence[SubgraphInput]], CompositionResult]


def is_valid_service_name(name: str) -> bool:
    return SERVICE_NAME_PATTERN.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One registered service. `version` is the supergraph version in which this record last
    changed, so it increases with every change to the service and never repeats."""

    name: str
    url: str
    sdl: str
    api_key_ref: str | None
    version: int
    updated_at: str

    def to_json(self, *, include_sdl: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "url": self.url,
            "apiKeyRef": self.api_key_ref,
            "version": self.version,
            "updatedAt": self.updated_at,
        }
        if include_sdl:
            out["sdl"] = self.sdl
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceRecord:
        return cls(
            name=data["name"],
            url=data["url"],
            sdl=data["sdl"],
            api_key_ref=data.get("apiKeyRef"),
            version=int(data["version"]),
            updated_at=data["updatedAt"],
        )

    def as_subgraph(self) -> SubgraphInput:
        return SubgraphInput(name=self.name, url=self.url, sdl=self.sdl)


@dataclass(frozen=True, slots=True)
class PublishedSupergraph:
    """One published version: its SDL, the services it was composed from, and why it exists."""

    version: int
    sdl: str
    services: tuple[ServiceRecord, ...]
    created_at: str
    reason: str

    def service(self, name: str) -> ServiceRecord | None:
        return next((record for record in self.services if record.name == name), None)


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """A history entry, without loading the SDL."""

    version: int
    created_at: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "createdAt": self.created_at, "reason": self.reason}
