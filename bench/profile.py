"""Where our BFF's CPU goes on the deep query under load: py-spy samples of `bff serve` (native
frames included, so the garbage collector and syscalls show), sorted into the request path's
stages.

`python -m bench.profile` runs it alone; `make bench` runs it after the load test and the
report shows the breakdown. Each sample of the serving thread is charged to the innermost frame
that names a stage: a frame of the collector or a socket syscall first (they run under any
Python frame), else the innermost Python or extension module of a known stage. Samples of
idle threads (the thread pool's workers waiting on their queue) are left out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench.answers import canonical_hash
from bench.load import LoadSettings, gateway_load, run_load
from bench.processes import ProcessPool
from bench.servers import (
    ServedGraph,
    compose_supergraph,
    post_graphql_bytes,
    start_bff,
    start_subgraphs,
)
from bench.workload import BENCH_DIR, SCENARIOS, federation_subgraphs

PY_SPY = Path(sys.executable).parent / "py-spy"
SAMPLES_PER_SECOND = 250
GARBAGE_COLLECTOR = "garbage collector"
SYSCALLS = "socket syscalls (send, recv, epoll)"
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
    | {"recvmsg", "epoll_wait", "epoll_pwait", "epoll_ctl", "close", "getpid", "accept4"}
)
GC_FUNCTIONS = ("gc_collect_main", "gc_collect_with_callback", "collect_with_callback")
# Frames of a thread waiting for work: its samples are not CPU the request path spent.
IDLE_MARKERS = ("_queue_SimpleQueue_get_impl", "PyThread_acquire_lock_timed")


def stage_of(frames: list[str]) -> str | None:
    """The stage a sample (outermost frame first) is charged to; None for an idle thread."""
    if any(marker in frame for frame in frames for marker in IDLE_MARKERS):
        return None
    if any(frame.startswith(GC_FUNCTIONS) for frame in frames):
        return GARBAGE_COLLECTOR
    if frames and frames[-1].split(" (", 1)[0] in SYSCALL_FUNCTIONS:
        return SYSCALLS
    for frame in reversed(frames):
        for stage, markers in STAGES:
            if any(marker in frame for marker in markers):
                return stage
    return OTHER


def breakdown(collapsed_lines: Iterable[str]) -> dict[str, Any]:
    """Samples per stage from py-spy's raw (collapsed) output: `frame;frame;... count`."""
    stages: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    for line in collapsed_lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        stage = stage_of(frames)
        if stage is None:
            continue
        stages[stage] += int(count)
        innermost[_python_frame(frames)] += int(count)
    total = sum(stages.values())
    return {
        "samples": total,
        "stages": {name: count / total for name, count in stages.most_common()} if total else {},
        "heaviestFunctions": [
            {"frame": frame, "share": count / total} for frame, count in innermost.most_common(12)
        ]
        if total
        else [],
    }


def _python_frame(frames: list[str]) -> str:
    """The innermost frame of our or a library's Python code (native frames have no `.py:`)."""
    for frame in reversed(frames):
        if ".py:" in frame:
            return frame
    return frames[-1]


def profile_deep_query(
    work_dir: Path,
    seconds: float,
    connections: int = 50,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Subgraphs and `bff serve` started afresh, the deep query under load, py-spy attached;
    the breakdown with the CPU per request measured in the same run."""
    deep = next(scenario for scenario in SCENARIOS if scenario.name == "deep")
    work_dir.mkdir(parents=True, exist_ok=True)
    with ProcessPool(work_dir / "logs-profile") as pool:
        subgraphs = start_subgraphs(pool, federation_subgraphs(), work_dir)
        supergraph_path = work_dir / "supergraph-profile.graphql"
        supergraph_path.write_text(compose_supergraph(subgraphs), encoding="utf-8")
        bff = start_bff(pool, ServedGraph(subgraphs, supergraph_path, work_dir))
        expected = canonical_hash(json.loads(post_graphql_bytes(bff.url, deep.query)))
        output = work_dir / "profile-deep.txt"
        log(f"profile: py-spy on bff serve, deep query, {connections} connections, {seconds:g} s")
        command = [str(PY_SPY), "record", "--pid", str(bff.process.pid), "--native"]
        command += ["--format", "raw", "--rate", str(SAMPLES_PER_SECOND)]
        command += ["--duration", str(int(seconds)), "--output", str(output)]
        spy = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(0.5)  # py-spy attaches before the load starts
        before = bff.process.sample().cpu_seconds
        settings = LoadSettings(connections, 0.0, seconds + 1.0)
        result = run_load(
            gateway_load(bff.url, deep.query, expected, settings), work_dir / "p.json"
        )
        cpu = bff.process.sample().cpu_seconds - before
        _, errors = spy.communicate(timeout=seconds + 60)
        if spy.returncode != 0 or not output.exists():
            raise RuntimeError(f"py-spy failed: {errors.decode(errors='replace')[-2000:]}")
        found = breakdown(output.read_text(encoding="utf-8").splitlines())
    found.update(
        {
            "command": f"py-spy record --native --rate {SAMPLES_PER_SECOND} (bench/profile.py)",
            "seconds": seconds,
            "connections": connections,
            "rps": result["rps"],
            "mismatches": result["mismatches"],
            # Sampling slows the process down: this run's figures are not the load test's.
            "cpuMsPerRequest": cpu * 1000 / result["requests"] if result["requests"] else None,
            "collapsedStacks": _shown(output),
        }
    )
    return found


def _shown(path: Path) -> str:
    """The path relative to the repository when inside it (as the report shows it)."""
    return (
        str(path.relative_to(BENCH_DIR.parent))
        if path.is_relative_to(BENCH_DIR.parent)
        else str(path)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args(argv)
    found = profile_deep_query(BENCH_DIR / ".work", args.seconds, args.connections)
    for stage, share in found["stages"].items():
        print(f"{share * 100:5.1f}%  {stage}")
    print(f"{found['samples']} samples; stacks in {found['collapsedStacks']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
