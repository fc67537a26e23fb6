"""`python -m bench.chaos` (`make chaos`): the local stack under a table of faults, and a report.

It starts the stack as `make dev` does (`bff dev --free-ports`, in a work folder), then a
`bff serve` gateway (the container path, verifying the stack's JWTs) whose analytics subgraph and
registry table are reached through `FaultProxy`s. Each row of the fault table injects one fault,
sends requests as a client would and compares what came back with what should (partial data and
`SUBGRAPH_UNAVAILABLE` within the request deadline, the last good supergraph while the registry
is slow or down, clean refusals for bad input, XP awarded once under concurrent completions...).
Then a bounded load runs while faults come and go. The gateway's RSS and open sockets are sampled
throughout. Everything listens on loopback; the report is bench/results/chaos.md.

Exit status 0 when every row passes. Not part of `make test` (it takes minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.chaos.fault_proxy import Fault, FaultProxy
from bench.chaos.report import Row, Sample, write_report
from bff.devstack.jwt_keys import DEV_AUDIENCE, DEV_ISSUER
from bff.devstack.moto_server import LOCAL_AWS_ENV, free_port

BENCH_DIR = Path(__file__).resolve().parents[1]
REPORT = BENCH_DIR / "results" / "chaos.md"
WORK_DIR = BENCH_DIR / ".work" / "chaos"
STARTUP_SECONDS = 180
DEADLINE_SECONDS = 3.0  # the gateway's REQUEST_DEADLINE_SECONDS in this run
LATE = DEADLINE_SECONDS + 1.5  # an answer later than this missed the deadline
HEALTH_TOKEN = "chaos-health-token"
# Each subgraph's claims-signing key, shared by the stack (bff dev) and the chaos gateway.
CLAIMS_KEYS = {name: secrets.token_urlsafe(32) for name in ("students", "lessons", "analytics")}
LOAD_FAULTS: tuple[Fault, ...] = ("slow", "reset", "http_500", "trickle", "not_json", "down")


@dataclass
class Answer:
    status: int
    body: Any
    seconds: float

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("errors") or []) if isinstance(self.body, dict) else []

    def codes(self) -> list[str]:
        return [str((e.get("extensions") or {}).get("code")) for e in self.errors]

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None


@dataclass
class Chaos:
    """The running pieces and what the rows need to talk to them."""

    stack: subprocess.Popen[bytes]
    gateway: subprocess.Popen[bytes]
    description: dict[str, Any]
    credentials: dict[str, Any]
    analytics: FaultProxy
    registry_table: FaultProxy
    gateway_url: str
    session: aiohttp.ClientSession
    samples: list[Sample] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    phase: str = "start"

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        method: str = "POST",
        params: dict[str, str] | None = None,
    ) -> Answer:
        sent = {
            "content-type": "application/json",
            "accept": "application/graphql-response+json",
            "authorization": f"Bearer {self.credentials['token']}",
            **(headers or {}),
        }
        payload = (
            body if body is not None else orjson.dumps({"query": query, "variables": variables})
        )
        started = time.monotonic()
        async with self.session.request(
            method,
            f"{self.gateway_url}/graphql",
            data=payload if method == "POST" else None,
            params=params,
            headers=sent,
            timeout=aiohttp.ClientTimeout(total=60),
        ) as response:
            raw = await response.read()
            status = response.status
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = raw.decode(errors="replace")
        return Answer(status, parsed, time.monotonic() - started)

    async def health(self) -> dict[str, Any]:
        async with self.session.get(
            f"{self.gateway_url}/health", headers={"authorization": f"Bearer {HEALTH_TOKEN}"}
        ) as response:
            return await response.json()

    async def registry(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(
            method,
            f"{self.description['registryUrl']}{path}",
            json=body,
            headers={"authorization": f"Bearer {self.credentials['adminToken']}"},
        ) as response:
            return response.status, await response.json(content_type=None)


# --- the queries -------------------------------------------------------------------------------

# `lessons` comes from lessons only; `s` needs students and analytics (xp). `student` is
# nullable, so a failed analytics call nulls `s` alone and `lessons` is still answered.
PARTIAL = "query Partial($id: ID!) { lessons { id } s: student(id: $id) { name xp } }"
COMPLETE = (
    "mutation Complete($student: ID!, $lesson: ID!, $language: Language!) {"
    " completeLesson(studentId: $student, lessonId: $lesson, language: $language)"
    " { awardedXp firstCompletion } }"
)


async def _a_student(chaos: Chaos) -> str:
    answer = await chaos.post("{ students(first: 1) { items { id } } }")
    return str(answer.data["students"]["items"][0]["id"])


def _describe(answer: Answer) -> str:
    codes = ",".join(sorted(set(answer.codes()))) or "no errors"
    return f"HTTP {answer.status}, {codes}, {answer.seconds:.2f} s"


async def _partial_answer(chaos: Chaos, student: str) -> tuple[str, bool]:
    """One PARTIAL request while analytics misbehaves: lessons answered, `s` null with an error
    at its path, within the deadline."""
    answer = await chaos.post(PARTIAL, {"id": student})
    data = answer.data or {}
    explained = any((error.get("path") or [None])[0] == "s" for error in answer.errors)
    ok = (
        answer.status == 200
        and bool(data.get("lessons"))
        and data.get("s") is None
        and explained
        and answer.seconds <= LATE
    )
    return f"lessons answered: {bool(data.get('lessons'))}; s: {data.get('s')}; " + _describe(
        answer
    ), ok


def subgraph_fault_row(fault: Fault, expected: str) -> Callable[[Chaos], Awaitable[Row]]:
    async def row(chaos: Chaos) -> Row:
        student = await _a_student(chaos)
        await chaos.analytics.set(fault)
        try:
            observed, ok = await _partial_answer(chaos, student)
            # A few more: the breaker may open, and must answer at once while open.
            for _ in range(6):
                _, more_ok = await _partial_answer(chaos, student)
                ok = ok and more_ok
            breakers = {s["name"]: s["breaker"] for s in (await chaos.health())["services"]}
            observed += f"; then 6 more alike: {'all' if ok else 'not all'} as expected"
            observed += f"; analytics breaker: {breakers.get('analytics')}"
        finally:
            await chaos.analytics.set("ok")
        recovered = await _recovered(chaos, student)
        observed += f"; recovered after the fault: {recovered}"
        return Row(f"analytics subgraph {fault}", expected, observed, ok and recovered)

    return row


async def _recovered(chaos: Chaos, student: str, within: float = 15.0) -> bool:
    """A full answer again once the fault is gone (the breaker probes and closes)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        answer = await chaos.post(PARTIAL, {"id": student})
        if answer.status == 200 and not answer.errors and answer.data["s"] is not None:
            return True
        await asyncio.sleep(0.5)
    return False


