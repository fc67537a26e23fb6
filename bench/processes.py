"""Child processes of a benchmark run: own process group, measured from /proc, always killed.

`ProcessPool` is a context manager: every process it started is terminated (then killed) when the
block exits, also on Ctrl-C or an error, so a run never leaves servers behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_SECONDS = 60.0


class ProcessStartError(RuntimeError):
    """A benchmark process exited or stayed silent instead of starting."""


@dataclass(frozen=True, slots=True)
class ResourceSample:
    """CPU seconds (user + system) and peak resident memory of a process and its descendants."""

    cpu_seconds: float
    peak_rss_kib: int


class ManagedProcess:
    """One started child process, with its log file and /proc-based measurements."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log_path: Path) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def first_json_line(self, timeout: float = START_TIMEOUT_SECONDS) -> dict[str, Any]:
        """The first line the process prints that parses as a JSON object (its ready signal)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(value, dict):
                        return value
            self.raise_if_exited()
            time.sleep(0.05)
        raise ProcessStartError(f"{self.name} printed nothing ready within {timeout:.0f}s")

    def raise_if_exited(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise ProcessStartError(
                f"{self.name} exited with {self.popen.returncode}; its log ends with:\n{tail}"
            )

    def sample(self) -> ResourceSample:
        pids = [self.pid, *descendants(self.pid)]
        return ResourceSample(
            cpu_seconds=sum(cpu_seconds(pid) for pid in pids),
            peak_rss_kib=sum(peak_rss_kib(pid) for pid in pids),
        )

    def stop(self) -> None:
        if self.popen.poll() is None:
            # The whole group: gateways that fork workers must not outlive the run.
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)


class ProcessPool:
    """Starts processes with their output in `log_dir`; stops every one of them on exit."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._processes: list[ManagedProcess] = []

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                # Its own group, so stop() reaches forked workers and Ctrl-C reaches only us.
                start_new_session=True,
            )
        process = ManagedProcess(name, popen, log_path)
        self._processes.append(process)
        return process

    def stop_all(self) -> None:
        while self._processes:
            self._processes.pop().stop()

    def __enter__(self) -> ProcessPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` from /proc/<pid>/stat (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # Fields after the command name, which is in parentheses and may contain spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS


def peak_rss_kib(pid: int) -> int:
    """VmHWM (peak resident set size) of `pid` in KiB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (forked workers), read from /proc/*/stat parent ids."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    pending = list(children.get(pid, ()))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children.get(child, ()))
    return found
