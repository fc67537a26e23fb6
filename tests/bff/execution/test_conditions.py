"""A fetch is skipped only when the request's variables exclude all it selects: the plan reads
each fetch's conditions once (`bff/planning/conditions.py`), the executor only evaluates them
(`bff/execution/conditions.py`); end to end in tests/bff/features (interface-object/brief)."""

from __future__ import annotations

from typing import Any

import pytest

from bff.execution.conditions import excludes_every_selection
from bff.planning.conditions import read_fetch
from bff.planning.nodes import Fetch, Flatten, Sequence
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs
from tests.bff.execution.support import PlanRunner
from tests.bff.execution.test_partial_results import SHIPPING_NEEDS, entities

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
    assert excludes_every_selection(_fetch(ENTITY_FETCH % body), variables) is excluded


ROOT_FETCH = "query($a: Boolean!, $b: Boolean!) { %s }"


@pytest.mark.parametrize(
    ("body", "variables", "excluded"),
    [
        ("me @include(if: $a) { id }", {"a": False}, True),
        ("me @include(if: $a) { id } other @skip(if: $b)", {"a": False, "b": False}, False),
        ("... @skip(if: $a) { me { id } }", {"a": True}, True),
        ("me { id @include(if: $a) }", {"a": False}, False),
    ],
    ids=["field excluded", "one still in", "fragment excluded", "only a nested field"],
)
def test_root_fetches_are_skipped_alike(
    body: str, variables: dict[str, Any], excluded: bool
) -> None:
    assert excludes_every_selection(_fetch(ROOT_FETCH % body), variables) is excluded


def test_a_fetch_knows_its_root_response_keys() -> None:
    keys, _ = read_fetch("{ a: me { id } __typename ... on Query { other } }")

    assert keys == ("a", "other")


def _fetch(operation: str) -> Fetch:
    return Fetch(service="s", operation=operation)


async def test_fetches_a_literal_condition_empties_are_not_sent(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch("catalog", '{ product(id: "p1") { __typename id price weight name } }'),
            Fetch("accounts", "{ userCount @include(if: false) }"),
            Flatten(
                ("product",),
                Fetch(
                    "shipping",
                    entities("... on Product { shippingEstimate @skip(if: true) }"),
                    requires=SHIPPING_NEEDS,
                ),
            ),
        )
    )
    result = await gateway.run(plan, '{ product(id: "p1") { name } }')

    assert result.data == {"product": {"name": "Keyboard"}}
    assert subgraphs["accounts"].received == subgraphs["shipping"].received == []
