"""Waking a delivery process that runs beside the serving ones (``vingt serve`` on PostgreSQL).

The delivery process listens on a Unix datagram socket in a directory ``vingt serve`` makes; the
serving processes find its path in ``VINGT_WEBHOOK_WAKE_SOCKET`` (set by ``vingt serve`` for them,
as ``PROMETHEUS_MULTIPROC_DIR`` is). A write that committed wakes it with one datagram — at most
one per turn of the event loop, sent after every write that asked for it had committed, so the
fan-out that the datagram starts sees them all. A datagram lost (the delivery process not
listening yet, its buffer full) costs nothing but time: the delivery process also looks every
``VINGT_WEBHOOK_POLL_SECONDS``, and a full buffer means wakes are waiting already.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable

WAKE_SOCKET = "VINGT_WEBHOOK_WAKE_SOCKET"
SOCKET_NAME = "wake.sock"


def socket_path() -> str | None:
    """The delivery process's socket, when this process serves beside one."""
    return os.environ.get(WAKE_SOCKET) or None


class Waker:
    """The serving side: ``wake()`` after each write."""

    def __init__(self, path: str):
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.setblocking(False)
        self._due = False

    def wake(self) -> None:
        if not self._due:
            self._due = True
            asyncio.get_running_loop().call_soon(self._send)

    def _send(self) -> None:
        self._due = False
        with contextlib.suppress(OSError):  # not listening (yet), or its buffer full: see the module
            self._sock.sendto(b"w", self.path)

    def close(self) -> None:
        self._sock.close()


class WakeListener:
    """The delivery side: ``on_wake()`` for each burst of datagrams received."""

    def __init__(self, path: str, on_wake: Callable[[], None]):
        self.path = path
        self.on_wake = on_wake
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # left by a delivery process that died
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(path)
        self._sock.setblocking(False)
        asyncio.get_running_loop().add_reader(self._sock.fileno(), self._readable)

    def _readable(self) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while self._sock.recv(64):
                pass
        self.on_wake()

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
