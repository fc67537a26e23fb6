"""The Lambda packages `sam build` makes (infra/lambda.mk): what is in them, how big they are, and
bytecode for the runtime's Python version; the BFF's serves GraphiQL's assets."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bff.http.assets import ASSET_SOURCES
from infra.lambda_sources import import_closure
from tests.infra.lambda_packages import (
    PROJECT_PACKAGES,
    ROOT,
    PackageCache,
    build_package,
    probe_handler,
    project_files,
    recipe_groups,
    runtime_python_version,
    site_packages,
)
from tests.infra.test_templates import FUNCTIONS, probe_environment
from tests.support.api_gateway import http_api_v2_event, read_result

PROPERTIES = {logical_id: (path, properties) for path, logical_id, properties in FUNCTIONS}
GROUPS = recipe_groups()
GROUP_IDS = [group[0] for group in GROUPS]
# The Lambda runtime provides boto3: packages leave it out. What it imports is in the runtime
# too (certifi: botocore uses it when present), and so is SnapStart's hook registry.
NOT_PACKAGED = {"boto3", "botocore", "s3transfer"}
RUNTIME_PROVIDED = {
    *NOT_PACKAGED,
    *("urllib3", "jmespath", "dateutil", "six", "certifi", "snapshot_restore_py"),
}
_REQUIREMENT_NAME = re.compile(
    r"^Requires-Dist: ([A-Za-z0-9._-]+)([^;\n]*)(;[^\n]*)?$", re.MULTILINE
)
# Unzipped size budgets (Lambda's limit is 250 MB): a package that grows past its budget has
# picked up something its handler does not need.
SIZE_BUDGET_MB = {
    "StudentsFunction": 40,
    "LessonsFunction": 40,
    "AnalyticsFunction": 40,
    "StudentsRegistrationFunction": 1,
    "RegistryFunction": 40,
    "BffFunction": 40,
}


def test_every_function_is_built_by_a_rule_and_runs_the_python_the_rules_build_for() -> None:
    assert {logical_id for group in GROUPS for logical_id in group} == set(PROPERTIES)
    assert set(SIZE_BUDGET_MB) == set(GROUP_IDS)
    runtime = f"python{runtime_python_version()}"
    assert {properties["Runtime"] for _, properties in PROPERTIES.values()} == {runtime}


def group_imports(
    group: tuple[str, ...], aws_endpoint: str, packages: PackageCache
) -> tuple[Path, list[str]]:
    """The group's package and every file its handlers import at init, from that package."""
    package = packages.package(group[0])
    files: set[str] = set()
    for logical_id in group:
        path, properties = PROPERTIES[logical_id]
        environment = probe_environment(path, properties, aws_endpoint)
        files |= set(probe_handler(properties["Handler"], environment, package)["files"])
    return package, sorted(files)


def top_level_name(file: Path, root: Path) -> str:
    first = file.relative_to(root).parts[0]
    return first.removesuffix(".py").split(".")[0]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Distribution:
    top_level: frozenset[str]  # the import names its files provide
    requires: frozenset[str]  # normalized names of what it needs (extras left out)


