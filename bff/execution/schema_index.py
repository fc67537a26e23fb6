"""What shaping and entity batching need from the API schema, precomputed once per schema.

Everything is derived lazily and memoised, so a request never walks the schema twice for the
same question and a cold start pays only for the types its first queries touch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    is_abstract_type,
    is_composite_type,
    is_interface_type,
)

# OutputShape kinds. LEAF values are checked against their API type (built-in scalars, enums);
# OPAQUE_LEAF values (custom scalars) pass through as the subgraph serialised them.
LEAF: Final = 0
LIST: Final = 1
COMPOSITE: Final = 2
OPAQUE_LEAF: Final = 3


class InvalidLeaf:
    """What a leaf coercer returns for a value its API type cannot represent."""

    __slots__ = ()


INVALID_LEAF: Final = InvalidLeaf()

LeafCoercer = Callable[[Any], Any]


class OutputShape:
    """One level of a field's output type: a leaf, a list of something, or an object.

    Leaves: a value whose Python type is exactly `exact` (and, for an int, within 32 bits) is
    already the client's value; any other goes through `coerce` (graphql-js's result
    coercion), which returns `INVALID_LEAF` for a value the API type cannot represent.
    Abstract types: `possible` names the object types the API schema exposes for it, the only
    `__typename`s a client may see there.
    """

    __slots__ = ("abstract", "coerce", "exact", "item", "kind", "nullable", "possible", "type_name")

    def __init__(
        self,
        kind: int,
        nullable: bool,
        type_name: str,
        item: OutputShape | None = None,
        abstract: bool = False,
        possible: frozenset[str] = frozenset(),
        exact: type | None = None,
        coerce: LeafCoercer | None = None,
    ) -> None:
        self.kind = kind
        self.nullable = nullable
        self.type_name = type_name
        self.item = item
        self.abstract = abstract
        self.possible = possible
        self.exact = exact
        self.coerce = coerce


class SchemaIndex:
    """Memoised answers about one schema: field output shapes and type-condition matches."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._shapes: dict[tuple[str, str], OutputShape | None] = {}
        self._matches: dict[tuple[str, str], bool] = {}
        self._abstract: dict[str, bool] = {}

    def field_shape(self, type_name: str, field_name: str) -> OutputShape | None:
        """The output shape of `type_name.field_name`, or None if the schema has no such field."""
        key = (type_name, field_name)
        try:
            return self._shapes[key]
        except KeyError:
            pass
        shape = None
        parent = self.schema.get_type(type_name)
        fields = getattr(parent, "fields", None)
        if fields is not None and field_name in fields:
            shape = _shape_of(fields[field_name].type, self.schema)
        self._shapes[key] = shape
        return shape

    def type_matches(self, condition: str, type_name: str) -> bool:
        """Does an object whose `__typename` is `type_name` satisfy `... on condition`?

        True for the type itself, any abstract type it belongs to, and (for `@interfaceObject`
        answers whose `__typename` is still the interface) an interface it implements.
        """
        if condition == type_name:
            return True
        key = (condition, type_name)
        try:
            return self._matches[key]
        except KeyError:
            pass
        condition_type = self.schema.get_type(condition)
        runtime_type = self.schema.get_type(type_name)
        matched = (
            is_abstract_type(condition_type)
            and (isinstance(runtime_type, GraphQLObjectType) or is_interface_type(runtime_type))
            and self.schema.is_sub_type(condition_type, runtime_type)  # type: ignore[arg-type]
        )
        self._matches[key] = matched
        return matched

    def is_abstract(self, type_name: str) -> bool:
        """Is `type_name` an interface or union (so a later `__typename` may refine it)?"""
        try:
            return self._abstract[type_name]
        except KeyError:
            abstract = is_abstract_type(self.schema.get_type(type_name))
            self._abstract[type_name] = abstract
            return abstract

    def has_type(self, type_name: str) -> bool:
        return self.schema.get_type(type_name) is not None


_INDEXES: WeakKeyDictionary[GraphQLSchema, SchemaIndex] = WeakKeyDictionary()


def index_for(schema: GraphQLSchema) -> SchemaIndex:
    """The one `SchemaIndex` of `schema` (dropped together with the schema)."""
    index = _INDEXES.get(schema)
    if index is None:
        index = _INDEXES[schema] = SchemaIndex(schema)
    return index


def _shape_of(output_type: GraphQLOutputType, schema: GraphQLSchema) -> OutputShape:
    nullable = True
    if isinstance(output_type, GraphQLNonNull):
        nullable = False
        output_type = output_type.of_type
    if isinstance(output_type, GraphQLList):
        item = _shape_of(output_type.of_type, schema)
        return OutputShape(LIST, nullable, item.type_name, item=item)
    name = output_type.name  # type: ignore[union-attr]
    if is_composite_type(output_type):
        if not is_abstract_type(output_type):
            return OutputShape(COMPOSITE, nullable, name)
        possible = frozenset(
            member.name
            for member in schema.get_possible_types(output_type)  # type: ignore[arg-type]
        )
        return OutputShape(COMPOSITE, nullable, name, abstract=True, possible=possible)
    if isinstance(output_type, GraphQLEnumType):
        return OutputShape(LEAF, nullable, name, coerce=_enum_coercer(output_type))
    scalar = _BUILT_IN_SCALARS.get(name)
    if scalar is None or output_type is not scalar[0]:
        return OutputShape(OPAQUE_LEAF, nullable, name)
    return OutputShape(LEAF, nullable, name, exact=scalar[1], coerce=scalar[2])


# GraphQL's Int is 32-bit; a leaf of exactly `int` is checked against these by the shaper.
INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1


def _coerce_float(value: Any) -> Any:
    # A JSON number without a fraction is an int here; graphql-js keeps it as it is.
    if type(value) is int:
        return value
    return _coerce_with(GraphQLFloat, value)


def _scalar_coercer(scalar: GraphQLScalarType) -> LeafCoercer:
    def coerce(value: Any) -> Any:
        return _coerce_with(scalar, value)

    return coerce


def _coerce_with(scalar: GraphQLScalarType, value: Any) -> Any:
    """graphql-core's port of graphql-js's result coercion (booleans to 1/0 for Int, numbers to
    strings for String, ...); objects, lists and out-of-range numbers are invalid."""
    if type(value) is dict or type(value) is list:
        return INVALID_LEAF
    try:
        return scalar.coerce_output_value(value)  # type: ignore[misc]
    except Exception:  # any refusal means the API type cannot represent it
        return INVALID_LEAF


def _enum_coercer(enum: GraphQLEnumType) -> LeafCoercer:
    """Only the values the API schema exposes: an @inaccessible value is invalid, like any
    name the enum does not have."""
    names = frozenset(enum.values)

    def coerce(value: Any) -> Any:
        return value if type(value) is str and value in names else INVALID_LEAF

    return coerce


# name -> (the scalar, the Python type its values already have, the coercer for any other).
_BUILT_IN_SCALARS: Final[dict[str, tuple[GraphQLScalarType, type | None, LeafCoercer]]] = {
    "String": (GraphQLString, str, _scalar_coercer(GraphQLString)),
    "ID": (GraphQLID, str, _scalar_coercer(GraphQLID)),
    "Boolean": (GraphQLBoolean, bool, _scalar_coercer(GraphQLBoolean)),
    "Float": (GraphQLFloat, float, _coerce_float),
    "Int": (GraphQLInt, int, _scalar_coercer(GraphQLInt)),
}
