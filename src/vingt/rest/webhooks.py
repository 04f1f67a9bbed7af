"""``/rest/webhooks`` and ``/rest/metadata/webhooks`` (AUTH_WEBHOOKS.md §6.7, DECISIONS.md §5).

    GET    /rest/webhooks          [row, …]            the workspace's webhooks (not deleted)
    GET    /rest/webhooks/{id}     row                 404 WEBHOOK_NOT_FOUND when unknown
    POST   /rest/webhooks          row (201)           targetUrl, operations?, description?, secret?, id?
    PATCH  /rest/webhooks/{id}     row                 any of targetUrl, operations, description, secret
    DELETE /rest/webhooks/{id}     true                soft delete: the webhook stops firing

Rows are Twenty's: ``{id, workspaceId, targetUrl, operations, description, secret, createdAt,
updatedAt, deletedAt}``; the secret is returned in clear, as Twenty does (it is the receiver's
key to check signatures). A secret left out is generated (32 random bytes, hex).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vingt.db.webhooks import WebhookStore
from vingt.errors import ApiError
from vingt.registry import Principal
from vingt.rest.body import read_json
from vingt.sql.dialect import iso_ms
from vingt.webhooks import operations, targets

CREATE_KEYS = ("id", "targetUrl", "operations", "description", "secret")
UPDATE_KEYS = ("targetUrl", "operations", "description", "secret")
MAX_TEXT = 1000


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _not_found(webhook_id: str) -> ApiError:
    return ApiError("WEBHOOK_NOT_FOUND", "Webhook not found", {"id": webhook_id})


def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value) or len(value) > MAX_TEXT:
        raise ApiError(
            "INVALID_WEBHOOK_INPUT", f"'{key}' must be a string of at most {MAX_TEXT} characters"
            + (", not empty" if required else ""), {"field": key, "maxLength": MAX_TEXT},
        )
    return value


async def _values(request: Request, body: Any, accepted: tuple[str, ...], creating: bool) -> dict[str, Any]:
    """The columns a body writes, validated; the target checked for outbound safety."""
    if not isinstance(body, dict):
        raise ApiError("INVALID_BODY", "Body must be a JSON object", {})
    unknown = sorted(set(body) - set(accepted))
    if unknown:
        raise ApiError(
            "INVALID_WEBHOOK_INPUT", f"Unknown webhook field '{unknown[0]}'",
            {"field": unknown[0], "accepted": list(accepted)},
        )
    values: dict[str, Any] = {}
    if creating or "targetUrl" in body:
        if body.get("targetUrl") is None:
            raise ApiError("INVALID_WEBHOOK_INPUT", "Target URL is required", {"field": "targetUrl"})
        values["targetUrl"] = targets.normalise(body["targetUrl"])
        allow = request.app.state.settings.webhook_allow_private_targets
        await targets.check_outbound(values["targetUrl"], allow)
    if "operations" in body or creating:
        values["operations"] = operations.check(body.get("operations", operations.DEFAULT))
    if "description" in body or creating:
        values["description"] = _text(body, "description")
    if "secret" in body:
        values["secret"] = _text(body, "secret", required=True)
    elif creating:
        values["secret"] = secrets.token_hex(32)
    if creating:
        raw_id = body.get("id")
        try:
            values["id"] = str(uuid.UUID(raw_id)) if raw_id is not None else str(uuid.uuid4())
        except (ValueError, TypeError, AttributeError):
            raise ApiError("INVALID_UUID", f"'{raw_id}' is not a valid UUID", {"field": "id", "value": raw_id}) from None
    return values


async def handle(request: Request, principal: Principal, path: str) -> Response:
    """``path``: what follows ``webhooks`` (empty, or a webhook id)."""
    segments = [s for s in path.split("/") if s]
    if len(segments) > 1:
        raise ApiError("ROUTE_NOT_FOUND", f"Cannot {request.method} {request.url.path}", {"path": request.url.path})
    webhook_id = None
    if segments:
        try:
            webhook_id = str(uuid.UUID(segments[0]))
        except ValueError:
            raise ApiError("INVALID_UUID", f"'{segments[0]}' is not a valid UUID", {"value": segments[0]}) from None
    if request.query_params:
        name = next(iter(request.query_params.keys()))
        raise ApiError("UNKNOWN_PARAMETER", f"Unknown query parameter '{name}'", {"parameter": name, "accepted": []})
    app = request.app
    store = WebhookStore(app.state.db, app.state.dialect, principal.workspace_id)
    method = "PATCH" if request.method == "PUT" else request.method
    now = iso_ms(dt.datetime.now(dt.UTC))
    if webhook_id is None and method == "GET":
        return _json(await store.list())
    if webhook_id is None and method == "POST":
        body = await read_json(request, app.state.settings.max_body_bytes)
        values = await _values(request, body, CREATE_KEYS, creating=True)
        if await store.get(values["id"]) is not None:
            raise ApiError("INVALID_WEBHOOK_INPUT", "A webhook with this id already exists", {"id": values["id"]})
        await store.insert({**values, "workspaceId": principal.workspace_id, "createdAt": now, "updatedAt": now,
                            "deletedAt": None})
        return _json(await store.get(values["id"]), 201)
    if webhook_id is not None and method == "GET":
        row = await store.get(webhook_id)
        if row is None:
            raise _not_found(webhook_id)
        return _json(row)
    if webhook_id is not None and method == "PATCH":
        body = await read_json(request, app.state.settings.max_body_bytes)
        values = await _values(request, body, UPDATE_KEYS, creating=False)
        if not await store.update(webhook_id, {**values, "updatedAt": now}):
            raise _not_found(webhook_id)
        return _json(await store.get(webhook_id))
    if webhook_id is not None and method == "DELETE":
        if not await store.delete(webhook_id, now):
            raise _not_found(webhook_id)
        return _json(True)
    allowed = "GET, POST" if webhook_id is None else "GET, PATCH, PUT, DELETE"
    raise ApiError(
        "METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}",
        {"method": request.method, "allowed": allowed.split(", ")}, headers={"Allow": allowed},
    )
