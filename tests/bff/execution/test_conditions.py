"""An entity fetch is skipped only when the request's variables exclude all it selects
(`bff/execution/conditions.py`); end to end in tests/bff/features (interface-object/brief)."""

from __future__ import annotations

from typing import Any

import pytest

from bff.execution.conditions import excludes_every_selection

ENTITY_FETCH = (
    "query($representations: [_Any!]!, $a: Boolean!, $b: Boolean!) "
    "{ _entities(representations: $representations) { ... on Media { %s } } }"
)


CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    ("include false", "... @include(if: $a) { title }", {"a": False}, True),
    ("include true", "... @include(if: $a) { title }", {"a": True}, False),
    ("skip true", "title @skip(if: $a)", {"a": True}, True),
    ("skip false", "title @skip(if: $a)", {"a": False}, False),
    ("one unconditional field", "id ... @include(if: $a) { title }", {"a": False}, False),
    (
        "every field excluded",
        "title @include(if: $a) year @skip(if: $b)",
        {"a": False, "b": True},
        True,
    ),
    (
        "one field still in",
        "title @include(if: $a) year @skip(if: $b)",
        {"a": False, "b": False},
        False,
    ),
    (
        "nested conditions",
        "... @include(if: $a) { title @skip(if: $b) }",
        {"a": True, "b": True},
        True,
    ),
    ("literal exclusion", "title @include(if: false) year @include(if: $a)", {"a": False}, True),
    ("literal inclusion", "title @include(if: true) year @include(if: $a)", {"a": False}, False),
    ("variable not given", "... @include(if: $a) { title }", {}, False),
]


@pytest.mark.parametrize(
    ("body", "variables", "excluded"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_excludes_every_selection(body: str, variables: dict[str, Any], excluded: bool) -> None:
    assert excludes_every_selection(ENTITY_FETCH % body, variables) is excluded
