"""`bff clients ...` (the registry's clients and their trusted documents) and `bff usage ...`
(what the clients used, as the BFF recorded it) from a terminal.

Exit codes as for `bff services` (discovery/commands.py): 0 success; 1 refused; 2 usage;
3 the registry is unreachable or failing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from discovery.commands import EXIT_USAGE, _reply, _table, _with_client


def register_clients(subparsers: Any, common: argparse.ArgumentParser) -> None:
    clients = subparsers.add_parser(
        "clients",
        help="list, show, register, remove clients; publish their trusted documents",
        description="Clients of the BFF (web, mobile...): their policy (open, apq, safelist), "
        "their contract (@tag filters) and their published documents.",
    )
    actions = clients.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", parents=[common], help="registered clients").set_defaults(
        func=_with_client(_list)
    )
    show = actions.add_parser("show", parents=[common], help="one client")
    show.add_argument("name", help="the client's name")
    show.set_defaults(func=_with_client(_show))

    add = actions.add_parser(
        "register", parents=[common], help="register or change a client (checked on the graph)"
    )
    add.add_argument("name", help="the client's name (graphql-client-name)")
    add.add_argument(
        "--policy",
        choices=("open", "apq", "safelist"),
        required=True,
        help="open: any operation; apq: any operation and automatic persisted queries; "
        "safelist: only its published documents",
    )
    add.add_argument("--include-tag", action="append", default=[], metavar="TAG", help="repeatable")
    add.add_argument("--exclude-tag", action="append", default=[], metavar="TAG", help="repeatable")
    add.set_defaults(func=_with_client(_register))

    remove = actions.add_parser(
        "remove", parents=[common], help="remove a client and its documents"
    )
    remove.add_argument("name", help="the client's name")
    remove.set_defaults(func=_with_client(_remove))

    documents = actions.add_parser("documents", help="a client's trusted documents")
    document_actions = documents.add_subparsers(dest="documents_action", required=True)
    publish = document_actions.add_parser(
        "publish",
        parents=[common],
        help="publish a manifest (Apollo persisted query manifest or {id: body} map)",
        description="Replace the client's documents with the manifest's; each is validated "
        "against the client's schema and one invalid document refuses them all.",
    )
    publish.add_argument("name", help="the client's name")
    publish.add_argument(
        "manifest", type=Path, metavar="MANIFEST", help="an Apollo persisted-query manifest (JSON)"
    )
    publish.set_defaults(func=_with_client(_publish))
    listing = document_actions.add_parser("list", parents=[common], help="published documents")
    listing.add_argument("name", help="the client's name")
    listing.set_defaults(func=_with_client(_documents))


def register_usage(subparsers: Any, common: argparse.ArgumentParser) -> None:
    usage = subparsers.add_parser(
        "usage",
        help="schema usage the BFF recorded: operations per client, who used a coordinate",
        description="Days are UTC dates (YYYY-MM-DD); default: the last 30 days.",
    )
    window = argparse.ArgumentParser(add_help=False, parents=[common])
    window.add_argument("--from", dest="start", metavar="DAY", help="first day (YYYY-MM-DD, UTC)")
    window.add_argument("--to", dest="end", metavar="DAY", help="last day (YYYY-MM-DD, UTC)")
    actions = usage.add_subparsers(dest="action", metavar="ACTION", required=True)
    operations = actions.add_parser(
        "operations", parents=[window], help="operations seen, most used first"
    )
    operations.add_argument("--client", help="only this client's")
    operations.set_defaults(func=_with_client(_operations))
    coordinate = actions.add_parser(
        "coordinate", parents=[window], help="who used a coordinate (Type.field, Enum.VALUE...)"
    )
    coordinate.add_argument("coordinate", help="a schema coordinate, e.g. Student.email")
    coordinate.set_defaults(func=_with_client(_coordinate))


def _window_query(args: argparse.Namespace, **extra: str | None) -> str:
    pairs = {"from": args.start, "to": args.end, **extra}
    present = {key: value for key, value in pairs.items() if value}
    return f"?{urlencode(present)}" if present else ""


def _operations(client: Any, args: argparse.Namespace) -> int:
    def render(answer: Any) -> str:
        rows = [
            (o["client"], o["name"] or "-", o["hash"][:12], o["count"], o["errors"], o["lastSeen"])
            for o in answer["operations"]
        ]
        table = _table(("CLIENT", "OPERATION", "HASH", "COUNT", "ERRORS", "LAST SEEN"), rows)
        return f"{answer['from']} .. {answer['to']}\n{table}"

    _reply(args, client.usage(_window_query(args, client=args.client)), render)
    return 0


def _coordinate(client: Any, args: argparse.Namespace) -> int:
    def render(answer: Any) -> str:
        if not answer["used"]:
            return f"{answer['coordinate']}: unused from {answer['from']} to {answer['to']}"
        rows = [
            (o["client"], o["name"] or "-", o["hash"][:12], o["count"], o["lastSeen"])
            for o in answer["operations"]
        ]
        return (
            f"{answer['coordinate']}: {answer['count']} request(s) by "
            f"{', '.join(answer['clients'])}, last {answer['lastSeen']}\n"
            + _table(("CLIENT", "OPERATION", "HASH", "COUNT", "LAST SEEN"), rows)
        )

    _reply(args, client.coordinate_usage(args.coordinate, _window_query(args)), render)
    return 0


def _describe(client: dict[str, Any]) -> str:
    contract = client["contract"]
    filters = [f"+{tag}" for tag in contract["includeTags"]]
    filters += [f"-{tag}" for tag in contract["excludeTags"]]
    return " ".join(filters) or "full schema"


def _list(client: Any, args: argparse.Namespace) -> int:
    def render(listing: Any) -> str:
        rows = [
            (c["name"], c["policy"], _describe(c), c["documents"], c["updatedAt"])
            for c in listing["clients"]
        ]
        return _table(("NAME", "POLICY", "CONTRACT", "DOCUMENTS", "UPDATED"), rows)

    _reply(args, client.list_clients(), render)
    return 0


def _show(client: Any, args: argparse.Namespace) -> int:
    def render(found: Any) -> str:
        return (
            f"name:      {found['name']}\npolicy:    {found['policy']}\n"
            f"contract:  {_describe(found)}\ndocuments: {found['documents']}\n"
            f"updated:   {found['updatedAt']}"
        )

    _reply(args, client.get_client(args.name), render)
    return 0


def _register(client: Any, args: argparse.Namespace) -> int:
    contract = {"includeTags": args.include_tag, "excludeTags": args.exclude_tag}
    answer = client.put_client(args.name, args.policy, contract)
    _reply(args, answer, lambda c: f"registered {c['name']}: {c['policy']}, {_describe(c)}")
    return 0


def _remove(client: Any, args: argparse.Namespace) -> int:
    _reply(args, client.remove_client(args.name), lambda answer: f"removed {answer['name']}")
    return 0


def _publish(client: Any, args: argparse.Namespace) -> int:
    try:
        manifest = json.loads(args.manifest.read_text())
    except ValueError as error:
        print(f"error: {args.manifest} is not JSON: {error}")
        return EXIT_USAGE
    answer = client.publish_documents(args.name, manifest)
    _reply(args, answer, lambda a: f"published {a['published']} document(s) for {args.name}")
    return 0


def _documents(client: Any, args: argparse.Namespace) -> int:
    def render(documents: Any) -> str:
        return _table(("ID", "NAME"), [(d["id"], d["name"]) for d in documents])

    _reply(args, client.documents(args.name), render)
    return 0
