"""Running a request again when the database says it may succeed on a second try.

Two cases, the same for every endpoint (REST, ``/graphql``, ``/metadata``):

- ``StaleSchema``: a statement met tables of another shape than its catalog's (another process
  changed the metadata, and its announcement is not in yet, or a catalog is ahead of the
  tables). The failed statement rolled its transaction back, so the request runs once more on
  the current catalog, reloaded for the caller's workspace.
- ``Contended``: the database broke a deadlock (or a serialization failure) with a concurrent
  write by rolling this one back: the request runs again, after a short random pause that lets
  the other one finish.

Under a burst of metadata changes the reloaded catalog can be overtaken again, so a few
attempts, then a 503 (``SCHEMA_CHANGING`` or ``TRANSACTION_CONFLICT``, with ``Retry-After``)
the client may retry. An attempt must be safe to run again: it holds the whole request, and
nothing of it may have committed when it raises one of these.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request

from vingt.db.database import Contended, StaleSchema
from vingt.errors import ApiError

ATTEMPTS = 6

T = TypeVar("T")


async def retrying(request: Request, attempt: Callable[[], Awaitable[T]]) -> T:
    """``attempt()``, run again (at most ``ATTEMPTS`` times in all) while it raises
    ``StaleSchema`` or ``Contended``; then the ``ApiError`` that says which kept happening."""
    contended = 0
    for _ in range(ATTEMPTS):
        try:
            return await attempt()
        except StaleSchema:
            await request.app.state.registry.stale_for(request.headers.get("authorization"))
        except Contended:
            contended += 1
            await asyncio.sleep(random.uniform(0.005, 0.02) * contended)
    if contended:
        raise ApiError(
            "TRANSACTION_CONFLICT", "Concurrent writes of the same records kept conflicting; retry the request.",
            {"attempts": ATTEMPTS}, headers={"Retry-After": "1"},
        )
    raise ApiError(
        "SCHEMA_CHANGING", "The workspace's metadata is changing; retry the request.",
        {"attempts": ATTEMPTS}, headers={"Retry-After": "1"},
    )


async def retrying_as(request: Request, principal: Any, attempt: Callable[[Any], Awaitable[T]]) -> T:
    """``retrying`` of ``attempt(principal)``: the request's authenticated key first, then, after
    a stale catalog, the key authenticated again (which carries the reloaded catalog)."""
    first = [principal]

    async def again() -> T:
        current = first.pop() if first else await request.app.state.registry.authenticate(
            request.headers.get("authorization"))
        return await attempt(current)

    return await retrying(request, again)
