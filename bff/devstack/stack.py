"""The whole local stack (`bff dev`): DynamoDB, registry, three services, events, the BFF, and
a trace store that the BFF and the services send their spans to (`bff trace TRACE_ID`).

`start_stack(ports, state_dir)` starts everything and returns a `RunningStack` (used by `bff dev`
on the fixed ports of ARCHITECTURE.md section 8 and by tests on free ports); `stop()` ends every
process it started. Each child runs in its own process group, so a Ctrl-C in the terminal reaches
only `bff dev`, which then stops the children in reverse order, and nothing is left behind.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from bff.devstack.jwt_keys import DEV_AUDIENCE, DEV_ISSUER, load_or_create_signing_key
from bff.devstack.moto_server import LOCAL_AWS_ENV, MotoServer, free_port, wait_for_port

HOST = "127.0.0.1"
SERVICE_NAMES = ("students", "lessons", "analytics")
# The demo's clients: web (apq, full schema), mobile (safelist, contract without `internal`).
CLIENTS_DIR = Path(__file__).parent / "clients"
# Tokens from `make dev` last a working day; `bff token` mints others.
DEV_TOKEN_TTL_SECONDS = 12 * 3600
# `token`: an admin (the README's examples create lessons); `userToken`: the demo user, a plain
# user who owns the demo student `userStudentId` (services/demo.py).
DEV_TOKEN_SUBJECT = "dev-admin"
DEV_ADMIN_SCOPE = "openid admin"
DEV_USER_SCOPE = "openid"
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 5.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The BFF looks for a newer supergraph this often (seconds); short, so a re-registration shows.
REGISTRY_POLL_SECONDS = "1"
# Web apps on the usual development servers (React/Next, Vite, Angular, Vue) may call the local
# BFF from the browser; CORS_ALLOW_ORIGINS in the environment or `bff dev --cors-origin` replace
# them.
LOCAL_CORS_ORIGINS = tuple(
    f"http://{host}:{port}" for port in (3000, 5173, 4200, 8080) for host in ("localhost", HOST)
)
# Every part batches its spans this long (ms) before sending them to the trace store: a
# request's trace is there a moment after its answer.
TRACE_BATCH_DELAY_MS = "100"
# A query across all three services: names (students), XP (analytics), lessons done (lessons).
EXAMPLE_QUERY = "{ students(first: 3) { items { name xp completions { lesson { title } } } } }"


@dataclass(frozen=True)
class StackPorts:
    """Where each part listens; the defaults are the fixed local addresses."""

    dynamodb: int = 8000
    # OTLP/HTTP's own port: SDKs left at their default endpoint send their spans here too.
    traces: int = 4318
    registry: int = 4010
    students: int = 4001
    lessons: int = 4002
    analytics: int = 4003
    bff: int = 4000

    @classmethod
    def free(cls) -> StackPorts:
        """Free ports for every part (tests)."""
        return cls(**{part.name: free_port(HOST) for part in fields(cls)})

    def named(self) -> list[tuple[str, int]]:
        return [(part.name, getattr(self, part.name)) for part in fields(self)]

    def service(self, name: str) -> int:
        return int(getattr(self, name))


class StackError(RuntimeError):
    """The stack cannot start; the message says why (a busy port, a part that failed)."""


def busy_ports(ports: StackPorts, host: str = HOST) -> list[tuple[str, int]]:
    """Parts whose port something else already listens on."""
    busy = []
    for name, port in ports.named():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # SO_REUSEADDR as the servers use it: a port in TIME_WAIT is free, a listener is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                busy.append((name, port))
    return busy


@dataclass(frozen=True)
class DevCredentials:
    """What `.dev/credentials.json` holds (ARCHITECTURE.md section 8)."""

    token: str
    user_token: str
    user_student_id: str
    admin_token: str
    # Each service's registry credential: registers and checks that service only.
    service_tokens: dict[str, str]
    api_keys: dict[str, str]
    # Each subgraph's claims-signing key (the BFF signs, the subgraph verifies); not written out.
    claims_keys: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "userToken": self.user_token,
            "userStudentId": self.user_student_id,
            "adminToken": self.admin_token,
            "serviceTokens": self.service_tokens,
            "apiKeys": self.api_keys,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only: these unlock the local stack.
        path.touch(mode=0o600)
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")


def dev_claims_keys(environ: Mapping[str, str]) -> dict[str, str]:
    """Each subgraph's claims-signing key: new random ones, except those SUBGRAPH_CLAIMS_KEYS
    (a JSON object, as `bff serve` reads it) names, so a second local gateway (`make chaos`'s
    `bff serve`) can sign identities the stack's subgraphs accept."""
    given = json.loads(environ.get("SUBGRAPH_CLAIMS_KEYS") or "{}")
    return {name: str(given.get(name) or secrets.token_urlsafe(32)) for name in SERVICE_NAMES}


