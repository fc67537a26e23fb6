"""A stand-in composer for tests whose subject is not composition itself.

It composes by concatenation and fails the way the real one does for the cases the tests need:
invalid GraphQL (with a location) and a type extended where no service defines it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from graphql import GraphQLSyntaxError, parse

from discovery.composition.result import (
    CompositionError,
    CompositionFailure,
    CompositionResult,
    CompositionSuccess,
    SourceLocation,
    SubgraphInput,
)

DEFINED = re.compile(r"^\s*type\s+(\w+)", re.MULTILINE)
EXTENDED = re.compile(r"^\s*extend\s+type\s+(\w+)", re.MULTILINE)


@functools.lru_cache(maxsize=1024)
def find_syntax_error(sdl: str) -> tuple[str, tuple[SourceLocation, ...]] | None:
    # Cached: registrations recompose every service each time, with mostly unchanged SDLs.
    try:
        parse(sdl)
    except GraphQLSyntaxError as error:
        return error.message, tuple(SourceLocation(x.line, x.column) for x in error.locations or ())
    return None


def concatenating_composer(subgraphs: Sequence[SubgraphInput]) -> CompositionResult:
    errors: list[CompositionError] = []
    for subgraph in subgraphs:
        syntax_error = find_syntax_error(subgraph.sdl)
        if syntax_error is not None:
            message, locations = syntax_error
            errors.append(CompositionError("INVALID_GRAPHQL", message, subgraph.name, locations))
    defined = {name for s in subgraphs for name in DEFINED.findall(s.sdl)}
    for subgraph in subgraphs:
        for name in EXTENDED.findall(subgraph.sdl):
            if name not in defined:
                errors.append(
                    CompositionError(
                        "EXTENSION_WITH_NO_BASE",
                        f'[{subgraph.name}] type "{name}" is extended but defined nowhere',
                        subgraph.name,
                    )
                )
    if errors:
        return CompositionFailure(tuple(errors))
    return CompositionSuccess(
        "\n".join(f"# {s.name} {s.url}\n{s.sdl}" for s in subgraphs),
    )
