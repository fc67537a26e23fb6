"""The deployed entry point `services.students.handler.handler`, configured from the environment."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from bff.tables import STUDENTS
from tests.services.students.conftest import document, unique_email
from tests.services.toolkit.transports import ApiGatewayLambda, graphql

ENV_KEY = "students-env-key"


@pytest.fixture
def deployed_handler(
    make_table: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    make_table(STUDENTS)
    monkeypatch.setenv("API_KEYS", f"{ENV_KEY},students-env-key-next")
    monkeypatch.delenv("API_KEY_SECRET_ID", raising=False)
    # The module builds its app at import, as in a Lambda cold start: re-import under this env.
    module = importlib.reload(importlib.import_module("services.students.handler"))
    return module.handler


@pytest.mark.parametrize("version", ["rest_api_v1", "http_api_v2"])
def test_the_lambda_entry_point_registers_and_reads_students(
    deployed_handler: Callable[..., Any], version: str
) -> None:
    lambda_ = ApiGatewayLambda(deployed_handler, version, base64_bodies=version == "http_api_v2")
    variables = {"input": {"name": "Lin", "email": unique_email()}}
    created = graphql(lambda_, document("register.graphql"), variables, api_key=ENV_KEY)
    assert created.status == 200
    assert created.headers["content-type"].startswith("application/json")
    student = created.json()["data"]["registerStudent"]

    query = "query ($id: ID!) { student(id: $id) { name } }"
    read = graphql(lambda_, query, {"id": student["id"]}, api_key="students-env-key-next")
    assert read.json() == {"data": {"student": {"name": "Lin"}}}

    denied = graphql(lambda_, query, {"id": student["id"]}, api_key=None)
    assert denied.status == 401
    assert json.loads(denied.body)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
