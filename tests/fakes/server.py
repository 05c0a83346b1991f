"""A small threaded HTTP/1.1 server for API fakes, with scripted faults.

Fakes subclass `FakeApi` and implement `route()`. Faults are consumed in order by the requests
they match: HTTP errors with headers, a connection reset (RST) before or after the request is
applied, a delay longer than the client's timeout, and closing keep-alive connections after a
number of requests (as the ZeroTier controller does after 5).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One parsed request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON (raises ValueError on bad JSON)."""
        return json.loads(self.body.decode() or "")


@dataclass
class Response:
    """What a fake answers."""

    status: int
    body: Any = None  # JSON-serialisable, raw bytes, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        """The body bytes."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class Fault:
    """A scripted failure for the next matching request."""

    kind: str  # "status" | "reset" | "delay"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    after_apply: bool = False  # reset/delay after the fake applied the request
    match: Callable[[Request], bool] = lambda request: True


class FakeApi:
    """Base of the fakes: a server on 127.0.0.1 in a thread, request log, fault queue."""

    keepalive_max = 0  # close a connection after this many requests (0: never)
    keepalive_header = ""
    reuse_delay = 0.0  # seconds added to a request on a reused connection (the real controller)

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []
        self.connections = 0
        self.inflight = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            served = 0

            def log_message(self, format: str, *args: Any) -> None:
                return

            def setup(self) -> None:
                super().setup()
                with fake.lock:
                    fake.connections += 1

            def _handle(self) -> None:
                fake.serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client that times out or gives up closes its end mid-response; that is
                # the point of some tests, not an error of the fake.
                fake.server_errors += 1

        self.server_errors = 0
        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        """Base URL of the fake."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        """Stop serving and close the listening socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def add_faults(self, *faults: Fault) -> None:
        """Queue faults; each is used once by the first request it matches."""
        with self.lock:
            self.faults.extend(faults)

    def route(self, request: Request) -> Response:
        """Answer one request (implemented by each fake)."""
        raise NotImplementedError

    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.match(request):
                    return self.faults.pop(index)
        return None

    def wait_idle(self, timeout: float = 10) -> None:
        """Wait until no request is being handled (delayed ones included)."""
        deadline = time.monotonic() + timeout
        while self.inflight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.inflight, f"{self.inflight} requests still in flight after {timeout} s"

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Count the request in flight while it is handled."""
        with self.lock:
            self.inflight += 1
        try:
            self._serve(handler)
        finally:
            with self.lock:
                self.inflight -= 1

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Parse, apply faults, route, and write the response."""
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(
            handler.command,
            split.path,
            parse_qs(split.query),
            {k.lower(): v for k, v in handler.headers.items()},
            body,
        )
        if self.reuse_delay and handler.served:  # type: ignore[attr-defined]
            time.sleep(self.reuse_delay)
        fault = self._take_fault(request)
        if fault and not fault.after_apply and self._fail(handler, request, fault):
            return
        with self.lock:
            response = self.route(request)
        if fault and fault.after_apply and self._fail(handler, request, fault):
            return
        handler.served += 1  # type: ignore[attr-defined]
        payload = response.encoded()
        handler.send_response(response.status)
        headers = dict(response.headers)
        if payload or response.body is not None:
            headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(payload))
        if self.keepalive_header:
            headers["Keep-Alive"] = self.keepalive_header
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(payload)
        with self.lock:
            self.log.append((request.method, request.path, response.status))
        if self.keepalive_max and handler.served >= self.keepalive_max:  # type: ignore[attr-defined]
            handler.close_connection = True  # closed without "Connection: close", as observed

    def _fail(self, handler: BaseHTTPRequestHandler, request: Request, fault: Fault) -> bool:
        with self.lock:
            self.log.append(
                (request.method, request.path, -1 if fault.kind == "reset" else fault.status)
            )
        if fault.kind == "reset":
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.close_connection = True
            return True
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return False
        payload = b"{}"
        handler.send_response(fault.status)
        for key, value in fault.headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
        return True
