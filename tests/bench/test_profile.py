"""The CPU breakdown: py-spy's collapsed stacks charged to the request path's stages (pure),
and one short live profile of `bff serve` under the deep query."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.profile import GARBAGE_COLLECTOR, OTHER, SYSCALLS, breakdown, profile_deep_query
from tests.bench.conftest import require_bench_node_packages

LOOP = "<module> (bff/cli.py:50);Runner.run (asyncio/runners.py:118)"
FETCH = (
    f"{LOOP};_PlanRun._call (bff/execution/executor.py:247);"
    "SubgraphTransport.fetch (bff/execution/transport.py:120)"
)
SHAPE = f"{LOOP};_Shaper._object (bff/execution/shaping.py:289)"


def test_each_sample_goes_to_the_innermost_stage_it_passes_through() -> None:
    lines = [
        # orjson decoding inside the transport is JSON, not the subgraph client.
        f"{FETCH};parse_graphql_response (bff/execution/transport.py:348);loads (orjson/o.so) 6",
        f"{FETCH};ClientSession._request (aiohttp/client.py:819) 3",
        f"{SHAPE};Py_DECREF (object.h:538) 5",
        # The collector runs under any frame: it is charged to itself.
        f"{SHAPE};gc_collect_main (libpython3.11.so) 4",
        f"{LOOP};UVStream__try_write (loop.c:106818);write (libc.so.6) 2",
        f"{LOOP};0x7f92eb0a3f16 (libc.so.6) 1",
        # A pool thread waiting for work is not CPU spent on requests.
        "_worker (concurrent/futures/thread.py:81);_queue_SimpleQueue_get_impl (q.c:253) 50",
        "malformed line",
    ]
    found = breakdown(lines)
    assert found["samples"] == 21
    assert found["stages"] == {
        "JSON (orjson)": 6 / 21,
        "merge/shape": 5 / 21,
        GARBAGE_COLLECTOR: 4 / 21,
        "subgraph client (aiohttp, transport)": 3 / 21,
        SYSCALLS: 2 / 21,
        "event loop (uvloop, asyncio)": 1 / 21,
    }
    heaviest = found["heaviestFunctions"][0]
    assert heaviest == {"frame": "_Shaper._object (bff/execution/shaping.py:289)", "share": 9 / 21}
    assert breakdown(["main (x/y.py:1) 2"])["stages"] == {OTHER: 1.0}
    assert breakdown([])["samples"] == 0


def test_a_short_live_profile_of_the_deep_query(tmp_path: Path) -> None:
    require_bench_node_packages()
    found = profile_deep_query(tmp_path, seconds=2, connections=4, log=lambda _: None)
    assert found["samples"] > 0
    assert found["mismatches"] == 0
    assert sum(found["stages"].values()) == pytest.approx(1.0)
    # The deep query's answer is merged and shaped by our executor: that stage is always seen.
    assert found["stages"]["merge/shape"] > 0
    assert found["cpuMsPerRequest"] > 0
