"""The `X-API-Key` check in front of every route of a subgraph (ASGI middleware).

Keys come from configuration, several at once so a key can be rotated without downtime:
`API_KEYS` (comma-separated) locally, or `API_KEY_SECRET_ID` naming a Secrets Manager secret
(a JSON list or a comma-separated string) in AWS, re-read after `SECRETS_TTL_SECONDS`, so a key
removed from the secret stops working within that time. Comparison is constant-time against
every configured key; the presented key is never logged or echoed.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from services.toolkit.errors import ErrorCode, send_json_error
from services.toolkit.observability import service_logger
from services.toolkit.secrets import KeyConfigurationError, RotatingKeys, parse_key_list

__all__ = ["ApiKeyConfigurationError", "ApiKeyMiddleware", "ApiKeys", "parse_key_list"]

API_KEY_HEADER = b"x-api-key"


ApiKeyConfigurationError = KeyConfigurationError


class ApiKeys(RotatingKeys):
    """The accepted `X-API-Key` values; see `services.toolkit.secrets.RotatingKeys`."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ApiKeys:
        """`API_KEYS` if set, otherwise the secret named by `API_KEY_SECRET_ID` (TTL cached)."""
        env = os.environ if environ is None else environ
        return cls.from_settings(
            ("API_KEYS", env.get("API_KEYS")),
            ("API_KEY_SECRET_ID", env.get("API_KEY_SECRET_ID")),
            env,
        )

    def accepts(self, presented: bytes | None) -> bool:
        """Constant-time check against every key, so timing reveals neither key nor position."""
        if presented is None:
            return False
        matched = False
        for key in self.current():
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
