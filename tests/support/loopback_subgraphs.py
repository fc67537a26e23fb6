"""Two small Federation-2 subgraphs (strawberry) served over loopback HTTP for the edge's tests.

They implement `tests/bff/fixtures/edge/{students,lessons}.graphql`, composed by Apollo into
`supergraph.graphql` there. The server runs in a background thread with its own event loop and
records every request it gets: which subgraph, the client's TCP port (one port = one
connection), and the headers the gateway sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import strawberry
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView

FIXTURES = Path(__file__).resolve().parents[1] / "bff" / "fixtures" / "edge"
SUPERGRAPH_FILE = FIXTURES / "supergraph.graphql"

STUDENTS = {
    "1": {"id": "1", "name": "Ada", "email": "ada@example.com"},
    "2": {"id": "2", "name": "Grace", "email": "grace@example.com"},
}
LESSONS = {
    "l1": {"id": "l1", "title": "Loops", "language": "PYTHON"},
    "l2": {"id": "l2", "title": "Closures", "language": "JAVASCRIPT"},
}
COMPLETIONS = {"1": ["l1", "l2"], "2": []}


# --- students: Student (id, name, email, @inaccessible passwordHash), registerStudent ---


@strawberry.federation.type(keys=["id"], name="Student")
class StudentRow:
    id: strawberry.ID
    name: str
    email: str
    password_hash: str | None = strawberry.federation.field(inaccessible=True, default=None)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> StudentRow | None:
        return _student(str(id))


def _student(student_id: str) -> StudentRow | None:
    row = STUDENTS.get(student_id)
    return StudentRow(**row) if row else None


@strawberry.input
class RegisterStudentInput:
    name: str
    email: str


@strawberry.type(name="Query")
class StudentsQuery:
    @strawberry.field
    def student(self, id: strawberry.ID) -> StudentRow | None:
        return _student(str(id))

    @strawberry.field
    def students(self, first: int = 20) -> list[StudentRow]:
        return [StudentRow(**row) for row in list(STUDENTS.values())[:first]]

    @strawberry.federation.field(inaccessible=True)
    def audit_log(self) -> list[str]:
        return ["secret"]


@strawberry.type(name="Mutation")
class StudentsMutation:
    @strawberry.mutation
    def register_student(self, input: RegisterStudentInput) -> StudentRow:
        return StudentRow(
            id=strawberry.ID(str(len(STUDENTS) + 1)), name=input.name, email=input.email
        )


# --- lessons: Lesson, Language, Student.completions ---


@strawberry.enum
class Language(enum.Enum):
    PYTHON = "PYTHON"
    JAVASCRIPT = "JAVASCRIPT"
    GO = "GO"


@strawberry.federation.type(keys=["id"])
class Lesson:
    id: strawberry.ID
    title: str
    language: Language

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Lesson | None:
        return _lesson(str(id))


def _lesson(lesson_id: str) -> Lesson | None:
    row = LESSONS.get(lesson_id)
    if row is None:
        return None
    return Lesson(
        id=strawberry.ID(row["id"]), title=row["title"], language=Language(row["language"])
    )


@strawberry.federation.type(keys=["id"], name="Student")
class StudentCompletions:
    id: strawberry.ID

    @strawberry.field
    def completions(self) -> list[Lesson]:
        return [lesson for key in COMPLETIONS.get(str(self.id), []) if (lesson := _lesson(key))]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> StudentCompletions:
        return StudentCompletions(id=id)


@strawberry.type(name="Query")
class LessonsQuery:
    @strawberry.field
    def lessons(self, language: Language | None = None) -> list[Lesson]:
        found = [_lesson(key) for key in LESSONS]
        return [item for item in found if item and language in (None, item.language)]


def students_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(
        query=StudentsQuery, mutation=StudentsMutation, types=[StudentRow]
    )


def lessons_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(query=LessonsQuery, types=[Lesson, StudentCompletions])


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    service: str
    client_port: int
    headers: dict[str, str]
    query: str = ""  # the GraphQL document of a POST


@dataclass
class LoopbackSubgraphs:
    """Both subgraphs on one loopback port: `/students/graphql` and `/lessons/graphql`."""

    requests: list[RecordedRequest] = field(default_factory=list)
    # Per service, the API keys it accepts (unset: any); others get API Gateway's 403.
    accepted_keys: dict[str, set[str]] = field(default_factory=dict)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None

    @property
    def urls(self) -> dict[str, str]:
        return {
            name: f"http://127.0.0.1:{self.port}/{name}/graphql" for name in ("students", "lessons")
        }

    def start(self) -> LoopbackSubgraphs:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="loopback-subgraphs", daemon=True)
        self._thread.start()
        if not ready.wait(30):
            raise TimeoutError("loopback subgraphs did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = self._thread = None

    def connections(self, service: str) -> set[int]:
        """Distinct client ports seen by `service`: how many TCP connections reached it."""
        return {recorded.client_port for recorded in self.requests if recorded.service == service}

    async def _serve(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_route("*", "/students/graphql", GraphQLView(schema=students_schema()))
        app.router.add_route("*", "/lessons/graphql", GraphQLView(schema=lessons_schema()))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _cleanup(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        query = ""
        if request.method == "POST" and request.can_read_body:
            body = await request.read()  # cached by aiohttp: the handler reads it again
            with contextlib.suppress(ValueError):
                query = str(json.loads(body).get("query", ""))
        self.requests.append(
            RecordedRequest(
                service=request.path.split("/")[1],
                client_port=peer[1] if peer else 0,
                headers={name.lower(): value for name, value in request.headers.items()},
                query=query,
            )
        )
        accepted = self.accepted_keys.get(request.path.split("/")[1])
        if accepted is not None and request.headers.get("x-api-key") not in accepted:
            return web.json_response({"message": "Forbidden"}, status=403)
        return await handler(request)
