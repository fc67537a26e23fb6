"""infra/lambda_sources.py: which of the project's files a handler's package needs."""

from __future__ import annotations

from pathlib import Path

from infra.lambda_sources import import_closure, main

TREE = {
    "bff/__init__.py": "",
    "bff/handler.py": (
        "from typing import TYPE_CHECKING\n"
        "import orjson\n"
        "from bff import config\n"
        "from .http.app import create_app\n"
        "if TYPE_CHECKING:\n"
        "    from bff.devstack import stack\n"
        "def handler(event, context):\n"
        "    from bff.lazy import on_request\n"
    ),
    "bff/config.py": "",
    "bff/http/__init__.py": "",
    "bff/http/app.py": "from ..execution import transport\n",
    "bff/execution/__init__.py": "",
    "bff/execution/transport.py": "import discovery.source\n",
    "bff/lazy.py": "",
    "bff/devstack/__init__.py": "",
    "bff/devstack/stack.py": "",
    "bff/cli.py": "",
    "discovery/__init__.py": "",
    "discovery/source.py": "",
    "discovery/api.py": "",
}


def write_tree(root: Path) -> Path:
    for relative, text in TREE.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_the_closure_follows_every_import_but_type_checking_ones(tmp_path: Path) -> None:
    assert import_closure(["bff.handler"], write_tree(tmp_path)) == {
        "bff/__init__.py",
        "bff/handler.py",
        "bff/config.py",  # `from package import module`
        "bff/http/__init__.py",  # a module's packages run first
        "bff/http/app.py",  # relative import
        "bff/execution/__init__.py",
        "bff/execution/transport.py",  # two levels up
        "discovery/__init__.py",
        "discovery/source.py",  # across the project's packages
        "bff/lazy.py",  # a function-level import: a request may run it
    }


def test_main_copies_the_closure_keeping_paths(tmp_path: Path) -> None:
    target = tmp_path / "package"
    assert main(["--into", str(target), "infra.lambda_sources", "discovery.records"]) == 0
    copied = {str(path.relative_to(target)) for path in target.rglob("*.py")}
    assert copied == import_closure(["discovery.records"])
    assert "discovery/records.py" in copied
