"""Lambda packages built as `sam build` builds them (infra/lambda.mk), and a probe that imports a
handler from its package alone, for the template and package tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_MK = ROOT / "infra" / "lambda.mk"
PROJECT_PACKAGES = ("bff", "discovery", "services")

# `build-A build-B:` in lambda.mk: functions listed on one rule get the same package.
_RULE = re.compile(r"^((?:build-\w+\s*)+):", re.MULTILINE)


def recipe_groups() -> list[tuple[str, ...]]:
    """Logical ids of the functions, grouped by the lambda.mk rule that builds them."""
    return [
        tuple(target.removeprefix("build-") for target in rule.split())
        for rule in _RULE.findall(LAMBDA_MK.read_text())
    ]


def runtime_python_version() -> str:
    match = re.search(r"^LAMBDA_PYTHON_VERSION \?= (\S+)$", LAMBDA_MK.read_text(), re.MULTILINE)
    assert match, "lambda.mk names no LAMBDA_PYTHON_VERSION"
    return match.group(1)


def build_package(logical_id: str, target: Path, **variables: str) -> Path:
    """Run `make build-<logical_id>` into `target` (as SAM does, from the repository root)."""
    if not target.exists():
        subprocess.run(
            [
                *("make", "-s", f"build-{logical_id}", f"ARTIFACTS_DIR={target}"),
                *(f"{name}={value}" for name, value in variables.items()),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return target


class PackageCache:
    """One build per lambda.mk rule, shared by the functions it builds."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._groups = recipe_groups()

    def package(self, logical_id: str) -> Path:
        group = next(group for group in self._groups if logical_id in group)
        return build_package(group[0], self.directory / group[0])


IMPORT_PROBE = """
import importlib, json, sys
module_name, _, attribute = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module_name), attribute)
assert callable(handler), "not callable"
result = None
if len(sys.argv) > 2:
    from types import SimpleNamespace
    context = SimpleNamespace(
        function_name="probe", aws_request_id="probe", function_version="1",
        memory_limit_in_mb=512, log_group_name="probe", log_stream_name="probe",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:probe",
    )
    result = handler(json.loads(sys.argv[2]), context)
files = sorted(
    m.__file__ for name, m in list(sys.modules.items()) if getattr(m, "__file__", None)
)
print(json.dumps({"files": files, "result": result}))
"""


def site_packages() -> Path:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return Path(sys.prefix) / "lib" / version / "site-packages"


@cache
def probe_handler(
    handler: str,
    environment: tuple[tuple[str, str], ...],
    package_dir: Path,
    event: str | None = None,
) -> dict[str, Any]:
    """Import the handler in a fresh interpreter with only its template's environment (and
    invoke it with `event`, JSON, if given): `{"files": every module file imported, "result"}`.

    The project's modules come only from the Lambda package; third-party ones from the
    virtualenv first (the package's are arm64 builds), without its editable install of this
    repository (`-S` skips the .pth) and without the working directory (`-P`).
    """
    env = {
        "PYTHONPATH": f"{site_packages()}{os.pathsep}{package_dir}",
        "PATH": os.environ.get("PATH", ""),
        # The package stays as built: no bytecode of this (build) interpreter's version in it.
        "PYTHONDONTWRITEBYTECODE": "1",
        **dict(environment),
    }
    completed = subprocess.run(
        [sys.executable, "-S", "-P", "-c", IMPORT_PROBE, handler, *([event] if event else [])],
        cwd=package_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def project_files(files: list[str], package_dir: Path) -> set[str]:
    """The imported files of the project's packages, relative to `package_dir` where inside."""
    found = set()
    for file in files:
        path = Path(file)
        if path.is_relative_to(package_dir):
            found.add(str(path.relative_to(package_dir)))
        elif path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] in PROJECT_PACKAGES:
            found.add(str(path))  # imported from the repository: not in the package
    return found
