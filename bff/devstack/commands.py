"""`bff dev` (the whole local stack in the foreground) and `bff token` (a development JWT)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DEV_DIR = Path(".dev")
# What the local stack runs beyond the gateway (module, distribution): a wheel installed without
# the `dev` extra lacks them, and the stack would fail in a child process, far from the cause.
DEV_DEPENDENCIES = (
    ("discovery", "serverless-bff-registry"),
    ("services", "serverless-bff-demo-services"),
    ("moto", "moto[server]"),
    ("flask", "moto[server]"),
    ("strawberry", "strawberry-graphql"),
    ("fastapi", "fastapi"),
    ("uvicorn", "uvicorn"),
    ("jwt", "pyjwt[crypto]"),
    ("boto3", "boto3"),
)


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
