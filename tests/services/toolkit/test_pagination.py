"""Cursors are opaque to clients and validated before they can reach DynamoDB."""

from __future__ import annotations

import base64
import json

import pytest

from services.toolkit.errors import UserError
from services.toolkit.pagination import check_page_size, decode_cursor, encode_cursor

NAMES = ("pk", "sk")
KEY = {"pk": {"S": "STUDENT#1"}, "sk": {"S": "PROFILE"}}


def test_a_cursor_decodes_to_the_key_it_encodes() -> None:
    assert decode_cursor(encode_cursor(KEY), NAMES) == KEY


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 at all!",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _b64([1, 2]),
        _b64({"pk": {"S": "STUDENT#1"}}),
        _b64({**KEY, "extra": {"S": "x"}}),
        _b64({"pk": {"N": "1"}, "sk": {"S": "PROFILE"}}),
        _b64({"pk": "STUDENT#1", "sk": {"S": "PROFILE"}}),
        _b64({"pk": {"S": "LESSON#1"}, "sk": {"S": "PROFILE"}}),
    ],
)
def test_anything_but_one_of_our_cursors_is_bad_user_input(cursor: str) -> None:
    with pytest.raises(UserError) as raised:
        decode_cursor(cursor, NAMES, accept=lambda key: key["pk"].startswith("STUDENT#"))
    assert raised.value.extensions == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize("first", [0, -1, 101])
def test_page_sizes_outside_1_to_100_are_bad_user_input(first: int) -> None:
    with pytest.raises(UserError) as raised:
        check_page_size(first)
    assert raised.value.extensions == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize("first", [1, 100])
def test_page_sizes_at_the_bounds_are_accepted(first: int) -> None:
    assert check_page_size(first) == first
