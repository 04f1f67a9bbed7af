"""``/rest/webhooks`` and ``/rest/metadata/webhooks`` (AUTH_WEBHOOKS.md §6.7, DECISIONS.md §5).

    GET    /rest/webhooks          [row, …]            the workspace's webhooks (not deleted)
    GET    /rest/webhooks/{id}     row                 404 WEBHOOK_NOT_FOUND when unknown
    POST   /rest/webhooks          row (201)           targetUrl, operations?, description?, secret?, id?
    PATCH  /rest/webhooks/{id}     row                 any of targetUrl, operations, description, secret
    DELETE /rest/webhooks/{id}     true                soft delete: the webhook stops firing
    GET    /rest/webhooks/{id}/deliveries                  the delivery log, newest first
    POST   /rest/webhooks/{id}/deliveries/{deliveryId}/redeliver   a new attempt now

Rows are Twenty's: ``{id, workspaceId, targetUrl, operations, description, secret, createdAt,
updatedAt, deletedAt}``; the secret is returned in clear, as Twenty does (it is the receiver's
key to check signatures). The rules live in ``vingt.webhooks.service``.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vingt.errors import ApiError
from vingt.registry import Principal
from vingt.rest.body import read_json
from vingt.webhooks.log import DeliveryLog
from vingt.webhooks.service import WebhookService, webhook_id


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def service(request: Request, principal: Principal) -> WebhookService:
    app = request.app
    return WebhookService(
        app.state.db, app.state.dialect, principal.workspace_id, app.state.settings.webhook_allow_private_targets,
        principal.access,
    )


def sends(path: str) -> bool:
    """Whether ``path`` (after ``webhooks``) is a redelivery, which calls the receiver."""
    return path.rstrip("/").endswith("/redeliver")


def _route_not_found(request: Request) -> ApiError:
    return ApiError("ROUTE_NOT_FOUND", f"Cannot {request.method} {request.url.path}", {"path": request.url.path})


def _method_not_allowed(request: Request, allowed: str) -> ApiError:
    return ApiError(
        "METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}",
        {"method": request.method, "allowed": allowed.split(", ")}, headers={"Allow": allowed},
    )


async def handle(request: Request, principal: Principal, path: str) -> Response:
    """``path``: what follows ``webhooks`` (empty, a webhook id, or its deliveries)."""
    segments = [s for s in path.split("/") if s]
    if len(segments) > 1:
        return await _deliveries(request, principal, segments)
    wid = webhook_id(segments[0]) if segments else None
    if request.query_params:
        name = next(iter(request.query_params.keys()))
        raise ApiError("UNKNOWN_PARAMETER", f"Unknown query parameter '{name}'", {"parameter": name, "accepted": []})
    hooks = service(request, principal)
    method = "PATCH" if request.method == "PUT" else request.method
    max_body = request.app.state.settings.max_body_bytes
    if wid is None and method == "GET":
        return _json(await hooks.list())
    if wid is None and method == "POST":
        return _json(await hooks.create(await read_json(request, max_body)), 201)
    if wid is not None and method == "GET":
        return _json(await hooks.get(wid))
    if wid is not None and method == "PATCH":
        return _json(await hooks.update(wid, await read_json(request, max_body)))
    if wid is not None and method == "DELETE":
        await hooks.delete(wid)
        return _json(True)
    raise _method_not_allowed(request, "GET, POST" if wid is None else "GET, PATCH, PUT, DELETE")


async def _deliveries(request: Request, principal: Principal, segments: list[str]) -> Response:
    """``{id}/deliveries`` (GET) and ``{id}/deliveries/{deliveryId}/redeliver`` (POST)."""
    listing = len(segments) == 2 and segments[1] == "deliveries"
    redeliver = len(segments) == 4 and segments[1] == "deliveries" and segments[3] == "redeliver"
    if not (listing or redeliver):
        raise _route_not_found(request)
    if request.method != ("GET" if listing else "POST"):
        raise _method_not_allowed(request, "GET" if listing else "POST")
    hooks = service(request, principal)
    hooks.authorize(write=redeliver)
    wid = (await hooks.get(segments[0]))["id"]
    log = DeliveryLog(request.app.state.db, request.app.state.dialect, request.app.state.dispatcher)
    settings = request.app.state.settings
    if listing:
        return _json(await log.page(wid, request.query_params, settings.default_page_size, settings.max_page_size))
    if request.query_params:
        name = next(iter(request.query_params.keys()))
        raise ApiError("UNKNOWN_PARAMETER", f"Unknown query parameter '{name}'", {"parameter": name, "accepted": []})
    return _json(await log.redeliver(wid, segments[2]))
