"""What each field asks of its caller (`AccessRules`), read from a composed supergraph: through
abstract types a protected implementation is never reached unchecked."""

from __future__ import annotations

from bff.authorization.access_rules import AccessRules
from bff.authorization.policies import Caller
from bff.supergraph import load_supergraph
from discovery.composition import CompositionSuccess, SubgraphInput, compose

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5",
                    import: ["@key", "@authenticated", "@requiresScopes"])

interface Account { id: ID!  balance: Int }
type Person implements Account @key(fields: "id") {
  id: ID!
  balance: Int @requiresScopes(scopes: [["read:balance"]])
}
type Company implements Account @key(fields: "id") { id: ID!  balance: Int }
type Vault @key(fields: "id") @authenticated { id: ID! }
type Box @key(fields: "id") { id: ID! }
union Holding = Vault | Box
type Query { account: Account  holding: Holding  person: Person }
"""

ANONYMOUS = Caller(False, frozenset(), frozenset())
USER = Caller(True, frozenset(), frozenset())
READER = Caller(True, frozenset({"read:balance"}), frozenset())


def rules() -> AccessRules:
    composed = compose([SubgraphInput("bank", "http://bank", SDL)])
    assert isinstance(composed, CompositionSuccess), composed
    return AccessRules(load_supergraph(composed.supergraph_sdl))


def test_an_interface_field_asks_what_each_implementation_asks() -> None:
    requirement = rules().requirement("Account", "balance")

    assert requirement is not None
    assert (requirement.allows(USER), requirement.allows(READER)) == (False, True)


def test_a_field_returning_an_abstract_type_asks_what_its_possible_types_ask() -> None:
    requirement = rules().requirement("Query", "holding")

    assert requirement is not None
    assert (requirement.allows(ANONYMOUS), requirement.allows(USER)) == (False, True)


def test_unprotected_fields_ask_nothing() -> None:
    found = rules()
    assert found.requirement("Account", "id") is None
    assert found.requirement("Query", "person") is None
