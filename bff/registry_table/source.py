"""SupergraphSource: the BFF's current supergraph, read straight from the registry table.

`get()` returns the current snapshot at once. When `poll_interval` seconds have passed since the
last check, it starts a refresh in a background thread and still returns the snapshot it has: a
slow or unreachable registry never delays a request. (In Lambda the thread is frozen with the
process after the answer and goes on at the next invocation; under `bff serve` it runs beside
the requests.) A refresh reads only the newest version header (one small item); the SDL's chunks
are loaded only when the version changed, and `prepare` (the gateway builds the version for
serving: SDL loaded, planner, validation rules, indexes) runs in the refresh too, before the
version is swapped in. When the table cannot be read, or `prepare` refuses the new version, the
last good snapshot keeps being served (and the problem logged).

Only the first load is waited for, since there is nothing to serve before it: a caller with no
snapshot reads the table itself, at most once per `poll_interval` (others get
`SupergraphUnavailable` at once meanwhile).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from bff.registry_table.blobs import BlobStore
from bff.registry_table.dynamodb_query import DynamoDBQueryClient
from bff.registry_table.errors import RegistryCorrupted
from bff.registry_table.versions import VersionLog

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
    # What `prepare` made of it (the gateway's loaded supergraph), None without `prepare`.
    prepared: Any = field(default=None, compare=False)


def fast_reading_client() -> Any:
    """A client for reads only (Query, GetItem): with credentials in the environment (always in
    Lambda), one that sends them itself, without botocore's ~250 ms client on the cold start;
    else botocore's (`fast_failing_client`)."""
    return DynamoDBQueryClient.from_environ() or fast_failing_client()


def fast_failing_client() -> Any:
    # botocore's own session, not boto3's: boto3 would also import s3transfer and its resource
    # and docs machinery (~100 ms of the BFF's cold start) for a client that is the same
    # botocore client, reading the same environment (region, credentials, endpoint URL).
    from botocore.config import Config
    from botocore.session import get_session

    # Only the first load is waited for; later refreshes run in the background. Either way,
    # fail within seconds rather than retry for long: the last good supergraph is served.
    config = Config(
        connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"}
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
        prepare: Callable[[SupergraphSnapshot], Any] | None = None,
    ) -> None:
        resolved = table_name or os.environ.get(TABLE_ENV)
        if not resolved:
            raise ValueError(f"give table_name or set {TABLE_ENV}")
        client = client if client is not None else fast_reading_client()
        self.table_name = resolved
        self.poll_interval = poll_interval
        self._clock = clock
        self._prepare = prepare
        self._log = VersionLog(client, resolved)
        self._blobs = BlobStore(client, resolved, cache_entries=2)
        self._snapshot: SupergraphSnapshot | None = None
        self._checked_at: float | None = None
        self._last_problem = "no supergraph has been published to the registry yet"
        # Held by whoever is reading the table: one refresh at a time.
        self._refresh_lock = threading.Lock()
        self._background: threading.Thread | None = None

    @property
    def loaded(self) -> bool:
        """Whether a snapshot is loaded (then `get()` never waits on the table)."""
        return self._snapshot is not None

    def get(self) -> SupergraphSnapshot:
        """The current snapshot (see the module docstring for when the table is read)."""
        snapshot = self._snapshot
        if snapshot is not None:
            if self._due():
                self._refresh_in_background()
            return snapshot
        if self._due() and self._refresh_lock.acquire(blocking=False):
            try:
                self._checked_at = self._clock()
                self._refresh()
            finally:
                self._refresh_lock.release()
        if self._snapshot is None:
            raise SupergraphUnavailable(self._last_problem)
        return self._snapshot

    def refresh(self) -> SupergraphSnapshot | None:
        """Check the table now and wait for the answer (commands and tests; never requests)."""
        with self._refresh_lock:
            self._checked_at = self._clock()
            self._refresh()
        return self._snapshot

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Wait until the background refresh running now (if any) has finished."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def invalidate(self) -> None:
        """Check the table on the next `get()`, whatever the poll interval."""
        self._checked_at = None

    def _due(self) -> bool:
        return self._checked_at is None or self._clock() - self._checked_at >= self.poll_interval

    def _refresh_in_background(self) -> None:
        if not self._refresh_lock.acquire(blocking=False):
            return  # a refresh is running already
        self._checked_at = self._clock()
        self._background = threading.Thread(
            target=self._refresh_then_release, name="supergraph-refresh", daemon=True
        )
        self._background.start()

    def _refresh_then_release(self) -> None:
        try:
            self._refresh()
        except Exception:  # a bug must not kill refreshing for the process's life
            logger.exception("supergraph refresh failed")
        finally:
            self._refresh_lock.release()

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
        snapshot = SupergraphSnapshot(header.version, sdl, refs)
        if self._prepare is not None:
            try:
                snapshot = replace(snapshot, prepared=self._prepare(snapshot))
            except Exception as error:
                self._last_problem = f"supergraph version {header.version} does not load: {error}"
                logger.error(
                    "published supergraph version %d does not load: %s", header.version, error
                )
                return
        self._snapshot = snapshot
        logger.info("loaded supergraph version %d", header.version)
