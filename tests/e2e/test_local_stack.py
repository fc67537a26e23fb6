"""The whole local stack, started the way `make dev` starts it, driven as a client would.

`bff dev --free-ports` runs as a child process (the command `make dev` runs, on free ports so a
developer's own stack can keep running); the test waits for its `stack.json`, talks to the BFF
only through the emulated API Gateway with the stack's token, and finally stops it with SIGTERM
and checks that no process it started is left.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_stack import BFF_COMMAND, LocalStack, graphql, running_stack

pytestmark = pytest.mark.e2e

XP_VISIBLE_WITHIN_SECONDS = 5.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("dev")) as running:
        yield running


def data(stack: LocalStack, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    status, body = graphql(stack, query, variables)
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]


def test_credentials_are_written_as_documented(stack: LocalStack) -> None:
    assert set(stack.credentials) == {
        "token",
        "userToken",
        "userStudentId",
        "adminToken",
        "serviceTokens",
        "apiKeys",
    }
    assert set(stack.credentials["serviceTokens"]) == {"students", "lessons", "analytics"}
    assert set(stack.credentials["apiKeys"]) == {"students", "lessons", "analytics"}
    assert (stack.state_dir / "credentials.json").stat().st_mode & 0o077 == 0
    output = stack.output()
    assert stack.graphql_url in output
    assert "curl -s" in output and stack.credentials["token"] in output


def test_a_query_joins_all_three_services(stack: LocalStack) -> None:
    result = data(
        stack,
        """
        query Overview {
          students(first: 5) {
            items { id name email xp completions { lesson { title xp } language } }
          }
          leaderboard(period: ALL_TIME, first: 3) { entries { rank xp student { name } } }
        }
        """,
    )
    students = result["students"]["items"]
    assert students, "the demo data is seeded"
    for student in students:
        assert student["name"] and "@" in student["email"]  # students
        assert isinstance(student["xp"], int)  # analytics
        assert isinstance(student["completions"], list)  # lessons
    assert any(student["completions"] for student in students)
    entries = result["leaderboard"]["entries"]
    assert entries and all(entry["student"]["name"] for entry in entries)


def test_completing_a_lesson_shows_the_new_xp_within_seconds(stack: LocalStack) -> None:
    result = data(
        stack,
        """
        {
          students(first: 20) { items { id xp completions { lesson { id } } } }
          lessons { id xp languages }
        }
        """,
    )
    student, lesson = next(
        (student, lesson)
        for student in result["students"]["items"]
        for lesson in result["lessons"]
        if lesson["id"] not in {c["lesson"]["id"] for c in student["completions"]}
    )
    completed = data(
        stack,
        """
        mutation Complete($student: ID!, $lesson: ID!, $language: Language!) {
          completeLesson(studentId: $student, lessonId: $lesson, language: $language) {
            awardedXp firstCompletion completion { lesson { id } language }
          }
        }
        """,
        {"student": student["id"], "lesson": lesson["id"], "language": lesson["languages"][0]},
    )["completeLesson"]
    assert completed["firstCompletion"] is True
    assert completed["awardedXp"] == lesson["xp"]

    expected = student["xp"] + lesson["xp"]
    query = "query Xp($id: ID!) { student(id: $id) { xp } }"
    deadline = time.monotonic() + XP_VISIBLE_WITHIN_SECONDS
    seen = student["xp"]
    while seen != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        seen = data(stack, query, {"id": student["id"]})["student"]["xp"]
    assert seen == expected


COMPLETE = """
mutation Complete($student: ID!, $lesson: ID!, $language: Language!) {
  completeLesson(studentId: $student, lessonId: $lesson, language: $language) {
    awardedXp firstCompletion
  }
}
"""


def _unfinished_lesson(stack: LocalStack, student_id: str) -> tuple[int, dict[str, Any]]:
    """The student's XP and a lesson it has not completed yet."""
    result = data(
        stack,
        """query Student($id: ID!) {
          student(id: $id) { xp completions { lesson { id } } }
          lessons { id xp languages }
        }""",
        {"id": student_id},
    )
    done = {completion["lesson"]["id"] for completion in result["student"]["completions"]}
    lesson = next(lesson for lesson in result["lessons"] if lesson["id"] not in done)
    return result["student"]["xp"], lesson


def test_a_plain_user_acts_only_for_the_student_it_owns(stack: LocalStack) -> None:
    user_token, own_id = stack.credentials["userToken"], stack.credentials["userStudentId"]
    status, body = graphql(stack, "{ me { id name } }", token=user_token)
    assert status == 200 and body["data"]["me"]["id"] == own_id, body
    other_id = next(
        item["id"]
        for item in data(stack, "{ students(first: 5) { items { id } } }")["students"]["items"]
        if item["id"] != own_id
    )

    # Another student: FORBIDDEN, nothing recorded, XP unchanged.
    other_xp, lesson = _unfinished_lesson(stack, other_id)
    variables = {"student": other_id, "lesson": lesson["id"], "language": lesson["languages"][0]}
    status, body = graphql(stack, COMPLETE, variables, token=user_token)
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    # Nothing was stored, so no LessonCompleted event exists that could award XP later.
    assert _unfinished_lesson(stack, other_id)[0] == other_xp

    # Its own student: recorded and awarded.
    _, lesson = _unfinished_lesson(stack, own_id)
    variables = {"student": own_id, "lesson": lesson["id"], "language": lesson["languages"][0]}
    status, body = graphql(stack, COMPLETE, variables, token=user_token)
    assert body["data"]["completeLesson"] == {"awardedXp": lesson["xp"], "firstCompletion": True}


