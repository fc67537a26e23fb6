"""The CloudFormation custom resource that registers a service with the registry on deploy.

Create and Update fetch the subgraph's SDL from the deployed service (with its API key) and
`PUT /services/{name}` it to the registry, which composes the whole graph and publishes a new
supergraph version, or refuses with 422 (the deploy then fails with the composition errors as
its reason). Delete removes the service; a service the registry does not know counts as removed.

Only the standard library and boto3 (which the Lambda runtime provides) are used, so the
function's package is two files. Every outcome, including unexpected errors, is reported to
CloudFormation through the pre-signed `ResponseURL`, so a stack never hangs waiting; reasons
name what failed and never contain a secret.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

SDL_QUERY = "query SubgraphSchema { _service { sdl } }"
HTTP_TIMEOUT_SECONDS = 10.0
# A fresh API Gateway stage or key can take a little while to accept requests.
FETCH_ATTEMPTS = 6
RETRY_BASE_SECONDS = 1.0
# Time kept back from the Lambda deadline so the response to CloudFormation always goes out.
RESPONSE_RESERVE_MS = 5000
MAX_REASON_CHARS = 3000
NOT_REGISTERED = "not-registered"

SecretReader = Callable[[str], str]


class RegistrationFailed(Exception):
    """The operation did not succeed; the message is the CloudFormation `Reason`."""


@dataclass(frozen=True)
class RegistrationProperties:
    """The custom resource's `ResourceProperties` (see infra/*/service.yaml)."""

    service_name: str
    service_url: str
    registry_url: str
    admin_token_secret_id: str
    api_key_secret_id: str

    @classmethod
    def from_event(cls, properties: Mapping[str, Any]) -> RegistrationProperties:
        names = {
            "service_name": "ServiceName",
            "service_url": "ServiceUrl",
            "registry_url": "RegistryUrl",
            "admin_token_secret_id": "AdminTokenSecretId",
            "api_key_secret_id": "ApiKeySecretId",
        }
        missing = [prop for prop in names.values() if not str(properties.get(prop) or "").strip()]
        if missing:
            raise RegistrationFailed(f"missing resource properties: {', '.join(missing)}")
        values = {field: str(properties[prop]).strip() for field, prop in names.items()}
        values["registry_url"] = values["registry_url"].rstrip("/")
        return cls(**values)

    @property
    def physical_id(self) -> str:
        # A new name or registry makes a new physical id: CloudFormation then deletes the old one.
        return f"{self.service_name}@{self.registry_url}"


def handler(event: Mapping[str, Any], context: Any) -> None:
    """Lambda entry point (`ServiceToken` of `Custom::ServiceRegistration`)."""
    handle_event(event, context, read_secret=_secrets_manager_reader())


def handle_event(event: Mapping[str, Any], context: Any, *, read_secret: SecretReader) -> None:
    """Run the requested operation and report SUCCESS or FAILED to CloudFormation."""
    request_type = event.get("RequestType")
    previous_id = event.get("PhysicalResourceId")
    physical_id = previous_id or NOT_REGISTERED
    secrets: list[str] = []
    if request_type == "Delete" and physical_id == NOT_REGISTERED:
        # Its Create failed, so it was never registered: nothing to remove, nothing to check
        # (a failure here would leave the stack stuck in rollback).
        send_response(event, "SUCCESS", physical_id)
        return
    try:
        properties = RegistrationProperties.from_event(event.get("ResourceProperties") or {})
        deadline = _deadline(context)
        admin_token = read_secret(properties.admin_token_secret_id)
        secrets.append(admin_token)
        if request_type in ("Create", "Update"):
            api_key = _first_key(read_secret(properties.api_key_secret_id))
            secrets.append(api_key)
            sdl = fetch_sdl(properties.service_url, api_key, deadline)
            data = register(properties, admin_token, sdl)
            physical_id = properties.physical_id
        elif request_type == "Delete":
            data = {}
            deregister(properties, admin_token)
        else:
            raise RegistrationFailed(f"unknown request type {request_type!r}")
    except RegistrationFailed as failure:
        send_response(event, "FAILED", physical_id, reason=_scrub(str(failure), secrets))
        return
    except Exception as error:
        # The type and a scrubbed message only: boto3 and urllib errors carry no secret values.
        logger.exception("service registration failed unexpectedly")
        reason = f"registration failed: {type(error).__name__}: {error}"
        send_response(event, "FAILED", physical_id, reason=_scrub(reason, secrets))
        return
    send_response(event, "SUCCESS", physical_id, data=data)


