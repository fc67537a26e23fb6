"""The oracle's corpus: one GraphQL operation per `corpus/NNN-name.graphql` file (and per
`invalid/NNN-name.graphql`, the requests both sides must reject).

`NNN-name.variables.json` (optional) holds the variables; a line `# operationName: Name` in
the document picks the operation of a document that has several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

CORPUS_DIR = Path(__file__).parent / "corpus"
# Requests that must be rejected before execution (syntax, validation, variables).
INVALID_DIR = Path(__file__).parent / "invalid"
OPERATION_NAME_LINE = re.compile(r"^#\s*operationName:\s*(\w+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class CorpusCase:
    name: str
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


def load_corpus(directory: Path = CORPUS_DIR) -> list[CorpusCase]:
    cases = []
    for path in sorted(directory.glob("*.graphql")):
        name = path.stem
        query = path.read_text(encoding="utf-8")
        variables_file = path.with_name(f"{name}.variables.json")
        variables = orjson.loads(variables_file.read_bytes()) if variables_file.exists() else None
        chosen = OPERATION_NAME_LINE.search(query)
        cases.append(CorpusCase(name, query, variables, chosen.group(1) if chosen else None))
    return cases
