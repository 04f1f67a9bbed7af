"""The core document: every active object of a workspace and every record route the
server serves (REST.md §2 routes 1–13 and 15, §12), from the workspace's catalog.

Operation ids, tags, webhooks and component names follow Twenty's generator
(``open-api.service.ts``); schemas follow what this server sends and accepts.
"""

from __future__ import annotations

from typing import Any

from vingt.engine.duplicates import criteria as duplicate_criteria
from vingt.engine.planner import readable_fields
from vingt.engine.values import alias_map
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, capitalize
from vingt.openapi import fields as fs
from vingt.openapi.common import (
    Schema,
    base_document,
    error_responses,
    error_schema,
    errors,
    general_tag,
    headers,
    operation,
    page_info_schema,
    parameters,
)
from vingt.rest import duplicates as duplicate_routes
from vingt.rest import records as routes

MAX_BATCH = 200
# the query parameters of the duplicates and merge routes
ACTION_PARAMS: tuple[str, ...] = getattr(duplicate_routes, "PARAMS", ("depth",))
MAX_MERGE = 9

# query parameter (as the record routes name it) → component; ``fields`` and ``match``
# have one component per object (``<singular>Fields``, ``<singular>Match``)
PARAMETER_COMPONENTS = {
    "filter": "filter",
    "order_by": "orderBy",
    "limit": "limit",
    "depth": "depth",
    "starting_after": "startingAfter",
    "ending_before": "endingBefore",
    "upsert": "upsert",
    "soft_delete": "softDelete",
}

WEBHOOK_ACTIONS = ("created", "updated", "deleted", "destroyed", "restored")


def core_document(catalog: Catalog, default_limit: int, max_limit: int) -> Schema:
    doc = base_document("core", default_limit, max_limit)
    objects = sorted((o for o in catalog.objects if o.is_active), key=lambda o: o.name_plural)
    paths: Schema = doc["paths"]
    schemas: Schema = {}
    webhooks: Schema = {}
    object_parameters: Schema = {}
    for obj in objects:
        paths.update(object_paths(obj))
        object_parameters[f"{obj.name_singular}Fields"] = fields_parameter(obj)
        object_parameters[f"{obj.name_singular}Match"] = match_parameter(obj)
        schemas.update(object_schemas(catalog, obj))
        for action in WEBHOOK_ACTIONS:
            webhooks[f"{capitalize(obj.name_singular)} {capitalize(action)}"] = webhook(obj, action)
    paths["/events"] = events_path(objects)
    schemas["Event"] = event_schema()
    schemas["Error"] = error_schema()
    schemas["PageInfo"] = page_info_schema()
    schemas["MergeManyInput"] = merge_input()
    doc["components"].update(
        {
            "schemas": schemas,
            "parameters": {**parameters(default_limit, max_limit), **object_parameters},
            "responses": error_responses(),
            "headers": headers(),
        }
    )
    doc["tags"] = [general_tag(), {"name": "events", "description": "The change feed (docs/webhooks.md)"}] + [
        {"name": o.name_plural, "description": f"Object `{capitalize(o.name_plural)}`"} for o in objects
    ]
    doc["webhooks"] = webhooks
    return doc


# ---- paths ------------------------------------------------------------------------------


def events_path(objects: list[ObjectMeta]) -> Schema:
    """``GET /events``: the change feed (``rest/events.py``)."""
    uuid_schema: Schema = {"type": "string", "format": "uuid"}
    page: Schema = {
        "type": "object",
        "required": ["data", "pageInfo"],
        "properties": {
            "data": {"type": "object", "required": ["events"], "properties": {
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}},
            "pageInfo": {"type": "object", "required": ["hasNextPage", "startCursor", "endCursor"], "properties": {
                "hasNextPage": {"type": "boolean"},
                "startCursor": {"type": ["string", "null"]},
                "endCursor": {"type": ["string", "null"], "description": "The `after` of the next request; "
                              "on an empty page, the `after` given"},
            }},
        },
    }
    error = {"$ref": "#/components/schemas/Error"}
    return {"get": {
        "tags": ["events"],
        "summary": "The change feed: the workspace's events, oldest first",
        "description": "Events in the order they became visible: paging with `after` = the previous "
        "`endCursor` loses and repeats nothing. Kept `VINGT_EVENT_RETENTION_DAYS` (7).",
        "operationId": "findManyEvents",
        "parameters": [
            {"name": "after", "in": "query", "schema": uuid_schema, "description": "An event id (`endCursor`)"},
            {"$ref": "#/components/parameters/limit"},
            {"name": "object", "in": "query", "schema": {"type": "string", "enum": [o.name_singular for o in objects]}},
            {"name": "action", "in": "query", "schema": {"type": "string", "enum": list(WEBHOOK_ACTIONS)}},
        ],
        "responses": {
            "200": {"description": "Successful operation", "content": {"application/json": {"schema": page}}},
            "400": {"$ref": "#/components/responses/400"},
            "401": {"$ref": "#/components/responses/401"},
            "403": {"$ref": "#/components/responses/403"},
            "410": {"description": "`after` names no kept event: events may have been missed (`CURSOR_EXPIRED`)",
                    "content": {"application/json": {"schema": error}}},
            "429": {"$ref": "#/components/responses/429"},
        },
    }}


