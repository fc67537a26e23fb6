"""The CPU breakdown: py-spy's collapsed stacks charged to the request path's stages (pure),
the passes `make bench` keeps when py-spy or the servers fail, and one short live profile of
`bff serve` under the deep query, under load and over one connection."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.profile
from bench.processes import ProcessStartError
from bench.profile import (
    GARBAGE_COLLECTOR,
    OTHER,
    SYSCALLS,
    ProfilePass,
    breakdown,
    profile_deep_query,
    profile_passes,
)
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
    assert found["idleSamples"] == 50
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


def test_at_one_connection_the_loop_waiting_in_epoll_is_left_out_as_idle() -> None:
    # Over one connection the loop waits for each subgraph's answer: py-spy records some of
    # those waits although the thread is blocked, and they are no stage's CPU.
    poll = f"{LOOP};Loop__Loop__run (loop.c:1);uv_run (core.c:1);uv__io_poll (epoll.c:1)"
    exchange = (
        f"{FETCH};_Connection.exchange (bff/execution/connection_pool.py:210);"
        "UVStream__try_write (loop.c:106818)"
    )
    answer = (
        f"{LOOP};RequestResponseCycle.send (uvicorn/protocols/http/httptools_impl.py:524);"
        "UVStream__try_write (loop.c:106818)"
    )
    lines = [
        f"{poll};epoll_pwait (libc.so.6) 30",
        f"{exchange};write (libc.so.6) 4",
        f"{answer};write (libc.so.6) 2",
        f"{FETCH};parse_graphql_response (bff/execution/transport.py:348);loads (orjson/o.so) 2",
        f"{SHAPE} 2",
        "_worker (concurrent/futures/thread.py:81);PyThread_acquire_lock_timed (t.c:1) 10",
    ]
    found = breakdown(lines)
    assert found["samples"] == 10
    assert found["idleSamples"] == 40
    assert found["stages"] == {SYSCALLS: 0.6, "JSON (orjson)": 0.2, "merge/shape": 0.2}
    assert found["heaviestFunctions"][0] == {
        "frame": "_Connection.exchange (bff/execution/connection_pool.py:210)",
        "share": 0.4,
    }
    # Nothing but waiting: no shares made up.
    only_waiting = breakdown([f"{poll};epoll_pwait (libc.so.6) 30"])
    assert only_waiting == {
        "samples": 0,
        "idleSamples": 30,
        "stages": {},
        "heaviestFunctions": [],
    }


def test_without_py_spy_each_pass_says_so_and_nothing_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench.profile, "PY_SPY", tmp_path / "py-spy")

    def no_servers(*_: object) -> None:
        raise AssertionError("no server is started without py-spy")

    monkeypatch.setattr(bench.profile, "start_subgraphs", no_servers)
    found = profile_passes(tmp_path, 10.0, 50, 10.0, log=lambda _: None)
    assert set(found) == {"profile", "profileOneConnection"}
    assert found["profileOneConnection"]["connections"] == 1
    assert all("py-spy is not installed" in item["error"] for item in found.values())
    # A pass of 0 seconds is not run, and not in raw.json.
    assert set(profile_passes(tmp_path, 10.0, 50, 0.0, log=lambda _: None)) == {"profile"}


def test_servers_that_do_not_start_fail_the_passes_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = tmp_path / "py-spy"
    spy.touch()
    monkeypatch.setattr(bench.profile, "PY_SPY", spy)

    def failing(*_: object) -> None:
        raise ProcessStartError("subgraph-accounts exited with 1")

    monkeypatch.setattr(bench.profile, "start_subgraphs", failing)
    found = profile_passes(tmp_path, 10.0, 50, 10.0, log=lambda _: None)
    assert found["profile"] == {
        "error": "subgraph-accounts exited with 1",
        "connections": 50,
        "seconds": 10.0,
    }
    assert found["profileOneConnection"]["error"] == "subgraph-accounts exited with 1"


def test_a_short_live_profile_of_the_deep_query(tmp_path: Path) -> None:
    require_bench_node_packages()
    passes = [ProfilePass(4, 2), ProfilePass(1, 2, rate=100)]
    loaded, alone = profile_deep_query(tmp_path, passes, log=lambda _: None)
    for found in (loaded, alone):
        assert "error" not in found, found.get("error")
        assert found["samples"] > 0
        assert found["mismatches"] == 0
        assert sum(found["stages"].values()) == pytest.approx(1.0)
        # The deep query's answer is merged and shaped by our executor: that stage is always seen.
        assert found["stages"]["merge/shape"] > 0
        assert found["cpuMsPerRequest"] > 0
        assert found["expectedSamples"] > 0
    assert (loaded["connections"], alone["connections"]) == (4, 1)
    assert alone["command"] == "py-spy record --native --rate 100 (bench/profile.py)"
    assert alone["p50"] > 0


def test_py_spy_refused_is_the_pass_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_bench_node_packages()
    # What py-spy says where the process may not be traced (ptrace refused).
    spy = tmp_path / "py-spy"
    spy.write_text(
        "#!/bin/sh\necho 'Permission Denied: Try running again with elevated' >&2\nexit 1\n"
    )
    spy.chmod(0o755)
    monkeypatch.setattr(bench.profile, "PY_SPY", spy)
    (found,) = profile_deep_query(tmp_path, [ProfilePass(1, 1)], log=lambda _: None)
    assert found["error"].startswith("py-spy failed: Permission Denied")
    assert found["connections"] == 1
