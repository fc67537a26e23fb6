"""A loopback HTTP/1.1 server for transport tests, scripted per request: answer, drop the
connection without a byte, answer a status or any body, hang, or send a gzip bomb.

Raw asyncio rather than aiohttp's server: a test must be able to close a keep-alive connection
at the exact moment a request arrives on it, as a subgraph's idle timeout does in the wild.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

ANSWER = orjson.dumps({"data": {"userCount": 2}})


@dataclass(frozen=True)
class Received:
    connection: int  # 0, 1, ... in the order connections were accepted
    nth_on_connection: int  # 0 for a connection's first request
    body: bytes
    headers: dict[str, str]


# What to do with a request: "answer", "drop", "hang", "gzip_bomb", an HTTP status to send, or
# bytes to send as the body of a 200.
Action = str | int | bytes
Script = Callable[[Received], Action]


@dataclass
class ScriptedSubgraph:
    script: Script = lambda _: "answer"
    received: list[Received] = field(default_factory=list)
    url: str = ""
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None
    _connections: int = 0

    async def start(self) -> ScriptedSubgraph:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/graphql"
        return self

    async def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection, self._connections = self._connections, self._connections + 1
        nth = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = Received(connection, nth, body, headers)
                self.received.append(request)
                self.arrived.set()
                nth += 1
                action = self.script(request)
                if action == "drop":
                    writer.transport.abort()  # RST, no byte of an answer
                    return
                if action == "hang":
                    await self.release.wait()
                    action = "answer"
                if isinstance(action, bytes):
                    writer.write(_response(200, action, b""))
                elif action == "gzip_bomb":
                    payload = gzip.compress(b'{"data": {"x": "' + b"0" * (64 << 20) + b'"}}')
                    writer.write(_response(200, payload, b"Content-Encoding: gzip\r\n"))
                elif isinstance(action, int):
                    writer.write(_response(action, b"unavailable", b""))
                else:
                    writer.write(_response(200, ANSWER, b""))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


def _response(status: int, body: bytes, extra: bytes) -> bytes:
    content_type = b"application/json" if status == 200 else b"text/plain"
    return (
        f"HTTP/1.1 {status} X\r\n".encode()
        + b"Content-Type: "
        + content_type
        + b"\r\n"
        + f"Content-Length: {len(body)}\r\n".encode()
        + extra
        + b"\r\n"
        + body
    )
