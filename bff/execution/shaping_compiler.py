"""Generated code for the happy path of shaping one operation: compiled once, run many.

`compile_shaper` turns the fields `shaping` collects for an operation (per schema and
`@skip`/`@include` values) into Python functions, one per selection on an object type, that
read the merged data and build the client's `data` in straight-line code: no loop over field
descriptions, no path kept. They handle only answers that need no error: a non-null field that
is null, a value of the wrong kind, a leaf its coercer refuses or an abstract object whose
`__typename` is not one of the type's possible object types makes them raise
`ShapingFallback`, and the interpreter (`shaping._Shaper`) shapes the whole answer again, with
its errors and null propagation. What they return is what the interpreter returns for the same
data: the same values (coerced by the same coercers, lists of leaves shared as they are), the
same keys in the same order.

The generated text holds only names the compiler made and keys and type names as Python string
literals (`repr`); every other value (coercers, exact types) lives in the functions' namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from bff.execution import schema_index as shapes
from bff.execution.schema_index import INT_MAX, INT_MIN, INVALID_LEAF, OutputShape

if TYPE_CHECKING:
    from bff.execution.shaping import ShapedField

# ShapedField.kind beyond the OutputShape kinds: fields answered without looking at the data.
TYPENAME_FIELD: Final = -1
UNKNOWN_FIELD: Final = -2
# Beyond this many fields generated (abstract types multiply them), the interpreter does it all.
MAX_GENERATED_FIELDS: Final = 2000

CompiledShaper = Callable[[Any], dict[str, Any]]
# The fields a client field's selections yield on an object of one type (None: they depend
# on a more concrete type); the interpreter's memo, shared.
ChildrenOf = Callable[["ShapedField", str], "Sequence[ShapedField] | None"]


class ShapingFallback(Exception):
    """The answer needs something only the interpreter does (an error, null propagation)."""


class _Uncompilable(Exception):
    """The operation is shaped by the interpreter alone."""


def compile_shaper(
    root_fields: Sequence[ShapedField], root_type: str, children_of: ChildrenOf
) -> CompiledShaper | None:
    """The compiled shaper of these root fields (None when only the interpreter can do it)."""
    compiler = _Compiler(children_of)
    try:
        root = compiler.object_function(root_fields, root_type)
    except _Uncompilable:
        return None
    namespace = compiler.namespace
    exec(compile("\n".join(compiler.lines), "<compiled shaper>", "exec"), namespace)
    for table, names in compiler.dispatch_tables:
        table.update((runtime, namespace[name]) for runtime, name in names.items())
    return namespace[root]  # type: ignore[no-any-return]


def leaves_as_returned(raw: list[Any], item: OutputShape) -> bool:
    """Is a list of leaves already the client's value (no element to coerce or null-check)?"""
    if item.kind == shapes.OPAQUE_LEAF:
        return item.nullable or None not in raw
    if item.kind != shapes.LEAF or item.exact is None:
        return False
    exact = item.exact
    nullable = item.nullable
    for element in raw:
        if type(element) is exact:
            if exact is int and not INT_MIN <= element <= INT_MAX:
                return False
        elif element is not None or not nullable:
            return False
    return True


def _fallback_unless_null(value: Any) -> None:
    """A nullable list item that is not an object: a null stays null, anything else is not
    for the compiled code."""
    if value is not None:
        raise ShapingFallback
    return None


def _fallback(value: Any) -> Any:
    raise ShapingFallback


