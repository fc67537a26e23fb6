"""The students subgraph as the gateway uses it, over HTTP and through the Lambda handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from services.students.app import create_app
from services.students.repository import StudentRecord, StudentRepository
from services.toolkit.api_keys import ApiKeys
from tests.services.students.conftest import (
    KEY,
    ROSTER_SIZE,
    ROTATED_KEY,
    document,
    unique_email,
)
from tests.services.toolkit.transports import (
    TRANSPORT_NAMES,
    Reply,
    Transport,
    graphql,
    open_transport,
)


def register(students: Transport, name: str, email: str) -> Reply:
    return graphql(
        students,
        document("register.graphql"),
        {"input": {"name": name, "email": email}},
        api_key=KEY,
    )


def only_error(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200
    payload = reply.json()
    [error] = payload["errors"]
    assert "Traceback" not in reply.body.decode()
    return error


# --- API keys ---------------------------------------------------------------------------------

ROUTES = [
    ("POST", "/graphql", b'{"query": "{ students { nextCursor } }"}', {}),
    ("GET", "/graphql", None, {"query": "{ students { nextCursor } }"}),
    ("GET", "/health", None, {}),
    ("PUT", "/graphql/anything", b"{}", {}),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("key", [None, "students-key-wrong"], ids=["missing", "wrong"])
def test_every_route_needs_a_valid_key(
    students: Transport, route: tuple[Any, ...], key: str | None
) -> None:
    method, path, body, query = route
    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key else {})
    reply = students.request(method, path, headers=headers, body=body, query=query)
    assert reply.status == 401
    assert reply.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "students-key" not in reply.body.decode()


@pytest.mark.parametrize("key", [KEY, ROTATED_KEY], ids=["current", "previous"])
def test_both_keys_of_a_rotation_are_accepted(students: Transport, key: str) -> None:
    reply = graphql(students, "{ students(first: 1) { nextCursor } }", api_key=key)
    assert reply.status == 200 and "errors" not in reply.json()


def test_queries_work_over_get(students: Transport) -> None:
    student = register(students, "Ada", unique_email()).json()["data"]["registerStudent"]
    query = "query ($id: ID!) { student(id: $id) { name } }"
    reply = students.request(
        "GET",
        "/graphql",
        headers={"X-API-Key": KEY},
        query={"query": query, "variables": json.dumps({"id": student["id"]})},
    )
    assert reply.json() == {"data": {"student": {"name": "Ada"}}}


# --- federation -------------------------------------------------------------------------------


def test_the_sdl_declares_student_as_an_entity_keyed_by_id(students: Transport) -> None:
    sdl = graphql(students, "{ _service { sdl } }", api_key=KEY).json()["data"]["_service"]["sdl"]
    assert 'type Student @key(fields: "id")' in sdl
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl


def test_100_representations_cost_one_batch_read_and_keep_their_order(
    students: Transport, known_students: list[StudentRecord], batch_get_calls: list[int]
) -> None:
    known = known_students
    unknown = [f"missing-{i}" for i in range(40)]
    # Interleave known and unknown ids, so order matters.
    ids = [sid for pair in zip([s.id for s in known[:40]], unknown, strict=True) for sid in pair]
    ids += [s.id for s in known[40:]]
    representations = [{"__typename": "Student", "id": sid} for sid in ids]
    batch_get_calls.clear()

    reply = graphql(
        students, document("entities.graphql"), {"representations": representations}, api_key=KEY
    )

    assert batch_get_calls == [100]
    entities = reply.json()["data"]["_entities"]
    assert len(entities) == 100
    by_id = {s.id: s for s in known}
    for sid, entity in zip(ids, entities, strict=True):
        if sid in by_id:
            assert entity["id"] == sid and entity["name"] == by_id[sid].name
        else:
            assert entity is None


# --- registerStudent --------------------------------------------------------------------------


def test_a_registered_student_can_be_read_back(students: Transport) -> None:
    email = unique_email("Grace.Hopper")
    reply = register(students, "  Grace Hopper  ", email)
    student = reply.json()["data"]["registerStudent"]
    assert student["name"] == "Grace Hopper"  # trimmed
    assert student["email"] == email
    assert student["joinedAt"].endswith("Z")
    query = "query ($id: ID!) { student(id: $id) { id name email joinedAt } }"
    read = graphql(students, query, {"id": student["id"]}, api_key=KEY).json()
    assert read == {"data": {"student": student}}


def test_an_unknown_id_is_null_not_an_error(students: Transport) -> None:
    reply = graphql(students, '{ student(id: "no-such-student") { id } }', api_key=KEY)
    assert reply.json() == {"data": {"student": None}}


def test_a_taken_email_is_a_conflict_and_stores_nothing(
    students: Transport, count_items: Callable[[], int]
) -> None:
    email = unique_email("taken")
    register(students, "First", email)
    before = count_items()
    # Uniqueness ignores case and surrounding spaces.
    error = only_error(register(students, "Second", f"  {email.upper()} "))
    assert error["extensions"] == {"code": "CONFLICT"}
    assert error["path"] == ["registerStudent"]
    assert count_items() == before


NAME_TOO_LONG = "x" * 101


@pytest.mark.parametrize(
    ("name", "email"),
    [
        ("", "ok@example.com"),
        ("   ", "ok@example.com"),
        (NAME_TOO_LONG, "ok@example.com"),
        ("Valid", "no-at-sign.example.com"),
        ("Valid", "two@@example.com"),
        ("Valid", "spaces in@example.com"),
        ("Valid", "nodomain@localhost"),
        ("Valid", ".leading@example.com"),
        ("Valid", "double..dot@example.com"),
        ("Valid", ""),
    ],
)
def test_invalid_input_is_bad_user_input_and_stores_nothing(
    students: Transport, count_items: Callable[[], int], name: str, email: str
) -> None:
    before = count_items()
    error = only_error(register(students, name, email))
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert count_items() == before


def test_names_of_exactly_100_characters_are_accepted(students: Transport) -> None:
    reply = register(students, "y" * 100, unique_email())
    assert reply.json()["data"]["registerStudent"]["name"] == "y" * 100


# --- students(first, after) -------------------------------------------------------------------


@pytest.mark.parametrize("transport_name", TRANSPORT_NAMES)
def test_paging_visits_every_student_once_in_join_order(
    roster: StudentRepository, transport_name: str
) -> None:
    with open_transport(transport_name, create_app(roster, ApiKeys.of(KEY))) as students:
        first_page = graphql(students, "{ students { items { id } nextCursor } }", api_key=KEY)
        default_page = first_page.json()["data"]["students"]
        assert len(default_page["items"]) == 20  # the default `first`
        assert default_page["nextCursor"] is not None

        seen: list[dict[str, str]] = []
        sizes: list[int] = []
        after = None
        while True:
            variables = {"first": 6, "after": after}
            reply = graphql(students, document("page.graphql"), variables, api_key=KEY)
            page = reply.json()["data"]["students"]
            seen += page["items"]
            sizes.append(len(page["items"]))
            after = page["nextCursor"]
            if after is None:
                break

    # 21 students in pages of 6: the last page is short and has no cursor, no empty page.
    assert sizes == [6, 6, 6, 3]
    assert len({s["id"] for s in seen}) == ROSTER_SIZE
    assert [s["joinedAt"] for s in seen] == sorted(s["joinedAt"] for s in seen)
    assert [s["id"] for s in seen[:20]] == [s["id"] for s in default_page["items"]]


def test_an_exactly_full_last_page_has_no_cursor(roster: StudentRepository) -> None:
    page = roster.list_page(ROSTER_SIZE)
    assert len(page.items) == ROSTER_SIZE and page.next_cursor is None


@pytest.mark.parametrize("first", [0, -5, 101])
def test_page_sizes_outside_1_to_100_are_bad_user_input(students: Transport, first: int) -> None:
    error = only_error(graphql(students, document("page.graphql"), {"first": first}, api_key=KEY))
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize("after", ["", "garbage!", "eyJwayI6IDF9", "W10="])
def test_malformed_cursors_are_bad_user_input(students: Transport, after: str) -> None:
    reply = graphql(students, document("page.graphql"), {"first": 5, "after": after}, api_key=KEY)
    assert only_error(reply)["extensions"] == {"code": "BAD_USER_INPUT"}
