"""Composition: subgraph SDLs -> an Apollo (join v0.3) supergraph SDL; errors are values."""

from discovery.composition.compose import compose
from discovery.composition.result import (
    CompositionError,
    CompositionFailure,
    CompositionHint,
    CompositionResult,
    CompositionSuccess,
    SourceLocation,
    SubgraphInput,
)

__all__ = [
    "CompositionError",
    "CompositionFailure",
    "CompositionHint",
    "CompositionResult",
    "CompositionSuccess",
    "SourceLocation",
    "SubgraphInput",
    "compose",
]
