"""A one-request-per-connection HTTP/1.1 transport for the self-hosted controller's local API.

The controller inside zerotier-one closes keep-alive connections after 5 requests, and a reused
connection costs about 40 ms per request there (LAB-NOTES), so its client opens a fresh
connection for every request anyway. For that pattern httpcore's connection pool and anyio's
cancel scopes are most of the cost of a call (bench_zerotier); this transport does only what
the pattern needs: connect, send the request with `Connection: close`, read to the end, parse
the status line, headers and a Content-Length or chunked body.

It raises httpx's own exceptions, so the retrying client (ztix.adapters.http) tells "never sent"
(ConnectError, ConnectTimeout) from "sent, answer lost" (ReadError, ReadTimeout,
RemoteProtocolError) exactly as it does with httpx's default transport. Plain http only: the
local API listens on loopback (a TLS API goes through httpx's own transport).
"""

from __future__ import annotations

import asyncio

import httpx

from ztix.settings.defaults import HTTP_TIMEOUT

MAX_RESPONSE = 64 * 1024 * 1024  # a member list of 10,000 members is about 5 MB


class OneShotTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over a new TCP connection per request."""

    def __init__(self, timeout: float = HTTP_TIMEOUT) -> None:
        self.timeout = timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` on a fresh connection and read the whole response."""
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"{url.scheme} is not supported here", request=request)
        port = url.port or 80
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(url.host, port), self.timeout
            )
        except TimeoutError:
            message = f"connect to {url.host}:{port} timed out"
            raise httpx.ConnectTimeout(message, request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        try:
            writer.write(_encode(request, await request.aread()))
            try:
                await asyncio.wait_for(writer.drain(), self.timeout)
            except TimeoutError:
                raise httpx.WriteTimeout("sending the request timed out", request=request) from None
            except OSError as exc:
                raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from None
            try:
                raw = await asyncio.wait_for(reader.read(MAX_RESPONSE + 1), self.timeout)
                while raw and len(raw) <= MAX_RESPONSE:
                    more = await asyncio.wait_for(reader.read(MAX_RESPONSE + 1), self.timeout)
                    if not more:
                        break
                    raw += more
            except TimeoutError:
                raise httpx.ReadTimeout("no answer in time", request=request) from None
            except OSError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from None
        finally:
            writer.close()
        return _decode(raw, request)


def _encode(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path.decode("ascii")
    lines = [f"{request.method} {target} HTTP/1.1"]
    seen = set()
    for name, value in request.headers.items():
        lower = name.lower()
        # This transport decodes no content codings, so it asks for none.
        if lower in ("connection", "content-length", "transfer-encoding", "accept-encoding"):
            continue
        seen.add(lower)
        lines.append(f"{name}: {value}")
    if "host" not in seen:
        lines.append(f"Host: {request.url.netloc.decode('ascii')}")
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Accept-Encoding: identity")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _decode(raw: bytes, request: httpx.Request) -> httpx.Response:
    if len(raw) > MAX_RESPONSE:
        raise httpx.RemoteProtocolError("the response is too large", request=request)
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise httpx.RemoteProtocolError("the connection closed mid-response", request=request)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise httpx.RemoteProtocolError(f"bad status line {status_line[:80]!r}", request=request)
    headers = []
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise httpx.RemoteProtocolError(f"bad header line {line[:80]!r}", request=request)
        headers.append((name.strip(), value.strip()))
    fields = {name.lower(): value for name, value in headers}
    if "chunked" in fields.get("transfer-encoding", "").lower():
        body = _dechunk(body, request)
    elif "content-length" in fields:
        length = fields["content-length"]
        if not length.isdigit() or len(body) < int(length):
            raise httpx.RemoteProtocolError("the body is shorter than announced", request=request)
        body = body[: int(length)]
    kept = [(n, v) for n, v in headers if n.lower() not in ("transfer-encoding", "content-length")]
    return httpx.Response(int(parts[1]), headers=kept, content=body, request=request)


def _dechunk(data: bytes, request: httpx.Request) -> bytes:
    out = bytearray()
    at = 0
    while True:
        end = data.find(b"\r\n", at)
        if end < 0:
            raise httpx.RemoteProtocolError("a chunk is cut off", request=request)
        size_text = data[at:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise httpx.RemoteProtocolError("bad chunk size", request=request) from None
        if size == 0:
            return bytes(out)
        start = end + 2
        if start + size + 2 > len(data):
            raise httpx.RemoteProtocolError("a chunk is cut off", request=request)
        out += data[start : start + size]
        at = start + size + 2
