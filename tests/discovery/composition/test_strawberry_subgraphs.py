"""Subgraph SDL exactly as strawberry prints it (the federation @link, `_service`, `_entities`,
`_Any`, `_Entity`) composes, with the federation internals left out of the supergraph."""

from __future__ import annotations

import strawberry
import strawberry.federation

from discovery.composition import CompositionSuccess, SubgraphInput, compose
from tests.discovery.composition.supergraph_meaning import supergraph_meaning


@strawberry.federation.type(keys=["id"])
class Student:
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)
    email: str = strawberry.federation.field(inaccessible=True)


@strawberry.type
class StudentsQuery:
    @strawberry.field
    def student(self, id: strawberry.ID) -> Student | None:
        return None


@strawberry.federation.type(keys=["id"], name="Student")
class LessonsStudent:
    id: strawberry.ID
    name: str = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["name"])
    def greeting(self) -> str:
        return f"Hello {self.name}"


@strawberry.type
class LessonsQuery:
    @strawberry.field
    def lessons(self) -> list[str]:
        return []


def subgraph(name: str, schema: strawberry.federation.Schema) -> SubgraphInput:
    return SubgraphInput(name, f"http://{name}.local/graphql", schema.as_str())


def test_strawberry_subgraphs_compose_without_federation_internals() -> None:
    students = strawberry.federation.Schema(query=StudentsQuery)
    lessons = strawberry.federation.Schema(query=LessonsQuery, types=[LessonsStudent])
    assert "_entities" in students.as_str()

    result = compose([subgraph("students", students), subgraph("lessons", lessons)])

    assert isinstance(result, CompositionSuccess), result
    types = supergraph_meaning(result.supergraph_sdl)["types"]
    assert isinstance(types, dict)
    assert not {"_Any", "_Entity", "_Service"} & types.keys()
    assert set(types["Query"]["fields"]) == {"student", "lessons"}
    student = types["Student"]
    assert student["directives"] == [
        ("join__type", (("graph", "LESSONS"), ("key", '"id"'))),
        ("join__type", (("graph", "STUDENTS"), ("key", '"id"'))),
    ]
    assert student["fields"]["greeting"]["directives"] == [
        ("join__field", (("graph", "LESSONS"), ("requires", '"name"'))),
    ]
    assert student["fields"]["name"]["directives"] == [
        ("join__field", (("external", "true"), ("graph", "LESSONS"))),
        ("join__field", (("graph", "STUDENTS"),)),
    ]
    assert student["fields"]["email"]["directives"] == [
        ("inaccessible", ()),
        ("join__field", (("graph", "STUDENTS"),)),
    ]
