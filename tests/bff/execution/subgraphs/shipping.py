"""shipping: `shippingEstimate` @requires(fields: "price weight") on Product."""

from __future__ import annotations

import strawberry


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    price: int = strawberry.federation.field(external=True)
    weight: int = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["price", "weight"])
    def shipping_estimate(self) -> int:
        # Free above 250, otherwise one per weight unit.
        return 0 if self.price > 250 else self.weight

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, price: int, weight: int) -> Product:
        return cls(id=id, price=price, weight=weight)


@strawberry.type
class Query:
    @strawberry.field
    def shipping_zones(self) -> int:
        return 3


schema = strawberry.federation.Schema(query=Query, types=[Product])
