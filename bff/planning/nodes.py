"""Plan nodes: small frozen types, a union keyed on `kind`, and their deterministic printer.

This module is the contract between the planner (which builds plans) and the executor (which
runs them). A plan is a tree:

- `Fetch`: one request to one subgraph. A root fetch (`requires` empty) sends `operation` as
  is and merges the answer's `data` at the current path. An entity fetch (`requires` set) is
  always wrapped in a `Flatten`: the executor collects the objects found at the flatten path,
  builds one representation per object from `requires` (dropping objects that lack a required
  field, de-duplicating equal representations), sends them as `$representations` to
  `_entities`, and merges each answer back into every object it came from.
- `Flatten`: runs its fetch on the objects at `path` in the response so far (response keys;
  `@` marks "every element of this list"). Rarely, its fetch is a root fetch (`requires`
  empty): a field of type `Query` below the root whose fields another subgraph answers; the
  fetch is sent once and its `data` merged into every object at `path`.
- `Sequence`: children in order (a child may need data an earlier child fetched).
- `Parallel`: children concurrently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .conditions import Guard, read_fetch

OperationKind = Literal["query", "mutation"]
# (path of an object in a fetch's answer, the alias a field was sent under, its client key)
Rename = tuple[tuple[str, ...], str, str]


@dataclass(frozen=True, slots=True)
class RequiredField:
    """A field copied from a fetched object into an entity representation.

    `name` is the response key in the merged data (the planner aliases it if it had to) and
    `representation_name` the field name the subgraph expects in the representation.
    """

    name: str
    selections: tuple[RequiredSelection, ...] = ()
    representation_name: str | None = None

    @property
    def output_name(self) -> str:
        return self.representation_name or self.name


@dataclass(frozen=True, slots=True)
class RequiredSelection:
    """Fields required from objects whose `__typename` is `type_condition`."""

    type_condition: str
    fields: tuple[RequiredField, ...]


@dataclass(frozen=True, slots=True)
class Fetch:
    """One subgraph request.

    - `service`: the subgraph's name (`join__Graph` name, e.g. "students").
    - `operation`: the GraphQL document sent, printed deterministically.
    - `variable_usages`: client variables this document declares (only these are forwarded).
    - `requires`: for entity fetches, how to build each representation: for an object whose
      `__typename` matches a selection's type condition (or an implementation of it), copy
      `__typename` and those fields.
    - `representation_typename`: set for `@interfaceObject` fetches: representations are sent
      with this `__typename` (the interface's name) instead of the object's own.
    - `renames`: fields sent under a planner alias (their response key would not merge with
      another field's in the subgraph document): (path of the object in the answer, alias,
      client key), parents first; the executor renames them before merging the answer.
    - `response_keys`: the response keys `operation` selects at its root (a root fetch's
      fields, reported as failed when the subgraph gives no answer).
    - `guards`: per top-level selection (under `_entities` for an entity fetch), the
      `(variable, value)` pairs `@skip`/`@include` need for it to be present; None when one
      selection is always present. A fetch all of whose selections a request excludes is not
      sent.
    """

    service: str
    operation: str
    operation_kind: OperationKind = "query"
    variable_usages: tuple[str, ...] = ()
    requires: tuple[RequiredSelection, ...] = ()
    representation_typename: str | None = None
    renames: tuple[Rename, ...] = ()
    kind: Literal["Fetch"] = "Fetch"
    # Read from `operation` once, when the plan is made (never per request).
    response_keys: tuple[str, ...] = dataclasses.field(init=False)
    guards: tuple[Guard, ...] | None = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        response_keys, guards = read_fetch(self.operation)
        object.__setattr__(self, "response_keys", response_keys)
        object.__setattr__(self, "guards", guards)

    @property
    def is_entity_fetch(self) -> bool:
        return bool(self.requires)


@dataclass(frozen=True, slots=True)
class Flatten:
    path: tuple[str, ...]
    node: Fetch
    kind: Literal["Flatten"] = "Flatten"


@dataclass(frozen=True, slots=True)
class Sequence:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Sequence"] = "Sequence"


@dataclass(frozen=True, slots=True)
class Parallel:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Parallel"] = "Parallel"


PlanNode = Fetch | Flatten | Sequence | Parallel


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """The whole plan; `node` is None when nothing needs fetching (e.g. only `__typename`)."""

    node: PlanNode | None
    operation_kind: Literal["query", "mutation", "subscription"] = "query"


def plan_fetches(node: PlanNode | None) -> Iterator[tuple[tuple[str, ...], Fetch]]:
    """Every fetch of a plan (tree order) with the response path its answer is merged at."""
    match node:
        case Fetch():
            yield (), node
        case Flatten():
            yield node.path, node.node
        case Sequence() | Parallel():
            for child in node.nodes:
                yield from plan_fetches(child)


def print_plan(plan: QueryPlan) -> str:
    """The plan's deterministic text form, compared by golden plan tests."""
    lines = ["QueryPlan {"]
    if plan.node is not None:
        _print_node(plan.node, 1, lines)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _print_node(node: PlanNode, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    match node:
        case Fetch():
            header = f'{pad}Fetch(service: "{node.service}"'
            if node.representation_typename:
                header += f', as: "{node.representation_typename}"'
            lines.append(header + ") {")
            if node.requires:
                lines.append(f"{pad}  {_print_requires(node.requires)}")
                lines.append(f"{pad}  =>")
            for text_line in node.operation.splitlines():
                lines.append(f"{pad}  {text_line}")
            lines.append(f"{pad}}},")
        case Flatten():
            lines.append(f'{pad}Flatten(path: "{".".join(node.path)}") {{')
            _print_node(node.node, depth + 1, lines)
            lines.append(f"{pad}}},")
        case Sequence() | Parallel():
            lines.append(f"{pad}{node.kind} {{")
            for child in node.nodes:
                _print_node(child, depth + 1, lines)
            lines.append(f"{pad}}},")


def _print_requires(selections: tuple[RequiredSelection, ...]) -> str:
    parts = [
        f"... on {selection.type_condition} {{ __typename {_print_fields(selection.fields)}}}"
        for selection in selections
    ]
    return "{ " + " ".join(parts) + " }"


def _print_fields(fields: tuple[RequiredField, ...]) -> str:
    out = []
    for field in fields:
        text = field.name
        if field.representation_name and field.representation_name != field.name:
            text = f"{field.representation_name}: {field.name}"
        if field.selections:
            text += " " + _print_requires(field.selections)
        out.append(text + " ")
    return "".join(out)
