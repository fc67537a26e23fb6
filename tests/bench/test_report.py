"""The report: rounds summarised with their spread, ratios to ours, targets judged, chart drawn."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bench.report import (
    one_connection_breakdown,
    render_markdown,
    summarise,
    targets,
    usage_cost,
    write_chart,
)

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
    floor = [run for run in raw["load"]["scenarios"]["deep"]["runs"] if run["contender"] == "floor"]
    assert not any("cpuSeconds" in run for run in floor)
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
            summarise(scenario["runs"]),
            summarise(scenario["unloaded"]),
            raw["coldStart"],
            scenario["firstAnswers"],
        )
    }
    # 13000 ms / 1110 requests against 6000 ms / 2510: 4.9x, above 1.5x.
    cpu = rows["CPU ms per request <= 1.5x Grafbase's, both without de-dup"]
    assert cpu["met"] is False
    # The run has no bff-no-dedup contender: ours as it ran, and the figure says so.
    assert cpu["measured"] == "bff 11.71 vs grafbase 2.39 ms (4.90x)"
    assert rows["p50 at one connection <= 1.5x the floor's"]["met"] is False  # 25 vs 15
    plan = rows["the deep query's plan sends <= 7 subgraph requests"]
    assert plan == {
        "target": "the deep query's plan sends <= 7 subgraph requests",
        "measured": "13 requests",
        "met": False,
    }
    # 110 vs 110 rps: equal is enough; 110 vs 0.5 x 250 is not.
    assert rows["throughput >= Hive Gateway + Rust planner's, both with de-dup"]["met"] is True
    assert rows["throughput >= 0.5x Grafbase's, both without de-dup"]["met"] is False
    assert rows["Lambda handler cold start <= 500 ms"]["met"] is True  # 450 ms
    # Without a --workers contender in the run, no row is made up for it.
    assert not any("--workers" in name for name in rows)


def test_a_contender_without_data_is_not_judged(raw: dict[str, Any]) -> None:
    runs = [
        run for run in raw["load"]["scenarios"]["deep"]["runs"] if run["contender"] != "grafbase"
    ]
    rows = {row["target"]: row for row in targets(summarise(runs), {}, None)}
    name = "throughput >= 0.5x Grafbase's, both without de-dup"
    assert rows[name] == {"target": name, "measured": "no data", "met": None}
    assert rows["the deep query's plan sends <= 7 subgraph requests"]["met"] is None


def test_subgraph_requests_per_query_are_counted_over_warm_up_and_measurement(
    raw: dict[str, Any],
) -> None:
    summary = summarise(raw["load"]["scenarios"]["deep"]["runs"])
    assert summary["bff"]["subgraphRequestsPerQuery"]["median"] == pytest.approx(13)
    assert summary["hive-router-dedup"]["subgraphRequestsPerQuery"]["median"] == 5
    assert summary["hive"]["subgraphRequestsPerQuery"]["median"] is None  # not counted


def test_markdown_report_shows_spread_ratios_targets_and_setup(raw: dict[str, Any]) -> None:
    text = render_markdown(raw)
    assert "| bff | 110.0 (100.0-120.0) |" in text
    assert "| hive | 80.0 (70.0-90.0) |" in text
    assert "| 0.73x |" in text  # hive's rps divided by ours
    assert "apollo DIFFERS" in text
    assert (
        "| throughput >= Hive Gateway + Rust planner's, both with de-dup "
        "| bff 110.00 vs hive-router-dedup 110.00 rps (1.00x) | yes |" in text
    )
    assert "| the deep query's plan sends <= 7 subgraph requests | 13 requests | **no** |" in text
    assert "| Lambda handler cold start <= 500 ms | 450 ms (median) | yes |" in text
    assert "bff agrees (13)" in text  # subgraph requests of one query alone
    # The profile's shares, and what they are of the CPU per request measured with it.
    assert "| merge/shape | 40.0% | 2.00 |" in text
    assert "| garbage collector | 10.0% | 0.50 |" in text
    assert "`make bench`" in text
    assert "| `bff.handler` | 300 | 380 | aiohttp 120, graphql 80 |" in text
    assert "| deep | 0.500 | 2.000 | 1.500 | 5.000 |" in text


def test_chart_is_a_png(raw: dict[str, Any], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "chart.png"
    write_chart(raw, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_targets_without_de_dup_use_our_no_de_dup_contender(raw: dict[str, Any]) -> None:
    scenario = raw["load"]["scenarios"]["deep"]
    runs = list(scenario["runs"])
    for run in scenario["runs"]:
        if run["contender"] == "bff":
            # The same load with every planned request sent: more CPU, more subgraph requests.
            runs.append({**run, "contender": "bff-no-dedup", "cpuSeconds": 26.0, "rps": 60})
    first = {**scenario["firstAnswers"], "bff-no-dedup": {"subgraphRequests": 7}}
    rows = {
        row["target"]: row
        for row in targets(summarise(runs), summarise(scenario["unloaded"]), None, first)
    }
    cpu = rows["CPU ms per request <= 1.5x Grafbase's, both without de-dup"]
    assert cpu["measured"].startswith("bff-no-dedup 23.42 vs grafbase 2.39 ms")
    low = rows["throughput >= 0.5x Grafbase's, both without de-dup"]
    assert low["measured"].startswith("bff-no-dedup 60.00 vs grafbase 250.00 rps")
    # De-dup on both sides: ours as it runs by default.
    hive = rows["throughput >= Hive Gateway + Rust planner's, both with de-dup"]
    assert hive["measured"].startswith("bff 110.00 vs hive-router-dedup")
    # The plan's count is the one query sent without de-dup.
    assert rows["the deep query's plan sends <= 7 subgraph requests"]["met"] is True


def test_usage_recording_on_and_off_are_compared_on_the_deep_query(raw: dict[str, Any]) -> None:
    scenario = raw["load"]["scenarios"]["deep"]
    assert usage_cost(scenario) == []  # a run without the recording contender: no section
    assert "Schema usage recording" not in render_markdown(raw)
    for runs in (scenario["runs"], scenario["unloaded"]):
        for run in list(runs):
            if run["contender"] == "bff":
                slower = {**run["latencyMs"], "p50": run["latencyMs"]["p50"] * 1.1}
                runs.append({**run, "contender": "bff-usage", "latencyMs": slower})
                if "cpuSeconds" in run:
                    runs[-1]["cpuSeconds"] = run["cpuSeconds"] * 1.05
    scenario["micro"]["recordUsageMs"] = 0.004
    raw["load"]["usageRecorded"] = {"bff-usage": 3000}
    off, on, ratio = usage_cost(scenario)
    assert off["recording"] == "off (`bff`)" and on["recording"] == "on (`bff-usage`)"
    assert on["rps"] == off["rps"] == 110
    assert on["p50OneConnection"] == pytest.approx(27.5)  # 25 ms off, one connection
    assert ratio["cpuMsPerRequest"] == pytest.approx(1.05)
    assert ratio["p50"] == pytest.approx(1.1)
    text = render_markdown(raw)
    assert "### Schema usage recording on and off (issue 15)" in text
    assert "Its table counted 3000 recorded queries by the end of the run" in text
    assert "recording one deep query takes 4.0 µs" in text
    assert "| on / off | 1.00x | 1.10x | 1.00x | 1.05x | 1.10x |" in text
    # Its rows sit next to ours in the deep query's tables.
    assert text.index("| bff | 110.0") < text.index("| bff-usage | 110.0")


def test_the_one_connection_p50_is_broken_down_from_the_same_run(raw: dict[str, Any]) -> None:
    scenario = raw["load"]["scenarios"]["deep"]
    found = one_connection_breakdown(scenario, raw)
    assert found is not None
    # bff: p50 25 ms, floor 15 ms; 3 CPU seconds for 400 + 10 warm-up requests.
    assert found["floor"] == 15 and found["overFloor"] == 10
    assert found["cpu"] == pytest.approx(3000 / 410)
    assert found["execute"] == 3.0  # the in-process micro-benchmark
    assert found["cpuOutsideExecute"] == pytest.approx(3000 / 410 - 3.0)
    assert found["rest"] == pytest.approx(25 - 15 - 3000 / 410)
    assert found["smallOverFloor"] is None  # this run has no one-subgraph query
    text = render_markdown(raw)
    assert "### Where the time goes at one connection (deep query)" in text
    assert "| gateway CPU per request | 7.32 |" in text
    assert "| rest: the client's hop, scheduling | 2.68 |" in text
    assert "the target (1.5x the floor: 22.50 ms) leaves 7.50 ms" in text
    assert "| - of which the rest | 4.32 |" in text  # CPU - execute
    # With the whole request timed in process too, the CPU splits three ways.
    scenario["micro"]["requestRecordedMs"] = 4.0
    text = render_markdown(raw)
    assert "| - of which executing the plan | 3.00 |" in text
    assert "| - of which the request around it | 1.00 |" in text
    assert "| - of which the HTTP server, sockets and event loop | 3.32 |" in text
    assert "| - of which the rest |" not in text
    # And the subgraph client's own code per call, times the plan's calls (16 here).
    scenario["micro"]["subgraphCallMs"] = 0.1
    text = render_markdown(raw)
    assert "| - of which the subgraph client's code | 1.60 |" in text
    assert "| - of which the HTTP server, sockets and event loop | 1.72 |" in text
    # Without our CPU (or the floor) in the pass there is nothing to break down.
    for run in scenario["unloaded"]:
        run.pop("cpuSeconds", None)
    assert one_connection_breakdown(scenario, raw) is None
    assert "Where the time goes at one connection" not in render_markdown(raw)


def one_connection_profile() -> dict[str, Any]:
    """raw.json's `profileOneConnection` as bench/profile.py writes it."""
    return {
        "samples": 1000,
        "idleSamples": 600,
        "stages": {"syscalls (socket write and read, epoll_ctl)": 0.5, "merge/shape": 0.25},
        "heaviestFunctions": [
            {"frame": "_Connection.exchange (bff/execution/connection_pool.py:210)", "share": 0.3}
        ],
        "command": "py-spy record --native --rate 100 (bench/profile.py)",
        "seconds": 10,
        "connections": 1,
        "rps": 30.0,
        "p50": 30.0,
        "mismatches": 0,
        "cpuCores": 0.5,
        "expectedSamples": 500.0,
        "cpuMsPerRequest": 8.0,
        "collapsedStacks": "bench/.work/profile-deep-1-100.txt",
    }


