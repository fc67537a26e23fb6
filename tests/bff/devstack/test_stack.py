"""`bff dev` refuses busy ports before starting anything; `bff token` mints accepted tokens."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bff.cli import main
from bff.devstack.jwt_authorizer import JwtAuthorizer
from bff.devstack.jwt_keys import DEV_AUDIENCE, DEV_ISSUER, load_or_create_signing_key
from bff.devstack.stack import StackError, StackPorts, busy_ports, run_foreground, start_stack


@pytest.fixture
def occupied_port() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize("part", ["dynamodb", "registry", "students", "bff"])
def test_a_busy_port_is_named_and_nothing_starts(
    occupied_port: int, part: str, tmp_path: Path
) -> None:
    ports = replace(StackPorts.free(), **{part: occupied_port})
    with pytest.raises(StackError) as raised:
        start_stack(ports, tmp_path)
    message = str(raised.value)
    assert f"127.0.0.1:{occupied_port} ({part})" in message
    assert "Nothing was started" in message
    # Nothing listens on any other port, and no credentials pretend a stack is up.
    assert busy_ports(ports) == [(part, occupied_port)]
    assert not (tmp_path / "credentials.json").exists()
    assert not (tmp_path / "stack.json").exists()


def test_bff_dev_exits_with_the_message_when_a_port_is_busy(
    occupied_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ports = replace(StackPorts.free(), bff=occupied_port)
    assert run_foreground(tmp_path, ports) == 1
    error = capsys.readouterr().err
    assert f"port already in use: 127.0.0.1:{occupied_port} (bff)" in error


def test_the_fixed_ports_are_the_documented_ones() -> None:
    assert dict(StackPorts().named()) == {
        "dynamodb": 8000,
        "traces": 4318,
        "registry": 4010,
        "students": 4001,
        "lessons": 4002,
        "analytics": 4003,
        "bff": 4000,
    }


def test_bff_token_prints_a_token_the_local_authorizer_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["token", "--sub", "student-9", "--ttl", "120", "--dir", str(tmp_path)]
    assert main(arguments) == 0
    assert main([*arguments, "--scope", " admin  lessons:write "]) == 0
    plain, scoped = capsys.readouterr().out.split()
    jwks = load_or_create_signing_key(tmp_path).jwks()
    authorizer = JwtAuthorizer(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks=jwks)
    claims = authorizer.authorize(f"Bearer {plain}").claims
    assert claims["sub"] == "student-9"
    assert claims["exp"] - claims["iat"] == 120
    assert "scope" not in claims
    assert authorizer.authorize(f"Bearer {scoped}").claims["scope"] == "admin lessons:write"


def test_bff_token_refuses_a_non_positive_ttl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "--sub", "s", "--ttl", "0", "--dir", str(tmp_path)]) == 2
    assert "--ttl must be a positive number" in capsys.readouterr().err
