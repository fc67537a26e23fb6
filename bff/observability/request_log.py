"""A request's record as one structured log line, and as CloudWatch metrics per subgraph.

The log line (Powertools' JSON logger, the same in Lambda and under `bff serve`) carries the
operation's name and hash, the client, the HTTP status and outcome, the latency, each subgraph
call's latency and the trace id; its fields never reuse a key Powertools writes (`service`,
`level`, `message`, `timestamp`, `location`, `xray_trace_id`...).

Per subgraph, `SubgraphLatency` (ms, every call), `SubgraphErrors` and `SubgraphBreakerOpen`
(calls refused while its circuit breaker was open) go out as EMF: one log line per subgraph and
request, dimension `subgraph`, no CloudWatch API call (Lambda only; see bff/handler.py).
"""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from bff.observability.request_record import RequestRecord

logger = Logger(service="bff", child=True)

METRICS_NAMESPACE = "BFF"


def log_request(record: RequestRecord) -> None:
    """The request's one log line: INFO when answered, WARNING when the server failed."""
    failed = record.status >= 500 or record.outcome == "InternalError"
    # Checked first: with the level off, Powertools' call alone costs more than the line's fields.
    if logger.isEnabledFor(logging.WARNING if failed else logging.INFO):
        level = logger.warning if failed else logger.info
        level("graphql request", extra=record.as_log_fields())


def emit_subgraph_metrics(record: RequestRecord, namespace: str = METRICS_NAMESPACE) -> None:
    """One EMF document per subgraph the request called (nothing when it called none)."""
    by_subgraph: dict[str, list] = {}
    for call in record.subgraph_calls:
        by_subgraph.setdefault(call.subgraph, []).append(call)
    for subgraph, calls in by_subgraph.items():
        metrics = EphemeralMetrics(namespace=namespace, service="bff")
        metrics.add_dimension(name="subgraph", value=subgraph)
        for call in calls:
            metrics.add_metric(
                name="SubgraphLatency", unit=MetricUnit.Milliseconds, value=call.milliseconds
            )
        failed = sum(not call.ok for call in calls)
        metrics.add_metric(name="SubgraphErrors", unit=MetricUnit.Count, value=failed)
        refused = sum(call.breaker_open for call in calls)
        metrics.add_metric(name="SubgraphBreakerOpen", unit=MetricUnit.Count, value=refused)
        metrics.flush_metrics()


def log_and_measure(record: RequestRecord) -> None:
    """What the Lambda handler reports of each request."""
    log_request(record)
    emit_subgraph_metrics(record)