def event_schema() -> Schema:
    nullable_record: Schema = {"type": ["object", "null"], "description": "The record at depth 0"}
    return {
        "type": "object",
        "required": ["id", "eventName", "objectMetadata", "recordId", "action", "before", "after",
                     "updatedFields", "createdAt"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "Also the webhooks' `X-Vingt-Event-Id`"},
            "eventName": {"type": "string", "examples": ["person.created"]},
            "objectMetadata": {"type": "object", "required": ["id", "nameSingular"], "properties": {
                "id": {"type": "string", "format": "uuid"}, "nameSingular": {"type": "string"}}},
            "recordId": {"type": "string", "format": "uuid"},
            "action": {"type": "string", "enum": list(WEBHOOK_ACTIONS)},
            "before": nullable_record,
            "after": nullable_record,
            "updatedFields": {"type": ["array", "null"], "items": {"type": "string"}},
            "createdAt": {"type": "string", "format": "date-time"},
        },
    }


def _params(names: tuple[str, ...], obj: ObjectMeta, required: tuple[str, ...] = ()) -> list[Schema]:
    out: list[Schema] = []
    for name in names:
        component = PARAMETER_COMPONENTS.get(name)
        if name in ("fields", "match"):
            out.append({"$ref": f"#/components/parameters/{obj.name_singular}{capitalize(name)}"})
        elif component is None:
            out.append({"name": name, "in": "query", "required": False, "schema": {"type": "string"}})
        elif name in required:
            out.append(
                {
                    "name": name,
                    "in": "query",
                    "required": True,
                    "description": "Required: bulk deletes need a filter.",
                    "schema": {"type": "string", "minLength": 1},
                }
            )
        else:
            out.append({"$ref": f"#/components/parameters/{component}"})
    return out


def fields_parameter(obj: ObjectMeta) -> Schema:
    """``fields``, with the names this object accepts (the server refuses any other)."""
    names: list[str] = []
    for f in readable_fields(obj):
        names.append(f.name)
        if f.is_many_to_one:
            names.append(f.join_column)
    one = "(?:" + "|".join(names) + ")"
    return {
        "name": "fields",
        "in": "query",
        "required": False,
        "description": "Comma-separated fields to return (`id` is always returned), e.g. `id,name,companyId`; "
        "a relation's name embeds it (with `depth` ≥ 1).",
        "schema": {"type": "string", "pattern": f"^{one}(?:,{one})*$"},
    }


def match_parameter(obj: ObjectMeta) -> Schema:
    """``match``: ``id`` or a unique field (a composite's unique sub-field too)."""
    values = ["id"]
    for f in readable_fields(obj):
        if not f.is_unique or f.is_relation or f.name == "id":
            continue
        values.append(f.name)
        values.extend(f"{f.name}.{s.name}" for s in f.subfields if s.unique_key)
    return {
        "name": "match",
        "in": "query",
        "required": False,
        "description": "With `upsert=true`: the unique field that identifies the record to update.",
        "schema": {"type": "string", "enum": values},
    }


ID = {"$ref": "#/components/parameters/idPath"}
IDEMPOTENCY = {"$ref": "#/components/parameters/idempotencyKey"}
IF_MATCH = {"$ref": "#/components/parameters/ifMatch"}
IF_NONE_MATCH = {"$ref": "#/components/parameters/ifNoneMatch"}
ETAG = {"ETag": {"$ref": "#/components/headers/ETag"}}


