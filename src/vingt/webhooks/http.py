"""A small HTTP/1.1 client for webhook attempts: one ``POST``, its response's status and the first
bytes of its body, on connections kept alive between attempts.

Why not aiohttp's client: an attempt is a fixed request to a known URL and needs nothing of what
makes a general client heavy (cookies, redirects, decompression, streaming). Measured against the
bench receiver on loopback, aiohttp spent about 125 µs of CPU per request, this client about 20 µs;
the dispatcher runs in the process that serves requests, so that CPU is taken from them.

- **Connections** are pooled per (scheme, host, port): at most ``PER_HOST`` open to one endpoint
  and ``TOTAL`` in all, an attempt waiting for a free one otherwise; a connection goes back to the
  pool only when its response was read to its end and both sides keep it alive, and is closed after
  ``IDLE_SECONDS`` unused. An attempt on a pooled connection that the other side had closed before
  answering a byte is made once more on a new connection.
- **Addresses**: the host is resolved once per connection (``getaddrinfo``), every address it
  resolves to is checked by ``check`` (which raises to refuse the endpoint) and the connection is
  made to those same addresses, so a name whose answer changes in between cannot reach another.
- **TLS** for ``https``: the default context (certificates and host name verified), SNI the host.
- **The response**: the status line and headers, and the body up to ``excerpt`` bytes; past that the
  connection is closed rather than read on. Responses 1xx are skipped. httptools parses it, as it
  parses the requests of ``vingt serve``.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

import httptools

PER_HOST = 20
TOTAL = 100
IDLE_SECONDS = 15.0
SWEEP_SECONDS = 5.0
DEFAULT_PORTS = {"http": 80, "https": 443}
# what a request target may hold as it is: RFC 3986's unreserved, sub-delims, ':' '@' '/' '?' and
# '%' (an escape already made); anything else (non-ASCII, spaces) is percent-encoded
TARGET_SAFE = "-._~!$&'()*+,;=:@/?%"

Endpoint = tuple[str, str, int]  # scheme, host (IDNA, IPv6 without brackets), port


class ServerDisconnected(ConnectionError):
    def __init__(self) -> None:
        super().__init__("the server closed the connection without a complete response")


@dataclass(frozen=True)
class Target:
    """What a URL says about where and how to send a request."""

    endpoint: Endpoint
    head: bytes  # "POST <path> HTTP/1.1\r\nHost: …\r\n" and Authorization from the URL's user info


@lru_cache(maxsize=1024)
def target(url: str) -> Target:
    """The parsed URL (ValueError when it cannot be sent to), cached: a webhook's URL is sent to
    over and over."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in DEFAULT_PORTS or not host:
        raise ValueError(f"not an http or https URL: {url[:200]}")
    port = parts.port or DEFAULT_PORTS[scheme]
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    shown = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        shown = f"{shown}:{port}"
    path = quote(parts.path or "/", safe=TARGET_SAFE) + (
        "?" + quote(parts.query, safe=TARGET_SAFE) if parts.query else ""
    )
    head = f"POST {path} HTTP/1.1\r\nHost: {shown}\r\n"
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        head += f"Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    return Target((scheme, host, port), head.encode("ascii"))


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: bytes


