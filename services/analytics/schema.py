"""The analytics subgraph schema: its part of ARCHITECTURE.md section 3, Federation 2."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.types import Info

from services.analytics import operations
from services.analytics.leaderboards import MAX_RANKED, Board, Period
from services.analytics.loaders import AnalyticsLoaders
from services.events.lesson_completed import Language, parse_instant
from services.toolkit.authorization import require_admin
from services.toolkit.context import SubgraphContext
from services.toolkit.schema import build_subgraph_schema

SERVICE_NAME = "analytics"

strawberry.enum(Language, description="A programming language a lesson can be solved in.")
strawberry.enum(
    Period,
    description=(
        "LAST_MONTH: the 30 days before the board's refresh; LAST_YEAR: the 365 days before "
        "it; ALL_TIME: everything."
    ),
)

AnalyticsInfo = Info[SubgraphContext[AnalyticsLoaders], None]


@strawberry.type
class LanguageXp:
    language: Language
    xp: int


@strawberry.federation.type(keys=["id"], description="A student's XP and ranks.")
class Student:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Student:
        # No read here: each field loads what it needs, batched across representations.
        return cls(id=id)

    @strawberry.field(description="All-time XP, live (counts a completion within seconds).")
    async def xp(self, info: AnalyticsInfo) -> int:
        context = info.context
        return (await context.loader(context.resources.xp_by_student).load(self.id)).total

    @strawberry.field(description="All-time XP per language, languages with XP only.")
    async def xp_by_language(self, info: AnalyticsInfo) -> list[LanguageXp]:
        context = info.context
        xp = await context.loader(context.resources.xp_by_student).load(self.id)
        return [
            LanguageXp(language=language, xp=xp.by_language[language])
            for language in Language
            if language in xp.by_language
        ]

    @strawberry.field(
        description=(
            "Rank on the latest snapshot of the board (overall without language): equal XP "
            "shares a rank (1, 2, 2, 4). Null when unranked: no XP in the period, outside "
            f"the top {MAX_RANKED}, or no refresh since the XP was earned."
        )
    )
    async def rank(
        self,
        info: AnalyticsInfo,
        language: Language | None = strawberry.UNSET,
        period: Period = Period.ALL_TIME,
    ) -> int | None:
        context = info.context
        request = (str(self.id), Board(language or None, period))
        standing = await context.loader(context.resources.rank_by_request).load(request)
        return None if standing is None else standing.rank


@strawberry.type
class LeaderboardEntry:
    rank: int
    xp: int = strawberry.field(description="XP in the board's language and period.")
    student: Student


@strawberry.type(description="A leaderboard snapshot; refreshed hourly and on demand.")
class Leaderboard:
    language: Language | None
    period: Period
    entries: list[LeaderboardEntry] = strawberry.field(
        description="Best first; equal XP shares a rank (1, 2, 2, 4), ties ordered by student id."
    )
    refreshed_at: datetime


@strawberry.type
class Query:
    @strawberry.field(description="The top `first` (1 to 100) of a board; overall if no language.")
    async def leaderboard(
        self,
        info: AnalyticsInfo,
        language: Language | None = strawberry.UNSET,
        period: Period = Period.ALL_TIME,
        first: int = 10,
    ) -> Leaderboard:
        board = Board(language or None, period)
        resources = info.context.resources
        view = await asyncio.to_thread(
            operations.read_leaderboard, resources.repository, resources.students, board, first
        )
        return Leaderboard(
            language=board.language,
            period=period,
            entries=[
                LeaderboardEntry(
                    rank=standing.rank,
                    xp=standing.xp,
                    student=Student(id=strawberry.ID(standing.student_id)),
                )
                for standing in view.standings
            ],
            refreshed_at=parse_instant(view.refreshed_at),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Recompute every leaderboard now (admin scope; also done hourly)."
    )
    async def refresh_leaderboards(self, info: AnalyticsInfo) -> bool:
        require_admin(info.context.identity, "refreshLeaderboards")
        resources = info.context.resources
        await asyncio.to_thread(
            operations.refresh_leaderboards, resources.repository, resources.students
        )
        return True


schema = build_subgraph_schema(SERVICE_NAME, query=Query, mutation=Mutation, types=[Student])