def fetch_sdl(service_url: str, api_key: str, deadline: float) -> str:
    """The subgraph's SDL from `_service { sdl }`, retrying while the new API settles."""
    body = json.dumps({"query": SDL_QUERY}).encode()
    last_problem = "no attempt made"
    for attempt in range(FETCH_ATTEMPTS):
        status, payload = _request(
            "POST",
            service_url,
            body,
            {"content-type": "application/json", "x-api-key": api_key},
        )
        if status == 200 and isinstance(payload, dict):
            sdl = ((payload.get("data") or {}).get("_service") or {}).get("sdl")
            if isinstance(sdl, str) and sdl.strip():
                return sdl
            last_problem = "its answer to `_service { sdl }` holds no SDL"
            break
        last_problem = f"it answered HTTP {status}"
        if status not in (0, 403, 429) and status < 500:
            break
        pause = RETRY_BASE_SECONDS * 2**attempt
        if time.monotonic() + pause > deadline:
            break
        time.sleep(pause)
    raise RegistrationFailed(f"could not read the schema of {service_url}: {last_problem}")


def register(properties: RegistrationProperties, admin_token: str, sdl: str) -> dict[str, Any]:
    """`PUT /services/{name}`; a refused composition becomes the failure reason."""
    url = f"{properties.registry_url}/services/{urllib.parse.quote(properties.service_name)}"
    body = json.dumps(
        {
            "url": properties.service_url,
            "sdl": sdl,
            "apiKeyRef": properties.api_key_secret_id,
        }
    ).encode()
    status, payload = _request("PUT", url, body, _admin_headers(admin_token))
    if status == 200 and isinstance(payload, dict):
        return {
            key: payload[key] for key in ("name", "version", "supergraphVersion") if key in payload
        }
    if status == 422:
        raise RegistrationFailed(
            f"the registry refused {properties.service_name}: {_error_summary(payload)}"
        )
    raise RegistrationFailed(
        f"the registry answered HTTP {status} to registering {properties.service_name}"
        + (f": {_error_summary(payload)}" if payload else "")
    )


def deregister(properties: RegistrationProperties, admin_token: str) -> None:
    """`DELETE /services/{name}`; 404 means it is already gone, which is what Delete wants."""
    url = f"{properties.registry_url}/services/{urllib.parse.quote(properties.service_name)}"
    status, payload = _request("DELETE", url, None, _admin_headers(admin_token))
    if status in (200, 202, 204, 404):
        return
    raise RegistrationFailed(
        f"the registry answered HTTP {status} to removing {properties.service_name}"
        + (f": {_error_summary(payload)}" if payload else "")
    )


def send_response(
    event: Mapping[str, Any],
    status: str,
    physical_id: str,
    *,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> None:
    """PUT the result to the pre-signed S3 `ResponseURL` CloudFormation waits on."""
    if status == "FAILED":
        logger.error("registration %s: %s", status, reason)
    document = {
        "Status": status,
        "Reason": (reason or f"see the {status} log")[:MAX_REASON_CHARS],
        "PhysicalResourceId": physical_id,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
        "Data": dict(data or {}),
    }
    body = json.dumps(document).encode()
    # The pre-signed URL was signed without a content type: sending one would break the signature.
    request = urllib.request.Request(
        str(event["ResponseURL"]),
        data=body,
        method="PUT",
        headers={"content-type": "", "content-length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        response.read()


def _request(
    method: str, url: str, body: bytes | None, headers: Mapping[str, str]
) -> tuple[int, Any]:
    """Status and decoded JSON body (None if not JSON); status 0 when nothing answered."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return response.status, _json_or_none(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json_or_none(error.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return 0, None


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _error_summary(payload: Any) -> str:
    """The registry's `{errors: [{code, message}]}` as one line."""
    if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
        parts = []
        for error in payload["errors"]:
            if isinstance(error, dict):
                code = error.get("code")
                message = str(error.get("message", "")).strip()
                parts.append(f"[{code}] {message}" if code else message)
        if parts:
            return "; ".join(parts)
    detail = payload.get("detail") if isinstance(payload, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        # Request validation errors: `[{loc, msg, type}, ...]`.
        return "; ".join(str(item.get("msg", item)) for item in detail if isinstance(item, dict))
    return "no details given"


def _admin_headers(admin_token: str) -> dict[str, str]:
    return {"content-type": "application/json", "authorization": f"Bearer {admin_token}"}


def _first_key(secret_value: str) -> str:
    """A subgraph key secret holds one key, or several (JSON list / comma list) during rotation."""
    text = secret_value.strip()
    if text.startswith("["):
        keys = [str(key).strip() for key in json.loads(text)]
    else:
        keys = [key.strip() for key in text.split(",")]
    keys = [key for key in keys if key]
    if not keys:
        raise RegistrationFailed("the service's API key secret is empty")
    return keys[0]


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _deadline(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget_ms = remaining() - RESPONSE_RESERVE_MS if callable(remaining) else 60_000
    return time.monotonic() + max(budget_ms, 0) / 1000


def _secrets_manager_reader() -> SecretReader:
    import boto3  # provided by the Lambda runtime; imported here to keep tests and cold start lean

    client = boto3.client("secretsmanager")

    def read(secret_id: str) -> str:
        try:
            value = client.get_secret_value(SecretId=secret_id)
        except Exception as error:
            raise RegistrationFailed(
                f"cannot read secret {secret_id}: {type(error).__name__}"
            ) from error
        return str(value.get("SecretString") or "")

    return read
