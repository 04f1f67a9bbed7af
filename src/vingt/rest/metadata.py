"""``/rest/metadata/objects`` and ``/rest/metadata/fields`` (REST.md §13), legacy envelopes:

    GET    /rest/metadata/objects          {"data": {"objects": [...]}, "pageInfo": {...}, "totalCount": n}
    GET    /rest/metadata/objects/{id}     {"data": {"object": {...}}}
    POST   /rest/metadata/objects          {"data": {"createOneObject": {...}}}         201
    PATCH  /rest/metadata/objects/{id}     {"data": {"updateOneObject": {...}}}
    DELETE /rest/metadata/objects/{id}     {"data": {"deleteOneObject": {...}}}

and the same for fields (``fields``, ``field``, ``createOneField``, …). Lists are ordered by
id descending, paged with ``limit`` (≤ 1000) and id cursors.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vingt.errors import ApiError
from vingt.metadata.model import Catalog
from vingt.metadata.payloads import field_payload, object_payload, relation_payloads
from vingt.metadata.service import MetadataService
from vingt.registry import Principal
from vingt.rest.body import read_json
from vingt.rest.params import canonical_params, parse_limit

MAX_LIMIT = 1000
LIST_PARAMS = ("limit", "starting_after", "ending_before")
# Twenty's camel-case spellings, and the pagination parameter of its older releases
LIST_ALIASES = {"startingAfter": "starting_after", "endingBefore": "ending_before", "last_cursor": "starting_after"}
KINDS = ("objects", "fields", "relations")


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _page(items: list[dict[str, Any]], query_string: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    values = canonical_params(query_string, LIST_PARAMS, LIST_ALIASES)
    limit = parse_limit(values.get("limit", ""), MAX_LIMIT, MAX_LIMIT)
    after = values.get("starting_after")
    before = values.get("ending_before")
    if after and before:
        raise ApiError(
            "INVALID_PARAMETER",
            "'starting_after' and 'ending_before' cannot be used together.",
            {"parameters": ["starting_after", "ending_before"]},
        )
    ordered = sorted(items, key=lambda i: i["id"], reverse=True)
    # cursors compare as the canonical (lower-case, hyphenated) ids they name
    after, before = _canonical_cursor(after), _canonical_cursor(before)
    if after:
        rest = [i for i in ordered if i["id"] < after]
        page, has_next, has_prev = rest[:limit], len(rest) > limit, True
    elif before:
        rest = [i for i in ordered if i["id"] > before]
        page, has_next, has_prev = rest[-limit:] if limit else [], True, len(rest) > limit
    else:
        page, has_next, has_prev = ordered[:limit], len(ordered) > limit, False
    info = {
        "hasNextPage": has_next,
        "hasPreviousPage": has_prev,
        "startCursor": page[0]["id"] if page else None,
        "endCursor": page[-1]["id"] if page else None,
    }
    return page, info


def _canonical_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return str(uuid.UUID(cursor))
    except ValueError:
        raise ApiError("INVALID_CURSOR", f"Invalid cursor: {cursor}", {"cursor": cursor}) from None


async def handle(request: Request, principal: Principal, path: str) -> Response:
    segments = [s for s in path.split("/") if s]
    if not segments:
        return _index(request)
    if segments[0] not in KINDS or len(segments) > 2:
        raise ApiError(
            "ROUTE_NOT_FOUND",
            f"Cannot {request.method} /rest/metadata/{path}. Metadata routes: "
            + ", ".join(f"/rest/metadata/{k}" for k in (*KINDS, "webhooks")),
            {"path": f"/rest/metadata/{path}"},
        )
    kind = segments[0]
    item_id = segments[1] if len(segments) == 2 else None
    if item_id is not None:
        try:
            item_id = str(uuid.UUID(item_id))
        except ValueError:
            raise ApiError("INVALID_UUID", f"'{item_id}' is not a valid UUID", {"value": item_id}) from None
    if kind == "relations":
        return _relations(request, principal, item_id)
    app = request.app
    service = MetadataService(app.state.db, app.state.dialect, principal.workspace_id,
                              (principal.key_id, principal.key_name), principal.access)
    method = "PATCH" if request.method == "PUT" else request.method
    one = "object" if kind == "objects" else "field"
    One = one.capitalize()
    if item_id is None and method == "GET":
        catalog = principal.catalog
        items = (
            [object_payload(catalog, o) for o in catalog.objects]
            if kind == "objects"
            else [field_payload(catalog, f) for o in catalog.objects for f in o.fields]
        )
        page, info = _page(items, request.scope["query_string"])
        return _json({"data": {kind: page}, "pageInfo": info, "totalCount": len(items)})
    _no_params(request)
    if item_id is None and method == "POST":
        body = await read_json(request, app.state.settings.max_body_bytes)
        created = await (service.create_object(body) if kind == "objects" else service.create_field(body))
        app.state.registry.forget()
        catalog = await _fresh(request, principal)
        return _json({"data": {f"createOne{One}": _payload(catalog, kind, created.id)}}, 201)
    if item_id is not None and method == "GET":
        return _json({"data": {one: _payload(principal.catalog, kind, item_id)}})
    if item_id is not None and method == "PATCH":
        body = await read_json(request, app.state.settings.max_body_bytes)
        updated = await (service.update_object(item_id, body) if kind == "objects" else service.update_field(item_id, body))
        app.state.registry.forget()
        catalog = await _fresh(request, principal)
        return _json({"data": {f"updateOne{One}": _payload(catalog, kind, updated.id)}})
    if item_id is not None and method == "DELETE":
        before = principal.catalog
        deleted = await (service.delete_object(item_id) if kind == "objects" else service.delete_field(item_id))
        app.state.registry.forget()
        payload = (
            object_payload(before, deleted) if kind == "objects" else field_payload(before, deleted)  # type: ignore[arg-type]
        )
        return _json({"data": {f"deleteOne{One}": payload}})
    allowed = "GET, POST" if item_id is None else "GET, PATCH, PUT, DELETE"
    raise ApiError(
        "METHOD_NOT_ALLOWED",
        f"Cannot {request.method} {request.url.path}",
        {"method": request.method, "allowed": allowed.split(", ")},
        headers={"Allow": allowed},
    )


# GET /rest/metadata: what is under it (the metadata document's server URL answers something)
INDEX = {
    "routes": [
        {"name": "objects", "path": "/rest/metadata/objects", "methods": ["GET", "POST", "PATCH", "PUT", "DELETE"]},
        {"name": "fields", "path": "/rest/metadata/fields", "methods": ["GET", "POST", "PATCH", "PUT", "DELETE"]},
        {"name": "relations", "path": "/rest/metadata/relations", "methods": ["GET"]},
        {"name": "webhooks", "path": "/rest/metadata/webhooks", "methods": ["GET", "POST", "PATCH", "PUT", "DELETE"]},
    ],
    "openApi": "/rest/open-api/metadata",
    "graphql": "/metadata",
}
INDEX_BODY = orjson.dumps(INDEX)


def _get_only(request: Request) -> None:
    if request.method != "GET":
        raise ApiError(
            "METHOD_NOT_ALLOWED",
            f"Cannot {request.method} {request.url.path}",
            {"method": request.method, "allowed": ["GET"]},
            headers={"Allow": "GET"},
        )


def _no_params(request: Request) -> None:
    if request.query_params:
        name = next(iter(request.query_params.keys()))
        raise ApiError("UNKNOWN_PARAMETER", f"Unknown query parameter '{name}'", {"parameter": name, "accepted": []})


def _index(request: Request) -> Response:
    _get_only(request)
    _no_params(request)
    return Response(INDEX_BODY, media_type="application/json")


def _relations(request: Request, principal: Principal, item_id: str | None) -> Response:
    """``/rest/metadata/relations``, as Twenty's releases before 1.0 served their relation
    metadata (``{"data": {"relations": [...]}}``): read only, one relation per pair of fields."""
    _get_only(request)
    items = relation_payloads(principal.catalog)
    if item_id is None:
        page, info = _page(items, request.scope["query_string"])
        return _json({"data": {"relations": page}, "pageInfo": info, "totalCount": len(items)})
    _no_params(request)
    for item in items:
        if item["id"] == item_id:
            return _json({"data": {"relation": item}})
    raise ApiError("RELATION_METADATA_NOT_FOUND", f"Relation {item_id} not found", {"id": item_id})


async def _fresh(request: Request, principal: Principal) -> Catalog:
    again: Principal = await request.app.state.registry.authenticate(request.headers.get("authorization"))
    return again.catalog


def _payload(catalog: Catalog, kind: str, item_id: str) -> dict[str, Any]:
    if kind == "objects":
        obj = catalog.by_id.get(item_id)
        if obj is None:
            raise ApiError("OBJECT_METADATA_NOT_FOUND", f"Object {item_id} not found", {"id": item_id})
        return object_payload(catalog, obj)
    for o in catalog.objects:
        for f in o.fields:
            if f.id == item_id:
                return field_payload(catalog, f)
    raise ApiError("FIELD_METADATA_NOT_FOUND", f"Field {item_id} not found", {"id": item_id})
