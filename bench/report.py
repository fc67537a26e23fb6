"""The report: raw results -> `results/report.md` (tables, targets, ratios) and `results/chart.png`.

Per scenario and contender the rounds are summarised as median (min-max across rounds), so the
spread between repeats is visible next to every figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CONTENDER_ORDER = (
    "bff",
    "bff-usage",
    "bff-no-dedup",
    "bff-workers",
    "grafbase",
    "grafbase-dedup",
    "hive-router",
    "hive-router-dedup",
    "hive",
    "apollo",
    "floor",
)
OURS = "bff"
OURS_WORKERS = "bff-workers"
OURS_NO_DEDUP = "bff-no-dedup"
# `bff` with schema usage recording on (issue 15: recording must cost no measurable latency).
OURS_USAGE = "bff-usage"
# Issue 13's targets against another contender under load: (target, ours, figure, theirs, unit,
# factor, higher is better). Like is compared with like: in-flight de-dup off on both sides, or
# on on both sides.
COMPARED_WITH_OTHERS = (
    (
        "CPU ms per request <= 1.5x Grafbase's, both without de-dup",
        OURS_NO_DEDUP,
        "cpuMsPerRequest",
        "grafbase",
        "ms",
        1.5,
        False,
    ),
    (
        "throughput >= Hive Gateway + Rust planner's, both with de-dup",
        OURS,
        "rps",
        "hive-router-dedup",
        "rps",
        1.0,
        True,
    ),
    (
        "throughput >= 0.5x Grafbase's, both without de-dup",
        OURS_NO_DEDUP,
        "rps",
        "grafbase",
        "rps",
        0.5,
        True,
    ),
    (
        "throughput >= Hive Gateway + Rust planner's, both with de-dup (ours with --workers)",
        OURS_WORKERS,
        "rps",
        "hive-router-dedup",
        "rps",
        1.0,
        True,
    ),
)
# raw.json's keys of the py-spy passes (bench/profile.py): under load, over one connection.
LOADED_PROFILE = "profile"
ONE_CONNECTION_PROFILE = "profileOneConnection"
# Issue 13's bound on the subgraph requests of the deep query's plan.
MAX_DEEP_SUBGRAPH_REQUESTS = 7


def summarise(runs: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per contender: the measured figures across rounds."""
    by_contender: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_contender.setdefault(run["contender"], []).append(run)
    return {name: _summary(items) for name, items in by_contender.items()}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def spread(value: Callable[[dict[str, Any]], float | None]) -> dict[str, float | None]:
        values = [v for v in (value(run) for run in runs) if v is not None]
        if not values:
            return {"median": None, "min": None, "max": None}
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    def all_requests(run: dict[str, Any]) -> int:
        return int(run["requests"] + ((run.get("warmup") or {}).get("requests") or 0))

    def per_request_ms(seconds: float | None, run: dict[str, Any]) -> float | None:
        total = all_requests(run)
        return None if seconds is None or not total else seconds * 1000 / total

    def wrong(run: dict[str, Any]) -> int:
        warmup = run.get("warmup") or {}
        return int(run["mismatches"] + (warmup.get("mismatches") or 0))

    def subgraph_requests_per_query(run: dict[str, Any]) -> float | None:
        sent, total = run.get("subgraphRequests"), all_requests(run)
        return None if sent is None or not total else sent / total

    def failed(run: dict[str, Any]) -> int:
        warmup = run.get("warmup") or {}
        return int(
            run["non2xx"]
            + run["errors"]
            + run.get("timeouts", 0)
            + (warmup.get("non2xx") or 0)
            + (warmup.get("errors") or 0)
        )

    return {
        "rounds": len(runs),
        "rps": spread(lambda run: run["rps"]),
        "p50": spread(lambda run: run["latencyMs"]["p50"]),
        "p95": spread(lambda run: run["latencyMs"]["p95"]),
        "p99": spread(lambda run: run["latencyMs"]["p99"]),
        "cpuCores": spread(lambda run: _ratio(run.get("cpuSeconds"), run["wallSeconds"])),
        "cpuMsPerRequest": spread(lambda run: per_request_ms(run.get("cpuSeconds"), run)),
        "subgraphCpuCores": spread(
            lambda run: _ratio(run["subgraphCpuSeconds"], run["wallSeconds"])
        ),
        "subgraphCpuMsPerRequest": spread(
            lambda run: per_request_ms(run["subgraphCpuSeconds"], run)
        ),
        "subgraphRequestsPerQuery": spread(subgraph_requests_per_query),
        "loadGeneratorCpuCores": spread(
            lambda run: _ratio(run["loadGeneratorCpuSeconds"], run["wallSeconds"])
        ),
        "peakRssMiB": max((run.get("peakRssKiB") or 0) / 1024 for run in runs) or None,
        "requests": sum(all_requests(run) for run in runs),
        "mismatches": sum(wrong(run) for run in runs),
        "failures": sum(failed(run) for run in runs),
    }


