"""accounts: owns User names."""

from __future__ import annotations

import strawberry


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        name = NAMES.get(id)
        return None if name is None else cls(id=id, name=name)


NAMES = {"u1": "Ada", "u2": "Grace"}


@strawberry.type
class Query:
    @strawberry.field
    def user_count(self) -> int:
        return len(NAMES)


schema = strawberry.federation.Schema(query=Query, types=[User])
