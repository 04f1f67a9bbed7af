"""The record routes (REST.md §2, routes 1–10 and 15): path → operation → envelope.

Handlers are thin: they parse the path, the query and the body, call the engine, and
wrap the JSON text the engine returns in Twenty's envelopes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from vingt.engine.planner import object_by_plural
from vingt.engine.query import Page as QueryPage
from vingt.engine.query import Query
from vingt.engine.query_planner import depth_select
from vingt.engine.records import Actor, Engine, Page, Tagged
from vingt.errors import ApiError
from vingt.metadata.model import ObjectMeta
from vingt.metadata.types import capitalize
from vingt.registry import Principal
from vingt.rest import duplicates, group_by
from vingt.rest.body import read_json
from vingt.rest.params import Params, parse_params

FIND_MANY = ("filter", "order_by", "limit", "depth", "starting_after", "ending_before", "fields")
FIND_ONE = ("depth", "fields")
CREATE = ("depth", "upsert", "fields", "match")
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


def _query(engine: Engine, obj: ObjectMeta, p: Params) -> Query:
    """The engine's read request for ``GET /rest/<objects>``: the filter, order, page (after
    a cursor, or the last before one), ``depth`` and ``fields``, and the total."""
    assert p.limit is not None
    if p.after is not None or p.before is None:
        page = QueryPage(first=p.limit, after=p.after)
    else:
        page = QueryPage(last=p.limit, before=p.before)
    select = depth_select(engine.catalog, obj, p.depth, p.fields, engine.access.objects)
    return Query(obj.name_singular, p.filter, p.order, page, select, total=True)


class JsonBytes(Response):
    media_type = "application/json"


def _json(body: bytes, status: int = 200) -> Response:
    return JsonBytes(body, status_code=status)


def _tagged(key: str, tagged: Tagged, status: int = 200) -> Response:
    """A single-record response, with the record's ``ETag``."""
    return JsonBytes(_data(key, tagged.record), status_code=status, headers={"ETag": tagged.etag})


def entity_tags(request: Request, header: str) -> tuple[str, ...] | None:
    """The entity tags of ``If-Match`` / ``If-None-Match``: ``("*",)``, or each tag as sent
    (``"abc"``, ``W/"abc"``; an unquoted ``abc`` is read as ``"abc"``); ``None`` when the
    header is absent."""
    values = request.headers.getlist(header)
    if not values:
        return None
    tags = []
    for value in values:
        for part in value.split(","):
            tag = part.strip()
            if not tag:
                continue
            if tag != "*" and not tag.endswith('"'):
                tag = f'"{tag}"'
            tags.append(tag)
    if not tags:
        raise ApiError("INVALID_PARAMETER", f"The {header} header is empty", {"header": header})
    return tuple(tags)


def _none_match(tags: tuple[str, ...], etag: str) -> bool:
    """``If-None-Match`` matches (weak comparison: ``W/"x"`` matches ``"x"``)."""
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def _match_param(request: Request) -> str | None:
    """``match`` (accepted by the create routes; ``parse_params`` has checked it is not
    repeated)."""
    value = QueryParams(request.scope["query_string"]).get("match")
    if value is not None and not value.strip():
        raise ApiError("INVALID_PARAMETER", "'match' must name a field", {"parameter": "match"})
    return value.strip() if value is not None else None


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
    engine = Engine(
        db, request.app.state.dialect, catalog, Actor("API", principal.key_name, api_key_id=principal.key_id, access=principal.access),
        settings.mutation_maximum_affected_records,
    )
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
        body = await read_json(request, settings.max_body_bytes)
        if not isinstance(body, list):
            raise ApiError("INVALID_BODY", "Body must be an array", {})
        if not body:
            raise ApiError("INVALID_BODY", "Input must not be empty", {})
        records = await engine.create(
            obj, body, upsert=p.upsert, depth=p.depth, fields=p.fields, match=_match_param(request)
        )
        return _json(_data("create" + P, _array(records)), 201)

    if kind == "restore":
        if method != "PATCH":
            raise _method(request.method, path, ("PATCH", "PUT"))
        await _no_body(request)
        if record_id is not None:
            p = params(RESTORE_ONE)
            tagged = await engine.restore_one_tagged(
                obj, record_id, p.depth, p.fields, if_match=entity_tags(request, "If-Match")
            )
            return _tagged("restore" + S, tagged)
        p = params(RESTORE_MANY)
        records = await engine.restore_many(obj, p.filter, p.depth, p.fields)
        return _json(_data("restore" + P, _array(records)))

    if record_id is None:
        if method == "GET":
            p = params(FIND_MANY)
            assert p.limit is not None
            page = await engine.run(_query(engine, obj, p))
            return _json(_page(plural, page))
        if method == "POST":
            p = params(CREATE)
            body = await read_json(request, settings.max_body_bytes)
            if not isinstance(body, dict):
                raise ApiError("INVALID_BODY", "Body must be a JSON object (use /rest/batch/<objects> for arrays)", {})
            tagged = await engine.create_one_tagged(
                obj, body, upsert=p.upsert, depth=p.depth, fields=p.fields, match=_match_param(request)
            )
            return _tagged("create" + S, tagged, 201)
        if method == "PATCH":
            p = params(UPDATE_MANY)
            body = await read_json(request, settings.max_body_bytes)
            records = await engine.update_many(obj, p.filter, body, p.depth, p.fields)
            return _json(_data("update" + P, _array(records)))
        if method == "DELETE":
            p = params(DELETE_MANY)
            ids = await engine.delete_many(obj, p.filter, p.soft_delete)
            return _json(_data("delete" + P, _ids(ids)))
        raise _method(request.method, path, ("GET", "POST", "PATCH", "PUT", "DELETE"))

    if method == "GET":
        p = params(FIND_ONE)
        tagged = await engine.find_one_tagged(obj, record_id, p.depth, p.fields)
        none_match = entity_tags(request, "If-None-Match")
        if none_match is not None and _none_match(none_match, tagged.etag):
            return Response(status_code=304, headers={"ETag": tagged.etag})
        return _tagged(singular, tagged)
    if method == "PATCH":
        p = params(UPDATE_ONE)
        body = await read_json(request, settings.max_body_bytes)
        tagged = await engine.update_one_tagged(
            obj, record_id, body, p.depth, p.fields, if_match=entity_tags(request, "If-Match")
        )
        return _tagged("update" + S, tagged)
    if method == "DELETE":
        p = params(DELETE_ONE)
        deleted, etag = await engine.delete_one_tagged(
            obj, record_id, p.soft_delete, if_match=entity_tags(request, "If-Match")
        )
        response = _json(_data("delete" + S, '{"id":"' + deleted + '"}'))
        if etag is not None:
            response.headers["ETag"] = etag
        return response
    raise _method(request.method, path, ("GET", "PATCH", "PUT", "DELETE"))


def _method(method: str, path: str, allowed: tuple[str, ...]) -> ApiError:
    return ApiError(
        "METHOD_NOT_ALLOWED",
        f"Cannot {method} /rest/{path}",
        {"method": method, "path": "/rest/" + path, "allowed": list(allowed)},
        headers={"Allow": ", ".join(allowed)},
    )
