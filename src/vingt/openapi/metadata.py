"""The metadata document: ``/rest/metadata/objects`` and ``/rest/metadata/fields``
(REST.md §13.1, §13.3) with the legacy envelopes of §13.2, which this server uses; the webhooks;
``/rest/metadata/relations`` (read only, as Twenty's releases before 1.0 listed relations) and
``/rest/metadata`` itself (what is under it).

It does not depend on the workspace (every workspace has the same metadata routes), so
it is built once per process; ``routes`` still only serves it whole to a valid token.
"""

from __future__ import annotations

from typing import Any

from vingt.metadata.types import FieldType
from vingt.openapi.common import (
    Schema,
    base_document,
    error_responses,
    error_schema,
    errors,
    general_tag,
    operation,
    page_info_schema,
)

METADATA_LIMIT = 1000

UUID: Schema = {"type": "string", "format": "uuid"}
NULLABLE_UUID: Schema = {"type": ["string", "null"], "format": "uuid"}
TEXT: Schema = {"type": "string"}
NULLABLE_TEXT: Schema = {"type": ["string", "null"]}
BOOL: Schema = {"type": "boolean"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}

# (singular, plural, description)
KINDS = (
    ("object", "objects", "The objects of the workspace (standard and custom)"),
    ("field", "fields", "The fields of the workspace's objects"),
)


def metadata_document() -> Schema:
    doc = base_document("metadata", METADATA_LIMIT, METADATA_LIMIT)
    paths: Schema = doc["paths"]
    for singular, plural, _ in KINDS:
        paths.update(kind_paths(singular, plural))
    paths.update(relation_paths())
    paths.update(index_paths())
    paths.update(webhook_paths())
    doc["components"].update(
        {
            "schemas": {
                **object_schemas(),
                **field_schemas(),
                **webhook_schemas(),
                "RelationForResponse": relation_schema(),
                "MetadataIndex": index_schema(),
                "Error": error_schema(),
                "PageInfo": page_info_schema(),
            },
            "parameters": parameters(),
            "responses": error_responses(not_found="Object, field or relation not found"),
        }
    )
    doc["tags"] = [general_tag()] + [{"name": plural, "description": text} for _, plural, text in KINDS] + [
        {"name": "relations", "description": "The relations between objects, read only (Twenty's older listing)"},
        {"name": "webhooks", "description": "The workspace's webhooks (also served at /rest/webhooks)"},
    ]
    return doc


def parameters() -> Schema:
    def query(name: str, description: str, schema: Schema) -> Schema:
        return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}

    return {
        "idPath": {
            "name": "id",
            "in": "path",
            "required": True,
            "description": "The object's or field's id",
            "schema": UUID,
        },
        "limit": query(
            "limit",
            f"Number of items per page (default and maximum {METADATA_LIMIT}).",
            {"type": "integer", "minimum": 0, "maximum": METADATA_LIMIT, "default": METADATA_LIMIT},
        ),
        "startingAfter": query(
            "starting_after",
            "Items after this id (`pageInfo.endCursor`); items are ordered by id, descending.",
            UUID,
        ),
        "endingBefore": query("ending_before", "Items before this id (`pageInfo.startCursor`).", UUID),
        "lastCursor": {
            **query(
                "last_cursor",
                "The older name of `starting_after` (Twenty's earlier releases); not with `starting_after`.",
                UUID,
            ),
            "deprecated": True,
        },
    }


LIST_PARAMETERS: list[Schema] = [
    {"$ref": f"#/components/parameters/{name}"} for name in ("limit", "startingAfter", "endingBefore", "lastCursor")
]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _data(key: str, value: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "object", "required": [key], "properties": {key: value}}},
    }


def _json(schema: Schema, description: str = "Successful operation") -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ID_PARAM: Schema = {"$ref": "#/components/parameters/idPath"}
ID_PARAM_INLINE: Schema = {"name": "id", "in": "path", "required": True, "schema": UUID}