class _Compiler:
    def __init__(self, children_of: ChildrenOf) -> None:
        self.children_of = children_of
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "FALLBACK": ShapingFallback,
            "INVALID": INVALID_LEAF,
            "INT_MIN": INT_MIN,
            "INT_MAX": INT_MAX,
            "null_item": _fallback_unless_null,
            "no_item": _fallback,
            "as_returned": leaves_as_returned,
        }
        # Abstract fields' tables of object functions, filled once the code is executed.
        self.dispatch_tables: list[tuple[dict[str, Any], dict[str, str]]] = []
        self._objects: dict[tuple[int, str], str] = {}
        self._constants: dict[int, str] = {}
        self._functions = 0
        self._fields = 0

    def constant(self, value: Any) -> str:
        """A name for `value` in the generated code's namespace."""
        name = self._constants.get(id(value))
        if name is None:
            name = self._constants[id(value)] = f"c{len(self._constants)}"
            self.namespace[name] = value
        return name

    def function_name(self, prefix: str) -> str:
        self._functions += 1
        return f"{prefix}{self._functions}"

    def object_function(self, fields: Sequence[ShapedField], type_name: str) -> str:
        """The function shaping an object of `type_name` with `fields` (made once)."""
        key = (id(fields), type_name)
        name = self._objects.get(key)
        if name is not None:
            return name
        name = self._objects[key] = self.function_name("o")
        body: list[str] = []
        entries = []
        for number, field in enumerate(fields):
            self._fields += 1
            if self._fields > MAX_GENERATED_FIELDS:
                raise _Uncompilable
            value = f"v{number}"
            body += self.field_lines(field, value, type_name)
            entries.append(f"{field.response_key!r}: {value}")
        self.lines += [f"def {name}(raw):", *_indented(body, 1)]
        self.lines.append(f"    return {{{', '.join(entries)}}}")
        return name

    def field_lines(self, field: ShapedField, value: str, type_name: str) -> list[str]:
        """Lines setting `value` to the client's value of `field` on the object `raw`."""
        kind = field.kind
        if kind == TYPENAME_FIELD:
            return [f"{value} = {type_name!r}"]
        if kind == UNKNOWN_FIELD:
            return [f"{value} = None"]
        read = f"{value} = raw.get({field.data_key!r})"
        assert field.shape is not None
        return [read, *self.value_lines(field.shape, field, value)]

    def value_lines(self, shape: OutputShape, field: ShapedField, value: str) -> list[str]:
        """`_Shaper._complete` of `value` at `shape` (as `_object` does for a leaf)."""
        null = ["pass"] if shape.nullable else ["raise FALLBACK"]
        if shape.kind == shapes.LEAF:
            # Of its exact type (an Int within 32 bits) as it is, else null or coerced.
            coerce = self.constant(shape.coerce)
            coerced = [
                f"{value} = {coerce}({value})",
                f"if {value} is INVALID:",
                "    raise FALLBACK",
            ]
            if shape.exact is not None:
                check = f"type({value}) is {self.constant(shape.exact)}"
                if shape.exact is int:
                    check += f" and INT_MIN <= {value} <= INT_MAX"
                lines = [f"if {check}:", "    pass", f"elif {value} is None:"]
            else:
                lines = [f"if {value} is None:"]
            return [*lines, *_indented(null, 1), "else:", *_indented(coerced, 1)]
        inner = self.present_lines(shape, field, value)
        if not inner:
            return [] if shape.nullable else [f"if {value} is None:", "    raise FALLBACK"]
        return [f"if {value} is None:", *_indented(null, 1), "else:", *_indented(inner, 1)]

    def present_lines(self, shape: OutputShape, field: ShapedField, value: str) -> list[str]:
        kind = shape.kind
        if kind == shapes.OPAQUE_LEAF:
            return []
        if kind == shapes.LIST:
            return [
                f"if type({value}) is not list:",
                "    raise FALLBACK",
                *self.list_lines(shape, field, value),
            ]
        assert kind == shapes.COMPOSITE
        lines = [f"if type({value}) is not dict:", "    raise FALLBACK"]
        if shape.abstract:
            dispatch = self.constant(self.dispatch(shape, field))
            return [
                *lines,
                f"runtime = {value}.get('__typename')",
                f"shape_object = {dispatch}.get(runtime) if type(runtime) is str else None",
                "if shape_object is None:",
                "    raise FALLBACK",
                f"{value} = shape_object({value})",
            ]
        function = self.object_function(self.fields_of(field, shape.type_name), shape.type_name)
        return [*lines, f"{value} = {function}({value})"]

    def list_lines(self, shape: OutputShape, field: ShapedField, value: str) -> list[str]:
        item = shape.item
        assert item is not None
        if item.kind == shapes.LEAF or item.kind == shapes.OPAQUE_LEAF:
            # `_as_returned`: the list itself when no element needs coercing or refusing.
            element = self.element_function(item, field)
            return [
                f"if not as_returned({value}, {self.constant(item)}):",
                f"    {value} = [{element}(item) for item in {value}]",
            ]
        if item.kind == shapes.COMPOSITE and not item.abstract:
            function = self.object_function(self.fields_of(field, item.type_name), item.type_name)
            other = "null_item" if item.nullable else "no_item"
            return [
                f"{value} = [{function}(item) if type(item) is dict else {other}(item)"
                f" for item in {value}]"
            ]
        element = self.element_function(item, field)
        return [f"{value} = [{element}(item) for item in {value}]"]

    def element_function(self, item: OutputShape, field: ShapedField) -> str:
        """A function completing one list element at `item` (abstract, nested lists, leaves)."""
        name = self.function_name("e")
        body = self.value_lines(item, field, "value")
        # Generated after the functions it calls: defined before anything calls it.
        self.lines += [f"def {name}(value):", *_indented(body, 1), "    return value"]
        return name

    def dispatch(self, shape: OutputShape, field: ShapedField) -> dict[str, Callable[..., Any]]:
        """Per possible object type of an abstract field, its object function (filled once
        the generated code exists)."""
        names = {
            runtime: self.object_function(self.fields_of(field, runtime), runtime)
            for runtime in sorted(shape.possible)
        }
        table: dict[str, Callable[..., Any]] = {}
        self.dispatch_tables.append((table, names))
        return table

    def fields_of(self, field: ShapedField, type_name: str) -> Sequence[ShapedField]:
        fields = self.children_of(field, type_name)
        if fields is None:  # pragma: no cover - concrete types always have their fields
            raise _Uncompilable
        return fields


def _indented(lines: list[str], levels: int) -> list[str]:
    prefix = "    " * levels
    return [prefix + line for line in lines]
