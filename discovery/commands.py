"""`bff services ...` (the registry API from a terminal), `bff compose FILE...` (compose local
SDL files) and `bff registry serve` (run the registry API under uvicorn).

Exit codes: 0 success; 1 refused (does not compose, breaking changes, not found, 4xx);
2 usage; 3 the registry is unreachable or failing (5xx).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_REGISTRY = "http://127.0.0.1:4010"
CREDENTIALS_FILE = Path(".dev") / "credentials.json"
EXIT_REFUSED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3


def register(subparsers: Any) -> None:
    from discovery.client_commands import register_clients, register_usage

    _register_services(subparsers)
    register_clients(subparsers, _registry_options())
    register_usage(subparsers, _registry_options())
    _register_compose(subparsers)
    _register_registry(subparsers)


def _register_services(subparsers: Any) -> None:
    services = subparsers.add_parser(
        "services",
        help="list, show, register, remove, check services in the registry; roll back",
        description="Talk to the registry API. The admin token comes from --token, else "
        "REGISTRY_ADMIN_TOKEN, else adminToken in .dev/credentials.json (written by make dev).",
    )
    common = _registry_options()
    actions = services.add_subparsers(dest="action", metavar="ACTION", required=True)

    actions.add_parser("list", parents=[common], help="registered services").set_defaults(
        func=_with_client(_list)
    )
    show = actions.add_parser("show", parents=[common], help="one service, with its SDL")
    show.add_argument("name", help="the service's name")
    show.set_defaults(func=_with_client(_show))

    add = actions.add_parser(
        "register", parents=[common], help="register or update a service (composes the graph)"
    )
    add.add_argument("name", help="the service's name")
    add.add_argument("--url", required=True, help="the service's GraphQL endpoint")
    add.add_argument("--sdl", required=True, type=Path, metavar="FILE", help="its SDL file")
    add.add_argument("--api-key-ref", help="where its API key lives (e.g. a secret id)")
    add.add_argument(
        "--force",
        action="store_true",
        help="publish even if the change breaks client queries (refused otherwise)",
    )
    add.set_defaults(func=_with_client(_register_service))

    remove = actions.add_parser(
        "remove", parents=[common], help="remove a service (refused if the rest does not compose)"
    )
    remove.add_argument("name", help="the service's name")
    remove.set_defaults(func=_with_client(_remove))

    check = actions.add_parser(
        "check",
        parents=[common],
        help="would this SDL compose, and what would it break? (stores nothing)",
    )
    check.add_argument("name", help="the service's name")
    check.add_argument(
        "--sdl", required=True, type=Path, metavar="FILE", help="the schema to check (SDL file)"
    )
    check.add_argument("--url", help="default: the registered service's URL")
    check.add_argument(
        "--window-days", type=int, default=30, help="days of recorded usage (default 30)"
    )
    check.add_argument(
        "--strict", action="store_true", help="fail on every breaking change, used or not"
    )
    check.set_defaults(func=_with_client(_check))

    rollback = actions.add_parser(
        "rollback",
        parents=[common],
        help="publish an earlier version's content again (as a new version number)",
    )
    rollback.add_argument("version", type=int, help="the supergraph version to publish again")
    rollback.set_defaults(func=_with_client(_rollback))

    actions.add_parser(
        "versions", parents=[common], help="published supergraph versions, newest first"
    ).set_defaults(func=_with_client(_versions))


def _registry_options() -> argparse.ArgumentParser:
    """The options every registry API command takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--registry",
        default=os.environ.get("REGISTRY_URL", DEFAULT_REGISTRY),
        help=f"registry API URL (default: REGISTRY_URL or {DEFAULT_REGISTRY})",
    )
    common.add_argument("--token", help="registry admin token")
    common.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    return common


def _register_compose(subparsers: Any) -> None:
    compose = subparsers.add_parser(
        "compose",
        help="compose subgraph SDL files into a supergraph",
        description="Compose SDL files (subgraph name = file stem) and print the supergraph "
        "SDL, or the errors as FILE:LINE:COLUMN: CODE message (exit 1).",
    )
    compose.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="subgraph SDL files (NAME.graphql)"
    )
    compose.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="a subgraph's URL (repeatable; default: http://NAME.invalid/graphql)",
    )
    compose.add_argument("--output", "-o", type=Path, help="write the supergraph here")
    compose.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    compose.set_defaults(func=_compose)


