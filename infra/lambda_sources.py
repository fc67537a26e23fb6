"""The project's source files a Lambda handler can import, copied into its package.

Used by infra/lambda.mk: `python3 infra/lambda_sources.py --into DIR MODULE...` copies every
file of `bff`, `discovery` and `services` that the modules import, directly or not, at import
time or later (function-level imports count: a request may run them), keeping their paths.
Imports under `if TYPE_CHECKING:` do not count. Standard library only: it runs before any
dependency is installed.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("bff", "discovery", "services")


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_names(tree: ast.AST, package: str) -> set[str]:
    """Module names a module's AST imports anywhere; `package` resolves relative imports."""
    names: set[str] = set()
    pending = [tree]
    while pending:
        node = pending.pop()
        if _is_type_checking_block(node):
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            # `from package import name` may name a submodule.
            names |= {f"{base}.{alias.name}" for alias in node.names}
        pending.extend(ast.iter_child_nodes(node))
    return names


def _module_file(root: Path, name: str) -> Path | None:
    path = root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def import_closure(modules: Iterable[str], root: Path = ROOT) -> set[str]:
    """Paths (relative to `root`) of the project's files the modules import, themselves included."""
    found: set[str] = set()
    pending = list(modules)
    while pending:
        parts = pending.pop().split(".")
        if parts[0] not in PROJECT_PACKAGES:
            continue
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            name = ".".join(parts[:depth])
            file = _module_file(root, name)
            if file is None or str(file.relative_to(root)) in found:
                continue
            found.add(str(file.relative_to(root)))
            package = name if file.name == "__init__.py" else name.rpartition(".")[0]
            pending.extend(imported_names(ast.parse(file.read_text()), package))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", type=Path, required=True, help="the package folder")
    parser.add_argument("modules", nargs="+", metavar="MODULE", help="e.g. bff.handler")
    args = parser.parse_args(argv)
    for relative in sorted(import_closure(args.modules)):
        target = args.into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
