"""HTTP/1.1 POSTs to subgraphs over pooled keep-alive connections: the transport's client.

A subgraph call is one small POST and one JSON answer. aiohttp's general client spent ~100 µs
of CPU on each (request and response objects, multidicts, timers, payload lookup, cookie jar),
about a third of the gateway's CPU on the deep query's 13 calls; the exchange itself needs
~15 µs (bench/results/report.md). This client does what the transport needs and nothing else:

- one pool of idle connections per (scheme, host, port), bound to the event loop that opened
  it; at most `limit_per_host` exchanges at once per host (later ones wait for a slot); an idle
  connection older than `keepalive_seconds` is closed instead of reused (servers close theirs
  after a few seconds; Node's default is 5 s);
- HTTPS with the system's CA certificates and the host name checked (the context is created on
  the first HTTPS connection, not at import);
- responses parsed by llhttp (httptools): Content-Length, chunked or read-to-close bodies;
  gzip and deflate decoded, the limit applying to the decoded size (a gzip bomb stops at it);
  a body over the limit ends the exchange with `body=None` and the connection is closed;
- failures as the retries expect them (`bff.execution.retries.ExchangeFailed`): a connection
  that cannot be opened is `not_connected` (nothing was sent), one that closes before any byte
  of the answer is `dropped`, anything later `other`. Timeouts raise `TimeoutError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import zlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httptools

from bff.execution.retries import ExchangeFailed

if TYPE_CHECKING:
    import ssl

# The encodings the client decodes (and so asks for).
_ACCEPT_ENCODING = b"Accept-Encoding: gzip, deflate\r\n"
_USER_AGENT = "User-Agent: serverless-bff\r\n"
_DECODERS: dict[bytes, int] = {b"gzip": 16 + zlib.MAX_WBITS, b"deflate": zlib.MAX_WBITS}


class _Target:
    """What one URL's requests share: where to connect and the request's first lines."""

    __slots__ = ("head", "host", "key", "port", "tls")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.key = (self.tls, self.host, self.port)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        default_port = parts.port is None or parts.port == (443 if self.tls else 80)
        host = self.host if ":" not in self.host else f"[{self.host}]"
        authority = host if default_port else f"{host}:{self.port}"
        self.head = f"POST {path} HTTP/1.1\r\nHost: {authority}\r\n{_USER_AGENT}".encode("ascii")


class Answer:
    """A subgraph's HTTP answer: `body` None when it was larger than the limit."""

    __slots__ = ("body", "status")

    def __init__(self, status: int, body: bytes | None) -> None:
        self.status = status
        self.body = body


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self.reusable = False
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Answer] | None = None
        self._limit = 0
        self._received = False
        self._chunks: list[bytes] = []
        self._size = 0
        self._decoder: Any = None
        self._encoding: bytes | None = None
        self._length: int | None = None
        self._headers_done = False
        self._chunked = False
        self._over = False
        self._closed = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # A request is one write; never hold it back waiting for an ACK (Nagle).
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            self._discard()  # bytes nobody asked for: the connection cannot be trusted
            return
        self._received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("other", "the subgraph answered with a protocol upgrade")
        except httptools.HttpParserError as error:
            self._fail("other", f"request failed: malformed HTTP response: {error}")

    def eof_received(self) -> bool | None:
        self._closed = True
        self._end_of_stream()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self.reusable = False
        self._end_of_stream()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._received:
                self._fail("other", "request failed: the subgraph closed the connection mid-answer")
            else:
                detail = f": {type(exc).__name__}: {exc}" if exc else ""
                self._fail("dropped", f"request failed: connection closed before an answer{detail}")

    def _end_of_stream(self) -> None:
        """A body with neither a length nor chunks ends with the connection (HTTP/1.0 style)."""
        if self._headers_done and self._length is None and not self._chunked:
            self.on_message_complete()

    # httptools callbacks
    def on_headers_complete(self) -> None:
        self._headers_done = True
        # A declared length over the limit needs no reading (unless compressed: the limit is
        # on the decoded size).
        length = self._length
        if length is not None and self._decoder is None and length > self._limit:
            self._over_limit()

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length":
            self._length = int(value) if value.strip().isdigit() else None
        elif name == b"transfer-encoding":
            self._chunked = b"chunked" in value.lower()
        elif name == b"content-encoding":
            encoding = value.strip().lower()
            if encoding in _DECODERS:
                self._decoder = zlib.decompressobj(_DECODERS[encoding])
            elif encoding not in (b"identity", b""):
                self._encoding = encoding

    def on_body(self, body: bytes) -> None:
        if self._over:
            return
        if self._decoder is not None:
            try:
                body = self._decoder.decompress(body, self._limit - self._size + 1)
            except zlib.error:
                self._fail("other", "request failed: the answer's compressed body is corrupt")
                return
            if self._decoder.unconsumed_tail:
                self._over_limit()
                return
        self._size += len(body)
        if self._size > self._limit:
            self._over_limit()
            return
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if self._over:
            return
        if self._decoder is not None:
            try:
                rest = self._decoder.flush()
            except zlib.error:
                self._fail("other", "request failed: the answer's compressed body is corrupt")
                return
            self._size += len(rest)
            if self._size > self._limit:
                self._over_limit()
                return
            self._chunks.append(rest)
        self.reusable = self._parser.should_keep_alive() and not self._closed
        self._finish(b"".join(self._chunks))

    # the exchange
    async def exchange(self, request: Iterable[bytes], limit: int) -> Answer:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        self._limit = limit
        self._received = self._over = False
        self._chunks, self._size, self._decoder, self._encoding = [], 0, None, None
        self._length = None
        self._headers_done = self._chunked = False
        self.reusable = False
        self.transport.write(b"".join(request))
        try:
            return await self._waiter
        finally:
            self._waiter = None
            if not self.reusable:
                self._discard()

    def _over_limit(self) -> None:
        self._over = True
        self._finish(None)

    def _finish(self, body: bytes | None) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if body is None:
            self.reusable = False
        if self._encoding is not None and body is not None:
            self.reusable = False
            self._fail("other", f"request failed: unsupported Content-Encoding {self._encoding!r}")
            return
        waiter.set_result(Answer(self._parser.get_status_code(), body))

    def _fail(self, failure: Any, reason: str) -> None:
        self.reusable = False
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ExchangeFailed(failure, reason))
        self._discard()

    def _discard(self) -> None:
        self.reusable = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class ConnectionPool:
    """POSTs over keep-alive connections of one event loop (see the module docstring)."""

    def __init__(
        self,
        *,
        keepalive_seconds: float,
        limit_per_host: int,
        connect_seconds: float,
        on_connection_opened: Callable[[], None] = lambda: None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls` verifies HTTPS subgraphs (default: the system's CA certificates, the host
        name checked)."""
        self.loop = asyncio.get_running_loop()
        self._keepalive_seconds = keepalive_seconds
        self._limit_per_host = limit_per_host
        self._connect_seconds = connect_seconds
        self._on_connection_opened = on_connection_opened
        self._idle: dict[tuple[bool, str, int], list[_Connection]] = {}
        self._slots: dict[tuple[bool, str, int], asyncio.Semaphore] = {}
        self._targets: dict[str, _Target] = {}
        self._tls = tls
        self.closed = False

    async def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        limit: int,
        fresh: bool = False,
    ) -> Answer:
        """One exchange; `fresh` opens a new connection and closes it afterwards."""
        target = self._targets.get(url)
        if target is None:
            target = self._targets[url] = _Target(url)
        lines = [target.head]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ExchangeFailed("other", f"request failed: header {name!r} spans lines")
            lines.append(f"{name}: {value}\r\n".encode("latin-1"))
        lines.append(_ACCEPT_ENCODING)
        lines.append(b"Content-Length: %d\r\n\r\n" % len(body))
        lines.append(body)
        slots = self._slots.get(target.key)
        if slots is None:
            slots = self._slots[target.key] = asyncio.Semaphore(self._limit_per_host)
        async with slots:
            connection = None if fresh else self._pooled(target.key)
            if connection is None:
                connection = await self._open(target)
            try:
                answer = await connection.exchange(lines, limit)
            except BaseException:
                connection._discard()
                raise
            if connection.reusable and not fresh and not self.closed:
                connection.idle_since = time.monotonic()
                self._idle.setdefault(target.key, []).append(connection)
            else:
                connection._discard()
            return answer

    def _pooled(self, key: tuple[bool, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        oldest = time.monotonic() - self._keepalive_seconds
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to be closed
            transport = connection.transport
            fresh_enough = connection.idle_since >= oldest
            if fresh_enough and transport is not None and not transport.is_closing():
                return connection
            connection._discard()
        return None

    async def _open(self, target: _Target) -> _Connection:
        tls = self._tls_context() if target.tls else None
        try:
            async with asyncio.timeout(self._connect_seconds):
                _, connection = await self.loop.create_connection(
                    _Connection,
                    target.host,
                    target.port,
                    ssl=tls,
                    server_hostname=target.host if tls is not None else None,
                )
        except TimeoutError:
            raise
        except OSError as error:
            reason = f"request failed: cannot connect to {target.host}:{target.port}: {error}"
            raise ExchangeFailed("not_connected", reason) from None
        self._on_connection_opened()
        return connection

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            import ssl

            self._tls = ssl.create_default_context()
            self._tls.set_alpn_protocols(["http/1.1"])
        return self._tls

    def close(self) -> None:
        """Close every idle connection; those in use close when their exchange ends."""
        self.closed = True
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                # Its loop may be closed: then the socket goes with the transport.
                with contextlib.suppress(RuntimeError):
                    connection._discard()
