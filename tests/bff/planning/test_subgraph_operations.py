"""Every operation a plan sends is valid for the subgraph receiving it (checked against the
subgraph's own schema, from the fixture's `subgraphs/` SDL), and declares exactly the client
variables it uses (besides its representations and contextual arguments)."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse, validate

from bff.planning import QueryPlanner
from bff.planning.nodes import plan_fetches, plan_requests

from .golden import GoldenCase, plannable_cases
from .subgraph_schemas import load_subgraph_schemas

CASES = [case for case in plannable_cases() if (case.folder / "subgraphs").is_dir()]
_schemas: dict[str, dict[str, GraphQLSchema]] = {}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fetches_are_valid_subgraph_operations(case: GoldenCase) -> None:
    schemas = _schemas.setdefault(str(case.folder), load_subgraph_schemas(case.folder))
    client = parse(case.operation_text)
    plan = QueryPlanner(case.supergraph).plan(client, case.operation_name)

    for _, fetch in plan_fetches(plan.node):
        document = parse(fetch.operation)
        errors = validate(schemas[fetch.service], document)
        assert not errors, f"{fetch.service}: {fetch.operation}\n{errors}"
        operation = document.definitions[0]
        declared = {
            d.variable.name.value
            for d in operation.variable_definitions or ()  # type: ignore[attr-defined]
        } - {"representations"}
        # Contextual arguments are the gateway's own variables, filled per request.
        contextual = {context.variable for context in fetch.contexts}
        assert declared == set(fetch.variable_usages) | contextual
    # Combined requests are what is sent: valid too.
    for service, sent in plan_requests(plan.node):
        errors = validate(schemas[service], parse(sent))
        assert not errors, f"{service}: {sent}\n{errors}"