def _json(schema: Schema, description: str = "Successful operation", **extra: Any) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def _data(key: str, value: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "object", "required": [key], "properties": {key: value}}},
    }


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def _body(schema: Schema, description: str | None = None) -> Schema:
    body: Schema = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def object_paths(obj: ObjectMeta) -> Schema:
    s, p = obj.name_singular, obj.name_plural
    S, P = capitalize(s), capitalize(p)
    tags = [p]
    record = _ref(f"{S}ForResponse")
    records = _array(record)
    deleted_one = {"type": "object", "required": ["id"], "properties": {"id": fs.UUID}}

    def op(op_id: str, summary: str, params: list[Schema], responses: Schema, **extra: Any) -> Schema:
        return operation(tags, op_id, summary, params, responses, **extra)

    find_many = op(
        f"findMany{P}",
        f"Find Many {p}",
        _params(routes.FIND_MANY, obj),
        {
            "200": _json(
                {
                    "type": "object",
                    "required": ["data", "totalCount", "pageInfo"],
                    "properties": {
                        "data": {"type": "object", "required": [p], "properties": {p: records}},
                        "totalCount": {"type": "integer", "minimum": 0},
                        "pageInfo": _ref("PageInfo"),
                    },
                }
            ),
            **errors("400", "401", "403", "429"),
        },
        description=f"**order_by**, **filter**, **limit**, **depth**, **starting_after** or **ending_before** "
        f"can be provided to request your **{p}**",
    )
    create_one = op(
        f"createOne{S}",
        f"Create One {s}",
        [*_params(routes.CREATE, obj), IDEMPOTENCY],
        {
            "201": _json(_data(f"create{S}", record), headers=ETAG, links=_links(obj)),
            **errors("400", "401", "403", "409", "413", "429"),
        },
        requestBody=_body(_ref(S)),
    )
    update_many_body = _body(
        _ref(f"{S}ForUpdate"), "Applied to every record the filter selects (all records without one)"
    )
    update_many_responses = {
        "200": _json(_data(f"update{P}", records)),
        **errors("400", "401", "403", "409", "413", "429"),
    }
    update_many = op(
        f"updateMany{P}",
        f"Update Many {p}",
        [*_params(routes.UPDATE_MANY, obj), IDEMPOTENCY],
        update_many_responses,
        requestBody=update_many_body,
    )
    delete_many = op(
        f"deleteMany{P}",
        f"Delete Many {p}",
        [*_params(routes.DELETE_MANY, obj, required=("filter",)), IDEMPOTENCY],
        {"200": _json(_data(f"delete{P}", _array(deleted_one))), **errors("400", "401", "403", "409", "429")},
    )
    find_one = op(
        f"findOne{S}",
        f"Find One {s}",
        [ID, *_params(routes.FIND_ONE, obj), IF_NONE_MATCH],
        {
            "200": _json(_data(s, record), headers=ETAG),
            "304": {"description": "Not modified: `If-None-Match` matched", "headers": ETAG},
            **errors("400", "401", "403", "404", "429"),
        },
        description=f"**depth** can be provided to request your **{s}**",
    )
    update_one_responses = {
        "200": _json(_data(f"update{S}", record), headers=ETAG),
        **errors("400", "401", "403", "404", "409", "412", "413", "429"),
    }
    update_one = op(
        f"UpdateOne{S}",
        f"Update One {s}",
        [ID, *_params(routes.UPDATE_ONE, obj), IF_MATCH, IDEMPOTENCY],
        update_one_responses,
        requestBody=_body(_ref(f"{S}ForUpdate")),
    )
    delete_one = op(
        f"deleteOne{S}",
        f"Delete One {s}",
        [ID, *_params(routes.DELETE_ONE, obj), IF_MATCH, IDEMPOTENCY],
        {
            "200": _json(
                _data(f"delete{S}", deleted_one),
                "Successful operation (a soft delete also sends the new `ETag`)",
                headers=ETAG,
            ),
            **errors("400", "401", "403", "404", "409", "412", "429"),
        },
    )
    alias = "Same as PATCH (an alias kept for compatibility)."
    paths: Schema = {
        f"/{p}": {
            "get": find_many,
            "post": create_one,
            "patch": update_many,
            "put": {
                **update_many,
                "operationId": f"putMany{P}",
                "summary": f"Update Many {p} (PUT)",
                "description": alias,
            },
            "delete": delete_many,
        },
        f"/batch/{p}": {
            "post": op(
                f"createMany{P}",
                f"Create Many {p}",
                [*_params(routes.CREATE, obj), IDEMPOTENCY],
                {
                    "201": _json(_data(f"create{P}", records)),
                    **errors("400", "401", "403", "409", "413", "429"),
                },
                requestBody=_body(_array(_ref(S), minItems=1, maxItems=MAX_BATCH)),
            )
        },
        f"/{p}/{{id}}": {
            "get": find_one,
            "patch": update_one,
            "put": {
                **update_one,
                "operationId": f"putOne{S}",
                "summary": f"Update One {s} (PUT)",
                "description": alias,
            },
            "delete": delete_one,
        },
        f"/restore/{p}/{{id}}": {
            "patch": op(
                f"restoreOne{S}",
                f"Restore One {s}",
                [ID, *_params(routes.RESTORE_ONE, obj), IF_MATCH, IDEMPOTENCY],
                {
                    "200": _json(_data(f"restore{S}", record), headers=ETAG),
                    **errors("400", "401", "403", "404", "409", "412", "429"),
                },
            )
        },
        f"/restore/{p}": {
            "patch": op(
                f"restoreMany{P}",
                f"Restore Many {p}",
                [*_params(routes.RESTORE_MANY, obj), IDEMPOTENCY],
                {"200": _json(_data(f"restore{P}", records)), **errors("400", "401", "403", "409", "429")},
            )
        },
        f"/{p}/groupBy": {
            "get": op(
                f"groupBy{P}",
                f"Group By {p}",
                [
                    {"$ref": "#/components/parameters/groupBy"},
                    {"$ref": "#/components/parameters/aggregate"},
                    {"$ref": "#/components/parameters/filter"},
                    {"$ref": "#/components/parameters/orderByGroupBy"},
                    {"$ref": "#/components/parameters/limitGroupBy"},
                    {"$ref": "#/components/parameters/viewId"},
                    {"$ref": "#/components/parameters/includeRecordsSample"},
                    {"$ref": "#/components/parameters/orderByForRecords"},
                ],
                {"200": _json(group_by_response(obj)), **errors("400", "401", "403", "429")},
            )
        },
    }
    if duplicate_criteria(obj):
        # objects without (usable) duplicate criteria answer these routes 400 NO_DUPLICATE_CRITERIA,
        # always: they are left out of the document
        paths.update({
            f"/{p}/duplicates": {
                "post": op(
                    f"find{S}Duplicates",
                    f"Find {s} Duplicates",
                    [*_params(ACTION_PARAMS, obj), IDEMPOTENCY],
                    {"200": _json(duplicates_response(obj)), **errors("400", "401", "403", "404", "413", "429")},
                    description=f"Records that duplicate each candidate (`data`) or each existing record (`ids`), "
                    f"by the object's duplicate criteria ({_criteria(obj)}). **depth** can be provided to request "
                    f"your **{s}**",
                    requestBody=_body(duplicates_input(obj)),
                )
            },
            f"/{p}/merge": {
                "patch": op(
                    f"mergeMany{P}",
                    f"Merge Many {p}",
                    [*_params(ACTION_PARAMS, obj), IDEMPOTENCY],
                    {
                        "200": _json(merge_response(obj)),
                        **errors("400", "401", "403", "404", "409", "413", "429"),
                    },
                    description="Merges 2 to 9 records into the one at `conflictPriorityIndex`; the others are "
                    "deleted and what pointed to them is re-pointed. `dryRun` previews the result. Needs duplicate "
                    f"criteria ({_criteria(obj)}).",
                    requestBody=_body(_ref("MergeManyInput")),
                )
            },
        })
    return paths


