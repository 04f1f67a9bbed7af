"""``GET /rest/open-api/core``, ``GET /rest/open-api/metadata`` and ``GET /rest/docs``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from vingt.errors import ApiError


async def not_yet(request: Request) -> Response:
    err = ApiError("ROUTE_NOT_FOUND", "not available yet", {"path": request.url.path})
    return Response(err.render(), status_code=err.status, media_type="application/json")


def routes() -> list[BaseRoute]:
    """Routes mounted before the catch-all ``/rest/{path}``."""
    return []
