"""Reject operations whose estimated cost is above a limit, before any subgraph is called.

Demand control as in Federation 2.9's `@cost` and `@listSize`
(https://specs.apollo.dev/cost/v0.1), estimated statically over the client's document:

- a field returning an object, interface or union costs 1, a scalar or enum 0, unless the field
  (or the type it returns) has `@cost(weight:)`, which replaces that;
- an argument or input field with `@cost(weight:)` adds its weight when given;
- a mutation's root field costs 10 more (it changes data);
- a list multiplies what it holds by its expected size: the value of a `@listSize`
  slicing argument given as a literal, else the field's `assumedSize`, else `default_list_size`
  (a slicing argument given as a variable counts as the larger of its default and that size:
  validation is cached per document, before variables are known; several given count as the
  largest);
- `@listSize(sizedFields:)` is for connection-like types (`products(first:): ProductPage`
  with `page: [Product]`): the size computed from the field's slicing arguments or
  `assumedSize` applies to those fields of the type it returns, not to the field itself;
- `@listSize(requireOneSlicingArgument:)` (true unless set false, when there are slicing
  arguments): a request must give exactly one of them (an argument's schema default counts as
  given), else it is refused with an error naming the field and its slicing arguments.

Why: a federated schema fans out (lists of entities, each fetching more lists from other
subgraphs), so a short document can ask the subgraphs for millions of objects; depth and field
limits do not see list sizes. The error carries the estimate and the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_named_type,
)
from graphql.utilities import value_from_ast_untyped

MUTATION_COST = 10
DEFAULT_LIST_SIZE = 10


@dataclass(frozen=True, slots=True)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass
class CostModel:
    """The `@cost` and `@listSize` of a supergraph, read once from its schema."""

    field_weights: dict[tuple[str, str], int] = field(default_factory=dict)
    type_weights: dict[str, int] = field(default_factory=dict)
    argument_weights: dict[tuple[str, str, str], int] = field(default_factory=dict)
    list_sizes: dict[tuple[str, str], ListSize] = field(default_factory=dict)

    @classmethod
    def from_schema(cls, schema: GraphQLSchema, cost: str = "cost", list_size: str = "listSize"):
        model = cls()
        for type_name, named in schema.type_map.items():
            if type_name.startswith("__"):
                continue
            weight = _weight(getattr(named, "ast_node", None), cost)
            if weight is not None:
                model.type_weights[type_name] = weight
            if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                continue
            for field_name, definition in named.fields.items():
                node = definition.ast_node
                weight = _weight(node, cost)
                if weight is not None:
                    model.field_weights[(type_name, field_name)] = weight
                for argument_name, argument in definition.args.items():
                    weight = _weight(argument.ast_node, cost)
                    if weight is not None:
                        model.argument_weights[(type_name, field_name, argument_name)] = weight
                sized = _list_size(node, list_size)
                if sized is not None:
                    model.list_sizes[(type_name, field_name)] = sized
        return model


def _directive_arguments(node: object, name: str) -> dict[str, object] | None:
    for directive in getattr(node, "directives", None) or ():
        if directive.name.value == name:
            return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments}
    return None


def _weight(node: object, name: str) -> int | None:
    arguments = _directive_arguments(node, name)
    weight = arguments.get("weight") if arguments else None
    return weight if isinstance(weight, int) else None


def _list_size(node: object, name: str) -> ListSize | None:
    arguments = _directive_arguments(node, name)
    if arguments is None:
        return None
    assumed = arguments.get("assumedSize")
    require_one = arguments.get("requireOneSlicingArgument", True)
    return ListSize(
        assumed if isinstance(assumed, int) else None,
        _names(arguments.get("slicingArguments")),
        _names(arguments.get("sizedFields")),
        require_one is not False,
    )


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(name) for name in value) if isinstance(value, list) else ()


def max_cost_rule(
    limit: int, model: CostModel, default_list_size: int = DEFAULT_LIST_SIZE
) -> type[ASTValidationRule]:
    """A rule class rejecting operations whose estimated cost exceeds `limit`."""

    class MaxCostRule(ASTValidationRule):
        """Reject operations whose estimated `@cost`/`@listSize` cost is above the limit."""

        def enter_document(self, node: DocumentNode, *_: object) -> None:
            context: ValidationContext = self.context
            fragments = {
                d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)
            }
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                estimate = _Estimate(context.schema, model, fragments, default_list_size)
                cost = estimate.operation(definition)
                for error in estimate.errors.values():
                    context.report_error(error)
                if cost > limit:
                    name = f" {definition.name.value}" if definition.name else ""
                    context.report_error(
                        GraphQLError(
                            f"Operation{name} has an estimated cost of {cost}, above the "
                            f"limit of {limit}.",
                            definition,
                            extensions={"cost": {"estimated": cost, "limit": limit}},
                        )
                    )

    return MaxCostRule


class _Estimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        model: CostModel,
        fragments: dict[str, FragmentDefinitionNode],
        default_list_size: int,
    ) -> None:
        self.schema = schema
        self.model = model
        self.fragments = fragments
        self.default_list_size = default_list_size
        self.defaults: dict[str, object] = {}
        # By field node: a fragment spread in several places is reported once.
        self.errors: dict[int, GraphQLError] = {}

    def operation(self, definition: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(definition.operation)
        if root is None:
            return 0
        for variable in definition.variable_definitions or ():
            if variable.default_value is not None:
                self.defaults[variable.variable.name.value] = value_from_ast_untyped(
                    variable.default_value
                )
        extra = MUTATION_COST if definition.operation == OperationType.MUTATION else 0
        return self.selections(definition.selection_set, root, extra, set())

    def selections(
        self,
        selections: SelectionSetNode,
        parent: object,
        extra: int,
        seen: set[str],
        sized: dict[str, int] | None = None,
    ) -> int:
        """The cost of `selections` on `parent`; `sized` are list sizes a `@listSize(sizedFields:)`
        of the enclosing field imposes on fields of `parent`, by name."""
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                imposed = sized.get(selection.name.value) if sized else None
                total += self.field(selection, parent, extra, imposed)
            elif isinstance(selection, InlineFragmentNode):
                scope = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                total += self.selections(selection.selection_set, scope, extra, seen, sized)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # other rules report unknown or cyclic fragments
                scope = self.schema.get_type(fragment.type_condition.name.value)
                inner = fragment.selection_set
                total += self.selections(inner, scope, extra, seen | {name}, sized)
        return total

    def field(self, node: FieldNode, parent: object, extra: int, imposed: int | None) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        name = node.name.value
        definition = parent.fields.get(name)
        if definition is None:
            return 0
        key = (parent.name, name)
        returned = get_named_type(definition.type)
        own = self.model.field_weights.get(key, self.model.type_weights.get(returned.name))
        if own is None:
            composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
            own = 1 if isinstance(returned, composite) else 0
        for argument in node.arguments or ():
            own += self.model.argument_weights.get((*key, argument.name.value), 0)
        sized = self.model.list_sizes.get(key, ListSize())
        if sized.slicing_arguments and sized.require_one_slicing_argument:
            self.check_one_slicing_argument(node, key, definition, sized)
        children = 0
        if node.selection_set is not None:
            on_children = None
            if sized.sized_fields:
                size = self.sliced_size(node, definition, sized)
                on_children = dict.fromkeys(sized.sized_fields, size)
            children = self.selections(node.selection_set, returned, 0, set(), on_children)
        if sized.sized_fields:
            sized = ListSize()  # its sizes were for the sized fields, not for this one
        size = self.list_size(node, definition, sized, imposed)
        return extra + size * (own + children)

    def list_size(
        self, node: FieldNode, definition: GraphQLField, sized: ListSize, imposed: int | None
    ) -> int:
        type_: GraphQLOutputType = definition.type
        depth = 0
        while True:
            if isinstance(type_, GraphQLNonNull):
                type_ = type_.of_type
            elif isinstance(type_, GraphQLList):
                depth += 1
                type_ = type_.of_type
            else:
                break
        if depth == 0:
            return 1
        if imposed is not None:
            return imposed * self.default_list_size ** (depth - 1)
        return self.sliced_size(node, definition, sized, depth)

    def sliced_size(
        self, node: FieldNode, definition: GraphQLField, sized: ListSize, depth: int = 1
    ) -> int:
        """The size `@listSize` gives a field: from its slicing arguments (the largest given),
        their schema defaults, its `assumedSize` or the default size."""
        fallback = sized.assumed_size if sized.assumed_size is not None else self.default_list_size
        given = []
        for argument in node.arguments or ():
            if argument.name.value not in sized.slicing_arguments:
                continue
            if isinstance(argument.value, IntValueNode):
                given.append(int(argument.value.value))
            elif isinstance(argument.value, VariableNode):
                default = self.defaults.get(argument.value.name.value)
                given.append(max(default if isinstance(default, int) else 0, fallback))
        if given:
            return max(given)
        for name in sized.slicing_arguments:
            default = _schema_default(definition, name)
            if isinstance(default, IntValueNode):
                return int(default.value)  # not given: the schema's default applies
        # Nested lists ([[T]]) multiply once per level.
        return fallback**depth

    def check_one_slicing_argument(
        self, node: FieldNode, key: tuple[str, str], definition: GraphQLField, sized: ListSize
    ) -> None:
        given = {
            argument.name.value
            for argument in node.arguments or ()
            if argument.name.value in sized.slicing_arguments
            and not isinstance(argument.value, NullValueNode)
        }
        defaulted = {
            name
            for name in sized.slicing_arguments
            if name not in given and _schema_default(definition, name) is not None
        }
        count = len(given | defaulted)
        if count == 1 or id(node) in self.errors:
            return
        coordinate = ".".join(key)
        names = ", ".join(sized.slicing_arguments)
        self.errors[id(node)] = GraphQLError(
            f"{coordinate} must be given exactly one of its slicing arguments ({names}); "
            f"the request gives {count}.",
            node,
            extensions={
                "listSize": {
                    "field": coordinate,
                    "slicingArguments": list(sized.slicing_arguments),
                    "given": sorted(given),
                }
            },
        )


def _schema_default(definition: GraphQLField, name: str) -> object | None:
    """The default an argument's definition gives it (None: none, or null)."""
    argument = definition.args.get(name)
    default = getattr(argument.ast_node, "default_value", None) if argument else None
    return None if isinstance(default, NullValueNode) else default
