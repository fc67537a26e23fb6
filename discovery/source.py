"""SupergraphSource: the BFF's current supergraph, read straight from the registry table.

`get()` returns the current snapshot. It checks the table for a newer version at most every
`poll_interval` seconds, reading only the newest version header (one small item); the SDL's
chunks are loaded only when the version changed. When the table cannot be read, the last good
snapshot keeps being served (and a warning logged); only a source that never loaded one raises
`SupergraphUnavailable`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from discovery.store.blobs import BlobStore
from discovery.store.errors import RegistryCorrupted
from discovery.store.versions import VersionLog

logger = logging.getLogger(__name__)

TABLE_ENV = "REGISTRY_TABLE"
DEFAULT_POLL_SECONDS = 5.0


class SupergraphUnavailable(RuntimeError):
    """No supergraph was ever loaded: none is published, or the table was never reachable."""


@dataclass(frozen=True, slots=True)
class SupergraphSnapshot:
    """One published supergraph. `api_key_refs` maps each service to where its API key lives
    (a Secrets Manager id in AWS), for the gateway's X-API-Key per subgraph."""

    version: int
    sdl: str
    api_key_refs: Mapping[str, str | None] = field(default_factory=dict)


def _fast_failing_client() -> Any:
    # botocore's own session, not boto3's: boto3 would also import s3transfer and its resource
    # and docs machinery (~100 ms of the BFF's cold start) for a client that is the same
    # botocore client, reading the same environment (region, credentials, endpoint URL).
    from botocore.config import Config
    from botocore.session import get_session

    # A request path waits on this client: fail within seconds rather than retry for long,
    # since the last good supergraph is served meanwhile.
    config = Config(
        connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"}
    )
    return get_session().create_client("dynamodb", config=config)


class SupergraphSource:
    def __init__(
        self,
        table_name: str | None = None,
        *,
        client: Any | None = None,
        poll_interval: float = DEFAULT_POLL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        resolved = table_name or os.environ.get(TABLE_ENV)
        if not resolved:
            raise ValueError(f"give table_name or set {TABLE_ENV}")
        client = client if client is not None else _fast_failing_client()
        self.table_name = resolved
        self.poll_interval = poll_interval
        self._clock = clock
        self._log = VersionLog(client, resolved)
        self._blobs = BlobStore(client, resolved, cache_entries=2)
        self._snapshot: SupergraphSnapshot | None = None
        self._checked_at: float | None = None
        self._last_problem = "no supergraph has been published to the registry yet"
        self._refresh_lock = threading.Lock()

    def get(self) -> SupergraphSnapshot:
        """The current snapshot (see the module docstring for when the table is read)."""
        snapshot = self._snapshot
        if snapshot is not None and not self._due():
            return snapshot
        # One refresh at a time; while it runs, other callers keep the snapshot they have.
        if not self._refresh_lock.acquire(blocking=snapshot is None):
            return snapshot  # type: ignore[return-value]
        try:
            if self._snapshot is None or self._due():
                self._checked_at = self._clock()
                self._refresh()
        finally:
            self._refresh_lock.release()
        if self._snapshot is None:
            raise SupergraphUnavailable(self._last_problem)
        return self._snapshot

    def invalidate(self) -> None:
        """Check the table on the next `get()`, whatever the poll interval."""
        self._checked_at = None

    def _due(self) -> bool:
        return self._checked_at is None or self._clock() - self._checked_at >= self.poll_interval

    def _refresh(self) -> None:
        current = self._snapshot
        try:
            header = self._log.latest()
            if header is None or (current is not None and header.version == current.version):
                return
            sdl = self._blobs.get(header.supergraph).decode()
            services = orjson.loads(self._blobs.get(header.manifest))
        except (BotoCoreError, ClientError, RegistryCorrupted) as error:
            self._last_problem = f"the registry table {self.table_name} cannot be read: {error}"
            if current is not None:
                logger.warning(
                    "registry unreachable; serving supergraph version %d: %s",
                    current.version,
                    error,
                )
            else:
                logger.warning("registry unreachable and no supergraph loaded yet: %s", error)
            return
        refs = {service["name"]: service.get("apiKeyRef") for service in services}
        self._snapshot = SupergraphSnapshot(header.version, sdl, refs)
        logger.info("loaded supergraph version %d", header.version)