async def baseline(chaos: Chaos) -> Row:
    student = await _a_student(chaos)
    answer = await chaos.post(PARTIAL, {"id": student})
    xp = (answer.data or {}).get("s", {}) or {}
    ok = answer.status == 200 and not answer.errors and isinstance(xp.get("xp"), int)
    return Row(
        "no fault (baseline)",
        "full answer from three subgraphs",
        f"xp {xp.get('xp')!r}; " + _describe(answer),
        ok,
    )


def registry_fault_row(fault: Fault) -> Callable[[Chaos], Awaitable[Row]]:
    async def row(chaos: Chaos) -> Row:
        student = await _a_student(chaos)
        await chaos.registry_table.set(fault)
        try:
            answers = []
            for _ in range(20):
                answers.append(await chaos.post(PARTIAL, {"id": student}))
                await asyncio.sleep(0.1)  # spans refresh attempts (REGISTRY_POLL_SECONDS=1)
        finally:
            await chaos.registry_table.set("ok")
        slowest = max(answer.seconds for answer in answers)
        full = sum(1 for a in answers if a.status == 200 and not a.errors)
        ok = full == len(answers) and slowest < 1.0
        return Row(
            f"registry table {fault}",
            "every request answered at once from the last good supergraph",
            f"{full}/{len(answers)} full answers, slowest {slowest:.2f} s",
            ok,
        )

    return row


