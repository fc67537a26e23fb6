"""Error masking by allowlist: only codes meant for clients keep their message; everything a
subgraph says otherwise (internals, stack traces, unknown codes, extra extensions) is masked."""

from __future__ import annotations

import pytest

from bff.execution.error_masking import PASSED_CODES, subgraph_error

LEAK = "connect to db.internal:5432 with password hunter2 failed"


@pytest.mark.parametrize("code", sorted(PASSED_CODES))
def test_a_known_client_code_keeps_its_message_and_nothing_else(code: str) -> None:
    raw = {
        "message": "Lesson not found.",
        "locations": [{"line": 1, "column": 3}],
        "extensions": {"code": code, "stacktrace": [LEAK], "sql": LEAK},
    }
    assert subgraph_error(raw, "lessons", ["lesson"]) == {
        "message": "Lesson not found.",
        "path": ["lesson"],
        "extensions": {"code": code, "service": "lessons"},
    }


@pytest.mark.parametrize(
    "raw",
    [
        {"message": LEAK},
        {"message": LEAK, "extensions": {"code": "INTERNAL_SERVER_ERROR"}},
        {"message": LEAK, "extensions": {"code": "DATABASE_ERROR"}},
        {"message": LEAK, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}},
        {"message": LEAK, "extensions": {"code": 7, "exception": {"stacktrace": [LEAK]}}},
        {"extensions": {"code": "NOT_FOUND"}},
        "not even an object",
    ],
    ids=["no-code", "internal", "unknown-code", "validation", "odd-code", "no-message", "odd"],
)
def test_anything_else_is_an_internal_error_without_details(raw: object) -> None:
    error = subgraph_error(raw, "lessons", None)
    assert error == {
        "message": "Internal server error.",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "service": "lessons"},
    }
