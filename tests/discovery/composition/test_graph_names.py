"""The `join__Graph` enum names derived from service names are valid and unique."""

from __future__ import annotations

import pytest

from discovery.composition.merge import graph_entries
from discovery.composition.subgraph import Subgraph


def enum_names(*services: str) -> list[str]:
    return [
        entry.enum_name for entry in graph_entries([Subgraph(s, "", True, {}) for s in services])
    ]


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        (("students", "lessons"), ["STUDENTS", "LESSONS"]),
        (("user-service", "user_service"), ["USER_SERVICE_1", "USER_SERVICE_2"]),
        (("2fa",), ["_2FA"]),
        (("a-1", "a.1", "a_1_1"), ["A_1_1", "A_1_2", "A_1_1_2"]),
    ],
)
def test_enum_names(services: tuple[str, ...], expected: list[str]) -> None:
    assert enum_names(*services) == expected
