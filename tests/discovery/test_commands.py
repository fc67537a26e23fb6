"""The `bff services`, `bff compose` and `bff registry serve` commands against a real registry
(uvicorn on a free port, moto server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bff.cli import main
from bff.devstack.moto_server import MotoServer, free_port, wait_for_port
from discovery.api import RegistrySettings, create_app
from services.toolkit.serving import BackgroundServer
from tests.discovery.api.conftest import ADMIN_TOKEN, SUBGRAPHS

STUDENTS = str(SUBGRAPHS / "students.graphql")
LESSONS = str(SUBGRAPHS / "lessons.graphql")


@pytest.fixture
def registry(registry_table: str, dynamodb_client: Any) -> Iterator[str]:
    settings = RegistrySettings(registry_table, admin_token=ADMIN_TOKEN)
    with BackgroundServer(create_app(settings, dynamodb_client=dynamodb_client)) as server:
        yield server.url


def bff(*argv: str) -> int:
    return main(list(argv))


def services(registry: str, *argv: str) -> int:
    action, *rest = argv
    return bff("services", action, "--registry", registry, "--token", ADMIN_TOKEN, *rest)


def test_register_list_show(registry: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        services(
            registry, "register", "students", "--url", "http://s.test/graphql", "--sdl", STUDENTS
        )
        == 0
    )
    assert "registered students: service version 1, supergraph version 1" in capsys.readouterr().out
    assert (
        services(
            registry, "register", "students", "--url", "http://s.test/graphql", "--sdl", STUDENTS
        )
        == 0
    )
    assert "students unchanged (supergraph version 1)" in capsys.readouterr().out

    assert services(registry, "list") == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["NAME", "URL", "VERSION", "UPDATED"]
    assert listing[1].split()[:3] == ["students", "http://s.test/graphql", "1"]
    assert listing[-1] == "supergraph version: 1"

    assert services(registry, "show", "students") == 0
    shown = capsys.readouterr().out
    assert "url:       http://s.test/graphql" in shown
    assert Path(STUDENTS).read_text() in shown

    assert services(registry, "list", "--json") == 0
    assert json.loads(capsys.readouterr().out)["services"][0]["name"] == "students"


def test_register_refused_prints_file_locations(
    registry: str, capsys: pytest.CaptureFixture[str]
) -> None:
    services(registry, "register", "students", "--url", "http://s.test/graphql", "--sdl", STUDENTS)
    conflicting = str(SUBGRAPHS / "lessons-conflicting.graphql")

    code = services(
        registry, "register", "lessons", "--url", "http://l.test/graphql", "--sdl", conflicting
    )

    assert code == 1
    assert f"{conflicting}:5:3: FIELD_TYPE_MISMATCH" in capsys.readouterr().err


def test_show_unknown_is_refused(registry: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert services(registry, "show", "nobody") == 1
    assert "NOT_FOUND" in capsys.readouterr().err


def test_check_lists_breaking_changes(registry: str, capsys: pytest.CaptureFixture[str]) -> None:
    services(registry, "register", "students", "--url", "http://s.test/graphql", "--sdl", STUDENTS)
    capsys.readouterr()
    breaking = str(SUBGRAPHS / "students-breaking.graphql")

    assert services(registry, "check", "students", "--sdl", breaking) == 1
    out = capsys.readouterr().out
    assert "checked students against supergraph version 1" in out
    assert "3 breaking change(s):" in out
    assert any(line.split()[:2] == ["FIELD_REMOVED", "Student.email"] for line in out.splitlines())

    assert (
        services(registry, "check", "lessons", "--sdl", LESSONS, "--url", "http://l/graphql") == 0
    )
    assert "ok: composes, no breaking changes" in capsys.readouterr().out

    assert services(registry, "check", "students", "--sdl", breaking, "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["composes"] is True and len(report["breakingChanges"]) == 3

    assert services(registry, "check", "lessons", "--sdl", LESSONS) == 2
    assert "lessons is not registered; give its --url" in capsys.readouterr().err


def test_remove_rollback_versions(registry: str, capsys: pytest.CaptureFixture[str]) -> None:
    services(registry, "register", "students", "--url", "http://s.test/graphql", "--sdl", STUDENTS)
    services(registry, "register", "lessons", "--url", "http://l.test/graphql", "--sdl", LESSONS)
    capsys.readouterr()

    assert services(registry, "remove", "lessons") == 0
    assert "removed lessons: supergraph version 3" in capsys.readouterr().out
    assert services(registry, "rollback", "2") == 0
    assert "published supergraph version 4 with the content of version 2" in capsys.readouterr().out
    assert services(registry, "rollback", "99") == 1
    assert "NOT_FOUND" in capsys.readouterr().err
    assert services(registry, "versions") == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].split()[0] == "4" and rows[1].endswith("rollback to 2")


def test_token_from_dev_credentials(
    registry: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("REGISTRY_ADMIN_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert bff("services", "list", "--registry", registry) == 1
    assert "UNAUTHENTICATED" in capsys.readouterr().err

    (tmp_path / ".dev").mkdir()
    (tmp_path / ".dev" / "credentials.json").write_text(json.dumps({"adminToken": ADMIN_TOKEN}))

    assert bff("services", "list", "--registry", registry) == 0


def test_unreachable_registry_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = services(f"http://127.0.0.1:{free_port()}", "list")

    assert code == 3
    assert "unreachable" in capsys.readouterr().err


def test_compose_prints_the_supergraph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bff("compose", STUDENTS, LESSONS, "--url", "students=http://127.0.0.1:4001/graphql") == 0
    supergraph = capsys.readouterr().out
    assert (
        'STUDENTS @join__graph(name: "students", url: "http://127.0.0.1:4001/graphql")'
        in supergraph
    )
    assert (
        'LESSONS @join__graph(name: "lessons", url: "http://lessons.invalid/graphql")' in supergraph
    )

    output = tmp_path / "supergraph.graphql"
    assert bff("compose", STUDENTS, LESSONS, "-o", str(output)) == 0
    assert "@join__graph" in output.read_text()

    assert bff("compose", STUDENTS, "--json") == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_compose_errors_have_file_locations(capsys: pytest.CaptureFixture[str]) -> None:
    invalid = str(SUBGRAPHS / "invalid.graphql")

    assert bff("compose", STUDENTS, invalid) == 1
    assert f"{invalid}:2:10: INVALID_GRAPHQL" in capsys.readouterr().err

    assert bff("compose", invalid, "--json") == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["locations"] == [
        {"line": 2, "column": 10}
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--url", "students"], "--url wants NAME=URL"),
        (["--url", "nobody=http://x"], "--url names no file: nobody"),
    ],
)
def test_compose_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bff("compose", STUDENTS, *argv) == 2
    assert message in capsys.readouterr().err


def test_console_script_and_registry_serve(moto_server: MotoServer) -> None:
    port = free_port()
    env = {
        **os.environ,
        **moto_server.env(),
        "REGISTRY_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    table = f"registry-{uuid.uuid4().hex[:12]}"
    bff_script = str(Path(sys.executable).with_name("bff"))
    server = subprocess.Popen(
        [bff_script, "registry", "serve", "--port", str(port), "--table", table, "--create-table"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            assert json.loads(response.read()) == {"status": "ok"}
        listed = subprocess.run(
            [bff_script, "services", "list", "--json", "--registry", f"http://127.0.0.1:{port}"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"services": [], "supergraphVersion": None}
