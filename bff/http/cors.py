"""Cross-origin resource sharing for the GraphQL endpoint: which web origins may call it."""

from __future__ import annotations

import re
from dataclasses import dataclass

ALLOWED_METHODS = b"GET, POST, OPTIONS"
# Header names a browser may ask to send; echoed back in the preflight only if they are tokens.
_HEADER_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")
DEFAULT_ALLOWED_HEADERS = b"accept, authorization, content-type"

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class CORSPolicy:
    """Allowed origins (`*` allows any). Credentials (cookies) are never allowed: clients send
    a bearer token, so a wildcard cannot leak a cookie-authenticated session."""

    origins: frozenset[str] = frozenset()
    max_age_seconds: int = 600

    @classmethod
    def from_origins(cls, origins: tuple[str, ...] | list[str]) -> CORSPolicy:
        return cls(frozenset(origin.rstrip("/") for origin in origins))

    def allows(self, origin: str) -> bool:
        return "*" in self.origins or origin in self.origins

    def response_headers(self, origin: str | None) -> Headers:
        """Headers for an actual (non-preflight) response to a request from `origin`."""
        if not self.origins:
            return []
        headers: Headers = [(b"vary", b"Origin")]
        if origin is not None and self.allows(origin):
            allowed = b"*" if "*" in self.origins else origin.encode()
            headers.append((b"access-control-allow-origin", allowed))
        return headers

    def preflight_headers(self, origin: str, requested_headers: str | None) -> Headers | None:
        """Headers answering a preflight, or None when the origin is not allowed."""
        if not self.allows(origin):
            return None
        allowed_headers = DEFAULT_ALLOWED_HEADERS
        if requested_headers and _HEADER_LIST.match(requested_headers.strip()):
            allowed_headers = requested_headers.strip().lower().encode()
        return [
            *self.response_headers(origin),
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", allowed_headers),
            (b"access-control-max-age", str(self.max_age_seconds).encode()),
        ]
