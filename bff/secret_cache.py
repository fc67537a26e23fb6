"""SecretCache: the Secrets Manager values the BFF holds, refreshed off the request path.

Values are read through Powertools Parameters (`SecretsProvider.get(..., max_age=TTL)`), one
provider and one boto3 client per process, created on the first read (Powertools imports boto3:
about 2-4 ms on top of boto3's own ~100 ms, measured with `python -X importtime`; nothing on
the cold path imports either before a secret is read).

Stale-while-revalidate: once a secret was read, a caller always gets the value held at once;
when `ttl_seconds` have passed, `poll()` (called per request, O(1)) starts one background thread
that re-reads the due secrets and swaps the new values in. Only a secret never read is waited
for (`load`). A failed re-read keeps the value held (logged, naming the secret, never its
value) and is tried again a TTL later. `refresh_soon` re-reads one secret now, in the
background (a subgraph refused the API key we sent: it was rotated), at most once per
`min_forced_seconds`.

`generation` grows whenever a held value changes, so a holder of derived data (the endpoints'
API keys, parsed signing keys) rebuilds it only then.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(service="bff", child=True)

DEFAULT_MIN_FORCED_SECONDS = 5.0


class SecretUnreadable(Exception):
    """A secret could not be read; the message says why (the SDK error's name), never a value."""


class SecretCache:
    """Secret strings by id; see the module docstring."""

    def __init__(
        self,
        *,
        ttl_seconds: float = 300,
        client: Any | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_forced_seconds: float = DEFAULT_MIN_FORCED_SECONDS,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.generation = 0
        self._client = client
        self._clock = clock
        self._min_forced = min_forced_seconds
        self._provider: Any = None
        self._values: dict[str, str] = {}
        self._due_at: dict[str, float] = {}
        self._forced_at: dict[str, float] = {}
        self._failed_at: dict[str, float] = {}
        self._next_due = math.inf
        # Held by the one thread re-reading secrets; first reads take `_reading` too.
        self._refreshing = threading.Lock()
        self._reading = threading.Lock()
        self._background: threading.Thread | None = None

    def get(self, secret_id: str) -> str | None:
        """The value held (None: never read)."""
        return self._values.get(secret_id)

    def poll(self) -> None:
        """Start re-reading the secrets whose TTL has passed, in the background."""
        if self._clock() >= self._next_due:
            self._start_refresh(None)

    async def load(self, secret_ids: Iterable[str]) -> None:
        """Make sure each secret was read once: waits (in a worker thread) only for those never
        read, and starts re-reading due ones in the background. A secret that cannot be read
        is logged and stays unheld (`get` is None); it is tried again `min_forced_seconds`
        later, not by every request."""
        now = self._clock()
        missing = [
            secret_id
            for secret_id in secret_ids
            if secret_id not in self._values
            and now - self._failed_at.get(secret_id, -math.inf) >= self._min_forced
        ]
        if missing:
            await asyncio.to_thread(self._read_missing, missing)
        self.poll()

    def read_now(self, secret_id: str) -> str:
        """The value, read now unless held (blocking: init, worker threads); raises
        `SecretUnreadable`."""
        with self._reading:
            value = self._values.get(secret_id)
            if value is None:
                value = self._fetch(secret_id, force=False)
                self._store(secret_id, value)
            return value

    def _read_missing(self, secret_ids: list[str]) -> None:
        for secret_id in secret_ids:
            try:
                self.read_now(secret_id)
            except SecretUnreadable as error:
                self._failed_at[secret_id] = self._clock()
                logger.error("cannot read secret", secret_id=secret_id, error=str(error))

    def refresh_soon(self, secret_id: str) -> None:
        """Re-read one secret now, in the background, bypassing the TTL (rate-limited)."""
        now = self._clock()
        if secret_id not in self._values or now - self._forced_at.get(secret_id, -math.inf) < (
            self._min_forced
        ):
            return
        self._forced_at[secret_id] = now
        self._start_refresh(secret_id)

    def expire(self) -> None:
        """Have every secret held re-read (in the background) by the next `poll`: a copy of the
        process restored from a SnapStart snapshot holds what init read, however long ago."""
        now = self._clock()
        for secret_id in self._due_at:
            self._due_at[secret_id] = now
        self._next_due = now

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Wait until the background re-read running now (if any) has finished (tests)."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def _start_refresh(self, forced: str | None) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # a re-read is running; it will be due again if it missed this one
        # Nothing else is due until this refresh has set new times.
        self._next_due = math.inf
        self._background = threading.Thread(
            target=self._refresh_then_release, args=(forced,), name="secrets-refresh", daemon=True
        )
        self._background.start()

    def _refresh_then_release(self, forced: str | None) -> None:
        try:
            now = self._clock()
            due = [secret_id for secret_id, at in self._due_at.items() if at <= now]
            if forced is not None and forced not in due:
                due.append(forced)
            for secret_id in due:
                try:
                    value = self._fetch(secret_id, force=True)
                except SecretUnreadable as error:
                    logger.error("keeping the secret held", secret_id=secret_id, error=str(error))
                    self._due_at[secret_id] = self._clock() + self.ttl_seconds
                    continue
                self._store(secret_id, value)
        except Exception:  # a bug must not stop refreshing for the process's life
            logger.exception("secrets refresh failed")
        finally:
            self._next_due = min(self._due_at.values(), default=math.inf)
            self._refreshing.release()

    def _fetch(self, secret_id: str, *, force: bool) -> str:
        try:
            if self._provider is None:
                from aws_lambda_powertools.utilities.parameters import SecretsProvider

                self._provider = SecretsProvider(boto3_client=self._client)
            # Re-reads force the fetch: the TTL is ours to keep (Powertools' cache runs on the
            # wall clock, ours on the monotonic one, and they must not disagree about it).
            value = self._provider.get(secret_id, max_age=int(self.ttl_seconds), force_fetch=force)
        except Exception as error:
            # Powertools wraps the SDK's error (GetParameterError); name the one that says why.
            cause = error.__cause__ or error.__context__ or error
            raise SecretUnreadable(type(cause).__name__) from None
        if not isinstance(value, str):
            raise SecretUnreadable("the secret holds no text")
        return value

    def _store(self, secret_id: str, value: str) -> None:
        if self._values.get(secret_id) != value:
            self._values[secret_id] = value
            self.generation += 1
        due = self._clock() + self.ttl_seconds
        self._due_at[secret_id] = due
        self._next_due = min(self._next_due, due)
