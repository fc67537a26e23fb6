"""The chaos run's parts that can be checked in seconds (`make chaos` itself takes minutes and
is not part of `make test`): the fault proxy's faults over loopback, and the report."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
from aiohttp import web

from bench.chaos.fault_proxy import FaultProxy
from bench.chaos.report import Row, Sample, render

ANSWER = {"data": {"student": {"name": "Ada", "xp": 120}}}


async def _answer(_: web.Request) -> web.Response:
    return web.json_response(ANSWER)


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    upstream = web.Application()
    upstream.router.add_post("/graphql", _answer)
    runner = web.AppRunner(upstream)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    proxy = await FaultProxy(f"http://127.0.0.1:{runner.addresses[0][1]}", slow_seconds=0).start()
    yield proxy
    await proxy.stop()
    await runner.cleanup()


async def _post(proxy: FaultProxy) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.post(f"{proxy.url}/graphql", data=b"{}") as response,
    ):
        return response.status, await response.read()


async def test_ok_forwards_and_wrong_types_spoils_the_numbers(proxy: FaultProxy) -> None:
    status, body = await _post(proxy)
    assert (status, orjson.loads(body)) == (200, ANSWER)
    await proxy.set("wrong_types")
    status, body = await _post(proxy)
    assert status == 200
    assert orjson.loads(body) == {"data": {"student": {"name": "Ada", "xp": "120 points"}}}


@pytest.mark.parametrize(
    ("fault", "status", "check"),
    [
        ("http_500", 500, lambda body: body == b"Internal Server Error"),
        ("not_json", 200, lambda body: body.startswith(b"<html>")),
        ("huge", 200, lambda body: len(gzip.decompress(body)) > 64 << 20 > len(body) * 100),
    ],
)
async def test_faults_that_answer(proxy: FaultProxy, fault, status: int, check) -> None:
    await proxy.set(fault)
    answered, body = await _post(proxy)
    assert answered == status
    assert check(body)


@pytest.mark.parametrize("fault", ["down", "reset"])
async def test_faults_that_leave_no_answer_then_recover(proxy: FaultProxy, fault) -> None:
    await proxy.set(fault)
    with pytest.raises(aiohttp.ClientError):
        await _post(proxy)
    await proxy.set("ok")
    assert (await _post(proxy))[0] == 200


def test_the_report_has_the_fault_table_and_the_samples() -> None:
    rows = [Row("a | b", "expected", "observed", True), Row("c", "e", "o", False)]
    samples = [Sample(float(t), 80.0 + t, 10 + t % 3, "load: ok") for t in range(10)]
    text = render(rows, samples, seconds=5)
    assert "**1/2 rows pass.**" in text
    assert "| a \\| b | expected | observed | yes |" in text
    assert "| c | e | o | **NO** |" in text
    assert "RSS 80-89 MB (first 80, last 89); open sockets 10-12" in text
    assert text.count("| load: ok |") == 2  # every fifth sample
