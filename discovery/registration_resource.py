"""The CloudFormation custom resource that registers a service with the registry on deploy.

Create and Update fetch the subgraph's SDL from the deployed service (with its API key) and
`PUT /services/{name}` it to the registry, which composes the whole graph and publishes a new
supergraph version, or refuses with 422 (the deploy then fails with the composition errors as
its reason). It uses the service's own registry credential (`RegistryTokenSecretId`), which
may register and update this service only, so no service stack holds the admin token and none
can re-point or remove another service. Removing a service needs the admin credential: Delete
leaves the registration in place (logged; an admin runs `bff services remove NAME`), and the
gateway answers that service's fields with SUBGRAPH_UNAVAILABLE until then.

Only the standard library and boto3 (which the Lambda runtime provides) are used: the function's
package is this module with `discovery.registration` and `discovery.client`, the same
registration path services use locally. Every outcome, including unexpected errors, is reported to
CloudFormation through the pre-signed `ResponseURL`, so a stack never hangs waiting; reasons
name what failed and never contain a secret.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from discovery.registration import Backoff, RegistrationFailed, register_service

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

HTTP_TIMEOUT_SECONDS = 10.0
# Time kept back from the Lambda deadline so the response to CloudFormation always goes out.
RESPONSE_RESERVE_MS = 5000
MAX_REASON_CHARS = 3000
NOT_REGISTERED = "not-registered"

SecretReader = Callable[[str], str]


@dataclass(frozen=True)
class RegistrationProperties:
    """The custom resource's `ResourceProperties` (see infra/*/service.yaml)."""

    service_name: str
    service_url: str
    registry_url: str
    registry_token_secret_id: str
    api_key_secret_id: str
    # `Force: "true"` publishes a change that breaks client queries; otherwise the deploy fails
    # with the breaking changes as its reason.
    force: bool = False

    @classmethod
    def from_event(cls, properties: Mapping[str, Any]) -> RegistrationProperties:
        names = {
            "service_name": "ServiceName",
            "service_url": "ServiceUrl",
            "registry_url": "RegistryUrl",
            "registry_token_secret_id": "RegistryTokenSecretId",
            "api_key_secret_id": "ApiKeySecretId",
        }
        missing = [prop for prop in names.values() if not str(properties.get(prop) or "").strip()]
        if missing:
            raise RegistrationFailed(f"missing resource properties: {', '.join(missing)}")
        values = {field: str(properties[prop]).strip() for field, prop in names.items()}
        values["registry_url"] = values["registry_url"].rstrip("/")
        force = str(properties.get("Force") or "false").strip().lower() == "true"
        return cls(**values, force=force)

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
        if request_type in ("Create", "Update"):
            registry_token = read_secret(properties.registry_token_secret_id)
            secrets.append(registry_token)
            api_key = _first_key(read_secret(properties.api_key_secret_id))
            secrets.append(api_key)
            data = register(properties, registry_token, api_key, deadline)
            physical_id = properties.physical_id
        elif request_type == "Delete":
            data = {}
            logger.warning(
                "service %s stays registered: removing it needs the registry admin credential "
                "(bff services remove %s)",
                properties.service_name,
                properties.service_name,
            )
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


def register(
    properties: RegistrationProperties, registry_token: str, api_key: str, deadline: float
) -> dict[str, Any]:
    """Read the service's SDL with its key and `PUT` it to the registry, as a service does.

    Retries (a fresh API Gateway stage or key can take a moment) are bounded by the deadline.
    A refused composition (422) raises `RegistrationRejected` with the errors, a refused
    breaking change (409) `BreakingChangeRejected` with the changes: the reason. The answer's
    Data reports the check: how many breaking changes were published (with `Force`), and which.
    """
    result = register_service(
        properties.registry_url,
        registry_token,
        properties.service_name,
        properties.service_url,
        api_key=api_key,
        api_key_ref=properties.api_key_secret_id,
        backoff=_backoff_within(deadline),
        timeout=HTTP_TIMEOUT_SECONDS,
        force=properties.force,
    )
    breaking = result.breaking_changes
    return {
        "version": result.version,
        "supergraphVersion": result.supergraph_version,
        "breakingChanges": len(breaking),
        "breakingChangeCoordinates": ",".join(change["coordinate"] for change in breaking),
    }


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


def _backoff_within(deadline: float) -> Backoff:
    """As many attempts (waits doubling from 0.5 s) as fit in half the time left: reading the
    SDL and the PUT each retry with it, and the response to CloudFormation must still go out."""
    budget = (deadline - time.monotonic()) / 2
    base, waited, attempts = 0.5, 0.0, 1
    while attempts < 10:
        pause = min(8.0, base * 2 ** (attempts - 1))
        # Each attempt may itself take up to the HTTP timeout.
        if waited + pause + HTTP_TIMEOUT_SECONDS > budget:
            break
        waited += pause
        attempts += 1
    return Backoff(attempts=attempts, base=base, maximum=8.0)


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
