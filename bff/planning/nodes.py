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
- `Schedule`: `Step`s, each started as soon as the steps it names in `after` have finished.
  A query plan is a `Schedule` when it combines fetches (`fetch_batching.py` says why): a
  `CombinedFetch` joining branches cannot sit in a Sequence/Parallel tree without making some
  unrelated fetch wait for it.
- `CombinedFetch`: one request to one subgraph answering several `FetchPart`s, each an entity
  fetch (one aliased `_entities` field) or a nested root fetch, with its own merge paths,
  representations, renames and guards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .conditions import Guard, read_fetch

OperationKind = Literal["query", "mutation"]
# Documents a combined fetch keeps for the subsets of its parts that requests needed.
MAX_KEPT_DOCUMENTS = 32
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
class ContextSource:
    """Where a contextual value may come from: the ancestor at the first `depth` segments of
    the object's path, when its `__typename` is (an implementation or member of) one of
    `type_conditions`; `value` reads one value on it (a single field chain)."""

    depth: int
    type_conditions: tuple[str, ...]
    value: tuple[RequiredSelection, ...]


@dataclass(frozen=True, slots=True)
class ContextInput:
    """A contextual argument an entity fetch sends as `$variable` (of GraphQL type `type`):
    per object, read from the first of `sources` (nearest ancestor first) that applies, null
    when none does. Objects with different values go in different `_entities` requests."""

    variable: str
    type: str
    sources: tuple[ContextSource, ...]


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
    # Contextual arguments (`@fromContext`), for entity fetches only.
    contexts: tuple[ContextInput, ...] = ()
    kind: Literal["Fetch"] = "Fetch"
    # Read from `operation` once, when the plan is made (never per request).
    response_keys: tuple[str, ...] = dataclasses.field(init=False)
    guards: tuple[Guard, ...] | None = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        response_keys, guards = read_fetch(self.operation, self.renames)
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
class FetchPart:
    """One part of a `CombinedFetch`: what `fetch` would do alone, at each of `paths`.

    `fetch` is the part as a request of its own (never sent): its `requires`, `renames`,
    `representation_typename`, `guards` and `variable_usages` apply to the part. An entity
    part is answered under `alias`, its representations sent as `$<representations_variable>`
    (gathered from the objects at every path and de-duplicated). A root part (`requires`
    empty) is answered in top-level fields: `keys` maps each sent key to the part's own key
    (they differ where the part's keys would collide with another part's).
    """

    fetch: Fetch
    paths: tuple[tuple[str, ...], ...]
    text: str  # the part's top-level selections in the combined document
    # (variable, its printed declaration) for each client variable the part uses.
    declarations: tuple[tuple[str, str], ...] = ()
    alias: str = ""
    representations_variable: str = ""
    keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CombinedFetch:
    """One request to `service` answering several parts (`FetchPart`); `operation` is the
    document with every part. A request sends only the parts it needs (not excluded by its
    `@skip`/`@include` variables, with objects to resolve): `document` gives the text for
    such a subset, built once per subset and kept."""

    service: str
    parts: tuple[FetchPart, ...]
    kind: Literal["CombinedFetch"] = "CombinedFetch"
    operation: str = dataclasses.field(init=False)
    # Sent top-level key -> (index of the part it answers, the part's own key).
    owners: dict[str, tuple[int, str]] = dataclasses.field(init=False, compare=False)
    _documents: dict[tuple[int, ...], CombinedDocument] = dataclasses.field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        owners: dict[str, tuple[int, str]] = {}
        for index, part in enumerate(self.parts):
            if part.fetch.is_entity_fetch:
                owners[part.alias] = (index, part.alias)
            owners.update((sent, (index, own)) for sent, own in part.keys)
        object.__setattr__(self, "owners", owners)
        every = combined_document(list(self.parts))
        object.__setattr__(self, "operation", every.text)
        object.__setattr__(self, "_documents", {tuple(range(len(self.parts))): every})

    def documents_built(self) -> tuple[str, ...]:
        """The texts `document` has built so far (for tools matching recorded requests)."""
        return tuple(document.text for document in self._documents.values())

    def document(self, live: tuple[int, ...]) -> CombinedDocument:
        """The request for the parts numbered `live` (in order), built once per subset (up to
        `MAX_KEPT_DOCUMENTS` of them: many parts could otherwise make many subsets)."""
        document = self._documents.get(live)
        if document is None:
            document = combined_document([self.parts[index] for index in live])
            if len(self._documents) < MAX_KEPT_DOCUMENTS:
                self._documents[live] = document
        return document


@dataclass(frozen=True, slots=True)
class CombinedDocument:
    """The text sent for some parts of a `CombinedFetch`, and the client variables it uses."""

    text: str
    variable_usages: tuple[str, ...]


