"""The inputs and results of `compose`: plain values, shared with the registry and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SubgraphInput:
    """One service as composition sees it: its name (the graph's name), URL and SDL."""

    name: str
    url: str
    sdl: str


@dataclass(frozen=True, slots=True)
class SourceLocation:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class CompositionError:
    """A reason the graph does not compose: `code` is stable (e.g. INVALID_GRAPHQL,
    FIELD_TYPE_MISMATCH, INVALID_FIELD_SHARING, KEY_FIELDS_SELECT_INVALID_TYPE ...), `message`
    names the service(s) and the element, `service` and `locations` point into a subgraph SDL.
    """

    code: str
    message: str
    service: str | None = None
    locations: tuple[SourceLocation, ...] = ()

    @classmethod
    def in_subgraph(
        cls, subgraph: str, code: str, message: str, location: SourceLocation | None = None
    ) -> CompositionError:
        """An error of one subgraph's SDL: its message starts with `[subgraph]`."""
        return cls(code, f"[{subgraph}] {message}", subgraph, (location,) if location else ())

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        if self.service is not None:
            out["service"] = self.service
        if self.locations:
            out["locations"] = [{"line": x.line, "column": x.column} for x in self.locations]
        return out


@dataclass(frozen=True, slots=True)
class CompositionHint:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CompositionSuccess:
    supergraph_sdl: str
    hints: tuple[CompositionHint, ...] = field(default=())
    ok: bool = True


@dataclass(frozen=True, slots=True)
class CompositionFailure:
    errors: tuple[CompositionError, ...]
    hints: tuple[CompositionHint, ...] = field(default=())
    ok: bool = False


CompositionResult = CompositionSuccess | CompositionFailure
