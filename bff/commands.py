"""`bff serve` (the gateway under uvicorn) and `bff plan` (print a query plan)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bff.gc_tuning import tune_garbage_collector

if TYPE_CHECKING:
    from bff.config import GatewaySettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4000


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve the gateway over HTTP (uvicorn)",
        description="Serve GraphQL on /graphql (GraphiQL in a browser) and /health. The "
        "supergraph comes from --supergraph FILE, else from the registry table in "
        "REGISTRY_TABLE (or --registry-table).",
    )
    serve.add_argument("--supergraph", metavar="FILE", help="supergraph SDL file to serve")
    serve.add_argument("--registry-table", metavar="NAME", help="registry DynamoDB table")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument("--jwt-issuer", metavar="URL", help="verify bearer tokens: their issuer")
    serve.add_argument("--jwt-audience", metavar="AUD", help="verify bearer tokens: audience")
    serve.add_argument("--jwt-jwks-url", metavar="URL", help="verify bearer tokens: JWKS URL")
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="server processes sharing the port (containers: one per core); default 1",
    )
    serve.set_defaults(func=serve_command)

    plan = subparsers.add_parser(
        "plan",
        help="print the query plan of an operation",
        description="Print the plan the gateway would run for an operation.",
    )
    plan.add_argument(
        "--supergraph", metavar="FILE", required=True, help="supergraph SDL file to plan against"
    )
    plan.add_argument("query", metavar="QUERY_OR_FILE", help="operation text or a file holding it")
    plan.add_argument(
        "--operation-name", default=None, help="which operation, when the document has several"
    )
    plan.set_defaults(func=plan_command)


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from bff.config import ConfigurationError, GatewaySettings
    from bff.supergraph import SupergraphError

    overrides = {
        key: value
        for key, value in (
            ("supergraph_file", args.supergraph),
            ("registry_table", args.registry_table),
            ("jwt_issuer", args.jwt_issuer),
            ("jwt_audience", args.jwt_audience),
            ("jwt_jwks_url", args.jwt_jwks_url),
        )
        if value
    }
    try:
        config = GatewaySettings.from_environ().replace(**overrides)
        _check_aws_region(config)
        # Built here even with --workers: a broken file or setting stops the command with its
        # reason instead of failing every worker (or every request).
        app = serving_app(config)
    except (ConfigurationError, SupergraphError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not config.verifies_tokens and not _is_loopback(args.host):
        print(
            f"bff: WARNING: serving {args.host} without authentication: anyone who can reach "
            "it can run operations; set --jwt-issuer, --jwt-audience and --jwt-jwks-url (or "
            "JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL) unless a gateway in front verifies tokens",
            file=sys.stderr,
        )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "lifespan": "on",
        "log_level": "warning",
        "timeout_keep_alive": int(config.serve_keepalive_seconds),
        # libuv's loop and the C HTTP parser: less CPU per request than asyncio's pure-Python
        # loop and h11 (bench/results/report.md, "Where the CPU goes").
        "loop": "uvloop",
        "http": "httptools",
    }
    print(f"bff: serving http://{args.host}:{args.port}/graphql", file=sys.stderr)
    if args.workers == 1:
        _json_logs()
        tune_garbage_collector()
        uvicorn.run(app, **options)
        return 0
    # Each worker is a fresh (spawned) interpreter that builds its own app from the
    # environment: hand the command line's settings down through it.
    for key, value in overrides.items():
        os.environ[GatewaySettings.environ_name(key)] = value
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=args.workers, **options)
    return 0


def _check_aws_region(config: GatewaySettings) -> None:
    """The registry is a DynamoDB table: without a region botocore fails with a traceback."""
    from bff.config import ConfigurationError

    if config.supergraph_file or not config.registry_table:
        return
    from botocore.session import Session

    if not Session().get_config_variable("region"):
        raise ConfigurationError(
            "the registry table (--registry-table or REGISTRY_TABLE) is read from DynamoDB, "
            "which needs an AWS region: set AWS_DEFAULT_REGION (e.g. eu-west-1) or use a "
            "profile that has one (AWS_PROFILE)"
        )


def serving_app(config: GatewaySettings) -> Any:
    """The ASGI app `bff serve` runs: the gateway's app, behind JWT verification when set."""
    from bff.gateway import FileSupergraphProvider, Gateway, provider_from_settings
    from bff.http.app import GraphQLApp

    provider = provider_from_settings(config)
    if isinstance(provider, FileSupergraphProvider):
        provider.load()
    app: Any = GraphQLApp(Gateway(provider, config), config)
    if config.verifies_tokens:
        app = _verifying_tokens(app, config)
    return app


def worker_app() -> Any:
    """uvicorn's app factory in each `--workers` process (settings from the environment)."""
    from bff.config import GatewaySettings

    app = serving_app(GatewaySettings.from_environ())
    _json_logs()
    tune_garbage_collector()
    return app


def _json_logs() -> None:
    """Logs are Powertools' JSON lines on stdout, as in Lambda (POWERTOOLS_LOG_LEVEL sets the
    level): one per GraphQL request, plus warnings and errors. Set up only in the process that
    serves, once it is about to: the handler binds the stdout of that moment."""
    from aws_lambda_powertools import Logger

    Logger(service="bff")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return value


def _verifying_tokens(app: Any, config: Any) -> Any:
    from bff.devstack.jwt_authorizer import JwtAuthorizer
    from bff.http.bearer_auth import BearerAuthApp

    authorizer = JwtAuthorizer(
        issuer=config.jwt_issuer, audience=config.jwt_audience, jwks_url=config.jwt_jwks_url
    )
    return BearerAuthApp(app, authorizer)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plan_command(args: argparse.Namespace) -> int:
    from bff.config import GatewaySettings
    from bff.gateway import GraphQLRequestError, ServedSupergraph
    from bff.planning.nodes import QueryPlan, print_plan
    from bff.supergraph import SupergraphError, load_supergraph_file

    try:
        supergraph = load_supergraph_file(args.supergraph)
    except (OSError, SupergraphError) as error:
        print(f"error: cannot load {args.supergraph}: {error}", file=sys.stderr)
        return 1
    try:
        text = _operation_text(args.query)
    except OSError as error:
        print(f"error: cannot read the operation: {error}", file=sys.stderr)
        return 1
    # The request path's own cache entry: parsed, validated (limits included) and planned alike.
    served = ServedSupergraph(supergraph, GatewaySettings.from_environ(), api_keys={})
    try:
        operation = served.operation(text, args.operation_name)
    except GraphQLRequestError as refused:
        for error in refused.errors:
            print(f"error: {error['message']} at {_where(error)}", file=sys.stderr)
        return 1
    sys.stdout.write(print_plan(operation.plan or QueryPlan(node=None, operation_kind="query")))
    return 0


def _operation_text(query_or_file: str) -> str:
    # An operation always contains "{"; anything else is taken as a path.
    if "{" not in query_or_file:
        return Path(query_or_file).read_text(encoding="utf-8")
    return query_or_file


def _where(error: Mapping[str, Any]) -> str:
    locations = error.get("locations") or []
    found = ", ".join(f"line {loc['line']} column {loc['column']}" for loc in locations)
    return found or "(document)"
