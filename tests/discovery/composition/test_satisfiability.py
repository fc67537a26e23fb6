"""Composition refuses supergraphs the gateway could not plan, and what it accepts plans."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    parse,
    validate,
)

from bff.planning import PlanningError, QueryPlanner
from bff.planning.query_graph import QueryGraph
from bff.planning.satisfiability import check_satisfiability
from bff.supergraph import load_supergraph
from discovery.composition import SubgraphInput, compose
from tests.discovery.composition.fixture_cases import APOLLO_SUPERGRAPH, cases_with, subgraphs_of

PLANNING_FIXTURES = Path(__file__).parents[2] / "bff" / "planning" / "fixtures"
FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: {imports})\n'


def _subgraph(name: str, sdl: str, imports: str = '["@key"]') -> SubgraphInput:
    return SubgraphInput(name, f"http://{name}.local/graphql", FED2.format(imports=imports) + sdl)


def _errors(*subgraphs: SubgraphInput) -> list[tuple[str, str]]:
    result = compose(list(subgraphs))
    return [] if result.ok else [(error.code, error.message) for error in result.errors]


def test_a_field_behind_a_key_the_other_subgraph_cannot_give_is_refused() -> None:
    errors = _errors(
        _subgraph(
            "a", 'type Query { me: User } type User @key(fields: "id") { id: ID! name: String }'
        ),
        _subgraph("b", 'type User @key(fields: "email") { email: String! age: Int }'),
    )

    assert {code for code, _ in errors} == {"SATISFIABILITY_ERROR"}
    age = next(message for _, message in errors if '"User.age"' in message)
    assert age == (
        "The following supergraph API query:\n{\n  me {\n    age\n  }\n}\n"
        "cannot be satisfied by the subgraphs because:\n"
        '- from subgraph "a":\n'
        '  - cannot find field "User.age".\n'
        '  - cannot move to subgraph "b" using @key(fields: "email") of "User", the key '
        'field(s) cannot be resolved from subgraph "a".'
    )


def test_keys_chained_through_a_third_subgraph_make_the_field_reachable() -> None:
    errors = _errors(
        _subgraph(
            "a", 'type Query { me: User } type User @key(fields: "id") { id: ID! name: String }'
        ),
        _subgraph(
            "b",
            'type User @key(fields: "email") { email: String! @shareable age: Int }',
            '["@key", "@shareable"]',
        ),
        _subgraph(
            "c",
            'type User @key(fields: "id") { id: ID! email: String! @shareable }',
            '["@key", "@shareable"]',
        ),
    )

    assert errors == []


def test_a_key_whose_nested_fields_another_subgraph_gives_makes_the_field_reachable() -> None:
    # `c` enters a List by its items' ids and codes; only `b` has the codes, by each item's id.
    result = compose(
        [
            _subgraph(
                "a",
                'type Query { list: List } type List @key(fields: "items { id }") '
                '{ items: [Item!]! } type Item @key(fields: "id") { id: ID! }',
            ),
            _subgraph(
                "b",
                'type Item @key(fields: "id") @key(fields: "id code") { id: ID! code: String! }',
            ),
            _subgraph(
                "c",
                'type List @key(fields: "items { id code }") { items: [Item!]! first: Item } '
                'type Item @key(fields: "id code") { id: ID! code: String }',
            ),
        ]
    )

    assert result.ok, result.errors
    supergraph = load_supergraph(result.supergraph_sdl)
    example = check_satisfiability(QueryGraph(supergraph)).examples["List.first"]
    assert example == "{\n  list {\n    first {\n      __typename\n    }\n  }\n}"
    assert QueryPlanner(supergraph).plan(parse(example)) is not None


def test_a_requires_input_no_subgraph_on_the_path_has_is_refused() -> None:
    errors = _errors(
        _subgraph(
            "a",
            'type Query { products: [Product] } type Product @key(fields: "id") { id: ID! }',
        ),
        _subgraph(
            "b",
            'type Product @key(fields: "id") { id: ID! weight: Int @external '
            'shipping: Int @requires(fields: "weight") }',
            '["@key", "@external", "@requires"]',
        ),
        _subgraph(
            "c",
            'type Product @key(fields: "sku", resolvable: false) { sku: ID! weight: Int }',
        ),
    )

    codes = {code for code, _ in errors}
    assert codes == {"SATISFIABILITY_ERROR"}
    assert any('"Product.shipping"' in message for _, message in errors)


def test_a_value_type_field_only_another_subgraph_reaches_is_refused_under_a_nested_path() -> None:
    errors = _errors(
        _subgraph(
            "a",
            "type Query { shop: Shop } type Shop { owner: Owner } type Owner { name: String "
            "@shareable }",
            '["@key", "@shareable"]',
        ),
        _subgraph(
            "b",
            "type Query { owners: [Owner] } type Owner { name: String @shareable email: String }",
            '["@key", "@shareable"]',
        ),
    )

    assert [message.split("\ncannot")[0] for _, message in errors] == [
        "The following supergraph API query:\n{\n  shop {\n    owner {\n      email\n    }\n  }\n}"
    ]


def test_an_interface_field_leads_on_through_its_implementations_too() -> None:
    # From catalog, Item.parts leads to parts whose keys only its @provides gives; from aisle,
    # Item.parts is answered per implementation (Kit), whose key enters depot: satisfiable, as
    # Apollo's composition finds, and planned (golden plans of the same fixture).
    folder = PLANNING_FIXTURES / "provides-interface-keys" / "subgraphs"
    result = compose(
        [
            SubgraphInput(path.stem, f"http://{path.stem}.local/graphql", path.read_text())
            for path in sorted(folder.glob("*.graphql"))
        ]
    )

    assert result.ok, [error.message for error in result.errors]


@pytest.mark.parametrize("case", cases_with(APOLLO_SUPERGRAPH))
def test_every_field_of_a_composed_fixture_supergraph_plans(case: str) -> None:
    result = compose(subgraphs_of(case))
    assert result.ok
    supergraph = load_supergraph(result.supergraph_sdl)
    report = check_satisfiability(QueryGraph(supergraph))
    planner = QueryPlanner(supergraph)
    visible = _fields_reachable_from_roots(supergraph.api_schema)

    assert report.ok
    assert visible <= set(report.examples), visible - set(report.examples)
    for coordinate, example in report.examples.items():
        document = parse(example)
        assert validate(supergraph.api_schema, document) == [], (coordinate, example)
        try:
            planner.plan(document)
        except PlanningError as error:  # pragma: no cover - the assertion below reports it
            pytest.fail(f"{coordinate}: {example}\n{error}")


def _fields_reachable_from_roots(schema: GraphQLSchema) -> set[str]:
    """Every field coordinate a client operation can select (subscriptions are not planned)."""
    found: set[str] = set()
    pending = [root for root in (schema.query_type, schema.mutation_type) if root is not None]
    seen: set[str] = set()
    while pending:
        named = pending.pop()
        if named.name in seen:
            continue
        seen.add(named.name)
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            pending.extend(schema.get_possible_types(named))
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                found.add(f"{named.name}.{field_name}")
                output = get_named_type(field.type)
                if isinstance(output, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                    pending.append(output)
    return found


def test_composition_and_its_satisfiability_check_import_no_gateway_runtime() -> None:
    probe = (
        "import sys, discovery.composition, discovery.composition.satisfiability;"
        "from discovery.composition import compose;"
        "loaded = {'aiohttp', 'orjson', 'bff.execution', 'bff.gateway'} & set(sys.modules);"
        "print(sorted(loaded))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"