def test_admin_only_mutations_are_refused_to_a_plain_user(stack: LocalStack) -> None:
    user_token = stack.credentials["userToken"]
    create = """mutation { createLesson(input: {title: "Sneaky", difficulty: EASY, xp: 50,
                 languages: [GO]}) { id } }"""
    for mutation in (create, "mutation { refreshLeaderboards }"):
        status, body = graphql(stack, mutation, token=user_token)
        assert status == 200, body
        assert body["data"] is None
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    assert "Sneaky" not in {
        lesson["title"] for lesson in data(stack, "{ lessons { title } }")["lessons"]
    }
    # The stack's own token has the admin scope.
    assert data(stack, "mutation { refreshLeaderboards }") == {"refreshLeaderboards": True}


def test_without_a_token_the_bff_answers_401(stack: LocalStack) -> None:
    status, body = graphql(stack, "{ __typename }", token=None)
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_each_request_is_logged_with_its_subgraph_calls(stack: LocalStack) -> None:
    def lines() -> list[str]:
        return [line for line in stack.output().splitlines() if "POST /graphql 200" in line]

    # Earlier tests logged lines of their own: wait for this request's line, not for any.
    before = len(lines())
    data(stack, "{ students(first: 1) { items { name xp } } }")
    # The line arrives through the stack's output pipe; give a busy machine time (polling).
    deadline = time.monotonic() + 30
    while len(lines()) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(lines()) > before
    # Students for the list, analytics for `xp`.
    assert re.search(r"subgraph_calls=2\b", lines()[-1]), lines()[-1]


