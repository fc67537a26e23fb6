"""Opaque page cursors: base64url of the DynamoDB key a page ended on, validated on the way in."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Collection
from typing import Any

import orjson

from services.toolkit.errors import ErrorCode, UserError

MIN_PAGE_SIZE = 1
MAX_PAGE_SIZE = 100

AttributeMap = dict[str, dict[str, Any]]


def check_page_size(first: int) -> int:
    """`first` must be 1..100: larger pages would need more than one DynamoDB page read."""
    if not MIN_PAGE_SIZE <= first <= MAX_PAGE_SIZE:
        raise UserError(
            f"first must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}, got {first}.",
            ErrorCode.BAD_USER_INPUT,
        )
    return first


def encode_cursor(key: AttributeMap) -> str:
    """The cursor for a page that ended on `key` (a DynamoDB key with string attributes)."""
    return base64.urlsafe_b64encode(orjson.dumps(key, option=orjson.OPT_SORT_KEYS)).decode()


def decode_cursor(
    cursor: str,
    key_names: Collection[str],
    accept: Callable[[dict[str, str]], bool] = lambda _: True,
) -> AttributeMap:
    """The `ExclusiveStartKey` a cursor stands for, or `BAD_USER_INPUT` if it is not one of ours.

    Only exactly `key_names`, each a string attribute, and passing `accept` (a check of the
    plain values, e.g. the index partition) is let through, so a forged cursor can never
    reach DynamoDB as an arbitrary start key.
    """
    invalid = UserError("after is not a valid cursor.", ErrorCode.BAD_USER_INPUT)
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError):
        raise invalid from None
    if not isinstance(key, dict) or set(key) != set(key_names):
        raise invalid
    plain: dict[str, str] = {}
    for name, value in key.items():
        if not (isinstance(value, dict) and list(value) == ["S"] and isinstance(value["S"], str)):
            raise invalid
        plain[name] = value["S"]
    if not accept(plain):
        raise invalid
    return key
