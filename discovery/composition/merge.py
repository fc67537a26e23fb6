"""Merges checked subgraphs into one `MergedSchema`, following Apollo Federation 2 merge rules."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from discovery.composition.authorization import all_of, require_implementations
from discovery.composition.contexts import read_context_reference
from discovery.composition.field_sets import FieldSetUsage
from discovery.composition.result import CompositionError, CompositionHint, SourceLocation
from discovery.composition.subgraph import (
    Metadata,
    Subgraph,
    SubgraphArgument,
    SubgraphField,
    SubgraphType,
    TypeKind,
)
from discovery.composition.supergraph_model import (
    ContextArgument,
    GraphEntry,
    JoinField,
    JoinType,
    MergedEnumValue,
    MergedField,
    MergedInputValue,
    MergedMetadata,
    MergedSchema,
    MergedType,
)
from discovery.composition.type_references import is_non_null, is_subtype, named_type

KIND_NAMES = {
    TypeKind.OBJECT: "Object Type",
    TypeKind.INTERFACE: "Interface Type",
    TypeKind.UNION: "Union Type",
    TypeKind.ENUM: "Enum Type",
    TypeKind.INPUT_OBJECT: "Input Object Type",
    TypeKind.SCALAR: "Scalar Type",
}


@dataclass(frozen=True, slots=True)
class SubgraphView:
    """A subgraph with what composition learnt about it: its join__Graph name and field-set use."""

    subgraph: Subgraph
    graph: str
    usage: FieldSetUsage

    @property
    def name(self) -> str:
        return self.subgraph.name


def graph_entries(subgraphs: Sequence[Subgraph]) -> list[GraphEntry]:
    """join__Graph names as Apollo derives them: upper-cased, non-alphanumerics as `_`, a `_`
    before a leading digit; names that collide are all numbered `_1`, `_2`, ..."""
    bases = []
    for subgraph in subgraphs:
        base = re.sub(r"[^A-Za-z0-9]", "_", subgraph.name).upper()
        bases.append(f"_{base}" if base[:1].isdigit() else base)
    counts = Counter(bases)
    seen: Counter[str] = Counter()
    entries: list[GraphEntry] = []
    taken: set[str] = set()
    for subgraph, base in zip(subgraphs, bases, strict=True):
        seen[base] += 1
        enum_name = f"{base}_{seen[base]}" if counts[base] > 1 else base
        while enum_name in taken:  # e.g. a service really named "a_1" next to "a-1" and "a.1"
            seen[base] += 1
            enum_name = f"{base}_{seen[base]}"
        taken.add(enum_name)
        entries.append(GraphEntry(enum_name, subgraph.name, subgraph.url))
    return entries


def quoted_list(names: Iterable[str]) -> str:
    """`"a"`, `"a" and "b"`, `"a", "b" and "c"`: how messages list subgraphs."""
    quoted = [f'"{name}"' for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def in_subgraphs(names: Sequence[str]) -> str:
    return f"{'subgraph' if len(names) == 1 else 'subgraphs'} {quoted_list(names)}"


class Merger:
    """Builds the merged schema; user mistakes are collected as errors, notes as hints."""

    def __init__(self, views: Sequence[SubgraphView]) -> None:
        self.views = list(views)
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []
        self.merged: dict[str, MergedType] = {}
        # Filled before fields are merged: subtyping of field types needs the whole hierarchy.
        self.implementations: dict[str, set[str]] = {}
        self.union_members: dict[str, set[str]] = {}
        self.enum_input_use: dict[str, str] = {}
        self.enum_output_use: dict[str, str] = {}

    def merge(self) -> MergedSchema:
        sources_by_name = self._sources_by_type()
        kinds_ok = {
            name: self._check_kinds(name, sources) for name, sources in sources_by_name.items()
        }
        self._collect_hierarchy(sources_by_name)
        self._collect_enum_use()
        for name, sources in sources_by_name.items():
            if kinds_ok[name]:
                self.merged[name] = self._merge_type(name, sources)
        self._add_interface_object_fields(sources_by_name)
        self._check_interface_implementations(sources_by_name)
        require_implementations(self.merged, self.implementations, sources_by_name)
        if not any(view.subgraph.types["Query"].fields for view in self.views):
            self._error(
                "NO_QUERIES",
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        return MergedSchema(
            [GraphEntry(v.graph, v.name, v.subgraph.url) for v in self.views], self.merged
        )

    # -- types -----------------------------------------------------------------------------

    def _sources_by_type(self) -> dict[str, list[tuple[SubgraphView, SubgraphType]]]:
        sources: dict[str, list[tuple[SubgraphView, SubgraphType]]] = {}
        for view in self.views:
            for name, type_ in view.subgraph.types.items():
                sources.setdefault(name, []).append((view, type_))
        return sources

    def _check_kinds(self, name: str, sources: list[tuple[SubgraphView, SubgraphType]]) -> bool:
        by_kind: dict[TypeKind, list[str]] = {}
        for view, type_ in sources:
            by_kind.setdefault(type_.kind, []).append(view.name)
        if len(by_kind) == 1:
            return True
        described = [
            f"{KIND_NAMES[kind]} in {in_subgraphs(names)}" for kind, names in by_kind.items()
        ]
        self._error(
            "TYPE_KIND_MISMATCH",
            f'Type "{name}" has mismatched kind: it is defined as {" but ".join(described)}',
        )
        return False

    def _collect_hierarchy(
        self, sources_by_name: dict[str, list[tuple[SubgraphView, SubgraphType]]]
    ) -> None:
        for name, sources in sources_by_name.items():
            for _, type_ in sources:
                for interface in type_.interfaces:
                    self.implementations.setdefault(interface, set()).add(name)
                for member in type_.members:
                    self.union_members.setdefault(name, set()).add(member)

    def _collect_enum_use(self) -> None:
        for view in self.views:
            for type_ in view.subgraph.types.values():
                for field_ in type_.fields.values():
                    self.enum_output_use.setdefault(
                        named_type(field_.type), f'"{type_.name}.{field_.name}"'
                    )
                    for argument in field_.arguments.values():
                        self.enum_input_use.setdefault(
                            named_type(argument.type),
                            f'"{type_.name}.{field_.name}({argument.name}:)"',
                        )
                for input_field in type_.input_fields.values():
                    self.enum_input_use.setdefault(
                        named_type(input_field.type), f'"{type_.name}.{input_field.name}"'
                    )

    def _is_named_subtype(self, sub: str, sup: str) -> bool:
        return sub in self.implementations.get(sup, ()) or sub in self.union_members.get(sup, ())

    def _merge_type(
        self, name: str, sources: list[tuple[SubgraphView, SubgraphType]]
    ) -> MergedType:
        kind = sources[0][1].kind
        merged = MergedType(name, kind, merge_metadata(type_.meta for _, type_ in sources))
        merged.specified_by = next((t.specified_by for _, t in sources if t.specified_by), None)
        for view, type_ in sources:
            merged.join_types.extend(self._join_types(view, type_))
            merged.contexts.extend(f"{view.name}__{context.name}" for context in type_.contexts)
        if kind in (TypeKind.OBJECT, TypeKind.INTERFACE):
            self._merge_implements(merged, sources)
            self._merge_fields(merged, sources)
        elif kind is TypeKind.UNION:
            self._merge_union(merged, sources)
        elif kind is TypeKind.ENUM:
            self._merge_enum(merged, sources)
        elif kind is TypeKind.INPUT_OBJECT:
            self._merge_input(merged, sources)
        return merged

    @staticmethod
    def _join_types(view: SubgraphView, type_: SubgraphType) -> list[JoinType]:
        if not type_.keys:
            return [JoinType(view.graph, is_interface_object=type_.interface_object)]
        return [
            JoinType(
                view.graph,
                key.fields,
                extension=key.extension or type_.extends,
                resolvable=key.resolvable,
                is_interface_object=type_.interface_object,
            )
            for key in type_.keys
        ]

    def _merge_implements(
        self, merged: MergedType, sources: list[tuple[SubgraphView, SubgraphType]]
    ) -> None:
        for view, type_ in sources:
            for interface in type_.interfaces:
                if interface not in merged.interfaces:
                    merged.interfaces.append(interface)
                merged.join_implements.append((view.graph, interface))

    def _merge_union(
        self, merged: MergedType, sources: list[tuple[SubgraphView, SubgraphType]]
    ) -> None:
        for _, type_ in sources:
            for member in type_.members:
                if member not in merged.members:
                    merged.members.append(member)
        for member in merged.members:
            for view, type_ in sources:
                if member in type_.members:
                    merged.join_union_members.append((view.graph, member))

    # -- enums -----------------------------------------------------------------------------

    def _merge_enum(
        self, merged: MergedType, sources: list[tuple[SubgraphView, SubgraphType]]
    ) -> None:
        names: list[str] = []
        for _, type_ in sources:
            names.extend(value for value in type_.values if value not in names)
        input_use = self.enum_input_use.get(merged.name)
        output_use = self.enum_output_use.get(merged.name)
        for value in names:
            having = [(view, type_) for view, type_ in sources if value in type_.values]
            missing = [view.name for view, type_ in sources if value not in type_.values]
            if missing and input_use and output_use:
                self._error(
                    "ENUM_VALUE_MISMATCH",
                    f'Enum type "{merged.name}" is used as both input type (for example, as type '
                    f"of {input_use}) and output type (for example, as type of {output_use}), but "
                    f'value "{value}" is not defined in all the subgraphs defining '
                    f'"{merged.name}": "{value}" is defined in '
                    f"{in_subgraphs([v.name for v, _ in having])} but not in "
                    + in_subgraphs(missing),
                    service=missing[0],
                )
                continue
            if missing and input_use:
                # Only values every subgraph accepts can be sent as input.
                self._hint(
                    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                    f'Value "{value}" of enum type "{merged.name}" has been removed in the '
                    "supergraph: it is only used as input and is not defined in "
                    + in_subgraphs(missing),
                )
                continue
            merged.values[value] = MergedEnumValue(
                value,
                merge_metadata(type_.values[value].meta for _, type_ in having),
                [view.graph for view, _ in having],
            )
        if not merged.values and names:
            self._error(
                "EMPTY_MERGED_ENUM_TYPE",
                f'None of the values of enum type "{merged.name}" are defined consistently in all '
                "the subgraphs defining that type. As only values common to all subgraphs are "
                "merged, this would result in an empty type.",
            )

    # -- input objects ---------------------------------------------------------------------

    def _merge_input(
        self, merged: MergedType, sources: list[tuple[SubgraphView, SubgraphType]]
    ) -> None:
        errors_before = len(self.errors)
        values = self._merge_input_values(
            merged.name, [(view, type_.input_fields) for view, type_ in sources], False
        )
        merged.input_fields = values or {}
        if values == {} and len(self.errors) == errors_before:
            self._error(
                "EMPTY_MERGED_INPUT_TYPE",
                f'None of the fields of input object type "{merged.name}" are consistently '
                "defined in all the subgraphs defining that type. As only fields common to all "
                "subgraphs are merged, this would result in an empty type.",
            )

    def _merge_input_values(
        self,
        owner: str,
        values_by_view: list[tuple[SubgraphView, dict[str, SubgraphArgument]]],
        is_argument: bool,
    ) -> dict[str, MergedInputValue] | None:
        """The input values (arguments of one field, or fields of one input type) every subgraph
        accepts: one missing somewhere is dropped, unless some subgraph requires it."""
        names: list[str] = []
        for _, values in values_by_view:
            names.extend(name for name in values if name not in names)
        merged: dict[str, MergedInputValue] = {}
        ok = True
        for name in names:
            present = [(view, values[name]) for view, values in values_by_view if name in values]
            missing = [view.name for view, values in values_by_view if name not in values]
            label, element = (
                ("Argument", f'"{owner}({name}:)"')
                if is_argument
                else ("Input object field", f'"{owner}.{name}"')
            )
            if any(value.from_context is not None for _, value in present):
                # The gateway fills it (join `contextArguments`): clients never send it.
                ok = self._check_contextual_argument(element, present) and ok
                continue
            if missing:
                required = [view.name for view, value in present if is_required(value)]
                if required:
                    ok = False
                    self._error(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH"
                        if is_argument
                        else "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                        f"{label} {element} is required in some subgraphs but does not appear "
                        f"in all subgraphs: it is required in {in_subgraphs(required)} but does "
                        f"not appear in {in_subgraphs(missing)}",
                        present[0][1].meta.location,
                        required[0],
                    )
                else:
                    self._hint(
                        "INCONSISTENT_ARGUMENT_PRESENCE"
                        if is_argument
                        else "INCONSISTENT_INPUT_OBJECT_FIELD",
                        f"{label} {element} will not be added to the supergraph as it does not "
                        "appear in all subgraphs: it is defined in "
                        f"{in_subgraphs([view.name for view, _ in present])} but not in "
                        + in_subgraphs(missing),
                    )
                continue
            value = self._merge_input_value(f"{label.lower()} {element}", present, is_argument)
            if value is None:
                ok = False
            else:
                merged[name] = value
        return merged if ok else None

    def _check_contextual_argument(
        self, element: str, present: list[tuple[SubgraphView, SubgraphArgument]]
    ) -> bool:
        """An argument contextual in one subgraph leaves the supergraph: a subgraph where it is
        an ordinary argument gets no value for it, so it must accept none there."""
        ok = True
        for view, value in present:
            if value.from_context is not None:
                continue
            if is_required(value):
                ok = False
                self._error(
                    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS",
                    f"Argument {element} is contextual in at least one subgraph but in subgraph "
                    f'"{view.name}" it does not have @fromContext, is not nullable and has no '
                    "default value.",
                    value.meta.location,
                    view.name,
                )
            else:
                self._hint(
                    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS",
                    f"Contextual argument {element} will not be included in the supergraph since "
                    f'it is contextual in at least one subgraph (not in subgraph "{view.name}")',
                )
        return ok

    def _merge_input_value(
        self,
        element: str,
        present: list[tuple[SubgraphView, SubgraphArgument]],
        is_argument: bool,
    ) -> MergedInputValue | None:
        """Input positions take the most restrictive type: every subgraph must accept the value."""
        merged_type = present[0][1].type
        for _, value in present[1:]:
            if is_subtype(value.type, merged_type, self._is_named_subtype):
                merged_type = value.type
            elif not is_subtype(merged_type, value.type, self._is_named_subtype):
                self._type_mismatch(
                    "FIELD_ARGUMENT_TYPE_MISMATCH" if is_argument else "FIELD_TYPE_MISMATCH",
                    element,
                    present,
                )
                return None
        defaults = {value.default for _, value in present if value.default is not None}
        if len(defaults) > 1:
            self._error(
                "FIELD_ARGUMENT_DEFAULT_MISMATCH"
                if is_argument
                else "INPUT_FIELD_DEFAULT_MISMATCH",
                f"{element[0].upper()}{element[1:]} has incompatible default values across "
                "subgraphs: it has "
                + " but ".join(
                    f'default value {value.default or "none"} in subgraph "{view.name}"'
                    for view, value in present
                ),
                present[0][1].meta.location,
                present[0][0].name,
            )
            return None
        types = {value.type for _, value in present}
        if len(types) > 1:
            self._hint(
                "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE"
                if is_argument
                else "INCONSISTENT_BUT_COMPATIBLE_INPUT_FIELD_TYPE",
                f"Type of {element} is inconsistent but compatible across subgraphs: it will use "
                f'type "{merged_type}" in the supergraph, from '
                + ", ".join(f'"{value.type}" in subgraph "{view.name}"' for view, value in present),
            )
        join_fields = (
            [JoinField(view.graph, type=value.type) for view, value in present]
            if len(types) > 1
            else []
        )
        return MergedInputValue(
            present[0][1].name,
            merged_type,
            next(iter(defaults), None),
            merge_metadata(value.meta for _, value in present),
            [] if is_argument else join_fields,
        )

    # -- object and interface fields --------------------------------------------------------

    def _merge_fields(
        self, merged: MergedType, sources: list[tuple[SubgraphView, SubgraphType]]
    ) -> None:
        names: list[str] = []
        for _, type_ in sources:
            names.extend(name for name in type_.fields if name not in names)
        for name in names:
            present = [
                (view, type_.fields[name]) for view, type_ in sources if name in type_.fields
            ]
            merged_field = self._merge_field(merged, sources, present)
            if merged_field is not None:
                merged.fields[name] = merged_field

    def _merge_field(
        self,
        merged: MergedType,
        sources: list[tuple[SubgraphView, SubgraphType]],
        present: list[tuple[SubgraphView, SubgraphField]],
    ) -> MergedField | None:
        coordinate = f"{merged.name}.{present[0][1].name}"
        overridden, labelled = self._overridden(coordinate, present)
        active = [
            (view, field_) for view, field_ in present if overridden.get(view.name) != "unused"
        ]
        if merged.kind is TypeKind.OBJECT:
            self._check_sharing(coordinate, active, {**overridden, **labelled})
            if all(field_.external for _, field_ in present):
                self._error(
                    "EXTERNAL_MISSING_ON_BASE",
                    f'Field "{coordinate}" is marked @external on all the subgraphs in which it is '
                    f"listed ({in_subgraphs([view.name for view, _ in present])}).",
                    present[0][1].meta.location,
                    present[0][0].name,
                )
        field_type = self._merge_output_type(coordinate, present)
        arguments = self._merge_arguments(coordinate, present)
        if field_type is None or arguments is None:
            return None
        all_types_equal = len({field_.type for _, field_ in present}) == 1
        merged_field = MergedField(
            present[0][1].name,
            field_type,
            arguments,
            merge_metadata(field_.meta for _, field_ in present),
        )
        if self._needs_join_field(sources, active, all_types_equal, overridden):
            for view, field_ in active:
                merged_field.join_fields.append(
                    JoinField(
                        view.graph,
                        requires=field_.requires,
                        provides=field_.provides,
                        type=None if all_types_equal else field_.type,
                        external=field_.external,
                        override=field_.override_from,
                        used_overridden=overridden.get(view.name) == "used",
                        override_label=labelled.get(view.name)
                        or (field_.override_label if field_.override_from else None),
                        context_arguments=context_arguments(view, field_),
                    )
                )
        return merged_field

    def _overridden(
        self, coordinate: str, present: list[tuple[SubgraphView, SubgraphField]]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Subgraph name -> "used" or "unused" for each field another subgraph took over with
        @override (a taken-over field that its own subgraph's field sets still select stays, as
        `usedOverridden`, so the planner can still fetch keys from there); and subgraph name ->
        label for each field another subgraph takes over progressively (`label:`): it stays,
        resolved by its subgraph for requests that do not enable the label."""
        overridden: dict[str, str] = {}
        labelled: dict[str, str] = {}
        by_name = {view.name: (view, field_) for view, field_ in present}
        type_name, field_name = coordinate.split(".")
        for view, field_ in present:
            source = field_.override_from
            if source is None:
                continue
            if source == view.name:
                self._error(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{source}" are the same for overridden '
                    f'field "{coordinate}"',
                    field_.meta.location,
                    view.name,
                )
            elif source not in by_name:
                self._hint(
                    "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                    f'Field "{coordinate}" on subgraph "{view.name}" is overridden from '
                    f'subgraph "{source}", which does not define it: @override can be removed',
                )
            else:
                if field_.override_label is not None:
                    labelled[source] = field_.override_label
                    continue
                source_view = by_name[source][0]
                used = (type_name, field_name) in source_view.usage.all
                overridden[source] = "used" if used else "unused"
        return overridden, labelled

    def _check_sharing(
        self,
        coordinate: str,
        active: list[tuple[SubgraphView, SubgraphField]],
        overridden: dict[str, str],
    ) -> None:
        type_name, field_name = coordinate.split(".")
        # A provided @external field is resolved by its subgraph on that path too; being
        # external it claims no ownership, so only the owners' fields must be @shareable.
        resolving = [
            (view, field_)
            for view, field_ in active
            if view.name not in overridden
            and (not field_.external or (type_name, field_name) in view.usage.provided)
        ]
        if len(resolving) < 2:
            return
        non_shareable = [
            (view.name, field_.meta.location)
            for view, field_ in resolving
            if not field_.shareable
            and not field_.external
            and (type_name, field_name) not in view.usage.key_fields
        ]
        if not non_shareable:
            return
        where = (
            "all of them"
            if len(non_shareable) == len(resolving)
            else in_subgraphs([name for name, _ in non_shareable])
        )
        self._error(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is '
            f"resolved from {in_subgraphs([view.name for view, _ in resolving])} and defined as "
            f"non-shareable in {where}",
            non_shareable[0][1],
            non_shareable[0][0],
        )

    def _merge_output_type(
        self, coordinate: str, present: list[tuple[SubgraphView, SubgraphField]]
    ) -> str | None:
        """Output positions take the most general type: each subgraph's value fits in it."""
        merged_type = present[0][1].type
        for _, field_ in present[1:]:
            if is_subtype(merged_type, field_.type, self._is_named_subtype):
                merged_type = field_.type
            elif not is_subtype(field_.type, merged_type, self._is_named_subtype):
                self._type_mismatch(
                    "FIELD_TYPE_MISMATCH",
                    f'field "{coordinate}"',
                    present,
                )
                return None
        if len({field_.type for _, field_ in present}) > 1:
            self._hint(
                "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE",
                f'Type of field "{coordinate}" is inconsistent but compatible across subgraphs: '
                f'it will use type "{merged_type}" in the supergraph, from '
                + ", ".join(f'"{f.type}" in subgraph "{v.name}"' for v, f in present),
            )
        return merged_type

    def _merge_arguments(
        self, coordinate: str, present: list[tuple[SubgraphView, SubgraphField]]
    ) -> dict[str, MergedInputValue] | None:
        return self._merge_input_values(
            coordinate, [(view, field_.arguments) for view, field_ in present], True
        )

    def _needs_join_field(
        self,
        sources: list[tuple[SubgraphView, SubgraphType]],
        active: list[tuple[SubgraphView, SubgraphField]],
        all_types_equal: bool,
        overridden: dict[str, str],
    ) -> bool:
        """A field without @join__field lives in every subgraph that has its type; anything else
        (partial presence, differing types, external, requires/provides, override) says where."""
        if not all_types_equal or "used" in overridden.values():
            return True
        if any(f.external or f.requires is not None or f.provides is not None for _, f in active):
            return True
        if any(f.override_from is not None or context_arguments(v, f) for v, f in active):
            return True
        return len(active) < len(sources)

    def _add_interface_object_fields(
        self, sources_by_name: dict[str, list[tuple[SubgraphView, SubgraphType]]]
    ) -> None:
        """Fields an @interfaceObject adds to an interface exist on every implementation too."""
        for type_ in self.merged.values():
            if type_.kind is not TypeKind.OBJECT:
                continue
            for interface_name in type_.interfaces:
                interface = self.merged.get(interface_name)
                if interface is None:
                    continue
                for name, interface_field in interface.fields.items():
                    if name in type_.fields:
                        continue
                    provided = any(
                        source.interface_object
                        and name in source.fields
                        and not source.fields[name].external
                        for _, source in sources_by_name.get(interface_name, [])
                    )
                    if provided:
                        type_.fields[name] = MergedField(
                            name,
                            interface_field.type,
                            dict(interface_field.arguments),
                            MergedMetadata(),
                            [JoinField(None)],
                        )

    def _check_interface_implementations(
        self, sources_by_name: dict[str, list[tuple[SubgraphView, SubgraphType]]]
    ) -> None:
        """Each subgraph may know fewer interface fields than the merged interface has; every
        implementation must still end up with all of them."""
        for type_ in self.merged.values():
            for interface_name in type_.interfaces:
                interface = self.merged.get(interface_name)
                if interface is None:
                    continue
                for name in interface.fields:
                    if name in type_.fields:
                        continue
                    declaring = [
                        view.name
                        for view, source in sources_by_name[interface_name]
                        if name in source.fields
                    ]
                    implementing = [
                        view.name
                        for view, source in sources_by_name[type_.name]
                        if interface_name in source.interfaces
                    ]
                    self._error(
                        "INTERFACE_FIELD_NO_IMPLEM",
                        f'Interface field "{interface_name}.{name}" is declared in '
                        f'{in_subgraphs(declaring)} but type "{type_.name}", which implements '
                        f'"{interface_name}" only in {in_subgraphs(implementing)} does not have '
                        f'field "{name}".',
                        None,
                        implementing[0] if implementing else None,
                    )

    # -- reporting -------------------------------------------------------------------------

    def _type_mismatch(
        self,
        code: str,
        element: str,
        present: Sequence[tuple[SubgraphView, SubgraphField | SubgraphArgument]],
    ) -> None:
        by_type: dict[str, list[str]] = {}
        for view, value in present:
            by_type.setdefault(value.type, []).append(view.name)
        described = [
            f'type "{reference}" in {in_subgraphs(names)}' for reference, names in by_type.items()
        ]
        self._error(
            code,
            f"Type of {element} is incompatible across subgraphs: it has {' but '.join(described)}",
            present[0][1].meta.location,
            present[0][0].name,
        )

    def _error(
        self,
        code: str,
        message: str,
        location: SourceLocation | None = None,
        service: str | None = None,
    ) -> None:
        self.errors.append(
            CompositionError(code, message, service, (location,) if location else ())
        )

    def _hint(self, code: str, message: str) -> None:
        self.hints.append(CompositionHint(code, message))


