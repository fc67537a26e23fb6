"""join v0.5 contexts read from supergraphs: `@context` on types, `contextArguments` on fields, the
same whether Apollo's composition or ours printed the supergraph; clients never see either."""

from __future__ import annotations

import pytest
from graphql import print_ast, print_schema

from bff.supergraph import Supergraph, SupergraphError, load_supergraph
from discovery.composition import CompositionSuccess, compose
from tests.discovery.composition.fixture_cases import APOLLO_SUPERGRAPH, FIXTURES, subgraphs_of

CONTEXT_CASES = ("context_arguments", "context_type_conditions", "context_abstract_setters")


def contexts_of(supergraph: Supergraph) -> dict[str, object]:
    """Every context setter and contextual argument, as comparable text."""
    found: dict[str, object] = {}
    for name, info in sorted(supergraph.types.items()):
        if info.contexts:
            found[name] = sorted(info.contexts)
        for field_name, field_info in sorted(info.fields.items()):
            for graph, join in sorted(field_info.joins.items()):
                if join.context_arguments:
                    found[f"{name}.{field_name}@{graph}"] = [
                        (a.name, a.context, a.type, print_ast(a.selection))
                        for a in join.context_arguments
                    ]
    return found


def ours(case: str) -> Supergraph:
    result = compose(subgraphs_of(case))
    assert isinstance(result, CompositionSuccess), result
    return load_supergraph(result.supergraph_sdl)


def apollos(case: str) -> Supergraph:
    return load_supergraph((FIXTURES / case / APOLLO_SUPERGRAPH).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CONTEXT_CASES)
def test_ours_and_apollos_supergraphs_read_the_same_contexts(case: str) -> None:
    assert contexts_of(ours(case)) == contexts_of(apollos(case))


def test_contexts_and_contextual_arguments_are_read() -> None:
    supergraph = apollos("context_arguments")

    assert supergraph.types["User"].contexts == frozenset({"accounts__userContext"})
    (argument,) = supergraph.field("Transaction", "amount").joins["accounts"].context_arguments  # type: ignore[union-attr]
    assert (argument.name, argument.context, argument.type) == (
        "currencyCode",
        "accounts__userContext",
        "String",
    )
    assert print_ast(argument.selection) == "{\n  currency {\n    code\n  }\n}"
    assert supergraph.uses_contexts


def test_type_conditions_of_a_context_selection_are_kept() -> None:
    supergraph = apollos("context_type_conditions")

    (argument,) = supergraph.field("Child", "caption").joins["a"].context_arguments  # type: ignore[union-attr]
    assert print_ast(argument.selection) == (
        "{\n  ... on A {\n    title\n  }\n  ... on B {\n    label\n  }\n}"
    )


def test_clients_see_neither_contextual_arguments_nor_context_directives() -> None:
    api = print_schema(apollos("context_arguments").api_schema)

    assert "amount(rounded: Boolean): Int!" in api
    assert "currencyCode" not in api
    assert "context" not in api


def test_a_supergraph_without_contexts_uses_none() -> None:
    assert not ours("override").uses_contexts


def test_malformed_context_arguments_are_refused() -> None:
    sdl = (FIXTURES / "context_arguments" / APOLLO_SUPERGRAPH).read_text(encoding="utf-8")
    broken = sdl.replace('selection: " { currency { code } }"', "selection: 3")

    with pytest.raises(SupergraphError, match="malformed contextArguments"):
        load_supergraph(broken)


def test_a_context_selection_that_does_not_parse_is_refused() -> None:
    sdl = (FIXTURES / "context_arguments" / APOLLO_SUPERGRAPH).read_text(encoding="utf-8")
    broken = sdl.replace('selection: " { currency { code } }"', 'selection: " { currency { "')

    with pytest.raises(SupergraphError, match=r"context selection of field Transaction\.amount"):
        load_supergraph(broken)
