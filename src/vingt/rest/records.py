"""The record routes (REST.md §2, routes 1–10 and 15): path → operation → envelope.

Handlers are thin: they parse the path, the query and the body, call the engine, and
wrap the JSON text the engine returns in Twenty's envelopes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vingt.engine.planner import object_by_plural
from vingt.engine.records import Actor, Engine, Page
from vingt.errors import ApiError
from vingt.metadata.model import ObjectMeta
from vingt.metadata.types import capitalize
from vingt.registry import Principal
from vingt.rest import duplicates, group_by
from vingt.rest.params import Params, parse_params

FIND_MANY = ("filter", "order_by", "limit", "depth", "starting_after", "ending_before", "fields")
FIND_ONE = ("depth", "fields")
CREATE = ("depth", "upsert", "fields")
UPDATE_ONE = ("depth", "fields")
UPDATE_MANY = ("filter", "depth", "fields")
DELETE_ONE = ("soft_delete",)
DELETE_MANY = ("filter", "soft_delete")
RESTORE_ONE = ("depth", "fields")
RESTORE_MANY = ("filter", "depth", "fields")

# /rest/<objects>/<action>: routes on a collection other than a record id
ACTIONS: dict[str, Callable[[Request, ObjectMeta, Engine], Awaitable[Response]]] = {
    "duplicates": duplicates.find_duplicates,
    "merge": duplicates.merge,
    "groupBy": group_by.group_by,
}

PATH_EXAMPLES = (
    "Valid examples: /rest/companies/id or /rest/companies or /rest/batch/companies or /rest/restore/companies/id"
)


class JsonBytes(Response):
    media_type = "application/json"


def _json(body: bytes, status: int = 200) -> Response:
    return JsonBytes(body, status_code=status)


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError("INVALID_UUID", f"'{value}' is not a valid UUID", {"value": value}) from None


def _data(key: str, payload: str) -> bytes:
    return ('{"data":{"' + key + '":' + payload + "}}").encode()


def _array(records: list[str]) -> str:
    return "[" + ",".join(records) + "]"


def _ids(ids: list[str]) -> str:
    return "[" + ",".join('{"id":"' + i + '"}' for i in ids) + "]"


def _page(plural: str, page: Page) -> bytes:
    info = orjson.dumps(
        {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": page.start_cursor,
            "endCursor": page.end_cursor,
        }
    ).decode()
    return (
        '{"data":{"' + plural + '":' + _array(page.records) + '},"totalCount":' + str(page.total)
        + ',"pageInfo":' + info + "}"
    ).encode()


async def _body(request: Request, max_bytes: int) -> Any:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise _too_large(max_bytes)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise ApiError("INVALID_BODY", "Request body is empty: a JSON value is expected", {})
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError("INVALID_JSON", f"Request body is not valid JSON: {exc}", {"position": exc.pos}) from None


def _too_large(max_bytes: int) -> ApiError:
    return ApiError("PAYLOAD_TOO_LARGE", f"Request body exceeds {max_bytes} bytes", {"limit": max_bytes})


async def _no_body(request: Request) -> None:
    async for chunk in request.stream():
        if chunk.strip():
            raise ApiError("INVALID_BODY", "This route takes no request body", {})


async def handle(request: Request, principal: Principal, path: str) -> Response:
    """Dispatch ``/rest/<path>`` by shape and method."""
    settings = request.app.state.settings
    segments = [s for s in path.split("/") if s != ""]
    method = request.method
    if method == "PUT":
        method = "PATCH"
    kind = "records"
    if segments and segments[0] in ("batch", "restore"):
        kind = segments[0]
        segments = segments[1:]
    if not segments or len(segments) > 2 or (kind == "batch" and len(segments) != 1):
        raise ApiError("INVALID_PATH", f"Query path '/rest/{path}' invalid. {PATH_EXAMPLES}", {"path": "/rest/" + path})
    catalog = principal.catalog
    obj = object_by_plural(catalog, segments[0])
    db = request.app.state.db
    engine = Engine(db, request.app.state.dialect, catalog, Actor("API", principal.key_name))
    record_id = None
    if len(segments) == 2:
        action = ACTIONS.get(segments[1])
        if action is not None and kind == "records":
            return await action(request, obj, engine)
        record_id = _uuid(segments[1])

    def params(accepted: tuple[str, ...]) -> Params:
        return parse_params(
            request.scope["query_string"], accepted, default_limit=settings.default_page_size, max_limit=settings.max_page_size
        )

    singular, plural = obj.name_singular, obj.name_plural
    S, P = capitalize(singular), capitalize(plural)

    if kind == "batch":
        if method != "POST":
            raise _method(request.method, path, ("POST",))
        p = params(CREATE)
        body = await _body(request, settings.max_body_bytes)
        if not isinstance(body, list):
            raise ApiError("INVALID_BODY", "Body must be an array", {})
        if not body:
            raise ApiError("INVALID_BODY", "Input must not be empty", {})
        records = await engine.create(obj, body, upsert=p.upsert, depth=p.depth, fields=p.fields)
        return _json(_data("create" + P, _array(records)), 201)

    if kind == "restore":
        if method != "PATCH":
            raise _method(request.method, path, ("PATCH", "PUT"))
        await _no_body(request)
        if record_id is not None:
            p = params(RESTORE_ONE)
            record = await engine.restore_one(obj, record_id, p.depth, p.fields)
            return _json(_data("restore" + S, record))
        p = params(RESTORE_MANY)
        records = await engine.restore_many(obj, p.filter, p.depth, p.fields)
        return _json(_data("restore" + P, _array(records)))

    if record_id is None:
        if method == "GET":
            p = params(FIND_MANY)
            assert p.limit is not None
            page = await engine.find_many(
                obj, filter_=p.filter, order=p.order, limit=p.limit, after=p.after, before=p.before,
                depth=p.depth, fields=p.fields,
            )
            return _json(_page(plural, page))
        if method == "POST":
            p = params(CREATE)
            body = await _body(request, settings.max_body_bytes)
            if not isinstance(body, dict):
                raise ApiError("INVALID_BODY", "Body must be a JSON object (use /rest/batch/<objects> for arrays)", {})
            records = await engine.create(obj, [body], upsert=p.upsert, depth=p.depth, fields=p.fields)
            return _json(_data("create" + S, records[0]), 201)
        if method == "PATCH":
            p = params(UPDATE_MANY)
            body = await _body(request, settings.max_body_bytes)
            records = await engine.update_many(obj, p.filter, body, p.depth, p.fields)
            return _json(_data("update" + P, _array(records)))
        if method == "DELETE":
            p = params(DELETE_MANY)
            ids = await engine.delete_many(obj, p.filter, p.soft_delete)
            return _json(_data("delete" + P, _ids(ids)))
        raise _method(request.method, path, ("GET", "POST", "PATCH", "PUT", "DELETE"))

    if method == "GET":
        p = params(FIND_ONE)
        return _json(_data(singular, await engine.find_one(obj, record_id, p.depth, p.fields)))
    if method == "PATCH":
        p = params(UPDATE_ONE)
        body = await _body(request, settings.max_body_bytes)
        return _json(_data("update" + S, await engine.update_one(obj, record_id, body, p.depth, p.fields)))
    if method == "DELETE":
        p = params(DELETE_ONE)
        deleted = await engine.delete_one(obj, record_id, p.soft_delete)
        return _json(_data("delete" + S, '{"id":"' + deleted + '"}'))
    raise _method(request.method, path, ("GET", "PATCH", "PUT", "DELETE"))


def _method(method: str, path: str, allowed: tuple[str, ...]) -> ApiError:
    return ApiError(
        "METHOD_NOT_ALLOWED",
        f"Cannot {method} /rest/{path}",
        {"method": method, "path": "/rest/" + path, "allowed": list(allowed)},
        headers={"Allow": ", ".join(allowed)},
    )
