"""The distributions (`make wheel`): the gateway, the registry and the demo subgraphs, each
installing one top-level import package of its own, with a license and dependency ranges; the
gateway installed alone in a fresh virtualenv serving a supergraph file with GraphiQL; and the
development install running `bff dev` outside the repository."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bff.devstack.moto_server import free_port, wait_for_port
from bff.http.assets import ASSET_SOURCES, DEFAULT_NODE_MODULES, DEFAULT_STATIC_DIR
from tests.support.edge_clients import graphql_over_http
from tests.support.local_stack import graphql, running_stack
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Distribution:
    name: str
    project: Path  # the folder holding its pyproject.toml
    package: str  # the one top-level import package it installs
    source: Path  # that package's folder in the repository


DISTRIBUTIONS = (
    Distribution("serverless-bff", ROOT, "bff", ROOT / "bff"),
    Distribution("serverless-bff-registry", ROOT / "discovery", "discovery", ROOT / "discovery"),
    Distribution("serverless-bff-demo-services", ROOT / "services", "services", ROOT / "services"),
)
OUR_PACKAGES = {d.package for d in DISTRIBUTIONS}
# What only the registry, the demo subgraphs or tracing need: a gateway-only install lacks them.
NOT_FOR_THE_GATEWAY = {
    "serverless-bff-registry",
    "serverless-bff-demo-services",
    "strawberry-graphql",
    "fastapi",
    "pydantic",
    "starlette",
    "moto",
    "opentelemetry-sdk",
}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each distribution's wheel, built as `make wheel` builds it, by distribution name."""
    assert (DEFAULT_STATIC_DIR / "graphiql.min.js").is_file(), "run `make assets` first"
    out = tmp_path_factory.mktemp("dist")
    for distribution in DISTRIBUTIONS:
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), distribution.project],
            check=True,
            capture_output=True,
            timeout=600,
        )
    built = {wheel_name(path): path for path in out.glob("*.whl")}
    assert set(built) == {d.name for d in DISTRIBUTIONS}
    return built


def wheel_name(wheel: Path) -> str:
    return str(metadata(wheel)["Name"])


