"""The controller's one-shot HTTP/1.1 transport against a raw server that sends scripted bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from ztix.adapters.zerotier.transport import OneShotTransport

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def exchange(script: Script, timeout: float = 2.0) -> tuple[httpx.Response | Exception, bytes]:
    """Serve one connection with `script`; return the client's response (or error) and what it sent."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                (
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                b"0",
            )
        )
        seen.append(head + (await reader.readexactly(length) if length else b""))
        await script(reader, writer)

    async def go() -> httpx.Response | Exception:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with httpx.AsyncClient(transport=OneShotTransport(timeout)) as client:
                try:
                    return await client.post(
                        f"http://127.0.0.1:{port}/controller/x?a=1",
                        json={"k": 1},
                        headers={"X-ZT1-Auth": "t"},
                    )
                except httpx.HTTPError as exc:
                    return exc
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(go()), b"".join(seen)


def answer(raw: bytes, close: bool = True) -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        await writer.drain()
        if close:
            writer.close()

    return script


def test_content_length_body_and_what_is_sent() -> None:
    got, sent = exchange(
        answer(
            b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"ok": 1}'
        )
    )
    assert isinstance(got, httpx.Response) and got.status_code == 200 and got.json() == {"ok": 1}
    assert sent.startswith(b"POST /controller/x?a=1 HTTP/1.1\r\n")
    lower = sent.lower()
    assert b"connection: close" in lower and b"x-zt1-auth: t" in lower and sent.endswith(b'{"k":1}')
    assert b"accept-encoding: identity" in lower  # no content codings to decode


def test_chunked_body() -> None:
    got, _ = exchange(
        answer(
            b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n4;x=y\r\n: 1}\r\n0\r\n\r\n'
        )
    )
    assert isinstance(got, httpx.Response) and got.json() == {"a": 1}


def test_an_empty_404_like_the_controller_sends() -> None:
    got, _ = exchange(answer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    assert isinstance(got, httpx.Response) and got.status_code == 404 and got.content == b""


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{}", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nContent-Le", httpx.RemoteProtocolError),
        (b"SMTP ready\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", httpx.RemoteProtocolError),
        (b"", httpx.RemoteProtocolError),
    ],
    ids=["short-body", "cut-headers", "not-http", "bad-chunk", "closed-at-once"],
)
def test_broken_answers_are_protocol_errors_after_sending(
    raw: bytes, kind: type[Exception]
) -> None:
    got, sent = exchange(answer(raw))
    assert isinstance(got, kind) and sent  # it was sent: the caller treats it as maybe applied


def test_no_answer_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1.0)
        writer.close()

    got, _ = exchange(silent, timeout=0.2)
    assert isinstance(got, httpx.ReadTimeout)


def test_nothing_listening_is_a_connect_error() -> None:
    async def go() -> Exception:
        async with httpx.AsyncClient(transport=OneShotTransport(1.0)) as client:
            try:
                await client.get("http://127.0.0.1:1/")
            except httpx.HTTPError as exc:
                return exc
        raise AssertionError("connected to port 1")

    assert isinstance(asyncio.run(go()), httpx.ConnectError)
