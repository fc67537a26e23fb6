"""The `bff` command: one entry point whose subcommands are contributed by each package."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import platform
import sys
from collections.abc import Sequence

# The distribution that installs the `bff` command (pyproject.toml's `name`).
DISTRIBUTION = "serverless-bff"

# Each module here exposes `register(subparsers)`; it adds its subcommands and sets
# `func` on them (a callable taking the parsed namespace and returning an exit code).
# Modules are imported lazily so the Lambda cold path never pays for the CLI. The registry's
# and the demo's come with their distributions (the gateway's extras of the same names).
COMMAND_MODULES = (
    ("bff.commands", None),  # serve, plan
    ("bff.devstack.commands", None),  # dev, token
    ("discovery.commands", "registry"),  # services ..., clients ..., compose, registry serve
    ("services.commands", "services"),  # serve-service, seed
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bff", description=__doc__)
    parser.add_argument(
        "--version", action="version", version=version_text(), help="print the version and exit"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    absent = []
    for module_name, extra in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            # Only the module's own distribution missing; a broken import inside it raises.
            if error.name is None or not f"{module_name}.".startswith(f"{error.name}."):
                raise
            absent.append(f"pip install '{DISTRIBUTION}[{extra}]'")
            continue
        module.register(subparsers)
    if absent:
        parser.epilog = f"More commands: {'; '.join(absent)}."
    return parser


def version_text() -> str:
    try:
        installed = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        installed = "(not installed: run from a source tree)"
    return f"bff {installed} (Python {platform.python_version()})"


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
