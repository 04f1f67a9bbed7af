"""Requests refused before the app (the parser rejects them, or their URL is past the bound)
get the error body of every other answer, not uvicorn's plain-text 400: one real ``vingt serve``
(the protocol is the server's, whatever the database), spoken to over a raw socket."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import orjson
import pytest

import live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[live_server.Server]:
    tmp = tmp_path_factory.mktemp("refusals")
    s = live_server.Server(f"sqlite:///{tmp / 'db.sqlite'}", tmp / "server.log")
    yield s
    s.stop()


def exchange(server: live_server.Server, request_line: bytes, headers: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send one request as raw bytes; the status, headers and body of the answer."""
    assert server.key is not None
    data = (request_line + b"\r\nHost: test\r\nAuthorization: Bearer " + server.key.encode() + b"\r\n" + headers
            + b"Connection: close\r\n\r\n")
    with socket.create_connection((live_server.HOST, server.port), timeout=30) as conn:
        conn.sendall(data)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), fields, body


def assert_error_body(answer: tuple[int, dict[str, str], bytes], code: str) -> dict:
    status, fields, raw = answer
    assert status == 400, raw[:300]
    assert fields["content-type"] == "application/json"
    assert int(fields["content-length"]) == len(raw)
    body = orjson.loads(raw)
    assert set(body) == {"error", "statusCode", "messages"} and body["statusCode"] == 400
    assert body["error"]["code"] == code, body
    assert body["messages"] == [body["error"]["message"]]
    assert body["error"]["details"].pop("requestId") == fields["x-request-id"]
    return body


def test_a_megabyte_url(server: live_server.Server) -> None:
    body = assert_error_body(exchange(server, b"GET /rest/people?filter=" + b"a" * 1_000_000 + b" HTTP/1.1"),
                             "URL_TOO_LONG")
    assert body["error"]["details"] == {"limit": 16_384}


def test_twenty_thousand_query_parameters(server: live_server.Server) -> None:
    query = b"&".join(b"p%d=1" % i for i in range(20_000))
    assert_error_body(exchange(server, b"GET /rest/people?" + query + b" HTTP/1.1"), "URL_TOO_LONG")
    # under the URL bound, the number of parameters has its own bound
    body = assert_error_body(exchange(server, b"GET /rest/people?" + b"&".join([b"a"] * 2_000) + b" HTTP/1.1"),
                             "TOO_MANY_PARAMETERS")
    assert body["error"]["details"] == {"limit": 100, "count": 2_000}


@pytest.mark.parametrize("target", [b"/rest/people\xc3\xa9", b"/rest/\xffpeople"])
def test_raw_non_ascii_bytes_in_the_request_line(server: live_server.Server, target: bytes) -> None:
    body = assert_error_body(exchange(server, b"GET " + target + b" HTTP/1.1"), "INVALID_REQUEST")
    assert body["error"]["details"]["reason"] == "Invalid char in url path"
    assert body["error"]["message"] == "Invalid HTTP request: Invalid char in url path"


def test_nul_in_a_header(server: live_server.Server) -> None:
    body = assert_error_body(exchange(server, b"GET /rest/people HTTP/1.1", b"X-Note: a\x00b\r\n"), "INVALID_REQUEST")
    assert body["error"]["details"]["reason"] == "Invalid header value char"


def test_0xff_in_a_header_reaches_the_app(server: live_server.Server) -> None:
    """A header value byte above 0x7F is obs-text (RFC 9110), legal: the request is served."""
    status, fields, raw = exchange(server, b"GET /rest/people?limit=1 HTTP/1.1", b"X-Note: a\xffb\r\n")
    assert status == 200 and fields["content-type"] == "application/json"
    assert orjson.loads(raw)["data"] == {"people": []}


def test_the_server_keeps_serving(server: live_server.Server) -> None:
    status, _, raw = exchange(server, b"GET /rest/people?limit=1 HTTP/1.1")
    assert status == 200, raw[:300]


def test_pipelined_requests_and_a_head_request_each_get_their_whole_answer(server: live_server.Server) -> None:
    """Answers leave head and body in one write (``protocol._HeldHead``): three requests sent
    at once on one connection, a HEAD among them, get three answers in order."""
    assert server.key is not None
    auth = b"Authorization: Bearer " + server.key.encode() + b"\r\n"
    data = (b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"
            b"HEAD /healthz HTTP/1.1\r\nHost: test\r\n\r\n"
            b"GET /rest/people?limit=1 HTTP/1.1\r\nHost: test\r\n" + auth + b"Connection: close\r\n\r\n")
    with socket.create_connection((live_server.HOST, server.port), timeout=30) as conn:
        conn.sendall(data)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 3, answer.decode("latin-1")[:3000]
    first, rest = answer.split(b"HTTP/1.1 200 OK\r\n", 2)[1:]
    assert first.endswith(b'{"status":"ok"}')
    head_answer, last = rest.split(b"HTTP/1.1 200 OK\r\n", 1)
    assert head_answer.endswith(b"\r\n\r\n")  # a HEAD answer: headers only
    assert last.rstrip().endswith(b"}") and b'"people"' in last
