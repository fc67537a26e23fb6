"""The identity token's format, shared by its issuer (the BFF) and its verifiers (subgraphs).

A compact JWS (RFC 7515) with HS256: `base64url(header).base64url(claims).base64url(HMAC)`,
header `{"alg": "HS256", "kid": <key id>, "typ": "JWT"}`, claims JSON with `iss`, `aud`, `iat`,
`exp` and the user's own. Written here with `hmac` and orjson rather than PyJWT: importing PyJWT
imports `cryptography` (~110 ms), which a cold start on both sides would pay for one HMAC.
Any JWT library verifies these tokens (tests check it with PyJWT).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

import orjson

ALGORITHM = "HS256"
_REQUIRED = ("iss", "aud", "iat", "exp", "sub")


class InvalidToken(ValueError):
    """The token does not verify; the message says why (for logs, never for clients)."""


def key_id(key: bytes) -> str:
    """The `kid` a key is known by: a hash prefix, so the header never reveals the key."""
    return hashlib.sha256(key).hexdigest()[:16]


def _encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _decode(part: bytes) -> bytes:
    return base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))


def encode(claims: Mapping[str, Any], key: bytes) -> str:
    header = _encode(orjson.dumps({"alg": ALGORITHM, "kid": key_id(key), "typ": "JWT"}))
    signing_input = header + b"." + _encode(orjson.dumps(dict(claims)))
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + _encode(signature)).decode()


def decode(
    token: str | bytes,
    key_for: Callable[[str], bytes | None],
    *,
    audience: str,
    issuer: str,
    now: float,
    leeway: float = 0,
) -> dict[str, Any]:
    """The claims of a token signed by the key `key_for(kid)` returns, addressed to `audience`
    by `issuer` and unexpired at `now`; anything else raises `InvalidToken`."""
    raw = token.encode() if isinstance(token, str) else token
    parts = raw.split(b".")
    if len(parts) != 3:
        raise InvalidToken("not a compact JWS")
    try:
        header = orjson.loads(_decode(parts[0]))
        signature = _decode(parts[2])
    except (binascii.Error, ValueError):
        raise InvalidToken("unreadable header or signature") from None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise InvalidToken("algorithm is not HS256")
    key = key_for(str(header.get("kid")))
    if key is None:
        raise InvalidToken("signed with an unknown key")
    expected = hmac.new(key, parts[0] + b"." + parts[1], hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise InvalidToken("bad signature")
    try:
        claims = orjson.loads(_decode(parts[1]))
    except (binascii.Error, ValueError):
        raise InvalidToken("unreadable claims") from None
    if not isinstance(claims, dict) or any(name not in claims for name in _REQUIRED):
        raise InvalidToken(f"claims must be an object with {', '.join(_REQUIRED)}")
    if claims["iss"] != issuer:
        raise InvalidToken("wrong issuer")
    if claims["aud"] != audience:
        raise InvalidToken("wrong audience")
    expiry = claims["exp"]
    if not isinstance(expiry, int | float) or expiry + leeway <= now:
        raise InvalidToken("expired")
    return claims
