"""reviews: adds `reviews` to Product; fails on purpose for product p4 (an entity-level error) and
for a review without a body (a failed non-null mutation field)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.federation.schema_directives import FieldSet, Key


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class User:
    id: strawberry.ID


@strawberry.type
class Review:
    body: str
    author: User


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [
            Review(body=body, author=User(id=strawberry.ID(author)))
            for body, author in REVIEWS.get(self.id, [])
        ]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        if id == "p4":
            # Shaped like a debugging Apollo server's error: the gateway must drop the trace.
            raise GraphQLError(
                "Reviews for p4 are locked.",
                extensions={
                    "code": "FORBIDDEN",
                    "stacktrace": ["Traceback (most recent call last)"],
                },
            )
        return cls(id=id)


REVIEWS = {
    "p1": [("Clicky", "u1"), ("Loud", "u2")],
    "p2": [("Smooth", "u1")],
}


@strawberry.type
class Query:
    @strawberry.field
    def review_count(self) -> int:
        return sum(len(reviews) for reviews in REVIEWS.values())


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_review(self, product_id: strawberry.ID, body: str) -> Review:
        if not body:
            raise GraphQLError("A review needs a body.", extensions={"code": "BAD_USER_INPUT"})
        REVIEWS.setdefault(product_id, []).append((body, "u1"))
        return Review(body=body, author=User(id=strawberry.ID("u1")))


schema = strawberry.federation.Schema(query=Query, mutation=Mutation, types=[Product])
