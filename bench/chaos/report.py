"""bench/results/chaos.md: the fault table (fault, expected, observed, pass) and the gateway's
RSS and open sockets over the run."""

from __future__ import annotations

import datetime
import platform
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    fault: str
    expected: str
    observed: str
    passed: bool


@dataclass(frozen=True)
class Sample:
    """The gateway process at `seconds` into the run, during `phase`."""

    seconds: float
    rss_mb: float
    sockets: int
    phase: str


def render(rows: list[Row], samples: list[Sample], *, seconds: float) -> str:
    passed = sum(row.passed for row in rows)
    lines = [
        "# Chaos run",
        "",
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{platform.python_version()}, {platform.machine()}. `make chaos` (`python -m "
        f"bench.chaos`): the local stack (`bff dev --free-ports`) with a `bff serve` gateway "
        "verifying the stack's JWTs, its analytics subgraph and registry table behind fault "
        "proxies (bench/chaos/fault_proxy.py). Request deadline 3 s, subgraph timeout 2 s, "
        f"breaker open 2 s, registry poll 1 s; {seconds:.0f} s of load at the end. "
        "Loopback only.",
        "",
        f"**{passed}/{len(rows)} rows pass.**",
        "",
        "| fault | expected | observed | pass |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        cells = (row.fault, row.expected, row.observed, "yes" if row.passed else "**NO**")
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    lines += ["", "## The gateway's RSS and open sockets over time", ""]
    if samples:
        rss = [sample.rss_mb for sample in samples]
        sockets = [sample.sockets for sample in samples]
        lines += [
            f"RSS {min(rss):.0f}-{max(rss):.0f} MB (first {rss[0]:.0f}, last {rss[-1]:.0f}); "
            f"open sockets {min(sockets)}-{max(sockets)} (first {sockets[0]}, last "
            f"{sockets[-1]}); one sample a second, every fifth shown.",
            "",
            "| t (s) | phase | RSS (MB) | sockets |",
            "| --- | --- | --- | --- |",
        ]
        for sample in samples[::5]:
            lines.append(
                f"| {sample.seconds:.0f} | {_cell(sample.phase)} | {sample.rss_mb:.1f} | "
                f"{sample.sockets} |"
            )
    return "\n".join(lines) + "\n"


def write_report(path: Path, rows: list[Row], samples: list[Sample], *, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(rows, samples, seconds=seconds))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
