"""What shaping and entity batching need from the API schema, precomputed once per schema.

Everything is derived lazily and memoised, so a request never walks the schema twice for the
same question and a cold start pays only for the types its first queries touch.
"""

from __future__ import annotations

from typing import Final
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    is_abstract_type,
    is_composite_type,
    is_interface_type,
)

LEAF: Final = 0
LIST: Final = 1
COMPOSITE: Final = 2


class OutputShape:
    """One level of a field's output type: a leaf, a list of something, or an object."""

    __slots__ = ("abstract", "item", "kind", "nullable", "type_name")

    def __init__(
        self,
        kind: int,
        nullable: bool,
        type_name: str,
        item: OutputShape | None = None,
        abstract: bool = False,
    ) -> None:
        self.kind = kind
        self.nullable = nullable
        self.type_name = type_name
        self.item = item
        self.abstract = abstract


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
            shape = _shape_of(fields[field_name].type)
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


def _shape_of(output_type: GraphQLOutputType) -> OutputShape:
    nullable = True
    if isinstance(output_type, GraphQLNonNull):
        nullable = False
        output_type = output_type.of_type
    if isinstance(output_type, GraphQLList):
        item = _shape_of(output_type.of_type)
        return OutputShape(LIST, nullable, item.type_name, item=item)
    name = output_type.name  # type: ignore[union-attr]
    if is_composite_type(output_type):
        return OutputShape(COMPOSITE, nullable, name, abstract=is_abstract_type(output_type))
    return OutputShape(LEAF, nullable, name)
