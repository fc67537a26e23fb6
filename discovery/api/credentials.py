"""Who is calling the registry API, and what that caller may do.

Two kinds of bearer credential (ARCHITECTURE.md section 5):
- the admin credential may do everything;
- each service's own credential may register, update, read and check that service only
  (`PUT /services/{name}`, `GET /services/{name}`, `POST /checks` for `name`), and the
  `apiKeyRef` it registers must name that service's own secret (`REGISTRY_API_KEY_REF_PATTERN`,
  a shell-style pattern with `{service}`; default `*/{service}/api-key*`, which Secrets Manager
  ARNs of `bff/<stage>/<service>/api-key` and the local stack's `local/<service>/api-key`
  match). Anything else is 403 FORBIDDEN, and nothing changes.

Service credentials come from `REGISTRY_SERVICE_TOKENS` (JSON map, local) or
`REGISTRY_SERVICE_TOKEN_SECRET_IDS` (JSON map of Secrets Manager ids, AWS), each read once per
process on first use. Why bearer tokens rather than IAM (SigV4) on the registry API: the same
check runs locally, in CI (`POST /checks` from a pipeline) and in AWS, and a stolen service
token reaches only that service's registration.
"""

from __future__ import annotations

import fnmatch
import hmac
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_API_KEY_REF_PATTERN = "*/{service}/api-key*"


class Forbidden(Exception):
    """A valid credential asked for something it may not do (answered 403)."""


@dataclass(frozen=True)
class Caller:
    """A verified caller: the admin, or the service whose credential was presented."""

    service: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.service is None

    def require_admin(self, action: str) -> None:
        if not self.is_admin:
            raise Forbidden(f"{action} needs the admin credential")

    def require_service(self, name: str, action: str) -> None:
        """Admins may act for any service; a service only for itself."""
        if not self.is_admin and self.service != name:
            raise Forbidden(
                f"the credential of service {self.service!r} may not {action} service {name!r}"
            )

    def require_own_api_key_ref(self, name: str, ref: str | None, pattern: str) -> None:
        if self.is_admin or ref is None:
            return
        if not fnmatch.fnmatchcase(ref, pattern.replace("{service}", name)):
            raise Forbidden(f"apiKeyRef must name the secret of service {name!r} ({pattern})")


def _json_map(name: str, raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    document = json.loads(raw)
    if not isinstance(document, dict) or not all(isinstance(v, str) for v in document.values()):
        raise ValueError(f"{name} must be a JSON object of strings")
    return document


class ServiceTokens:
    """The services' registry credentials, checked in constant time against every one."""

    def __init__(
        self,
        tokens: Mapping[str, str] | None = None,
        secret_ids: Mapping[str, str] | None = None,
        *,
        secrets_client: Any | None = None,
    ) -> None:
        self._tokens = {name: token.encode() for name, token in (tokens or {}).items()}
        self._secret_ids = dict(secret_ids or {})
        self._secrets_client = secrets_client
        self._loaded = not self._secret_ids
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ServiceTokens:
        env = os.environ if environ is None else environ
        return cls(
            _json_map("REGISTRY_SERVICE_TOKENS", env.get("REGISTRY_SERVICE_TOKENS")),
            _json_map(
                "REGISTRY_SERVICE_TOKEN_SECRET_IDS", env.get("REGISTRY_SERVICE_TOKEN_SECRET_IDS")
            ),
        )

    def service_of(self, presented: str) -> str | None:
        """The service whose credential `presented` is, or None."""
        self._load()
        found = None
        candidate = presented.encode()
        for name, token in self._tokens.items():
            if hmac.compare_digest(candidate, token):
                found = name
        return found

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            client = self._secrets_client
            if client is None:
                import boto3

                client = boto3.client("secretsmanager")
            for name, secret_id in self._secret_ids.items():
                value = client.get_secret_value(SecretId=secret_id)["SecretString"]
                self._tokens[name] = value.strip().encode()
            self._loaded = True
