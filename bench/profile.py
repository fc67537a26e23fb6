"""Where our BFF's CPU goes on the deep query: py-spy samples of `bff serve` (native frames
included, so the garbage collector and syscalls show), sorted into the request path's stages;
one pass under load (50 connections) and one over a single connection, where each request's CPU
is on its latency's path.

`python -m bench.profile` runs both alone; `make bench` runs them after the load test and the
report shows the breakdowns. Each sample of a thread is charged to the innermost frame that names
a stage: a frame of the collector or a socket syscall first (they run under any Python frame),
else the innermost Python or extension module of a known stage. Samples of threads blocked
waiting (the thread pool's workers on their queue, the event loop in epoll) are left out and
counted apart: py-spy's own filter lets some through. The samples kept are the moments a thread
ran or was ready to run; the process's CPU from /proc over the same seconds says how many would
be CPU alone (expectedSamples), and turns each stage's share into ms per request.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.answers import canonical_hash
from bench.load import LoadSettings, gateway_load, run_load
from bench.processes import ProcessPool
from bench.servers import (
    Gateway,
    ServedGraph,
    compose_supergraph,
    post_graphql_bytes,
    start_bff,
    start_subgraphs,
)
from bench.workload import BENCH_DIR, SCENARIOS, federation_subgraphs

PY_SPY = Path(sys.executable).parent / "py-spy"
SAMPLES_PER_SECOND = 250
# Each sample stops the process (ptrace) to unwind its native stacks: at one connection, where
# every stop lands on a request's path, fewer of them slow it down less.
ONE_CONNECTION_SAMPLES_PER_SECOND = 100
# Seconds of load before py-spy attaches and after it stops.
LOAD_MARGIN_SECONDS = 1.0
GARBAGE_COLLECTOR = "garbage collector"
SYSCALLS = "syscalls (socket write and read, epoll_ctl)"
OTHER = "other"
# (stage, markers): a frame belongs to the first stage one of whose markers it contains.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("JSON (orjson)", ("orjson", "(json/")),
    ("merge/shape", ("bff/execution/shaping", "bff/execution/merging", "bff/execution/entity")),
    ("executor", ("bff/execution/executor", "bff/execution/conditions")),
    (
        "subgraph client (aiohttp, transport)",
        ("aiohttp", "yarl", "multidict", "propcache", "aiohappyeyeballs", "bff/execution/"),
    ),
    (
        "HTTP server (uvicorn, httptools, our app)",
        ("uvicorn", "httptools", "h11", "starlette", "bff/http/"),
    ),
    (
        "plan-cache lookup, variables (gateway)",
        ("bff/gateway", "bff/planning", "bff/validation", "(graphql/"),
    ),
    ("event loop (uvloop, asyncio)", ("uvloop", "loop.c", "(asyncio/", "_asynciomodule")),
)
SYSCALL_FUNCTIONS = frozenset(
    {"write", "writev", "read", "readv", "send", "sendto", "sendmsg", "recv", "recvfrom"}
    | {"recvmsg", "epoll_ctl", "close", "getpid", "accept4"}
)
GC_FUNCTIONS = ("gc_collect_main", "gc_collect_with_callback", "collect_with_callback")
# A thread blocked waiting is not CPU the request path spent: frames of the thread pool's
# workers waiting on their queue, and an innermost frame of the event loop waiting for the
# next event. py-spy is meant to leave idle threads out itself (it asks the OS whether each
# thread is running), but that check is racy (py-spy issues 92, 279): it records some of those
# samples, at one connection many.
IDLE_MARKERS = ("_queue_SimpleQueue_get_impl", "PyThread_acquire_lock_timed")
WAIT_FUNCTIONS = frozenset({"epoll_wait", "epoll_pwait", "epoll_pwait2", "clock_nanosleep"})


def stage_of(frames: list[str]) -> str | None:
    """The stage a sample (outermost frame first) is charged to; None for a thread blocked
    waiting."""
    if not frames or _function(frames[-1]) in WAIT_FUNCTIONS:
        return None
    if any(marker in frame for frame in frames for marker in IDLE_MARKERS):
        return None
    if any(frame.startswith(GC_FUNCTIONS) for frame in frames):
        return GARBAGE_COLLECTOR
    if _function(frames[-1]) in SYSCALL_FUNCTIONS:
        return SYSCALLS
    for frame in reversed(frames):
        for stage, markers in STAGES:
            if any(marker in frame for marker in markers):
                return stage
    return OTHER


def breakdown(collapsed_lines: Iterable[str]) -> dict[str, Any]:
    """Samples per stage from py-spy's raw (collapsed) output: `frame;frame;... count`; the
    samples of threads blocked waiting are counted apart (idleSamples) and in no stage."""
    stages: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    idle = 0
    for line in collapsed_lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        stage = stage_of(frames)
        if stage is None:
            idle += int(count)
            continue
        stages[stage] += int(count)
        innermost[_python_frame(frames)] += int(count)
    total = sum(stages.values())
    return {
        "samples": total,
        "idleSamples": idle,
        "stages": {name: count / total for name, count in stages.most_common()} if total else {},
        "heaviestFunctions": [
            {"frame": frame, "share": count / total} for frame, count in innermost.most_common(12)
        ]
        if total
        else [],
    }


def _function(frame: str) -> str:
    return frame.split(" (", 1)[0]


def _python_frame(frames: list[str]) -> str:
    """The innermost frame of our or a library's Python code (native frames have no `.py:`)."""
    for frame in reversed(frames):
        if ".py:" in frame:
            return frame
    return frames[-1]