async def concurrent_registrations(chaos: Chaos) -> Row:
    names = [f"chaos{index}" for index in range(6)]
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])'
        "\ntype Query {{ {name}: Int }}\n"
    )
    registered = await asyncio.gather(
        *(
            chaos.registry(
                "PUT",
                f"/services/{name}",
                {"url": "http://127.0.0.1:9/graphql", "sdl": sdl.format(name=name)},
            )
            for name in names
        )
    )
    _, listing = await chaos.registry("GET", "/services")
    present = {service["name"] for service in listing["services"]}
    version = listing["supergraphVersion"]
    served = None
    for _ in range(40):  # the gateway picks the newest version up in the background
        served = (await chaos.health()).get("supergraphVersion")
        if served == version:
            break
        await asyncio.sleep(0.25)
    removed = await asyncio.gather(
        *(chaos.registry("DELETE", f"/services/{name}") for name in names)
    )
    _, after = await chaos.registry("GET", "/services")
    left = {service["name"] for service in after["services"]} & set(names)
    statuses = Counter(status for status, _ in (*registered, *removed))
    ok = statuses == Counter({200: 12}) and set(names) <= present and served == version and not left
    return Row(
        "6 concurrent registrations, then 6 concurrent removals",
        "all 200, none lost, the gateway serves the newest version",
        f"statuses {dict(statuses)}; all 6 listed: {set(names) <= present}; "
        f"gateway on version {served} of {version}; left after removal: {sorted(left)}",
        ok,
    )


async def concurrent_completions(chaos: Chaos) -> Row:
    suffix = uuid.uuid4().hex[:8]
    registered = await chaos.post(
        "mutation($i: RegisterStudentInput!) { registerStudent(input: $i) { id } }",
        {"i": {"name": f"Chaos {suffix}", "email": f"chaos-{suffix}@example.com"}},
    )
    student = registered.data["registerStudent"]["id"]
    lessons = await chaos.post("{ lessons { id xp languages } }")
    lesson = lessons.data["lessons"][0]
    variables = {"student": student, "lesson": lesson["id"], "language": lesson["languages"][0]}
    answers = await asyncio.gather(*(chaos.post(COMPLETE, variables) for _ in range(20)))
    results = [a.data["completeLesson"] for a in answers if a.data and a.data.get("completeLesson")]
    first = [r for r in results if r["firstCompletion"]]
    awarded = sum(r["awardedXp"] for r in results)
    xp = None
    for _ in range(40):  # the event path delivers within seconds
        xp = (await chaos.post("query($id: ID!) { student(id: $id) { xp } }", {"id": student})).data
        xp = (xp or {}).get("student", {}).get("xp")
        if xp:
            break
        await asyncio.sleep(0.25)
    ghost = await chaos.post(COMPLETE, {**variables, "student": f"ghost-{suffix}"})
    ok = (
        len(results) == 20
        and len(first) == 1
        and awarded == lesson["xp"]
        and xp == lesson["xp"]
        and "NOT_FOUND" in ghost.codes()
    )
    return Row(
        "20 concurrent completions of one lesson; one for a ghost student",
        "XP awarded exactly once; the ghost refused with NOT_FOUND",
        f"{len(results)} answered, {len(first)} first, {awarded} XP awarded "
        f"(lesson: {lesson['xp']}), student xp {xp}; ghost: {','.join(ghost.codes())}",
        ok,
    )


@dataclass(frozen=True)
class BadInput:
    name: str
    statuses: tuple[int, ...]
    code: str | None = None
    query: str | None = None
    body: bytes | None = None
    headers: dict[str, str] | None = None
    method: str = "POST"
    variables: dict[str, Any] | None = None