def combined_document(parts: list[FetchPart]) -> CombinedDocument:
    """One query selecting every part, declaring their representations, then the client
    variables they use (each once, in the order the parts use them)."""
    client = dict(declaration for part in parts for declaration in part.declarations)
    declared = [
        f"${part.representations_variable}: [_Any!]!"
        for part in parts
        if part.representations_variable
    ]
    declared.extend(client.values())
    body = "{ " + " ".join(part.text for part in parts) + " }"
    text = f"query({', '.join(declared)}) {body}" if declared else body
    return CombinedDocument(text, tuple(client))


@dataclass(frozen=True, slots=True)
class Step:
    """One node of a `Schedule`, started once every step numbered in `after` has finished."""

    id: int
    node: Fetch | Flatten | CombinedFetch
    after: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Schedule:
    """Steps in an order where each one's `after` steps come before it."""

    steps: tuple[Step, ...]
    kind: Literal["Schedule"] = "Schedule"

    def __post_init__(self) -> None:
        for position, step in enumerate(self.steps):
            if step.id != position or any(before >= position for before in step.after):
                raise ValueError(f"step {step.id} is out of order")


@dataclass(frozen=True, slots=True)
class Sequence:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Sequence"] = "Sequence"


@dataclass(frozen=True, slots=True)
class Parallel:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Parallel"] = "Parallel"


PlanNode = Fetch | Flatten | Sequence | Parallel | Schedule


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """The whole plan; `node` is None when nothing needs fetching (e.g. only `__typename`)."""

    node: PlanNode | None
    operation_kind: Literal["query", "mutation", "subscription"] = "query"


def plan_fetches(node: PlanNode | None) -> Iterator[tuple[tuple[str, ...], Fetch]]:
    """Every fetch of a plan (plan order) with the response path its answer is merged at; a
    combined fetch gives each part's fetch once per path."""
    match node:
        case Fetch():
            yield (), node
        case Flatten():
            yield node.path, node.node
        case CombinedFetch():
            for part in node.parts:
                for path in part.paths:
                    yield path, part.fetch
        case Schedule():
            for step in node.steps:
                yield from plan_fetches(step.node)
        case Sequence() | Parallel():
            for child in node.nodes:
                yield from plan_fetches(child)


def plan_requests(node: PlanNode | None) -> Iterator[tuple[str, str]]:
    """(subgraph, document) of every request a plan sends when all its parts are needed."""
    match node:
        case Fetch():
            yield node.service, node.operation
        case Flatten():
            yield node.node.service, node.node.operation
        case CombinedFetch():
            yield node.service, node.operation
        case Schedule():
            for step in node.steps:
                yield from plan_requests(step.node)
        case Sequence() | Parallel():
            for child in node.nodes:
                yield from plan_requests(child)


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
                lines.extend(f"{pad}  {_print_context(context)}" for context in node.contexts)
                lines.append(f"{pad}  =>")
            for text_line in node.operation.splitlines():
                lines.append(f"{pad}  {text_line}")
            lines.append(f"{pad}}},")
        case Flatten():
            lines.append(f'{pad}Flatten(path: "{".".join(node.path)}") {{')
            _print_node(node.node, depth + 1, lines)
            lines.append(f"{pad}}},")
        case CombinedFetch():
            lines.append(f'{pad}CombinedFetch(service: "{node.service}") {{')
            for part in node.parts:
                _print_part(part, depth + 1, lines)
            lines.append(f"{pad}  =>")
            lines.append(f"{pad}  {node.operation}")
            lines.append(f"{pad}}},")
        case Schedule():
            lines.append(f"{pad}Schedule {{")
            for step in node.steps:
                after = f", after: [{', '.join(map(str, step.after))}]" if step.after else ""
                lines.append(f"{pad}  Step(id: {step.id}{after}) {{")
                _print_node(step.node, depth + 2, lines)
                lines.append(f"{pad}  }},")
            lines.append(f"{pad}}},")
        case Sequence() | Parallel():
            lines.append(f"{pad}{node.kind} {{")
            for child in node.nodes:
                _print_node(child, depth + 1, lines)
            lines.append(f"{pad}}},")


def _print_part(part: FetchPart, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    paths = ", ".join(f'"{".".join(path)}"' for path in part.paths)
    fetch = part.fetch
    if fetch.is_entity_fetch:
        header = f'{pad}Part(alias: "{part.alias}", paths: [{paths}]'
        if fetch.representation_typename:
            header += f', as: "{fetch.representation_typename}"'
        lines.append(f"{header}) {_print_requires(fetch.requires)},")
    else:
        keys = ", ".join(sent if sent == own else f"{sent}: {own}" for sent, own in part.keys)
        lines.append(f"{pad}Part(root, paths: [{paths}], keys: [{keys}]),")


def _print_context(context: ContextInput) -> str:
    """`$v: T <- 2: ... on User { __typename f } | 0: ...`: each source, nearest first."""
    sources = [
        f"{source.depth}: {' & '.join(source.type_conditions)} {_print_requires(source.value)}"
        for source in context.sources
    ]
    return f"${context.variable}: {context.type} <- {' | '.join(sources)}"


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
