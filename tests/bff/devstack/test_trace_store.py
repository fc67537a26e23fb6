"""The local trace store over HTTP (`python -m bff.devstack.trace_store`, as `bff dev` runs it):
spans the OpenTelemetry SDK exports over OTLP/HTTP (protobuf), or OTLP/JSON from other SDKs,
read back by trace; every refusal; and `bff trace` against it."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

from bff.cli import main
from bff.devstack.moto_server import free_port, wait_for_port
from bff.devstack.trace_store import Span, TraceStore
from bff.observability.tracing import (
    configure_tracing,
    fetch_span,
    server_span,
    shutdown_tracing,
    stage_span,
)

FIXTURES = Path(__file__).parent / "fixtures" / "trace"
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def store_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bff.devstack.trace_store", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post(url: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"content-type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def export_a_request(store_url: str, trace_id: str) -> None:
    """A request as the BFF traces it, exported by the SDK's own OTLP/HTTP exporter."""
    exporter = OTLPSpanExporter(endpoint=f"{store_url}/v1/traces")
    # "console" picks the synchronous processor: each span is sent as it ends.
    configure_tracing("console", span_exporter=exporter, service_name="bff")
    try:
        with server_span("graphql.request", {"traceparent": f"00-{trace_id}-{CALLER_SPAN}-01"}):
            with stage_span("graphql.plan"):
                pass
            with fetch_span("students", {}):
                pass
    finally:
        shutdown_tracing()


def test_spans_the_sdk_exports_come_back_by_trace_with_their_parents(store_url: str) -> None:
    export_a_request(store_url, CALLER_TRACE)
    status, body = get(f"{store_url}/traces/{CALLER_TRACE}")
    assert status == 200 and body["traceId"] == CALLER_TRACE
    spans = {span["name"]: span for span in body["spans"]}
    assert set(spans) == {"graphql.request", "graphql.plan", "graphql.fetch"}
    request = spans["graphql.request"]
    assert (request["kind"], request["service"]) == ("server", "bff")
    assert request["parentSpanId"] == CALLER_SPAN
    assert spans["graphql.plan"]["parentSpanId"] == request["spanId"]
    fetch = spans["graphql.fetch"]
    assert fetch["parentSpanId"] == request["spanId"]
    assert (fetch["kind"], fetch["attributes"]) == ("client", {"graphql.subgraph": "students"})
    assert all(span["endTimeUnixNano"] >= span["startTimeUnixNano"] for span in body["spans"])
    # The most recent traces: this one, named by its root.
    status, listed = get(f"{store_url}/traces")
    assert status == 200
    assert {"traceId": CALLER_TRACE, "root": "graphql.request", "spans": 3} in listed["traces"]


def test_otlp_json_from_other_sdks_is_read_with_hex_ids_and_typed_attributes(
    store_url: str,
) -> None:
    status, _ = post(
        f"{store_url}/v1/traces", (FIXTURES / "otlp.json").read_bytes(), "application/json"
    )
    assert status == 200
    status, body = get(f"{store_url}/traces/5B8EFFF798038103D269B633813FC60C")
    assert status == 200
    execute, resolve = body["spans"]
    assert execute == {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "parentSpanId": "eee19b7ec3c1b173",
        "name": "graphql.execute",
        "service": "reviews",
        "kind": "server",
        "startTimeUnixNano": 1544712660000000000,
        "endTimeUnixNano": 1544712661000000000,
        "attributes": {
            "graphql.operation.name": "Reviews",
            "retries": 2,
            "cached": False,
            "fields": ["a", "b"],
        },
        "status": "error",
        "statusMessage": "boom",
    }
    assert (resolve["kind"], resolve["parentSpanId"]) == ("internal", execute["spanId"])


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"spans", "text/plain", 415),
        (b"\x0a\x05abc", "application/x-protobuf", 400),  # truncated protobuf
        (b"{not json", "application/json", 400),
        (b"[]", "application/json", 400),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "x"}]}]}]}',
            "application/json",
            400,
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz", "spanId": "01", '
            b'"name": "x", "startTimeUnixNano": "1", "endTimeUnixNano": "2"}]}]}]}',
            "application/json",
            400,
        ),
    ],
    ids=["not-otlp", "bad-protobuf", "bad-json", "not-an-object", "no-ids", "ids-not-hex"],
)
def test_what_is_not_an_otlp_trace_export_is_refused_and_nothing_stored(
    store_url: str, body: bytes, content_type: str, status: int
) -> None:
    _, before = get(f"{store_url}/traces")
    answered, reply = post(f"{store_url}/v1/traces", body, content_type)
    assert answered == status
    assert json.loads(reply)["error"]
    assert get(f"{store_url}/traces")[1] == before


