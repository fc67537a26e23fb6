"""Random valid operations over an API schema, from a seeded RNG (the same seed, the same text).

Each operation selects a random part of the graph from the query root, to a bounded depth, with
what clients write: aliases (some colliding on purpose with a field's name elsewhere),
`__typename`, inline fragments on abstract types (per possible type and on the abstract type
itself), named fragments, `@skip`/`@include` with literals or Boolean variables, and arguments
as literals or variables, their values drawn from `argument_values` (the data's own ids and
`$by` choices) so that lookups find something. Operations that fail validation (e.g. two
fragments selecting one response key with different arguments) are drawn again.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLInputType,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    parse,
    validate,
)

MAX_DEPTH = 4
MAX_ATTEMPTS = 50


@dataclass(frozen=True)
class GeneratedOperation:
    text: str
    variables: dict[str, Any]


@dataclass
class _Draft:
    """The operation being written: its variables and named fragments."""

    variables: dict[str, tuple[str, Any]] = field(default_factory=dict)
    fragments: list[str] = field(default_factory=list)
    aliases: int = 0

    def variable(self, type_text: str, value: Any) -> str:
        name = f"v{len(self.variables)}"
        self.variables[name] = (type_text, value)
        return f"${name}"


class OperationGenerator:
    def __init__(
        self,
        schema: GraphQLSchema,
        seed: int,
        argument_values: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        self.schema = schema
        self.rng = random.Random(seed)
        self.argument_values = argument_values or {}

    def operation(self) -> GeneratedOperation:
        """A random operation that validates against the schema."""
        for _ in range(MAX_ATTEMPTS):
            draft = _Draft()
            root = self.schema.query_type
            assert root is not None
            body = self._selection(root, draft, depth=0)
            header = ""
            if draft.variables:
                declared = ", ".join(
                    f"${name}: {kind}" for name, (kind, _) in draft.variables.items()
                )
                header = f"query Generated({declared}) "
            text = "\n".join([f"{header}{{ {body} }}", *draft.fragments])
            if not validate(self.schema, parse(text)):
                values = {name: value for name, (_, value) in draft.variables.items()}
                return GeneratedOperation(text, values)
        raise AssertionError("the generator keeps writing invalid operations")

    # -- selections

    def _selection(self, parent: GraphQLNamedType, draft: _Draft, depth: int) -> str:
        parts: list[str] = []
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            parts += self._fields(parent, draft, depth)
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            parts += self._fragments(parent, draft, depth)
        if isinstance(parent, GraphQLObjectType) and self.rng.random() < 0.2:
            parts.append(self._wrapped(parent, draft, depth))
        if not parts or self.rng.random() < 0.3:
            parts.insert(
                self.rng.randrange(len(parts) + 1), self._maybe_aliased("__typename", draft)
            )
        return " ".join(parts)

    def _fields(
        self, parent: GraphQLObjectType | GraphQLInterfaceType, draft: _Draft, depth: int
    ) -> list[str]:
        candidates = [
            (name, definition)
            for name, definition in parent.fields.items()
            if depth < MAX_DEPTH or not _is_composite(definition)
        ]
        if not candidates:
            return []
        count = self.rng.randint(1, min(len(candidates), 4))
        chosen = self.rng.sample(candidates, count)
        if self.rng.random() < 0.15:
            chosen.append(self.rng.choice(candidates))  # the same field twice: merged
        siblings = sorted(parent.fields)
        return [
            self._field(name, definition, draft, depth, siblings) for name, definition in chosen
        ]

    def _field(
        self,
        name: str,
        definition: GraphQLField,
        draft: _Draft,
        depth: int,
        siblings: Sequence[str] = (),
    ) -> str:
        text = self._maybe_aliased(name, draft, siblings)
        arguments = self._arguments(name, definition.args, draft)
        if arguments:
            text += f"({', '.join(arguments)})"
        text += self._condition(draft)
        named = get_named_type(definition.type)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            text += f" {{ {self._selection(named, draft, depth + 1)} }}"
        return text

    def _fragments(
        self, abstract: GraphQLInterfaceType | GraphQLUnionType, draft: _Draft, depth: int
    ) -> list[str]:
        possible = list(self.schema.get_possible_types(abstract))
        parts = []
        for member in self.rng.sample(possible, self.rng.randint(0, len(possible))):
            inner = self._selection(member, draft, depth)
            if self.rng.random() < 0.3:
                name = f"F{len(draft.fragments)}"
                draft.fragments.append(f"fragment {name} on {member.name} {{ {inner} }}")
                parts.append(f"...{name}{self._condition(draft)}")
            else:
                parts.append(f"... on {member.name}{self._condition(draft)} {{ {inner} }}")
        if isinstance(abstract, GraphQLInterfaceType) and self.rng.random() < 0.3:
            inner = " ".join(self._fields(abstract, draft, depth)) or "__typename"
            parts.append(f"... on {abstract.name} {{ {inner} }}")
        return parts

    def _wrapped(self, parent: GraphQLObjectType, draft: _Draft, depth: int) -> str:
        """Fields of an object inside a fragment that always applies to it: one without a type
        condition (a place for a condition), on the type itself, or on an interface or union it
        belongs to."""
        inner = " ".join(self._fields(parent, draft, depth)) or "__typename"
        unions = [
            named.name
            for named in self.schema.type_map.values()
            if isinstance(named, GraphQLUnionType) and parent in named.types
        ]
        conditions = ["", parent.name, *(i.name for i in parent.interfaces), *unions]
        condition = self.rng.choice(conditions)
        if condition and condition != parent.name:
            inner = "__typename"  # only the abstract type's own fields are valid there
            abstract = self.schema.get_type(condition)
            if isinstance(abstract, GraphQLInterfaceType):
                inner = " ".join(self._fields(abstract, draft, depth)) or inner
        head = f"... on {condition}" if condition else "..."
        return f"{head}{self._condition(draft)} {{ {inner} }}"

    def _maybe_aliased(self, name: str, draft: _Draft, siblings: Sequence[str] = ()) -> str:
        roll = self.rng.random()
        if roll < 0.15:
            draft.aliases += 1
            return f"a{draft.aliases}: {name}"
        if roll < 0.25 and name != "__typename":
            # A client alias named like a field the planner may add: `__typename`, a key or
            # `@requires` input (another field of the same type), `id`.
            others = [sibling for sibling in siblings if sibling != name]
            return f"{self.rng.choice(['id', '__typename', 'typename', *others])}: {name}"
        return name

    def _condition(self, draft: _Draft) -> str:
        roll = self.rng.random()
        if roll > 0.2:
            return ""
        directive = self.rng.choice(["skip", "include"])
        if roll < 0.05:
            return f" @{directive}(if: {self.rng.choice(['true', 'false'])})"
        return f" @{directive}(if: {draft.variable('Boolean!', self.rng.random() < 0.5)})"

    # -- arguments

    def _arguments(
        self, field_name: str, arguments: Mapping[str, GraphQLArgument], draft: _Draft
    ) -> list[str]:
        written = []
        for name, argument in arguments.items():
            required = (
                isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
            )
            if not required and self.rng.random() < 0.5:
                continue
            value = self._value(f"{field_name}.{name}", argument.type)
            if self.rng.random() < 0.4:
                written.append(f"{name}: {draft.variable(str(argument.type), value)}")
            else:
                written.append(f"{name}: {_literal(value, argument.type)}")
        return written

    def _value(self, coordinate: str, input_type: GraphQLInputType) -> Any:
        inner = input_type.of_type if isinstance(input_type, GraphQLNonNull) else input_type
        if isinstance(inner, GraphQLList):
            return [self._value(coordinate, inner.of_type) for _ in range(self.rng.randint(0, 2))]
        known = self.argument_values.get(coordinate)
        if known:
            return self.rng.choice(list(known))
        if isinstance(inner, GraphQLEnumType):
            return self.rng.choice(list(inner.values))
        if inner is GraphQLBoolean:
            return self.rng.random() < 0.5
        if inner is GraphQLInt:
            return self.rng.randint(0, 5)
        if inner is GraphQLFloat:
            return self.rng.randint(0, 50) / 10
        return self.rng.choice(["1", "2", "x"])


def _is_composite(definition: GraphQLField) -> bool:
    named = get_named_type(definition.type)
    return isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


def _literal(value: Any, input_type: GraphQLInputType) -> str:
    inner = input_type.of_type if isinstance(input_type, GraphQLNonNull) else input_type
    if isinstance(inner, GraphQLList):
        return "[" + ", ".join(_literal(item, inner.of_type) for item in value) + "]"
    if isinstance(inner, GraphQLEnumType):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))
