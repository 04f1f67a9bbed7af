"""``GET /readyz``: whether this process can serve — the database answers, its system tables
are at the migrations' head, and Redis answers when the rate limits are kept there. 200 when
ready, 503 naming what is not (no auth: it says nothing about the data). ``/healthz`` only says
the process is alive."""

from __future__ import annotations

import asyncio
from functools import cache

import orjson
from alembic.config import Config
from alembic.script import ScriptDirectory
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from vingt.db.migrate import MIGRATIONS
from vingt.db.system_queries import migration_revision

CHECK_SECONDS = 2.0


@cache
def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


async def readiness(app: Starlette) -> tuple[bool, dict[str, str]]:
    """Whether the process is ready, and each check's result ("ok" or what is wrong)."""
    db = app.state.db
    checks: dict[str, str] = {}
    try:
        current = await asyncio.wait_for(migration_revision(db), CHECK_SECONDS)
        checks["database"] = "ok"
        head = head_revision()
        checks["migrations"] = "ok" if current == head else f"at {current}, expected {head}: restart vingt serve, which upgrades them"
    except TimeoutError:
        checks["database"] = f"no answer within {CHECK_SECONDS:g} s"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready, with its reason
        checks["database"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()
    limiter = app.state.limiter
    if limiter.redis_url:
        try:
            problem = await asyncio.wait_for(limiter.check(), CHECK_SECONDS)
        except TimeoutError:
            problem = f"no answer within {CHECK_SECONDS:g} s"
        checks["redis"] = "ok" if problem is None else f"{problem} (rate limits are off until it answers)"
    return all(v == "ok" for v in checks.values()) and "migrations" in checks, checks


async def readyz(request: Request) -> Response:
    ready, checks = await readiness(request.app)
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return Response(orjson.dumps(body), status_code=200 if ready else 503, media_type="application/json")
