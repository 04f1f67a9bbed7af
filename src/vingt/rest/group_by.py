"""``GET /rest/<objects>/groupBy`` (REST.md §3.11, DECISIONS.md §2).

Parameters (snake_case or camelCase, each at most once; anything else is 400
``UNKNOWN_PARAMETER``): ``group_by`` (required, JSON), ``aggregate`` (JSON array of names),
``filter`` (§5 grammar), ``order_by`` (JSON array), ``limit`` (groups, default 50, at most 200),
``include_records_sample`` (``true`` / ``false``), ``order_by_for_records`` (§6 grammar) and
``view_id`` (this server stores no views: a given id is refused).

The answer is the wrapped form the OpenAPI document describes (DECISIONS.md §2)::

    {"data": {"<plural>GroupBy": [{"groupByDimensionValues": [...], "<aggregate>": v, …}]}}

Semantics and rendering choices are documented in ``vingt.engine.group_by``.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from vingt.engine.group_by import (
    AGGREGATE_MESSAGE,
    DEFAULT_LIMIT,
    GROUP_BY_MESSAGE,
    MAX_LIMIT,
    ORDER_BY_MESSAGE,
    GroupByQuery,
    render_groups,
    run_group_by,
)
from vingt.engine.records import Engine
from vingt.errors import ApiError
from vingt.metadata.model import ObjectMeta
from vingt.rest.params import parse_limit
from vingt.rest.query_grammar import parse_filter, parse_order_by

# spelling → canonical name
PARAMETERS = {
    "group_by": "group_by",
    "groupBy": "group_by",
    "aggregate": "aggregate",
    "filter": "filter",
    "order_by": "order_by",
    "orderBy": "order_by",
    "limit": "limit",
    "include_records_sample": "include_records_sample",
    "includeRecordsSample": "include_records_sample",
    "order_by_for_records": "order_by_for_records",
    "orderByForRecords": "order_by_for_records",
    "view_id": "view_id",
    "viewId": "view_id",
}


class _Json(Response):
    media_type = "application/json"


async def group_by(request: Request, obj: ObjectMeta, engine: Engine) -> Response:
    if request.method != "GET":
        raise ApiError("METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}", {}, headers={"Allow": "GET"})
    async for chunk in request.stream():
        if chunk.strip():
            raise ApiError("INVALID_BODY", "This route takes no request body", {})
    query = parse_group_by_params(request.scope["query_string"])
    groups = await run_group_by(engine, obj, query)
    body = '{"data":{"' + obj.name_plural + 'GroupBy":' + render_groups(groups) + "}}"
    return _Json(body.encode())


def parse_group_by_params(query_string: bytes) -> GroupByQuery:
    values: dict[str, str] = {}
    for raw_name, value in QueryParams(query_string).multi_items() if query_string else ():
        name = PARAMETERS.get(raw_name)
        if name is None:
            accepted = list(PARAMETERS)
            raise ApiError(
                "UNKNOWN_PARAMETER",
                f"Unknown query parameter '{raw_name}'. Accepted: {', '.join(accepted)}",
                {"parameter": raw_name, "accepted": accepted},
            )
        if name in values:
            raise ApiError(
                "INVALID_PARAMETER", f"Query parameter '{raw_name}' is given more than once", {"parameter": raw_name}
            )
        values[name] = value

    if values.get("view_id"):
        raise ApiError(
            "INVALID_PARAMETER",
            "Views are not supported by this server: 'view_id' cannot be used (pass the view's filters in 'filter')",
            {"parameter": "view_id", "value": values["view_id"]},
        )

    items = _json(values.get("group_by"), "INVALID_GROUP_BY", GROUP_BY_MESSAGE, "group_by")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ApiError("INVALID_GROUP_BY", GROUP_BY_MESSAGE, {"parameter": "group_by"})

    aggregates: list[str] = []
    if values.get("aggregate", "") != "":
        parsed = _json(values["aggregate"], "INVALID_AGGREGATE", AGGREGATE_MESSAGE, "aggregate")
        if not isinstance(parsed, list) or not all(isinstance(a, str) for a in parsed):
            raise ApiError("INVALID_AGGREGATE", AGGREGATE_MESSAGE, {"parameter": "aggregate"})
        aggregates = parsed

    order_by: list[Any] = []
    if values.get("order_by", "") != "":
        parsed = _json(values["order_by"], "INVALID_ORDER_BY", ORDER_BY_MESSAGE, "order_by")
        if not isinstance(parsed, list):
            raise ApiError("INVALID_ORDER_BY", ORDER_BY_MESSAGE, {"parameter": "order_by"})
        order_by = parsed

    query = GroupByQuery(group_by=items, aggregates=aggregates, order_by=order_by)
    if values.get("filter", "") != "":
        query.filter = parse_filter(values["filter"])
    if values.get("order_by_for_records", "") != "":
        query.order_for_records = parse_order_by(values["order_by_for_records"])
    if "limit" in values:
        query.limit = _limit(values["limit"])
    if "include_records_sample" in values:
        raw = values["include_records_sample"]
        if raw not in ("true", "false", ""):
            raise ApiError(
                "INVALID_PARAMETER",
                f"'include_records_sample' must be 'true' or 'false', not '{raw}'",
                {"parameter": "include_records_sample", "value": raw, "accepted": ["true", "false"]},
            )
        query.include_records = raw == "true"
    return query


def _json(raw: str | None, code: str, message: str, parameter: str) -> Any:
    if raw is None or raw == "":
        raise ApiError(code, message, {"parameter": parameter})
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(code, message, {"parameter": parameter, "position": exc.pos}) from None


def _limit(raw: str) -> int:
    return parse_limit(raw, DEFAULT_LIMIT, MAX_LIMIT)