def _operations(tags: list[str]) -> Any:
    """An operation builder for the paths of ``tags``."""

    def op(op_id: str, summary: str, params: list[Schema], responses: Schema, **extra: Any) -> Schema:
        return operation(tags, op_id, summary, params, responses, **extra)

    return op


def _body(name: str) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _list(plural: str, item: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["data", "pageInfo"],
        "properties": {
            "data": {"type": "object", "required": [plural], "properties": {plural: {"type": "array", "items": item}}},
            "pageInfo": _ref("PageInfo"),
            "totalCount": {"type": "integer", "minimum": 0},
        },
    }


def relation_paths() -> Schema:
    op = _operations(["relations"])
    item = _ref("RelationForResponse")
    return {
        "/relations": {
            "get": op(
                "findManyRelations",
                "Find Many relations",
                LIST_PARAMETERS,
                {"200": _json(_list("relations", item)), **errors("400", "401", "403", "429")},
                description="One relation per ONE_TO_MANY field and its MANY_TO_ONE inverse, as Twenty's "
                "releases before 1.0 listed them. Read only: relations are made with fields "
                "(`relationCreationPayload`).",
            )
        },
        "/relations/{id}": {
            "get": op(
                "findOneRelation",
                "Find One relation",
                [{**ID_PARAM_INLINE, "description": "The relation's id (that of its ONE_TO_MANY field)"}],
                {"200": _json(_data("relation", item)), **errors("400", "401", "403", "404", "429")},
            )
        },
    }


def index_paths() -> Schema:
    return {
        "/": {
            "get": operation(
                ["General"], "getMetadataRoutes", "The metadata routes", [],
                {"200": _json(_ref("MetadataIndex")), **errors("400", "401", "403", "429")},
                description="What is under `/rest/metadata`: the routes, the OpenAPI document and the GraphQL "
                "endpoint.",
            )
        }
    }


def relation_schema() -> Schema:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id", "relationType", "fromObjectMetadataId", "toObjectMetadataId", "fromFieldMetadataId",
            "toFieldMetadataId", "onDeleteAction", "createdAt", "updatedAt",
        ],
        "properties": {
            "id": UUID,
            "relationType": {"type": "string", "enum": ["ONE_TO_MANY"]},
            "fromObjectMetadataId": {**UUID, "description": "The object on the one side"},
            "toObjectMetadataId": {**UUID, "description": "The object on the many side"},
            "fromFieldMetadataId": {**UUID, "description": "The ONE_TO_MANY field"},
            "toFieldMetadataId": {**UUID, "description": "The MANY_TO_ONE field (its join column)"},
            "onDeleteAction": {"type": ["string", "null"], "enum": ["SET_NULL", "CASCADE", "RESTRICT", "NO_ACTION", None]},
            "createdAt": NULLABLE_DATE_TIME,
            "updatedAt": NULLABLE_DATE_TIME,
        },
    }


def index_schema() -> Schema:
    return {
        "type": "object",
        "required": ["routes", "openApi", "graphql"],
        "properties": {
            "routes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "path", "methods"],
                    "properties": {
                        "name": TEXT,
                        "path": TEXT,
                        "methods": {"type": "array", "items": TEXT},
                    },
                },
            },
            "openApi": TEXT,
            "graphql": TEXT,
        },
    }


