"""A subgraph reads the caller's W3C `traceparent`: resolvers and log lines get its trace id."""

from __future__ import annotations

import pytest

from services.toolkit.trace_context import trace_id_of
from tests.services.toolkit.conftest import CURRENT_KEY
from tests.services.toolkit.transports import Transport, graphql

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def test_resolvers_and_log_lines_get_the_callers_trace_id(sample: Transport) -> None:
    reply = graphql(
        sample,
        "{ traceId loggedTraceId }",
        api_key=CURRENT_KEY,
        headers={"traceparent": TRACEPARENT},
    )
    assert reply.json() == {"data": {"traceId": TRACE_ID, "loggedTraceId": TRACE_ID}}


def test_without_a_traceparent_there_is_no_trace_id_and_none_left_over(sample: Transport) -> None:
    graphql(sample, "{ traceId }", api_key=CURRENT_KEY, headers={"traceparent": TRACEPARENT})
    reply = graphql(sample, "{ traceId loggedTraceId }", api_key=CURRENT_KEY)
    assert reply.json() == {"data": {"traceId": None, "loggedTraceId": None}}


@pytest.mark.parametrize(
    "header",
    [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # no flags
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # invalid version
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E473-00f067aa0ba902b7-01",  # 31 digits
    ],
)
def test_a_malformed_traceparent_is_ignored(header: str) -> None:
    assert trace_id_of(header) is None


def test_a_well_formed_traceparent_gives_its_trace_id() -> None:
    assert trace_id_of(TRACEPARENT) == TRACE_ID
    assert trace_id_of(TRACEPARENT.upper()) == TRACE_ID