@dataclass(frozen=True, slots=True)
class ProfilePass:
    """One py-spy recording of the deep query: this many connections for this many seconds."""

    connections: int
    seconds: float
    rate: int = SAMPLES_PER_SECOND


def profile_passes(
    work_dir: Path,
    seconds: float,
    connections: int,
    one_connection_seconds: float,
    log: Callable[[str], None] = print,
) -> dict[str, dict[str, Any]]:
    """What `make bench` keeps in raw.json: `profile` (under load, over `connections`) and
    `profileOneConnection`, each left out when its seconds are 0. A pass that could not run
    says why in its `error` (servers that did not start, a load generator that failed, no
    py-spy), so the report shows it and the rest of the run is kept."""
    wanted = {
        name: profile_pass
        for name, profile_pass in (
            ("profile", ProfilePass(connections, seconds)),
            (
                "profileOneConnection",
                ProfilePass(1, one_connection_seconds, ONE_CONNECTION_SAMPLES_PER_SECOND),
            ),
        )
        if profile_pass.seconds > 0
    }
    try:
        found = profile_deep_query(work_dir, list(wanted.values()), log)
    except (RuntimeError, OSError) as error:
        found = [_failed(profile_pass, str(error)) for profile_pass in wanted.values()]
    return dict(zip(wanted, found, strict=True))


