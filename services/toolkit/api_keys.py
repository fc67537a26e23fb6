"""The `X-API-Key` check in front of every route of a subgraph (ASGI middleware).

Keys come from configuration, several at once so a key can be rotated without downtime:
`API_KEYS` (comma-separated) locally, or `API_KEY_SECRET_ID` naming a Secrets Manager secret
(a JSON list or a comma-separated string) in AWS, read once per process. Comparison is
constant-time against every configured key; the presented key is never logged or echoed.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from services.toolkit.aws_clients import secretsmanager_client
from services.toolkit.errors import ErrorCode, send_json_error
from services.toolkit.observability import service_logger

API_KEY_HEADER = b"x-api-key"


class ApiKeyConfigurationError(RuntimeError):
    """No usable keys are configured; the service refuses to start serving rather than run open."""


def parse_key_list(raw: str) -> tuple[str, ...]:
    """Keys from a JSON list (`["k1","k2"]`) or a comma-separated string (`k1,k2`)."""
    text = raw.strip()
    # A JSON object (Secrets Manager's key/value form) is refused rather than taken as one key.
    if text.startswith(("[", "{")):
        try:
            values = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise ApiKeyConfigurationError("API key list is not valid JSON") from error
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ApiKeyConfigurationError("API key list must be a JSON list of strings")
        candidates: Iterable[str] = values
    else:
        candidates = text.split(",")
    keys = tuple(key.strip() for key in candidates if key.strip())
    if not keys:
        raise ApiKeyConfigurationError("API key list is empty")
    return keys


class ApiKeys:
    """The set of accepted keys, loaded lazily once and then kept for the process."""

    def __init__(self, load: Callable[[], tuple[str, ...]]) -> None:
        self._load = load
        self._keys: tuple[bytes, ...] | None = None

    @classmethod
    def of(cls, *keys: str) -> ApiKeys:
        """Fixed keys (tests, local stack)."""
        return cls(lambda: parse_key_list(",".join(keys)))

    @classmethod
    def from_secret(cls, secret_id: str, client: Any | None = None) -> ApiKeys:
        """Keys held in a Secrets Manager secret (JSON list or comma-separated string)."""

        def load() -> tuple[str, ...]:
            secrets = client or secretsmanager_client()
            value = secrets.get_secret_value(SecretId=secret_id)
            return parse_key_list(value.get("SecretString") or "")

        return cls(load)

    @classmethod
    def from_environment(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> ApiKeys:
        """`API_KEYS` if set, otherwise the secret named by `API_KEY_SECRET_ID`."""
        env = os.environ if environ is None else environ
        if env.get("API_KEYS"):
            raw = env["API_KEYS"]
            return cls(lambda: parse_key_list(raw))
        if env.get("API_KEY_SECRET_ID"):
            return cls.from_secret(env["API_KEY_SECRET_ID"])
        raise ApiKeyConfigurationError("set API_KEYS or API_KEY_SECRET_ID")

    def keys(self) -> tuple[bytes, ...]:
        if self._keys is None:
            self._keys = tuple(key.encode() for key in self._load())
        return self._keys

    async def load(self) -> None:
        """Load the keys once; a Secrets Manager read runs in a thread, off the event loop."""
        if self._keys is None:
            await asyncio.to_thread(self.keys)

    def accepts(self, presented: bytes | None) -> bool:
        """Constant-time check against every key, so timing reveals neither key nor position."""
        if presented is None:
            return False
        matched = False
        for key in self.keys():
            matched |= hmac.compare_digest(presented, key)
        return matched


class ApiKeyMiddleware:
    """Answer 401 with a GraphQL-shaped `UNAUTHENTICATED` error unless `X-API-Key` is valid."""

    def __init__(self, app: ASGIApp, *, api_keys: ApiKeys, service_name: str) -> None:
        self.app = app
        self.api_keys = api_keys
        self.logger = service_logger(service_name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Subgraphs serve no subscriptions: refuse every socket before any other work.
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        presented = next(
            (value for name, value in scope["headers"] if name == API_KEY_HEADER), None
        )
        try:
            await self.api_keys.load()
        except Exception:
            # Misconfiguration or Secrets Manager unreachable: fail closed, say nothing specific.
            self.logger.exception("could not load API keys")
            await send_json_error(
                send, 500, "Internal server error.", ErrorCode.INTERNAL_SERVER_ERROR
            )
            return
        if self.api_keys.accepts(presented):
            await self.app(scope, receive, send)
            return
        reason = "missing" if presented is None else "invalid"
        # Only the reason and path are logged: the presented value stays out of logs.
        self.logger.info(
            "rejected request", extra={"reason": f"{reason} API key", "path": scope["path"]}
        )
        await send_json_error(
            send,
            401,
            f"A valid X-API-Key header is required ({reason}).",
            ErrorCode.UNAUTHENTICATED,
        )
