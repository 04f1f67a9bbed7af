"""A real ``vingt serve`` subprocess for tests that need one over HTTP (concurrency,
restarts), and a helper that releases threads at the same instant."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

HOST = os.environ.get("VINGT_TEST_HOST", "127.0.0.1")
PORTS = os.environ.get("VINGT_TEST_PORTS", "")  # e.g. "20000-20999"; empty: any free port


def _free_port() -> int:
    """A port free on ``HOST``: any, or the first free one of ``VINGT_TEST_PORTS``."""
    candidates = [0]
    if PORTS:
        low, _, high = PORTS.partition("-")
        first, last = int(low), int(high or low)
        start = first + random.randrange(last - first + 1)
        candidates = [first + (start - first + i) % (last - first + 1) for i in range(last - first + 1)]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise AssertionError(f"no free port on {HOST} in VINGT_TEST_PORTS={PORTS}")


class Server:
    """``vingt serve`` as a subprocess; its output goes to ``log``. ``key`` is the API key it
    printed when it created the first workspace of an empty database (else None); that
    workspace is left empty unless ``demo`` (then it gets the demo data)."""

    def __init__(
        self, url: str, log: Path, workers: int = 1, cwd: Path | None = None, env: dict[str, str] | None = None,
        port: int | None = None, demo: bool = False,
    ):
        self.port = port or _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = log
        # no rate limits unless a test sets them: concurrency tests send hundreds a second
        env = {"VINGT_RATE_LIMIT_PER_SECOND": "0", "VINGT_RATE_LIMIT_PER_MINUTE": "0", **os.environ, **(env or {})}
        env.pop("VINGT_SECRET", None)
        self.log = log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vingt", "serve", "--host", HOST, "--port", str(self.port), "--database", url, "--workers", str(workers),
             *([] if demo else ["--no-demo"])],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
        )
        self.key: str | None = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("vingt serve exited early:\n" + log.read_text())
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    self.key = self._printed_key()
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError("server did not become ready:\n" + log.read_text())

    def _printed_key(self) -> str | None:
        lines = self.log_path.read_text().splitlines()
        marker = "API key (shown once, keep it):"
        if marker in lines and lines.index(marker) + 1 < len(lines):
            return lines[lines.index(marker) + 1].strip()
        return None

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def together(n: int, fn: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """``fn(0)`` … ``fn(n - 1)`` in threads released at the same instant."""
    barrier = threading.Barrier(n)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        r = fn(i)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == n
    return results
