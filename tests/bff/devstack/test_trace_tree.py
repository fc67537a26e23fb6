"""`render_trace`: a trace as the tree `bff trace` prints (fixtures/trace: spans.json, tree.txt)."""

from __future__ import annotations

import json
from pathlib import Path

from bff.devstack.trace_store import Span
from bff.devstack.trace_tree import render_trace

FIXTURES = Path(__file__).parent / "fixtures" / "trace"


def test_each_span_is_under_its_parent_siblings_in_start_order_orphans_as_roots() -> None:
    spans = [
        Span.from_json(span) for span in json.loads((FIXTURES / "spans.json").read_text())["spans"]
    ]
    assert render_trace(spans) == (FIXTURES / "tree.txt").read_text().rstrip("\n")


def test_no_spans_render_as_nothing() -> None:
    assert render_trace([]) == ""
