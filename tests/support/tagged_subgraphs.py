"""Two subgraphs with `@tag(name: "internal")` on `Student.email` and on the `Language` enum,
for contract tests (tests/bff/fixtures/clients/); the loopback subgraphs serve them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from discovery.composition import compose
from discovery.composition.result import CompositionSuccess, SubgraphInput

FIXTURES = Path(__file__).resolve().parents[1] / "bff" / "fixtures" / "clients"
NAMES = ("students", "lessons")


def tagged_sdl(name: str) -> str:
    return (FIXTURES / f"{name}.graphql").read_text()


def register_tagged_subgraphs(put: Callable[[str, dict[str, Any]], Any]) -> None:
    """Register both with a registry (`put(name, body)`)."""
    for name in NAMES:
        put(name, {"url": f"http://{name}.test/graphql", "sdl": tagged_sdl(name)})


def tagged_supergraph(urls: dict[str, str]) -> str:
    result = compose([SubgraphInput(name, urls[name], tagged_sdl(name)) for name in NAMES])
    assert isinstance(result, CompositionSuccess), result
    return result.supergraph_sdl
