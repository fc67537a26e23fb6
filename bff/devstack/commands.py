"""`bff dev` (the whole local stack in the foreground), `bff token` (a development JWT) and
`bff trace` (a request's spans, from the stack's trace store)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

DEV_DIR = Path(".dev")
# What the local stack runs beyond the gateway (module, distribution): a wheel installed without
# the `dev` extra lacks them, and the stack would fail in a child process, far from the cause.
DEV_DEPENDENCIES = (
    ("discovery", "serverless-bff-registry"),
    ("services", "serverless-bff-demo-services"),
    ("aiohttp", "aiohttp"),
    ("moto", "moto[server]"),
    ("flask", "moto[server]"),
    ("strawberry", "strawberry-graphql"),
    ("fastapi", "fastapi"),
    ("uvicorn", "uvicorn"),
    ("jwt", "pyjwt[crypto]"),
    ("boto3", "boto3"),
    # Every part exports its spans to the stack's trace store (`bff trace`).
    ("opentelemetry.sdk", "opentelemetry-sdk"),
    ("opentelemetry.exporter.otlp.proto.http", "opentelemetry-exporter-otlp-proto-http"),
)
TRACE_ID = re.compile(r"^[0-9a-fA-F]{32}$")
# Spans reach the store within a fraction of a second of the request (each part batches them
# for OTEL_BSP_SCHEDULE_DELAY); `bff trace` waits up to this long for a trace to appear and to
# stop growing.
TRACE_WAIT_SECONDS = 5.0
TRACE_POLL_SECONDS = 0.25


def register(subparsers: Any) -> None:
    dev = subparsers.add_parser(
        "dev", help="run the whole local stack in the foreground until Ctrl-C"
    )
    dev.add_argument("--dir", type=Path, default=DEV_DIR, help="state folder (default .dev)")
    dev.add_argument(
        "--free-ports",
        action="store_true",
        help="listen on free ports instead of the fixed ones (see <dir>/stack.json)",
    )
    dev.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="a browser origin allowed to call the BFF, e.g. http://localhost:3000 (repeatable; "
        "default: CORS_ALLOW_ORIGINS if set, else localhost ports 3000, 5173, 4200 and 8080)",
    )
    dev.set_defaults(func=run_dev)

    token = subparsers.add_parser("token", help="print a development JWT the local stack accepts")
    token.add_argument("--sub", required=True, help="the token's subject (the user's id)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.add_argument(
        "--scope",
        default="",
        help='space-separated scopes for the `scope` claim, e.g. "admin" (default: none)',
    )
    token.add_argument("--dir", type=Path, default=DEV_DIR, help="state folder (default .dev)")
    token.set_defaults(func=run_token)

    trace = subparsers.add_parser(
        "trace",
        help="print a request's spans (BFF and subgraphs) from the local stack",
    )
    trace.add_argument(
        "trace_id",
        nargs="?",
        metavar="TRACE_ID",
        help="the trace id (32 hex digits: `trace=` on the request line, `trace_id` in the BFF's "
        "log); without it, the most recent traces",
    )
    trace.add_argument(
        "--dir", type=Path, default=DEV_DIR, help="the stack's state folder (default .dev)"
    )
    trace.add_argument("--url", help="the trace store's URL (default: the one in <dir>/stack.json)")
    trace.add_argument(
        "--wait",
        type=float,
        default=TRACE_WAIT_SECONDS,
        help=f"seconds to wait for the trace's spans (default {TRACE_WAIT_SECONDS:g})",
    )
    trace.set_defaults(func=run_trace)


def run_token(args: argparse.Namespace) -> int:
    from bff.devstack.jwt_keys import load_or_create_signing_key

    if args.ttl <= 0:
        print("bff token: --ttl must be a positive number of seconds", file=sys.stderr)
        return 2
    extra = {"scope": " ".join(args.scope.split())} if args.scope.strip() else None
    key = load_or_create_signing_key(args.dir)
    print(key.mint(args.sub, ttl_seconds=args.ttl, extra_claims=extra))
    return 0


def missing_dev_dependencies() -> list[str]:
    import importlib.util

    return sorted(
        {dist for module, dist in DEV_DEPENDENCIES if not importlib.util.find_spec(module)}
    )


def run_dev(args: argparse.Namespace) -> int:
    missing = missing_dev_dependencies()
    if missing:
        print(
            "bff dev: the local stack needs packages that are not installed: "
            f"{', '.join(missing)}; install the development extra: "
            "pip install 'serverless-bff[dev]' (or run `make dev` in a clone)",
            file=sys.stderr,
        )
        return 1
    from bff.devstack.stack import StackPorts, run_foreground

    ports = StackPorts.free() if args.free_ports else None
    origins = tuple(args.cors_origin) if args.cors_origin else None
    return run_foreground(args.dir, ports, cors_origins=origins)


class TraceLookupFailed(Exception):
    """What `bff trace` tells the user instead of a traceback."""


def run_trace(args: argparse.Namespace) -> int:
    from bff.devstack.trace_store import Span
    from bff.devstack.trace_tree import render_trace

    if args.trace_id is not None and not TRACE_ID.match(args.trace_id):
        print(f"bff trace: {args.trace_id!r} is not a trace id (32 hex digits)", file=sys.stderr)
        return 2
    try:
        base = args.url.rstrip("/") if args.url else _stack_traces_url(args.dir)
        if args.trace_id is None:
            for listed in _get_json(f"{base}/traces")["traces"]:
                print(f"{listed['traceId']}  {listed['root']}  ({listed['spans']} spans)")
            return 0
        spans = _settled_trace(f"{base}/traces/{args.trace_id.lower()}", args.wait)
    except TraceLookupFailed as failure:
        print(f"bff trace: {failure}", file=sys.stderr)
        return 1
    if spans is None:
        print(
            f"bff trace: no trace {args.trace_id} in the local trace store at {base} (after "
            f"{args.wait:g} s). Check the id: the local request line's `trace=` or the BFF log's "
            "`trace_id`; traces of a stack that was restarted are gone.",
            file=sys.stderr,
        )
        return 1
    print(render_trace([Span.from_json(span) for span in spans]))
    return 0


def _stack_traces_url(state_dir: Path) -> str:
    description = state_dir / "stack.json"
    try:
        return str(json.loads(description.read_text())["tracesUrl"])
    except (OSError, ValueError, KeyError):
        raise TraceLookupFailed(
            f"no running local stack described in {description} (start it with `make dev` or "
            "`bff dev`, or pass --url)"
        ) from None


def _settled_trace(url: str, wait_seconds: float) -> list[dict[str, Any]] | None:
    """The trace's spans once it exists and stopped growing (its parts export separately), or
    None if it never showed up within `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    seen: list[dict[str, Any]] | None = None
    while True:
        found = _get_json(url, missing_ok=True)
        spans = None if found is None else found["spans"]
        if spans is not None and seen is not None and len(spans) == len(seen):
            return spans
        seen = spans
        if time.monotonic() >= deadline:
            return seen
        time.sleep(TRACE_POLL_SECONDS)


def _get_json(url: str, *, missing_ok: bool = False) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 404 and missing_ok:
            return None
        raise TraceLookupFailed(f"the trace store at {url} answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise TraceLookupFailed(
            f"the local trace store does not answer at {url} ({error}); is `bff dev` running?"
        ) from None
