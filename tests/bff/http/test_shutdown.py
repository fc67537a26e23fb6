"""Stopping the served BFF closes its pooled subgraph session: `bff serve` (ASGI lifespan under
uvicorn) and the local API Gateway that `bff dev` runs the Lambda handler in, on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bff.devstack.jwt_keys import load_or_create_signing_key
from bff.devstack.moto_server import free_port, wait_for_port
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE

# A query that makes the gateway open its aiohttp session (the subgraph refuses the connection).
QUERY = b'{"query": "{ student(id: \\"1\\") { id } }"}'


def _serve(port: int, _key_dir: Path) -> list[str]:
    return ["-m", "bff.cli", "serve", "--supergraph", str(SUPERGRAPH_FILE), "--port", str(port)]


def _local_apigateway(port: int, key_dir: Path) -> list[str]:
    return ["-m", "bff.devstack.apigateway", "--port", str(port), "--key-dir", str(key_dir)]


def _environment() -> dict[str, str]:
    closed = f"http://127.0.0.1:{free_port()}/graphql"
    env = {k: v for k, v in os.environ.items() if k not in ("SUPERGRAPH_FILE", "REGISTRY_TABLE")}
    # Every ResourceWarning is shown, so a socket or session left open shows up in stderr.
    return {
        **env,
        "PYTHONWARNINGS": "always::ResourceWarning",
        "SUPERGRAPH_FILE": str(SUPERGRAPH_FILE),
        "SUBGRAPH_URL_OVERRIDES": json.dumps({"students": closed, "lessons": closed}),
    }


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("command", [_serve, _local_apigateway], ids=["serve", "dev"])
def test_stopping_the_bff_closes_its_subgraph_session(
    command: Callable[[int, Path], list[str]], stop: signal.Signals, tmp_path: Path
) -> None:
    port = free_port()
    token = load_or_create_signing_key(tmp_path).mint("student-1")
    process = subprocess.Popen(
        [sys.executable, *command(port, tmp_path)],
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=QUERY,
            headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert answer["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    # uvicorn re-raises the signal it caught once it has shut down cleanly.
    assert process.returncode in (0, -stop), stderr
    assert "Unclosed" not in stderr
    assert "ResourceWarning" not in stderr