CORPUS = (
    BadInput("body is not JSON", (400,), body=b"{not json"),
    BadInput("body is not UTF-8", (400,), body=b'{"query": "{ \xff\xfe }"}'),
    BadInput("no query", (400,), body=b'{"variables": {}}'),
    BadInput("wrong content type", (415,), body=b"{}", headers={"content-type": "text/plain"}),
    BadInput("body over 1 MB", (413,), body=b'{"query": "' + b" " * (1 << 20) + b'{ x }"}'),
    BadInput("syntax error", (400,), "GRAPHQL_PARSE_FAILED", "{ students { id }"),
    BadInput("20 000 tokens", (400,), "GRAPHQL_PARSE_FAILED", "{ " + "a " * 20_000 + "}"),
    BadInput(
        "__typename x1000", (400,), "GRAPHQL_VALIDATION_FAILED", "{ " + "__typename " * 1000 + "}"
    ),
    BadInput(
        "800 identical fields",
        (400,),
        "GRAPHQL_VALIDATION_FAILED",
        "{ " + "lessons { id } " * 800 + "}",
    ),
    BadInput(
        "nested 40 deep", (400,), "GRAPHQL_VALIDATION_FAILED", "{ " + "a { " * 40 + "b" + " }" * 41
    ),
    BadInput("unknown field", (400,), "GRAPHQL_VALIDATION_FAILED", "{ nope }"),
    BadInput(
        "variable of the wrong type",
        (400,),
        "BAD_USER_INPUT",
        "query($n: Int!) { students(first: $n) { items { id } } }",
        variables={"n": "many"},
    ),
    BadInput("mutation over GET", (405,), method="GET"),
)


async def bad_input_corpus(chaos: Chaos) -> Row:
    failures = []
    for case in CORPUS:
        if case.method == "GET":
            answer = await chaos.post(
                "", method="GET", params={"query": "mutation { refreshLeaderboards }"}
            )
        else:
            answer = await chaos.post(
                case.query or "", case.variables, body=case.body, headers=case.headers
            )
        if answer.status not in case.statuses or (case.code and case.code not in answer.codes()):
            failures.append(f"{case.name}: {_describe(answer)}")
    # Memory under repetition: the same invalid 300 KB query, 100 times.
    before = _rss_mb(chaos.gateway.pid)
    invalid = "{ nope " + "x " * 150_000 + "}"
    for _ in range(100):
        await chaos.post(invalid)
    growth = _rss_mb(chaos.gateway.pid) - before
    ok = not failures and growth < 30
    observed = f"{len(CORPUS) - len(failures)}/{len(CORPUS)} refused as expected"
    if failures:
        observed += " (" + "; ".join(failures) + ")"
    observed += f"; RSS {growth:+.1f} MB over 100 repeats of a 300 KB invalid query"
    return Row(
        "bad-input corpus (13 kinds) and a repeated invalid query",
        "each refused with its 4xx and code, never a 5xx; memory flat",
        observed,
        ok,
    )


