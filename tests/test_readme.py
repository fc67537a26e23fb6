"""The README and the settings reference tell the truth: every command and setting is there, and
the commands marked runnable run as written."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shlex
import subprocess
import urllib.request
from pathlib import Path

import pytest

from bff.config import GatewaySettings
from bff.devstack.moto_server import free_port, wait_for_port
from tests.support.edge_clients import graphql_over_http
from tests.test_cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SETTINGS = (ROOT / "docs" / "settings.md").read_text()
# A shell block the test runs: `<!-- readme-test: run -->` (or `serve`) right before it.
MARKED_BLOCK = re.compile(r"<!-- readme-test: (\w+) -->\n```sh\n(.*?)```", re.DOTALL)


def marked_blocks(kind: str) -> list[str]:
    return [body for marker, body in MARKED_BLOCK.findall(README) if marker == kind]


def test_the_readme_links_the_settings_reference() -> None:
    assert "(docs/settings.md)" in README


@pytest.mark.parametrize("field", dataclasses.fields(GatewaySettings), ids=lambda f: f.name)
def test_every_setting_is_in_the_reference(field: dataclasses.Field) -> None:
    assert f"`{field.metadata['env']}`" in SETTINGS


# Commands that run something (a group's subcommands are listed instead of the group).
LEAF_COMMANDS = [
    " ".join(path)
    for path, parser, _ in COMMANDS
    if not any(isinstance(action, argparse._SubParsersAction) for action in parser._actions)
]


@pytest.mark.parametrize("command", LEAF_COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"| `{command}` |" in README


def test_the_runnable_blocks_run_as_written() -> None:
    blocks = marked_blocks("run")
    assert blocks
    for block in blocks:
        completed = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert completed.returncode == 0, completed.stderr[-2000:]
        assert "Fetch(service:" in completed.stdout  # `bff plan` printed a plan


def test_the_serve_command_serves_what_the_block_before_composed() -> None:
    (block,) = marked_blocks("serve")
    for prerequisite in marked_blocks("run"):
        subprocess.run(["bash", "-euo", "pipefail", "-c", prerequisite], cwd=ROOT, check=True)
    argv = shlex.split(block.strip())
    port = free_port()  # the documented one may be taken by a developer's `make dev`
    argv[argv.index("--port") + 1] = str(port)
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as response:
            assert json.loads(response.read()) == {"status": "ok"}
        assert graphql_over_http(f"http://127.0.0.1:{port}") == {"data": {"__typename": "Query"}}
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_registry_curl_carries_the_admin_token() -> None:
    for line in README.splitlines():
        if "127.0.0.1:4010/services" in line and "curl" in line:
            assert "authorization: bearer" in line.lower(), line
