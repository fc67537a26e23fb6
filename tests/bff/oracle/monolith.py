"""The oracle: the whole public API as ONE graphql-core schema over the services' tables.

No federation, no planning, no subgraphs: each field's resolver reads the same DynamoDB tables
through the services' own repositories and use cases, one call at a time. Whatever the
gateway answers for an operation, this schema must answer too, field for field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, build_schema, graphql_sync

from services.analytics import operations as analytics_operations
from services.analytics.leaderboards import Board, Period
from services.analytics.refresh import refresh_leaderboards
from services.events.lesson_completed import Language
from services.lessons import operations as lessons_operations
from services.lessons.records import CompletionRecord, Difficulty
from services.students.repository import StudentRecord
from services.toolkit.errors import INTERNAL_ERROR_MESSAGE, ErrorCode, UserError
from services.toolkit.schema import format_datetime, parse_datetime
from tests.bff.oracle.school import School

# The client-facing API of ARCHITECTURE.md section 3, the same contract the supergraph tests
# hold the gateway's API schema to.
PUBLIC_SCHEMA_FILE = (
    Path(__file__).parents[1] / "supergraph" / "fixtures" / "our-services-api.graphql"
)

Resolver = Callable[..., Any]


def build_monolith(school: School) -> GraphQLSchema:
    """The monolith's executable schema: the public schema with resolvers over `school`."""
    schema = build_schema(PUBLIC_SCHEMA_FILE.read_text(encoding="utf-8"))
    for type_name, resolvers in _resolvers(school).items():
        fields = schema.type_map[type_name].fields  # type: ignore[union-attr]
        for field_name, resolve in resolvers.items():
            fields[field_name].resolve = resolve
    # graphql-core 3.3 coerces scalars through these two attributes.
    date_time = schema.type_map["DateTime"]
    date_time.coerce_output_value = _serialize_date_time  # type: ignore[attr-defined]
    date_time.coerce_input_value = parse_datetime  # type: ignore[attr-defined]
    return schema


def run_monolith(
    schema: GraphQLSchema,
    query: str,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """The response as a GraphQL server would send it (errors formatted, codes included)."""
    result = graphql_sync(
        schema, query, variable_values=dict(variables or {}), operation_name=operation_name
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [_masked(error).formatted for error in result.errors]
    return response


def _masked(error: GraphQLError) -> GraphQLError:
    """As every service reports a resolver's fault that is not the caller's: no internals,
    a code. Request errors (syntax, validation, variables: no path) stay as they are."""
    original = error.original_error
    if error.path is None or original is None or isinstance(original, UserError | GraphQLError):
        return error
    return GraphQLError(
        INTERNAL_ERROR_MESSAGE,
        path=error.path,
        extensions={"code": str(ErrorCode.INTERNAL_SERVER_ERROR)},
    )


def _serialize_date_time(value: Any) -> str:
    # Records keep instants as ISO strings (lessons, analytics) or datetimes (students).
    return format_datetime(parse_datetime(value) if isinstance(value, str) else value)


def _attribute(name: str) -> Resolver:
    return lambda parent, _info, **_args: getattr(parent, name)


def _resolvers(school: School) -> dict[str, dict[str, Resolver]]:
    students, lessons, analytics = school.students, school.lessons, school.analytics

    def student(_root: None, _info: GraphQLResolveInfo, id: str) -> StudentRecord | None:
        return students.get(id)

    def student_page(_root: None, _info: GraphQLResolveInfo, first: int, after: str | None = None):
        return students.list_page(first, after)

    def lesson(_root: None, _info: GraphQLResolveInfo, id: str):
        return lessons.get_lessons([id]).get(id)

    def lesson_list(_root: None, _info: GraphQLResolveInfo, language: str | None = None):
        return lessons.list_lessons(Language(language) if language else None)

    def leaderboard(
        _root: None, _info: GraphQLResolveInfo, period: str, first: int, language: str | None = None
    ):
        board = Board(Language(language) if language else None, Period(period))
        return analytics_operations.read_leaderboard(analytics, school.directory, board, first)

    def completions(parent: StudentRecord, _info: GraphQLResolveInfo) -> list[CompletionRecord]:
        return lessons.completions_of(parent.id)

    def xp(parent: StudentRecord, _info: GraphQLResolveInfo) -> int:
        return analytics.xp_of([parent.id])[0].total

    def xp_by_language(parent: StudentRecord, _info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        by_language = analytics.xp_of([parent.id])[0].by_language
        return [
            {"language": language, "xp": by_language[language]}
            for language in Language
            if language in by_language
        ]

    def rank(
        parent: StudentRecord, _info: GraphQLResolveInfo, period: str, language: str | None = None
    ) -> int | None:
        board = Board(Language(language) if language else None, Period(period))
        pointer = analytics.pointers([board]).get(board)
        if pointer is None:
            return None
        standing = analytics.standings([(pointer, board, parent.id)])[0]
        return None if standing is None else standing.rank

    def completion_lesson(parent: CompletionRecord, _info: GraphQLResolveInfo):
        found = lessons.get_lessons([parent.lesson_id]).get(parent.lesson_id)
        if found is None:  # a fault in the data, not the caller's mistake
            raise LookupError(f"completion refers to missing lesson {parent.lesson_id}")
        return found

    def entry_student(parent: Any, _info: GraphQLResolveInfo) -> StudentRecord | None:
        return students.get(parent.student_id)

    def register_student(_root: None, _info: GraphQLResolveInfo, input: dict[str, str]):
        return students.register(input["name"], input["email"])

    def create_lesson(_root: None, _info: GraphQLResolveInfo, input: dict[str, Any]):
        return lessons_operations.create_lesson(
            lessons,
            title=input["title"],
            difficulty=Difficulty(input["difficulty"]),
            xp=input["xp"],
            languages=[Language(name) for name in input["languages"]],
        )

    def complete_lesson(
        _root: None, _info: GraphQLResolveInfo, studentId: str, lessonId: str, language: str
    ):
        return lessons_operations.complete_lesson(
            lessons,
            school.directory,
            student_id=studentId,
            lesson_id=lessonId,
            language=Language(language),
        )

    def refresh(_root: None, _info: GraphQLResolveInfo) -> bool:
        refresh_leaderboards(analytics, school.directory)
        return True

    return {
        "Query": {
            "student": student,
            "students": student_page,
            "lesson": lesson,
            "lessons": lesson_list,
            "leaderboard": leaderboard,
        },
        "Mutation": {
            "registerStudent": register_student,
            "createLesson": create_lesson,
            "completeLesson": complete_lesson,
            "refreshLeaderboards": refresh,
        },
        "Student": {
            "joinedAt": _attribute("joined_at"),
            "completions": completions,
            "xp": xp,
            "xpByLanguage": xp_by_language,
            "rank": rank,
        },
        "StudentPage": {"nextCursor": _attribute("next_cursor")},
        "Completion": {"lesson": completion_lesson, "completedAt": _attribute("completed_at")},
        "CompleteLessonResult": {
            "awardedXp": _attribute("awarded_xp"),
            "firstCompletion": _attribute("first_completion"),
        },
        "LeaderboardEntry": {"student": entry_student},
        "Leaderboard": {
            "language": lambda view, _info: view.board.language,
            "period": lambda view, _info: view.board.period,
            "entries": _attribute("standings"),
            "refreshedAt": _attribute("refreshed_at"),
        },
    }
