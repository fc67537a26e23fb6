"""Benchmark processes: measured from /proc, and every one of them stopped, forked children too."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from bench.processes import ProcessPool, ProcessStartError, cpu_seconds, descendants, peak_rss_kib

# A parent that forks a child and reports both pids once both run.
FORKING = (
    "import json, subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print(json.dumps({'child': child.pid}), flush=True)\n"
    "time.sleep(60)\n"
)


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status  # a zombie has already exited


def test_a_failing_run_still_stops_every_process_and_its_children(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="the run failed"), ProcessPool(tmp_path) as pool:
        parent = pool.start("forking", [sys.executable, "-c", FORKING])
        child = parent.first_json_line(timeout=30)["child"]
        assert child in descendants(parent.pid)
        sample = parent.sample()
        assert sample.peak_rss_kib > 0
        raise RuntimeError("the run failed")
    deadline = time.monotonic() + 10
    while (alive(parent.pid) or alive(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(parent.pid)
    assert not alive(child)


def test_a_process_that_exits_early_is_reported_with_its_log(tmp_path: Path) -> None:
    with ProcessPool(tmp_path) as pool:
        process = pool.start(
            "broken", [sys.executable, "-c", "print('no config'); raise SystemExit(3)"]
        )
        with pytest.raises(ProcessStartError, match=r"broken exited with 3(.|\n)*no config"):
            process.first_json_line(timeout=30)


def test_proc_readings_of_this_process_and_of_a_gone_one() -> None:
    assert cpu_seconds(os.getpid()) > 0
    assert peak_rss_kib(os.getpid()) > 0
    assert cpu_seconds(2**22 + 7) == 0.0  # above any pid_max default: never a live process
    assert peak_rss_kib(2**22 + 7) == 0
