"""`bff dev` (the whole local stack in the foreground) and `bff token` (a development JWT)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DEV_DIR = Path(".dev")


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
    dev.set_defaults(func=run_dev)

    token = subparsers.add_parser("token", help="print a development JWT the local stack accepts")
    token.add_argument("--sub", required=True, help="the token's subject (a student id)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.add_argument("--dir", type=Path, default=DEV_DIR, help="state folder (default .dev)")
    token.set_defaults(func=run_token)


def run_token(args: argparse.Namespace) -> int:
    from bff.devstack.jwt_keys import load_or_create_signing_key

    if args.ttl <= 0:
        print("bff token: --ttl must be a positive number of seconds", file=sys.stderr)
        return 2
    print(load_or_create_signing_key(args.dir).mint(args.sub, ttl_seconds=args.ttl))
    return 0


def run_dev(args: argparse.Namespace) -> int:
    from bff.devstack.stack import StackPorts, run_foreground

    return run_foreground(args.dir, StackPorts.free() if args.free_ports else None)
