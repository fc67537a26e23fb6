"""`bff serve-service NAME` (one subgraph under uvicorn on its port) and `bff seed` (demo data)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any

from bff.tables import ANALYTICS, LESSONS, STUDENTS, TableSpec


@dataclass(frozen=True)
class ServiceEntry:
    """Where a service lives: every service package has `app.py` exposing `create_app()`."""

    app_module: str
    table: TableSpec
    port: int  # the fixed local port of ARCHITECTURE.md section 8


SERVICES: dict[str, ServiceEntry] = {
    "students": ServiceEntry("services.students.app", STUDENTS, 4001),
    "lessons": ServiceEntry("services.lessons.app", LESSONS, 4002),
    "analytics": ServiceEntry("services.analytics.app", ANALYTICS, 4003),
}


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve-service",
        help="run one subgraph under uvicorn (creates its table if missing)",
        description="Run one subgraph service. Its table name comes from the service's "
        "table env var (default: the service name); keys from API_KEYS or API_KEY_SECRET_ID; "
        "DynamoDB from the usual AWS settings (e.g. AWS_ENDPOINT_URL_DYNAMODB); "
        "TRACING_EXPORTER=console|otlp traces its requests, continuing the caller's traceparent.",
    )
    serve.add_argument("name", choices=sorted(SERVICES), help="the service to run")
    serve.add_argument("--port", type=int, help="port (default: 4001 students, 4002, 4003)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.set_defaults(func=run_serve_service)

    seed = subparsers.add_parser(
        "seed",
        help="load the demo students, lessons and completions (creates missing tables)",
    )
    seed.set_defaults(func=run_seed)


def prepare_table(entry: ServiceEntry, client: Any | None = None) -> str:
    """Name the service's table (env var, else its logical name) and create it if missing."""
    import boto3

    from bff.tables import create_table

    table_name = os.environ.setdefault(entry.table.env_var, entry.table.logical_name)
    create_table(client or boto3.client("dynamodb"), entry.table, table_name)
    return table_name


def run_serve_service(args: argparse.Namespace) -> int:
    from bff.observability.tracing import EXPORTERS, configure_tracing
    from services.toolkit.api_keys import ApiKeyConfigurationError
    from services.toolkit.serving import serve

    entry = SERVICES[args.name]
    port = args.port if args.port is not None else entry.port
    exporter = os.environ.get("TRACING_EXPORTER", "off")
    if exporter not in EXPORTERS:
        print(
            f"bff serve-service {args.name}: TRACING_EXPORTER must be one of "
            f"{', '.join(EXPORTERS)}, got {exporter!r}",
            file=sys.stderr,
        )
        return 2
    # Before the service's schema is built: it adds strawberry's spans when tracing is on.
    configure_tracing(exporter, service_name=args.name)
    try:
        table_name = prepare_table(entry)
        app = importlib.import_module(entry.app_module).create_app()
    except ApiKeyConfigurationError as error:
        print(f"bff serve-service {args.name}: {error}", file=sys.stderr)
        return 2
    print(f"{args.name}: http://{args.host}:{port}/graphql (table {table_name})", flush=True)
    serve(app, args.host, port)
    return 0


def run_seed(args: argparse.Namespace) -> int:
    # Imported here so this module (and the whole CLI) works before the demo data lands.
    try:
        from services.demo import seed
    except ModuleNotFoundError as error:
        if error.name != "services.demo":
            raise
        print("bff seed: no demo data in this build (services/demo.py)", file=sys.stderr)
        return 1
    for entry in SERVICES.values():
        prepare_table(entry)
    seed()
    return 0
