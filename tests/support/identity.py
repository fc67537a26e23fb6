"""Identity tokens as the BFF signs them, and the subgraph-side verifier, for tests.

Tokens are made by the BFF's own `IdentitySigner`, so a test that passes proves the BFF's
tokens verify in the subgraphs, not a second copy of the format.
"""

from __future__ import annotations

import time
from typing import Any

from bff.execution.identity_tokens import IDENTITY_HEADER, IdentitySigner, SubgraphSigningKeys
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys

CLAIMS_KEY = "claims-key-current-0123456789abcdef0123"
# Valid at once with the current one, as during a rotation.
NEXT_CLAIMS_KEY = "claims-key-next-0123456789abcdef01234567"
ADMIN_SUB = "admin-user"
USER_SUB = "plain-user"
OTHER_SUB = "other-user"


def verifier(audience: str, *keys: str) -> IdentityVerifier:
    """What a subgraph named `audience` verifies tokens with (the current and next key)."""
    return IdentityVerifier(RotatingKeys.of(*(keys or (CLAIMS_KEY, NEXT_CLAIMS_KEY))), audience)


def identity_token(
    audience: str,
    sub: str,
    *,
    scope: str = "",
    key: str = CLAIMS_KEY,
    # Longer than the BFF's 60 s: tests build some tokens at import, minutes before a long
    # run uses them.
    ttl_seconds: int = 3600,
    issued_at: float | None = None,
    **claims: Any,
) -> str:
    signer = IdentitySigner(
        SubgraphSigningKeys({audience: key}),
        ttl_seconds=ttl_seconds,
        clock=(lambda: issued_at) if issued_at is not None else time.time,
    )
    token = signer.token({"sub": sub, **({"scope": scope} if scope else {}), **claims}, audience)
    assert token is not None
    return token


def identity_headers(audience: str, sub: str, **options: Any) -> dict[str, str]:
    return {IDENTITY_HEADER: identity_token(audience, sub, **options)}


def admin_headers(audience: str) -> dict[str, str]:
    return identity_headers(audience, ADMIN_SUB, scope="openid admin")


def user_headers(audience: str, sub: str = USER_SUB) -> dict[str, str]:
    return identity_headers(audience, sub, scope="openid profile")