def _criteria(obj: ObjectMeta) -> str:
    return "any of: " + "; ".join(" + ".join(f"`{c}`" for c in group) for group in duplicate_criteria(obj))


def _links(obj: ObjectMeta) -> Schema:
    """From a created record to the operations on it (OpenAPI links)."""
    S = capitalize(obj.name_singular)
    record_id = {"id": f"$response.body#/data/create{S}/id"}
    return {
        op_id: {"operationId": op_id, "parameters": record_id, "description": text}
        for op_id, text in (
            (f"findOne{S}", "Read the created record"),
            (f"UpdateOne{S}", "Update the created record"),
            (f"deleteOne{S}", "Delete the created record"),
            (f"restoreOne{S}", "Restore the record once soft-deleted"),
        )
    }


def duplicates_input(obj: ObjectMeta) -> Schema:
    S = capitalize(obj.name_singular)
    return {
        "oneOf": [
            {
                "type": "object",
                "description": "Candidates: records that may not exist yet",
                "properties": {"data": _array(_ref(f"{S}ForUpdate"), minItems=1)},
                "required": ["data"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "description": "Existing records (each record itself is not reported)",
                "properties": {"ids": _array(fs.UUID)},
                "required": ["ids"],
                "additionalProperties": False,
            },
        ]
    }


def duplicates_response(obj: ObjectMeta) -> Schema:
    key = f"{obj.name_singular}Duplicates"
    item = {
        "type": "object",
        "required": [key, "totalCount", "pageInfo"],
        "properties": {
            key: _array(_ref(f"{capitalize(obj.name_singular)}ForResponse")),
            "totalCount": {"type": "integer", "minimum": 0},
            "pageInfo": _ref("PageInfo"),
        },
    }
    return {
        "type": "object",
        "required": ["data"],
        "properties": {"data": _array(item, description="One entry per candidate or id, in input order")},
    }


def merge_input() -> Schema:
    return {
        "type": "object",
        "required": ["ids", "conflictPriorityIndex"],
        "properties": {
            "ids": _array(fs.UUID, minItems=2, maxItems=MAX_MERGE, description="The records to merge"),
            "conflictPriorityIndex": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_MERGE - 1,
                "description": "Index in `ids` of the record that survives and wins conflicts",
            },
            "dryRun": {
                "type": "boolean",
                "default": False,
                "description": "Compute the result without writing",
            },
        },
        "additionalProperties": False,
    }