async def load_with_faults(chaos: Chaos, seconds: float) -> Row:
    student = await _a_student(chaos)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    broken: list[str] = []
    stop = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < stop:
            try:
                answer = await chaos.post(PARTIAL, {"id": student})
            except (aiohttp.ClientError, TimeoutError) as error:
                broken.append(type(error).__name__)
                continue
            statuses[answer.status] += 1
            latencies.append(answer.seconds)
            if not isinstance(answer.body, dict) or not (answer.data or {}).get("lessons"):
                broken.append(f"HTTP {answer.status} without lessons")

    async def faults() -> None:
        index = 0
        while time.monotonic() < stop:
            fault = LOAD_FAULTS[index % len(LOAD_FAULTS)] if index % 2 else "ok"
            chaos.phase = f"load: {fault}"
            await chaos.analytics.set(fault)
            index += 1
            await asyncio.sleep(min(8.0, max(0.0, stop - time.monotonic())))
        await chaos.analytics.set("ok")

    sockets_before = _sockets(chaos.gateway.pid)
    await asyncio.gather(faults(), *(client() for _ in range(16)))
    chaos.phase = "after load"
    recovered = await _recovered(chaos, student)
    await asyncio.sleep(6)  # idle pooled connections close after SUBGRAPH_KEEPALIVE_SECONDS
    sockets_after = _sockets(chaos.gateway.pid)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    ok = (
        not broken
        and set(statuses) == {200}
        and p99 <= LATE
        and recovered
        and sockets_after <= sockets_before + 8
    )
    return Row(
        f"{seconds:.0f} s of load (16 clients) while analytics faults come and go",
        "every answer 200 with lessons, p99 within the deadline, no socket leak, recovery",
        f"{sum(statuses.values())} requests, statuses {dict(statuses)}, {len(broken)} broken"
        f"{' (' + ', '.join(sorted(set(broken))[:3]) + ')' if broken else ''}; "
        f"p50 {latencies[len(latencies) // 2] if latencies else 0:.2f} s, p99 {p99:.2f} s, "
        f"max {latencies[-1] if latencies else 0:.2f} s; sockets {sockets_before} before, "
        f"{sockets_after} after; recovered: {recovered}",
        ok,
    )


# --- processes and sampling ---------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


async def _sample(chaos: Chaos) -> None:
    while True:
        chaos.samples.append(
            Sample(
                time.monotonic() - chaos.started,
                _rss_mb(chaos.gateway.pid),
                _sockets(chaos.gateway.pid),
                chaos.phase,
            )
        )
        await asyncio.sleep(1.0)


def _start_stack(work: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any], dict[str, Any]]:
    state = work / "dev"
    state.mkdir(parents=True)
    output = (work / "bff-dev.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bff.cli", "dev", "--free-ports", "--dir", str(state)],
        # The subgraphs accept identities signed with these; the chaos gateway signs with them.
        env={**os.environ, "SUBGRAPH_CLAIMS_KEYS": json.dumps(CLAIMS_KEYS)},
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    description = state / "stack.json"
    deadline = time.monotonic() + STARTUP_SECONDS
    while not description.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            raise SystemExit(f"the local stack did not start; see {work / 'bff-dev.log'}")
        time.sleep(0.2)
    return (
        process,
        json.loads(description.read_text()),
        json.loads((state / "credentials.json").read_text()),
    )


