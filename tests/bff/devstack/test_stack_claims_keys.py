"""The local stack's claims-signing keys: random per start unless SUBGRAPH_CLAIMS_KEYS names
them (a second local gateway, as `make chaos` runs, signs with the same keys)."""

from __future__ import annotations

import json

from bff.devstack.stack import SERVICE_NAMES, dev_claims_keys


def test_each_start_makes_new_keys_for_every_subgraph() -> None:
    first, second = dev_claims_keys({}), dev_claims_keys({})
    assert set(first) == set(SERVICE_NAMES)
    assert all(first[name] != second[name] for name in SERVICE_NAMES)


def test_keys_given_in_subgraph_claims_keys_are_used_and_the_rest_made() -> None:
    given = {"students": "students-key"}
    keys = dev_claims_keys({"SUBGRAPH_CLAIMS_KEYS": json.dumps(given)})
    assert keys["students"] == "students-key"
    assert set(keys) == set(SERVICE_NAMES)
    assert all(len(keys[name]) >= 32 for name in SERVICE_NAMES if name != "students")
