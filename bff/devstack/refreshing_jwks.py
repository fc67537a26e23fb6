"""RefreshingJwks: an issuer's signing keys (its JWKS), fetched once and then kept fresh in the
background, for `bff serve` verifying tokens itself.

PyJWKClient's own cache fetches the JWKS again inside the request that finds it expired, so
every `lifespan` one request waits for the issuer. Here the key set held keeps verifying while
one background thread fetches the new one (stale-while-revalidate); a request waits only for
the very first fetch, or when a token names a key the set held does not have (the issuer
rotated a key in), and that fetch at most once per `min_refetch_seconds`, so tokens naming
made-up keys cannot make the BFF hammer the issuer. A failed fetch keeps the keys held.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

import jwt

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0
DEFAULT_MIN_REFETCH_SECONDS = 10.0


class RefreshingJwks:
    """The keys of one JWKS URL, by `kid`."""

    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        min_refetch_seconds: float = DEFAULT_MIN_REFETCH_SECONDS,
        timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.ttl_seconds = ttl_seconds
        self.fetches = 0  # JWKS requests made (tests, logs)
        self._min_refetch = min_refetch_seconds
        self._clock = clock
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout_seconds)
        self._keys: Mapping[str, jwt.PyJWK] | None = None
        self._fetched_at = 0.0
        self._tried_at: float | None = None
        self._fetching = threading.Lock()
        self._background: threading.Thread | None = None

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The key named `kid` (None: the issuer has no such key, or cannot be reached)."""
        keys = self._keys
        if (keys is None or kid not in keys) and self._may_refetch():
            self._fetch_now()
            keys = self._keys
        elif keys is not None and self._clock() - self._fetched_at >= self.ttl_seconds:
            self._fetch_in_background()
        return keys.get(kid) if keys is not None else None

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Wait until the background fetch running now (if any) has finished (tests)."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def _may_refetch(self) -> bool:
        return self._tried_at is None or self._clock() - self._tried_at >= self._min_refetch

    def _fetch_now(self) -> None:
        with self._fetching:
            if self._may_refetch():  # else another request fetched while this one waited
                self._fetch()

    def _fetch_in_background(self) -> None:
        if not self._fetching.acquire(blocking=False):
            return  # a fetch is running
        self._tried_at = self._fetched_at = self._clock()  # due again only a TTL later

        def run() -> None:
            try:
                self._fetch()
            finally:
                self._fetching.release()

        self._background = threading.Thread(target=run, name="jwks-refresh", daemon=True)
        self._background.start()

    def _fetch(self) -> None:
        self._tried_at = self._clock()
        self.fetches += 1
        try:
            key_set = jwt.PyJWKSet.from_dict(self._client.fetch_data())
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
            logger.warning("cannot fetch the JWKS from %s (keys held kept): %s", self.url, error)
            return
        self._keys = {key.key_id: key for key in key_set.keys if key.key_id is not None}
        self._fetched_at = self._clock()
