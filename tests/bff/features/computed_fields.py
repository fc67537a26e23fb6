"""The rules behind `@requires` fields of the fixture subgraphs: feature -> subgraph ->
"Type.field" -> value computed from the entity, whose `@external` inputs only the gateway sends.

A missing input raises KeyError, which the subgraph answers as a field error: a gateway that
forgets a required field fails the case instead of passing by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.bff.features.fixture_subgraph import ComputedField


def shipping_cost(product: Mapping[str, Any]) -> int:
    # Weight and size come from two other subgraphs (products, inventory).
    return product["weight"] * 2 + product["size"]


def packaging(product: Mapping[str, Any]) -> str:
    return f"box {product['dimensions']['width']} wide"


def delivery_note(product: Mapping[str, Any]) -> str:
    # A chain: shippingCost itself requires weight and size.
    return f"ships for {product['shippingCost']}"


def restock_days(product: Mapping[str, Any]) -> int:
    # Inventory's own @requires field, fetched together with its key-only inStock.
    return product["weight"] * 7


def shipping_in_euros(product: Mapping[str, Any]) -> int:
    # The representation's `price` is the EUR price @requires asks for, not the client's USD.
    return product["price"] // 10


def insurance_in_dollars(product: Mapping[str, Any]) -> int:
    # Both inputs in USD: a representation carrying shipping's EUR price would be off by 10.
    return product["price"] + product["origin"]["duty"]


def customs_in_euros(product: Mapping[str, Any]) -> str:
    return f"duty {product['origin']['duty']} EUR"


def shipping_by_weight(product: Mapping[str, Any]) -> int:
    return product["weight"] * 10


def blurb(media: Mapping[str, Any]) -> str:
    # The title comes from the media subgraph, which knows the concrete type.
    return f"{media['title']}, reviewed"


COMPUTED_FIELDS: dict[str, dict[str, dict[str, ComputedField]]] = {
    "alias-collisions": {"ratings": {"Product.shipping": shipping_by_weight}},
    "requires-arguments": {
        "shipping": {
            "Product.shipping": shipping_in_euros,
            "Product.insurance": insurance_in_dollars,
            "Product.customs": customs_in_euros,
        }
    },
    "interface-object": {"reviews": {"Media.blurb": blurb}},
    "requires": {
        "shipping": {"Product.shippingCost": shipping_cost, "Product.packaging": packaging},
        "delivery": {"Product.deliveryNote": delivery_note},
        "inventory": {"Product.restockDays": restock_days},
    },
}
