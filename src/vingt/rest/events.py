"""``GET /rest/events``: the change feed, for clients that poll instead of receiving webhooks.

    GET /rest/events?after=<eventId>&limit=&object=<singular>&action=<action>

The workspace's events oldest first, in the order they became visible (``db/feed.py``): paging
with ``after`` = the previous page's ``endCursor`` loses and repeats nothing, however writes
interleave. Each event is the outbox row (``docs/events.md``) with Twenty's event name. An empty
page answers ``endCursor`` = the cursor given, so a client polls with the same value until more
comes. A cursor that names no kept event (pruned after ``VINGT_EVENT_RETENTION_DAYS``, or never
one of this workspace's) is 410 ``CURSOR_EXPIRED``: the client has missed events and must resync.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vingt.db import feed
from vingt.errors import ApiError
from vingt.registry import Principal
from vingt.rest.params import parse_limit
from vingt.webhooks.operations import ACTIONS
from vingt.webhooks.service import webhook_id

PARAMETERS = ("after", "limit", "object", "action")


def _event(row: dict[str, Any]) -> dict[str, Any]:
    def raw(text: str | None) -> Any:
        return orjson.Fragment(text) if text is not None else None

    return {
        "id": row["id"],
        "eventName": f"{row['objectName']}.{row['action']}",
        "objectMetadata": {"id": row["objectMetadataId"], "nameSingular": row["objectName"]},
        "recordId": row["recordId"],
        "action": row["action"],
        "before": raw(row["before"]),
        "after": raw(row["after"]),
        "updatedFields": raw(row["updatedFields"]),
        "createdAt": row["createdAt"],
    }


def _cursor(raw: str) -> str:
    try:
        return webhook_id(raw)
    except ApiError:
        raise ApiError("INVALID_CURSOR", f"Invalid cursor: {raw[:64]}", {"parameter": "after", "cursor": raw[:64]}) from None


async def handle(request: Request, principal: Principal, path: str) -> Response:
    if path.strip("/"):
        raise ApiError("ROUTE_NOT_FOUND", f"Cannot {request.method} {request.url.path}", {"path": request.url.path})
    if request.method != "GET":
        raise ApiError(
            "METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}",
            {"method": request.method, "allowed": ["GET"]}, headers={"Allow": "GET"},
        )
    params = request.query_params
    for name in params:
        if name not in PARAMETERS:
            raise ApiError("UNKNOWN_PARAMETER", f"Unknown query parameter '{name}'",
                           {"parameter": name, "accepted": list(PARAMETERS)})
    settings = request.app.state.settings
    limit = parse_limit(params.get("limit", ""), settings.default_page_size, settings.max_page_size)
    object_name = params.get("object") or None
    if object_name is not None and object_name not in principal.catalog.by_singular:
        raise ApiError("INVALID_PARAMETER", f"'object' must be an object's singular name, not '{object_name[:64]}'",
                       {"parameter": "object", "value": object_name[:64]})
    if object_name is not None:
        principal.access.require_object(object_name, write=False)
    action = params.get("action") or None
    if action is not None and action not in ACTIONS:
        raise ApiError("INVALID_PARAMETER", f"'action' must be one of {', '.join(ACTIONS)}, not '{action[:64]}'",
                       {"parameter": "action", "value": action[:64], "accepted": list(ACTIONS)})
    db, dialect, workspace = request.app.state.db, request.app.state.dialect, principal.workspace_id
    after_id = _cursor(params["after"]) if params.get("after") else None
    after = 0
    if after_id is not None:
        found = await feed.position(db, dialect, workspace, after_id)
        if found is None:
            raise ApiError(
                "CURSOR_EXPIRED", "This event is not among the events kept: events may have been missed",
                {"parameter": "after", "cursor": after_id, "setting": "VINGT_EVENT_RETENTION_DAYS"},
            )
        after = found
    rows = await feed.page(db, dialect, workspace, after, limit, object_name, action, principal.access.objects)
    events = [_event(r) for r in rows[:limit]]
    body = {
        "data": {"events": events},
        "pageInfo": {
            "hasNextPage": len(rows) > limit,
            "startCursor": events[0]["id"] if events else after_id,
            "endCursor": events[-1]["id"] if events else after_id,
        },
    }
    return Response(orjson.dumps(body), media_type="application/json")