def kind_paths(singular: str, plural: str) -> Schema:
    S = singular.capitalize()
    P = plural.capitalize()
    op = _operations([plural])
    item = _ref(f"{S}ForResponse")
    id_param = ID_PARAM

    update = op(
        f"updateOne{S}",
        f"Update One {singular}",
        [id_param],
        {
            "200": _json(_data(f"updateOne{S}", item)),
            **errors("400", "401", "403", "404", "409", "413", "429"),
        },
        requestBody=_body(f"{S}ForUpdate"),
    )
    return {
        f"/{plural}": {
            "get": op(
                f"findMany{P}",
                f"Find Many {plural}",
                LIST_PARAMETERS,
                {"200": _json(_list(plural, item)), **errors("400", "401", "403", "429")},
            ),
            "post": op(
                f"createOne{S}",
                f"Create One {singular}",
                [],
                {
                    "201": _json(_data(f"createOne{S}", item)),
                    # a field names its object (objectMetadataId): unknown, 404
                    **errors("400", "401", "403", *(["404"] if singular == "field" else []), "409", "413", "429"),
                },
                requestBody=_body(S),
            ),
        },
        f"/{plural}/{{id}}": {
            "get": op(
                f"findOne{S}",
                f"Find One {singular}",
                [id_param],
                {"200": _json(_data(singular, item)), **errors("400", "401", "403", "404", "429")},
            ),
            "patch": update,
            "put": {
                **update,
                "operationId": f"putOne{S}",
                "summary": f"Update One {singular} (PUT)",
                "description": "Same as PATCH (an alias kept for compatibility).",
            },
            "delete": op(
                f"deleteOne{S}",
                f"Delete One {singular}",
                [id_param],
                {
                    "200": _json(_data(f"deleteOne{S}", item)),
                    **errors("400", "401", "403", "404", "409", "429"),
                },
                **(
                    {
                        "description": "An object must be deactivated (`isActive: false`) before it can be deleted."
                    }
                    if singular == "object"
                    else {}
                ),
            ),
        },
    }


NAME = {"type": "string", "pattern": "^[a-z][a-zA-Z0-9]*$", "maxLength": 63}
NULLABLE_DATE_TIME: Schema = {"type": ["string", "null"], "format": "date-time"}


def object_schemas() -> Schema:
    """As ``metadata.service`` accepts them and ``metadata.payloads`` renders them."""
    names: Schema = {
        "nameSingular": {**NAME, "description": "camelCase, e.g. `invoice`"},
        "namePlural": {**NAME, "description": "camelCase, e.g. `invoices`"},
        "labelSingular": TEXT,
        "labelPlural": TEXT,
    }
    common: Schema = {
        **names,
        "description": NULLABLE_TEXT,
        "icon": NULLABLE_TEXT,
        "shortcut": NULLABLE_TEXT,
        "color": NULLABLE_TEXT,
        "isLabelSyncedWithName": BOOL,
        "isSearchable": BOOL,
    }
    response = {
        "id": UUID,
        **names,
        "description": NULLABLE_TEXT,
        "icon": NULLABLE_TEXT,
        "color": NULLABLE_TEXT,
        "shortcut": NULLABLE_TEXT,
        "isCustom": BOOL,
        "isActive": BOOL,
        "isSystem": BOOL,
        "isRemote": BOOL,
        "isSearchable": BOOL,
        "isUIReadOnly": BOOL,
        "isLabelSyncedWithName": BOOL,
        "labelIdentifierFieldMetadataId": NULLABLE_UUID,
        "imageIdentifierFieldMetadataId": NULLABLE_UUID,
        "duplicateCriteria": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
        "standardOverrides": {"type": ["object", "null"]},
        "workspaceId": UUID,
        "createdAt": NULLABLE_DATE_TIME,
        "updatedAt": NULLABLE_DATE_TIME,
        "fields": {"type": "array", "items": _ref("FieldForResponse")},
    }
    return {
        "Object": {
            "type": "object",
            "description": "A new custom object. It gets a `name` field and the system fields and relations.",
            "properties": {**common, "isRemote": {"const": False}},
            "required": ["nameSingular", "namePlural", "labelSingular", "labelPlural"],
            "additionalProperties": False,
        },
        "ObjectForUpdate": {
            "type": "object",
            "description": "Changes to an object (standard objects cannot be renamed)",
            "properties": {
                **common,
                "isActive": BOOL,
                "labelIdentifierFieldMetadataId": NULLABLE_UUID,
                "imageIdentifierFieldMetadataId": NULLABLE_UUID,
            },
            "additionalProperties": False,
        },
        "ObjectForResponse": {
            "type": "object",
            "description": "An object",
            "properties": response,
            "required": [k for k in response if k != "fields"],
        },
    }


