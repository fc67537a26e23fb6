"""The analytics subgraph through HTTP (uvicorn) and its Lambda handler (API Gateway v1 and v2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.analytics.consumer import make_handler
from services.analytics.leaderboards import Board, Period
from services.analytics.repository import AnalyticsRepository
from services.events.lesson_completed import Language, LessonCompleted, parse_instant
from tests.services.analytics.conftest import API_KEY, operation, run
from tests.services.analytics.known_data import expected_boards, known_events
from tests.services.lessons.conftest import record_calls
from tests.services.toolkit.transports import Transport, graphql
from tests.support.identity import identity_headers, user_headers


def consume_all(repository: AnalyticsRepository, events: list[LessonCompleted]) -> None:
    consume = make_handler(lambda: repository)
    for event in events:
        consume(event.eventbridge_envelope(), None)


def students(transport: Transport, *ids: str) -> list[dict[str, Any]]:
    representations = [{"__typename": "Student", "id": student} for student in ids]
    return run(transport, "student", representations=representations)["data"]["_entities"]


@pytest.mark.parametrize("api_key", [None, "wrong", API_KEY.upper()])
def test_requests_without_a_valid_key_get_401(
    transport: Transport, api_key: str | None, private_client: Any, analytics_table: str
) -> None:
    reply = graphql(transport, operation("refresh"), {}, api_key=api_key)

    assert reply.status == 401
    assert reply.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert private_client.scan(TableName=analytics_table)["Items"] == []


def test_sdl_declares_student_with_key(transport: Transport) -> None:
    sdl = run(transport, "sdl")["data"]["_service"]["sdl"]

    assert 'type Student @key(fields: "id")' in sdl
    assert "rank(language: Language, period: Period! = ALL_TIME): Int" in sdl


def test_a_students_xp_is_live_and_unranked_until_a_refresh(
    transport: Transport, repository: AnalyticsRepository
) -> None:
    consume_all(repository, known_events(datetime.now(UTC)))

    ada, newcomer = students(transport, "ada", "newcomer")

    assert ada == {
        "id": "ada",
        "xp": 300,
        # Enum order, languages with XP only.
        "xpByLanguage": [{"language": "PYTHON", "xp": 200}, {"language": "GO", "xp": 100}],
        "overall": None,
        "pythonThisMonth": None,
    }
    assert newcomer == {
        "id": "newcomer",
        "xp": 0,
        "xpByLanguage": [],
        "overall": None,
        "pythonThisMonth": None,
    }


def test_entities_resolve_100_students_xp_with_one_batch_get(
    transport: Transport, repository: AnalyticsRepository, private_client: Any
) -> None:
    consume_all(repository, known_events(datetime.now(UTC)))
    calls = record_calls(private_client)
    ids = ["ada", "bob"] + [f"student-{number:03d}" for number in range(98)]

    body = run(transport, "xp", representations=[{"__typename": "Student", "id": i} for i in ids])

    entities = body["data"]["_entities"]
    assert [entity["id"] for entity in entities] == ids
    assert [entity["xp"] for entity in entities[:3]] == [300, 300, 0]
    assert calls == ["BatchGetItem"]


def test_leaderboards_on_known_data_for_every_language_and_period(
    transport: Transport, repository: AnalyticsRepository
) -> None:
    consume_all(repository, known_events(datetime.now(UTC)))

    assert run(transport, "refresh")["data"] == {"refreshLeaderboards": True}

    for board, standings in expected_boards().items():
        body = run(
            transport,
            "leaderboard",
            language=None if board.language is None else str(board.language),
            period=str(board.period),
            first=10,
        )
        leaderboard = body["data"]["leaderboard"]
        assert (leaderboard["language"], leaderboard["period"]) == (
            board.language,
            board.period,
        )
        assert [
            (entry["rank"], entry["student"]["id"], entry["xp"]) for entry in leaderboard["entries"]
        ] == [(s.rank, s.student_id, s.xp) for s in standings], board
        # The entry's student resolves live XP (all-time), beside the board's period XP.
        if board.language is None and board.period == "ALL_TIME":
            assert {entry["student"]["xp"] for entry in leaderboard["entries"]} == {300, 200}


def test_ranks_come_from_the_latest_snapshot(
    transport: Transport, repository: AnalyticsRepository
) -> None:
    consume_all(repository, known_events(datetime.now(UTC)))
    run(transport, "refresh")

    ada, dee, cy = students(transport, "ada", "dee", "cy")

    assert (ada["overall"], ada["pythonThisMonth"]) == (1, 1)
    assert (dee["overall"], dee["pythonThisMonth"]) == (5, None)  # 40 days ago: not this month
    assert (cy["overall"], cy["pythonThisMonth"]) == (1, None)  # tied first; no Python


def test_new_xp_shows_at_once_and_moves_ranks_at_the_next_refresh(
    transport: Transport, repository: AnalyticsRepository
) -> None:
    now = datetime.now(UTC)
    consume_all(repository, known_events(now))
    run(transport, "refresh")
    extra = known_events(now)[-1].model_copy(
        update={"event_id": "dee-extra", "student_id": "dee", "xp": 500, "language": Language.GO}
    )
    consume_all(repository, [extra])

    (dee_before,) = students(transport, "dee")
    run(transport, "refresh")
    (dee_after,) = students(transport, "dee")

    assert (dee_before["xp"], dee_before["overall"]) == (700, 5)
    assert (dee_after["xp"], dee_after["overall"]) == (700, 1)


def test_the_first_leaderboard_read_takes_a_snapshot_when_none_exists(
    transport: Transport, repository: AnalyticsRepository
) -> None:
    consume_all(repository, known_events(datetime.now(UTC)))
    before = datetime.now(UTC)

    body = run(transport, "leaderboard", language="RUST", period="LAST_MONTH", first=1)

    leaderboard = body["data"]["leaderboard"]
    assert leaderboard["entries"] == [{"rank": 1, "xp": 300, "student": {"id": "cy", "xp": 300}}]
    assert parse_instant(leaderboard["refreshedAt"]) >= before.replace(microsecond=0)


def test_first_limits_the_entries(transport: Transport, repository: AnalyticsRepository) -> None:
    consume_all(repository, known_events(datetime.now(UTC)))

    body = run(transport, "leaderboard", language=None, period="ALL_TIME", first=2)

    assert [entry["student"]["id"] for entry in body["data"]["leaderboard"]["entries"]] == [
        "ada",
        "bob",
    ]


@pytest.mark.parametrize("first", [0, -1, 101])
def test_an_out_of_range_first_is_refused_and_stores_nothing(
    transport: Transport, first: int, private_client: Any, analytics_table: str
) -> None:
    body = run(transport, "leaderboard", language=None, period="ALL_TIME", first=first)

    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
    assert private_client.scan(TableName=analytics_table)["Items"] == []


@pytest.mark.parametrize(
    "identity",
    [user_headers("analytics"), {}, identity_headers("analytics", "u", scope="admins")],
    ids=["user", "anonymous", "admin-like-scope"],
)
def test_refreshing_leaderboards_without_admin_is_forbidden_and_refreshes_nothing(
    transport: Transport, repository: AnalyticsRepository, identity: dict[str, str]
) -> None:
    body = run(transport, "refresh", identity=identity)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert repository.pointers([Board(None, Period.ALL_TIME)]) == {}
