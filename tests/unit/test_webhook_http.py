"""The HTTP client of webhook attempts (``webhooks/http.py``, ``webhooks/sender.py``) against a
scripted server on loopback: connections kept alive and reused, responses read as HTTP/1.1 frames
them (length, chunks, close), what a server that closes a kept connection costs, and the
outcomes an attempt records (timeouts, refusals, internal targets)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from vingt.webhooks import http, targets
from vingt.webhooks.sender import Sender

# (a request, its number on its connection) -> the raw answer; b"": none (the connection stays
# open); None: the connection is closed without an answer
Answer = Callable[[bytes, int], bytes | None]


@dataclass
class Script:
    """A server whose answers ``answer`` writes."""

    answer: Answer
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0


def ok(body: bytes = b"ok", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


async def serving(script: Script, test: Callable[[str], Awaitable[Any]]) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        script.connections += 1
        n = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                request = head + await reader.readexactly(length)
                script.requests.append(request)
                answer = script.answer(request, n)
                n += 1
                if answer is None:
                    break
                if not answer:
                    continue
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        return await test(f"http://127.0.0.1:{port}")
    finally:
        server.close()
        await server.wait_closed()


def client() -> http.Client:
    return http.Client(lambda endpoint, addresses: None, 1024)


def run(script: Script, test: Callable[[str], Awaitable[Any]]) -> Any:
    return asyncio.run(serving(script, test))


def test_one_connection_serves_attempt_after_attempt() -> None:
    script = Script(lambda request, n: ok(b"answer %d" % n))

    async def test(base: str) -> list[http.Response]:
        c = client()
        answers = [await c.post(f"{base}/hook", b"X-Test: 1\r\n", b"{}") for _ in range(5)]
        await c.close()
        return answers

    answers = run(script, test)
    assert [(a.status, a.excerpt) for a in answers] == [(200, b"answer %d" % n) for n in range(5)]
    assert script.connections == 1
    first = script.requests[0]
    assert first.startswith(b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"\r\nX-Test: 1\r\nContent-Length: 2\r\n\r\n{}" in first


def test_chunked_and_informational_answers_are_read_whole() -> None:
    chunked = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    script = Script(lambda request, n: chunked)

    async def test(base: str) -> list[http.Response]:
        c = client()
        return [await c.post(base + "/", b"", b"{}") for _ in range(2)]

    assert [(a.status, a.excerpt) for a in run(script, test)] == [(201, b"abcde")] * 2
    assert script.connections == 1  # read to its end, the connection was kept


def test_a_long_answer_is_cut_at_the_excerpt() -> None:
    # one that came whole keeps its connection; one still coming (megabytes) is not read on
    script = Script(lambda request, n: ok(b"x" * 5000) if request.startswith(b"POST /short ") else ok(b"y" * 4_000_000))

    async def test(base: str) -> list[http.Response]:
        c = client()
        return [await c.post(base + path, b"", b"{}") for path in ("/short", "/short", "/long", "/short")]

    answers = run(script, test)
    assert [a.excerpt for a in answers] == [b"x" * 1024, b"x" * 1024, b"y" * 1024, b"x" * 1024]
    assert script.connections == 2


def test_connection_close_and_an_answer_ended_by_the_close() -> None:
    script = Script(lambda request, n: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end")

    async def test(base: str) -> list[http.Response]:
        c = client()
        return [await c.post(base + "/", b"", b"{}") for _ in range(2)]

    assert [(a.status, a.excerpt) for a in run(script, test)] == [(200, b"until the end")] * 2
    assert script.connections == 2


def test_a_kept_connection_the_server_let_go_is_replaced_once() -> None:
    # the second request on a connection is met by a close (an idle timeout on the server's side,
    # racing the request): it is made again on a new connection, which answers
    script = Script(lambda request, n: ok() if n == 0 else None)

    async def test(base: str) -> list[http.Response]:
        c = client()
        return [await c.post(base + "/", b"", b"{}") for _ in range(3)]

    assert [a.status for a in run(script, test)] == [200, 200, 200]
    assert script.connections == 3
    assert len(script.requests) == 5  # requests 2 and 3 were each sent twice


def test_a_new_connection_closed_unanswered_is_an_error() -> None:
    script = Script(lambda request, n: None)

    async def test(base: str) -> BaseException | None:
        try:
            await client().post(base + "/", b"", b"{}")
        except ConnectionError as exc:
            return exc
        return None

    assert isinstance(run(script, test), http.ServerDisconnected)
    assert len(script.requests) == 1  # not sent again: nothing says the server did not act on it


def test_the_request_target_and_credentials_come_from_the_url() -> None:
    target = http.target("http://user:p%40ss@example.com/hooks/é t?x=1 2#frag")
    assert target.endpoint == ("http", "example.com", 80)
    head = target.head.decode()
    assert head.startswith("POST /hooks/%C3%A9%20t?x=1%202 HTTP/1.1\r\nHost: example.com\r\n")
    assert f"Authorization: Basic {base64.b64encode(b'user:p@ss').decode()}\r\n" in head
    assert http.target("https://[::1]:8443/").endpoint == ("https", "::1", 8443)
    assert b"Host: [::1]:8443\r\n" in http.target("https://[::1]:8443/").head


def attempt(sender: Sender, url: str) -> Any:
    async def go() -> Any:
        try:
            return await sender.post(url, b"{}", {"Content-Type": "application/json"})
        finally:
            await sender.close()

    return go()


def test_outcomes_of_attempts() -> None:
    def answer(request: bytes, n: int) -> bytes | None:
        if request.startswith(b"POST /slow "):
            return b""  # never answered
        return ok(b"bad\x00byte") if request.startswith(b"POST /nul ") else ok()

    script = Script(answer)

    async def test(base: str) -> list[Any]:
        fast = Sender(0.3, allow_private=True)
        slow = await attempt(Sender(0.3, allow_private=True), base + "/slow")
        return [await attempt(fast, base + "/nul"), slow]

    nul, slow = run(script, test)
    assert nul.status_code == 200 and nul.response == "bad\ufffdbyte" and nul.ok
    assert slow.status_code is None and slow.error == "no response within 0.3 s" and not slow.ok


def test_a_refused_connection_and_an_internal_target() -> None:
    async def go() -> list[Any]:
        return [
            await attempt(Sender(1, allow_private=True), "http://127.0.0.1:1/hook"),
            await attempt(Sender(1, allow_private=False), "http://127.0.0.1:1/hook"),
            await attempt(Sender(1, allow_private=False), "http://localhost:1/hook"),
        ]

    refused, internal, by_name = asyncio.run(go())
    assert refused.status_code is None and refused.error.startswith(("ConnectionRefusedError", "OSError"))
    assert internal.error == targets.PRIVATE_MESSAGE and by_name.error == targets.PRIVATE_MESSAGE
