"""A response's head leaves with its body in one write (``protocol._HeldHead``), and never
later than the end of the event loop's turn when no body follows."""

from __future__ import annotations

import asyncio
from typing import Any

from vingt.protocol import _HeldHead


class Recording:
    """A transport that records what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


def held() -> tuple[_HeldHead, Recording, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    transport = Recording()
    return _HeldHead(transport, loop), transport, loop  # type: ignore[arg-type]


def test_head_and_body_leave_in_one_write() -> None:
    h, transport, loop = held()
    h.write(HEAD)
    assert transport.writes == []
    h.write(b"{}")
    assert transport.writes == [HEAD + b"{}"]
    loop.run_until_complete(asyncio.sleep(0))  # the turn's flush finds nothing left
    assert transport.writes == [HEAD + b"{}"]
    loop.close()


def test_a_head_without_body_leaves_at_the_end_of_the_turn() -> None:
    h, transport, loop = held()
    h.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert transport.writes == []
    loop.run_until_complete(asyncio.sleep(0))
    assert transport.writes == [b"HTTP/1.1 204 No Content\r\n\r\n"]
    loop.close()


def test_continue_and_later_writes_are_not_held() -> None:
    h, transport, loop = held()
    h.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    h.write(HEAD)
    h.write(b"{")
    h.write(b"}")
    assert transport.writes[1:] == [HEAD + b"{", b"}"]
    loop.close()


def test_close_sends_a_held_head_first_and_a_closed_transport_gets_nothing() -> None:
    h, transport, loop = held()
    h.write(HEAD)
    h.close()
    assert transport.writes == [HEAD] and transport.closed
    h2, transport2, loop2 = held()
    h2.write(HEAD)
    transport2.closed = True  # the client went away before the turn ended
    loop2.run_until_complete(asyncio.sleep(0))
    assert transport2.writes == []
    assert h2.get_extra_info("peername") == ("127.0.0.1", 1)  # the rest is the transport's
    loop.close()
    loop2.close()
