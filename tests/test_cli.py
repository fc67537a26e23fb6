"""The `bff` command as a new user meets it: a version, help on every command and flag, and clear
errors (never a traceback) for a missing setting or missing development dependencies."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bff.cli import DISTRIBUTION, build_parser, main
from bff.devstack import commands as dev_commands


def test_version_names_the_installed_distribution(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"bff {importlib.metadata.version(DISTRIBUTION)} ")


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("bff",)) -> Iterator:
    """(command path, its parser, the help its parent gives it) for every (sub)command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                yield (*path, name), subparser, helps.get(name)
                yield from commands(subparser, (*path, name))


COMMANDS = list(commands(build_parser()))


def test_every_package_contributes_commands() -> None:
    top = {path[1] for path, _, _ in COMMANDS}
    assert {"serve", "plan", "dev", "token", "services", "clients", "compose", "seed"} <= top


@pytest.mark.parametrize(
    ("path", "parser", "summary"), COMMANDS, ids=[" ".join(p) for p, _, _ in COMMANDS]
)
def test_every_command_and_flag_has_help(path, parser: argparse.ArgumentParser, summary) -> None:
    assert summary, f"{' '.join(path)} has no help line in its parent's list"
    undocumented = [
        action.option_strings or action.dest
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and not action.help
    ]
    assert undocumented == []


def test_serve_from_the_registry_without_an_aws_region_says_what_to_set(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "SUPERGRAPH_FILE"}
    }
    env["AWS_CONFIG_FILE"] = str(tmp_path / "no-config")
    completed = subprocess.run(
        [sys.executable, "-m", "bff.cli", "serve", "--registry-table", "registry", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    assert "needs an AWS region: set AWS_DEFAULT_REGION" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_dev_without_the_development_dependencies_names_them_and_the_extra(
    monkeypatch, capsys, tmp_path: Path
) -> None:
    missing = ("no_such_module_for_this_test", "moto[server]")
    monkeypatch.setattr(dev_commands, "DEV_DEPENDENCIES", (*dev_commands.DEV_DEPENDENCIES, missing))
    assert main(["dev", "--dir", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert "needs packages that are not installed: moto[server];" in error
    assert "pip install 'serverless-bff[dev]'" in error
    assert not (tmp_path / "credentials.json").exists()
