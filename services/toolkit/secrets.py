"""Key lists that rotate: fixed ones (local), or a Secrets Manager secret re-read after a TTL.

A secret holds several keys at once (a JSON list or a comma-separated string) so a key can be
rotated without downtime; it is read through Powertools Parameters, whose cache keeps the value
for `SECRETS_TTL_SECONDS` (default 300), so a key added to or removed from the secret takes
effect within that time without a redeploy.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self

import orjson

from services.toolkit.observability import service_logger

SECRETS_TTL_ENV = "SECRETS_TTL_SECONDS"
DEFAULT_SECRETS_TTL_SECONDS = 300


class KeyConfigurationError(RuntimeError):
    """No usable keys are configured; the service refuses rather than run open."""


def parse_key_list(raw: str, what: str = "key list") -> tuple[str, ...]:
    """Keys from a JSON list (`["k1","k2"]`) or a comma-separated string (`k1,k2`)."""
    text = raw.strip()
    # A JSON object (Secrets Manager's key/value form) is refused rather than taken as one key.
    if text.startswith(("[", "{")):
        try:
            values = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise KeyConfigurationError(f"{what} is not valid JSON") from error
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise KeyConfigurationError(f"{what} must be a JSON list of strings")
        candidates: Iterable[str] = values
    else:
        candidates = text.split(",")
    keys = tuple(key.strip() for key in candidates if key.strip())
    if not keys:
        raise KeyConfigurationError(f"{what} is empty")
    return keys


def secrets_ttl_seconds(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    raw = env.get("SECRETS_TTL_SECONDS", "")
    try:
        ttl = int(raw) if raw.strip() else DEFAULT_SECRETS_TTL_SECONDS
    except ValueError:
        message = f"{SECRETS_TTL_ENV} must be a whole number of seconds"
        raise KeyConfigurationError(message) from None
    if ttl < 0:
        raise KeyConfigurationError(f"{SECRETS_TTL_ENV} must not be negative")
    return ttl


class RotatingKeys:
    """A key list loaded on first use and, when it comes from a secret, again after its TTL.

    Only the first load is waited for (`load()` does it in a worker thread, so the event loop
    keeps serving other requests meanwhile). After the TTL, `current()` answers with the keys
    held and starts one background re-read (stale-while-revalidate): no request waits for
    Secrets Manager again, and a failed re-read keeps the keys held (tried again a TTL later).
    In Lambda the thread goes on when the next invocation thaws the process.
    """

    def __init__(
        self,
        load: Callable[[], tuple[str, ...]],
        *,
        ttl_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds  # None: never re-read
        self._clock = clock
        self._keys: tuple[bytes, ...] | None = None
        self._loaded_at = 0.0
        self._reloading = threading.Lock()
        self._background: threading.Thread | None = None

    @classmethod
    def of(cls, *keys: str) -> Self:
        """Fixed keys (tests, local stack)."""
        fixed = parse_key_list(",".join(keys))
        return cls(lambda: fixed)

    @classmethod
    def from_secret(
        cls,
        secret_id: str,
        *,
        ttl_seconds: int | None = None,
        client: Any | None = None,
        what: str = "keys",
    ) -> Self:
        """Keys held in a Secrets Manager secret, cached by Powertools for `ttl_seconds`
        (default `SECRETS_TTL_SECONDS`)."""
        ttl = secrets_ttl_seconds() if ttl_seconds is None else ttl_seconds
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        from services.toolkit.aws_clients import secretsmanager_client

        provider = SecretsProvider(boto3_client=client or secretsmanager_client())

        def load() -> tuple[str, ...]:
            value = provider.get(secret_id, max_age=ttl)
            return parse_key_list(value if isinstance(value, str) else "", what)

        return cls(load, ttl_seconds=ttl)

    @classmethod
    def from_settings(
        cls,
        inline: tuple[str, str | None],
        secret: tuple[str, str | None],
        environ: Mapping[str, str] | None = None,
    ) -> Self:
        """Inline keys if set, otherwise the keys in the secret; each given as (variable name,
        value read from the environment) so errors name the variable."""
        (inline_env, inline_value), (secret_env, secret_id) = inline, secret
        if inline_value:
            fixed = parse_key_list(inline_value, inline_env)
            return cls(lambda: fixed)
        if secret_id:
            ttl = secrets_ttl_seconds(environ)
            return cls.from_secret(secret_id, ttl_seconds=ttl, what=secret_env)
        raise KeyConfigurationError(f"set {inline_env} or {secret_env}")

    def _stale(self) -> bool:
        if self._keys is None:
            return True
        return self._ttl is not None and self._clock() - self._loaded_at >= self._ttl

    def current(self) -> tuple[bytes, ...]:
        keys = self._keys
        if keys is None:
            with self._reloading:  # one first read, however many requests wait for it
                if self._keys is None:
                    self._reload()
            keys = self._keys
        elif self._stale():
            self._reload_in_background()
        assert keys is not None
        return keys

    async def load(self) -> None:
        """Have `current()` answer at once: the first read runs in a thread, off the event loop;
        later ones in the background."""
        if self._keys is None:
            await asyncio.to_thread(self.current)

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Wait until the background re-read running now (if any) has finished (tests)."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def _reload(self) -> None:
        # Powertools answers from its own cache until the TTL passes, then reads again.
        self._keys = tuple(key.encode() for key in self._load())
        self._loaded_at = self._clock()

    def _reload_in_background(self) -> None:
        if not self._reloading.acquire(blocking=False):
            return  # a re-read is running
        self._loaded_at = self._clock()  # due again a TTL from now if this one fails

        def run() -> None:
            try:
                self._reload()
            except Exception as error:  # keep the keys held; the message names no key
                service_logger(None).error(
                    "keys not re-read, keeping those held", error=type(error).__name__
                )
            finally:
                self._reloading.release()

        self._background = threading.Thread(target=run, name="keys-refresh", daemon=True)
        self._background.start()