def field_schemas() -> Schema:
    option_input = {
        "type": "object",
        "properties": {
            "id": UUID,
            "value": {"type": "string", "pattern": "^[A-Z0-9]+(_[A-Z0-9]+)*$", "example": "OPTION_1"},
            "label": TEXT,
            "color": TEXT,
            "position": {"type": "number"},
        },
        "required": ["value", "label"],
    }
    option = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "value": TEXT,
            "label": TEXT,
            "color": TEXT,
            "position": {"type": "number"},
        },
        "required": ["value"],
    }
    writable: Schema = {
        "name": {**NAME, "description": "camelCase"},
        "label": TEXT,
        "description": NULLABLE_TEXT,
        "icon": NULLABLE_TEXT,
        "defaultValue": {
            "description": 'Twenty\'s metadata encoding: `"\'DRAFT\'"`, `["\'A\'"]`, `"now"`, …'
        },
        "isActive": BOOL,
        "isNullable": BOOL,
        "isUnique": BOOL,
        "isSystem": BOOL,
        "isUIReadOnly": BOOL,
        "isLabelSyncedWithName": BOOL,
        "settings": {
            "type": ["object", "null"],
            "description": 'By type, e.g. `{"dataType": "int"}`, `{"onDelete": "CASCADE"}` for a relation',
        },
        "options": {
            "type": ["array", "null"],
            "description": "For SELECT and MULTI_SELECT fields (required for them)",
            "items": option_input,
        },
    }
    field_type = {"type": "string", "enum": [t.value for t in FieldType]}
    object_ref = {
        "type": "object",
        "properties": {"id": UUID, "nameSingular": TEXT, "namePlural": TEXT},
        "required": ["id", "nameSingular", "namePlural"],
    }
    field_ref = {"type": "object", "properties": {"id": UUID, "name": TEXT}, "required": ["id", "name"]}
    relation_creation = {
        "type": "object",
        "description": "Creates both sides of a relation",
        "properties": {
            "type": {"type": "string", "enum": ["MANY_TO_ONE", "ONE_TO_MANY"]},
            "targetObjectMetadataId": UUID,
            "targetFieldLabel": TEXT,
            "targetFieldName": NAME,
            "targetFieldIcon": NULLABLE_TEXT,
        },
        "required": ["type", "targetObjectMetadataId", "targetFieldLabel"],
    }
    response = {
        "id": UUID,
        "objectMetadataId": NULLABLE_UUID,
        "type": field_type,
        "name": TEXT,
        "label": TEXT,
        "description": NULLABLE_TEXT,
        "icon": NULLABLE_TEXT,
        "isCustom": BOOL,
        "isActive": BOOL,
        "isSystem": BOOL,
        "isNullable": BOOL,
        "isUnique": BOOL,
        "isUIReadOnly": BOOL,
        "isLabelSyncedWithName": BOOL,
        "defaultValue": {"description": "Twenty's metadata encoding"},
        "options": {"type": ["array", "null"], "items": option},
        "settings": {"type": ["object", "null"]},
        "morphId": NULLABLE_UUID,
        "relation": {
            "type": ["object", "null"],
            "description": "For relation fields",
            "properties": {
                "type": {"type": "string", "enum": ["MANY_TO_ONE", "ONE_TO_MANY"]},
                "sourceObjectMetadata": object_ref,
                "targetObjectMetadata": {"anyOf": [object_ref, {"type": "null"}]},
                "sourceFieldMetadata": field_ref,
                "targetFieldMetadata": {"anyOf": [field_ref, {"type": "null"}]},
            },
            "required": [
                "type",
                "sourceObjectMetadata",
                "targetObjectMetadata",
                "sourceFieldMetadata",
                "targetFieldMetadata",
            ],
        },
        "standardOverrides": {"type": ["object", "null"]},
        "createdAt": NULLABLE_DATE_TIME,
        "updatedAt": NULLABLE_DATE_TIME,
    }
    return {
        "Field": {
            "type": "object",
            "description": "A new field (every type but TS_VECTOR and POSITION; a non-nullable field needs a default)",
            "properties": {
                "objectMetadataId": UUID,
                "type": field_type,
                **writable,
                "isCustom": BOOL,
                "isRemoteCreation": BOOL,
                "relationCreationPayload": relation_creation,
                "morphRelationsCreationPayload": {
                    "type": ["array", "null"],
                    "description": "Not supported yet (400)",
                },
            },
            "required": ["objectMetadataId", "type", "label"],
            "additionalProperties": False,
        },
        "FieldForUpdate": {
            "type": "object",
            "description": "Changes to a field (standard fields can be relabelled, not renamed or retyped)",
            "properties": {**writable, "morphRelationsUpdatePayload": {"type": ["array", "null"]}},
            "additionalProperties": False,
        },
        "FieldForResponse": {
            "type": "object",
            "description": "A field",
            "properties": response,
            "required": list(response),
        },
    }


