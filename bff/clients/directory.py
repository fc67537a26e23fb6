"""The registered clients as the BFF serves them, read from the registry table and refreshed
like the supergraph: the revision item is checked at most every `poll_seconds` (off the request
path), everything is reloaded when it moved, and the last good set keeps being served when the
table is unreachable.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from bff.clients.identity import ClientIdentity
from bff.document_hash import document_hash
from bff.supergraph.contracts import FULL_SCHEMA, Contract

logger = Logger(service="bff", child=True)

OPEN, APQ, SAFELIST = "open", "apq", "safelist"
BUILT_IN_DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class TrustedDocument:
    id: str
    name: str | None
    body: str


@dataclass(frozen=True, slots=True)
class ClientProfile:
    """What applies to a request: the policy and contract of the client it names (or of the
    default client), and that client's published documents by id and by the SHA-256 of their
    text (a safelisted client may send a published document's text instead of its id)."""

    name: str
    policy: str = OPEN
    contract: Contract = FULL_SCHEMA
    documents: Mapping[str, TrustedDocument] = field(default_factory=dict)
    bodies: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ClientSet:
    revision: int
    profiles: Mapping[str, ClientProfile]
    default: ClientProfile

    def profile(self, identity: ClientIdentity) -> ClientProfile:
        """The named client's profile; unknown and unnamed clients get the default's."""
        if identity.name is not None:
            found = self.profiles.get(identity.name)
            if found is not None:
                return found
        return self.default


def client_set(
    revision: int,
    records: list[Any],
    documents: Mapping[str, list[Any]],
    default_client: str | None,
) -> ClientSet:
    """Profiles from the registry's client records and published documents."""
    profiles = {}
    for record in records:
        trusted = {
            d.id: TrustedDocument(d.id, d.name, d.body) for d in documents.get(record.name, ())
        }
        profiles[record.name] = ClientProfile(
            name=record.name,
            policy=record.policy,
            contract=record.contract,
            documents=trusted,
            bodies=frozenset(document_hash(d.body) for d in trusted.values()),
        )
    default = profiles.get(default_client or "") or ClientProfile(BUILT_IN_DEFAULT)
    return ClientSet(revision, profiles, default)


EMPTY = client_set(0, [], {}, None)


class ClientDirectory:
    """The current `ClientSet`. `store` is discovery's `ClientStore` (sync, boto3)."""

    def __init__(
        self,
        store: Any,
        *,
        default_client: str | None,
        poll_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._default_client = default_client
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._current: ClientSet | None = None
        self._checked_at: float | None = None
        self._background: threading.Thread | None = None

    async def current(self) -> ClientSet:
        """The clients known now. Only the very first load is waited for (at most once per
        interval while the registry is unreachable); later refreshes run in a background
        thread, so a request never waits on the registry (in Lambda such a thread is frozen
        with the process and goes on at the next invocation)."""
        now = self._clock()
        due = self._checked_at is None or now - self._checked_at >= self._poll_seconds
        if not due:
            return self._current or EMPTY
        self._checked_at = now
        if self._current is None:
            await asyncio.to_thread(self._refresh_logged)
        elif self._background is None or not self._background.is_alive():
            self._background = threading.Thread(
                target=self._refresh_logged, name="clients-refresh", daemon=True
            )
            self._background.start()
        return self._current or EMPTY

    def known(self) -> ClientSet:
        """The clients loaded last, without reading the registry (any thread)."""
        return self._current or EMPTY

    def _refresh_logged(self) -> None:
        try:
            self._refresh()
        except Exception as error:
            logger.warning(
                "registry unreachable; serving the last known clients", error=repr(error)
            )

    def _refresh(self) -> None:
        if self._current is not None and self._store.revision() == self._current.revision:
            return
        revision, records = self._store.clients()
        documents = {record.name: self._store.documents(record.name) for record in records}
        self._current = client_set(revision, records, documents, self._default_client)
        logger.info("clients loaded from the registry", revision=revision, clients=len(records))
