"""ratings: adds `rating` to every Media through @interfaceObject (it never sees Book or Movie)."""

from __future__ import annotations

import strawberry


@strawberry.federation.interface_object(keys=["id"])
class Media:
    id: strawberry.ID
    rating: int | None

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        return cls(id=id, rating=RATINGS.get(id))


RATINGS = {"b1": 5, "m1": 4}


@strawberry.type
class Query:
    @strawberry.field
    def top_media(self) -> Media:
        return Media(id=strawberry.ID("b1"), rating=RATINGS["b1"])


schema = strawberry.federation.Schema(query=Query)
