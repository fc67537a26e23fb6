"""Self-registration: a service tells the registry its URL and SDL (at start-up or on deploy).

`register_service` fetches the service's own SDL (`{ _service { sdl } }`, with its X-API-Key)
unless given, then `PUT /services/{name}`. Both steps retry with exponential backoff while the
other side is not up yet (connection refused, timeouts, 5xx); a 4xx is final: a 422 raises
`RegistrationRejected` carrying the composition errors, a 409 `BreakingChangeRejected` carrying
what the change would break (registering with `force` publishes it anyway), other 4xx
`RegistrationFailed`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from discovery.client import RegistryClient, RegistryRequestFailed, RegistryUnreachable

SDL_QUERY = "query ServiceSDL { _service { sdl } }"
T = TypeVar("T")


class RegistrationFailed(Exception):
    """Registration did not happen; the message says why (never a secret)."""


class RegistrationRejected(RegistrationFailed):
    """The registry refused the SDL because the graph would not compose (HTTP 422)."""

    def __init__(self, name: str, errors: list[dict[str, Any]]) -> None:
        lines = [f"the registry refused {name}: the graph would not compose"]
        for error in errors:
            where = error.get("service", "")
            for location in error.get("locations") or ():
                where += f":{location['line']}:{location['column']}"
            lines.append(
                f"  [{error.get('code')}] {error.get('message')}" + (f" ({where})" if where else "")
            )
        super().__init__("\n".join(lines))
        self.errors = errors


class BreakingChangeRejected(RegistrationFailed):
    """The registry refused the SDL because it would break client queries (HTTP 409)."""

    def __init__(self, name: str, errors: list[dict[str, Any]]) -> None:
        changes = [error for error in errors if error.get("coordinate")]
        lines = [f"the registry refused {name}: it would break client queries (force to publish)"]
        lines += [f"  [{c.get('code')}] {c.get('message')}" for c in changes]
        super().__init__("\n".join(lines))
        self.changes = changes


class _Retry(Exception):
    """A transient failure worth another attempt."""


@dataclass(frozen=True, slots=True)
class RegistrationResult:
    name: str
    version: int
    supergraph_version: int
    changed: bool
    # What the change breaks for clients: empty unless registered with force.
    breaking_changes: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: `attempts` tries, waiting base, 2*base, 4*base ... up to `maximum`."""

    attempts: int = 8
    base: float = 0.25
    maximum: float = 8.0

    def run(self, attempt: Callable[[], T], sleep: Callable[[float], None]) -> T:
        last: _Retry | None = None
        for number in range(self.attempts):
            if number:
                sleep(min(self.maximum, self.base * 2 ** (number - 1)))
            try:
                return attempt()
            except _Retry as transient:
                last = transient
        raise RegistrationFailed(f"gave up after {self.attempts} attempts: {last}")


def fetch_service_sdl(url: str, api_key: str | None = None, *, timeout: float = 10.0) -> str:
    """One `_service { sdl }` query; raises _Retry for transient failures."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key:
        headers["X-API-Key"] = api_key
    body = json.dumps({"query": SDL_QUERY}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code >= 500:
            raise _Retry(f"{url} answered {error.code}") from None
        raise RegistrationFailed(f"{url} refused the SDL query with HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise _Retry(f"{url} is unreachable: {getattr(error, 'reason', error)}") from None
    except ValueError:
        raise RegistrationFailed(f"{url} did not answer JSON to the SDL query") from None
    sdl = ((payload.get("data") or {}).get("_service") or {}).get("sdl")
    if not isinstance(sdl, str) or not sdl.strip():
        messages = [e.get("message") for e in payload.get("errors") or []]
        raise RegistrationFailed(f"{url} returned no SDL for {{ _service {{ sdl }} }}: {messages}")
    return sdl


def register_service(
    registry_url: str,
    token: str,
    name: str,
    url: str,
    *,
    sdl: str | None = None,
    api_key: str | None = None,
    api_key_ref: str | None = None,
    backoff: Backoff = Backoff(),
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 10.0,
    force: bool = False,
) -> RegistrationResult:
    """Register `name` at `url` with the registry, waiting (with backoff) for both to be up.

    `token` is the service's own registry credential (or the admin's); `api_key` is the
    service's own key, used only to read its SDL; `api_key_ref` is what the registry stores so
    the gateway can find that key (e.g. a Secrets Manager id; a service credential may only
    name its own).
    """
    if sdl is None:

        def fetch() -> str:
            return fetch_service_sdl(url, api_key, timeout=timeout)

        sdl = backoff.run(fetch, sleep)
    client = RegistryClient(registry_url, token, timeout=timeout)
    schema = sdl

    def put() -> dict[str, Any]:
        try:
            return client.register(name, url, schema, api_key_ref=api_key_ref, force=force)
        except RegistryUnreachable as error:
            raise _Retry(str(error)) from None
        except RegistryRequestFailed as error:
            if error.retriable:
                raise _Retry(str(error)) from None
            if error.status == 422:
                raise RegistrationRejected(name, error.errors) from None
            if error.status == 409:
                raise BreakingChangeRejected(name, error.errors) from None
            raise RegistrationFailed(f"registering {name}: {error}") from None

    answer = backoff.run(put, sleep)
    return RegistrationResult(
        name=answer["name"],
        version=answer["version"],
        supergraph_version=answer["supergraphVersion"],
        changed=answer.get("changed", True),
        breaking_changes=tuple(answer.get("breakingChanges") or ()),
    )