# ---- webhooks (docs/webhooks.md) -------------------------------------------------------------


def webhook_paths() -> Schema:
    op = _operations(["webhooks"])
    row = _ref("Webhook")
    id_param = ID_PARAM

    update = op(
        "updateWebhook", "Update a webhook", [id_param],
        {"200": _json(row), **errors("400", "401", "403", "404", "413", "429")},
        requestBody=_body("WebhookForUpdate"),
    )
    return {
        "/webhooks": {
            "get": op(
                "findManyWebhooks", "List the webhooks", [],
                {"200": _json({"type": "array", "items": row}), **errors("400", "401", "403", "429")},
            ),
            "post": op(
                "createWebhook", "Create a webhook", [],
                {"201": _json(row), **errors("400", "401", "403", "413", "429")},
                requestBody=_body("WebhookForCreate"),
                description="A target on a loopback, private or link-local address is refused (400 "
                "`INVALID_TARGET_URL`) unless `VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS=true`.",
            ),
        },
        "/webhooks/{id}": {
            "get": op(
                "findOneWebhook", "Find a webhook", [id_param],
                {"200": _json(row), **errors("400", "401", "403", "404", "429")},
            ),
            "patch": update,
            "put": {**update, "operationId": "putWebhook", "summary": "Update a webhook (PUT)",
                    "description": "Same as PATCH (an alias kept for compatibility)."},
            "delete": op(
                "deleteWebhook", "Delete a webhook (it never fires again)", [id_param],
                {"200": _json({"type": "boolean", "const": True}), **errors("400", "401", "403", "404", "429")},
                description="Its pending deliveries end as `failed`.",
            ),
        },
        "/webhooks/{id}/deliveries": {
            "get": op(
                "findManyWebhookDeliveries", "List a webhook's deliveries, newest first", [
                    id_param,
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0},
                     "description": "Deliveries per page (default 20; larger values are clamped to the maximum page size)"},
                    {"name": "starting_after", "in": "query", "schema": UUID,
                     "description": "The `endCursor` of the previous page"},
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(DELIVERY_STATUSES)}},
                ],
                {"200": _json(_ref("WebhookDeliveryPage")), **errors("400", "401", "403", "404", "429")},
                description="One delivery per (webhook × event) it matched, each with every HTTP attempt made.",
            ),
        },
        "/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
            "post": op(
                "redeliverWebhookDelivery", "Send a delivery again now", [
                    id_param,
                    {"name": "deliveryId", "in": "path", "required": True, "schema": UUID},
                ],
                {"200": _json(_ref("WebhookDelivery")), **errors("400", "401", "403", "404", "429"),
                 "410": {"description": "The delivery's event is no longer kept",
                         "content": {"application/json": {"schema": _ref("Error")}}}},
                description="One new attempt, made before the answer; the delivery as it is after it. 410 "
                "`DELIVERY_EXPIRED` once its event is no longer kept.",
            ),
        },
    }