def dist_info_file(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
        return archive.read(path)


def metadata(wheel: Path) -> email.message.Message:
    return email.message_from_bytes(dist_info_file(wheel, "METADATA"))


def installed_top_level(wheel: Path) -> set[str]:
    """The top-level names the wheel's RECORD installs, its .dist-info aside."""
    record = dist_info_file(wheel, "RECORD").decode().splitlines()
    paths = [line.rsplit(",", 2)[0] for line in record if line]
    return {path.split("/")[0] for path in paths if ".dist-info/" not in path}


def fresh_venv(root: Path) -> Path:
    """A new virtualenv with pip; its `bin` folder."""
    venv.create(root, with_pip=True)
    return root / "bin"


def pip_install(bin_dir: Path, *requirements: str, find_links: Path | None = None) -> None:
    links = ("--find-links", str(find_links)) if find_links else ()
    subprocess.run(
        [
            *(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("-c", str(ROOT / "constraints.txt"), *links, *requirements),
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )


def installed_distributions(bin_dir: Path) -> set[str]:
    listed = subprocess.run(
        [bin_dir / "python", "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return {entry["name"].lower() for entry in json.loads(listed.stdout)}


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=lambda d: d.name)
def test_each_distribution_installs_one_top_level_package_of_its_own(
    wheels: dict[str, Path], distribution: Distribution
) -> None:
    wheel = wheels[distribution.name]
    assert installed_top_level(wheel) == {distribution.package}
    assert dist_info_file(wheel, "top_level.txt").decode().split() == [distribution.package]
    # Every module of the folder is in it (the sub-distributions list their subpackages).
    sources = {
        str(path.relative_to(distribution.source.parent))
        for path in distribution.source.rglob("*.py")
        if "build" not in path.relative_to(distribution.source).parts
    }
    with zipfile.ZipFile(wheel) as archive:
        assert sources <= set(archive.namelist())


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=lambda d: d.name)
def test_each_distribution_has_the_license_and_dependency_ranges(
    wheels: dict[str, Path], distribution: Distribution
) -> None:
    found = metadata(wheels[distribution.name])
    assert found["License-Expression"] == "MIT"
    assert (
        dist_info_file(wheels[distribution.name], "licenses/LICENSE")
        == (ROOT / "LICENSE").read_bytes()
    )
    requirements = found.get_all("Requires-Dist")
    # Ranges, never exact pins (markers such as `extra == "dev"` aside).
    assert requirements and not any("==" in r.split(";")[0] for r in requirements), requirements
    # The registry and the demo build on the gateway, released together with it.
    if distribution.name != "serverless-bff":
        assert "serverless-bff<0.2,>=0.1" in requirements


def test_the_gateway_has_no_extra_dependency_in_its_base_and_extras_for_the_rest(
    wheels: dict[str, Path],
) -> None:
    found = metadata(wheels["serverless-bff"])
    base = [r for r in found.get_all("Requires-Dist") if "extra ==" not in r]
    assert not {r.split("[")[0].split("<")[0].split(">")[0] for r in base} & NOT_FOR_THE_GATEWAY
    assert set(found.get_all("Provides-Extra")) >= {"registry", "services", "tracing", "dev"}
    extras = found.get_all("Requires-Dist")
    assert any(r.startswith("serverless-bff-registry") and "registry" in r for r in extras)
    assert any(r.startswith("serverless-bff-demo-services") and "services" in r for r in extras)


def test_the_gateway_wheel_carries_graphiqls_assets_and_the_dev_stacks_clients(
    wheels: dict[str, Path],
) -> None:
    with zipfile.ZipFile(wheels["serverless-bff"]) as archive:
        names = set(archive.namelist())
    for asset in ASSET_SOURCES:
        assert f"bff/http/static/{asset}" in names
        assert f"bff/http/static/{asset}.gz" in names
    clients = ROOT / "bff" / "devstack" / "clients"
    assert {f"bff/devstack/clients/{path.name}" for path in clients.glob("*.json")} <= names


def test_installed_alone_it_serves_a_supergraph_file_with_graphiql(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    bin_dir = fresh_venv(tmp_path / "venv")
    pip_install(bin_dir, str(wheels["serverless-bff"]))
    installed = installed_distributions(bin_dir)
    assert not installed & NOT_FOR_THE_GATEWAY
    # Of ours, only `bff` is importable.
    probe = "import importlib.util as u; print([n for n in %r if u.find_spec(n)])"
    found = subprocess.run(
        [bin_dir / "python", "-c", probe % sorted(OUR_PACKAGES)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == "['bff']"
    # The registry's and the demo's commands are absent; help says how to get them.
    help_text = subprocess.run(
        [bin_dir / "bff", "--help"], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout
    assert "pip install 'serverless-bff[registry]'" in " ".join(help_text.split())
    port = free_port()
    # Outside the repository: every module comes from the installed wheel.
    server = subprocess.Popen(
        [
            *(bin_dir / "bff", "serve"),
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


@pytest.fixture(scope="module")
def dev_install(
    wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """`pip install 'serverless-bff[dev]'` in a fresh virtualenv, the registry and the demo
    found beside the gateway's wheel (as on an index); its `bin` folder."""
    bin_dir = fresh_venv(tmp_path_factory.mktemp("dev-venv"))
    gateway = wheels["serverless-bff"]
    pip_install(bin_dir, f"{gateway}[dev]", find_links=gateway.parent)
    yield bin_dir


def test_the_dev_install_has_each_distribution_once(dev_install: Path) -> None:
    assert installed_distributions(dev_install) >= {d.name for d in DISTRIBUTIONS}


def test_bff_dev_from_the_installed_wheels_runs_the_whole_stack(
    dev_install: Path, tmp_path: Path
) -> None:
    # Outside the repository, with no path to it: every part runs from the installed wheels.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    (tmp_path / "dev").mkdir()
    with running_stack(tmp_path / "dev", [dev_install / "bff"], cwd=tmp_path, env=env) as stack:
        status, body = graphql(
            stack, "{ students(first: 2) { items { name xp completions { lesson { title } } } } }"
        )
        assert status == 200 and "errors" not in body, body
        assert len(body["data"]["students"]["items"]) == 2
        request = urllib.request.Request(
            f"{stack.description['registryUrl']}/clients",
            headers={"authorization": f"Bearer {stack.credentials['adminToken']}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            clients = json.loads(response.read())
        assert {client["name"] for client in clients["clients"]} == {"web", "mobile"}
