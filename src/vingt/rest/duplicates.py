"""``POST /rest/<objects>/duplicates`` and ``PATCH /rest/<objects>/merge`` (REST.md §3.9–3.10)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from vingt.engine.records import Engine
from vingt.errors import ApiError
from vingt.metadata.model import ObjectMeta


async def find_duplicates(request: Request, obj: ObjectMeta, engine: Engine) -> Response:
    if request.method != "POST":
        raise ApiError("METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}", {}, headers={"Allow": "POST"})
    raise ApiError("ROUTE_NOT_FOUND", "duplicates are not available yet", {"path": request.url.path})


async def merge(request: Request, obj: ObjectMeta, engine: Engine) -> Response:
    if request.method not in ("PATCH", "PUT"):
        raise ApiError("METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}", {}, headers={"Allow": "PATCH"})
    raise ApiError("ROUTE_NOT_FOUND", "merge is not available yet", {"path": request.url.path})
