"""Generated queries against the real services: each is planned, every document the plan sends
validates against the schema the receiving service serves (its own SDL, `_entities` included),
and the gateway's answer over HTTP equals the monolith's over the same tables (data, key order
included, and error paths). Deterministic: a seeded RNG draws the same operations every run."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from graphql import GraphQLSchema, build_ast_schema, parse, validate, visit

from bff.planning import QueryPlanner
from bff.planning.nodes import plan_requests
from bff.supergraph import Supergraph, load_supergraph
from discovery.registration import fetch_service_sdl
from tests.bff.features.fixture_subgraph import _WithoutFederation
from tests.bff.oracle.conftest import Oracle
from tests.bff.oracle.monolith import run_monolith
from tests.bff.oracle.school import SCHOOL_FILE
from tests.bff.oracle.stack import API_KEYS
from tests.bff.oracle.test_corpus import ordered
from tests.bff.property.agreement import assert_same_errors
from tests.bff.property.operation_generator import OperationGenerator

SEED = 20261202
OPERATIONS = 40


def argument_values() -> dict[str, list[Any]]:
    """Ids the seeded tables hold, so that lookups find students and lessons."""
    school = json.loads(SCHOOL_FILE.read_text(encoding="utf-8"))
    return {
        "student.id": [*(student["id"] for student in school["students"][:4]), "stu-none"],
        "lesson.id": [*(lesson["id"] for lesson in school["lessons"][:4]), "les-none"],
        "students.first": [1, 3, 20],
    }


def served_schema(sdl: str) -> GraphQLSchema:
    """The schema a service serves, from the SDL it reports (strawberry prints its federation
    types and `_entities` in it): only its federation directives are dropped."""
    return build_ast_schema(visit(parse(sdl), _WithoutFederation()))


@cache
def supergraph_of(sdl: str) -> Supergraph:
    return load_supergraph(sdl)


def test_generated_queries_answer_like_the_monolith(oracle: Oracle) -> None:
    supergraph = supergraph_of(oracle.stack.supergraph_sdl)
    planner = QueryPlanner(supergraph)
    served = {
        name: served_schema(fetch_service_sdl(url, API_KEYS[name]))
        for name, url in oracle.stack.subgraph_urls.items()
    }
    generator = OperationGenerator(supergraph.api_schema, SEED, argument_values())
    for _ in range(OPERATIONS):
        operation = generator.operation()
        plan = planner.plan(parse(operation.text), None)
        for service, sent in plan_requests(plan.node):
            errors = validate(served[service], parse(sent))
            assert not errors, f"{service} rejects:\n{sent}\n{errors}"

        response = oracle.stack.post(operation.text, operation.variables)
        expected = run_monolith(oracle.monolith, operation.text, operation.variables)

        assert response.status == 200, operation
        assert ordered(response.body.get("data")) == ordered(expected["data"]), operation
        assert_same_errors(response.body, expected, operation)
