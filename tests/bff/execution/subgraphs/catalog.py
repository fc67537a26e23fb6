"""catalog: owns products (entity), articles, the Media interface entity and its implementations;
refuses to rename a product to an empty name."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    name: str
    price: int
    weight: int

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        return PRODUCTS[id]


@strawberry.type
class Article:
    title: str


SearchResult = Annotated[Product | Article, strawberry.union("SearchResult")]


@strawberry.federation.interface(keys=["id"])
class Media:
    id: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        return MEDIA[id]


@strawberry.federation.type(keys=["id"])
class Book(Media):
    pages: int


@strawberry.federation.type(keys=["id"])
class Movie(Media):
    minutes: int


PRODUCTS = {
    "p1": Product(id=strawberry.ID("p1"), name="Keyboard", price=100, weight=10),
    "p2": Product(id=strawberry.ID("p2"), name="Mouse", price=40, weight=2),
    "p3": Product(id=strawberry.ID("p3"), name="Screen", price=300, weight=50),
    "p4": Product(id=strawberry.ID("p4"), name="Cable", price=5, weight=1),
}
MEDIA: dict[str, Media] = {
    "b1": Book(id=strawberry.ID("b1"), title="Dune", pages=412),
    "m1": Movie(id=strawberry.ID("m1"), title="Alien", minutes=117),
}


@strawberry.type
class Query:
    @strawberry.field
    def products(self) -> list[Product]:
        # p4 is left out: reviews refuses it, which tests reach through `product` and `search`.
        return [PRODUCTS["p1"], PRODUCTS["p2"], PRODUCTS["p3"]]

    @strawberry.field
    def product(self, id: strawberry.ID) -> Product | None:
        return PRODUCTS.get(id)

    @strawberry.field
    def products_by_ids(self, ids: list[strawberry.ID]) -> list[Product | None]:
        return [PRODUCTS.get(id) for id in ids]

    @strawberry.field
    def search(self, text: str) -> list[SearchResult | None]:
        found: list[Product | Article | None] = [
            product for product in PRODUCTS.values() if text.lower() in product.name.lower()
        ]
        found.append(Article(title=f"All about {text}"))
        return found

    @strawberry.field
    def media(self) -> list[Media]:
        return list(MEDIA.values())


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename_product(self, id: strawberry.ID, name: str) -> Product | None:
        if not name:
            raise GraphQLError("A product needs a name.", extensions={"code": "BAD_USER_INPUT"})
        product = PRODUCTS.get(id)
        if product is not None:
            product.name = name
        return product


schema = strawberry.federation.Schema(query=Query, mutation=Mutation, types=[Book, Movie])
