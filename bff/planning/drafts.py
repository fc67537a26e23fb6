"""Selection sets under construction for one subgraph document, merged as the planner walks.

A draft keeps entries in first-seen order, so printed subgraph operations are deterministic.
Fields merge when their response key, arguments and directives are equal; inline fragments
when their type condition and directives are equal. Fields of one response key that could not
merge in the subgraph (other arguments or types, or a planner field beside a client field named
like it) are sent under aliases (`ResponseKeys`).
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
from .selections import CLIENT_TYPENAME_KEY, TYPENAME


@dataclass(slots=True)
class FieldEntry:
    """One field of a subgraph selection; `sub` is set for fields of composite type."""

    response_key: str
    name: str
    head: str  # printed "alias: name(args) @directives", computed once
    variables: tuple[str, ...]
    sub: SelectionDraft | None = None
    # Set when a client field is sent under a planner alias because its response key would
    # not merge with another field of the same key on this object: the key the answer is
    # stored under (the client's, or `CLIENT_TYPENAME_KEY`).
    client_key: str | None = None

    @property
    def stored_key(self) -> str:
        """The field's key in the merged answer."""
        return self.client_key or self.response_key


@dataclass(slots=True)
class FragmentEntry:
    """An inline fragment: a type condition (abstract parents) and/or @skip/@include."""

    type_condition: str | None
    head: str
    variables: tuple[str, ...]
    sub: SelectionDraft


@dataclass(slots=True)
class ResponseKeys:
    """The response keys of one object's selection set, which must merge: shared by the inline
    fragments inside it, and by the selections of every field of one response key on it (the
    sub-fields of fields that merge must merge too)."""

    # Per response key, the (field and arguments, output type) first selected under it.
    selected: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The alias given to a field that would not merge under its own key, per (key, field,
    # whether the planner added it): a client field's alias is renamed back in the answer, a
    # planner field's is not, so the two never share one.
    aliases: dict[tuple[str, tuple[str, str], bool], str] = field(default_factory=dict)
    below: dict[str, ResponseKeys] = field(default_factory=dict)

    def under(self, response_key: str) -> ResponseKeys:
        """The response keys of the selections of the fields sent under `response_key`."""
        found = self.below.get(response_key)
        if found is None:
            found = self.below[response_key] = ResponseKeys()
        return found


@dataclass(slots=True)
class SelectionDraft:
    """An ordered, merging selection set on `type_name`."""

    type_name: str
    entries: dict[tuple[str, str], FieldEntry | FragmentEntry] = field(default_factory=dict)
    scope: ResponseKeys = field(default_factory=lambda: ResponseKeys())

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
        *,
        planner_added: bool = False,
    ) -> FieldEntry:
        """The entry for this field, created on first use (`sub_type` for composite fields).

        With `type_ref` (the field's output type in the subgraph), a field whose response key
        another field on this object already uses with other arguments or another type (e.g.
        `id: ID` and `id: ID!` on two union members) is sent under an alias: a client field is
        renamed back to its key when the answer arrives (`renames`), a `planner_added` one keeps
        the alias (`stored_key`, read by the representations). A client field named
        `__typename` by an alias is always sent under another one and kept under
        `CLIENT_TYPENAME_KEY`: `__typename` in the answer is the object's type.
        """
        arguments = tuple(arguments or ())
        directives = tuple(directives or ())
        body = name + print_arguments(arguments) + print_directives(directives)
        response_key = alias or name
        head = f"{alias}: {body}" if alias and alias != name else body
        key = ("f", head)
        entry = self.entries.get(key)
        if entry is None and planner_added:
            entry = self.entries.get(("p", head))
        if entry is None:
            client_key = None
            if response_key == TYPENAME and name != TYPENAME:
                client_key = CLIENT_TYPENAME_KEY
                response_key = self._fresh_alias(response_key, (body, ""))
                head = f"{response_key}: {body}"
            elif type_ref is not None:
                # Directives do not keep fields from merging: only the field, its arguments
                # and its type do.
                selected = (name + print_arguments(arguments), type_ref)
                first = self.scope.selected.setdefault(response_key, selected)
                if first != selected:
                    sent = self._fresh_alias(response_key, selected, planner_added)
                    if planner_added:
                        # Found again by the planner only: a client field of this head must
                        # not be answered under the planner's alias.
                        key = ("p", head)
                    else:
                        client_key = response_key
                    response_key = sent
                    head = f"{response_key}: {body}"
            entry = FieldEntry(
                response_key=response_key,
                name=name,
                head=head,
                variables=_variables_in(arguments, directives),
                sub=SelectionDraft(sub_type, scope=self.scope.under(response_key))
                if sub_type
                else None,
                client_key=client_key,
            )
            self.entries[key] = entry
        assert isinstance(entry, FieldEntry)
        return entry

    def _fresh_alias(
        self, response_key: str, selected: tuple[str, str], planner_added: bool = False
    ) -> str:
        """The alias for this field under `response_key` (the same wherever it is selected on
        this object), unused by any other field."""
        scope = self.scope
        alias = scope.aliases.get((response_key, selected, planner_added))
        if alias is None:
            alias = f"{response_key}__alias_{len(scope.selected)}"
            scope.selected[alias] = selected
            scope.aliases[(response_key, selected, planner_added)] = alias
        return alias

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
