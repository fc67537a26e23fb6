"""The oracle's stack, once per package: seeded tables on the moto server, the three real
services and the gateway on loopback (uvicorn threads, free ports), and the monolith."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import GraphQLSchema

from tests.bff.oracle.corpus_cases import CorpusCase
from tests.bff.oracle.monolith import build_monolith, run_monolith
from tests.bff.oracle.school import School, create_school_tables, seed_school
from tests.bff.oracle.stack import OracleStack, running_stack


@dataclass(frozen=True)
class Oracle:
    """Both sides of the comparison: the gateway over HTTP and the monolith in process."""

    stack: OracleStack
    monolith: GraphQLSchema
    school: School
    _answers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def expected(self, case: CorpusCase) -> dict[str, Any]:
        """The monolith's response to `case`, computed once: the data never changes (the
        corpus' mutations are all refused or repeated ones)."""
        if case.name not in self._answers:
            self._answers[case.name] = run_monolith(
                self.monolith, case.query, case.variables, case.operation_name
            )
        return self._answers[case.name]


@pytest.fixture(scope="package")
def school(dynamodb_client: Any) -> School:
    school = create_school_tables(dynamodb_client)
    seed_school(school, datetime.now(UTC))
    return school


@pytest.fixture(scope="package")
def oracle(school: School) -> Iterator[Oracle]:
    with running_stack(school) as stack:
        yield Oracle(stack=stack, monolith=build_monolith(school), school=school)