def _register_registry(subparsers: Any) -> None:
    registry = subparsers.add_parser("registry", help="run the registry API")
    actions = registry.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve the registry API under uvicorn",
        description="Serve the registry API (discovery.api.create_app). Settings: "
        "REGISTRY_TABLE, REGISTRY_ADMIN_TOKEN or REGISTRY_ADMIN_TOKEN_SECRET_ID; DynamoDB "
        "from the usual AWS settings (e.g. AWS_ENDPOINT_URL_DYNAMODB).",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=4010, help="port (default 4010)")
    serve.add_argument("--table", help="registry table (default: REGISTRY_TABLE)")
    serve.add_argument("--create-table", action="store_true", help="create it if missing")
    serve.set_defaults(func=_serve)


# Registry API commands


def _admin_token(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    if os.environ.get("REGISTRY_ADMIN_TOKEN"):
        return os.environ["REGISTRY_ADMIN_TOKEN"]
    try:
        return json.loads(CREDENTIALS_FILE.read_text()).get("adminToken")
    except (OSError, ValueError):
        return None


def _with_client(command: Callable[[Any, argparse.Namespace], int]) -> Callable[..., int]:
    """Run `command` with a RegistryClient; turn registry errors into messages and exit codes."""

    def run(args: argparse.Namespace) -> int:
        from discovery.client import RegistryClient, RegistryRequestFailed, RegistryUnreachable

        client = RegistryClient(args.registry, _admin_token(args.token))
        try:
            return command(client, args)
        except RegistryUnreachable as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        except RegistryRequestFailed as error:
            if args.json:
                print(json.dumps({"status": error.status, "errors": error.errors}, indent=2))
            else:
                sdl_file = getattr(args, "sdl", None)
                for problem in error.errors:
                    print(_located(problem, sdl_file), file=sys.stderr)
            return EXIT_UNAVAILABLE if error.retriable else EXIT_REFUSED
        except OSError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE

    return run


def _located(problem: dict[str, Any], sdl_file: Path | None) -> str:
    """`FILE:LINE:COLUMN: CODE message`, the form editors and CI annotate."""
    code, message = problem.get("code", "ERROR"), problem.get("message", "")
    locations = problem.get("locations") or []
    where = str(sdl_file) if sdl_file is not None else problem.get("service")
    where = where or problem.get("document")
    if where and locations:
        where += f":{locations[0]['line']}:{locations[0]['column']}"
    return f"{where}: {code} {message}" if where else f"{code} {message}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def _reply(args: argparse.Namespace, answer: Any, render: Callable[[Any], str]) -> None:
    """Print the registry's answer: as JSON with --json, else as `render` words it."""
    if args.json:
        _print_json(answer)
    else:
        print(render(answer))


def _list(client: Any, args: argparse.Namespace) -> int:
    def render(listing: Any) -> str:
        rows = [(s["name"], s["url"], s["version"], s["updatedAt"]) for s in listing["services"]]
        version = listing["supergraphVersion"]
        return (
            _table(("NAME", "URL", "VERSION", "UPDATED"), rows)
            + f"\n\nsupergraph version: {version if version is not None else 'none published'}"
        )

    _reply(args, client.list_services(), render)
    return 0


def _show(client: Any, args: argparse.Namespace) -> int:
    def render(service: Any) -> str:
        keys = ("name", "url", "version", "updatedAt", "apiKeyRef")
        header = "\n".join(f"{key + ':':<11}{service.get(key) or '-'}" for key in keys)
        return f"{header}\n\n{service['sdl']}"

    _reply(args, client.get_service(args.name), render)
    return 0


def _register_service(client: Any, args: argparse.Namespace) -> int:
    def render(answer: Any) -> str:
        if answer["changed"]:
            return (
                f"registered {answer['name']}: service version {answer['version']}, "
                f"supergraph version {answer['supergraphVersion']}"
            )
        return f"{answer['name']} unchanged (supergraph version {answer['supergraphVersion']})"

    answer = client.register(
        args.name, args.url, args.sdl.read_text(), api_key_ref=args.api_key_ref, force=args.force
    )
    _reply(args, answer, render)
    return 0


def _remove(client: Any, args: argparse.Namespace) -> int:
    _reply(
        args,
        client.remove(args.name),
        lambda answer: (
            f"removed {answer['name']}: supergraph version {answer['supergraphVersion']}"
        ),
    )
    return 0


def _check(client: Any, args: argparse.Namespace) -> int:
    sdl = args.sdl.read_text()
    url = args.url or _registered_url(client, args.name)
    if url is None:
        print(f"error: {args.name} is not registered; give its --url", file=sys.stderr)
        return EXIT_USAGE

    def render(report: Any) -> str:
        against = report["supergraphVersion"]
        lines = [f"checked {args.name} against supergraph version {against or '(none published)'}"]
        if not report["composes"]:
            lines.append("does not compose:")
            for problem in report["errors"]:
                own = args.sdl if problem.get("service") == args.name else None
                lines.append(f"  {_located(problem, own)}")
        changes = report["breakingChanges"]
        if changes:
            lines.append(f"{len(changes)} breaking change(s):")
            recorded = report.get("usageRecorded", False)
            rows = [
                (c["code"], c["coordinate"], _used_by(c, recorded), c["message"]) for c in changes
            ]
            lines.append(_table(("CODE", "COORDINATE", "USED BY", "MESSAGE"), rows))
        for broken in report.get("clients", []):
            lines.append(f"breaks client {broken['name']}:")
            lines.extend(f"  {_located(problem, None)}" for problem in broken["errors"])
        if report["ok"] and changes:
            lines.append(
                f"ok: no client used these in the last {report['windowDays']} days "
                "(--strict fails on them)"
            )
        elif report["ok"]:
            lines.append("ok: composes, no breaking changes")
        return "\n".join(lines)

    report = client.check(args.name, url, sdl, window_days=args.window_days, strict=args.strict)
    _reply(args, report, render)
    return 0 if report["ok"] else EXIT_REFUSED


def _used_by(change: dict[str, Any], recorded: bool) -> str:
    """`mobile: Profile (2)` per operation that used the coordinate; `unused` when none;
    `-` when the registry records no usage."""
    usage = change.get("usage")
    if usage is None:
        return "unused" if recorded else "-"
    return ", ".join(
        f"{operation['client']}: {operation['name'] or operation['hash'][:12]} "
        f"({operation['count']})"
        for operation in usage["operations"]
    )


def _registered_url(client: Any, name: str) -> str | None:
    from discovery.client import RegistryRequestFailed

    try:
        return client.get_service(name)["url"]
    except RegistryRequestFailed as error:
        if error.status == 404:
            return None
        raise


def _rollback(client: Any, args: argparse.Namespace) -> int:
    _reply(
        args,
        client.rollback(args.version),
        lambda answer: (
            f"published supergraph version {answer['version']} "
            f"with the content of version {answer['rolledBackTo']}"
        ),
    )
    return 0


def _versions(client: Any, args: argparse.Namespace) -> int:
    def render(listing: Any) -> str:
        rows = [(v["version"], v["createdAt"], v["reason"]) for v in listing["versions"]]
        return _table(("VERSION", "CREATED", "REASON"), rows)

    _reply(args, client.versions(), render)
    return 0


# Local composition


def _compose(args: argparse.Namespace) -> int:
    from discovery.composition import CompositionSuccess, SubgraphInput, compose

    urls: dict[str, str] = {}
    for pair in args.url:
        name, separator, url = pair.partition("=")
        if not separator or not name or not url:
            print(f"error: --url wants NAME=URL, got {pair!r}", file=sys.stderr)
            return EXIT_USAGE
        urls[name] = url
    files = {path.stem: path for path in args.files}
    if len(files) != len(args.files):
        print(
            "error: two files have the same name (subgraph names are file stems)", file=sys.stderr
        )
        return EXIT_USAGE
    unknown = sorted(set(urls) - set(files))
    if unknown:
        print(f"error: --url names no file: {', '.join(unknown)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        subgraphs = [
            SubgraphInput(name, urls.get(name, f"http://{name}.invalid/graphql"), path.read_text())
            for name, path in files.items()
        ]
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    result = compose(subgraphs)
    if isinstance(result, CompositionSuccess):
        if args.json:
            _print_json({"ok": True, "supergraphSdl": result.supergraph_sdl, "errors": []})
        elif args.output:
            args.output.write_text(result.supergraph_sdl)
        else:
            sys.stdout.write(result.supergraph_sdl.rstrip("\n") + "\n")
        return 0
    errors = [error.to_json() for error in result.errors]
    if args.json:
        _print_json({"ok": False, "supergraphSdl": None, "errors": errors})
    else:
        for problem in errors:
            print(_located(problem, files.get(problem.get("service", ""))), file=sys.stderr)
    return EXIT_REFUSED


# Serving


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from discovery.api import RegistryConfigurationError, RegistrySettings, create_app

    if args.table:
        os.environ["REGISTRY_TABLE"] = args.table
    try:
        settings = RegistrySettings.from_env()
    except RegistryConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.create_table:
        import boto3

        from bff.tables import REGISTRY, create_table

        create_table(boto3.client("dynamodb"), REGISTRY, settings.table_name)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0
