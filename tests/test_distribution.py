"""The wheel (`make wheel`): its metadata, GraphiQL's assets inside, and, installed alone in a
fresh virtualenv with no extras, the gateway serving a supergraph file with GraphiQL."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from bff.devstack.moto_server import free_port, wait_for_port
from bff.http.assets import ASSET_SOURCES, DEFAULT_NODE_MODULES, DEFAULT_STATIC_DIR
from tests.support.edge_clients import graphql_over_http
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE

ROOT = Path(__file__).resolve().parents[1]
# What only the registry or the demo subgraphs need: a gateway-only install must not get them.
NOT_FOR_THE_GATEWAY = {"strawberry-graphql", "fastapi", "pydantic", "starlette", "moto"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert (DEFAULT_STATIC_DIR / "graphiql.min.js").is_file(), "run `make assets` first"
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("*.whl")
    return built


def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(archive.read(name))


def test_the_wheel_has_a_free_name_a_license_ranges_and_extras(wheel: Path) -> None:
    found = metadata(wheel)
    assert found["Name"] == "serverless-bff"
    assert found["License"] == "MIT"
    requirements = found.get_all("Requires-Dist")
    base = [r for r in requirements if "extra ==" not in r]
    assert base and not any("==" in r for r in base), base
    assert not {r.split("[")[0].split("<")[0].split(">")[0] for r in base} & NOT_FOR_THE_GATEWAY
    assert set(found.get_all("Provides-Extra")) >= {"registry", "services", "tracing", "dev"}
    with zipfile.ZipFile(wheel) as archive:
        assert any(
            name.endswith("dist-info/licenses/LICENSE") or name.endswith("/LICENSE")
            for name in archive.namelist()
        )


def test_the_wheel_carries_graphiqls_assets(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for asset in ASSET_SOURCES:
            assert f"bff/http/static/{asset}" in names
            assert f"bff/http/static/{asset}.gz" in names


def test_installed_alone_it_serves_a_supergraph_file_with_graphiql(
    wheel: Path, tmp_path: Path
) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run(
        [
            *(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("-c", str(ROOT / "constraints.txt"), str(wheel)),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    installed = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    assert not installed & NOT_FOR_THE_GATEWAY
    port = free_port()
    # Outside the repository: every module comes from the installed wheel.
    server = subprocess.Popen(
        [
            *(environment / "bin" / "bff", "serve"),
            *("--supergraph", str(SUPERGRAPH_FILE), "--port", str(port)),
        ],
        cwd=tmp_path,
        # GraphiQL is off unless enabled (a production default); this user turns it on.
        env={**os.environ, "GRAPHIQL_ENABLED": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/graphiql", timeout=30) as response:
            assert "graphiql/graphiql.min.js" in response.read().decode()
        for asset, (source, _) in ASSET_SOURCES.items():
            with urllib.request.urlopen(f"{base}/graphiql/{asset}", timeout=30) as response:
                assert response.read() == (DEFAULT_NODE_MODULES / source).read_bytes()
        assert graphql_over_http(base) == {"data": {"__typename": "Query"}}
    finally:
        server.terminate()
        server.wait(timeout=30)
