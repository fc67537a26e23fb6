"""One pass over the client's selections that turns merged subgraph data into the response `data`.

Follows the CLIENT operation over the API schema, per the GraphQL spec's value completion:

- response keys (aliases) are read from the merged data (the planner fetches client fields under
  the client's response keys, but for a field the client names `__typename`, kept apart from
  the object's type: `stored_key`) and written in the client's selection order;
- `__typename` comes from the schema for object types and from the object's `__typename` for
  interfaces and unions, which must name an object type the API schema exposes there: anything
  else (an interface's name from an `@interfaceObject` subgraph, an `@inaccessible` type, no
  name) makes the object null with an error, as graphql-js does for a type it cannot resolve;
- fragments (inline or named, also on abstract types) apply when their type condition matches
  that runtime type; `@skip`/`@include` are evaluated with the variables;
- fields the planner added (keys, `@requires` inputs, extra `__typename`) are dropped, since only
  client selections are copied;
- leaf values are coerced as graphql-js serialises results for the API schema: a value already
  of its type's Python type passes as is; otherwise Int (32-bit), Float, String, Boolean and ID
  coerce what graphql-js coerces, and an enum value must be one the API enum has (never an
  `@inaccessible` one). A value that cannot be represented becomes null with an error at its
  path. Custom scalars pass through as the subgraph serialised them;
- a null (or missing) non-null field makes its parent null, up to the nearest nullable field, or
  `data` itself; an error "Cannot return null for non-nullable field" is added unless an error
  already explains that null (an error at the field, inside it, or at an object whose fetch
  failed).

No graphql-core execution happens here. Which fields a selection set yields for a runtime type,
with each field's output shape and leaf coercer, is compiled once and memoised on the
`PreparedOperation`: per schema, and per combination of the `@skip`/`@include` variables'
values when some condition takes a variable. From the second answer shaped with one memo,
answers go first through code generated from those fields (`shaping_compiler`), which gives
any answer needing an error back to the interpreter here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Final

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
)

from bff.execution.error_masking import DEFAULT_SUBGRAPH_ERROR_CODE
from bff.execution.operation import PreparedOperation
from bff.execution.schema_index import (
    COMPOSITE,
    INT_MAX,
    INT_MIN,
    INVALID_LEAF,
    LEAF,
    LIST,
    OPAQUE_LEAF,
    OutputShape,
    SchemaIndex,
    index_for,
)
from bff.execution.shaping_compiler import (
    TYPENAME_FIELD,
    UNKNOWN_FIELD,
    CompiledShaper,
    ShapingFallback,
    compile_shaper,
    leaves_as_returned,
)
from bff.planning.selections import stored_key

# The subgraphs answered something the API schema cannot give the client.
INVALID_ANSWER_CODE: Final = DEFAULT_SUBGRAPH_ERROR_CODE
_TYPENAME: Final = "__typename"
# Field lists kept per operation for distinct `@skip`/`@include` variable values; beyond this
# many, a request's fields are collected for it alone (a document cannot grow the cache 2^n).
MAX_CONDITION_SETS: Final = 16


class _Bubble:
    """Marks a null that must propagate to the nearest nullable parent."""

    __slots__ = ()


_BUBBLE: Final = _Bubble()
_UNCOLLECTED: Final = object()

# (id of a selection-set tuple, runtime type) -> its fields; None: see `_Shaper._fields`.
FieldCache = dict[tuple[int, str], "list[ShapedField] | None"]
# A memo is compiled the second time it shapes (a document seen once is never compiled).
COMPILE_AT_USE: Final = 2
# After n answers in a row the compiled shaper gave back, it sits out the next 2^n (at most
# this many): answers that keep needing errors are not shaped twice each.
MAX_FALLBACK_PAUSE: Final = 64


class ShapedField:
    """A client field as it applies to one runtime type: merged over all its field nodes.

    `kind`, `nullable`, `exact`, `bounded` and `coerce` repeat the outer shape level so the hot
    loop reads one attribute; `children` memoises the sub-fields per runtime type (a field lives
    in one cache, so its children are valid for the same schema and variables).
    """

    __slots__ = (
        "bounded",
        "children",
        "coerce",
        "data_key",
        "exact",
        "field_name",
        "kind",
        "nullable",
        "parent_type",
        "response_key",
        "selections",
        "shape",
    )

    def __init__(
        self,
        response_key: str,
        field_name: str,
        parent_type: str,
        shape: OutputShape | None,
        selections: tuple[SelectionSetNode, ...],
    ) -> None:
        self.response_key = response_key
        # Where the merged data holds it (a field the client names `__typename` is elsewhere).
        self.data_key = stored_key(response_key, field_name)
        self.field_name = field_name
        self.parent_type = parent_type
        self.shape = shape
        self.selections = selections
        self.children: dict[str, list[ShapedField]] = {}
        self.exact = None if shape is None else shape.exact
        self.bounded = self.exact is int  # a 32-bit Int: range-checked even when an int
        self.coerce = None if shape is None else shape.coerce
        if shape is not None:
            self.kind = shape.kind
            self.nullable = shape.nullable
        else:
            self.kind = TYPENAME_FIELD if field_name == _TYPENAME else UNKNOWN_FIELD
            self.nullable = True


def shape_data(
    data: Mapping[str, Any] | None,
    *,
    operation: PreparedOperation,
    variables: Mapping[str, Any],
    schema: GraphQLSchema,
    errors: list[dict[str, Any]],
    failed_paths: Iterable[tuple[str | int, ...]] = (),
    root_values: Mapping[str, Any] | None = None,
    only_keys: Collection[str] | None = None,
) -> dict[str, Any] | None:
    """The client's `data` from merged subgraph `data`; appends completion errors to `errors`.

    `failed_paths` are paths (objects or root fields) whose fetch failed and already carry an
    error elsewhere; nulls at or below them add no further error. `only_keys` limits shaping to
    those root response keys (the executor asks whether the mutation fields run so far null
    `data`).
    """
    index = index_for(schema)
    memo = _shape_memo(operation, variables, index)
    shaper = _Shaper(operation, variables, index, memo.fields, errors, failed_paths)
    if only_keys is None and not root_values:
        compiled = memo.compiled(shaper)
        if compiled is not None:
            try:
                shaped = compiled(data or {})
            except ShapingFallback:
                memo.fell_back()  # an answer with errors: the interpreter's
            else:
                memo.shaped()
                return shaped
    return shaper.shape_root(data or {}, root_values or {}, only_keys)


class _Shaper:
    __slots__ = (
        "_cache",
        "_covered",
        "_error_ancestors",
        "errors",
        "index",
        "operation",
        "path",
        "variables",
    )

    def __init__(
        self,
        operation: PreparedOperation,
        variables: Mapping[str, Any],
        index: SchemaIndex,
        cache: FieldCache,
        errors: list[dict[str, Any]],
        failed_paths: Iterable[tuple[str | int, ...]],
    ) -> None:
        self.operation = operation
        self.variables = variables
        self.index = index
        self.errors = errors
        self.path: list[str | int] = []
        # Memoised per (selection sets, runtime type). Keys use id() of tuples that the cache
        # itself keeps alive, so an id is never reused while its entry exists.
        self._cache = cache
        self._covered: set[tuple[str | int, ...]] = set(failed_paths)
        self._error_ancestors: set[tuple[str | int, ...]] = set()
        for error in errors:
            path = error.get("path")
            if path:
                self._remember_error_path(tuple(path))

    def shape_root(
        self,
        data: Mapping[str, Any],
        root_values: Mapping[str, Any],
        only_keys: Collection[str] | None,
    ) -> dict[str, Any] | None:
        root_name = self._root_type_name()
        if root_name is None:
            return None
        fields = self._fields(self.operation.root_selections, root_name)
        out: dict[str, Any] = {}
        path = self.path
        for field in fields:
            key = field.response_key
            if only_keys is not None and key not in only_keys:
                continue
            if key in root_values:
                out[key] = root_values[key]
                continue
            if field.field_name == _TYPENAME:
                out[key] = root_name
                continue
            if field.shape is None:
                # Introspection the edge did not resolve, or a field unknown to the schema.
                out[key] = None
                continue
            path.append(key)
            value = self._complete(field.shape, data.get(field.data_key), field)
            path.pop()
            if value is _BUBBLE:
                return None
            out[key] = value
        return out

    def compile(self) -> CompiledShaper | None:
        """Generated code for the answers to this operation that need no error."""
        root_name = self._root_type_name()
        if root_name is None:
            return None
        fields = self._fields(self.operation.root_selections, root_name)
        if fields is None:
            return None
        return compile_shaper(fields, root_name, self._children)

    def _root_type_name(self) -> str | None:
        schema = self.index.schema
        root_type = schema.mutation_type if self.operation.kind == "mutation" else schema.query_type
        return None if root_type is None else root_type.name

    def _children(self, field: ShapedField, type_name: str) -> list[ShapedField] | None:
        """The fields `field`'s selections yield on an object of `type_name` (memoised)."""
        fields = field.children.get(type_name, _UNCOLLECTED)
        if fields is _UNCOLLECTED:
            fields = field.children[type_name] = self._fields(field.selections, type_name)
        return fields  # type: ignore[return-value]

    def _complete(self, shape: OutputShape, raw: Any, field: ShapedField) -> Any:
        if raw is None:
            if shape.nullable:
                return None
            self._null_error(field)
            return _BUBBLE
        kind = shape.kind
        if kind == OPAQUE_LEAF:
            return raw
        if kind == LEAF:
            if type(raw) is shape.exact and (type(raw) is not int or INT_MIN <= raw <= INT_MAX):
                return raw
            value = shape.coerce(raw)  # type: ignore[misc]
            if value is INVALID_LEAF:
                return self._invalid_leaf(shape, field)
            return value
        if kind == LIST:
            if type(raw) is not list:
                return self._invalid(shape, field)
            item = shape.item
            assert item is not None
            if (item.kind == LEAF or item.kind == OPAQUE_LEAF) and leaves_as_returned(raw, item):
                return raw
            path = self.path
            path.append(0)
            out = []
            # Objects of one concrete type (most lists) are shaped here, not one call deeper.
            fields = self._item_fields(item, field)
            type_name = item.type_name
            for position, element in enumerate(raw):
                path[-1] = position
                if fields is not None and type(element) is dict:
                    value = self._object(fields, element, type_name)
                    if value is _BUBBLE and item.nullable:
                        value = None
                else:
                    value = self._complete(item, element, field)
                if value is _BUBBLE:
                    path.pop()
                    return None if shape.nullable else _BUBBLE
                out.append(value)
            path.pop()
            return out
        if type(raw) is not dict:
            return self._invalid(shape, field)
        type_name = shape.type_name
        if shape.abstract:
            runtime = raw.get(_TYPENAME)
            if type(runtime) is str:
                if runtime in shape.possible:
                    type_name = runtime
                elif self.index.type_matches(type_name, runtime):
                    type_name = runtime  # an interface: an @interfaceObject subgraph's answer
                else:
                    return self._unresolved_type(shape, field)
        fields = self._children(field, type_name)
        if fields is None:
            return self._unresolved_type(shape, field)
        value = self._object(fields, raw, type_name)
        if value is _BUBBLE:
            return None if shape.nullable else _BUBBLE
        return value

    def _item_fields(self, item: OutputShape, field: ShapedField) -> list[ShapedField] | None:
        """The fields of a list's items when they are objects of one concrete type; else None
        (abstract, nested lists, leaves: each element is completed on its own)."""
        if item.kind != COMPOSITE or item.abstract:
            return None
        return self._children(field, item.type_name)

    def _object(self, fields: list[ShapedField], raw: dict[str, Any], type_name: str) -> Any:
        out: dict[str, Any] = {}
        path = self.path
        for field in fields:
            key = field.response_key
            kind = field.kind
            value = raw.get(field.data_key)
            if kind == LEAF:
                # Inlined: most fields are leaves already of their type, and the path is only
                # needed for an error.
                if type(value) is field.exact:
                    if field.bounded and not INT_MIN <= value <= INT_MAX:
                        value = self._leaf_at(key, field, value)
                        if value is _BUBBLE:
                            return _BUBBLE
                elif value is None:
                    if not field.nullable:
                        path.append(key)
                        self._null_error(field)
                        path.pop()
                        return _BUBBLE
                else:
                    value = self._leaf_at(key, field, value)
                    if value is _BUBBLE:
                        return _BUBBLE
                out[key] = value
                continue
            if kind < 0:
                out[key] = type_name if kind == TYPENAME_FIELD else None
                continue
            path.append(key)
            value = self._complete(field.shape, value, field)  # type: ignore[arg-type]
            path.pop()
            if value is _BUBBLE:
                return _BUBBLE
            out[key] = value
        return out

    def _leaf_at(self, key: str, field: ShapedField, value: Any) -> Any:
        """The client's value for a leaf not already of its type (`_BUBBLE` if it has none)."""
        value = field.coerce(value)  # type: ignore[misc]
        if value is INVALID_LEAF:
            self.path.append(key)
            value = self._invalid_leaf(field.shape, field)  # type: ignore[arg-type]
            self.path.pop()
        return value

    def _fields(
        self, selections: tuple[SelectionSetNode, ...], type_name: str
    ) -> list[ShapedField] | None:
        """The fields `selections` yield on an object of `type_name`; None when `type_name` is
        abstract (an `@interfaceObject` answer) and they depend on the concrete type: a
        `__typename`, or a fragment some implementations match and others do not."""
        key = (id(selections), type_name)
        if key in self._cache:
            return self._cache[key]
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        narrowed = False
        for selection_set in selections:
            narrowed |= self._collect(selection_set, type_name, grouped, visited)
        fields: list[ShapedField] = []
        for response_key, nodes in grouped.items():
            field_name = nodes[0].name.value
            shape = (
                None if field_name == _TYPENAME else self.index.field_shape(type_name, field_name)
            )
            sub = tuple(node.selection_set for node in nodes if node.selection_set is not None)
            fields.append(ShapedField(response_key, field_name, type_name, shape, sub))
            narrowed |= field_name == _TYPENAME
        collected = None if narrowed and self.index.is_abstract(type_name) else fields
        self._cache[key] = collected
        return collected

    def _collect(
        self,
        selection_set: SelectionSetNode,
        type_name: str,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> bool:
        """Adds the fields that apply to `type_name` to `grouped`; True when a fragment did not
        apply (so it might to a more specific type)."""
        narrowed = False
        for selection in selection_set.selections:
            if selection.directives and not self._included(selection.directives):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self.index.type_matches(condition.name.value, type_name):
                    narrowed |= self._collect(selection.selection_set, type_name, grouped, visited)
                else:
                    narrowed = True
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.operation.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self.index.type_matches(fragment.type_condition.name.value, type_name):
                    narrowed |= self._collect(fragment.selection_set, type_name, grouped, visited)
                else:
                    narrowed = True
        return narrowed

    def _included(self, directives: Sequence[Any]) -> bool:
        for directive in directives:
            name = directive.name.value
            if name != "skip" and name != "include":
                continue
            condition = False
            for argument in directive.arguments:
                if argument.name.value == "if":
                    value = argument.value
                    if isinstance(value, VariableNode):
                        condition = self.variables.get(value.name.value) is True
                    elif isinstance(value, BooleanValueNode):
                        condition = value.value
            if condition == (name == "skip"):
                return False
        return True

    def _null_error(self, field: ShapedField) -> None:
        if self._explained(self.path):
            return
        self._add_error(
            f"Cannot return null for non-nullable field {field.parent_type}.{field.field_name}."
        )

    def _invalid(self, shape: OutputShape, field: ShapedField) -> Any:
        """A subgraph value of the wrong kind (e.g. a string for an object) becomes null."""
        if not self._explained(self.path):
            self._add_error(
                f"Invalid value returned for field {field.parent_type}.{field.field_name}."
            )
        return None if shape.nullable else _BUBBLE

    def _invalid_leaf(self, shape: OutputShape, field: ShapedField) -> Any:
        """A leaf the API type cannot represent becomes null with graphql-js's field error. The
        message leaves the value out: it may be one the API schema hides."""
        self._add_error(
            f"{shape.type_name} cannot represent the value returned for field "
            f"{field.parent_type}.{field.field_name}."
        )
        return None if shape.nullable else _BUBBLE

    def _unresolved_type(self, shape: OutputShape, field: ShapedField) -> Any:
        """An abstract value whose `__typename` names no object type the API schema exposes
        there (or is missing) becomes null with an error that does not repeat the name."""
        self._add_error(
            f"Abstract type {shape.type_name} must resolve to an object type of the API schema "
            f"for field {field.parent_type}.{field.field_name}."
        )
        return None if shape.nullable else _BUBBLE

    def _add_error(self, message: str) -> None:
        path = list(self.path)
        self.errors.append(
            {"message": message, "path": path, "extensions": {"code": INVALID_ANSWER_CODE}}
        )
        self._remember_error_path(tuple(path))

    def _remember_error_path(self, path: tuple[str | int, ...]) -> None:
        self._covered.add(path)
        for end in range(1, len(path)):
            self._error_ancestors.add(path[:end])

    def _explained(self, path: list[str | int]) -> bool:
        """Is a null at `path` already explained by an error at, below or above it?"""
        if not self._covered:
            return False
        key = tuple(path)
        if key in self._error_ancestors:
            return True
        covered = self._covered
        return any(key[:end] in covered for end in range(len(key), 0, -1))


class ShapeMemo:
    """What shaping keeps for one operation, schema and set of condition values: the fields
    collected per (selection sets, runtime type), and the compiled shaper of the answers that
    need no error (`shaping_compiler`), made at its second use."""

    __slots__ = ("_compiled", "_pause", "_streak", "fallbacks", "fields", "uses")

    def __init__(self, kept: bool) -> None:
        self.fields: FieldCache = {}
        self.uses = 0
        self.fallbacks = 0  # answers the compiled shaper gave back to the interpreter
        self._streak = 0
        self._pause = 0
        # A memo made for one request (not kept on the operation) is never compiled.
        self._compiled: CompiledShaper | _Uncompiled | None = _NOT_YET if kept else None

    def compiled(self, shaper: _Shaper) -> CompiledShaper | None:
        """The compiled shaper to try first, if any; `shaper` collects its fields."""
        self.uses += 1
        compiled = self._compiled
        if compiled is _NOT_YET:
            if self.uses < COMPILE_AT_USE:
                return None
            compiled = self._compiled = shaper.compile()
        if compiled is None:
            return None
        if self._pause:
            self._pause -= 1
            return None
        return compiled  # type: ignore[return-value]

    def shaped(self) -> None:
        self._streak = 0

    def fell_back(self) -> None:
        self.fallbacks += 1
        self._streak += 1
        self._pause = min(2**self._streak, MAX_FALLBACK_PAUSE)


class _Uncompiled:
    __slots__ = ()


_NOT_YET: Final = _Uncompiled()


def _shape_memo(
    operation: PreparedOperation, variables: Mapping[str, Any], index: SchemaIndex
) -> ShapeMemo:
    """The operation's memo for this schema and these condition values."""
    names = operation.condition_variables
    key: Any = index
    if names:
        key = (index, tuple(variables.get(name) is True for name in names))
    memo = operation.shape_cache.get(key)
    if memo is None:
        kept = len(operation.shape_cache) < MAX_CONDITION_SETS
        memo = ShapeMemo(kept)
        if kept:
            operation.shape_cache[key] = memo
    return memo