def test_an_unknown_trace_is_404_with_a_message(store_url: str) -> None:
    status, body = get(f"{store_url}/traces/{'0' * 31}1")
    assert status == 404
    assert body == {"error": f"no trace {'0' * 31}1 in the local trace store"}


def test_the_store_keeps_the_most_recently_touched_traces() -> None:
    def span(trace_id: str) -> Span:
        return Span(trace_id, "01", None, "x", "bff", "internal", 0, 1)

    store = TraceStore(max_traces=2)
    store.add([span("a"), span("b")])
    store.add([span("a"), span("c")])  # a touched again: b is the oldest now
    assert store.trace("b") is None
    assert [trace_id for trace_id, _ in store.recent()] == ["c", "a"]
    assert len(store.trace("a") or []) == 2


def test_bff_trace_prints_the_tree_and_lists_recent_traces(store_url: str, capsys) -> None:
    trace_id = "5c3a0d2e8f7b6a4c1d9e0f1a2b3c4d5e"
    export_a_request(store_url, trace_id)
    assert main(["trace", "--url", store_url, trace_id.upper()]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"trace {trace_id}: 3 spans"
    assert printed[1].startswith("graphql.request  bff  +0.0 ms")
    assert printed[2].startswith("├─ graphql.plan  bff")
    assert printed[3].startswith("└─ graphql.fetch  bff") and "subgraph=students" in printed[3]
    assert main(["trace", "--url", store_url]) == 0
    assert f"{trace_id}  graphql.request  (3 spans)" in capsys.readouterr().out


def test_bff_trace_finds_the_store_from_the_stacks_description(
    store_url: str, tmp_path: Path, capsys
) -> None:
    export_a_request(store_url, "6d4b1e3f9a8c7b5d2e0f1a2b3c4d5e6f")
    (tmp_path / "stack.json").write_text(json.dumps({"tracesUrl": store_url}))
    assert main(["trace", "--dir", str(tmp_path), "6d4b1e3f9a8c7b5d2e0f1a2b3c4d5e6f"]) == 0
    assert "graphql.fetch" in capsys.readouterr().out


def test_bff_trace_of_an_unknown_trace_says_where_to_find_ids(store_url: str, capsys) -> None:
    assert main(["trace", "--url", store_url, "--wait", "0", "a" * 32]) == 1
    error = capsys.readouterr().err
    assert f"no trace {'a' * 32} in the local trace store at {store_url}" in error
    assert "`trace=`" in error and "Traceback" not in error


def test_bff_trace_refuses_what_is_not_a_trace_id(capsys) -> None:
    assert main(["trace", "--url", "http://127.0.0.1:1", "not-a-trace"]) == 2
    assert "'not-a-trace' is not a trace id (32 hex digits)" in capsys.readouterr().err


def test_bff_trace_without_a_running_stack_says_how_to_start_one(tmp_path: Path, capsys) -> None:
    assert main(["trace", "--dir", str(tmp_path), "a" * 32]) == 1
    error = capsys.readouterr().err
    assert f"no running local stack described in {tmp_path / 'stack.json'}" in error
    assert "make dev" in error


def test_bff_trace_when_the_store_does_not_answer_names_it(capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["trace", "--url", url, "a" * 32]) == 1
    error = capsys.readouterr().err
    assert f"the local trace store does not answer at {url}/traces/{'a' * 32}" in error
    assert "is `bff dev` running?" in error
