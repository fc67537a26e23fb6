"""`python -m bench`: run the whole benchmark and write bench/results/ (report, chart, raw JSON).

`--quick` is a short run of everything (one round, short loads, few iterations) for smoke tests.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.workload import BENCH_DIR

RESULTS_DIR = BENCH_DIR / "results"
WORK_DIR = BENCH_DIR / ".work"
NODE_PACKAGES = (
    "@grafbase/cli-x86_64-unknown-linux-musl",
    "@graphql-hive/gateway",
    "@graphql-hive/router-runtime",
    "@apollo/gateway",
    "@apollo/server",
    "@apollo/subgraph",
    "graphql",
    "autocannon",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds, deep query")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--unloaded", type=float, default=5.0, help="seconds of the one-connection pass (0: skip)"
    )
    parser.add_argument("--cold-starts", type=int, default=5, help="fresh processes per path")
    parser.add_argument("--micro-iterations", type=int, default=200)
    parser.add_argument("--micro-repeats", type=int, default=5)
    parser.add_argument(
        "--profile", type=float, default=10.0, help="seconds of py-spy on the deep query (0: skip)"
    )
    parser.add_argument(
        "--profile-one-connection",
        type=float,
        default=10.0,
        help="seconds of py-spy on the deep query over one connection (0: skip)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    parser.add_argument("--quick", action="store_true", help="a short smoke run of everything")
    return parser


def main(argv: list[str] | None = None) -> int:
    # Imported here so `--help` stays instant.
    from bench.coldstart import measure_cold_start, measure_import_times
    from bench.loadtest import LoadPlan, run_load_test
    from bench.planning import measure_shared_tree_planning
    from bench.profile import profile_passes
    from bench.report import render_markdown, write_chart

    args = build_parser().parse_args(argv)
    # A plain `kill` must clean up like Ctrl-C does: SystemExit unwinds through the `with`
    # blocks that stop every server, gateway and load generator this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if args.quick:
        args.connections, args.warmup, args.duration, args.rounds = 10, 0.5, 2.0, 1
        args.unloaded = 1.0
        args.cold_starts, args.micro_iterations, args.micro_repeats = 1, 3, 1
        args.profile = min(args.profile, 2.0)
        args.profile_one_connection = min(args.profile_one_connection, 2.0)
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    plan = LoadPlan(
        connections=args.connections,
        warmup_seconds=args.warmup,
        duration_seconds=args.duration,
        rounds=args.rounds,
        micro_iterations=args.micro_iterations,
        micro_repeats=args.micro_repeats,
        unloaded_seconds=args.unloaded,
    )
    raw: dict[str, Any] = {
        "command": "make bench" if argv is None and not sys.argv[1:] else _command(argv),
        "settings": {
            "connections": args.connections,
            "warmupSeconds": args.warmup,
            "durationSeconds": args.duration,
            "rounds": args.rounds,
            "unloadedSeconds": args.unloaded,
            "coldStarts": args.cold_starts,
            "microIterations": args.micro_iterations,
            "microRepeats": args.micro_repeats,
            "profileSeconds": args.profile,
            "profileOneConnectionSeconds": args.profile_one_connection,
        },
    }
    raw["load"] = run_load_test(plan, WORK_DIR, log=_log)
    raw.update(
        profile_passes(
            WORK_DIR, args.profile, args.connections, args.profile_one_connection, log=_log
        )
    )
    _log("cold start: bff serve and the Lambda handler, supergraph from the registry on moto")
    raw["coldStart"] = measure_cold_start(WORK_DIR, args.cold_starts, log=_log)
    _log("import time of each Lambda entry point")
    raw["importTimes"] = measure_import_times(1 if args.quick else 3)
    _log("planning time: ten subgraphs sharing one type (the shared-tree fixture)")
    raw["planning"] = measure_shared_tree_planning(args.micro_repeats * 4)
    raw["machine"] = machine_info(load_at_start)
    raw["elapsedSeconds"] = time.monotonic() - started
    raw["finishedAt"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "raw.json").write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
    (args.results / "report.md").write_text(render_markdown(raw), encoding="utf-8")
    write_chart(raw, args.results / "chart.png")
    _log(f"wrote {args.results}/report.md, chart.png and raw.json in {raw['elapsedSeconds']:.0f} s")
    return 0


def machine_info(load_at_start: float) -> dict[str, Any]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memoryGiB": memory_kib / 1024 / 1024,
        "os": platform.platform(),
        "python": platform.python_version(),
        "node": node.stdout.strip(),
        "nodePackages": {name: _node_package_version(name) for name in NODE_PACKAGES},
        "loadAtStart": load_at_start,
        "loadAtEnd": os.getloadavg()[0],
    }


def _node_package_version(name: str) -> str:
    manifest = BENCH_DIR / "node_modules" / name / "package.json"
    return str(json.loads(manifest.read_text())["version"])


def _command(argv: list[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    return shlex.join([".venv/bin/python", "-m", "bench", *args])


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
