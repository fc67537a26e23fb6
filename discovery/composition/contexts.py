"""`@context` and `@fromContext` in one subgraph: context names, where contextual arguments may be,
and that each argument's selection reads one value of the argument's type on every type that
sets its context (Apollo's rules and error codes)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import GraphQLError, parse
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from discovery.composition.result import CompositionError, SourceLocation
from discovery.composition.subgraph import (
    COMPOSITE_KINDS,
    Subgraph,
    SubgraphArgument,
    SubgraphField,
    SubgraphType,
    TypeKind,
)
from discovery.composition.type_references import named_type

FieldCoordinate = tuple[str, str]

CONTEXT_NAME = re.compile(r"^[A-Za-z]\w*$")
# "$name selection": the context's name, then the selection read on the type setting it.
# Ignored characters (whitespace, commas, comments) may come before and after the `$`.
_IGNORED = r"(?:[\s,]|#[^\n\r]*)*"
CONTEXT_REFERENCE = re.compile(rf"^{_IGNORED}\${_IGNORED}([A-Za-z_]\w*)(?!\w)(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ContextReference:
    """A `@fromContext(field:)` value split: `selection` is the text after the name, verbatim
    (the supergraph's `contextArguments` carry it as is)."""

    context: str
    selection: str


def read_context_reference(field_value: str) -> ContextReference | None:
    match = CONTEXT_REFERENCE.match(field_value)
    if match is None or not match.group(2).strip():
        return None
    return ContextReference(match.group(1), match.group(2))


def parse_context_selection(selection: str) -> SelectionSetNode:
    """The selection as a selection set (`{ a }`, or type conditions `... on A { a }`);
    raises GraphQLError when it does not parse."""
    text = selection if selection.strip().startswith("{") else "{" + selection + "}"
    operation = parse(text, no_location=True).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


class ContextChecker:
    """Checks one subgraph's contexts; `used` collects the fields context selections read
    (an @external field read there is used)."""

    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        self.errors: list[CompositionError] = []
        self.used: set[FieldCoordinate] = set()
        self.setters: dict[str, list[SubgraphType]] = {}

    def check(self) -> tuple[set[FieldCoordinate], list[CompositionError]]:
        for type_ in self.subgraph.types.values():
            for context in type_.contexts:
                self._check_name(context.name, context.location)
                self.setters.setdefault(context.name, []).append(type_)
        for type_ in self.subgraph.types.values():
            for field_ in type_.fields.values():
                for argument in field_.arguments.values():
                    if argument.from_context is not None:
                        self._check_argument(type_, field_, argument, argument.from_context)
        return self.used, self.errors

    def _check_name(self, name: str, location: SourceLocation | None) -> None:
        if "_" in name:
            self._report(
                "CONTEXT_NAME_INVALID",
                f'Context name "{name}" may not contain an underscore.',
                location,
            )
        elif not CONTEXT_NAME.match(name):
            self._report(
                "CONTEXT_NAME_INVALID",
                f'Context name "{name}" is invalid. It should have only alphanumeric characters.',
                location,
            )

    def _check_argument(
        self, type_: SubgraphType, field_: SubgraphField, argument: SubgraphArgument, value: str
    ) -> None:
        coordinate = f"{type_.name}.{field_.name}({argument.name}:)"
        location = argument.meta.location
        if type_.kind is not TypeKind.OBJECT:
            self._report(
                "CONTEXT_NOT_SET",
                "@fromContext argument cannot be used on a field that exists on an abstract "
                f'type "{coordinate}".',
                location,
            )
            return
        for interface in type_.interfaces:
            owner = self.subgraph.types.get(interface)
            if owner is not None and field_.name in owner.fields:
                self._report(
                    "CONTEXT_NOT_SET",
                    "@fromContext argument cannot be used on a field implementing an interface "
                    f'field "{interface}.{field_.name}".',
                    location,
                )
        if argument.default is not None:
            self._report(
                "CONTEXT_NOT_SET",
                f'@fromContext arguments may not have a default value: "{coordinate}".',
                location,
            )
        reference = read_context_reference(value)
        if reference is None:
            self._report(
                "NO_CONTEXT_IN_SELECTION",
                f'@fromContext argument does not reference a context "{value}".',
                location,
            )
            return
        setters = self.setters.get(reference.context)
        if setters is None:
            self._report(
                "CONTEXT_NOT_SET",
                f'Context "{reference.context}" is used at location "{coordinate}" but is never '
                "set.",
                location,
            )
        else:
            problem = SelectionCheck(self, setters, argument.type).problem(reference.selection)
            if problem is not None:
                self._report(
                    "CONTEXT_INVALID_SELECTION",
                    f'Context "{reference.context}" is used in "{coordinate}" but the selection '
                    f"is invalid{problem}",
                    location,
                )
        if not any(key.resolvable is not False for key in type_.keys):
            self._report(
                "CONTEXT_NO_RESOLVABLE_KEY",
                f'Object "{type_.name}" has no resolvable key but has a field with a contextual '
                "argument.",
                type_.meta.location,
            )

    def _report(self, code: str, message: str, location: SourceLocation | None = None) -> None:
        self.errors.append(
            CompositionError.in_subgraph(self.subgraph.name, code, message, location)
        )


class SelectionCheck:
    """One `@fromContext` selection against every type setting its context: it must read a
    single value whose type, without non-null wrappers, is the argument's type (a context may
    be missing or null at runtime, so Apollo requires the argument to accept null)."""

    def __init__(self, checker: ContextChecker, setters: list[SubgraphType], expected: str):
        self.checker = checker
        self.subgraph = checker.subgraph
        self.setters = setters
        self.expected = expected

    def problem(self, selection: str) -> str | None:
        """None, or the end of the message: ": <why>" / " for type X. Error: <why>"."""
        try:
            selection_set = parse_context_selection(selection)
        except GraphQLError as error:
            return f": {error.message}"
        selections = selection_set.selections
        if not selections:
            return ": no selection is made"
        if isinstance(selections[0], FragmentSpreadNode):
            return ": fragment spread is not allowed"
        if isinstance(selections[0], FieldNode):
            if len(selections) > 1:
                return ": multiple selections are made"
            return self._single_field(selections[0])
        if not all(isinstance(node, InlineFragmentNode) for node in selections):
            return ": multiple fields could be selected"
        return self._type_conditions(selections)  # type: ignore[arg-type]

    def _single_field(self, node: FieldNode) -> str | None:
        for setter in self.setters:
            problem = self._mismatch(self._read(setter, node))
            if problem is not None:
                return problem
        return None

    def _mismatch(self, read: str | Problem) -> str | None:
        if isinstance(read, Problem):
            return read.text
        if read == self.expected:
            return None
        why = " (a contextual argument must accept null)" if "!" in self.expected else ""
        return (
            f': the type of the selection "{read}" does not match the expected type '
            f'"{self.expected}"{why}'
        )

    def _type_conditions(self, fragments: list[InlineFragmentNode]) -> str | None:
        conditions = [f.type_condition.name.value if f.type_condition else None for f in fragments]
        if None in conditions:
            return ": inline fragments must have type conditions"
        if len(set(conditions)) != len(conditions):
            return ": type conditions have same name"
        used: set[str] = set()
        for fragment, condition in zip(fragments, conditions, strict=True):
            assert condition is not None
            target = self.subgraph.types.get(condition)
            if target is None or target.kind is not TypeKind.OBJECT:
                return ": type conditions must be an object type"
            if fragment.directives:
                return ": directives are not allowed in the selection"
        for setter in self.setters:
            matching = [
                (fragment, condition)
                for fragment, condition in zip(fragments, conditions, strict=True)
                if condition in self._runtime_types(setter)
            ]
            if not matching:
                return f': no type condition matches the location "{setter.name}"'
            for fragment, condition in matching:
                assert condition is not None
                used.add(condition)
                inner = fragment.selection_set.selections
                if len(inner) != 1 or not isinstance(inner[0], FieldNode):
                    return ": selection should only contain a single field or at least one inline fragment"  # noqa: E501
                problem = self._mismatch(self._read(self.subgraph.types[condition], inner[0]))
                if problem is not None:
                    return problem
        unused = [condition for condition in conditions if condition not in used]
        if unused:
            return f': type condition "{unused[0]}" is never used.'
        return None

    def _runtime_types(self, type_: SubgraphType) -> set[str]:
        if type_.kind is TypeKind.UNION:
            return set(type_.members)
        if type_.kind is TypeKind.INTERFACE:
            return {
                name
                for name, candidate in self.subgraph.types.items()
                if type_.name in candidate.interfaces
            }
        return {type_.name}

    def _read(self, parent: SubgraphType, node: FieldNode) -> str | Problem:
        """The type of the value `node` reads on `parent`, non-null wrappers removed."""
        if parent.interface_object:
            return Problem(
                f': One of the types in the selection is an interfaceObject: "{parent.name}"'
            )
        if node.alias is not None:
            return Problem(": aliases are not allowed in the selection")
        if node.directives:
            return Problem(": directives are not allowed in the selection")
        found = parent.fields.get(node.name.value)
        if found is None:
            return Problem(
                f' for type {parent.name}. Error: Cannot query field "{node.name.value}" on '
                f'type "{parent.name}".'
            )
        self.checker.used.add((parent.name, found.name))
        target = self.subgraph.types.get(named_type(found.type))
        composite = target is not None and target.kind in COMPOSITE_KINDS
        if composite and node.selection_set is None:
            return Problem(
                f" for type {parent.name}. Error: Invalid empty selection set for field "
                f'"{parent.name}.{found.name}" of non-leaf type {named_type(found.type)}'
            )
        if not composite and node.selection_set is not None:
            return Problem(
                f' for type {parent.name}. Error: Field "{parent.name}.{found.name}" must not '
                "have a selection since its type has no subfields."
            )
        wrappers = found.type.replace("!", "")
        if target is None or not composite:
            return wrappers
        assert node.selection_set is not None
        inner = node.selection_set.selections
        if len(inner) != 1 or not isinstance(inner[0], FieldNode):
            return Problem(": multiple selections are made")
        read = self._read(target, inner[0])
        if isinstance(read, Problem):
            return read
        # The inner value, wrapped in this field's lists.
        return wrappers.replace(named_type(found.type), read)


@dataclass(frozen=True, slots=True)
class Problem:
    text: str
