"""Selection sets under construction for one subgraph document, merged as the planner walks.

A draft keeps entries in first-seen order, so printed subgraph operations are deterministic.
Fields merge when their response key, arguments and directives are equal; inline fragments
when their type condition and directives are equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
)

from .nodes import RequiredField, RequiredSelection
from .printing import print_arguments, print_directives


@dataclass(slots=True)
class FieldEntry:
    """One field of a subgraph selection; `sub` is set for fields of composite type."""

    response_key: str
    name: str
    head: str  # printed "alias: name(args) @directives", computed once
    variables: tuple[str, ...]
    sub: SelectionDraft | None = None
    # Set when the field is sent under a planner alias because its response key would not
    # merge with another field of the same key on this object: the client's key.
    client_key: str | None = None


@dataclass(slots=True)
class FragmentEntry:
    """An inline fragment: a type condition (abstract parents) and/or @skip/@include."""

    type_condition: str | None
    head: str
    variables: tuple[str, ...]
    sub: SelectionDraft


@dataclass(slots=True)
class SelectionDraft:
    """An ordered, merging selection set on `type_name`."""

    type_name: str
    entries: dict[tuple[str, str], FieldEntry | FragmentEntry] = field(default_factory=dict)
    # Per response key, the (field head, output type) first selected on this object, shared
    # with the inline fragments inside it: fields of one response key must merge.
    scope: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add_field(
        self,
        name: str,
        alias: str | None = None,
        arguments: Iterable[ArgumentNode] | None = (),
        directives: Iterable[DirectiveNode] | None = (),
        sub_type: str | None = None,
        type_ref: str | None = None,
    ) -> FieldEntry:
        """The entry for this field, created on first use (`sub_type` for composite fields).

        With `type_ref` (the field's output type in the subgraph), a client field whose
        response key another field on this object already uses with other arguments or another
        type (e.g. `id: ID` and `id: ID!` on two union members) is sent under a planner alias,
        renamed back to the client's key when the answer arrives (`renames`).
        """
        arguments = tuple(arguments or ())
        directives = tuple(directives or ())
        body = name + print_arguments(arguments) + print_directives(directives)
        response_key = alias or name
        head = f"{alias}: {body}" if alias and alias != name else body
        key = ("f", head)
        entry = self.entries.get(key)
        if entry is None:
            client_key = None
            if type_ref is not None:
                # Directives do not keep fields from merging: only the field, its arguments
                # and its type do.
                selected = (name + print_arguments(arguments), type_ref)
                first = self.scope.setdefault(response_key, selected)
                if first != selected:
                    client_key = response_key
                    response_key = f"{response_key}__alias_{len(self.scope)}"
                    self.scope[response_key] = selected
                    head = f"{response_key}: {body}"
            entry = FieldEntry(
                response_key=response_key,
                name=name,
                head=head,
                variables=_variables_in(arguments, directives),
                sub=SelectionDraft(sub_type) if sub_type else None,
                client_key=client_key,
            )
            self.entries[key] = entry
        assert isinstance(entry, FieldEntry)
        return entry

    def add_fragment(
        self, type_condition: str | None, directives: Iterable[DirectiveNode] = ()
    ) -> SelectionDraft:
        """The selection inside `... on type_condition @directives`, created on first use."""
        directives = tuple(directives)
        head = "..."
        if type_condition:
            head += f" on {type_condition}"
        head += print_directives(directives)
        key = ("i", head)
        entry = self.entries.get(key)
        if entry is None:
            entry = FragmentEntry(
                type_condition=type_condition,
                head=head,
                variables=_variables_in((), directives),
                sub=SelectionDraft(type_condition or self.type_name, scope=self.scope),
            )
            self.entries[key] = entry
        assert isinstance(entry, FragmentEntry)
        return entry.sub

    def merge(self, other: SelectionDraft) -> None:
        """Adds `other`'s entries (recursively) to this draft."""
        for key, entry in other.entries.items():
            mine = self.entries.get(key)
            if mine is None:
                self.entries[key] = _copy_entry(entry)
            elif mine.sub is not None and entry.sub is not None:
                mine.sub.merge(entry.sub)

    def print(self) -> str:
        """Compact text: `{ a b { c } }`. A subgraph must never get an empty selection: an
        inline fragment left with nothing (all its fields went to other fetches) is left out,
        and an object field left with nothing selects `__typename`."""
        parts: list[str] = []
        for entry in self._printed():
            if entry.sub is not None:
                sub = entry.sub.print() if entry.sub._printed() else "{ __typename }"
                parts.append(f"{entry.head} {sub}")
            else:
                parts.append(entry.head)
        return "{ " + " ".join(parts) + " }"

    def _printed(self) -> list[FieldEntry | FragmentEntry]:
        return [
            entry
            for entry in self.entries.values()
            if not isinstance(entry, FragmentEntry) or entry.sub._printed()
        ]

    def renames(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, str]]:
        """(path of the object in the answer, planner alias, client key) for each aliased
        field, parents before the fields below them."""
        for entry in self._printed():
            if isinstance(entry, FragmentEntry):
                yield from entry.sub.renames(path)
                continue
            if entry.client_key is not None:
                yield path, entry.response_key, entry.client_key
            if entry.sub is not None:
                yield from entry.sub.renames((*path, entry.response_key))

    def variables(self) -> Iterator[str]:
        for entry in self._printed():
            yield from entry.variables
            if entry.sub is not None:
                yield from entry.sub.variables()

    def to_required(self) -> tuple[RequiredField, ...]:
        """This draft as representation fields (`__typename` is implied by the printer)."""
        fields: list[RequiredField] = []
        for entry in self.entries.values():
            if isinstance(entry, FragmentEntry):
                fields.extend(entry.sub.to_required())
                continue
            if entry.name == "__typename":
                continue
            selections: tuple[RequiredSelection, ...] = ()
            if entry.sub is not None:
                selections = entry.sub.to_required_selections()
            fields.append(
                RequiredField(
                    name=entry.response_key,
                    selections=selections,
                    representation_name=entry.name if entry.name != entry.response_key else None,
                )
            )
        return tuple(fields)

    def to_required_selections(self) -> tuple[RequiredSelection, ...]:
        """Nested required fields, one selection per type condition."""
        typed = [
            RequiredSelection(entry.type_condition, entry.sub.to_required())
            for entry in self.entries.values()
            if isinstance(entry, FragmentEntry) and entry.type_condition
        ]
        plain = [entry for entry in self.entries.values() if not isinstance(entry, FragmentEntry)]
        if plain or not typed:
            own = SelectionDraft(self.type_name, {("f", e.head): e for e in plain})
            typed.insert(0, RequiredSelection(self.type_name, own.to_required()))
        return tuple(typed)


def _copy_entry(entry: FieldEntry | FragmentEntry) -> FieldEntry | FragmentEntry:
    if entry.sub is None:
        return entry  # leaf entries are never changed after creation
    sub = SelectionDraft(entry.sub.type_name)
    sub.merge(entry.sub)
    if isinstance(entry, FieldEntry):
        return FieldEntry(
            entry.response_key, entry.name, entry.head, entry.variables, sub, entry.client_key
        )
    return FragmentEntry(entry.type_condition, entry.head, entry.variables, sub)


def _variables_in(
    arguments: Iterable[ArgumentNode], directives: Iterable[DirectiveNode]
) -> tuple[str, ...]:
    found: list[str] = []
    for argument in arguments:
        _collect_variables(argument.value, found)
    for directive in directives:
        for argument in directive.arguments or ():
            _collect_variables(argument.value, found)
    return tuple(found)


def _collect_variables(value: ValueNode, found: list[str]) -> None:
    if isinstance(value, VariableNode):
        found.append(value.name.value)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _collect_variables(item, found)
    elif isinstance(value, ObjectValueNode):
        for item in value.fields:
            _collect_variables(item.value, found)