def merge_response(obj: ObjectMeta) -> Schema:
    record = _ref(f"{capitalize(obj.name_singular)}ForResponse")
    one, many = f"merge{capitalize(obj.name_singular)}", f"merge{capitalize(obj.name_plural)}"
    if one == many:
        return _data(one, record)
    return {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "description": f"The merged record, under `{one}` (Twenty's server) and `{many}` (Twenty's client)",
                "required": [one, many],
                "properties": {one: record, many: record},
            }
        },
    }


def group_by_response(obj: ObjectMeta) -> Schema:
    key = f"{obj.name_plural}GroupBy"
    group = {
        "type": "object",
        "required": ["groupByDimensionValues"],
        "properties": {
            "groupByDimensionValues": _array(
                {"type": ["string", "null"]},
                description="The group's value for each `group_by` dimension, in order",
            ),
            "records": _array(
                _ref(f"{capitalize(obj.name_singular)}ForResponse"),
                description="With `include_records_sample=true`",
            ),
        },
        "additionalProperties": {
            "type": ["number", "string", "null"],
            "description": "The requested aggregates, by name",
        },
    }
    return _data(key, _array(group))


# ---- webhooks ---------------------------------------------------------------------------

SIGNATURE_HEADERS = (
    (
        "X-Twenty-Webhook-Signature",
        "HMAC-SHA256 (hex) of `<X-Twenty-Webhook-Timestamp>:<raw body>`, keyed with the webhook's secret. "
        "Sent when the webhook has a secret.",
    ),
    (
        "X-Twenty-Webhook-Timestamp",
        "Send time, milliseconds since the Unix epoch (covered by the signature).",
    ),
    ("X-Twenty-Webhook-Nonce", "A fresh random value per request, for replay protection (not signed)."),
)


