"""The correctness oracle: for every operation of the corpus, the gateway's JSON (over HTTP,
across the three real services) equals the monolith's, key order included; where the monolith
reports errors, the gateway reports the same ones (message, path and `extensions.code`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.bff.oracle.conftest import Oracle
from tests.bff.oracle.corpus_cases import INVALID_DIR, CorpusCase, load_corpus
from tests.bff.oracle.monolith import run_monolith

CORPUS = load_corpus()


def ordered(value: Any) -> Any:
    """The value with every object as a list of (key, value) pairs: response order matters."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def error_signatures(response: dict[str, Any]) -> list[tuple[str, tuple[Any, ...], str | None]]:
    """What a client relies on in errors; locations are left out (the gateway's errors come
    from subgraph documents it wrote, not from the client's)."""
    return sorted(
        (
            error["message"],
            tuple(error.get("path") or ()),
            (error.get("extensions") or {}).get("code"),
        )
        for error in response.get("errors", ())
    )


def test_the_corpus_is_large_and_covers_what_the_oracle_promises() -> None:
    assert len(CORPUS) >= 50
    text = "\n".join(case.query for case in CORPUS)
    for feature in ("fragment ", "... on ", "@skip", "@include", "__typename", "mutation", "$"):
        assert feature in text, feature
    assert any(case.variables for case in CORPUS)
    assert any(case.operation_name for case in CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_the_gateway_answers_like_the_monolith(oracle: Oracle, case: CorpusCase) -> None:
    response = oracle.stack.post(case.query, case.variables, case.operation_name)
    expected = oracle.expected(case)

    assert response.status == 200
    assert response.content_type.startswith("application/json")
    assert error_signatures(response.body) == error_signatures(expected)
    assert response.body.get("data") == expected["data"]
    assert ordered(response.body.get("data")) == ordered(expected["data"])


def test_walking_every_page_with_the_gateways_cursors(oracle: Oracle) -> None:
    query = """query Page($after: String) {
      students(first: 5, after: $after) { items { id name xp } nextCursor }
    }"""
    seen: list[str] = []
    after = None
    for _ in range(10):  # 13 students: three pages, the bound only stops a runaway loop
        variables = {"after": after}
        page = oracle.stack.post(query, variables).body
        assert page == run_monolith(oracle.monolith, query, variables)
        seen.extend(student["id"] for student in page["data"]["students"]["items"])
        after = page["data"]["students"]["nextCursor"]
        if after is None:
            break
    assert seen == [f"stu-{number:02d}" for number in range(1, 14)]


INVALID = load_corpus(INVALID_DIR)
REQUEST_ERROR_CODES = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}


@pytest.mark.parametrize("case", INVALID, ids=[case.name for case in INVALID])
def test_requests_the_monolith_rejects_are_rejected_alike(oracle: Oracle, case: CorpusCase) -> None:
    response = oracle.stack.post(case.query, case.variables, case.operation_name)
    expected = run_monolith(oracle.monolith, case.query, case.variables, case.operation_name)

    assert expected["data"] is None and expected["errors"]
    # Nothing executed: no `data` entry at all, as the spec says for request errors.
    assert response.status == 200
    assert "data" not in response.body
    assert [(e["message"], e.get("locations")) for e in response.body["errors"]] == [
        (e["message"], e.get("locations")) for e in expected["errors"]
    ]
    assert {e["extensions"]["code"] for e in response.body["errors"]} <= REQUEST_ERROR_CODES


def test_concurrent_clients_each_get_their_own_answer(oracle: Oracle) -> None:
    """Every query of the corpus at once: per-request batching and caches never mix answers.

    Mutations stay out: moto applies transactions without a lock, so racing writes (even
    refused ones) are not something to test against it.
    """
    queries = [case for case in CORPUS if not case.query.lstrip().startswith("mutation")]
    expected = [oracle.expected(case) for case in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(
                lambda case: oracle.stack.post(case.query, case.variables, case.operation_name),
                queries,
            )
        )
    for case, response, answer in zip(queries, responses, expected, strict=True):
        assert response.body.get("data") == answer["data"], case.name
        assert error_signatures(response.body) == error_signatures(answer), case.name
