"""A fault-injecting HTTP server on loopback, in front of moto: what a real network does to a load.

boto3 clients get the proxy's URL as their endpoint; each request is forwarded to moto unless a
``Fault`` matches it. Requests are told apart by operation (the ``X-Amz-Target`` header of JSON
services, the ``Action=`` form field of query services), by the region they are signed for (the
``Authorization`` credential scope) and by bytes of their body (a key id). A fault can hang the
request until the proxy stops, delay it, reset the connection, answer with an error status or an AWS
error code (in the request's own protocol), or change the body of moto's answer. Tests start and
stop the proxy themselves; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te", "upgrade"}
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (cancelled, killed) is what the tests do on purpose: no report."""


@dataclass
class Fault:
    """What to do to matching requests; ``times`` None: every one."""

    kind: str  # hang, delay, reset, status, error, body
    operation: str = "*"  # DescribeKey, GetCallerIdentity, …, or * for any
    region: str | None = None
    contains: bytes | None = None  # only requests whose body holds these bytes
    times: int | None = None
    seconds: float = 0.0  # delay
    status: int = 500  # status, error
    code: str = "InternalFailure"  # error: the AWS error code
    body: bytes | Callable[[bytes], bytes] = b""  # status (the body sent), body (the new body, or a function of moto's)
    used: int = 0

    def matches(self, operation: str, region: str, body: bytes) -> bool:
        return ((self.operation in ("*", operation)) and (self.region is None or self.region == region)
                and (self.contains is None or self.contains in body)
                and (self.times is None or self.used < self.times))


class FaultProxy:
    """``with FaultProxy(moto_url) as proxy: proxy.add(Fault("hang", "DescribeKey"))``; ``proxy.url``."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.faults: list[Fault] = []
        self.seen: Counter[str] = Counter()  # operation → requests received (every attempt)
        self.hung = threading.Event()  # set when a request starts hanging
        self.hanging = 0
        self._release = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                proxy._handle(self)

            do_GET = do_POST  # noqa: N815

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # hung requests end (their connections close without an answer)
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    # -- one request ---------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        target = handler.headers.get("X-Amz-Target", "")
        json_protocol = bool(target)
        operation = target.rsplit(".", 1)[-1] if target else (parse_qs(body.decode("latin-1")).get("Action") or [""])[0]
        match = _REGION.search(handler.headers.get("Authorization", ""))
        region = match.group(1) if match else ""
        with self._lock:
            self.seen[operation] += 1
            fault = next((f for f in self.faults if f.matches(operation, region, body)), None)
            if fault is not None:
                fault.used += 1
        if fault is None or fault.kind == "delay":
            if fault is not None:
                time.sleep(fault.seconds)
            self._forward(handler, body)
        elif fault.kind == "hang":
            with self._lock:
                self.hanging += 1
            self.hung.set()
            self._release.wait()
            handler.close_connection = True
        elif fault.kind == "reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
        elif fault.kind == "status":
            payload = fault.body if isinstance(fault.body, bytes) else fault.body(b"")
            self._answer(handler, fault.status, payload, "application/json" if json_protocol else "text/xml")
        elif fault.kind == "error":
            if json_protocol:
                payload = json.dumps({"__type": fault.code, "message": f"injected {fault.code}"}).encode()
                self._answer(handler, fault.status, payload, "application/x-amz-json-1.1")
            else:
                payload = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{fault.code}</Code>"
                           f"<Message>injected {fault.code}</Message></Error><RequestId>fault</RequestId>"
                           "</ErrorResponse>").encode()
                self._answer(handler, fault.status, payload, "text/xml")
        elif fault.kind == "body":
            status, headers, answer = self._upstream(handler, body)
            changed = fault.body(answer) if callable(fault.body) else fault.body
            self._answer(handler, status, changed, headers.get("Content-Type", "application/octet-stream"))
        else:
            raise ValueError(f"unknown fault kind {fault.kind}")

    def _upstream(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
            headers["Host"] = f"{self.upstream[0]}:{self.upstream[1]}"
            connection.request(handler.command, handler.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, {k: v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        status, headers, answer = self._upstream(handler, body)
        handler.send_response(status)
        for name, value in headers.items():
            if name.lower() not in HOP_BY_HOP:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, payload: bytes, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("x-amzn-RequestId", "fault-proxy")
        handler.end_headers()
        handler.wfile.write(payload)
