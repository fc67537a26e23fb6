"""Who the caller is, for the gateway's authorization, and how `@policy` names are decided.

A policy is a name in the supergraph (`@policy(policies: [["staff"]])`); what it means is the
gateway's configuration, `AUTHORIZATION_POLICIES`: a JSON object mapping each policy to the
claims the verified JWT must carry, e.g.

    {"staff": {"groups": "staff"}, "eu-support": {"groups": ["support"], "region": "eu"}}

A policy holds when every claim it lists matches: the claim equals the value, or (for a list
claim, or a space-separated string like `scope`) contains it; a list of values means any of them.
A policy that is not configured never holds (fail closed), and no policy holds for an anonymous
caller. Apollo Router decides policies with a coprocessor or Rhai script; a claims mapping covers
the usual group- and attribute-based rules without running code per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson


class PolicyConfigurationError(ValueError):
    """`AUTHORIZATION_POLICIES` is not a JSON object of claim requirements."""


@dataclass(frozen=True, slots=True)
class Caller:
    """What authorization looks at: is there a verified user, its scopes, its policies."""

    authenticated: bool
    scopes: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()


ANONYMOUS = Caller(authenticated=False)


def _values(claim: Any) -> set[str]:
    if isinstance(claim, str):
        return set(claim.split()) | {claim}
    if isinstance(claim, list | tuple):
        return {str(item) for item in claim}
    if isinstance(claim, bool | int | float):
        return {str(claim).lower() if isinstance(claim, bool) else str(claim)}
    return set()


class PolicyRules:
    """The configured policies, checked against one request's verified claims."""

    def __init__(self, policies: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._policies: dict[str, dict[str, frozenset[str]]] = {}
        for name, requirements in (policies or {}).items():
            if not isinstance(requirements, Mapping) or not requirements:
                raise PolicyConfigurationError(
                    f"policy {name!r} must map claim names to required values"
                )
            self._policies[name] = {
                claim: frozenset(str(v) for v in (value if isinstance(value, list) else [value]))
                for claim, value in requirements.items()
            }

    @classmethod
    def from_json(cls, text: str) -> PolicyRules:
        try:
            document = orjson.loads(text) if text.strip() else {}
        except orjson.JSONDecodeError as error:
            raise PolicyConfigurationError(f"not valid JSON: {error}") from None
        if not isinstance(document, dict):
            raise PolicyConfigurationError("expected a JSON object of policies")
        return cls(document)

    def caller(self, claims: Mapping[str, Any] | None) -> Caller:
        """The caller of a request with these verified claims (None: anonymous)."""
        if not claims:
            return ANONYMOUS
        scope = claims.get("scope")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        held = frozenset(
            name
            for name, requirements in self._policies.items()
            if all(_values(claims.get(claim)) & wanted for claim, wanted in requirements.items())
        )
        return Caller(authenticated=True, scopes=scopes, policies=held)
