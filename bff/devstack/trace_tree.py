"""`render_trace(spans)`: one trace as the tree `bff trace` prints, each span under its parent.

A span whose parent is not in the trace (the caller's, or one not received) is a root. Children
are ordered by start time; each line shows when the span started (from the trace's first span),
how long it took, which process made it and what it was about:

    graphql.request  bff  +0.0 ms  41.2 ms
    ├─ graphql.parse_validate  bff  +0.3 ms  1.9 ms
    ├─ graphql.fetch  bff  +5.1 ms  12.0 ms  subgraph=students
    │  └─ subgraph.request  students  +6.0 ms  10.2 ms
"""

from __future__ import annotations

from collections.abc import Sequence

from bff.devstack.trace_store import Span

# Attributes worth a glance on the span's line (the rest are in GET /traces/{id}).
SHOWN_ATTRIBUTES = {
    "graphql.subgraph": "subgraph",
    "graphql.operation.name": "operation",
    "graphql.field.path": "path",
}


def render_trace(spans: Sequence[Span]) -> str:
    if not spans:
        return ""
    ids = {span.span_id for span in spans}
    children: dict[str | None, list[Span]] = {}
    for span in spans:
        parent = span.parent_span_id if span.parent_span_id in ids else None
        children.setdefault(parent, []).append(span)
    for siblings in children.values():
        siblings.sort(key=lambda span: (span.start_ns, span.name))
    origin = min(span.start_ns for span in spans)
    lines = [f"trace {spans[0].trace_id}: {len(spans)} spans"]

    def walk(span: Span, prefix: str, branch: str, continuation: str) -> None:
        lines.append(f"{prefix}{branch}{_describe(span, origin)}")
        below = children.get(span.span_id, [])
        for index, child in enumerate(below):
            last = index == len(below) - 1
            walk(child, prefix + continuation, "└─ " if last else "├─ ", "   " if last else "│  ")

    for root in children.get(None, []):
        walk(root, "", "", "")
    return "\n".join(lines)


def _describe(span: Span, origin: int) -> str:
    parts = [
        span.name,
        span.service,
        f"+{(span.start_ns - origin) / 1e6:.1f} ms",
        f"{(span.end_ns - span.start_ns) / 1e6:.1f} ms",
    ]
    parts += [
        f"{label}={span.attributes[key]}"
        for key, label in SHOWN_ATTRIBUTES.items()
        if key in span.attributes
    ]
    if span.status == "error":
        parts.append(f"ERROR {span.status_message}".rstrip())
    return "  ".join(parts)
