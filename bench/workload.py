"""The benchmark's workload: subgraphs (SDL + fixed data), the queries, and the composed supergraph.

Two graphs are served together, composed into one supergraph by our composer:

- the four subgraphs of the public graphql-gateways-benchmark (accounts, inventory, products,
  reviews) over our own fixed data (`workload/federation/`);
- fakes of our three services (students, lessons, analytics): the SDL the real services serve,
  answered from fixed data (`workload/cdu/`) by Node, so no DynamoDB is on the measured path.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from pathlib import Path

from graphql import (
    DefinitionNode,
    DocumentNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    parse,
    print_ast,
)

BENCH_DIR = Path(__file__).resolve().parent
NODE_DIR = BENCH_DIR / "node"
WORKLOAD_DIR = BENCH_DIR / "workload"
FEDERATION_DIR = WORKLOAD_DIR / "federation"
CDU_DIR = WORKLOAD_DIR / "cdu"

FEDERATION_SUBGRAPHS = ("accounts", "inventory", "products", "reviews")
CDU_SUBGRAPHS = ("students", "lessons", "analytics")

# What @apollo/subgraph adds itself; strawberry's `_service { sdl }` already prints them.
_FEDERATION_INTERNALS = frozenset({"_Any", "_Entity", "_Service", "_entities", "_service"})


@dataclass(frozen=True, slots=True)
class SubgraphSource:
    """One subgraph as the Node server needs it: its SDL and the JSON file of its data."""

    name: str
    sdl: str
    data_path: Path


@dataclass(frozen=True, slots=True)
class Scenario:
    """One query under load: `name` keys the results, `duration_scale` its share of load time."""

    name: str
    title: str
    query_path: Path
    duration_scale: float = 1.0

    @property
    def query(self) -> str:
        return self.query_path.read_text(encoding="utf-8")


SCENARIOS = (
    Scenario(
        "deep",
        "deep query, 4 federation subgraphs (graphql-gateways-benchmark)",
        FEDERATION_DIR / "deep.graphql",
    ),
    Scenario(
        "small",
        "small query, one subgraph (accounts.users)",
        FEDERATION_DIR / "small.graphql",
        duration_scale=0.5,
    ),
    Scenario(
        "three-services",
        "our schema: leaderboard + students + lessons (fake subgraphs)",
        CDU_DIR / "profile.graphql",
        duration_scale=0.5,
    ),
)


def federation_subgraphs() -> list[SubgraphSource]:
    data = FEDERATION_DIR / "data.json"
    return [
        SubgraphSource(name, (FEDERATION_DIR / f"{name}.graphql").read_text(), data)
        for name in FEDERATION_SUBGRAPHS
    ]


def cdu_subgraphs() -> list[SubgraphSource]:
    """Our services' SDL exactly as each serves it (`_service { sdl }`), without the internals."""
    data = CDU_DIR / "data.json"
    return [SubgraphSource(name, served_sdl(name), data) for name in CDU_SUBGRAPHS]


def served_sdl(service: str) -> str:
    schema = importlib.import_module(f"services.{service}.schema").schema
    result = schema.execute_sync("{ _service { sdl } }")
    if result.errors or not result.data:
        raise RuntimeError(f"services.{service} did not serve its SDL: {result.errors}")
    return without_federation_internals(result.data["_service"]["sdl"])


def without_federation_internals(sdl: str) -> str:
    """The SDL without `_entities`, `_service`, `_Any`, `_Entity`, `_Service`."""
    document = parse(sdl)
    kept: list[DefinitionNode] = []
    for definition in document.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if name in _FEDERATION_INTERNALS:
            continue
        if isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            fields = tuple(
                field
                for field in definition.fields or ()
                if field.name.value not in _FEDERATION_INTERNALS
            )
            definition = replace(definition, fields=fields)
        kept.append(definition)
    return print_ast(DocumentNode(definitions=tuple(kept)))
