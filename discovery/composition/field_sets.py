"""The field sets of @key, @requires and @provides: parsed, checked against their subgraph, and
which fields each one selects (key fields are shareable, selected @external fields are used).

Fields with arguments may be selected by @requires only (since Federation 2.1.1, as Apollo's
composition), with argument values valid for the field; @key and @provides refuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from graphql import (
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_non_null_type,
    parse,
    print_ast,
    value_from_ast,
)
from graphql.language import (
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language.print_string import print_string

from discovery.composition.contexts import ContextChecker, FieldCoordinate
from discovery.composition.result import CompositionError, SourceLocation
from discovery.composition.schema_shape import schema_of, subgraph_shape
from discovery.composition.subgraph import COMPOSITE_KINDS, Subgraph, SubgraphType, TypeKind
from discovery.composition.type_references import named_type

MISSING_FIELD_ADVICE = (
    "if the field is defined in another subgraph, you need to add it to this subgraph "
    "with @external"
)
# A key field missing from the subgraph is more often simply forgotten: say that first.
KEY_FIELD_MISSING_ADVICE = (
    MISSING_FIELD_ADVICE,
    "the field should either be added to this subgraph or, if it should not be resolved by this "
    "subgraph, you need to add it to this subgraph with @external",
)


@dataclass(slots=True)
class FieldSetUsage:
    """Per subgraph: the fields its field sets select, by (type name, field name)."""

    key_fields: set[FieldCoordinate] = field(default_factory=set)
    required: set[FieldCoordinate] = field(default_factory=set)
    provided: set[FieldCoordinate] = field(default_factory=set)
    # Read by `@fromContext` selections (contexts.py).
    contextual: set[FieldCoordinate] = field(default_factory=set)

    @property
    def all(self) -> set[FieldCoordinate]:
        return self.key_fields | self.required | self.provided | self.contextual


@dataclass(frozen=True, slots=True)
class SelectedField:
    parent: SubgraphType
    name: str
    is_leaf: bool  # selected without a sub-selection
    # Below a field that is (or, on an interface, has an implementation that is) @external.
    under_external: bool = False


# Checks the arguments a field set gives one selected field: a problem's message, or None.
ArgumentCheck = Callable[[SubgraphType, FieldNode], str | None]


@dataclass(slots=True)
class FieldSetProblem:
    code_suffix: str  # INVALID_FIELDS, HAS_ARGS, SELECT_INVALID_TYPE, MISSING_EXTERNAL
    detail: str


@lru_cache(maxsize=4096)
def parse_field_set(text: str) -> SelectionSetNode | str:
    """Parsed once per distinct text: registries re-compose the same keys on every change."""
    try:
        document = parse(f"{{{text}}}", no_location=True)
    except GraphQLError as error:
        return error.message
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def select_fields(
    subgraph: Subgraph,
    parent: SubgraphType,
    selection_set: SelectionSetNode,
    selected: list[SelectedField],
    under_external: bool = False,
    arguments: ArgumentCheck | None = None,
) -> FieldSetProblem | None:
    """Walks a field set over `parent`, appending each selected field in order; fields with
    arguments are refused, unless `arguments` checks them instead."""
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = subgraph.types.get(condition.name.value) if condition else parent
            if target is None:
                return FieldSetProblem(
                    "INVALID_FIELDS",
                    f'Unknown type "{condition.name.value}"',  # type: ignore[union-attr]
                )
            problem = select_fields(
                subgraph, target, selection.selection_set, selected, under_external, arguments
            )
            if problem:
                return problem
            continue
        if not isinstance(selection, FieldNode):
            return FieldSetProblem("INVALID_FIELDS", "Fragment spreads are not allowed")
        name = selection.name.value
        if name == "__typename":
            continue
        found = parent.fields.get(name)
        if found is None:
            return FieldSetProblem(
                "INVALID_FIELDS",
                f'Cannot query field "{name}" on type "{parent.name}" ({MISSING_FIELD_ADVICE}).',
            )
        is_leaf = selection.selection_set is None
        selected.append(SelectedField(parent, name, is_leaf, under_external))
        if arguments is not None:
            if found.arguments or selection.arguments:
                argument_problem = arguments(parent, selection)
                if argument_problem is not None:
                    return FieldSetProblem("INVALID_FIELDS", argument_problem)
        elif found.arguments:
            return FieldSetProblem(
                "HAS_ARGS",
                f'field "{parent.name}.{name}" cannot be included because it has arguments',
            )
        field_type = subgraph.types.get(named_type(found.type))
        is_composite = field_type is not None and field_type.kind in COMPOSITE_KINDS
        if is_composite and selection.selection_set is None:
            return FieldSetProblem(
                "INVALID_FIELDS",
                f'Field "{parent.name}.{name}" of type "{found.type}" must have a selection '
                "of subfields.",
            )
        if not is_composite and selection.selection_set is not None:
            return FieldSetProblem(
                "INVALID_FIELDS",
                f'Field "{parent.name}.{name}" must not have a selection since type '
                f'"{found.type}" has no subfields.',
            )
        if field_type is not None and selection.selection_set is not None:
            below_external = under_external or _external_in(subgraph, parent, name)
            problem = select_fields(
                subgraph, field_type, selection.selection_set, selected, below_external, arguments
            )
            if problem:
                return problem
    return None


def _external_in(subgraph: Subgraph, parent: SubgraphType, name: str) -> bool:
    """Whether the field is @external here, or (on an interface, which cannot mark it) in one
    of the interface's implementations: what is selected below it may then be another
    subgraph's, as Apollo's composition reads it."""
    if parent.fields[name].external:
        return True
    return parent.kind == "interface" and any(
        parent.name in type_.interfaces and name in type_.fields and type_.fields[name].external
        for type_ in subgraph.types.values()
    )


class FieldSetChecker:
    """Checks every @key, @requires and @provides of one subgraph, recording what they select."""

    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        self.usage = FieldSetUsage()
        self.errors: list[CompositionError] = []
        self._schema: GraphQLSchema | None = None  # built when a field set gives arguments

    def check(self) -> tuple[FieldSetUsage, list[CompositionError]]:
        for type_ in self.subgraph.types.values():
            for key in type_.keys:
                self._check_key(type_, key.fields, key.location)
            for field_ in type_.fields.values():
                if field_.requires is not None:
                    self._check_requires(type_, field_.name, field_.requires, field_.meta.location)
                if field_.provides is not None:
                    self._check_provides(type_, field_.name, field_.provides, field_.meta.location)
        self.usage.contextual, context_errors = ContextChecker(self.subgraph).check()
        self.errors.extend(context_errors)
        if not self.errors:
            # A field set that failed to parse says nothing about which externals it meant.
            self._check_externals_used()
        return self.usage, self.errors

    def _check_key(self, type_: SubgraphType, fields: str, location: SourceLocation | None) -> None:
        context = f'On type "{type_.name}", for @key(fields: {print_string(fields)})'
        selected = self._select("KEY", type_, fields, context, location)
        if selected is None:
            return
        for selected_field in selected:
            parent, name = selected_field.parent, selected_field.name
            self.usage.key_fields.add((parent.name, name))
            field_type = self.subgraph.types.get(named_type(parent.fields[name].type))
            # Which object a key field holds must not depend on the subgraph answering.
            if field_type is not None and field_type.kind in (TypeKind.INTERFACE, TypeKind.UNION):
                self._report(
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    f'{context}: field "{parent.name}.{name}" has {field_type.kind.value} type '
                    f'"{field_type.name}": interface and union fields are not allowed in @key',
                    location,
                )
                return

    def _check_requires(
        self, type_: SubgraphType, field_name: str, fields: str, location: SourceLocation | None
    ) -> None:
        quoted = print_string(fields)  # as Apollo prints it: inner quotes escaped
        context = f'On field "{type_.name}.{field_name}", for @requires(fields: {quoted})'
        selected = self._select("REQUIRES", type_, fields, context, location, self._arguments)
        if selected is None:
            return
        self.usage.required.update((f.parent.name, f.name) for f in selected)
        self._check_selected_external("REQUIRES", selected, context, location)

    def _check_provides(
        self, type_: SubgraphType, field_name: str, fields: str, location: SourceLocation | None
    ) -> None:
        quoted = print_string(fields)
        context = f'On field "{type_.name}.{field_name}", for @provides(fields: {quoted})'
        field_type = named_type(type_.fields[field_name].type)
        target = self.subgraph.types.get(field_type)
        if target is None or target.kind not in COMPOSITE_KINDS:
            self._report(
                "PROVIDES_ON_NON_OBJECT_FIELD",
                f'{context}: field "{type_.name}.{field_name}" has type "{field_type}", '
                "which is not a composite type",
                location,
            )
            return
        selected = self._select("PROVIDES", target, fields, context, location)
        if selected is None:
            return
        self.usage.provided.update((f.parent.name, f.name) for f in selected)
        self._check_selected_external("PROVIDES", selected, context, location)

    def _select(
        self,
        directive: str,
        parent: SubgraphType,
        fields: str,
        context: str,
        location: SourceLocation | None,
        arguments: ArgumentCheck | None = None,
    ) -> list[SelectedField] | None:
        selection_set = parse_field_set(fields)
        if isinstance(selection_set, str):
            self._report(f"{directive}_INVALID_FIELDS", f"{context}: {selection_set}", location)
            return None
        selected: list[SelectedField] = []
        problem = select_fields(self.subgraph, parent, selection_set, selected, arguments=arguments)
        if problem is not None:
            code = f"{directive}_FIELDS_{problem.code_suffix}"
            detail = problem.detail
            if problem.code_suffix == "INVALID_FIELDS":
                code = f"{directive}_INVALID_FIELDS"
            elif problem.code_suffix == "HAS_ARGS":
                detail += f" (fields with arguments are not allowed in @{directive.lower()})"
            if directive == "KEY":
                detail = detail.replace(KEY_FIELD_MISSING_ADVICE[0], KEY_FIELD_MISSING_ADVICE[1])
            self._report(code, f"{context}: {detail}", location)
            return None
        return selected

    def _arguments(self, parent: SubgraphType, selection: FieldNode) -> str | None:
        """Whether a field set's arguments are those of the field, with valid values (Apollo's
        messages); the subgraph's schema is built for it on first use."""
        if self._schema is None:
            self._schema = schema_of(subgraph_shape(self.subgraph))
        owner = self._schema.get_type(parent.name)
        assert isinstance(owner, GraphQLObjectType | GraphQLInterfaceType), parent.name
        name = selection.name.value
        defined = owner.fields[name].args
        coordinate = f"{parent.name}.{name}"
        given = {argument.name.value: argument.value for argument in selection.arguments or ()}
        for argument_name in given:
            if argument_name not in defined:
                return (
                    f'Unknown argument "{argument_name}" found in value: "{coordinate}" has no '
                    f'argument named "{argument_name}"'
                )
        for argument_name, argument in defined.items():
            value = given.get(argument_name)
            if value is None:
                if is_non_null_type(argument.type) and argument.default_value is Undefined:
                    return (
                        f'Missing mandatory value for argument "{argument_name}" of field '
                        f'"{coordinate}" in selection "{print_ast(selection)}"'
                    )
            elif value_from_ast(value, argument.type) is Undefined:
                return (
                    f'Invalid value for argument "{argument_name}": {print_ast(value)} is not '
                    f"a valid {argument.type}"
                )
        return None

    def _check_selected_external(
        self,
        directive: str,
        selected: list[SelectedField],
        context: str,
        location: SourceLocation | None,
    ) -> None:
        if not self.subgraph.is_federation2:
            return
        for selected_field in selected:
            parent, name = selected_field.parent, selected_field.name
            # Only leaves must be @external: fields with a sub-selection are the path to them,
            # and below an @external field any leaf may be selected. Key fields may be selected
            # too: the router always has them.
            if (
                selected_field.is_leaf
                and not selected_field.under_external
                and not parent.fields[name].external
                and (parent.name, name) not in self.usage.key_fields
            ):
                self._report(
                    f"{directive}_FIELDS_MISSING_EXTERNAL",
                    f'{context}: field "{parent.name}.{name}" should not be part of a '
                    f"@{directive.lower()} since it is already provided by this subgraph (it is "
                    "not marked @external)",
                    location,
                )
                return

    def _check_externals_used(self) -> None:
        if not self.subgraph.is_federation2:
            return
        used = self.usage.all
        for type_ in self.subgraph.types.values():
            # An @interfaceObject or interface implementation may re-declare fields as @external
            # to satisfy an interface: that is a use too.
            for field_ in type_.fields.values():
                if not field_.external or (type_.name, field_.name) in used:
                    continue
                if self._satisfies_interface(type_, field_.name):
                    continue
                self._report(
                    "EXTERNAL_UNUSED",
                    f'Field "{type_.name}.{field_.name}" is marked @external but is not used '
                    "in any federation directive (@key, @provides, @requires) or to satisfy an "
                    "interface; the field declaration has no use and should be removed (or the "
                    "field should not be @external).",
                    field_.meta.location,
                )

    def _satisfies_interface(self, type_: SubgraphType, field_name: str) -> bool:
        return any(
            field_name in getattr(self.subgraph.types.get(name), "fields", {})
            for name in type_.interfaces
        )

    def _report(self, code: str, message: str, location: SourceLocation | None) -> None:
        self.errors.append(
            CompositionError.in_subgraph(self.subgraph.name, code, message, location)
        )
