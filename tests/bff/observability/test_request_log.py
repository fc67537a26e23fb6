"""The request's log line is written at its level, and not even built when that level is off."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from bff.observability import request_log
from bff.observability.request_record import RequestRecord, SubgraphCall


class _CountedRecord(RequestRecord):
    built = 0

    def as_log_fields(self) -> dict[str, object]:
        type(self).built += 1
        return super().as_log_fields()


@pytest.fixture
def level_of_the_log() -> Iterator[Callable[[int], None]]:
    std = logging.getLogger(request_log.logger.name)
    before = std.level
    yield std.setLevel
    std.setLevel(before)


@pytest.mark.parametrize(
    ("status", "outcome", "level", "written"),
    [
        (200, "ok", logging.INFO, True),
        (200, "ok", logging.WARNING, False),
        (502, "ok", logging.WARNING, True),
        (200, "InternalError", logging.WARNING, True),
        (502, "ok", logging.ERROR, False),
    ],
)
def test_the_line_is_built_only_when_its_level_is_on(
    level_of_the_log: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    outcome: str,
    level: int,
    written: bool,
) -> None:
    level_of_the_log(level)
    lines: list[tuple[str, dict]] = []
    record_line = lambda message, *, extra: lines.append((message, extra))  # noqa: E731
    monkeypatch.setattr(request_log.logger, "info", record_line)
    monkeypatch.setattr(request_log.logger, "warning", record_line)
    _CountedRecord.built = 0
    record = _CountedRecord(status=status, outcome=outcome, milliseconds=1.5)
    record.subgraph_calls.append(SubgraphCall("accounts", 0.5, True, False))
    request_log.log_request(record)
    assert _CountedRecord.built == int(written)
    assert [message for message, _ in lines] == (["graphql request"] if written else [])
    if written:
        assert lines[0][1]["subgraph_calls"] == [
            {"subgraph": "accounts", "latency_ms": 0.5, "ok": True}
        ]
