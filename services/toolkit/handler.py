"""`create_handler`: the Lambda entry point around a subgraph's ASGI app (mangum).

The app is built once per process (cold start) and reused by warm invocations. Lifespan is
off: the app holds no per-process state that needs startup/shutdown events.

Under SnapStart (the services' templates), every copy restored from the snapshot reseeds
`random`, which would otherwise draw the same numbers in all of them. boto3's pooled
connections need nothing: urllib3 drops a connection found closed and opens a new one.

`TRACING_EXPORTER` (otlp in AWS when the template's TracingLayerArn is set; the ADOT layer's
collector forwards to X-Ray) turns the subgraph's spans on, as `bff serve-service` does
locally: each request is a `subgraph.request` span under the BFF's fetch (its traceparent).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum
from starlette.types import ASGIApp

from bff.observability.tracing import configure_tracing
from services.toolkit.observability import service_logger

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def create_handler(app: ASGIApp, service_name: str | None = None) -> LambdaHandler:
    """A Lambda handler for API Gateway REST (v1) and HTTP API (v2) proxy events.

    `service_name` names the Powertools logger (default: POWERTOOLS_SERVICE_NAME).
    """
    _reseed_after_restore()
    configure_tracing(os.environ.get("TRACING_EXPORTER", "off"), service_name=service_name)
    adapter = Mangum(app, lifespan="off")
    logger = service_logger(service_name)

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return adapter(event, context)  # type: ignore[arg-type]

    return handler


def _reseed_after_restore() -> None:
    # `snapshot_restore_py` exists only in Lambda's Python 3.12+ runtimes.
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return
    register_after_restore(random.seed)