def test_the_one_connection_profile_sits_beside_the_breakdown(raw: dict[str, Any]) -> None:
    raw["profileOneConnection"] = one_connection_profile()
    text = render_markdown(raw)
    section = text[text.index("### Where the time goes at one connection") :]
    assert "#### Its profile: py-spy at one connection" in section
    # Shares times our CPU per request in the unprofiled pass (3000 ms / 410 requests), and
    # times the CPU per request while sampled.
    assert (
        "| stage | share of samples | ms per request at one connection (7.32 ms CPU) "
        "| ms per request while sampled (8.00 ms CPU) |\n| --- | --- | --- | --- |" in section
    )
    assert "| syscalls (socket write and read, epoll_ctl) | 50.0% | 3.66 | 4.00 |" in section
    assert "| merge/shape | 25.0% | 1.83 | 2.00 |" in section
    assert "- 30.0% `_Connection.exchange (bff/execution/connection_pool.py:210)`" in section
    # How samples were counted: blocked threads left out, the rest against /proc's CPU.
    assert "1000 samples of threads running or ready to run" in section
    assert "600 samples of threads blocked waiting" in section
    assert "accounts for 500 samples: the other 500 are moments a thread was ready" in section
    assert "p50 30.00 ms while sampled, 25.00 ms in the pass above" in section
    # How far the target is missed; this run has no one-subgraph query to take the hop from.
    assert "The target is missed by 2.50 ms (p50 25.00 ms against 1.5x the floor, 22.50 ms)" in (
        section
    )
    assert "Our CPU per request at one connection is 7.32 ms, of which syscalls" in section
    assert "That CPU alone would fit; the other 2.68 ms over the floor" in section


