"""The HTTP/1.1 protocol ``vingt serve`` runs: uvicorn's httptools protocol, whose refusals of
requests that never reach the app (a request line or header the parser rejects, a URL past
``max_url_bytes``) carry the error body of every other answer (DECISIONS.md §1) instead of
uvicorn's plain-text 400; and whose answers leave in one write, head and body together (see
``_HeldHead``)."""

from __future__ import annotations

import asyncio
import uuid
from functools import lru_cache
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from vingt.errors import ApiError, url_too_long
from vingt.requestlog import REQUEST_ID
from vingt.settings import Settings

# how long a refused connection stays open for the client to finish sending and read the answer
CLOSE_GRACE_SECONDS = 5.0


@lru_cache(maxsize=1)
def _max_url_bytes() -> int:
    return Settings.from_env().max_url_bytes


class _Refused(Exception):
    """Raised in a parser callback to stop parsing a request that is refused."""


class _Parser:
    """The httptools parser, remembering why it rejected the data it was fed."""

    __slots__ = ("_parser", "reason")

    def __init__(self, parser: httptools.HttpRequestParser):
        self._parser = parser
        self.reason: str | None = None

    def feed_data(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            raise
        except httptools.HttpParserError as exc:
            self.reason = str(exc)
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)


class _HeldHead:
    """A response cycle's transport that holds the response head (status line and headers)
    until the body's first write and sends the two in one ``write``: uvicorn writes them apart,
    and a write to a socket is a system call that, on loopback, also runs the receiver's side
    of TCP (a tenth of the CPU of a small request). A head with no body after it (``HEAD``, an
    empty answer) leaves at the end of the event loop's turn; ``100 Continue`` is not held."""

    __slots__ = ("_transport", "_loop", "_head")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data)
        elif data[9:12] != b"100" and data[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 "):
            self._head = data
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class Protocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_url_bytes = _max_url_bytes()
        self.refusal: ApiError | None = None
        self.parser = _Parser(self.parser)  # type: ignore[assignment]
        self.answered = False

    def data_received(self, data: bytes) -> None:
        if not self.answered:  # the rest of a refused request is read and dropped
            super().data_received(data)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and not isinstance(cycle.transport, _HeldHead):
            cycle.transport = _HeldHead(self.transport, self.loop)  # type: ignore[assignment]

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.max_url_bytes:
            self.refusal = url_too_long(self.max_url_bytes)
            raise _Refused

    def send_400_response(self, msg: str) -> None:
        error = self.refusal
        if error is None:
            parser = self.parser
            reason = parser.reason if isinstance(parser, _Parser) and parser.reason else None
            error = ApiError(
                "INVALID_REQUEST",
                f"Invalid HTTP request: {reason}" if reason else msg,
                {"reason": reason} if reason else {},
            )
        request_id = uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        try:
            body = error.render()
        finally:
            REQUEST_ID.reset(token)
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"x-request-id: " + request_id.encode("ascii") + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
            body,
        ])
        self.transport.write(b"".join(content))
        # closing now, with the rest of the request unread, would reset the connection and the
        # client could lose the answer: stop sending, drop what still comes, and close when the
        # client does (or after a grace period)
        self.answered = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(CLOSE_GRACE_SECONDS, self.transport.close)
        else:
            self.transport.close()
