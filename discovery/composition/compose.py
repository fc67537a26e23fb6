"""`compose(subgraphs)`: subgraph SDLs -> an Apollo supergraph SDL, or the reasons it cannot be."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from discovery.composition.authorization import check_interface_requirements
from discovery.composition.field_sets import FieldSetChecker
from discovery.composition.inaccessible import check_inaccessible
from discovery.composition.merge import Merger, SubgraphView, graph_entries
from discovery.composition.printer import print_supergraph
from discovery.composition.result import (
    CompositionError,
    CompositionFailure,
    CompositionHint,
    CompositionSuccess,
    SubgraphInput,
)
from discovery.composition.satisfiability import check_satisfiability
from discovery.composition.schema_shape import merged_shape, shape_problems, subgraph_problems
from discovery.composition.subgraph import Subgraph, read_subgraph
from discovery.composition.supergraph_model import MergedSchema


def compose(subgraphs: Sequence[SubgraphInput]) -> CompositionSuccess | CompositionFailure:
    """Composes the subgraphs into one supergraph. Pure: no I/O, and the same text for the same
    set of subgraphs in any order. User mistakes come back as errors in a `CompositionFailure`."""
    errors = check_names(subgraphs)
    if errors:
        return CompositionFailure(tuple(errors))
    read: list[Subgraph] = []
    for subgraph in sorted(subgraphs, key=lambda s: s.name):
        result = read_subgraph(subgraph)
        if isinstance(result, list):
            errors.extend(result)
        else:
            errors.extend(check_subgraph_shape(subgraph))
            errors.extend(check_interface_requirements(result))
            read.append(result)
    if errors:
        return CompositionFailure(tuple(errors))

    views: list[SubgraphView] = []
    for subgraph, entry in zip(read, graph_entries(read), strict=True):
        usage, field_set_errors = FieldSetChecker(subgraph).check()
        errors.extend(field_set_errors)
        drop_unused_federation1_externals(subgraph, usage.all)
        views.append(SubgraphView(subgraph, entry.enum_name, usage))
    if errors:
        return CompositionFailure(tuple(errors))

    merger = Merger(views)
    merged = merger.merge()
    hints = tuple(ignored_directive_hints(read)) + tuple(merger.hints)
    errors = merger.errors or check_inaccessible(merged) or check_schema_shape(merged)
    if errors:
        return CompositionFailure(tuple(errors), hints)
    supergraph_sdl = print_supergraph(merged)
    errors = check_satisfiability(supergraph_sdl)
    if errors:
        return CompositionFailure(tuple(errors), hints)
    return CompositionSuccess(supergraph_sdl, hints)


def ignored_directive_hints(subgraphs: Sequence[Subgraph]) -> list[CompositionHint]:
    return [
        CompositionHint(
            "IGNORED_DIRECTIVE",
            f"[{subgraph.name}] {name} is not carried into the supergraph: this gateway does "
            "not use it.",
        )
        for subgraph in subgraphs
        for name in subgraph.ignored_directives
    ]


def check_schema_shape(merged: MergedSchema) -> list[CompositionError]:
    """The last line of defence: a merged graph that slipped past the composition rules but is
    not a valid GraphQL schema is refused here rather than published to the gateway."""
    return [
        CompositionError(
            "INVALID_GRAPHQL",
            f"The composed supergraph would not be a valid GraphQL schema: {problem}",
        )
        for problem in shape_problems(merged_shape(merged))
    ]


def check_subgraph_shape(subgraph: SubgraphInput) -> list[CompositionError]:
    return [
        CompositionError("INVALID_GRAPHQL", f"[{subgraph.name}] {problem}", subgraph.name)
        for problem in subgraph_problems(subgraph.sdl)
    ]


def check_names(subgraphs: Sequence[SubgraphInput]) -> list[CompositionError]:
    if not subgraphs:
        return [CompositionError("NO_SUBGRAPHS", "Nothing to compose: no subgraphs were given.")]
    errors = [
        CompositionError(
            "INVALID_SUBGRAPH_NAME",
            f'Invalid subgraph name {name!r}: a name must be non-empty and must not be "_".',
            name,
        )
        for name in (s.name for s in subgraphs)
        if not name.strip() or name == "_"
    ]
    for name, count in sorted(Counter(s.name for s in subgraphs).items()):
        if count > 1:
            errors.append(
                CompositionError(
                    "DUPLICATE_SUBGRAPH_NAME",
                    f'Subgraph name "{name}" is used by {count} subgraphs: names must be unique.',
                    name,
                )
            )
    return errors


def drop_unused_federation1_externals(subgraph: Subgraph, used: set[tuple[str, str]]) -> None:
    """Federation 1 subgraphs often re-declared fields as @external without using them; Apollo's
    upgrade of such subgraphs removes those declarations, and so do we."""
    if subgraph.is_federation2:
        return
    for type_ in subgraph.types.values():
        for name in [
            n for n, f in type_.fields.items() if f.external and (type_.name, n) not in used
        ]:
            del type_.fields[name]