@dataclass
class ChildProcess:
    """One started part, in its own process group."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self) -> str:
        return _log_tail(self.log_path)

    def stop(self) -> None:
        if not self.running():
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        self.process.wait()

    def _signal(self, signum: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


@dataclass
class RunningStack:
    """Handles on a started stack; `stop()` (or leaving the `with` block) ends it."""

    ports: StackPorts
    state_dir: Path
    credentials: DevCredentials
    tables: dict[str, str]
    moto: MotoServer
    cors_origins: tuple[str, ...] = ()
    children: list[ChildProcess] = field(default_factory=list)

    @property
    def bff_url(self) -> str:
        return f"http://{HOST}:{self.ports.bff}"

    @property
    def graphql_url(self) -> str:
        return f"{self.bff_url}/graphql"

    @property
    def registry_url(self) -> str:
        return f"http://{HOST}:{self.ports.registry}"

    @property
    def dynamodb_endpoint(self) -> str:
        return self.moto.endpoint

    @property
    def traces_url(self) -> str:
        return f"http://{HOST}:{self.ports.traces}"

    def subgraph_url(self, name: str) -> str:
        return f"http://{HOST}:{self.ports.service(name)}/graphql"

    def write_description(self, path: Path) -> None:
        """Where everything listens and which processes run (written once all is up)."""
        description = {
            "graphqlUrl": self.graphql_url,
            "registryUrl": self.registry_url,
            "dynamodbEndpoint": self.dynamodb_endpoint,
            "tracesUrl": self.traces_url,
            "subgraphUrls": {name: self.subgraph_url(name) for name in SERVICE_NAMES},
            "ports": dict(self.ports.named()),
            "pids": {child.name: child.process.pid for child in self.children}
            | ({"dynamodb": self.moto.process.pid} if self.moto.process else {}),
        }
        path.write_text(json.dumps(description, indent=2) + "\n")

    def failed_child(self) -> ChildProcess | None:
        return next((child for child in self.children if not child.running()), None)

    def stop(self) -> None:
        """Stop every part, each given STOP_TIMEOUT_SECONDS to exit. Interrupted while stopping
        (a second Ctrl-C), it kills what is left at once instead of raising."""
        try:
            for child in reversed(self.children):
                child.stop()
            self.moto.stop()
        except KeyboardInterrupt:
            with _signals_ignored():
                print("bff dev: interrupted again: killing what is left.", flush=True)
                for child in self.children:
                    child.kill()
                self.moto.kill()
        self.children.clear()

    def __enter__(self) -> RunningStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_stack(
    ports: StackPorts | None = None,
    state_dir: Path = Path(".dev"),
    *,
    log_dir: Path | None = None,
    cors_origins: tuple[str, ...] | None = None,
) -> RunningStack:
    """Start every part and return when the BFF answers; on any failure stop what started.

    `log_dir`: each part's output goes to `<log_dir>/<part>.log` (tests); None inherits the
    terminal (`bff dev`). `cors_origins`: browser origins allowed to call the BFF (default:
    CORS_ALLOW_ORIGINS if set, else `LOCAL_CORS_ORIGINS`).
    """
    ports = ports or StackPorts()
    state_dir = state_dir.resolve()
    # A description left by an earlier run must not be mistaken for this one's.
    (state_dir / "stack.json").unlink(missing_ok=True)
    busy = busy_ports(ports)
    if busy:
        raise StackError(_busy_message(busy))
    signing_key = load_or_create_signing_key(state_dir)
    from services.demo import DEMO_USER_STUDENT_ID, DEMO_USER_SUB

    credentials = DevCredentials(
        token=signing_key.mint(
            DEV_TOKEN_SUBJECT,
            ttl_seconds=DEV_TOKEN_TTL_SECONDS,
            extra_claims={"scope": DEV_ADMIN_SCOPE},
        ),
        user_token=signing_key.mint(
            DEMO_USER_SUB, ttl_seconds=DEV_TOKEN_TTL_SECONDS, extra_claims={"scope": DEV_USER_SCOPE}
        ),
        user_student_id=DEMO_USER_STUDENT_ID,
        admin_token=secrets.token_urlsafe(32),
        service_tokens={name: secrets.token_urlsafe(32) for name in SERVICE_NAMES},
        api_keys={name: secrets.token_urlsafe(32) for name in SERVICE_NAMES},
        claims_keys=dev_claims_keys(os.environ),
    )
    tables = {
        "students": "students",
        "lessons": "lessons",
        "analytics": "analytics",
        "registry": "registry",
        "bff": "bff",
    }
    stack = RunningStack(
        ports=ports,
        state_dir=state_dir,
        credentials=credentials,
        tables=tables,
        moto=MotoServer(host=HOST, port=ports.dynamodb),
        cors_origins=local_cors_origins(cors_origins),
    )
    launcher = _Launcher(stack, log_dir)
    try:
        stack.moto.start()
        _create_tables(stack)
        seeded_file, events_ready_file = state_dir / "seeded", state_dir / "events.ready"
        seeded_file.unlink(missing_ok=True)
        events_ready_file.unlink(missing_ok=True)
        # Up before every part that sends it spans.
        launcher.start(
            "traces",
            [
                *("-m", "bff.devstack.trace_store"),
                *("--host", HOST, "--port", str(ports.traces)),
            ],
            {},
            port=ports.traces,
        )
        # Started early: it drains the demo data's stream backlog while the rest starts.
        launcher.start(
            "events",
            [
                *("-m", "bff.devstack.event_path"),
                *("--seeded-file", str(seeded_file), "--ready-file", str(events_ready_file)),
            ],
            {},
            port=None,
        )
        launcher.start(
            "registry",
            [
                "-m",
                "uvicorn",
                "--factory",
                "discovery.api:create_app",
                "--host",
                HOST,
                "--port",
                str(ports.registry),
                "--log-level",
                "warning",
            ],
            {
                "REGISTRY_ADMIN_TOKEN": credentials.admin_token,
                "REGISTRY_SERVICE_TOKENS": json.dumps(credentials.service_tokens),
            },
            port=ports.registry,
        )
        for name in SERVICE_NAMES:
            launcher.start(
                name,
                ["-m", "bff.cli", "serve-service", name, "--port", str(ports.service(name))],
                {
                    "API_KEYS": credentials.api_keys[name],
                    "CLAIMS_KEYS": credentials.claims_keys[name],
                },
                port=ports.service(name),
                wait=False,
            )
        for name in SERVICE_NAMES:
            launcher.wait_until_listening(name, ports.service(name))
            _register(stack, name)
        _register_clients(stack)
        launcher.run_once("seed", ["-m", "bff.cli", "seed"])
        seeded_file.touch()
        launcher.start(
            "bff",
            [
                "-m",
                "bff.devstack.apigateway",
                "--host",
                HOST,
                "--port",
                str(ports.bff),
                "--key-dir",
                str(state_dir),
                "--issuer",
                DEV_ISSUER,
                "--audience",
                DEV_AUDIENCE,
            ],
            {
                "SUBGRAPH_API_KEYS": json.dumps(credentials.api_keys),
                "SUBGRAPH_CLAIMS_KEYS": json.dumps(credentials.claims_keys),
                # Off by default in production; on for local development.
                "GRAPHIQL_ENABLED": "true",
                "INTROSPECTION_ENABLED": "true",
                "REGISTRY_POLL_SECONDS": REGISTRY_POLL_SECONDS,
                "POWERTOOLS_SERVICE_NAME": "bff",
                # The admin's credential also shows /health's details locally.
                "HEALTH_TOKEN": credentials.admin_token,
                "CORS_ALLOW_ORIGINS": ",".join(stack.cors_origins),
                # GraphiQL opens with the stack's token in its Headers tab.
                "GRAPHIQL_DEFAULT_HEADERS": json.dumps(
                    {"Authorization": f"Bearer {credentials.token}"}
                ),
            },
            port=ports.bff,
        )
        launcher.wait_for_file("events", events_ready_file)
        credentials.write(state_dir / "credentials.json")
        stack.write_description(state_dir / "stack.json")
    except BaseException:
        # Nothing half-started: whatever came up goes down again, also on Ctrl-C.
        stack.stop()
        raise
    return stack


def local_cors_origins(configured: tuple[str, ...] | None) -> tuple[str, ...]:
    if configured is not None:
        return configured
    if "CORS_ALLOW_ORIGINS" in os.environ:
        return tuple(o.strip() for o in os.environ["CORS_ALLOW_ORIGINS"].split(",") if o.strip())
    return LOCAL_CORS_ORIGINS


class _Launcher:
    """Starts the stack's child processes with the stack's environment."""

    def __init__(self, stack: RunningStack, log_dir: Path | None) -> None:
        self.stack = stack
        self.log_dir = log_dir
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
        self.environment = _child_environment(stack)

    def start(
        self,
        name: str,
        arguments: list[str],
        extra_env: Mapping[str, str],
        *,
        port: int | None,
        wait: bool = True,
    ) -> ChildProcess:
        log_path, output = self._output(name)
        try:
            process = subprocess.Popen(
                [sys.executable, *arguments],
                env={**self.environment, **extra_env},
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()
        child = ChildProcess(name, process, log_path)
        self.stack.children.append(child)
        if port is not None and wait:
            self.wait_until_listening(name, port)
        return child

    def run_once(self, name: str, arguments: list[str]) -> None:
        log_path, output = self._output(name)
        try:
            completed = subprocess.run(
                [sys.executable, *arguments],
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=STARTUP_TIMEOUT_SECONDS,
                check=False,
            )
        finally:
            if output is not None:
                output.close()
        if completed.returncode != 0:
            tail = _log_tail(log_path)
            raise StackError(f"{name} failed (exit {completed.returncode})\n{tail}".rstrip())

    def wait_until_listening(self, name: str, port: int) -> None:
        child = next(c for c in self.stack.children if c.name == name)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not child.running():
                raise StackError(
                    f"{name} exited during startup (exit {child.process.returncode})\n"
                    f"{child.log_tail()}".rstrip()
                )
            try:
                wait_for_port(HOST, port, timeout=0.5)
                return
            except TimeoutError:
                continue
        raise StackError(f"{name} did not listen on {HOST}:{port} in time")

    def wait_for_file(self, name: str, path: Path) -> None:
        """Wait until part `name` signals readiness by creating `path`."""
        child = next(c for c in self.stack.children if c.name == name)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not path.exists():
            if not child.running():
                raise StackError(f"{name} exited during startup\n{child.log_tail()}".rstrip())
            if time.monotonic() > deadline:
                raise StackError(f"{name} did not get ready in time")
            time.sleep(0.1)

    def _output(self, name: str) -> tuple[Path | None, IO[bytes] | None]:
        if self.log_dir is None:
            return None, None
        log_path = self.log_dir / f"{name}.log"
        return log_path, log_path.open("ab")


def _log_tail(log_path: Path | None, lines: int = 30) -> str:
    if log_path is None or not log_path.exists():
        return ""
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def _child_environment(stack: RunningStack) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # Real AWS settings must not leak in: everything local goes to the moto server.
        if not key.startswith("AWS_")
    }
    environment.update(LOCAL_AWS_ENV)
    environment.update(
        {
            "AWS_ENDPOINT_URL": stack.moto.endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": stack.moto.endpoint,
            "STUDENTS_TABLE": stack.tables["students"],
            "LESSONS_TABLE": stack.tables["lessons"],
            "ANALYTICS_TABLE": stack.tables["analytics"],
            "REGISTRY_TABLE": stack.tables["registry"],
            "BFF_TABLE": stack.tables["bff"],
            "PYTHONUNBUFFERED": "1",
            # The emulator's one line per request is the signal; the services' JSON logs
            # (Powertools) show warnings and errors, and no CloudWatch metric documents.
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
            # The BFF and the services trace every request into the stack's trace store.
            "TRACING_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": stack.traces_url,
            "OTEL_BSP_SCHEDULE_DELAY": TRACE_BATCH_DELAY_MS,
        }
    )
    return environment


def _create_tables(stack: RunningStack) -> None:
    import boto3

    from bff.tables import ANALYTICS, BFF, LESSONS, REGISTRY, STUDENTS, create_table

    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.moto.endpoint,
        region_name=LOCAL_AWS_ENV["AWS_DEFAULT_REGION"],
        aws_access_key_id=LOCAL_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    for spec in (STUDENTS, LESSONS, ANALYTICS, REGISTRY, BFF):
        create_table(client, spec, stack.tables[spec.logical_name])


def _register(stack: RunningStack, name: str) -> None:
    """The service registers itself as on deploy: its SDL (read with its key) to the registry,
    with its own registry credential."""
    from discovery.registration import RegistrationFailed, register_service

    try:
        register_service(
            stack.registry_url,
            stack.credentials.service_tokens[name],
            name,
            stack.subgraph_url(name),
            api_key=stack.credentials.api_keys[name],
            api_key_ref=f"local/{name}/api-key",
        )
    except RegistrationFailed as failure:
        raise StackError(f"{name} could not register: {failure}") from None


def _register_clients(stack: RunningStack) -> None:
    """The demo's clients, from CLIENTS_DIR: `NAME.json` ({policy, contract}) and, for a
    client that has one, `NAME.manifest.json` (its trusted documents)."""
    from discovery.client import RegistryClient, RegistryRequestFailed

    registry = RegistryClient(stack.registry_url, stack.credentials.admin_token)
    for path in sorted(CLIENTS_DIR.glob("*.json")):
        if path.name.endswith(".manifest.json"):
            continue
        name, client = path.stem, json.loads(path.read_text())
        manifest = CLIENTS_DIR / f"{name}.manifest.json"
        try:
            registry.put_client(name, client["policy"], client["contract"])
            if manifest.exists():
                registry.publish_documents(name, json.loads(manifest.read_text()))
        except RegistryRequestFailed as failure:
            raise StackError(f"client {name} could not be registered: {failure}") from None


def _busy_message(busy: list[tuple[str, int]]) -> str:
    listed = ", ".join(f"{HOST}:{port} ({name})" for name, port in busy)
    return (
        f"port already in use: {listed}. Nothing was started. Stop whatever listens there "
        "(another `make dev`?) and try again."
    )


@contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM both raise KeyboardInterrupt, so both run the same cleanup.

    SIGINT is set explicitly: a shell starting `bff dev` in the background (scripts, CI) leaves
    it ignored, and it must still stop the stack.
    """

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_foreground(
    state_dir: Path, ports: StackPorts | None = None, cors_origins: tuple[str, ...] | None = None
) -> int:
    """`bff dev`: start the stack, print how to use it, run until Ctrl-C or SIGTERM."""
    ports = ports or StackPorts()
    with _stop_signals():
        try:
            print("bff dev: starting the local stack ...", flush=True)
            stack = start_stack(ports, state_dir, cors_origins=cors_origins)
        except StackError as error:
            print(f"bff dev: {error}", file=sys.stderr, flush=True)
            return 1
        except KeyboardInterrupt:
            print("bff dev: interrupted during startup; everything started was stopped.")
            return 130
        try:
            print(_usage(stack), flush=True)
            while True:
                failed = stack.failed_child()
                if failed is not None:
                    print(
                        f"bff dev: {failed.name} exited (code {failed.process.returncode}); "
                        "stopping the stack.",
                        file=sys.stderr,
                    )
                    return 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nbff dev: stopping ...", flush=True)
            return 0
        finally:
            stack.stop()
            print("bff dev: stopped.", flush=True)


