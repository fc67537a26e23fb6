"""The BFF's Lambda entry point (`bff.handler.handler`): mangum around the ASGI app.

Everything is built once per process, at import (Lambda's init phase, which runs with a full
CPU): settings, the gateway with its subgraph transport, the app, and ONE event loop. mangum
0.22 runs each invocation with `asyncio.get_event_loop().run_until_complete(...)`, so keeping
our loop set (never closed, no `asyncio.run`) keeps the transport's connection pool and its
keep-alive connections to the subgraphs alive across warm invocations
(see `bff/execution/transport.py`).

The cold path stays lean (tests/bff/test_handler.py): the registry is read by a query-only
DynamoDB client (`bff.registry_table.dynamodb_query`), not botocore's ~250 ms client; subgraphs
are called through `bff.execution.connection_pool`, not aiohttp (~70 ms of imports); the loop
is asyncio's own (uvloop measured no cheaper per warm invocation and costs an import).

Each GraphQL request's outcome (`bff.http.app.Outcome`) becomes a CloudWatch metric (Powertools
EMF: one log line per invocation, no API call), with the cold start.

Under SnapStart (bff.yaml), copies restored from the snapshot reseed `random`, drop the
subgraph connections pooled before the snapshot and re-read (in the background) the secrets
init read (`bff.snapstart`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from bff.config import settings
from bff.gc_tuning import tune_garbage_collector
from bff.http.app import create_app
from bff.http.lambda_adapter import build_handler
from bff.observability.request_log import log_and_measure
from bff.snapstart import register_restore_hooks

logger = Logger(service="bff")
metrics = Metrics(namespace="BFF", service="bff")


def count_outcome(outcome: str) -> None:
    metrics.add_metric(name=f"GraphQL{outcome}", unit=MetricUnit.Count, value=1)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)

config = settings()
app = create_app(config)
app.observe = count_outcome
app.record_request = log_and_measure
register_restore_hooks(
    lambda: loop.run_until_complete(app.gateway.transport.close()), app.gateway.secrets.expire
)
serve = build_handler(app, base_path=config.api_base_path)


def answer_then_flush_usage(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The invocation, then (in its tail, before Lambda freezes the process) the usage counts
    once they waited USAGE_FLUSH_SECONDS (bff/usage/recorder.py)."""
    try:
        return serve(event, context)
    finally:
        app.gateway.usage.flush_if_due()


handler = metrics.log_metrics(capture_cold_start_metric=True)(
    logger.inject_lambda_context(answer_then_flush_usage)
)
tune_garbage_collector(collect_first=False)