DELIVERY_STATUSES = ("pending", "succeeded", "failed")


def webhook_schemas() -> Schema:
    operations_schema: Schema = {
        "type": "array", "minItems": 1, "maxItems": 100,
        "items": {"type": "string", "examples": ["person.created", "person.*", "*.deleted", "*.*"]},
        "description": "<object>.<action> patterns; `*` matches any object or action. Default `[\"*.*\"]`.",
    }
    writable: Schema = {
        "targetUrl": {"type": "string", "maxLength": 2048, "description": "An absolute http or https URL"},
        "operations": operations_schema,
        "description": {"type": ["string", "null"], "maxLength": 1000},
        "secret": {"type": "string", "minLength": 1, "maxLength": 1000,
                   "description": "The HMAC key of the signatures; generated (64 hex digits) when absent"},
    }
    return {
        "Webhook": {
            "type": "object",
            "required": ["id", "workspaceId", "targetUrl", "operations", "description", "secret", "createdAt",
                         "updatedAt", "deletedAt"],
            "properties": {
                "id": UUID, "workspaceId": UUID, "targetUrl": TEXT,
                "operations": {"type": "array", "items": TEXT},
                "description": NULLABLE_TEXT, "secret": TEXT, "createdAt": DATE_TIME, "updatedAt": DATE_TIME,
                "deletedAt": NULLABLE_DATE_TIME,
            },
        },
        "WebhookForCreate": {
            "type": "object", "required": ["targetUrl"], "additionalProperties": False,
            "properties": {"id": UUID, **writable},
        },
        "WebhookForUpdate": {"type": "object", "additionalProperties": False, "properties": writable},
        "WebhookAttempt": {
            "type": "object",
            "required": ["id", "attemptedAt", "durationMs", "statusCode", "error", "response"],
            "properties": {
                "id": UUID, "attemptedAt": DATE_TIME, "durationMs": {"type": "integer", "minimum": 0},
                "statusCode": {"type": ["integer", "null"], "description": "null when no response came"},
                "error": {**NULLABLE_TEXT, "description": "why no response came (refused, timed out, internal target)"},
                "response": {**NULLABLE_TEXT, "description": "the first 1 KB of the response body"},
            },
        },
        "WebhookDelivery": {
            "type": "object",
            "required": ["id", "webhookId", "eventId", "eventName", "status", "attemptCount", "nextAttemptAt",
                         "createdAt", "updatedAt", "attempts"],
            "properties": {
                "id": UUID, "webhookId": UUID,
                "eventId": {**UUID, "description": "the X-Vingt-Event-Id header of every attempt"},
                "eventName": TEXT,
                "status": {"type": "string", "enum": list(DELIVERY_STATUSES)},
                "attemptCount": {"type": "integer", "minimum": 0},
                "nextAttemptAt": {**NULLABLE_DATE_TIME, "description": "when a pending delivery is next tried"},
                "createdAt": DATE_TIME, "updatedAt": DATE_TIME,
                "attempts": {"type": "array", "items": _ref("WebhookAttempt"), "description": "oldest first"},
            },
        },
        "WebhookDeliveryPage": {
            "type": "object",
            "required": ["data", "pageInfo"],
            "properties": {
                "data": {"type": "object", "required": ["deliveries"],
                         "properties": {"deliveries": {"type": "array", "items": _ref("WebhookDelivery")}}},
                "pageInfo": {"type": "object", "required": ["hasNextPage", "startCursor", "endCursor"], "properties": {
                    "hasNextPage": BOOL, "startCursor": {"type": ["string", "null"]},
                    "endCursor": {"type": ["string", "null"]},
                }},
            },
        },
    }
