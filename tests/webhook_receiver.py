"""A webhook receiver on loopback for end-to-end tests: it records every request it gets
(path, headers, raw body) and answers what ``respond`` says."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from live_server import HOST, _free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["X-Vingt-Event-Id"]

    def signed_by(self, secret: str) -> bool:
        timestamp = self.headers["X-Twenty-Webhook-Timestamp"]
        expected = hmac.new(secret.encode(), f"{timestamp}:".encode() + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["X-Twenty-Webhook-Signature"])


class Receiver:
    """``respond(request, n)`` gives the status for the ``n``-th request (0-based) to a path."""

    def __init__(self, port: int | None = None):
        self.port = port or _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.received: list[Received] = []
        self.respond: Callable[[Received, int], int | tuple[int, dict[str, str]]] = lambda r, n: 200
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                got = Received(self.path, dict(self.headers.items()), body)
                with receiver._lock:
                    n = sum(1 for r in receiver.received if r.path == got.path)
                    receiver.received.append(got)
                answer = receiver.respond(got, n)
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                text = b"ok" if status < 300 else b"fail " + str(status).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((HOST, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 30) -> list[Received]:
        """The requests to ``path`` once there are at least ``count`` (fails after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.at(path))} requests, expected {count}")
