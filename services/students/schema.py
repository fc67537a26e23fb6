"""The students subgraph schema: exactly the students part of ARCHITECTURE.md section 3.

Resolvers call the synchronous repository in a worker thread, so one slow DynamoDB call never
stalls other requests served by the same event loop (uvicorn), and entity lookups go through
a request-scoped DataLoader so `_entities` costs one BatchGetItem per 100 representations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime

import strawberry

from services.students.repository import StudentPageRecord, StudentRecord, StudentRepository
from services.toolkit.authorization import owned_student_id
from services.toolkit.context import SubgraphContext
from services.toolkit.errors import ErrorCode, UserError
from services.toolkit.schema import build_subgraph_schema

SERVICE_NAME = "students"

Info = strawberry.Info[SubgraphContext[StudentRepository], None]


@strawberry.federation.type(keys=["id"])
class Student:
    id: strawberry.ID
    name: str
    # Internal: contracts that exclude `internal` (the mobile app's) leave it out.
    email: str = strawberry.federation.field(tags=["internal"])
    joined_at: datetime

    @classmethod
    def from_record(cls, record: StudentRecord) -> Student:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            email=record.email,
            joined_at=record.joined_at,
        )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, info: Info) -> Awaitable[Student | None]:
        # Not async: `load` must be called right here, during `_entities`, so that every
        # representation joins the same batch before anything is awaited.
        pending = info.context.loader(info.context.resources.load_many).load(str(id))
        return _student_or_none(pending)


async def _student_or_none(pending: Awaitable[StudentRecord | None]) -> Student | None:
    record = await pending
    return Student.from_record(record) if record else None


@strawberry.type
class StudentPage:
    items: list[Student]
    next_cursor: str | None

    @classmethod
    def from_record(cls, page: StudentPageRecord) -> StudentPage:
        return cls(items=[Student.from_record(r) for r in page.items], next_cursor=page.next_cursor)


@strawberry.input
class RegisterStudentInput:
    name: str
    email: str
    # Admins only: the `sub` of the user who will own the student.
    owner: str | None = strawberry.UNSET


@strawberry.type
class Query:
    @strawberry.field
    async def student(self, id: strawberry.ID, info: Info) -> Student | None:
        return await Student.resolve_reference(id, info)

    @strawberry.field
    async def students(
        self,
        info: Info,
        first: int = 20,
        # UNSET rather than None keeps the SDL as in the contract: `after: String` (no default).
        after: str | None = strawberry.UNSET,
    ) -> StudentPage:
        cursor = None if after is strawberry.UNSET else after
        page = await asyncio.to_thread(info.context.resources.list_page, first, cursor)
        return StudentPage.from_record(page)

    @strawberry.field
    async def me(self, info: Info) -> Student | None:
        """The student the caller owns; null when none (or anonymous)."""
        identity = info.context.identity
        if identity is None:
            return None
        return await Student.resolve_reference(
            strawberry.ID(owned_student_id(identity.subject)), info
        )


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def register_student(self, input: RegisterStudentInput, info: Info) -> Student:
        """A user registers the one student it owns; an admin registers any (for `owner`, or
        owned by nobody). Anonymous callers (no verified user: internal tools holding the API
        key) register unowned students."""
        identity = info.context.identity
        owner = None if input.owner is strawberry.UNSET else input.owner
        if owner is not None and (identity is None or not identity.is_admin):
            raise UserError("Only admins may choose a student's owner.", ErrorCode.FORBIDDEN)
        if owner is None and identity is not None and not identity.is_admin:
            owner = identity.subject
        record = await asyncio.to_thread(
            info.context.resources.register,
            input.name,
            input.email,
            student_id=None if owner is None else owned_student_id(owner),
            owner=owner,
        )
        return Student.from_record(record)


schema = build_subgraph_schema(SERVICE_NAME, query=Query, mutation=Mutation, types=[Student])
