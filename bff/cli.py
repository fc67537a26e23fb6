"""The `bff` command: one entry point whose subcommands are contributed by each package."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module here exposes `register(subparsers)`; it adds its subcommands and sets
# `func` on them (a callable taking the parsed namespace and returning an exit code).
# Modules are imported lazily so the Lambda cold path never pays for the CLI.
COMMAND_MODULES = (
    "bff.commands",  # serve, plan
    "bff.devstack.commands",  # dev, token
    "discovery.commands",  # services ..., compose
    "services.commands",  # serve-service, seed
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bff", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
