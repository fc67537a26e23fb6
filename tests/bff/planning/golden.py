"""Golden plan fixtures: `fixtures/<case>/` holds `supergraph.graphql` and pairs of
`operation[.<variant>].graphql` / `plan[.<variant>].txt`; for an operation no plan satisfies,
the plan file holds `QueryPlanningFailed: <the planner's message>`.

An operation file may start with `# operationName: Name` to pick one of several operations.
Run with `UPDATE_GOLDEN=1` to rewrite the plan files, then review every changed plan by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bff.supergraph import Supergraph, load_supergraph_file

FIXTURES = Path(__file__).parent / "fixtures"
# Supergraphs on which some operations cannot be planned (the gateway refuses them whole).
UNPLANNABLE = frozenset(
    {"unplannable", "unsatisfiable", "unimplemented-interface", "interface-root-keys"}
)
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
OPERATION_NAME_HEADER = "# operationName:"
# Progressive-override labels the operation is planned with, as a request enabling them would.
OVERRIDE_LABELS_HEADER = "# overrideLabels:"


@dataclass(frozen=True)
class GoldenCase:
    folder: Path
    operation_file: Path
    plan_file: Path

    @property
    def id(self) -> str:
        return f"{self.folder.name}/{self.operation_file.stem}"

    @property
    def operation_text(self) -> str:
        return self.operation_file.read_text(encoding="utf-8")

    @property
    def operation_name(self) -> str | None:
        first_line = self.operation_text.split("\n", 1)[0]
        if first_line.startswith(OPERATION_NAME_HEADER):
            return first_line.removeprefix(OPERATION_NAME_HEADER).strip()
        return None

    @property
    def override_labels(self) -> frozenset[str]:
        for line in self.operation_text.splitlines():
            if line.startswith(OVERRIDE_LABELS_HEADER):
                labels = line.removeprefix(OVERRIDE_LABELS_HEADER).split(",")
                return frozenset(label.strip() for label in labels if label.strip())
        return frozenset()

    @property
    def supergraph(self) -> Supergraph:
        return _load(self.folder / "supergraph.graphql").with_override_labels(self.override_labels)


@cache
def _load(path: Path) -> Supergraph:
    return load_supergraph_file(path)


def golden_cases() -> list[GoldenCase]:
    cases = []
    for folder in sorted(p for p in FIXTURES.iterdir() if (p / "supergraph.graphql").exists()):
        for operation_file in sorted(folder.glob("operation*.graphql")):
            suffix = operation_file.name.removeprefix("operation").removesuffix(".graphql")
            cases.append(GoldenCase(folder, operation_file, folder / f"plan{suffix}.txt"))
    return cases


def plannable_cases() -> list[GoldenCase]:
    """The cases whose operations have plans."""
    return [case for case in golden_cases() if case.folder.name not in UNPLANNABLE]


def check_golden(case: GoldenCase, actual: str) -> None:
    """Compare with the plan file, or write it when updating."""
    if UPDATE or not case.plan_file.exists():
        case.plan_file.write_text(actual, encoding="utf-8")
        if not UPDATE:
            raise AssertionError(f"{case.plan_file} did not exist: written, review it by hand")
        return
    assert actual == case.plan_file.read_text(encoding="utf-8")
