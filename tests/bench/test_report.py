"""The report: rounds summarised with their spread, ratios to ours, targets judged, chart drawn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.report import render_markdown, summarise, targets, write_chart

RAW = Path(__file__).parent / "fixtures" / "raw.json"


@pytest.fixture
def raw() -> dict[str, Any]:
    return json.loads(RAW.read_text())


def test_rounds_are_summarised_as_median_with_min_and_max(raw: dict[str, Any]) -> None:
    summary = summarise(raw["load"]["scenarios"]["deep"]["runs"])
    assert summary["bff"]["rps"] == {"median": 110, "min": 100, "max": 120}
    assert summary["bff"]["rounds"] == 3
    # 13 CPU seconds over 13 s of wall time, for 10 warm-up + rps*10 measured requests.
    assert summary["bff"]["cpuCores"]["median"] == pytest.approx(1.0)
    assert summary["bff"]["cpuMsPerRequest"]["median"] == pytest.approx(13000 / 1110)
    assert summary["bff"]["peakRssMiB"] == 60
    assert "cpuSeconds" not in raw["load"]["scenarios"]["deep"]["runs"][3]  # the floor
    assert summary["floor"]["cpuCores"]["median"] is None


def test_wrong_answers_count_in_warm_up_and_measurement(raw: dict[str, Any]) -> None:
    summary = summarise(raw["load"]["scenarios"]["deep"]["runs"])
    assert summary["hive"]["mismatches"] == 1
    assert summary["apollo"]["mismatches"] == 2
    assert summary["bff"]["mismatches"] == 0


def test_targets_are_judged_on_medians(raw: dict[str, Any]) -> None:
    scenario = raw["load"]["scenarios"]["deep"]
    rows = {
        row["target"]: row
        for row in targets(
            summarise(scenario["runs"]), summarise(scenario["unloaded"]), raw["coldStart"]
        )
    }
    assert rows["throughput >= Hive Gateway's"]["met"] is True  # 110 vs 80
    assert rows["throughput >= 2x Apollo Gateway's"]["met"] is True  # 110 vs 2 x 45
    assert rows["p99 <= Hive Gateway's"]["met"] is True
    assert rows["p50 <= 1.5x the floor's (under load)"]["met"] is True  # 40 vs 30
    assert rows["p50 <= 1.5x the floor's (1 connection)"]["met"] is False  # 25 vs 15
    assert rows["cold start < 500 ms (Lambda handler)"]["met"] is True
    assert rows["cold start < 500 ms (bff serve)"]["met"] is False


def test_a_contender_without_data_is_not_judged(raw: dict[str, Any]) -> None:
    runs = [run for run in raw["load"]["scenarios"]["deep"]["runs"] if run["contender"] != "hive"]
    rows = {row["target"]: row for row in targets(summarise(runs), {}, None)}
    assert rows["throughput >= Hive Gateway's"] == {
        "target": "throughput >= Hive Gateway's",
        "measured": "no data",
        "met": None,
    }


def test_markdown_report_shows_spread_ratios_targets_and_setup(raw: dict[str, Any]) -> None:
    text = render_markdown(raw)
    assert "| bff | 110.0 (100.0-120.0) |" in text
    assert "| hive | 80.0 (70.0-90.0) |" in text
    assert "| 0.73x |" in text  # hive's rps divided by ours
    assert "apollo DIFFERS" in text
    assert "| throughput >= Hive Gateway's | 110.0 vs 80.0 rps (1.38x) | yes |" in text
    assert "| cold start < 500 ms (bff serve) | 900 ms (median) | **no** |" in text
    assert "`make bench`" in text
    assert "| `bff.handler` | 300 | 380 | aiohttp 120, graphql 80 |" in text
    assert "| deep | 0.500 | 2.000 | 1.500 | 5.000 |" in text


def test_chart_is_a_png(raw: dict[str, Any], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "chart.png"
    write_chart(raw, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