def profile_deep_query(
    work_dir: Path,
    passes: Sequence[ProfilePass],
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Subgraphs and `bff serve` started afresh, then each pass in turn on the same process: the
    deep query over its connections, py-spy attached in the middle of the load. Per pass, the
    breakdown with the process's CPU over the seconds sampled; {"error": why} instead when
    py-spy could not record (not installed, no permission to attach)."""
    if not PY_SPY.exists():
        why = f"py-spy is not installed (no {_shown(PY_SPY)}; `make bench` installs it)"
        return [_failed(profile_pass, why) for profile_pass in passes]
    deep = next(scenario for scenario in SCENARIOS if scenario.name == "deep")
    work_dir.mkdir(parents=True, exist_ok=True)
    with ProcessPool(work_dir / "logs-profile") as pool:
        subgraphs = start_subgraphs(pool, federation_subgraphs(), work_dir)
        supergraph_path = work_dir / "supergraph-profile.graphql"
        supergraph_path.write_text(compose_supergraph(subgraphs), encoding="utf-8")
        bff = start_bff(pool, ServedGraph(subgraphs, supergraph_path, work_dir))
        expected = canonical_hash(json.loads(post_graphql_bytes(bff.url, deep.query)))
        load = partial(gateway_load, bff.url, deep.query, expected)
        return [_record(bff, load, profile_pass, work_dir, log) for profile_pass in passes]


def _record(
    bff: Gateway,
    load: Callable[[LoadSettings], dict[str, Any]],
    profile_pass: ProfilePass,
    work_dir: Path,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """One pass: the load runs LOAD_MARGIN_SECONDS before py-spy starts and after it stops, so
    every sample and the CPU read around it fall under steady load."""
    connections, seconds = profile_pass.connections, max(1, round(profile_pass.seconds))
    output = work_dir / f"profile-deep-{connections}-{profile_pass.rate}.txt"
    output.unlink(missing_ok=True)
    log(f"profile: py-spy on bff serve, deep query, {connections} connections, {seconds} s")
    command = [str(PY_SPY), "record", "--pid", str(bff.process.pid), "--native"]
    command += ["--format", "raw", "--rate", str(profile_pass.rate)]
    command += ["--duration", str(seconds), "--output", str(output)]
    settings = LoadSettings(connections, 0.0, seconds + 2 * LOAD_MARGIN_SECONDS)
    config_path = work_dir / f"profile-load-{connections}.json"
    with ThreadPoolExecutor(max_workers=1) as executor:
        loading = executor.submit(run_load, load(settings), config_path)
        time.sleep(LOAD_MARGIN_SECONDS)
        before, started = bff.process.sample().cpu_seconds, time.monotonic()
        try:
            spy = subprocess.run(command, capture_output=True, timeout=seconds + 60, check=False)
            errors = spy.stderr.decode(errors="replace") if spy.returncode else ""
        except subprocess.TimeoutExpired:
            errors = f"py-spy did not finish within {seconds + 60} s"
        cpu, wall = bff.process.sample().cpu_seconds - before, time.monotonic() - started
        result = loading.result()
    if errors or not output.exists():
        return _failed(profile_pass, f"py-spy failed: {errors[-2000:] or 'no output'}")
    found = breakdown(output.read_text(encoding="utf-8").splitlines())
    cores = cpu / wall if wall > 0 else None
    found.update(
        {
            "command": f"py-spy record --native --rate {profile_pass.rate} (bench/profile.py)",
            "seconds": seconds,
            "connections": connections,
            "rps": result["rps"],
            "p50": result["latencyMs"]["p50"],
            "mismatches": result["mismatches"],
            # Over the seconds py-spy sampled, from /proc (all of the process's threads): what
            # the samples should add up to if py-spy counts on-CPU time only.
            "cpuCores": cores,
            "expectedSamples": None if cores is None else cores * seconds * profile_pass.rate,
            # Sampling slows the process down: this run's figures are not the load test's.
            "cpuMsPerRequest": cores * 1000 / result["rps"] if cores and result["rps"] else None,
            "collapsedStacks": _shown(output),
        }
    )
    return found


def _failed(profile_pass: ProfilePass, why: str) -> dict[str, Any]:
    return {
        "error": why,
        "connections": profile_pass.connections,
        "seconds": profile_pass.seconds,
    }


def _shown(path: Path) -> str:
    """The path relative to the repository when inside it (as the report shows it)."""
    return (
        str(path.relative_to(BENCH_DIR.parent))
        if path.is_relative_to(BENCH_DIR.parent)
        else str(path)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="under load (0: skip)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--one-connection", type=float, default=10.0, help="seconds over one connection (0: skip)"
    )
    args = parser.parse_args(argv)
    work_dir = BENCH_DIR / ".work"
    passes = profile_passes(work_dir, args.seconds, args.connections, args.one_connection)
    for found in passes.values():
        print(f"{found['connections']} connection(s):")
        if "error" in found:
            print(f"  {found['error']}")
            continue
        cpu = found["cpuMsPerRequest"]
        for stage, share in found["stages"].items():
            per_request = "" if cpu is None else f"  {share * cpu:.3f} ms/req"
            print(f"  {share * 100:5.1f}%{per_request}  {stage}")
        print(
            f"  {found['samples']} samples (process CPU predicts "
            f"{_fmt(found['expectedSamples'], 0)}; {found['idleSamples']} of blocked threads "
            f"left out); {found['rps']:.0f} rps, p50 {found['p50']:.2f} ms, "
            f"{_fmt(cpu, 3)} ms CPU/req; stacks in {found['collapsedStacks']}"
        )
    return 1 if any("error" in found for found in passes.values()) else 0


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
