"""The subgraph client's HTTP/1.1 over loopback: keep-alive reuse, body framings, limits,
decoding, TLS, and the failure kinds the retries rely on."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bff.execution.connection_pool import ConnectionPool
from bff.execution.retries import ExchangeFailed

Answerer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
ANSWER = b'{"data":{"ok":true}}'


class Server:
    """A loopback HTTP server answering each request with `answer`; records connections."""

    def __init__(self, answer: Answerer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                self.requests.append(head + await reader.readexactly(length))
                await self.answer(reader, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answerer, tls: ssl.SSLContext | None = None) -> Server:
        server = Server(answer)
        listening = await asyncio.start_server(server._serve, "127.0.0.1", 0, ssl=tls)
        servers.append(listening)
        port = listening.sockets[0].getsockname()[1]
        server.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/graphql"
        return server

    yield start
    for listening in servers:
        listening.close()


def pool(**options: object) -> ConnectionPool:
    settings: dict = {"keepalive_seconds": 30.0, "limit_per_host": 8, "connect_seconds": 3.0}
    return ConnectionPool(**{**settings, **options})  # type: ignore[arg-type]


def replying(*parts: bytes, close: bool = False) -> Answerer:
    async def answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for part in parts:
            writer.write(part)
            await writer.drain()
        if close:
            writer.close()

    return answer


def with_length(body: bytes, *headers: bytes) -> bytes:
    extra = b"".join(header + b"\r\n" for header in headers)
    return b"HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n%s" % (extra, len(body), body)


HEADERS = {"Content-Type": "application/json", "X-API-Key": "key"}


async def test_requests_reuse_one_keep_alive_connection_and_carry_their_headers(serve) -> None:
    server = await serve(replying(with_length(ANSWER)))
    opened: list[int] = []
    client = pool(on_connection_opened=lambda: opened.append(1))
    for _ in range(3):
        answer = await client.post(server.url, b'{"query":"{ ok }"}', HEADERS, limit=1000)
        assert (answer.status, answer.body) == (200, ANSWER)
    assert server.connections == len(opened) == 1
    request = server.requests[0]
    assert request.startswith(b"POST /graphql HTTP/1.1\r\n")
    assert b"\r\nX-API-Key: key\r\n" in request
    assert b"\r\nContent-Type: application/json\r\n" in request
    assert b"\r\nHost: 127.0.0.1:" in request
    assert request.endswith(b'\r\n\r\n{"query":"{ ok }"}')


async def test_a_connection_the_server_closes_or_an_idle_one_is_not_reused(serve) -> None:
    closing = await serve(replying(with_length(ANSWER, b"Connection: close")))
    client = pool()
    for _ in range(2):
        assert (await client.post(closing.url, b"{}", HEADERS, limit=1000)).body == ANSWER
    assert closing.connections == 2

    kept = await serve(replying(with_length(ANSWER)))
    idle = pool(keepalive_seconds=0.0)  # every pooled connection is already too old
    for _ in range(2):
        assert (await idle.post(kept.url, b"{}", HEADERS, limit=1000)).body == ANSWER
    assert kept.connections == 2
    # `fresh` opens a connection of its own and does not pool it.
    fresh = await serve(replying(with_length(ANSWER)))
    for _ in range(2):
        await client.post(fresh.url, b"{}", HEADERS, limit=1000, fresh=True)
    assert fresh.connections == 2


async def test_chunked_and_read_to_close_bodies_are_read_whole(serve) -> None:
    chunked = await serve(
        replying(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"a\r\n" + ANSWER[:10] + b"\r\n",
            b"%x\r\n%s\r\n0\r\n\r\n" % (len(ANSWER) - 10, ANSWER[10:]),
        )
    )
    assert (await pool().post(chunked.url, b"{}", HEADERS, limit=1000)).body == ANSWER
    until_close = await serve(replying(b"HTTP/1.0 200 OK\r\n\r\n", ANSWER, close=True))
    assert (await pool().post(until_close.url, b"{}", HEADERS, limit=1000)).body == ANSWER


async def test_bodies_over_the_limit_give_none_also_once_decompressed(serve) -> None:
    declared = await serve(replying(with_length(b"x" * 100)))
    assert (await pool().post(declared.url, b"{}", HEADERS, limit=99)).body is None
    bomb = gzip.compress(b" " * 1_000_000)
    packed = await serve(replying(with_length(bomb, b"Content-Encoding: gzip")))
    answer = await pool().post(packed.url, b"{}", HEADERS, limit=1000)
    assert (answer.status, answer.body) == (200, None)
    small = await serve(replying(with_length(gzip.compress(ANSWER), b"Content-Encoding: gzip")))
    assert (await pool().post(small.url, b"{}", HEADERS, limit=1000)).body == ANSWER
    assert b"Accept-Encoding: gzip, deflate" in small.requests[0]


async def test_failures_say_whether_anything_was_sent_or_answered(serve) -> None:
    silent = await serve(replying(close=True))
    with pytest.raises(ExchangeFailed) as dropped:
        await pool().post(silent.url, b"{}", HEADERS, limit=1000)
    assert dropped.value.failure == "dropped"
    halfway = await serve(replying(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{", close=True))
    with pytest.raises(ExchangeFailed) as cut:
        await pool().post(halfway.url, b"{}", HEADERS, limit=1000)
    assert cut.value.failure == "other"
    garbage = await serve(replying(b"NOT HTTP AT ALL\r\n\r\n"))
    with pytest.raises(ExchangeFailed) as malformed:
        await pool().post(garbage.url, b"{}", HEADERS, limit=1000)
    assert malformed.value.failure == "other"
    unused = silent.url.replace(silent.url.split(":")[2].split("/")[0], "1")
    with pytest.raises(ExchangeFailed) as refused:
        await pool().post(unused, b"{}", HEADERS, limit=1000)
    assert refused.value.failure == "not_connected"
    assert "request failed" in refused.value.reason
    with pytest.raises(ExchangeFailed, match="spans lines"):
        await pool().post(silent.url, b"{}", {"X-Injected": "a\r\nHost: evil"}, limit=1000)


async def test_https_subgraphs_are_verified(serve, tmp_path: Path) -> None:
    server_tls, trusted = _self_signed(tmp_path)
    server = await serve(replying(with_length(ANSWER)), tls=server_tls)
    answer = await pool(tls=trusted).post(server.url, b"{}", HEADERS, limit=1000)
    assert answer.body == ANSWER
    # The system's CA certificates do not know this one: nothing is sent.
    with pytest.raises(ExchangeFailed) as untrusted:
        await pool().post(server.url, b"{}", HEADERS, limit=1000)
    assert untrusted.value.failure == "not_connected"
    assert len(server.requests) == 1


def _self_signed(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for 127.0.0.1, and a client context trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client