def context_arguments(view: SubgraphView, field_: SubgraphField) -> tuple[ContextArgument, ...]:
    """The field's `@fromContext` arguments in this subgraph, as join `contextArguments`."""
    found = []
    for argument in field_.arguments.values():
        reference = read_context_reference(argument.from_context or "")
        if reference is not None:
            found.append(
                ContextArgument(
                    f"{view.name}__{reference.context}",
                    argument.name,
                    argument.type,
                    reference.selection,
                )
            )
    return tuple(found)


def is_required(value: SubgraphArgument) -> bool:
    return is_non_null(value.type) and value.default is None


def merge_metadata(metas: Iterable[Metadata]) -> MergedMetadata:
    """Descriptions: the most common one (first on ties); tags: all; inaccessible: anywhere."""
    metas = list(metas)
    merged = MergedMetadata()
    descriptions = Counter(meta.description for meta in metas if meta.description)
    if descriptions:
        merged.description = descriptions.most_common(1)[0][0]
    merged.inaccessible = any(meta.inaccessible for meta in metas)
    for meta in metas:
        merged.tags.extend(tag for tag in meta.tags if tag not in merged.tags)
    merged.deprecation = next((meta.deprecation for meta in metas if meta.deprecation), None)
    # Authorization: required anywhere means required; the requirements of every subgraph all
    # hold (their OR-of-ANDs are combined with AND), so no subgraph's protection is lost.
    merged.authenticated = any(meta.authenticated for meta in metas)
    merged.requires_scopes = all_of([a for meta in metas for a in meta.requires_scopes])
    merged.policies = all_of([a for meta in metas for a in meta.policies])
    costs = [meta.cost for meta in metas if meta.cost is not None]
    merged.cost = max(costs) if costs else None
    merged.list_size = next((meta.list_size for meta in metas if meta.list_size), None)
    return merged