def _ratio(numerator: float | None, denominator: float) -> float | None:
    return None if numerator is None or not denominator else numerator / denominator


def targets(
    summary: dict[str, dict[str, Any]],
    unloaded: dict[str, dict[str, Any]],
    cold_start: dict[str, Any] | None,
    first_answers: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Issue 13's targets on the deep query, each with the measured values and a verdict
    (None when a figure is missing, e.g. no request finished or a contender did not run)."""
    rows: list[dict[str, Any]] = []

    def figure(source: dict[str, dict[str, Any]], contender: str, key: str) -> float | None:
        row = source.get(contender)
        return None if row is None else row[key]["median"]

    def add(
        name: str,
        source: dict[str, dict[str, Any]],
        ours: str,
        other: str,
        key: str,
        unit: str,
        factor: float,
        higher: bool,
    ) -> None:
        a, b = figure(source, ours, key), figure(source, other, key)
        if a is None or b is None:
            rows.append({"target": name, "measured": "no data", "met": None})
            return
        met = a >= factor * b if higher else a <= factor * b
        measured = f"{ours} {a:.2f} vs {other} {b:.2f} {unit} ({_x(a, b)})"
        rows.append({"target": name, "measured": measured, "met": met})

    for name, ours, key, other, unit, factor, higher in COMPARED_WITH_OTHERS:
        if ours == OURS_WORKERS and ours not in summary:
            continue  # a run without that contender
        # A run without the no-de-dup contender: ours as it ran, named in the figure.
        add(name, summary, ours if ours in summary else OURS, other, key, unit, factor, higher)
    add(
        "p50 at one connection <= 1.5x the floor's",
        unloaded,
        OURS,
        "floor",
        "p50",
        "ms",
        1.5,
        higher=False,
    )
    # The plan's own count: one query alone, without de-dup where that contender ran.
    plan_of = OURS_NO_DEDUP if OURS_NO_DEDUP in (first_answers or {}) else OURS
    sent = ((first_answers or {}).get(plan_of) or {}).get("subgraphRequests")
    rows.append(
        {
            "target": f"the deep query's plan sends <= {MAX_DEEP_SUBGRAPH_REQUESTS} subgraph "
            "requests",
            "measured": "no data" if sent is None else f"{sent} requests",
            "met": None if sent is None else sent <= MAX_DEEP_SUBGRAPH_REQUESTS,
        }
    )
    if cold_start:
        value = cold_start["lambdaHandlerMs"]["median"]
        rows.append(
            {
                "target": "Lambda handler cold start <= 500 ms",
                "measured": f"{value:.0f} ms (median)",
                "met": value <= 500,
            }
        )
    return rows


def _x(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:.2f}x"


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _cell(spread: dict[str, float | None], digits: int = 1) -> str:
    if spread["median"] is None:
        return "-"
    low, high = _fmt(spread["min"], digits), _fmt(spread["max"], digits)
    return f"{_fmt(spread['median'], digits)} ({low}-{high})"


def render_markdown(raw: dict[str, Any]) -> str:
    lines: list[str] = ["# Benchmark report", ""]
    settings = raw["settings"]
    machine = raw["machine"]
    lines += [
        f"Generated {raw['finishedAt']} by `{raw['command']}` in {raw['elapsedSeconds']:.0f} s.",
        "",
        "## Setup",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memoryGiB']:.1f} GiB; "
        f"{machine['os']}; Python {machine['python']}, Node {machine['node']}.",
        f"- Load average (1 min) at start {machine['loadAtStart']:.2f}, at end "
        f"{machine['loadAtEnd']:.2f}: the machine is shared, so absolute numbers move between "
        "runs; contenders are interleaved so they share the same conditions.",
        f"- Load: autocannon, {settings['connections']} connections, "
        f"{settings['warmupSeconds']:g} s warm-up then {settings['durationSeconds']:g} s measured "
        f"(deep query; the others half of both), {settings['rounds']} rounds, contenders "
        "interleaved (each contender in the order of the tables, then again). Every response "
        "is checked: its canonical JSON must hash to the expected answer's; a wrong body "
        "counts as a mismatch, not a success.",
        "- Contenders: "
        + "; ".join(f"`{name}` = {label}" for name, label in raw["load"]["contenders"].items())
        + ".",
        f"- Node packages: {', '.join(f'{k} {v}' for k, v in machine['nodePackages'].items())}.",
        "- Subgraphs: one Node process each (`@apollo/subgraph` buildSubgraphSchema behind "
        "`node:http`); the first answer to each exact request body is executed, then served "
        "from a cache of response bytes. The three-service query runs on fakes of our "
        "students/lessons/analytics services: their real SDL (`_service { sdl }`), fixed data.",
        f"- Supergraph: {raw['load']['supergraph']['composedBy']}, all "
        f"{len(raw['load']['supergraph']['subgraphs'])} subgraphs in one supergraph, loaded by "
        f"{', '.join(raw['load']['supergraph']['loadedBy'])}"
        + (
            f"; {', '.join(itself)} compose the same subgraph SDL files themselves."
            if (itself := raw["load"]["supergraph"].get("composedByItself"))
            else "."
        ),
        "",
    ]
    for name, scenario in raw["load"]["scenarios"].items():
        lines += _scenario_section(name, scenario, raw)
        if name == "deep":
            lines += _usage_section(scenario, raw)
    lines += _profile_section(raw)
    lines += _cold_start_section(raw)
    lines += _micro_section(raw)
    lines += _planning_section(raw)
    return "\n".join(lines) + "\n"


def _planning_section(raw: dict[str, Any]) -> list[str]:
    planning = raw.get("planning")
    if planning is None:
        return []
    return [
        "## Planning: subgraphs sharing one type",
        "",
        f"{planning['subgraphs']} subgraphs share `Node` (`left`/`right` `@shareable`, one leaf "
        f"field each); a {planning['operationBytes']}-byte nested operation selects leaves of "
        f"all of them (tests/bff/planning/fixtures/shared-tree). Planned "
        f"{planning['repeats']} times on fresh planners.",
        "",
        "| median plan ms | worst plan ms | fetches in the plan |",
        "| ---: | ---: | ---: |",
        f"| {planning['planMs']:.1f} | {planning['worstPlanMs']:.1f} | {planning['fetches']} |",
        "",
    ]


def _scenario_section(name: str, scenario: dict[str, Any], raw: dict[str, Any]) -> list[str]:
    summary = summarise(scenario["runs"])
    agreement = ", ".join(
        f"{gateway} {'agrees' if first['matchesExpected'] else 'DIFFERS'}"
        + (f" ({first['subgraphRequests']})" if "subgraphRequests" in first else "")
        for gateway, first in scenario["firstAnswers"].items()
    )
    lines = [
        f"## {scenario['title']}",
        "",
        f"Answer {scenario['answerBytes'] / 1024:.1f} KB; first answers vs ours (subgraph "
        f"requests that one query sent alone): {agreement}. "
        f"Floor: {scenario['floorRequests']} subgraph requests per query, "
        f"`{scenario['floorPlan']}`.",
        "",
        "| contender | rps | p50 ms | p95 ms | p99 ms | CPU cores | CPU ms/req | peak RSS MiB "
        "| subgraph CPU cores | subgraph requests/query | rps vs ours | p99 vs ours "
        "| mismatches | failures |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    ours = summary.get(OURS)
    for contender in CONTENDER_ORDER:
        row = summary.get(contender)
        if row is None:
            continue
        rps_ratio = _x(row["rps"]["median"], ours["rps"]["median"]) if ours else "-"
        p99_ratio = _x(row["p99"]["median"], ours["p99"]["median"]) if ours else "-"
        lines.append(
            f"| {contender} | {_cell(row['rps'])} | {_cell(row['p50'])} | {_cell(row['p95'])} "
            f"| {_cell(row['p99'])} | {_cell(row['cpuCores'], 2)} "
            f"| {_cell(row['cpuMsPerRequest'], 2)} | {_fmt(row['peakRssMiB'], 0)} "
            f"| {_cell(row['subgraphCpuCores'], 2)} | {_cell(row['subgraphRequestsPerQuery'], 1)} "
            f"| {rps_ratio} | {p99_ratio} "
            f"| {row['mismatches']} | {row['failures']} |"
        )
    lines += [
        "",
        "Figures are median (min-max) over rounds. CPU is the contender's process tree "
        "(utime+stime from /proc over warm-up and measurement); the floor has no gateway, its "
        "load generator's CPU is "
        f"{_cell(summary['floor']['loadGeneratorCpuCores'], 2) if 'floor' in summary else '-'} "
        "cores. Subgraph requests/query: requests the subgraphs received during the run "
        "divided by the contender's answered queries (below the plan's count when identical "
        "in-flight subgraph requests are de-duplicated). Ratios: rps and p99 of each contender "
        "divided by ours.",
        "",
    ]
    unloaded = summarise(scenario.get("unloaded") or [])
    if unloaded:
        lines += [
            "Latency without queueing (one connection, one round):",
            "",
            "| contender | rps | p50 ms | p95 ms | p99 ms | p50 vs floor | mismatches |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        floor_p50 = unloaded["floor"]["p50"]["median"] if "floor" in unloaded else None
        for contender in CONTENDER_ORDER:
            row = unloaded.get(contender)
            if row is None:
                continue
            lines.append(
                f"| {contender} | {_fmt(row['rps']['median'])} | {_fmt(row['p50']['median'], 2)} "
                f"| {_fmt(row['p95']['median'], 2)} | {_fmt(row['p99']['median'], 2)} "
                f"| {_x(row['p50']['median'], floor_p50)} | {row['mismatches']} |"
            )
        lines.append("")
    if name == "deep":
        rows = targets(summary, unloaded, raw.get("coldStart"), scenario["firstAnswers"])
        lines += ["### Targets (issue 13)", "", "| target | measured | met |"]
        lines.append("| --- | --- | --- |")
        for row in rows:
            verdict = {True: "yes", False: "**no**", None: "-"}[row["met"]]
            lines.append(f"| {row['target']} | {row['measured']} | {verdict} |")
        lines.append("")
        lines += _one_connection_section(scenario, raw)
    return lines


def one_connection_breakdown(
    scenario: dict[str, Any], raw: dict[str, Any]
) -> dict[str, float | None] | None:
    """Where our p50 at one connection goes, from figures of the same run (ms): the floor
    (the plan's subgraph round trips, no gateway), our CPU per request in that pass (/proc),
    the in-process part of it (the `execute` micro-benchmark), and what is left: the client's
    hop to the gateway and the loop's scheduling, less any CPU spent while a subgraph was
    answering. None when the pass lacks ours, the floor or our CPU."""
    unloaded = summarise(scenario.get("unloaded") or [])
    ours, floor = unloaded.get(OURS), unloaded.get("floor")
    if ours is None or floor is None:
        return None
    p50, floor_p50 = ours["p50"]["median"], floor["p50"]["median"]
    cpu = ours["cpuMsPerRequest"]["median"]
    if p50 is None or floor_p50 is None or cpu is None:
        return None
    micro = scenario.get("micro") or {}
    execute, request = micro.get("executeRecordedMs"), micro.get("requestRecordedMs")
    call, calls = micro.get("subgraphCallMs"), micro.get("subgraphRequests")
    client = None if call is None or calls is None else call * calls
    loaded = summarise(scenario["runs"]).get(OURS)
    # The same pass on the one-subgraph query: what a request costs over its single round
    # trip (the hop, the HTTP server, a request's fixed work), whatever the plan.
    small = summarise(((raw["load"]["scenarios"].get("small") or {}).get("unloaded")) or [])
    small_ours, small_floor = small.get(OURS), small.get("floor")
    fixed = (
        small_ours["p50"]["median"] - small_floor["p50"]["median"]
        if small_ours and small_floor
        else None
    )
    grafbase = unloaded.get("grafbase")
    grafbase_sent = (scenario["firstAnswers"].get("grafbase") or {}).get("subgraphRequests")
    return {
        "p50": p50,
        "floor": floor_p50,
        "overFloor": p50 - floor_p50,
        "target": 1.5 * floor_p50,
        "cpu": cpu,
        "cpuUnderLoad": None if loaded is None else loaded["cpuMsPerRequest"]["median"],
        "execute": execute,
        "aroundExecute": None if request is None or execute is None else request - execute,
        "cpuOutsideRequest": None if request is None else cpu - request,
        "subgraphClient": client,
        "subgraphCalls": calls,
        "cpuOutsideExecute": None if execute is None else cpu - execute,
        "rest": p50 - floor_p50 - cpu,
        "smallOverFloor": fixed,
        "grafbaseP50": None if grafbase is None else grafbase["p50"]["median"],
        "grafbaseRequests": grafbase_sent,
    }


def _one_connection_section(scenario: dict[str, Any], raw: dict[str, Any]) -> list[str]:
    found = one_connection_breakdown(scenario, raw)
    if found is None:
        if raw.get(ONE_CONNECTION_PROFILE) is None:
            return []
        heading = "### Where the time goes at one connection (deep query)"
        return [heading, "", *_one_connection_profile(raw, None)]
    rows = [
        (f"p50 at one connection (`{OURS}`)", found["p50"], "the load generator, one connection"),
        (
            "floor: the plan's subgraph round trips",
            found["floor"],
            f"p50 of the floor's pass: the {scenario['floorRequests']} planned requests "
            f"(`{scenario['floorPlan']}`) replayed without a gateway",
        ),
        (
            "gateway CPU per request",
            found["cpu"],
            f"utime+stime of `{OURS}` over the one-connection pass (warm-up included) divided "
            "by its requests",
        ),
    ]
    if found["execute"] is not None:
        rows.append(
            (
                "- of which executing the plan",
                found["execute"],
                "micro-benchmark `execute` (in process): decoding the recorded answers, entity "
                "batching, merging, shaping",
            )
        )
    if found["aroundExecute"] is not None:
        rows += [
            (
                "- of which the request around it",
                found["aroundExecute"],
                "micro-benchmark `request` - `execute` (in process, the ASGI app on the same "
                "answers): the body read, the request's checks, the operation cache, encoding "
                "the answer",
            ),
        ]
        if found["subgraphClient"] is not None:
            rows += [
                (
                    "- of which the subgraph client's code",
                    found["subgraphClient"],
                    f"micro-benchmark `subgraph call` x {found['subgraphCalls']} calls (in "
                    "process: in-flight sharing, breaker, retries, deadline, down to a pool "
                    "that answers at once; its small answer's decoding is in `execute` too)",
                ),
                (
                    "- of which the HTTP server, sockets and event loop",
                    found["cpuOutsideRequest"] - found["subgraphClient"],
                    "CPU - `request` - the subgraph client's code: uvicorn and httptools, the "
                    "connection pool, the syscalls, the loop's wake-ups",
                ),
            ]
        else:
            rows.append(
                (
                    "- of which the HTTP server, sockets and event loop",
                    found["cpuOutsideRequest"],
                    "CPU - `request`: uvicorn and httptools, the subgraph client, its syscalls, "
                    "the loop's wake-ups",
                )
            )
    elif found["execute"] is not None:
        rows.append(
            (
                "- of which the rest",
                found["cpuOutsideExecute"],
                "CPU - execute: HTTP server, subgraph client and sockets, event loop, "
                "encoding the answer, the request's checks",
            )
        )
    rows.append(
        (
            "rest: the client's hop, scheduling",
            found["rest"],
            "p50 - floor - CPU; below zero when some CPU ran while a subgraph was answering "
            "(a parallel stage's later requests are written while the first is in flight)",
        )
    )
    lines = [
        "### Where the time goes at one connection (deep query)",
        "",
        "| part | ms | measured as |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| {name} | {_fmt(value, 2)} | {how} |" for name, value, how in rows]
    cpu_share = found["cpu"] / found["overFloor"] if found["overFloor"] > 0 else None
    notes = [
        f"Our p50 is {found['overFloor']:.2f} ms over the floor; the target (1.5x the floor: "
        f"{found['target']:.2f} ms) leaves {found['target'] - found['floor']:.2f} ms for the "
        "client's hop and all of the gateway's work."
    ]
    if cpu_share is not None:
        notes.append(
            f"The gateway's CPU per request alone is {cpu_share:.0%} of the time over the "
            "floor: at one connection its CPU is on the path, so cutting it is what lowers "
            "this p50."
        )
    if found["cpuUnderLoad"] is not None:
        notes.append(
            f"Under load the same process needs {found['cpuUnderLoad']:.2f} ms per request "
            "(at one connection every request wakes the loop up for each of its round trips "
            "alone; under load one loop turn serves many)."
        )
    if found["smallOverFloor"] is not None:
        left = found["target"] - found["floor"] - found["smallOverFloor"]
        notes.append(
            f"The one-subgraph query's p50 is {found['smallOverFloor']:.2f} ms over its floor "
            "in the same pass: the client's hop, the HTTP server and a request's fixed work, "
            f"which any plan pays; that leaves {left:.2f} ms for everything the deep query's "
            f"plan adds, against {found['cpu']:.2f} ms of CPU per request."
        )
    if found["grafbaseP50"] is not None:
        sent = found["grafbaseRequests"]
        notes.append(
            f"Grafbase's p50 is {found['grafbaseP50']:.2f} ms "
            f"({found['grafbaseP50'] / found['floor']:.2f}x this floor"
            + (f", sending {sent} subgraph requests per query" if sent is not None else "")
            + "): a Rust gateway is well over this floor too."
        )
    return [*lines, "", " ".join(notes), "", *_one_connection_profile(raw, found)]


def _one_connection_profile(raw: dict[str, Any], found: dict[str, Any] | None) -> list[str]:
    """The py-spy pass over one connection (raw `profileOneConnection`): its stages with ms per
    request, and what would have to shrink for the target; what is missing when it did not run."""
    heading = ["#### Its profile: py-spy at one connection", ""]
    profile = raw.get(ONE_CONNECTION_PROFILE)
    if profile is None:
        return [
            *heading,
            "No profile at one connection in this run (`--profile-one-connection 0`).",
            "",
        ]
    if (missing := _why_no_profile(profile)) is not None:
        return [*heading, f"No profile at one connection in this run: {missing}", ""]
    cpu = None if found is None else found["cpu"]
    sampled_cpu = profile["cpuMsPerRequest"]
    counted = _how_samples_compare(profile)
    lines = [
        *heading,
        f"`{profile['command']}` on `bff serve` for {profile['seconds']:g} s while the load "
        f"generator sends the deep query over one connection ({profile['rps']:.0f} rps, p50 "
        f"{_fmt(profile.get('p50'), 2)} ms while sampled"
        + (f", {found['p50']:.2f} ms in the pass above" if found else "")
        + ": each sample stops the process to unwind its stacks). How samples were counted: "
        f"{profile['samples']} samples of threads running or ready to run, charged to the "
        "innermost frame of a stage (bench/profile.py); "
        f"{profile.get('idleSamples', 0)} samples of threads blocked waiting (the event loop in "
        "epoll for a subgraph's or the client's bytes, the thread pool on its queue) left out: "
        "py-spy is meant to skip idle threads but lets some through. " + counted,
        "",
    ]
    header = "| stage | share of samples |"
    if cpu is not None:
        header += f" ms per request at one connection ({cpu:.2f} ms CPU) |"
    header += f" ms per request while sampled ({_fmt(sampled_cpu, 2)} ms CPU) |"
    lines += [header, "| --- " * (header.count("|") - 1) + "|"]
    for stage, share in profile["stages"].items():
        row = f"| {stage} | {share * 100:.1f}% |"
        if cpu is not None:
            row += f" {share * cpu:.2f} |"
        row += f" {'-' if sampled_cpu is None else f'{share * sampled_cpu:.2f}'} |"
        lines.append(row)
    lines += _heaviest_functions(profile)
    if found is not None:
        lines += [_what_would_have_to_shrink(found, profile["stages"]), ""]
    return lines


def _why_no_profile(profile: dict[str, Any]) -> str | None:
    """Why a py-spy pass has no breakdown (it failed, or saw no thread running); None if it has."""
    if "error" in profile:
        return str(profile["error"])
    if not profile["samples"]:
        return "py-spy recorded no sample of a running thread."
    return None


def _heaviest_functions(profile: dict[str, Any]) -> list[str]:
    lines = ["", "Heaviest functions (innermost Python frame):", ""]
    lines += [
        f"- {item['share'] * 100:.1f}% `{item['frame']}`" for item in profile["heaviestFunctions"]
    ]
    return [*lines, ""]


def _how_samples_compare(profile: dict[str, Any]) -> str:
    """The samples kept against those the process's CPU (/proc, same seconds) accounts for."""
    expected, samples = profile.get("expectedSamples"), profile["samples"]
    if not expected:
        return ""
    text = (
        f"The process's CPU over those seconds ({_fmt(profile.get('cpuCores'), 2)} cores, /proc) "
        f"accounts for {expected:.0f} samples"
    )
    if samples > 1.1 * expected:
        return text + (
            f": the other {samples - expected:.0f} are moments a thread was ready to run without "
            "a CPU (two cores shared with the subgraphs, the load generator and py-spy), which a "
            f"sample cannot tell from CPU; shares are of all {samples}."
        )
    if samples < 0.9 * expected:
        return text + (
            f", {expected - samples:.0f} more than were kept: py-spy fell behind its rate "
            "(each stop and unwind took longer than the interval between samples)."
        )
    return text + ": the samples kept are, within 10%, the CPU the process spent."


def _what_would_have_to_shrink(found: dict[str, Any], stages: dict[str, float]) -> str:
    cpu, budget = found["cpu"], found["target"] - found["floor"]
    heaviest = ", ".join(
        f"{stage} {share * cpu:.2f} ms" for stage, share in list(stages.items())[:3]
    )
    text = (
        f"The target is missed by {found['p50'] - found['target']:.2f} ms (p50 "
        f"{found['p50']:.2f} ms against 1.5x the floor, {found['target']:.2f} ms): it leaves "
        f"{budget:.2f} ms over the floor"
    )
    if found["smallOverFloor"] is not None:
        budget -= found["smallOverFloor"]
        text += (
            f", of which the client's hop and a request's fixed work take "
            f"{found['smallOverFloor']:.2f} ms (the one-subgraph query's p50 over its floor)"
        )
    text += f". Our CPU per request at one connection is {cpu:.2f} ms, of which {heaviest}. "
    if budget <= 0:
        return text + "Even a gateway spending no CPU on the deep query would miss it."
    if cpu <= budget:
        return text + (
            f"That CPU alone would fit; the other {found['rest']:.2f} ms over the floor (the "
            "client's hop, scheduling) do not."
        )
    on_path = found["p50"] - found["target"] + budget
    return text + (
        f"Not all of it is on the path (some runs while a subgraph answers): beyond that, the "
        f"gateway adds {on_path:.2f} ms to the p50, and the target needs it down to "
        f"{budget:.2f} ms, {on_path - budget:.2f} ms less; were none of its CPU overlapped, "
        f"the CPU itself would have to shrink to {budget:.2f} ms ({cpu / budget:.1f}x less)."
    )


def usage_cost(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """Recording off (`bff`) and on (`bff-usage`): the figures issue 15 asks about, and their
    ratio on/off; empty when the run had no recording contender."""
    loaded = summarise(scenario["runs"])
    single = summarise(scenario.get("unloaded") or [])
    if OURS not in loaded or OURS_USAGE not in loaded:
        return []

    def figures(name: str) -> dict[str, float | None]:
        row, alone = loaded[name], single.get(name)
        return {
            "rps": row["rps"]["median"],
            "p50": row["p50"]["median"],
            "p99": row["p99"]["median"],
            "cpuMsPerRequest": row["cpuMsPerRequest"]["median"],
            "p50OneConnection": None if alone is None else alone["p50"]["median"],
        }

    off, on = figures(OURS), figures(OURS_USAGE)
    ratio = {key: _ratio(on[key], off[key] or 0.0) for key in off}
    return [
        {"recording": f"off (`{OURS}`)", **off},
        {"recording": f"on (`{OURS_USAGE}`)", **on},
        {"recording": "on / off", **ratio},
    ]


def _usage_section(scenario: dict[str, Any], raw: dict[str, Any]) -> list[str]:
    rows = usage_cost(scenario)
    if not rows:
        return []
    answered = summarise(scenario["runs"] + (scenario.get("unloaded") or []))[OURS_USAGE]
    recorded = (raw["load"].get("usageRecorded") or {}).get(OURS_USAGE)
    micro = (scenario.get("micro") or {}).get("recordUsageMs")
    lines = [
        "### Schema usage recording on and off (issue 15)",
        "",
        f"The deep query on `{OURS}` (no BFF table: recording off) and on `{OURS_USAGE}` (the "
        "same server recording every query's schema coordinates, flushed to the BFF table on a "
        "moto server every 5 s), run one right after the other in every round. "
        + (
            f"Its table counted {recorded} recorded queries by the end of the run, the load "
            f"generator {answered['requests']} answers from it (the table also counts readiness "
            "probes and queries in flight when a run stopped, and misses those after the last "
            "flush). "
            if recorded is not None
            else ""
        )
        + (
            f"In process, recording one deep query takes {micro * 1000:.1f} µs "
            "(micro-benchmarks below)."
            if micro is not None
            else ""
        ),
        "",
        "| recording | rps | p50 ms | p99 ms | CPU ms/req | p50 ms at one connection |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ratio = row["recording"] == "on / off"
        digits = 2
        lines.append(
            f"| {row['recording']} "
            + " ".join(
                f"| {_x(row[key], 1.0) if ratio else _fmt(row[key], digits)}"
                for key in ("rps", "p50", "p99", "cpuMsPerRequest", "p50OneConnection")
            )
            + " |"
        )
    lines.append("")
    return lines


def _profile_section(raw: dict[str, Any]) -> list[str]:
    profile = raw.get(LOADED_PROFILE)
    if not profile:
        return []
    heading = ["## Where the CPU goes (our BFF, deep query)", ""]
    if (missing := _why_no_profile(profile)) is not None:
        return [*heading, f"No profile in this run: {missing}", ""]
    cpu = profile["cpuMsPerRequest"]
    idle = profile.get("idleSamples")
    lines = [
        *heading,
        f"`{profile['command']}` on `bff serve` for {profile['seconds']:g} s under "
        f"{profile['connections']} connections ({profile['samples']} samples of running threads"
        + ("" if idle is None else f", {idle} of threads blocked waiting left out")
        + f"; {profile['rps']:.0f} rps and {_fmt(cpu, 2)} ms CPU per request while sampled, "
        "which slows the process: compare shares, not these figures, with the load test). Each "
        "sample is charged to the innermost frame of a stage (bench/profile.py); the stacks are "
        f"in `{profile['collapsedStacks']}`.",
        "",
        "| stage | share of CPU | ms per request |",
        "| --- | --- | --- |",
    ]
    for stage, share in profile["stages"].items():
        per_request = "-" if cpu is None else f"{share * cpu:.2f}"
        lines.append(f"| {stage} | {share * 100:.1f}% | {per_request} |")
    lines += _heaviest_functions(profile)
    return lines


def _cold_start_section(raw: dict[str, Any]) -> list[str]:
    cold = raw.get("coldStart")
    if not cold:
        return []
    phases = cold["lambdaPhasesMs"]
    lines = [
        "## Cold start",
        "",
        "Fresh Python process to the first answered query (`" + cold["query"] + "`), the "
        f"supergraph (version {cold['supergraphVersion']}) read from the registry table on a "
        "moto server. Median (min-max) of "
        f"{len(cold['bffServeMs']['samples'])} runs, ms:",
        "",
        "| path | spawn to first answer | import | first invocation | process CPU |",
        "| --- | --- | --- | --- | --- |",
        f"| `bff serve` (registry mode, uvicorn) | {_cell(cold['bffServeMs'], 0)} | - | - | - |",
        f"| Lambda handler (`bff.handler`, API Gateway v2 event) "
        f"| {_cell(cold['lambdaHandlerMs'], 0)} "
        f"| {_cell(cold['lambdaPhasesMs']['importMs'], 0)} "
        f"| {_cell(cold['lambdaPhasesMs']['firstInvocationMs'], 0)} "
        f"| {_cell(phases['cpuMs'], 0) if 'cpuMs' in phases else '-'} |",
        "",
    ]
    imports = raw.get("importTimes") or []
    if imports:
        lines += [
            "### Import time of each Lambda entry point",
            "",
            '`python -X importtime -c "import <module>"` with the template\'s environment '
            "(median; cumulative import of the module, and the whole interpreter run). Heaviest "
            "top-level packages below each module:",
            "",
            "| module | import ms | process ms | heaviest imports (cumulative ms) |",
            "| --- | --- | --- | --- |",
        ]
        for row in imports:
            heavy = ", ".join(f"{name} {ms:.0f}" for name, ms in row.get("heaviest", []))
            lines.append(
                f"| `{row['module']}` | {row['cumulativeImportMs']:.0f} | {row['processMs']:.0f} "
                f"| {heavy} |"
            )
        lines.append("")
    return lines


def _micro_section(raw: dict[str, Any]) -> list[str]:
    rows = [(name, s["micro"]) for name, s in raw["load"]["scenarios"].items() if "micro" in s]
    if not rows:
        return []
    lines = [
        "## Micro-benchmarks (in process, per call, ms)",
        "",
        f"Median of {raw['settings']['microRepeats']} timings of "
        f"{raw['settings']['microIterations']} calls (cache hits: 10x as many). `execute` runs "
        "the plan against recorded subgraph answers: JSON decoding, entity batching, merging "
        "and shaping, no sockets; `request` is a whole POST through the ASGI app on the same "
        "answers (no HTTP server, no sockets); `subgraph call` is one call through the "
        "transport down to a pool that answers at once.",
        "",
        "| query | parse | validate | plan | cache miss (all) | cache hit | usage recording "
        "| execute | request | subgraph call | shape | answer KB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, micro in rows:
        lines.append(
            f"| {name} | {micro['parseMs']:.3f} | {micro['validateMs']:.3f} "
            f"| {micro['planMs']:.3f} | {micro['cacheMissMs']:.3f} | {micro['cacheHitMs']:.4f} "
            f"| {micro.get('recordUsageMs', float('nan')):.4f} "
            f"| {micro['executeRecordedMs']:.3f} | {_fmt(micro.get('requestRecordedMs'), 3)} "
            f"| {_fmt(micro.get('subgraphCallMs'), 4)} | {micro['shapeMs']:.3f} "
            f"| {micro['answerBytes'] / 1024:.1f} |"
        )
    lines.append("")
    return lines


def write_chart(raw: dict[str, Any], path: Path) -> None:
    """Throughput and p99 per scenario and contender, with the spread across rounds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(raw["load"]["scenarios"].items())
    figure, axes = plt.subplots(2, len(scenarios), figsize=(6 * len(scenarios), 8), squeeze=False)
    colours = {
        "bff": "#2b7bba",
        "bff-usage": "#4292c6",
        "bff-no-dedup": "#08519c",
        "bff-workers": "#6baed6",
        "grafbase": "#d62728",
        "grafbase-dedup": "#ff9896",
        "hive-router": "#b8860b",
        "hive-router-dedup": "#e6c35c",
        "hive": "#f2a900",
        "apollo": "#7d4cdb",
        "floor": "#888888",
    }
    for column, (name, scenario) in enumerate(scenarios):
        summary = summarise(scenario["runs"])
        names = [c for c in CONTENDER_ORDER if c in summary]
        for row, (metric, label) in enumerate((("rps", "requests/s"), ("p99", "p99 latency (ms)"))):
            axis = axes[row][column]
            medians = [summary[c][metric]["median"] or 0 for c in names]
            low = [
                m - (summary[c][metric]["min"] or 0) for m, c in zip(medians, names, strict=True)
            ]
            high = [
                (summary[c][metric]["max"] or 0) - m for m, c in zip(medians, names, strict=True)
            ]
            axis.bar(names, medians, yerr=[low, high], capsize=4, color=[colours[c] for c in names])
            axis.tick_params(axis="x", labelrotation=60, labelsize=8)
            axis.set_ylabel(label)
            if row == 0:
                axis.set_title(name)
    figure.suptitle("Gateways side by side (median, bars = min-max across rounds)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
