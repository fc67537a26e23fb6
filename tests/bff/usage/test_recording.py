"""Usage recorded by the BFF per client and operation, flushed to the BFF table (moto server
over HTTP) and read back as the registry reads it (bff/registry_table/usage.py)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import boto3
import pytest

from bff.devstack.moto_server import free_port
from bff.registry_table.usage import OperationUsage, UsageReader, usage_pk, window
from bff.usage.recorder import UsageRecorder
from tests.bff.clients.conftest import PROFILE, ClientStack, post
from tests.support.edge_clients import ASGIClient

WEB = """
query Catalogue($lang: Language) {
  lessons(language: $lang) { ...Basics }
  firstStudent: students(first: 1) { shownAs: name }
}
fragment Basics on Lesson { id title }
"""
REGISTER = "mutation Join($input: RegisterStudentInput!) { registerStudent(input: $input) { id } }"


def recorded(
    stack: ClientStack, dynamodb_client: Any
) -> dict[tuple[str, str | None], OperationUsage]:
    start, end = window(1)
    reader = UsageReader(dynamodb_client, stack.bff_table)
    return {(u.client, u.operation_name): u for u in reader.operations(start, end)}


def test_two_clients_operations_are_recorded_with_their_coordinates(
    stack: ClientStack, client: ASGIClient, dynamodb_client: Any
) -> None:
    assert "errors" not in post(client, {"query": WEB, "variables": {"lang": "GO"}}, "web").json()
    post(client, {"query": WEB, "variables": {"lang": "GO"}}, "web")
    joined = post(
        client, {"query": REGISTER, "variables": {"input": {"name": "Lin", "email": "l@x"}}}, "web"
    )
    assert "errors" not in joined.json()
    for _ in range(3):
        post(client, {"documentId": "mobile-profile", "variables": {"id": "1"}}, "mobile")

    written = client.app.gateway.usage.flush()

    assert written == 3
    usage = recorded(stack, dynamodb_client)
    assert set(usage) == {("web", "Catalogue"), ("web", "Join"), ("mobile", "Profile")}
    catalogue = usage[("web", "Catalogue")]
    assert catalogue.count == 2
    assert catalogue.document_hash == hashlib.sha256(WEB.encode()).hexdigest()
    # Aliases name no coordinate, fragments' fields count, the enum value came in a variable.
    assert catalogue.coordinates == {
        "Query.lessons",
        "Query.lessons(language:)",
        "Language.GO",
        "Lesson.id",
        "Lesson.title",
        "Query.students",
        "Query.students(first:)",
        "Student.name",
    }
    assert usage[("web", "Join")].coordinates == {
        "Mutation.registerStudent",
        "Mutation.registerStudent(input:)",
        "RegisterStudentInput.name",
        "RegisterStudentInput.email",
        "Student.id",
    }
    profile = usage[("mobile", "Profile")]
    assert (profile.count, profile.errors) == (3, 0)
    assert profile.document_hash == hashlib.sha256(PROFILE.encode()).hexdigest()
    assert profile.coordinates == {
        "Query.student",
        "Query.student(id:)",
        "Student.id",
        "Student.name",
    }


def test_flushes_add_up_and_errors_are_counted(
    stack: ClientStack, client: ASGIClient, dynamodb_client: Any
) -> None:
    post(client, {"documentId": "mobile-profile", "variables": {"id": "1"}}, "mobile")
    client.app.gateway.usage.flush()
    # A student that does not exist is null, not an error; a bad variable never executes.
    post(client, {"documentId": "mobile-profile", "variables": {"id": "404"}}, "mobile")
    client.app.gateway.usage.flush()

    assert recorded(stack, dynamodb_client)[("mobile", "Profile")].count == 2
    assert client.app.gateway.usage.flush() == 0


def test_the_background_flusher_writes_without_being_asked(
    stack: ClientStack, dynamodb_client: Any
) -> None:
    app = stack.app(usage_flush_seconds=0.2)
    try:
        post(
            stack.client(app), {"documentId": "mobile-profile", "variables": {"id": "1"}}, "mobile"
        )
        deadline = time.monotonic() + 30  # a generous bound for a busy machine, polled
        while not recorded(stack, dynamodb_client) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert recorded(stack, dynamodb_client)[("mobile", "Profile")].count == 1
    finally:
        stack.loop.run_until_complete(app.close())


def test_with_dynamodb_unreachable_counts_are_lost_and_logged_but_requests_answered(
    stack: ClientStack, caplog: pytest.LogCaptureFixture
) -> None:
    dead = boto3.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{free_port()}", region_name="us-east-1"
    )
    app = stack.app()
    app.gateway.usage = UsageRecorder(stack.bff_table, client=dead, background=False)
    client = stack.client(app)
    try:
        for _ in range(4):
            answered = post(
                client, {"documentId": "mobile-profile", "variables": {"id": "1"}}, "mobile"
            )
            assert answered.json() == {"data": {"student": {"id": "1", "name": "Ada"}}}

        assert app.gateway.usage.flush() == 0
    finally:
        stack.loop.run_until_complete(app.close())

    (failure,) = [r for r in caplog.records if r.getMessage() == "usage flush failed: counts lost"]
    assert failure.levelname == "ERROR"
    assert (failure.lost_requests, failure.lost_operations) == (4, 1)  # type: ignore[attr-defined]


def test_sampling_records_only_the_sampled_share(stack: ClientStack, dynamodb_client: Any) -> None:
    draws = iter([0.1, 0.9, 0.3, 0.7])
    app = stack.app()
    app.gateway.usage = UsageRecorder(
        stack.bff_table,
        client=dynamodb_client,
        sample_rate=0.5,
        background=False,
        sample=lambda: next(draws),
    )
    try:
        for _ in range(4):
            post(
                stack.client(app),
                {"documentId": "mobile-profile", "variables": {"id": "1"}},
                "mobile",
            )
        app.gateway.usage.flush()
    finally:
        stack.loop.run_until_complete(app.close())
    assert recorded(stack, dynamodb_client)[("mobile", "Profile")].count == 2


def test_memory_is_bounded_by_the_number_of_distinct_operations(
    stack: ClientStack, dynamodb_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = stack.app()
    app.gateway.usage = UsageRecorder(
        stack.bff_table, client=dynamodb_client, max_operations=1, background=False
    )
    try:
        post(
            stack.client(app), {"documentId": "mobile-profile", "variables": {"id": "1"}}, "mobile"
        )
        post(stack.client(app), {"documentId": "mobile-lessons"}, "mobile")
        assert app.gateway.usage.flush() == 1
    finally:
        stack.loop.run_until_complete(app.close())
    (full,) = [r for r in caplog.records if r.getMessage() == "usage buffer full: counts dropped"]
    assert full.dropped_requests == 1  # type: ignore[attr-defined]


def test_an_item_not_written_whole_is_not_counted(stack: ClientStack, dynamodb_client: Any) -> None:
    # What a read racing moto server's non-atomic UpdateItem sees: the counter without the rest.
    start, _ = window(1)
    dynamodb_client.put_item(
        TableName=stack.bff_table,
        Item={"pk": {"S": usage_pk(start)}, "sk": {"S": "half"}, "count": {"N": "1"}},
    )
    assert UsageReader(dynamodb_client, stack.bff_table).operations(start, start) == []
