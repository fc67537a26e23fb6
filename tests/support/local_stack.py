"""`bff dev` as a child process, as `make dev` runs it: started on free ports, waited for
(its `stack.json`), driven over HTTP with its token, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

STARTUP_LIMIT_SECONDS = 180
# The repository's own `bff` (its venv); an installed-wheel test passes that venv's command.
BFF_COMMAND = (sys.executable, "-m", "bff.cli")


@dataclass
class LocalStack:
    process: subprocess.Popen[bytes]
    state_dir: Path
    description: dict[str, Any]
    credentials: dict[str, Any]
    output_path: Path

    @property
    def graphql_url(self) -> str:
        return str(self.description["graphqlUrl"])

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")


@contextmanager
def running_stack(
    state_dir: Path,
    command: Sequence[str | Path] = BFF_COMMAND,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[LocalStack]:
    """`<command> dev --free-ports --dir <state_dir>` until the block ends."""
    output_path = state_dir / "bff-dev.out"
    with output_path.open("wb") as output:
        process = subprocess.Popen(
            [*command, "dev", "--free-ports", "--dir", str(state_dir)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
            env=env,
        )
    description_path = state_dir / "stack.json"
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while not description_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"bff dev did not come up:\n{output_path.read_text()[-4000:]}")
        time.sleep(0.2)
    running = LocalStack(
        process=process,
        state_dir=state_dir,
        description=json.loads(description_path.read_text()),
        credentials=json.loads((state_dir / "credentials.json").read_text()),
        output_path=output_path,
    )
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def graphql(
    stack: LocalStack,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = "stack",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {"content-type": "application/json", **(headers or {})}
    if token is not None:
        headers["authorization"] = (
            f"Bearer {stack.credentials['token'] if token == 'stack' else token}"
        )
    request = urllib.request.Request(
        stack.graphql_url,
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