def distributions(package: Path) -> dict[str, Distribution]:
    """Each distribution installed in the package, by normalized name."""
    found = {}
    for info in package.glob("*.dist-info"):
        names = set()
        for line in (info / "RECORD").read_text().splitlines():
            first = line.split(",")[0].split("/")[0]
            if first.endswith((".dist-info", ".data")) or first in {"..", "bin", "__pycache__"}:
                continue
            names.add(first.removesuffix(".py").split(".")[0])
        metadata = (info / "METADATA").read_text()
        name = re.search(r"^Name: (.+)$", metadata, re.MULTILINE)
        assert name, info
        requires = {
            normalized(match[0])
            for match in _REQUIREMENT_NAME.findall(metadata)
            if "extra ==" not in match[2]
        }
        found[normalized(name[1].strip())] = Distribution(frozenset(names), frozenset(requires))
    return found


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
def test_package_holds_exactly_the_project_modules_its_handlers_import(
    group: tuple[str, ...], aws_endpoint: str, packages: PackageCache
) -> None:
    package, files = group_imports(group, aws_endpoint, packages)
    packaged = {
        str(file.relative_to(package))
        for top in PROJECT_PACKAGES
        for file in (package / top).rglob("*.py")
    }
    # What init imports came from the package, not from the repository...
    assert project_files(files, package) <= packaged
    # ...and the package is what the handlers' modules can import, at init or on a request.
    modules = {PROPERTIES[logical_id][1]["Handler"].rpartition(".")[0] for logical_id in group}
    assert packaged == import_closure(modules)


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
def test_package_holds_exactly_the_distributions_its_handlers_import(
    group: tuple[str, ...], aws_endpoint: str, packages: PackageCache
) -> None:
    package, files = group_imports(group, aws_endpoint, packages)
    third_party = {
        top_level_name(Path(file), site_packages())
        for file in files
        if Path(file).is_relative_to(site_packages())
    }
    installed = distributions(package)
    provided = set().union(*(dist.top_level for dist in installed.values()))
    # Every library the handlers import is in the package, unless the runtime provides it...
    assert third_party - RUNTIME_PROVIDED <= provided
    assert not provided & NOT_PACKAGED
    # ...and every distribution in it is imported or needed by one that is (pip's resolution).
    needed = {name for name, dist in installed.items() if dist.top_level & third_party}
    pending = list(needed)
    while pending:
        for requirement in installed[pending.pop()].requires:
            if requirement in installed and requirement not in needed:
                needed.add(requirement)
                pending.append(requirement)
    assert set(installed) - needed == set()
    assert not (package / "bin").exists()


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
def test_package_fits_its_size_budget(group: tuple[str, ...], packages: PackageCache) -> None:
    package = packages.package(group[0])
    size = sum(file.stat().st_size for file in package.rglob("*") if file.is_file())
    assert 0 < size <= SIZE_BUDGET_MB[group[0]] * 1024 * 1024


def bytecode_python() -> str:
    """The interpreter lambda.mk compiles with (empty when this machine has none)."""
    completed = subprocess.run(
        [
            *("make", "-s", "--no-print-directory"),
            "--eval=print-bytecode-python: ; @echo $(LAMBDA_BYTECODE_PYTHON)",
            "print-bytecode-python",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def magic_number(python: str) -> bytes:
    completed = subprocess.run(
        [python, "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return bytes.fromhex(completed.stdout.strip())


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
def test_package_bytecode_is_for_the_runtime_python_version(
    group: tuple[str, ...], packages: PackageCache
) -> None:
    package = packages.package(group[0])
    version = runtime_python_version()
    tag = f"cpython-{version.replace('.', '')}"
    sources = sorted(package.rglob("*.py"))
    compiled = sorted(package.rglob("*.pyc"))
    assert {file.name.split(".")[-2] for file in compiled} <= {tag}, "stale bytecode"
    python = bytecode_python()
    if not python:
        assert compiled == []
        return
    # Written by that version's interpreter: its magic number, one .pyc per source.
    assert {file.read_bytes()[:4] for file in compiled} == {magic_number(python)}
    assert {file.parent.parent / f"{file.name.split('.')[0]}.py" for file in compiled} == set(
        sources
    )


def test_without_the_runtime_python_a_package_gets_no_bytecode(tmp_path: Path) -> None:
    package = build_package(
        "StudentsRegistrationFunction", tmp_path / "package", LAMBDA_BYTECODE_PYTHON=""
    )
    assert list(package.rglob("*.py"))
    assert list(package.rglob("*.pyc")) == []


def invoke(package: Path, aws_endpoint: str, event: dict[str, Any]) -> tuple[int, dict, bytes]:
    path, properties = PROPERTIES["BffFunction"]
    environment = probe_environment(path, properties, aws_endpoint)
    result = probe_handler(properties["Handler"], environment, package, json.dumps(event))
    return read_result(result["result"])


@pytest.mark.parametrize("name", sorted(ASSET_SOURCES))
def test_the_bff_package_serves_graphiql_assets_built_from_the_npm_packages(
    name: str, aws_endpoint: str, packages: PackageCache
) -> None:
    package = packages.package("BffFunction")
    node_copy = (ROOT / "tools" / "node" / "node_modules" / ASSET_SOURCES[name][0]).read_bytes()
    status, headers, body = invoke(
        package,
        aws_endpoint,
        http_api_v2_event("GET", f"/graphiql/{name}", headers={"accept-encoding": "gzip"}),
    )
    assert status == 200
    assert headers["content-type"] == ASSET_SOURCES[name][1]
    served = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
    assert served == node_copy
