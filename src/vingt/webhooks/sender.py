"""One HTTP attempt of a delivery: a POST, a bounded wait, no redirects followed, and the outbound
rule (DECISIONS.md §5) applied to the addresses actually connected to — each connection is made to
the addresses its host resolved to, after they were checked, so a name that changes its answer
between the check and the connection (DNS rebinding) cannot reach an internal one. The HTTP client
is ``webhooks/http.py``."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httptools

from vingt.webhooks import http, targets

RESPONSE_EXCERPT_BYTES = 1024


def as_text(raw: bytes | str) -> str:
    """What the delivery log keeps of a response or an error: text without NUL, which neither
    database stores in a text column."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text.replace("\x00", "\ufffd")


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


def refuse_internal(_endpoint: http.Endpoint, addresses: list[str]) -> None:
    """The outbound rule: no connection to a host any of whose addresses is internal."""
    for text in addresses:
        address = targets.literal_address(text.split("%", 1)[0])
        if address is None or targets.is_internal(address):
            raise InternalTarget()


def allow_any(_endpoint: http.Endpoint, _addresses: list[str]) -> None:
    """``VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS``: every address may be connected to."""


def header_lines(headers: dict[str, str]) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("latin-1")


class Sender:
    def __init__(self, timeout_seconds: float, allow_private: bool):
        self.timeout = timeout_seconds
        self.client = http.Client(allow_any if allow_private else refuse_internal, RESPONSE_EXCERPT_BYTES)

    async def close(self) -> None:
        await self.client.close()

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Outcome:
        started = time.perf_counter()

        def done(status: int | None = None, error: str | None = None, response: str | None = None) -> Outcome:
            return Outcome(status, round((time.perf_counter() - started) * 1000), error, response)

        try:
            async with asyncio.timeout(self.timeout):
                answer = await self.client.post(url, header_lines({"Accept": "*/*", **headers}), content)
        except TimeoutError:
            return done(error=f"no response within {self.timeout:g} s")
        except InternalTarget:
            return done(error=targets.PRIVATE_MESSAGE)
        except (OSError, ValueError, UnicodeError, httptools.HttpParserError) as exc:
            return done(error=as_text(f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT_BYTES]))
        return done(answer.status, None, as_text(answer.excerpt))
