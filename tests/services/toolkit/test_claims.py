"""`X-BFF-Claims`: decoded into the resolver context; an unreadable header is a 400."""

from __future__ import annotations

import base64
import json

import pytest

from services.toolkit.claims import MalformedClaimsError, decode_claims, encode_claims
from tests.services.toolkit.conftest import CURRENT_KEY
from tests.services.toolkit.transports import Transport, graphql

CLAIMS = {"sub": "student-7", "scope": "learn", "iss": "https://issuer.example"}


def test_claims_round_trip_with_or_without_padding() -> None:
    value = encode_claims(CLAIMS)
    assert "=" not in value
    assert decode_claims(value) == CLAIMS
    padded = base64.urlsafe_b64encode(json.dumps(CLAIMS).encode()).decode()
    assert decode_claims(padded) == CLAIMS


@pytest.mark.parametrize(
    "value",
    ["%%%", base64.urlsafe_b64encode(b"not json").decode(), encode_claims([1, 2])],  # type: ignore[arg-type]
    ids=["not-base64", "not-json", "not-an-object"],
)
def test_malformed_claims_are_refused(value: str) -> None:
    with pytest.raises(MalformedClaimsError):
        decode_claims(value)


def test_resolvers_see_forwarded_claims(sample: Transport) -> None:
    reply = graphql(
        sample, "{ claims }", api_key=CURRENT_KEY, headers={"X-BFF-Claims": encode_claims(CLAIMS)}
    )
    assert json.loads(reply.json()["data"]["claims"]) == CLAIMS


def test_without_the_header_claims_are_null(sample: Transport) -> None:
    assert graphql(sample, "{ claims }", api_key=CURRENT_KEY).json() == {"data": {"claims": None}}


def test_an_unreadable_claims_header_is_a_400(sample: Transport) -> None:
    reply = graphql(sample, "{ claims }", api_key=CURRENT_KEY, headers={"X-BFF-Claims": "e30x!"})
    assert reply.status == 400
    assert reply.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
