"""Run a subgraph's ASGI app under uvicorn: in the foreground, or in a thread (dev stack, tests)."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_SECONDS = 20.0


class BackgroundServer:
    """uvicorn serving `app` from a daemon thread; `port=0` picks a free port.

    Use as a context manager: `with BackgroundServer(app) as server: server.url + "/graphql"`.
    `lifespan=True` runs the app's ASGI lifespan (e.g. the gateway closing its aiohttp session
    on shutdown, on the loop that opened it).
    """

    def __init__(
        self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, lifespan: bool = False
    ) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                lifespan="on" if lifespan else "off",
                log_level="warning",
            )
        )
        self.host = host
        self.port = port
        self._thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        # uvicorn offers no startup callback; `started` flips once the socket listens.
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(app: ASGIApp, host: str, port: int) -> None:
    """Serve `app` in the foreground until interrupted (the `bff serve-service` command)."""
    uvicorn.run(app, host=host, port=port, lifespan="off", log_level="info")