def _usage(stack: RunningStack) -> str:
    token = stack.credentials.token
    credentials_path = stack.state_dir / "credentials.json"
    services = "\n".join(
        f"  {name:<10} {stack.subgraph_url(name)}  (X-API-Key in {credentials_path.name})"
        for name in SERVICE_NAMES
    )
    return f"""
The local stack is up.

  GraphiQL   {stack.graphql_url}   (open in a browser; its Headers tab holds the token)
  health     {stack.bff_url}/health
  registry   {stack.registry_url}
{services}
  DynamoDB   {stack.dynamodb_endpoint}
  traces     {stack.traces_url}  (OTLP/HTTP; `bff trace TRACE_ID` prints one)

Clients: web (apq, full schema), mobile (safelist: its published documents only; no
`internal` fields). Name yours with the graphql-client-name header; `bff clients list`.
Tokens (admin: token; plain user: userToken, owning userStudentId), registry
credentials (adminToken, serviceTokens) and API keys: {credentials_path}
Browser origins allowed (CORS): {", ".join(stack.cors_origins) or "none"}

Try it:
  curl -s {stack.graphql_url} \\
    -H 'content-type: application/json' \\
    -H 'authorization: Bearer {token}' \\
    -d '{{"query": "{EXAMPLE_QUERY}"}}'

Each request line below ends with trace=TRACE_ID: `bff trace TRACE_ID` shows its spans.
Ctrl-C stops everything.
"""
