"""The composition fixture folders: one `<service>.graphql` per subgraph, plus expected results."""

from __future__ import annotations

from pathlib import Path

from discovery.composition import SubgraphInput

FIXTURES = Path(__file__).parent / "fixtures"
APOLLO_SUPERGRAPH = "apollo-supergraph.graphql"
APOLLO_ERRORS = "apollo-errors.json"
EXPECTED_ERRORS = "expected-errors.json"
EXPECTED_HINTS = "expected-hints.json"
RESULT_FILES = {APOLLO_SUPERGRAPH, APOLLO_ERRORS, EXPECTED_ERRORS, EXPECTED_HINTS}


def subgraphs_of(case: str) -> list[SubgraphInput]:
    """The case's subgraphs, named after their files, with the URLs the generator gives Apollo."""
    return [
        SubgraphInput(path.stem, f"http://{path.stem}.local/graphql", path.read_text())
        for path in sorted((FIXTURES / case).glob("*.graphql"))
        if path.name not in RESULT_FILES
    ]


def cases_with(result_file: str) -> list[str]:
    return sorted(path.parent.name for path in FIXTURES.glob(f"*/{result_file}"))
