"""The deployed entry point, `services.lessons.handler.handler`, with API Gateway v1 and v2."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest

from bff.tables import LESSONS, STUDENTS, TableSpec
from tests.services.lessons.conftest import error_codes, operation
from tests.services.toolkit.transports import ApiGatewayLambda, graphql
from tests.support.identity import CLAIMS_KEY, NEXT_CLAIMS_KEY, admin_headers, user_headers


@pytest.mark.parametrize("event_version", ["rest_api_v1", "http_api_v2"])
def test_module_handler_serves_graphql_from_its_configuration(
    event_version: str,
    make_table: Callable[[TableSpec], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_table(LESSONS)  # exported in LESSONS_TABLE
    make_table(STUDENTS)  # read to check that students exist
    monkeypatch.setenv("API_KEYS", "deployed-key,next-key")
    monkeypatch.setenv("CLAIMS_KEYS", f"{CLAIMS_KEY},{NEXT_CLAIMS_KEY}")
    import services.lessons.handler as module

    # The handler reads its table and keys once per process: reload for this test's config.
    lambda_function = ApiGatewayLambda(importlib.reload(module).handler, event_version)
    lesson = {"title": "Closures", "difficulty": "HARD", "xp": 300, "languages": ["RUST"]}

    created = graphql(
        lambda_function,
        operation("create_lesson"),
        {"input": lesson},
        api_key="next-key",
        headers=admin_headers("lessons"),
    )
    refused = graphql(
        lambda_function,
        operation("create_lesson"),
        {"input": lesson},
        api_key="next-key",
        headers=user_headers("lessons"),
    )
    denied = graphql(lambda_function, operation("lessons"), {}, api_key="old-key")
    listed = graphql(lambda_function, operation("lessons"), {}, api_key="deployed-key")

    assert created.status == 200
    assert created.json()["data"]["createLesson"]["title"] == "Closures"
    assert error_codes(refused.json()) == ["FORBIDDEN"]
    assert denied.status == 401
    assert error_codes(denied.json()) == ["UNAUTHENTICATED"]
    assert [row["title"] for row in listed.json()["data"]["lessons"]] == ["Closures"]
