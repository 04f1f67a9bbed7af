"""``GET /rest/<objects>/groupBy`` (REST.md §3.11, DECISIONS.md §2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from vingt.engine.records import Engine
from vingt.errors import ApiError
from vingt.metadata.model import ObjectMeta


async def group_by(request: Request, obj: ObjectMeta, engine: Engine) -> Response:
    if request.method != "GET":
        raise ApiError("METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}", {}, headers={"Allow": "GET"})
    raise ApiError("ROUTE_NOT_FOUND", "groupBy is not available yet", {"path": request.url.path})