def test_a_request_lines_trace_id_shows_its_spans_from_the_bff_and_each_subgraph(
    stack: LocalStack,
) -> None:
    # As a developer would: send a request, read `trace=` off its request line, `bff trace` it.
    status, body = graphql(
        stack,
        "query Traced { students(first: 2) { items { xp completions { lesson { title } } } } }",
        headers={"graphql-client-name": "trace-e2e"},
    )
    assert status == 200 and "errors" not in body, body
    deadline = time.monotonic() + 30
    while not (found := re.search(r"client=trace-e2e trace=([0-9a-f]{32})", stack.output())):
        assert time.monotonic() < deadline, stack.output()[-2000:]
        time.sleep(0.1)
    trace_id = found.group(1)
    spans = _trace_spans(stack, trace_id, names={"graphql.request", "graphql.shape"})
    by_id = {span["spanId"]: span for span in spans}
    (request,) = [span for span in spans if span["name"] == "graphql.request"]
    assert request["service"] == "bff"
    fetches = [span for span in spans if span["name"] == "graphql.fetch"]
    # Students first, then analytics (xp) and lessons (completions) for those students.
    assert {fetch["attributes"]["graphql.subgraph"] for fetch in fetches} == {
        "students",
        "analytics",
        "lessons",
    }
    for fetch in fetches:
        assert fetch["parentSpanId"] == request["spanId"]
        # The subgraph's own span, under the fetch through the traceparent it was sent.
        (served,) = [s for s in spans if s["parentSpanId"] == fetch["spanId"]]
        assert served["name"] == "subgraph.request"
        assert served["service"] == fetch["attributes"]["graphql.subgraph"]
        resolvers = [
            s
            for s in spans
            if s["service"] == served["service"] and s["name"].startswith("GraphQL ")
        ]
        assert resolvers and all(_under(s, served, by_id) for s in resolvers)
    # `bff trace` prints that tree.
    printed = subprocess.run(
        [*BFF_COMMAND, "trace", "--dir", str(stack.state_dir), trace_id],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert printed[0] == f"trace {trace_id}: {len(spans)} spans"
    assert printed[1].startswith("graphql.request  bff  +0.0 ms")
    for name in ("students", "analytics", "lessons"):
        fetch_line = next(i for i, line in enumerate(printed) if f"subgraph={name}" in line)
        assert "graphql.fetch  bff" in printed[fetch_line]
        assert f"subgraph.request  {name}" in printed[fetch_line + 1]


def _trace_spans(stack: LocalStack, trace_id: str, names: set[str]) -> list[dict[str, Any]]:
    """The trace's spans once each part sent its own (they batch them for a moment)."""
    url = f"{stack.description['tracesUrl']}/traces/{trace_id}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                spans: list[dict[str, Any]] = json.loads(response.read())["spans"]
        except urllib.error.HTTPError as error:
            assert error.code == 404
            spans = []
        services = {span["service"] for span in spans}
        if names <= {span["name"] for span in spans} and services >= {
            "bff",
            "students",
            "analytics",
            "lessons",
        }:
            return spans
        assert time.monotonic() < deadline, spans
        time.sleep(0.2)


def _under(span: dict[str, Any], ancestor: dict[str, Any], by_id: dict[str, Any]) -> bool:
    while span["parentSpanId"] in by_id:
        span = by_id[span["parentSpanId"]]
        if span is ancestor:
            return True
    return False


def preflight(stack: LocalStack, origin: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        stack.graphql_url,
        method="OPTIONS",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_a_web_app_on_a_local_dev_server_passes_the_cors_preflight_without_a_token(
    stack: LocalStack,
) -> None:
    for origin in ("http://localhost:3000", "http://127.0.0.1:5173"):
        status, headers = preflight(stack, origin)
        assert status == 204
        assert headers["access-control-allow-origin"] == origin
        assert "authorization" in headers["access-control-allow-headers"]
    status, headers = preflight(stack, "https://elsewhere.example")
    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_graphiql_opens_with_the_stack_token_in_its_headers(stack: LocalStack) -> None:
    request = urllib.request.Request(
        stack.description["graphqlUrl"].replace("/graphql", "/graphiql")
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        page = response.read().decode()
    config = re.search(r'<script id="graphiql-config" type="application/json">(.*?)</script>', page)
    assert config
    headers = json.loads(json.loads(config.group(1))["defaultHeaders"])
    assert headers == {"Authorization": f"Bearer {stack.credentials['token']}"}


def post_as(stack: LocalStack, client: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        stack.graphql_url,
        data=json.dumps(payload).encode(),
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {stack.credentials['token']}",
            "graphql-client-name": client,
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_stack_registers_web_and_mobile_with_the_mobile_manifest(stack: LocalStack) -> None:
    manifest = json.loads(
        (Path(__file__).parents[2] / "bff/devstack/clients/mobile.manifest.json").read_text()
    )
    lessons = next(op for op in manifest["operations"] if op["name"] == "Lessons")

    published = post_as(stack, "mobile", {"documentId": lessons["id"], "operationName": "Lessons"})
    refused = post_as(stack, "mobile", {"query": "{ students(first: 1) { items { name } } }"})
    email = "{ students(first: 1) { items { email } } }"

    assert published["data"]["lessons"], published
    assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert "errors" not in post_as(stack, "web", {"query": email})
    # The request line names the client.
    deadline = time.monotonic() + 30
    while "client=mobile" not in stack.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert re.search(r"POST /graphql 200 .* client=mobile\b", stack.output())


def test_usage_reaches_the_registry_within_the_flush_interval(stack: LocalStack) -> None:
    manifest = json.loads(
        (Path(__file__).parents[2] / "bff/devstack/clients/mobile.manifest.json").read_text()
    )
    leaderboard = next(op for op in manifest["operations"] if op["name"] == "Leaderboard")
    assert "errors" not in post_as(stack, "mobile", {"documentId": leaderboard["id"]})
    request = urllib.request.Request(
        f"{stack.description['registryUrl']}/usage/coordinates/Query.leaderboard",
        headers={"authorization": f"Bearer {stack.credentials['adminToken']}"},
    )

    def coordinate() -> dict[str, Any]:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    # The BFF flushes every 5 s (USAGE_FLUSH_SECONDS); polled, with room for a busy machine.
    def by_mobile() -> list[dict[str, Any]]:
        return [op for op in coordinate()["operations"] if op["client"] == "mobile"]

    deadline = time.monotonic() + 60
    while not by_mobile() and time.monotonic() < deadline:
        time.sleep(0.5)
    # Earlier tests' requests name no client: they are counted as `unknown`.
    assert [op["name"] for op in by_mobile()] == ["Leaderboard"]


def test_subgraphs_need_their_api_key(stack: LocalStack) -> None:
    url = stack.description["subgraphUrls"]["students"]
    query = json.dumps({"query": "{ _service { sdl } }"}).encode()
    request = urllib.request.Request(url, data=query, headers={"content-type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    request.add_header("x-api-key", stack.credentials["apiKeys"]["students"])
    with urllib.request.urlopen(request, timeout=10) as response:
        assert "type Student" in json.loads(response.read())["data"]["_service"]["sdl"]


def test_sigterm_stops_every_process_it_started_and_a_second_signal_quits_cleanly(
    stack: LocalStack,
) -> None:
    pids = list(stack.description["pids"].values())
    assert len(pids) == 8  # moto, traces, registry, three services, events, bff
    stack.process.send_signal(signal.SIGTERM)
    # A second signal while it stops (an impatient second Ctrl-C): no traceback, nothing left.
    deadline = time.monotonic() + 30
    while "bff dev: stopping" not in stack.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=60) == 0
    alive = {name: pid for name, pid in stack.description["pids"].items() if _exists(pid)}
    assert alive == {}
    assert "bff dev: stopped." in stack.output()
    assert "Traceback" not in stack.output()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is already gone, only not yet reaped by its new parent.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())
