"""`bff serve-service` runs a subgraph on its port (table created on demand); `bff seed`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bff.cli import main
from bff.devstack.moto_server import MotoServer, free_port, wait_for_port
from bff.tables import ANALYTICS, LESSONS, STUDENTS
from services.commands import SERVICES

KEY = "serve-service-key"


@pytest.fixture
def served_students(moto_server: MotoServer) -> Iterator[tuple[str, str]]:
    """`bff serve-service students` in a child process, on a free port and an unused table."""
    port = free_port()
    table = f"students-cli-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, **moto_server.env(), "API_KEYS": KEY, STUDENTS.env_var: table}
    env.pop("API_KEY_SECRET_ID", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bff.cli", "serve-service", "students", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield f"http://127.0.0.1:{port}/graphql", table
    finally:
        process.terminate()
        process.wait(timeout=10)


def _post(url: str, query: str, key: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key else {})
    request = urllib.request.Request(url, json.dumps({"query": query}).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_service_creates_the_table_and_serves_with_the_key(
    served_students: tuple[str, str], dynamodb_client: Any
) -> None:
    url, table = served_students
    assert dynamodb_client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    mutation = (
        'mutation { registerStudent(input: {name: "Cli", email: "cli@example.com"}) { name } }'
    )
    assert _post(url, mutation, KEY) == (200, {"data": {"registerStudent": {"name": "Cli"}}})
    status, body = _post(url, "{ students { nextCursor } }", None)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_each_service_has_its_fixed_local_port_and_table() -> None:
    assert {name: (e.port, e.table) for name, e in SERVICES.items()} == {
        "students": (4001, STUDENTS),
        "lessons": (4002, LESSONS),
        "analytics": (4003, ANALYTICS),
    }


def test_serve_service_without_key_configuration_exits_2(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("API_KEYS", raising=False)
    monkeypatch.delenv("API_KEY_SECRET_ID", raising=False)
    monkeypatch.setenv(STUDENTS.env_var, f"students-nokey-{uuid.uuid4().hex[:8]}")
    assert main(["serve-service", "students", "--port", str(free_port())]) == 2
    assert "API_KEYS" in capsys.readouterr().err


def test_an_unknown_service_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve-service", "billing"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_seed_creates_missing_tables_then_loads_the_demo_data(
    moto_server: MotoServer, dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = {
        spec.env_var: f"{spec.logical_name}-seed-{uuid.uuid4().hex[:8]}"
        for spec in (STUDENTS, LESSONS, ANALYTICS)
    }
    for env_var, name in names.items():
        monkeypatch.setenv(env_var, name)
    calls: list[str] = []
    # Stands in for services/demo.py (its own tests cover the data); here: the dispatch.
    demo = types.ModuleType("services.demo")
    demo.seed = lambda: calls.append("seeded")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "services.demo", demo)
    assert main(["seed"]) == 0
    assert calls == ["seeded"]
    for name in names.values():
        assert dynamodb_client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_seed_without_demo_data_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "services.demo", None)  # makes the import fail
    assert main(["seed"]) == 1
    assert "no demo data" in capsys.readouterr().err
