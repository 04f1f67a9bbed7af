"""``POST /rest/<objects>/duplicates`` and ``PATCH /rest/<objects>/merge`` (REST.md §3.9–3.10).

Both are only available on objects with duplicate criteria (person, company, and custom
objects given some); elsewhere they answer 400 ``NO_DUPLICATE_CRITERIA``. The matching and
merging rules live in ``vingt.engine.duplicates`` and ``vingt.engine.merge``.

Duplicates body: exactly one of ``{"data": [partial records]}`` or ``{"ids": [uuids]}``.
Response: ``{"data": [{"<singular>Duplicates": [records], "totalCount": n, "pageInfo": {…}}, …]}``,
one entry per input, in input order (cursors are record ids, DECISIONS.md §2).

Merge body: ``{"ids": [2..9 uuids], "conflictPriorityIndex": n, "dryRun": bool}``. Response:
the merged record under both ``data.merge<Singular>`` (Twenty's server) and
``data.merge<Plural>`` (Twenty's client), DECISIONS.md §2.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vingt.engine import duplicates as dup
from vingt.engine import merge as merging
from vingt.engine.records import Engine
from vingt.errors import ApiError
from vingt.metadata.model import ObjectMeta
from vingt.metadata.types import capitalize
from vingt.rest.body import read_json
from vingt.rest.params import parse_params

PARAMS = ("depth", "fields")
DUPLICATES_KEYS = ("data", "ids")
MERGE_KEYS = ("ids", "conflictPriorityIndex", "dryRun")


class _Json(Response):
    media_type = "application/json"


async def find_duplicates(request: Request, obj: ObjectMeta, engine: Engine) -> Response:
    if request.method != "POST":
        raise ApiError(
            "METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}", {}, headers={"Allow": "POST"}
        )
    dup.require_criteria(obj, "duplicates")
    params = _params(request)
    body = await _object_body(request, DUPLICATES_KEYS)
    data = body.get("data")
    ids = body.get("ids")
    if data is None and ids is None:
        raise ApiError(
            "INVALID_BODY",
            'You have to provide either "data" or "ids" argument',
            {"accepted": list(DUPLICATES_KEYS)},
        )
    if data is not None and ids is not None:
        raise ApiError(
            "INVALID_BODY",
            'You cannot provide both "data" and "ids" arguments',
            {"accepted": list(DUPLICATES_KEYS)},
        )
    if data is not None:
        if not isinstance(data, list):
            raise ApiError("INVALID_BODY", '"data" must be an array of records', {"field": "data"})
        if not data:
            raise ApiError(
                "INVALID_BODY",
                'The "data" condition can not be empty when "ids" input not provided',
                {"field": "data"},
            )
        id_list = None
    else:
        id_list = _uuid_list(ids, "ids")
        data = None
    sets = await dup.find_duplicates(engine, obj, params.depth, params.fields, data=data, ids=id_list)
    key = orjson.dumps(obj.name_singular + "Duplicates").decode()
    entries = []
    for s in sets:
        info = orjson.dumps(
            {
                "hasNextPage": False,
                "hasPreviousPage": False,
                "startCursor": s.ids[0] if s.ids else None,
                "endCursor": s.ids[-1] if s.ids else None,
            }
        ).decode()
        entries.append(
            "{"
            + key
            + ":["
            + ",".join(s.records)
            + '],"totalCount":'
            + str(s.total)
            + ',"pageInfo":'
            + info
            + "}"
        )
    return _Json(('{"data":[' + ",".join(entries) + "]}").encode())


async def merge(request: Request, obj: ObjectMeta, engine: Engine) -> Response:
    if request.method not in ("PATCH", "PUT"):
        raise ApiError(
            "METHOD_NOT_ALLOWED",
            f"Cannot {request.method} {request.url.path}",
            {},
            headers={"Allow": "PATCH"},
        )
    dup.require_criteria(obj, "merge")
    params = _params(request)
    body = await _object_body(request, MERGE_KEYS)
    raw_ids = body.get("ids")
    if raw_ids is None:
        raise ApiError("INVALID_MERGE", "At least 2 record IDs are required for merge", {"field": "ids"})
    ids = _uuid_list(raw_ids, "ids")
    priority = body.get("conflictPriorityIndex")
    if priority is None:
        raise ApiError(
            "INVALID_BODY",
            "'conflictPriorityIndex' is required: the index in 'ids' of the record to keep",
            {"field": "conflictPriorityIndex"},
        )
    if isinstance(priority, bool) or not (
        isinstance(priority, int) or isinstance(priority, float) and priority.is_integer()
    ):
        raise ApiError(
            "INVALID_BODY",
            "'conflictPriorityIndex' must be an integer",
            {"field": "conflictPriorityIndex", "value": priority},
        )
    dry_run = body.get("dryRun")
    if dry_run is None:
        dry_run = False
    if not isinstance(dry_run, bool):
        raise ApiError(
            "INVALID_BODY", "'dryRun' must be true or false", {"field": "dryRun", "value": dry_run}
        )
    record = await merging.merge(
        engine, obj, ids, int(priority), dry_run=dry_run, depth=params.depth, fields=params.fields
    )
    singular, plural = capitalize(obj.name_singular), capitalize(obj.name_plural)
    if singular == plural:
        return _Json(('{"data":{"merge' + singular + '":' + record + "}}").encode())
    return _Json(
        ('{"data":{"merge' + singular + '":' + record + ',"merge' + plural + '":' + record + "}}").encode()
    )


# ---- request parsing ------------------------------------------------------------------------


def _params(request: Request) -> Any:
    settings = request.app.state.settings
    return parse_params(
        request.scope["query_string"],
        PARAMS,
        default_limit=settings.default_page_size,
        max_limit=settings.max_page_size,
    )


async def _object_body(request: Request, accepted: tuple[str, ...]) -> dict[str, Any]:
    body = await read_json(request, request.app.state.settings.max_body_bytes)
    if not isinstance(body, dict):
        raise ApiError("INVALID_BODY", "Body must be a JSON object", {"accepted": list(accepted)})
    unknown = [k for k in body if k not in accepted]
    if unknown:
        raise ApiError(
            "INVALID_BODY",
            f"Unknown key '{unknown[0]}' in body. Accepted: {', '.join(accepted)}",
            {"field": unknown[0], "accepted": list(accepted)},
        )
    return body




def _uuid_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list):
        raise ApiError("INVALID_BODY", f"'{name}' must be an array of UUIDs", {"field": name})
    out = []
    for i, item in enumerate(value):
        try:
            if not isinstance(item, str):
                raise ValueError
            out.append(str(uuid.UUID(item)))
        except ValueError:
            raise ApiError(
                "INVALID_UUID", f"'{item}' is not a valid UUID", {"field": f"{name}[{i}]", "value": item}
            ) from None
    return out
