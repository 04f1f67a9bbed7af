"""One HTTP attempt of a delivery, with aiohttp: a POST, a bounded wait, no redirects followed,
and the outbound rule (DECISIONS.md §5) applied to the addresses actually connected to — the
resolver refuses a name that resolves to an internal address, so a name that changes its answer
between the check and the connection (DNS rebinding) cannot reach one."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

from vingt.webhooks import targets

RESPONSE_EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str | None
    response: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class InternalTarget(OSError):
    def __init__(self) -> None:
        super().__init__(targets.PRIVATE_MESSAGE)


class SafeResolver(ThreadedResolver):
    """The system resolver, refusing names that resolve to an internal address."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await super().resolve(host, port, family)
        for entry in found:
            address = targets.literal_address(str(entry["host"]).split("%", 1)[0])
            if address is None or targets.is_internal(address):
                raise InternalTarget()
        return found


def _internal(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, InternalTarget) or isinstance(getattr(exc, "os_error", None), InternalTarget):
            return True
        exc = exc.__cause__
    return False


class Sender:
    def __init__(self, timeout_seconds: float, allow_private: bool):
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.allow_private = allow_private
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            resolver: Any = ThreadedResolver() if self.allow_private else SafeResolver()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver, limit=100, limit_per_host=20),
                timeout=self.timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Outcome:
        started = time.perf_counter()

        def done(status: int | None = None, error: str | None = None, response: str | None = None) -> Outcome:
            return Outcome(status, round((time.perf_counter() - started) * 1000), error, response)

        if not self.allow_private:
            literal = targets.literal_address(urlsplit(url).hostname or "")
            if literal is not None and targets.is_internal(literal):
                return done(error=targets.PRIVATE_MESSAGE)
        try:
            async with self._open().post(url, data=content, headers=headers, allow_redirects=False) as resp:
                excerpt = await resp.content.read(RESPONSE_EXCERPT_BYTES)
                return done(resp.status, None, excerpt.decode("utf-8", "replace"))
        except TimeoutError:
            return done(error=f"no response within {self.timeout.total:g} s")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            if _internal(exc):
                return done(error=targets.PRIVATE_MESSAGE)
            return done(error=f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT_BYTES])
