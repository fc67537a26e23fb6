"""Every federation feature executed for real: each golden operation of the planner's fixtures
(plus the extra cases in `cases/<feature>/`) is sent over HTTP to the gateway serving that
fixture's supergraph, in front of subgraphs that implement its SDLs with fixed data.

Each case compares the whole JSON response with `cases/<feature>/<operation>.expected.json`,
written by hand from `data/<feature>/`, and the calls each subgraph received ("query" for a root
fetch, "_entities xN" for an entity fetch of N de-duplicated representations). A case may also
say how many times a subgraph resolved given fields (`"resolved": {"shop": {"Product.price(currency:
\"EUR\")": 2}}`): a field the gateway asks for twice is resolved twice.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.bff.features.feature_stack import PLANNING_FIXTURES, FeatureStack, SubgraphCall

CASES_DIR = Path(__file__).parent / "cases"
FEATURES = (
    "keys",
    "shareable",
    "requires",
    "provides",
    "override",
    "interface-object",
    "abstract-types",
    "inaccessible",
    "nested-query-type",
    "legacy-join-v0.2",
    "shared-tree",
    "value-types",
    "unsatisfiable",
    "local-types",
    "progressive-override",
    "aliasing",
    "combined-fetches",
    "requires-arguments",
    "provides-interface",
    "provides-interface-keys",
    "contexts",
    "alias-collisions",
    "interface-object-concrete",
    "shared-union-members",
    "parent-entities",
    "unimplemented-interface",
    "nested-keys",
    "interface-root-keys",
)
OPERATION_NAME_HEADER = "# operationName:"


@dataclass(frozen=True)
class FeatureCase:
    feature: str
    operation_file: Path

    @property
    def id(self) -> str:
        return f"{self.feature}/{self.operation_file.stem}"

    def _companion(self, suffix: str) -> Path:
        return CASES_DIR / self.feature / f"{self.operation_file.stem}.{suffix}"

    @property
    def query(self) -> str:
        return self.operation_file.read_text(encoding="utf-8")

    @property
    def operation_name(self) -> str | None:
        first_line = self.query.split("\n", 1)[0]
        if first_line.startswith(OPERATION_NAME_HEADER):
            return first_line.removeprefix(OPERATION_NAME_HEADER).strip()
        return None

    @property
    def variables(self) -> dict[str, Any] | None:
        path = self._companion("variables.json")
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads(self._companion("expected.json").read_text(encoding="utf-8"))


def feature_cases() -> list[FeatureCase]:
    cases = []
    for feature in FEATURES:
        golden = sorted((PLANNING_FIXTURES / feature).glob("operation*.graphql"))
        extra = sorted((CASES_DIR / feature).glob("*.graphql"))
        cases += [FeatureCase(feature, path) for path in (*golden, *extra)]
    return cases


class FeatureStacks:
    """Each feature's stack, started on first use and all stopped when the module ends."""

    def __init__(self) -> None:
        self._started: dict[str, FeatureStack] = {}

    def __getitem__(self, feature: str) -> FeatureStack:
        if feature not in self._started:
            self._started[feature] = FeatureStack.for_feature(feature).start()
        return self._started[feature]

    def stop(self) -> None:
        for stack in self._started.values():
            stack.stop()


@pytest.fixture(scope="module")
def stacks() -> Iterator[FeatureStacks]:
    started = FeatureStacks()
    try:
        yield started
    finally:
        started.stop()


def calls_by_service(calls: list[SubgraphCall]) -> dict[str, list[str]]:
    summary: dict[str, list[str]] = {}
    for call in calls:
        summary.setdefault(call.service, []).append(call.summary)
    # Independent fetches run concurrently: their order is not part of the contract.
    return {service: sorted(found) for service, found in sorted(summary.items())}


def case_params() -> list[Any]:
    """Each case; one whose answer file names a known gap (`"xfail"`) must keep failing until
    the gap is closed (strict), so the file is updated when it is."""
    params = []
    for case in feature_cases():
        gap = case.expected.get("xfail")
        marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
        params.append(pytest.param(case, marks=marks, id=case.id))
    return params


@pytest.mark.parametrize("case", case_params())
def test_feature_case(case: FeatureCase, stacks: FeatureStacks) -> None:
    stack = stacks[case.feature]
    stack.calls.clear()

    status, body = stack.post(case.query, case.variables, case.operation_name)

    expected = case.expected
    assert (status, body) == (expected.get("status", 200), expected["response"])
    assert calls_by_service(stack.calls) == expected["calls"]
    for service, counts in expected.get("resolved", {}).items():
        resolved = Counter(
            name for call in stack.calls if call.service == service for name in call.resolved
        )
        assert {name: resolved[name] for name in counts} == counts, service


def test_every_golden_feature_folder_is_executed() -> None:
    # our-services is executed against the real services by the oracle (tests/bff/oracle).
    with_operations = {
        folder.name
        for folder in PLANNING_FIXTURES.iterdir()
        if any(folder.glob("operation*.graphql"))
    }
    assert with_operations - {"our-services"} == set(FEATURES)


def test_every_feature_has_data_and_every_case_an_answer() -> None:
    for feature in FEATURES:
        assert (Path(__file__).parent / "data" / feature).is_dir(), feature
    for case in feature_cases():
        assert (CASES_DIR / case.feature / f"{case.operation_file.stem}.expected.json").exists(), (
            case.id
        )