def _start_gateway(
    work: Path,
    description: dict[str, Any],
    credentials: dict[str, Any],
    analytics: FaultProxy,
    registry_table: FaultProxy,
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    edge = description["graphqlUrl"].rsplit("/graphql", 1)[0]
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **LOCAL_AWS_ENV,
        "AWS_ENDPOINT_URL_DYNAMODB": registry_table.url,
        "REGISTRY_TABLE": "registry",
        "REGISTRY_POLL_SECONDS": "1",
        "SUBGRAPH_API_KEYS": json.dumps(credentials["apiKeys"]),
        "SUBGRAPH_CLAIMS_KEYS": json.dumps(CLAIMS_KEYS),
        "SUBGRAPH_URL_OVERRIDES": json.dumps({"analytics": f"{analytics.url}/graphql"}),
        "SUBGRAPH_TIMEOUT_SECONDS": "2",
        "REQUEST_DEADLINE_SECONDS": str(DEADLINE_SECONDS),
        "SUBGRAPH_BREAKER_OPEN_SECONDS": "2",
        "HEALTH_TOKEN": HEALTH_TOKEN,
        "JWT_ISSUER": DEV_ISSUER,
        "JWT_AUDIENCE": DEV_AUDIENCE,
        "JWT_JWKS_URL": f"{edge}/.well-known/jwks.json",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    output = (work / "bff-serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bff.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


async def _wait_ready(chaos: Chaos) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if chaos.gateway.poll() is not None:
            raise SystemExit("bff serve exited; see bench/.work/chaos/bff-serve.log")
        try:
            if (await chaos.health()).get("status") == "ok":
                return
        except (aiohttp.ClientError, ValueError):
            pass
        await asyncio.sleep(0.3)
    raise SystemExit("bff serve did not become ready")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


SUBGRAPH_FAULTS: tuple[tuple[Fault, str], ...] = (
    ("down", "connection refused: partial answer, SUBGRAPH_UNAVAILABLE at once; breaker opens"),
    ("slow", "30 s answer: partial answer by the 3 s deadline"),
    ("http_500", "HTTP 500: partial answer, SUBGRAPH_UNAVAILABLE (not retried)"),
    ("not_json", "HTML body: partial answer, SUBGRAPH_UNAVAILABLE"),
    ("reset", "connection reset after the request: retried once, then SUBGRAPH_UNAVAILABLE"),
    ("trickle", "1 byte per 200 ms: cut at the deadline, partial answer"),
    ("huge", "gzip bomb (64 KB -> 64 MB): cut off at the size limit, partial answer"),
    ("wrong_types", "numbers as strings: an error at the field's path, never the string"),
)


async def run(seconds: float) -> list[Row]:
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    stack, description, credentials = _start_stack(WORK_DIR)
    gateway: subprocess.Popen[bytes] | None = None
    analytics = await FaultProxy(description["subgraphUrls"]["analytics"].rsplit("/", 1)[0]).start()
    registry_table = await FaultProxy(description["dynamodbEndpoint"], slow_seconds=10).start()
    rows: list[Row] = []
    try:
        gateway, url = _start_gateway(WORK_DIR, description, credentials, analytics, registry_table)
        async with aiohttp.ClientSession() as session:
            chaos = Chaos(
                stack, gateway, description, credentials, analytics, registry_table, url, session
            )
            await _wait_ready(chaos)
            sampler = asyncio.ensure_future(_sample(chaos))
            steps: list[tuple[str, Callable[[Chaos], Awaitable[Row]]]] = [
                ("baseline", baseline),
                *((f"analytics {f}", subgraph_fault_row(f, e)) for f, e in SUBGRAPH_FAULTS),
                ("registry slow", registry_fault_row("slow")),
                ("registry down", registry_fault_row("down")),
                ("registrations", concurrent_registrations),
                ("completions", concurrent_completions),
                ("bad input", bad_input_corpus),
            ]
            for phase, step in steps:
                chaos.phase = phase
                print(f"chaos: {phase} ...", file=sys.stderr, flush=True)
                rows.append(await _guarded(phase, step(chaos)))
                print(f"chaos:   {'pass' if rows[-1].passed else 'FAIL'}", file=sys.stderr)
            if seconds > 0:
                print(f"chaos: {seconds:.0f} s of load with faults ...", file=sys.stderr)
                rows.append(await _guarded("load", load_with_faults(chaos, seconds)))
            sampler.cancel()
            write_report(REPORT, rows, chaos.samples, seconds=seconds)
    finally:
        await analytics.stop()
        await registry_table.stop()
        if gateway is not None:
            _stop(gateway)
        _stop(stack)
    return rows


async def _guarded(name: str, step: Awaitable[Row]) -> Row:
    try:
        return await asyncio.wait_for(step, timeout=300)
    except Exception as error:  # a row that crashed is a failed row, with the reason
        return Row(
            name, "(row ran)", f"the row itself failed: {type(error).__name__}: {error}", False
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument(
        "--load-seconds", type=float, default=120.0, help="length of the load with faults"
    )
    args = parser.parse_args(argv)
    rows = asyncio.run(run(args.load_seconds))
    failed = [row for row in rows if not row.passed]
    print(f"chaos: {len(rows) - len(failed)}/{len(rows)} rows pass; report: {REPORT}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