class Connection(asyncio.Protocol):
    """One connection, one exchange at a time (no pipelining)."""

    def __init__(self, endpoint: Endpoint, excerpt: int):
        self.endpoint = endpoint
        self.limit = excerpt
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[Response] | None = None
        self._status = 0
        self._body = bytearray()
        self._answered = False  # a byte of the response arrived
        self._complete = False
        self._keep = False

    # ---- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._answered = True
        if self._waiter is None or self._waiter.done():
            self.close()  # nothing was asked: a server talking out of turn
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            return
        if len(self._body) >= self.limit:
            self._finish(keep=False)  # enough of an answer not over yet: not read on, the connection goes

    def eof_received(self) -> bool:
        return False  # close: a body without a length ends here (connection_lost finishes it)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._status >= 200:  # the headers came; the body was read up to the close
                waiter.set_result(Response(self._status, bytes(self._body)))
            else:
                waiter.set_exception(exc if isinstance(exc, OSError) else ServerDisconnected())

    # ---- httptools callbacks -----------------------------------------------------------------

    def on_headers_complete(self) -> None:
        self._status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        if self._status >= 200 and len(self._body) < self.limit:
            self._body += body[: self.limit - len(self._body)]

    def on_message_complete(self) -> None:
        if self._status < 200:  # 1xx: the real answer follows
            self._status = 0
            return
        self._finish(keep=self.parser.should_keep_alive())

    # ---- use ---------------------------------------------------------------------------------

    @property
    def reused(self) -> bool:
        return self.idle_since > 0

    @property
    def reusable(self) -> bool:
        return self._complete and self._keep and not self.closed

    def answered(self) -> bool:
        return self._answered

    async def exchange(self, request: bytes) -> Response:
        assert self.transport is not None and not self.closed
        self._waiter = asyncio.get_running_loop().create_future()
        self._status, self._body, self._answered, self._complete, self._keep = 0, bytearray(), False, False, False
        self.transport.write(request)
        return await self._waiter

    def _finish(self, keep: bool) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._complete, self._keep = True, keep
            self._waiter.set_result(Response(self._status, bytes(self._body)))

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Client:
    """``post`` on pooled keep-alive connections (see the module's docstring)."""

    def __init__(self, check: Callable[[Endpoint, list[str]], None], excerpt: int):
        self.check = check
        self.excerpt = excerpt
        self._idle: dict[Endpoint, collections.deque[Connection]] = {}
        self._open: dict[Endpoint, int] = {}  # connections open or being opened (slots), idle ones included
        self._total = 0
        self._waiting: collections.deque[tuple[Endpoint, asyncio.Future[None]]] = collections.deque()
        self._swept = time.monotonic()
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    async def post(self, url: str, headers: bytes, content: bytes) -> Response:
        """``headers``: the header lines after Host (each ending in CRLF), without Content-Length."""
        where = target(url)
        request = b"".join((where.head, headers, b"Content-Length: %d\r\n\r\n" % len(content), content))
        endpoint = where.endpoint
        conn = await self._acquire(endpoint)  # a slot is held from here on
        pooled = False
        try:
            if conn is None:
                conn = await self._connect(endpoint)
            try:
                response = await conn.exchange(request)
            except ConnectionError:
                if not conn.reused or conn.answered():
                    raise
                conn.close()
                conn = await self._connect(endpoint)  # a kept connection the server had let go
                response = await conn.exchange(request)
            if conn.reusable and not self._closed:
                conn.idle_since = time.monotonic()
                self._idle.setdefault(endpoint, collections.deque()).append(conn)
                pooled = True  # the slot stays with the pooled connection
                self._wake(endpoint)
            return response
        finally:
            if not pooled:
                if conn is not None:
                    conn.close()
                self._release(endpoint)
            self._sweep()

    async def close(self) -> None:
        """Close the idle connections; those in use close when their attempt ends."""
        self._closed = True
        for endpoint, idle in self._idle.items():
            while idle:
                idle.popleft().close()
                self._release(endpoint, wake=False)
        self._idle.clear()

    # ---- connections and slots ---------------------------------------------------------------

    async def _acquire(self, endpoint: Endpoint) -> Connection | None:
        """A pooled connection to ``endpoint`` (its slot with it), or None with a slot taken for a
        new one; waits while ``PER_HOST`` / ``TOTAL`` are reached."""
        while True:
            idle = self._idle.get(endpoint)
            while idle:
                conn = idle.pop()
                if not conn.closed and time.monotonic() - conn.idle_since < IDLE_SECONDS:
                    return conn
                conn.close()
                self._release(endpoint, wake=False)
            if self._open.get(endpoint, 0) < PER_HOST and self._total < TOTAL:
                self._open[endpoint] = self._open.get(endpoint, 0) + 1
                self._total += 1
                return None
            if self._total >= TOTAL and self._drop_an_idle(endpoint):
                continue
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (endpoint, waiter)
            self._waiting.append(entry)
            try:
                await waiter
            finally:
                if entry in self._waiting:
                    self._waiting.remove(entry)

    async def _connect(self, endpoint: Endpoint) -> Connection:
        scheme, host, port = endpoint
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        self.check(endpoint, [str(info[4][0]) for info in infos])
        context = self._context() if scheme == "https" else None
        error: OSError | None = None
        for family, _kind, proto, _name, address in infos:
            try:
                _transport, conn = await loop.create_connection(
                    lambda: Connection(endpoint, self.excerpt), str(address[0]), port, family=family, proto=proto,
                    ssl=context, server_hostname=host if context is not None else None,
                )
                return conn
            except OSError as exc:
                error = exc
        raise error or OSError(f"{host} resolved to no address")

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    def _drop_an_idle(self, wanted: Endpoint) -> bool:
        """Close one idle connection to another endpoint, to make room in the total."""
        for endpoint, idle in self._idle.items():
            if endpoint != wanted and idle:
                idle.popleft().close()
                self._release(endpoint, wake=False)
                return True
        return False

    def _release(self, endpoint: Endpoint, wake: bool = True) -> None:
        self._open[endpoint] -= 1
        if not self._open[endpoint]:
            del self._open[endpoint]
        self._total -= 1
        if wake:
            self._wake(endpoint)

    def _wake(self, endpoint: Endpoint) -> None:
        """Let one attempt waiting for ``endpoint`` (or for room in the total) look again."""
        for wanted, waiter in self._waiting:
            if not waiter.done() and (wanted == endpoint or self._total < TOTAL):
                waiter.set_result(None)
                return

    def _sweep(self) -> None:
        """Close the connections idle for longer than ``IDLE_SECONDS`` (looked at every few seconds)."""
        now = time.monotonic()
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        for endpoint, idle in list(self._idle.items()):
            while idle and (idle[0].closed or now - idle[0].idle_since >= IDLE_SECONDS):
                idle.popleft().close()
                self._release(endpoint)
            if not idle:
                del self._idle[endpoint]
