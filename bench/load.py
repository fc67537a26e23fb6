"""Runs node/load.mjs (autocannon, or the floor's replay) for one contender and reads its result."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.workload import NODE_DIR

# Warm-up + measured time + process start; past this the load generator is stuck, not slow.
LOAD_GRACE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class LoadSettings:
    connections: int
    warmup_seconds: float
    duration_seconds: float


def gateway_load(
    url: str, query: str, expected_hash: str, settings: LoadSettings
) -> dict[str, Any]:
    return {
        "mode": "gateway",
        "url": url,
        "body": json.dumps({"query": query}),
        "expectedHash": expected_hash,
        **_common(settings),
    }


def floor_load(tree: dict[str, Any], settings: LoadSettings) -> dict[str, Any]:
    return {"mode": "floor", "tree": tree, **_common(settings)}


def _common(settings: LoadSettings) -> dict[str, Any]:
    return {
        "connections": settings.connections,
        "warmupSeconds": settings.warmup_seconds,
        "durationSeconds": settings.duration_seconds,
    }


def run_load(config: dict[str, Any], config_path: Path) -> dict[str, Any]:
    """Run the load generator; its result plus `loadGeneratorCpuSeconds` (from wait4's rusage)."""
    config_path.write_text(json.dumps(config), encoding="utf-8")
    cpu_before = children_cpu_seconds()
    process = subprocess.Popen(
        ["node", str(NODE_DIR / "load.mjs"), str(config_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    timeout = config["warmupSeconds"] + config["durationSeconds"] + LOAD_GRACE_SECONDS
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"the load generator did not finish within {timeout:.0f}s") from None
    finally:
        if process.poll() is None:
            process.kill()
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed: {stderr.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    # The child is reaped now, so its CPU time is in our children's totals: take the difference.
    result["loadGeneratorCpuSeconds"] = children_cpu_seconds() - cpu_before
    return result


def children_cpu_seconds() -> float:
    """CPU seconds of every reaped child of this process (to charge the load generator's CPU)."""
    usage = os.times()
    return usage.children_user + usage.children_system
