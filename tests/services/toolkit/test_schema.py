"""The shared DateTime scalar and the federation SDL a toolkit-built schema publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.toolkit.schema import format_datetime, parse_datetime
from tests.services.toolkit.conftest import CURRENT_KEY
from tests.services.toolkit.sample_subgraph import schema
from tests.services.toolkit.transports import Transport, graphql


def test_datetimes_are_utc_iso_strings_with_z() -> None:
    paris = timezone(timedelta(hours=1))
    assert format_datetime(datetime(2026, 1, 31, 13, 0, 0, 123456, paris)) == (
        "2026-01-31T12:00:00.123Z"
    )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 1, 31))
    with pytest.raises(ValueError):
        parse_datetime("2026-01-31T12:00:00")


def test_parsed_datetimes_are_in_utc() -> None:
    assert parse_datetime("2026-01-31T13:00:00+01:00") == datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert parse_datetime("2026-01-31T12:00:00.000Z") == datetime(2026, 1, 31, 12, tzinfo=UTC)


def test_the_sdl_is_federation_2_with_the_contract_datetime() -> None:
    sdl = schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"]  # type: ignore[index]
    assert 'schema @link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert "scalar DateTime" in sdl
    assert 'type Note @key(fields: "id")' in sdl


def test_datetime_fields_are_served_in_utc(sample: Transport) -> None:
    reply = graphql(sample, '{ note(id: "n1") { writtenAt } }', api_key=CURRENT_KEY)
    assert reply.json() == {"data": {"note": {"writtenAt": "2026-01-31T12:00:00.000Z"}}}
