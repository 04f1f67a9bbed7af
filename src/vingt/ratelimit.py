"""Rate limits per workspace (DECISIONS.md §5), with the ``limits`` library.

Two windows shared by all of a workspace's keys, ``VINGT_RATE_LIMIT_PER_SECOND`` (100) and
``VINGT_RATE_LIMIT_PER_MINUTE`` (6000), ``0`` turning a window off. Each window is a fixed window
on the clock (the current second, the current minute): one counter per workspace and window,
kept in a ``limits`` storage — this process's memory, or Redis when ``VINGT_REDIS_URL`` is set, so
that every worker and host serving the same database spends one budget. A request costs one
increment per window, which also answers how much is left (the window's end is known from the
clock): one round trip to Redis per window, the two sent together. A REST request costs one unit, a GraphQL document one per
root field. Every API response says where the tighter window stands (``X-RateLimit-Limit``,
``-Remaining``, ``-Reset`` in epoch seconds); a request over either is refused with 429,
``Retry-After`` and the error ``RATE_LIMITED``.

Redis unreachable: requests are served without limits (never refused for it); the log says so
once a minute at most, and ``/readyz`` answers 503 naming Redis until it is back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError
from starlette.requests import Request
from starlette.responses import Response

from vingt import metrics
from vingt.errors import ApiError
from vingt.settings import mask_url

log = logging.getLogger("vingt.ratelimit")

KEY_PREFIX = "vingt-rate"
WARN_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Decision:
    """Where the tighter window stands after (or instead of) a hit."""

    limit: int
    remaining: int
    reset: int  # epoch seconds
    window: str  # "second" | "minute"
    allowed: bool = True

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """``headers()`` as a response's raw headers (lower-case names)."""
        return [(b"x-ratelimit-limit", b"%d" % self.limit), (b"x-ratelimit-remaining", b"%d" % self.remaining),
                (b"x-ratelimit-reset", b"%d" % self.reset)]

    def refusal(self) -> ApiError:
        retry = max(1, math.ceil(self.reset - time.time()))
        return ApiError(
            "RATE_LIMITED", f"Too many requests: at most {self.limit} per {self.window} for this workspace",
            {"limit": self.limit, "remaining": 0, "retryAfterSeconds": retry, "window": self.window},
            headers={**self.headers(), "Retry-After": str(retry)},
        )


class RateLimiter:
    def __init__(self, per_second: int, per_minute: int, redis_url: str = ""):
        self.items = [
            (item, name) for item, name in (
                (RateLimitItemPerSecond(per_second) if per_second > 0 else None, "second"),
                (RateLimitItemPerMinute(per_minute) if per_minute > 0 else None, "minute"),
            ) if item is not None
        ]
        self.redis_url = redis_url
        storage: Storage
        if redis_url:
            storage = RedisStorage("async+" + redis_url, wrap_exceptions=True, key_prefix=KEY_PREFIX,
                                   implementation="coredis")
        else:
            storage = MemoryStorage(wrap_exceptions=True)
        self.storage = storage
        self.shared = bool(redis_url)
        self.unavailable: str | None = None  # why the shared store cannot be used, when it cannot
        self._warned = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self.items)

    async def hit(self, workspace_id: str, cost: int = 1) -> Decision | None:
        """Spend ``cost`` units of the workspace's budget in each window: the tighter window's
        standing, with ``allowed`` false when a window was exhausted; None when no limit applies
        (limits off, or their store unreachable)."""
        if not self.items:
            return None
        now = time.time()
        items = self.items
        try:
            if len(items) == 1:
                counts = [await self._spend(items[0][0], workspace_id, cost, now)]
            elif self.shared:  # the round trips together
                counts = await asyncio.gather(*(self._spend(item, workspace_id, cost, now) for item, _ in items))
            else:
                counts = [await self._spend(item, workspace_id, cost, now) for item, _ in items]
        except StorageError as exc:
            self._unreachable(exc)
            return None
        self.unavailable = None
        allowed = all(count <= item.amount for (item, _), (count, _) in zip(items, counts, strict=True))
        tightest: Decision | None = None
        for (item, name), (count, reset) in zip(items, counts, strict=True):
            remaining = max(0, item.amount - count)
            if tightest is None or remaining < tightest.remaining:
                tightest = Decision(item.amount, remaining, reset, name, allowed)
        return tightest

    async def _spend(self, item: RateLimitItem, workspace_id: str, cost: int, now: float) -> tuple[int, int]:
        """Add ``cost`` to the workspace's counter of the window ``now`` is in: the count it
        reached and the window's end (epoch seconds)."""
        period = item.get_expiry()
        window = int(now // period)
        key = f"{workspace_id}/{period}/{window}"
        count = await self.storage.incr(key, period + 1, cost)  # kept a little past the window's end
        return count, (window + 1) * period

    def _unreachable(self, exc: Exception) -> None:
        self.unavailable = f"{type(exc).__name__}: {exc}".splitlines()[0][:200] if str(exc) else type(exc).__name__
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY_SECONDS:
            self._warned = now
            log.warning(
                "rate limits are off: their store at %s is unreachable (%s)", mask_url(self.redis_url), self.unavailable
            )

    async def check(self) -> str | None:
        """For ``/readyz``: None when the store answers, else why not."""
        if not self.redis_url:
            return None
        try:
            if not await self.storage.check():
                return "Redis did not answer"
        except Exception as exc:  # noqa: BLE001 - any failure means unreachable, with its reason
            return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return None


async def spend_rate(request: Request, workspace_id: str, cost: int) -> None:
    """Spend ``cost`` units of the workspace's budget for this request (once: a request that runs
    again after a stale catalog or a conflict is not charged twice); 429 ``RATE_LIMITED`` when a
    window is spent. The standing is kept for ``with_rate_headers``."""
    state = request.scope.setdefault("state", {})  # request.state's values
    if state.get("rate") is not None:
        return
    decision = await request.app.state.limiter.hit(workspace_id, cost)
    if decision is None:
        return
    state["rate"] = decision
    if not decision.allowed:
        metrics.rate_limited(decision.window)
        raise decision.refusal()


def with_rate_headers(request: Request, response: Response) -> Response:
    """``response`` with the rate-limit headers of its request, when it spent some budget (each
    one the response does not have already)."""
    state = request.scope.get("state")
    rate = state.get("rate") if state is not None else None
    if rate is not None:
        raw = response.raw_headers
        present = {name for name, _ in raw}
        raw.extend(header for header in rate.raw_headers() if header[0] not in present)
    return response
