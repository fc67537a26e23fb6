"""`bff clients ...` against a real registry (uvicorn on a free port, moto server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bff.cli import main
from tests.discovery.api.conftest import ADMIN_TOKEN
from tests.discovery.test_commands import registry  # noqa: F401 (the fixture)
from tests.support.tagged_subgraphs import FIXTURES, NAMES


def clients(url: str, *argv: str) -> int:
    action, *rest = argv
    if action == "documents":
        subaction, *rest = rest
        action_args = ["documents", subaction]
    else:
        action_args = [action]
    return main(["clients", *action_args, "--registry", url, "--token", ADMIN_TOKEN, *rest])


@pytest.fixture
def graph(registry: str) -> str:  # noqa: F811
    for name in NAMES:
        sdl = str(FIXTURES / f"{name}.graphql")
        url = f"http://{name}.test/graphql"
        arguments = ["register", name, "--url", url, "--sdl", sdl]
        assert (
            main(
                [
                    "services",
                    *arguments[:1],
                    "--registry",
                    registry,
                    "--token",
                    ADMIN_TOKEN,
                    *arguments[1:],
                ]
            )
            == 0
        )
    return registry


def test_register_list_publish_and_show(
    graph: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        clients(graph, "register", "mobile", "--policy", "safelist", "--exclude-tag", "internal")
        == 0
    )
    assert "registered mobile: safelist, -internal" in capsys.readouterr().out
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"h1": "query Lessons { lessons { id } }"}))

    assert clients(graph, "documents", "publish", "mobile", str(manifest)) == 0
    assert "published 1 document(s) for mobile" in capsys.readouterr().out
    assert clients(graph, "list") == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["NAME", "POLICY", "CONTRACT", "DOCUMENTS", "UPDATED"]
    assert listing[1].split()[:4] == ["mobile", "safelist", "-internal", "1"]
    assert clients(graph, "documents", "list", "mobile") == 0
    assert capsys.readouterr().out.splitlines()[1].split() == ["h1", "Lessons"]


def test_an_invalid_document_is_refused_with_its_location(
    graph: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clients(graph, "register", "mobile", "--policy", "safelist", "--exclude-tag", "internal")
    capsys.readouterr()
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"h2": "query Emails { students { email } }"}))

    assert clients(graph, "documents", "publish", "mobile", str(manifest)) == 1
    assert capsys.readouterr().err.strip() == (
        "h2:1:27: INVALID_DOCUMENT Cannot query field 'email' on type 'Student'."
    )
    assert clients(graph, "show", "mobile") == 0
    assert "documents: 0" in capsys.readouterr().out


def test_unknown_client_exits_1(graph: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert clients(graph, "show", "ghost") == 1
    assert "NOT_FOUND no client named 'ghost' is registered" in capsys.readouterr().err


def test_services_check_names_the_client_a_change_breaks(
    graph: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clients(graph, "register", "mobile", "--policy", "safelist", "--exclude-tag", "internal")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"h1": "query Lessons { lessons { id title } }"}))
    clients(graph, "documents", "publish", "mobile", str(manifest))
    changed = tmp_path / "lessons.graphql"
    changed.write_text((FIXTURES / "lessons.graphql").read_text().replace("  title: String!\n", ""))
    capsys.readouterr()

    arguments = ["check", "lessons", "--sdl", str(changed)]
    assert (
        main(
            [
                "services",
                *arguments[:1],
                "--registry",
                graph,
                "--token",
                ADMIN_TOKEN,
                *arguments[1:],
            ]
        )
        == 1
    )

    out = capsys.readouterr().out
    problem = "h1:1:30: INVALID_DOCUMENT Cannot query field 'title' on type 'Lesson'."
    assert f"breaks client mobile:\n  {problem}" in out
