"""`bff plan` prints the plan the gateway would run; `bff serve` serves the gateway with uvicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bff.cli import main
from bff.devstack.moto_server import free_port, wait_for_port
from tests.support.loopback_subgraphs import FIXTURES, SUPERGRAPH_FILE

PLAN_FIXTURE = FIXTURES / "plan"


def test_plan_prints_the_plan_of_an_operation_file(capsys) -> None:
    query = str(PLAN_FIXTURE / "query.graphql")
    assert main(["plan", "--supergraph", str(SUPERGRAPH_FILE), query]) == 0
    assert capsys.readouterr().out == (PLAN_FIXTURE / "plan.txt").read_text()


def test_plan_takes_the_operation_text_and_a_name(capsys) -> None:
    text = "query A { __typename } query B { lessons { title } }"
    argv = ["plan", "--supergraph", str(SUPERGRAPH_FILE), text, "--operation-name", "B"]
    assert main(argv) == 0
    assert 'Fetch(service: "lessons")' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("supergraph", "query", "message"),
    [
        (
            SUPERGRAPH_FILE,
            "{ nope }",
            "error: Cannot query field 'nope' on type 'Query'. at line 1 column 3",
        ),
        (
            SUPERGRAPH_FILE,
            "{ student(id: 1) ",
            "error: Syntax Error: Expected Name, found <EOF>. at line 1 column 18",
        ),
        (
            SUPERGRAPH_FILE,
            "missing.graphql",
            "error: cannot read the operation: [Errno 2] No such file or directory",
        ),
        (
            SUPERGRAPH_FILE,
            "query A { __typename } query B { __typename }",
            "error: The document contains several operations; provide an operationName.",
        ),
        (
            Path("missing.graphql"),
            "{ __typename }",
            "error: cannot load missing.graphql: [Errno 2] No such file or directory",
        ),
    ],
)
def test_plan_errors_exit_1_with_the_reason(
    capsys, supergraph: Path, query: str, message: str
) -> None:
    assert main(["plan", "--supergraph", str(supergraph), query]) == 1
    assert capsys.readouterr().err.startswith(message)


def test_plan_goes_through_the_request_path_with_its_settings(capsys, monkeypatch) -> None:
    # The gateway's planning budget and document limits apply to `bff plan` as to requests.
    monkeypatch.setenv("PLANNING_MAX_STEPS", "1")
    assert (
        main(["plan", "--supergraph", str(SUPERGRAPH_FILE), '{ student(id: "1") { name } }']) == 1
    )
    # The gateway may log a warning first (wherever logging points): the command's own line counts.
    printed = capsys.readouterr().err.splitlines()
    assert any(line.startswith("error: the operation is too expensive to plan") for line in printed)

    monkeypatch.setenv("MAX_QUERY_REPEATED_FIELDS", "1")
    assert main(["plan", "--supergraph", str(SUPERGRAPH_FILE), "{ __typename __typename }"]) == 1
    assert "__typename" in capsys.readouterr().err


def _serve_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("SUPERGRAPH_FILE", "REGISTRY_TABLE")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: set SUPERGRAPH_FILE or REGISTRY_TABLE to say where the supergraph is"),
        (["--supergraph", "missing.graphql"], "error: cannot read supergraph file missing.graphql"),
        (["--supergraph", str(FIXTURES / "students.graphql")], "error: not a supergraph"),
    ],
)
def test_serve_refuses_to_start_without_a_good_supergraph(
    args: list[str], message: str, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SUPERGRAPH_FILE", raising=False)
    monkeypatch.delenv("REGISTRY_TABLE", raising=False)
    assert main(["serve", *args, "--port", str(free_port())]) == 1
    assert capsys.readouterr().err.startswith(message)


def test_serve_refuses_fewer_than_one_worker(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--supergraph", str(SUPERGRAPH_FILE), "--workers", "0"])
    assert stopped.value.code == 2
    assert "--workers: expected a whole number of at least 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_graphql_and_health_over_http(workers: int) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bff.cli",
            "serve",
            "--supergraph",
            str(SUPERGRAPH_FILE),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        # SUPERGRAPH_FILE is not in the environment: workers get --supergraph from the command.
        env=_serve_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        answers = []
        # More requests than workers: every one is answered, whichever worker accepts it.
        for _ in range(2 * workers):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as response:
                health = json.loads(response.read())
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql",
                data=b'{"query": "{ __typename }"}',
                headers={"content-type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append(json.loads(response.read()))
        serving = _worker_processes(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    # One process serves by itself; with --workers, the command supervises that many servers.
    assert len(serving) == (0 if workers == 1 else workers)
    assert not any(Path(f"/proc/{pid}").exists() for pid in serving)
    answer = answers[0]
    assert answers == [answer] * len(answers)
    assert health == {"status": "ok"}
    assert answer == {"data": {"__typename": "Query"}}


def _worker_processes(parent: int) -> list[int]:
    """Children of `parent` that serve (uvicorn's spawned workers, not multiprocessing's
    resource tracker)."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent and b"spawn_main" in command:
            workers.append(int(entry.name))
    return workers


def test_serve_logs_one_json_line_per_request(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "serve.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "bff.cli", "serve"),
                *("--supergraph", str(SUPERGRAPH_FILE), "--port", str(port)),
            ],
            env=_serve_env(),
            stdout=sink,
            stderr=subprocess.DEVNULL,
        )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=b'{"query": "query Probe { __typename }", "operationName": "Probe"}',
            headers={"content-type": "application/json", "graphql-client-name": "cli-test"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
    lines = [json.loads(line) for line in output.read_text().splitlines() if line.startswith("{")]
    (line,) = [entry for entry in lines if entry["message"] == "graphql request"]
    assert (line["service"], line["level"]) == ("bff", "INFO")
    assert (line["operation_name"], line["client_name"], line["status"]) == (
        "Probe",
        "cli-test",
        200,
    )
