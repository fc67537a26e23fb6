"""The registry's DynamoDB store: service records and published supergraph versions.

Every change (register, remove, rollback) reads the current version N, builds the next state,
composes it, writes its blobs, and publishes header N+1 with a conditional write. If another
writer published N+1 first, the change is rebuilt against the fresh state and retried, so
concurrent registrations all land and versions strictly increase.

A losing attempt may leave unreferenced blobs behind; they are immutable, harmless and small in
number (one set per lost race).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from bff.registry_table.blobs import BlobStore
from bff.registry_table.clients import ClientStore
from bff.registry_table.usage import UsageReader, coordinate_usage, window
from bff.registry_table.versions import VersionHeader, VersionLog
from discovery.composition.result import CompositionFailure, CompositionResult, SubgraphInput
from discovery.records import (
    SERVICE_NAME_RULE,
    Composer,
    PublishedSupergraph,
    ServiceRecord,
    VersionSummary,
    is_valid_service_name,
)
from discovery.store.errors import (
    BreakingChangesRefused,
    CompositionRejected,
    InvalidServiceName,
    PublishContention,
    ServiceNotFound,
    VersionNotFound,
)

# A breaking change to a coordinate no operation used in this many days is not refused (the
# window `POST /checks` weighs changes by by default).
USAGE_WINDOW_DAYS = 30


def compose_with_default(subgraphs: Sequence[SubgraphInput]) -> CompositionResult:
    # Imported on first use: composition is only needed by writers, not by readers.
    from discovery.composition import compose

    return compose(subgraphs)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Registration:
    """The outcome of a registration; `changed` is False when it was a no-op."""

    service: ServiceRecord
    supergraph_version: int
    changed: bool
    # What the change breaks for clients (published because the registration allowed it).
    breaking_changes: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceSet:
    """The services of the current version (0 when nothing is published), without its SDL."""

    version: int
    services: tuple[ServiceRecord, ...]

    def get(self, name: str) -> ServiceRecord | None:
        return next((record for record in self.services if record.name == name), None)


@dataclass(frozen=True, slots=True)
class _NextState:
    services: tuple[ServiceRecord, ...]
    reason: str
    # A rollback republishes an SDL that composed before: no need to compose it again.
    sdl: str | None = None


class RegistryStore:
    """Reads and changes the registry in one DynamoDB table (the REGISTRY table spec)."""

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        composer: Composer = compose_with_default,
        clock: Callable[[], datetime] = utc_now,
        max_attempts: int = 50,
        usage_table: str | None = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table_name = table_name
        self._composer = composer
        self._clock = clock
        self._max_attempts = max_attempts
        self._blobs = BlobStore(client, table_name)
        self._log = VersionLog(client, table_name)
        # Clients and their trusted documents live in the same table (bff.registry_table).
        self.clients = ClientStore(client, table_name)
        # Schema usage the BFF records in its own table, when the registry is told where.
        self.usage = UsageReader(client, usage_table) if usage_table else None

    # Reads

    def current(self) -> PublishedSupergraph | None:
        header = self._log.latest()
        return self._load(header) if header else None

    def version(self, version: int) -> PublishedSupergraph:
        header = self._log.get(version)
        if header is None:
            raise VersionNotFound(version)
        return self._load(header)

    def history(self, limit: int = 50) -> list[VersionSummary]:
        return [
            VersionSummary(header.version, header.created_at, header.reason)
            for header in self._log.recent(limit)
        ]

    def current_services(self) -> ServiceSet:
        """The current services; reads the manifest only, not the supergraph SDL."""
        header = self._log.latest()
        if header is None:
            return ServiceSet(0, ())
        return ServiceSet(header.version, self._manifest(header))

    def services(self) -> tuple[ServiceRecord, ...]:
        return self.current_services().services

    def service(self, name: str) -> ServiceRecord:
        record = self.current_services().get(name)
        if record is None:
            raise ServiceNotFound(name)
        return record

    def preview(
        self, name: str, url: str, sdl: str
    ) -> tuple[PublishedSupergraph | None, CompositionResult]:
        """Compose the current graph with `name` replaced, storing nothing (for checks)."""
        _require_valid_name(name)
        current = self.current()
        others = [record for record in current.services if record.name != name] if current else []
        candidate = SubgraphInput(name=name, url=url, sdl=sdl)
        subgraphs = sorted([*(r.as_subgraph() for r in others), candidate], key=lambda s: s.name)
        return current, self._composer(subgraphs)

    # Changes

    def register(
        self,
        name: str,
        url: str,
        sdl: str,
        *,
        api_key_ref: str | None = None,
        allow_breaking: bool = True,
    ) -> Registration:
        """Add or replace a service. An omitted `api_key_ref` keeps the one on record.

        The new graph's client-facing schema is compared with the published one; with
        `allow_breaking=False` a change that would break client queries raises
        `BreakingChangesRefused` and nothing is stored. When the BFF's usage is recorded, only
        changes to coordinates some operation used in the last `USAGE_WINDOW_DAYS` are refused
        (as `POST /checks` judges them). The comparison is made against the very version the
        new one replaces (a concurrent registration makes it run again).
        """
        _require_valid_name(name)
        found: list[tuple[Any, ...]] = [()]

        def check(replaced_version: int, new_sdl: str) -> None:
            found[0] = self._breaking_changes(replaced_version, new_sdl)
            if found[0] and not allow_breaking:
                used = self._used(found[0])
                if used:
                    raise BreakingChangesRefused(name, used)

        unchanged: list[Registration] = []

        def next_state(current: ServiceSet, version: int) -> _NextState | None:
            previous = current.get(name)
            if api_key_ref is not None:
                key_ref = api_key_ref
            else:
                key_ref = previous.api_key_ref if previous else None
            if previous and (previous.url, previous.sdl, previous.api_key_ref) == (
                url,
                sdl,
                key_ref,
            ):
                unchanged.append(Registration(previous, current.version, changed=False))
                return None
            record = ServiceRecord(name, url, sdl, key_ref, version, self._timestamp())
            others = [r for r in current.services if r.name != name]
            return _NextState(services=(*others, record), reason=f"register {name}")

        published = self._publish(next_state, check=check)
        if published is None:
            return unchanged[-1]
        record = published.service(name)
        assert record is not None
        return Registration(record, published.version, changed=True, breaking_changes=found[0])

    def _used(self, changes: tuple[Any, ...]) -> tuple[Any, ...]:
        """The changes some recorded operation used (all of them when no usage is recorded)."""
        if self.usage is None:
            return changes
        operations = self.usage.operations(*window(USAGE_WINDOW_DAYS))
        return tuple(c for c in changes if coordinate_usage(operations, c.coordinate))

    def _breaking_changes(self, replaced_version: int, new_sdl: str) -> tuple[Any, ...]:
        if replaced_version == 0:
            return ()  # nothing published yet: nothing to break
        # Imported here: graphql-core's schema building is only needed when registering.
        from discovery.api_schema import api_schema
        from discovery.breaking_changes import find_breaking_changes

        old = self.version(replaced_version).sdl
        return tuple(find_breaking_changes(api_schema(old), api_schema(new_sdl)))

    def remove(self, name: str) -> int:
        """Remove a service; refused (CompositionRejected) if the rest does not compose."""

        def next_state(current: ServiceSet, version: int) -> _NextState:
            if current.get(name) is None:
                raise ServiceNotFound(name)
            others = tuple(r for r in current.services if r.name != name)
            return _NextState(services=others, reason=f"remove {name}")

        published = self._publish(next_state)
        assert published is not None
        return published.version

    def rollback(self, version: int) -> int:
        """Publish the SDL and services of `version` again, as a NEW version number."""
        target = self.version(version)

        def next_state(current: ServiceSet, new_version: int) -> _NextState:
            return _NextState(
                services=target.services, reason=f"rollback to {version}", sdl=target.sdl
            )

        published = self._publish(next_state)
        assert published is not None
        return published.version

    # Internals

    def _publish(
        self,
        next_state: Callable[[ServiceSet, int], _NextState | None],
        *,
        check: Callable[[int, str], None] | None = None,
    ) -> PublishedSupergraph | None:
        for attempt in range(self._max_attempts):
            # Composition needs the services only: the current SDL is not read.
            current = self.current_services()
            version = current.version + 1
            state = next_state(current, version)
            if state is None:
                return None
            services = tuple(sorted(state.services, key=lambda r: r.name))
            sdl = state.sdl if state.sdl is not None else self._compose(services)
            if check is not None:
                check(current.version, sdl)
            manifest = orjson.dumps([record.to_json() for record in services])
            header = VersionHeader(
                version=version,
                supergraph=self._blobs.put(sdl.encode()),
                manifest=self._blobs.put(manifest),
                created_at=self._timestamp(),
                reason=state.reason,
            )
            if self._log.append(header):
                return PublishedSupergraph(version, sdl, services, header.created_at, header.reason)
            # Lost the race for this version: back off (jittered, growing, so the losers
            # spread out instead of colliding again) and rebuild against the new state.
            time.sleep(random.uniform(0, min(1.0, 0.025 * 2 ** min(attempt, 6))))
        raise PublishContention(
            f"could not publish after {self._max_attempts} attempts: too many concurrent writers"
        )

    def _compose(self, services: Sequence[ServiceRecord]) -> str:
        result = self._composer([record.as_subgraph() for record in services])
        if isinstance(result, CompositionFailure):
            raise CompositionRejected(result.errors)
        return result.supergraph_sdl

    def _load(self, header: VersionHeader) -> PublishedSupergraph:
        sdl = self._blobs.get(header.supergraph).decode()
        records = self._manifest(header)
        return PublishedSupergraph(header.version, sdl, records, header.created_at, header.reason)

    def _manifest(self, header: VersionHeader) -> tuple[ServiceRecord, ...]:
        data = orjson.loads(self._blobs.get(header.manifest))
        return tuple(ServiceRecord.from_json(record) for record in data)

    def _timestamp(self) -> str:
        return self._clock().isoformat().replace("+00:00", "Z")


def _require_valid_name(name: str) -> None:
    if not is_valid_service_name(name):
        raise InvalidServiceName(name, SERVICE_NAME_RULE)