def test_what_would_have_to_shrink_leaves_out_the_hop_any_query_pays(
    raw: dict[str, Any],
) -> None:
    raw["profileOneConnection"] = one_connection_profile()
    small = copy.deepcopy(raw["load"]["scenarios"]["deep"])
    raw["load"]["scenarios"]["small"] = small

    def small_p50(ours: float) -> None:
        for run in small["unloaded"]:
            run["latencyMs"]["p50"] = {"bff": ours, "floor": 14}.get(run["contender"], 20)

    # The one-subgraph query in the same pass: 20 ms against its floor's 14.
    small_p50(20)
    text = render_markdown(raw)
    assert (
        "it leaves 7.50 ms over the floor, of which the client's hop and a request's fixed work "
        "take 6.00 ms" in text
    )
    # Over the floor and the fixed work the gateway adds 25 - 15 - 6 = 4.00 ms; 1.50 fit.
    assert "the gateway adds 4.00 ms to the p50, and the target needs it down to 1.50 ms" in text
    assert "would have to shrink to 1.50 ms (4.9x less)" in text
    # A hop and fixed work over the whole margin: no gateway CPU could meet the target.
    small_p50(22)
    assert "Even a gateway spending no CPU on the deep query would miss it." in render_markdown(raw)


def test_a_profile_that_did_not_run_is_reported_not_a_crash(raw: dict[str, Any]) -> None:
    # The fixture's run predates the one-connection pass: the section says there is none.
    text = render_markdown(raw)
    assert "No profile at one connection in this run (`--profile-one-connection 0`)." in text
    why = "py-spy is not installed (no .venv/bin/py-spy; `make bench` installs it)"
    raw["profile"] = {"error": why, "connections": 50, "seconds": 10.0}
    raw["profileOneConnection"] = {"error": why, "connections": 1, "seconds": 10.0}
    text = render_markdown(raw)
    assert f"## Where the CPU goes (our BFF, deep query)\n\nNo profile in this run: {why}" in text
    assert f"No profile at one connection in this run: {why}" in text
    # The decomposition from the load test's figures stays.
    assert "| gateway CPU per request | 7.32 |" in text
    # py-spy ran but saw no thread running.
    empty = {**one_connection_profile(), "samples": 0, "stages": {}, "heaviestFunctions": []}
    raw["profileOneConnection"] = empty
    assert "py-spy recorded no sample of a running thread" in render_markdown(raw)
    # Without the load test's one-connection pass, the profile shows alone.
    raw["profileOneConnection"] = one_connection_profile()
    raw["load"]["scenarios"]["deep"]["unloaded"] = []
    text = render_markdown(raw)
    assert "#### Its profile: py-spy at one connection" in text
    assert "| merge/shape | 25.0% | 2.00 |" in text
    assert "The target is missed" not in text
