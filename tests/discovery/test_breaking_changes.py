"""find_breaking_changes: one fixture folder per kind of change (old.graphql, new.graphql,
expected.txt with one `CODE coordinate` line per expected change)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import BreakingChangeType, build_schema
from graphql import find_breaking_changes as graphql_core_breaking_changes

from discovery.breaking_changes import find_breaking_changes

FIXTURES = Path(__file__).parent / "fixtures" / "breaking"
CASES = sorted(path.name for path in FIXTURES.iterdir())


@pytest.mark.parametrize("case", CASES)
def test_breaking_changes_are_listed_with_code_and_coordinate(case: str) -> None:
    old = build_schema((FIXTURES / case / "old.graphql").read_text())
    new = build_schema((FIXTURES / case / "new.graphql").read_text())

    changes = find_breaking_changes(old, new)

    found = [f"{change.code} {change.coordinate}" for change in changes]
    assert found == (FIXTURES / case / "expected.txt").read_text().splitlines()
    for change in changes:
        assert change.coordinate in change.message


@pytest.mark.parametrize("case", CASES)
def test_nothing_graphql_core_finds_is_missed(case: str) -> None:
    old = build_schema((FIXTURES / case / "old.graphql").read_text())
    new = build_schema((FIXTURES / case / "new.graphql").read_text())
    theirs = [
        change
        for change in graphql_core_breaking_changes(old, new)
        if not change.type.name.startswith("DIRECTIVE")
        and change.type is not BreakingChangeType.REQUIRED_DIRECTIVE_ARG_ADDED
    ]

    ours = find_breaking_changes(old, new)

    assert len(ours) >= len(theirs)
