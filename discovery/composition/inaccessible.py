"""@inaccessible rules: what stays visible to clients must form a valid API schema on its own."""

from __future__ import annotations

from discovery.composition.result import CompositionError
from discovery.composition.subgraph import TypeKind
from discovery.composition.supergraph_model import MergedInputValue, MergedSchema
from discovery.composition.type_references import is_non_null, named_type


def check_inaccessible(schema: MergedSchema) -> list[CompositionError]:
    errors: list[CompositionError] = []

    def hidden(type_reference: str) -> bool:
        target = schema.types.get(named_type(type_reference))
        return target is not None and target.meta.inaccessible

    def check_inputs(values: list[tuple[str, MergedInputValue]], required_as: str) -> None:
        """`values`: (how a message names it, the value) for arguments or input fields."""
        for element, value in values:
            if not value.meta.inaccessible:
                if hidden(value.type):
                    errors.append(referenced(named_type(value.type), element))
            elif is_non_null(value.type) and value.default is None:
                # Clients could never send a value the schema requires.
                errors.append(
                    CompositionError(
                        "REQUIRED_INACCESSIBLE",
                        f"{element[0].upper()}{element[1:]} is @inaccessible but is a required "
                        f"{required_as}.",
                    )
                )

    for type_ in schema.types.values():
        if type_.meta.inaccessible:
            continue
        children = (
            [f.meta for f in type_.fields.values()]
            + [f.meta for f in type_.input_fields.values()]
            + [v.meta for v in type_.values.values()]
        )
        if children and all(meta.inaccessible for meta in children):
            kind = "values" if type_.kind is TypeKind.ENUM else "fields"
            errors.append(
                CompositionError(
                    "ONLY_INACCESSIBLE_CHILDREN",
                    f'Type "{type_.name}" is in the API schema but all of its {kind} are '
                    "@inaccessible.",
                )
            )
        for field_ in type_.fields.values():
            if field_.meta.inaccessible:
                continue
            coordinate = f"{type_.name}.{field_.name}"
            if hidden(field_.type):
                errors.append(referenced(named_type(field_.type), f'"{coordinate}"'))
            check_inputs(
                [(f'argument "{coordinate}({a.name}:)"', a) for a in field_.arguments.values()],
                "argument of its field",
            )
        check_inputs(
            [(f'input field "{type_.name}.{v.name}"', v) for v in type_.input_fields.values()],
            "input field of its type",
        )
    return errors


def referenced(type_name: str, element: str) -> CompositionError:
    return CompositionError(
        "REFERENCED_INACCESSIBLE",
        f'Type "{type_name}" is @inaccessible but is referenced by {element}, which is in the '
        "API schema.",
    )
