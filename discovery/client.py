"""RegistryClient: a small synchronous client of the registry HTTP API (CLI, self-registration).

Standard library only (urllib), so it runs anywhere a service starts, including a
CloudFormation custom resource, without extra packages.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class RegistryUnreachable(Exception):
    """No HTTP answer: connection refused, DNS failure, timeout."""


class RegistryRequestFailed(Exception):
    """The registry answered with an error status; `errors` is its `{"errors": [...]}` list."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        summary = "; ".join(str(error.get("message", error)) for error in errors[:5])
        super().__init__(f"registry answered {status}: {summary or 'no details'}")
        self.status = status
        self.errors = errors

    @property
    def retriable(self) -> bool:
        return self.status >= 500 or self.status == 429


@dataclass(frozen=True)
class RegistryResponse:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class RegistryClient:
    base_url: str
    token: str | None
    timeout: float = 10.0

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> RegistryResponse:
        """One call; raises RegistryUnreachable or RegistryRequestFailed (status >= 400)."""
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base_url.rstrip("/") + path, data=data, method=method, headers=all_headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return RegistryResponse(
                    response.status, dict(response.headers.items()), _json(response.read())
                )
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return RegistryResponse(304, dict(error.headers.items()), None)
            payload = _json(error.read())
            errors = payload.get("errors") if isinstance(payload, dict) else None
            raise RegistryRequestFailed(
                error.code, errors or [{"message": error.reason or "no details"}]
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise RegistryUnreachable(f"{self.base_url} is unreachable: {reason}") from None

    def list_services(self) -> dict[str, Any]:
        return self.request("GET", "/services").body

    def get_service(self, name: str) -> dict[str, Any]:
        return self.request("GET", f"/services/{name}").body

    def register(
        self,
        name: str,
        url: str,
        sdl: str,
        *,
        api_key_ref: str | None = None,
        force: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"url": url, "sdl": sdl}
        if api_key_ref is not None:
            body["apiKeyRef"] = api_key_ref
        if force:
            body["force"] = True
        return self.request("PUT", f"/services/{name}", body).body

    def remove(self, name: str) -> dict[str, Any]:
        return self.request("DELETE", f"/services/{name}").body

    def check(
        self, name: str, url: str, sdl: str, *, window_days: int = 30, strict: bool = False
    ) -> dict[str, Any]:
        body = {"name": name, "url": url, "sdl": sdl, "windowDays": window_days, "strict": strict}
        return self.request("POST", "/checks", body).body

    def usage(self, query: str = "") -> dict[str, Any]:
        return self.request("GET", f"/usage{query}").body

    def coordinate_usage(self, coordinate: str, query: str = "") -> dict[str, Any]:
        return self.request("GET", f"/usage/coordinates/{coordinate}{query}").body

    def rollback(self, version: int) -> dict[str, Any]:
        return self.request("POST", "/supergraph/rollback", {"version": version}).body

    def supergraph(self) -> dict[str, Any]:
        return self.request("GET", "/supergraph").body

    def versions(self) -> dict[str, Any]:
        return self.request("GET", "/supergraph/versions").body

    def list_clients(self) -> dict[str, Any]:
        return self.request("GET", "/clients").body

    def get_client(self, name: str) -> dict[str, Any]:
        return self.request("GET", f"/clients/{name}").body

    def put_client(self, name: str, policy: str, contract: dict[str, Any]) -> dict[str, Any]:
        return self.request(
            "PUT", f"/clients/{name}", {"policy": policy, "contract": contract}
        ).body

    def remove_client(self, name: str) -> dict[str, Any]:
        return self.request("DELETE", f"/clients/{name}").body

    def publish_documents(self, name: str, manifest: Any) -> dict[str, Any]:
        return self.request("PUT", f"/clients/{name}/documents", manifest).body

    def documents(self, name: str) -> list[dict[str, Any]]:
        return self.request("GET", f"/clients/{name}/documents").body


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"errors": [{"message": raw[:200].decode(errors="replace")}]}
