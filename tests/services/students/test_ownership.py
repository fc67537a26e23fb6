"""Students record who owns them: a user registers the one student it owns and reads it as `me`;
only an admin chooses another owner. Refusals are FORBIDDEN and store nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from services.toolkit.authorization import owned_student_id
from tests.services.students.conftest import KEY, document, unique_email
from tests.services.toolkit.transports import Transport, graphql
from tests.support.identity import admin_headers, identity_headers, user_headers

ME = "{ me { id name } }"


def register(
    students: Transport, identity: dict[str, str], owner: str | None = None
) -> dict[str, Any]:
    student = {"name": "Ada", "email": unique_email()} | ({"owner": owner} if owner else {})
    reply = graphql(
        students, document("register.graphql"), {"input": student}, api_key=KEY, headers=identity
    )
    assert reply.status == 200, reply.body
    return reply.json()


def me(students: Transport, identity: dict[str, str]) -> Any:
    return graphql(students, ME, api_key=KEY, headers=identity).json()["data"]["me"]


def test_a_user_registers_the_student_it_owns_and_reads_it_as_me(students: Transport) -> None:
    sub = f"user-{uuid.uuid4().hex}"
    identity = user_headers("students", sub)
    assert me(students, identity) is None  # owns none yet

    created = register(students, identity)["data"]["registerStudent"]

    assert created["id"] == owned_student_id(sub)
    assert me(students, identity) == {"id": created["id"], "name": "Ada"}
    assert me(students, user_headers("students", f"other-{sub}")) is None
    assert me(students, {}) is None  # anonymous


def test_a_user_owns_one_student_a_second_registration_is_a_conflict(
    students: Transport, count_items: Callable[[], int]
) -> None:
    identity = user_headers("students", f"user-{uuid.uuid4().hex}")
    register(students, identity)
    before = count_items()

    body = register(students, identity)

    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert count_items() == before


@pytest.mark.parametrize(
    "identity",
    [user_headers("students"), {}, identity_headers("students", "u", scope="administrator")],
    ids=["user", "anonymous", "admin-like-scope"],
)
def test_only_an_admin_chooses_the_owner(
    students: Transport, identity: dict[str, str], count_items: Callable[[], int]
) -> None:
    before = count_items()

    body = register(students, identity, owner=f"victim-{uuid.uuid4().hex}")

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert count_items() == before


def test_an_admin_registers_a_student_for_a_user_who_then_owns_it(students: Transport) -> None:
    sub = f"user-{uuid.uuid4().hex}"

    created = register(students, admin_headers("students"), owner=sub)["data"]["registerStudent"]

    assert me(students, user_headers("students", sub))["id"] == created["id"]


def test_an_admin_without_an_owner_registers_unowned_students(students: Transport) -> None:
    first = register(students, admin_headers("students"))["data"]["registerStudent"]
    second = register(students, admin_headers("students"))["data"]["registerStudent"]

    assert first["id"] != second["id"]
    assert me(students, admin_headers("students")) is None