def webhook(obj: ObjectMeta, action: str) -> Schema:
    S = capitalize(obj.name_singular)
    props: Schema = {
        "targetUrl": {"type": "string", "example": "https://example.com/incomingWebhook"},
        "eventName": {"type": "string", "enum": [f"{obj.name_singular}.{action}"]},
        "objectMetadata": {
            "type": "object",
            "properties": {"id": fs.UUID, "nameSingular": {"type": "string", "enum": [obj.name_singular]}},
        },
        "workspaceId": fs.UUID,
        "webhookId": fs.UUID,
        "eventDate": fs.DATE_TIME,
        "userId": {**fs.UUID, "description": "The acting user (absent for API keys)"},
        "workspaceMemberId": {**fs.UUID, "description": "The acting workspace member (absent for API keys)"},
        "record": {
            **_ref(f"{S}ForResponse"),
            "description": "The record after the change (before it, for `destroyed`)",
        },
    }
    required = ["targetUrl", "eventName", "objectMetadata", "workspaceId", "webhookId", "eventDate", "record"]
    if action in ("updated", "deleted", "restored"):
        props["updatedFields"] = _array({"type": "string"}, description="The fields that changed")
    return {
        "post": {
            "tags": [obj.name_plural],
            "summary": f"{S} {action}",
            "security": [],
            "parameters": [
                {
                    "in": "header",
                    "name": name,
                    "required": False,
                    "description": text,
                    "schema": {"type": "string"},
                }
                for name, text in SIGNATURE_HEADERS
            ],
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "required": required, "properties": props}
                    }
                }
            },
            "responses": {"200": {"description": "Any 2xx status acknowledges the delivery"}},
        }
    }


# ---- schemas ----------------------------------------------------------------------------


def object_schemas(catalog: Catalog, obj: ObjectMeta) -> Schema:
    S = capitalize(obj.name_singular)
    return {
        S: input_schema(obj, creating=True),
        f"{S}ForUpdate": input_schema(obj, creating=False),
        f"{S}ForResponse": response_schema(catalog, obj),
    }


def response_schema(catalog: Catalog, obj: ObjectMeta) -> Schema:
    """A record as the server sends it: every field at depth 0 (scalars, composites and
    join columns), and the relations as optional properties (present with ``depth`` ≥ 1)."""
    props: Schema = {}
    relations: Schema = {}
    for f in readable_fields(obj):
        if f.is_relation:
            if f.is_many_to_one:
                props[f.join_column] = {**fs.nullable(fs.UUID), "description": f"Id of the `{f.name}` record"}
            embedded = _relation_response(catalog, f)
            if embedded is not None:
                relations[f.name] = embedded
            continue
        props[f.name] = fs.field_response(f)
    return {
        "type": "object",
        "description": (obj.description + ". " if obj.description else "")
        + "Every property but the relations is present unless `fields` narrows the record; relations "
        "appear with `depth` ≥ 1.",
        "properties": {**props, **relations},
        "required": ["id"] if "id" in props else [],
    }


def _relation_response(catalog: Catalog, f: FieldMeta) -> Schema | None:
    assert f.relation is not None
    target = catalog.by_singular.get(f.relation.target_object)
    if target is None or not target.is_active:
        return None  # the server does not embed relations to inactive objects
    ref = _ref(f"{capitalize(target.name_singular)}ForResponse")
    if f.is_many_to_one:
        out: Schema = {"anyOf": [ref, {"type": "null"}]}
    else:
        out = _array(ref, maxItems=60)
    out["description"] = f.description or f"{f.label} (with depth ≥ 1)"
    return out


def input_schema(obj: ObjectMeta, *, creating: bool) -> Schema:
    """What a create (``<S>``) or an update (``<S>ForUpdate``) accepts."""
    props: Schema = {}
    required: list[str] = []
    example: Schema = {}
    for f in readable_fields(obj):
        if f.name in fs.SERVER_SET or f.type == FieldType.TS_VECTOR:
            continue
        if not creating and (f.name in fs.CREATE_ONLY or f.name in fs.ACTOR_FIELDS):
            continue
        if f.is_relation:
            if f.is_many_to_one:
                props[f.join_column] = {**fs.nullable(fs.UUID), "description": f"Id of the `{f.name}` record"}
                props[f.name] = fs.relation_input(f)
            continue
        props[f.name] = fs.field_input(f)
        if creating and _required(f):
            required.append(f.name)
        if creating and (f.name in required or f.name in ("name", "title")):
            value = fs.example_value(f, obj.label_singular)
            if value is not None:
                example[f.name] = value
    for alias, column in alias_map(obj).items():
        if alias not in props and column in props:
            props[alias] = {**fs.nullable(fs.UUID), "deprecated": True, "description": f"Alias of `{column}`"}
    schema: Schema = {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }
    if obj.description:
        schema["description"] = obj.description
    if creating:
        if required:
            schema["required"] = required
        schema["example"] = example
    return schema


def _required(f: FieldMeta) -> bool:
    """Twenty's rule: not nullable and no default value."""
    return not f.is_nullable and f.default_value is None and f.name not in ("id", "createdAt")
