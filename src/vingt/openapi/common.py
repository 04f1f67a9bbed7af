"""What both documents share: the skeleton (REST.md §12), the error body, page info,
the error responses and the query parameters.

Documents are built with ``SERVER_URL`` standing for the request's base URL and cached
as JSON bytes; ``routes`` puts the real URL in when it serves them, so one cached copy
serves every host name a workspace is reached by.
"""

from __future__ import annotations

from typing import Any

from vingt import __version__
from vingt.errors import CODES

Schema = dict[str, Any]

SERVER_URL = "__VINGT_SERVER_URL__"
OPENAPI_VERSION = "3.1.1"
TITLE = "Vingt"

DESCRIPTION = """Explore and call the Vingt REST API, a Twenty-compatible CRM API.

## Authentication

Send an API key as a Bearer token with each request: `Authorization: Bearer <token>`.
In the reference page, paste the key in **Authorize** (without the `Bearer ` prefix): the
document then reloads with every object of your workspace.

## Filters

`filter=field[COMPARATOR]:value`, e.g. `name[ilike]:"%acme%"`. Several conditions are joined
with a comma (AND); `and(…)`, `or(…)`, `not(…)` nest. Composite fields use
`field.subField[…]`. Comparators: `eq`, `neq`, `in`, `containsAny`, `is` (`NULL` /
`NOT_NULL`), `gt`, `gte`, `lt`, `lte`, `startsWith`, `endsWith`, `like`, `ilike`. Quoted values
may contain commas, brackets and parentheses (`\\"` and `\\\\` escape).

## Pagination and ordering

Cursor pagination: `limit` (default DEFAULT_LIMIT, at most MAX_LIMIT; larger values are
clamped), `starting_after` / `ending_before` take a record id from `pageInfo.startCursor` /
`pageInfo.endCursor`. `order_by=field1,field2[DescNullsLast]`; directions `AscNullsFirst`
(default), `AscNullsLast`, `DescNullsFirst`, `DescNullsLast`. camelCase spellings
(`startingAfter`, `endingBefore`, `orderBy`, `softDelete`) are accepted too.

## Errors

Every error has the same body: `{"error": {"message", "code", "details"}, "statusCode",
"messages"}`. An unknown query parameter is an error (`UNKNOWN_PARAMETER`).
"""


METADATA_DESCRIPTION = """The metadata API of a Vingt workspace (a Twenty-compatible CRM API): its objects and
fields, read and changed at run time.

## Authentication

Send an API key as a Bearer token with each request: `Authorization: Bearer <token>`.

## Pagination

Lists are ordered by id, descending: `limit` (default and at most MAX_LIMIT), `starting_after` /
`ending_before` take an id from `pageInfo.endCursor` / `pageInfo.startCursor`.

## Errors

Every error has the same body: `{"error": {"message", "code", "details"}, "statusCode",
"messages"}`.
"""


def base_document(kind: str, default_limit: int, max_limit: int) -> Schema:
    """The document served without a valid token (REST.md §12)."""
    server = f"{SERVER_URL}/rest/" if kind == "core" else f"{SERVER_URL}/rest/metadata"
    text = DESCRIPTION if kind == "core" else METADATA_DESCRIPTION
    return {
        "openapi": OPENAPI_VERSION,
        # Vingt's own title, version and links (REST.md §12 has Twenty's, which no client reads)
        "info": {
            "title": TITLE,
            "description": text.replace("DEFAULT_LIMIT", str(default_limit)).replace(
                "MAX_LIMIT", str(max_limit)
            ),
            "contact": {"name": "This Vingt server", "url": f"{SERVER_URL}/"},
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            "version": __version__,
        },
        "servers": [{"url": server, "description": "This server"}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An API key of the workspace, sent as `Authorization: Bearer <key>`.",
                }
            }
        },
        "security": [{"bearerAuth": []}],
        "externalDocs": {
            "description": "This server's home page: its version, links and health",
            "url": f"{SERVER_URL}/",
        },
        "paths": {f"/open-api/{kind}": open_api_path(kind)},
    }


def open_api_path(kind: str) -> Schema:
    return {
        "get": {
            "tags": ["General"],
            "summary": "Get Open Api Schema",
            "description": "This document. Without a valid token (header or `token` query parameter) only the "
            "skeleton is returned; with one, the workspace's objects.",
            "operationId": "GetOpenApiSchema",
            "servers": [{"url": SERVER_URL}],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [
                {
                    "name": "token",
                    "in": "query",
                    "required": False,
                    "description": "An API key, for tools that cannot send headers (prefer the header).",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": {
                    "description": "An OpenAPI 3.1 document",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["openapi", "info", "paths"],
                                "properties": {
                                    "openapi": {"type": "string"},
                                    "info": {"type": "object"},
                                    "servers": {"type": "array", "items": {"type": "object"}},
                                    "components": {"type": "object"},
                                    "paths": {"type": "object"},
                                    "webhooks": {"type": "object"},
                                    "tags": {"type": "array", "items": {"type": "object"}},
                                    "security": {"type": "array"},
                                    "externalDocs": {"type": "object"},
                                },
                            }
                        }
                    },
                }
            },
        }
    }


def general_tag() -> Schema:
    return {"name": "General", "description": "General requests"}


# ---- shared schemas ---------------------------------------------------------------------


def error_schema() -> Schema:
    codes = ", ".join(f"`{c}`" for c in sorted(CODES))
    return {
        "type": "object",
        "description": "Every error: the `error` object, plus Twenty's `statusCode` and `messages`.",
        "required": ["error", "statusCode", "messages"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "code", "details"],
                "properties": {
                    "message": {"type": "string"},
                    "code": {
                        "type": "string",
                        "pattern": "^[A-Z][A-Z0-9_]*$",
                        "description": f"A stable code, one of {codes}",
                    },
                    "details": {
                        "type": "object",
                        "description": "Machine-readable context: the offending parameter, field, "
                        "position in the filter, the accepted values…",
                    },
                },
            },
            "statusCode": {"type": "integer", "description": "The HTTP status"},
            "messages": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
    }


def page_info_schema() -> Schema:
    cursor = {
        "type": ["string", "null"],
        "format": "uuid",
        "description": "The id of the first / last record of the page (null when the page is empty)",
    }
    return {
        "type": "object",
        "required": ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
        "properties": {
            "hasNextPage": {"type": "boolean"},
            "hasPreviousPage": {"type": "boolean"},
            "startCursor": cursor,
            "endCursor": cursor,
        },
    }


ERROR_STATUSES = {
    "400": "Invalid request: a parameter, the body, the path or a value",
    "401": "Invalid or expired token",
    "403": "Missing token, revoked key, or not allowed",
    "404": "Record not found",
    "409": "Conflict: unique value taken, several records match an upsert, an idempotency key reused, "
    "or the record is still referenced",
    "412": "The record changed: `If-Match` does not match its current ETag",
    "413": "The request body is too large",
    "429": "Too many requests",
}


def error_responses(not_found: str = "Record not found") -> Schema:
    out: Schema = {}
    for status, description in ERROR_STATUSES.items():
        out[status] = {
            "description": not_found if status == "404" else description,
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Error"},
                            {"properties": {"statusCode": {"const": int(status)}}},
                        ]
                    }
                }
            },
        }
    return out


def errors(*statuses: str) -> Schema:
    return {s: {"$ref": f"#/components/responses/{s}"} for s in statuses}


# ---- parameters -------------------------------------------------------------------------

FILTER_DESCRIPTION = (
    "Filters the records: `field[COMPARATOR]:value`, joined by commas (AND), nested with "
    "`and(…)`, `or(…)`, `not(…)`. Comparators: `eq`, `neq`, `in`, `containsAny`, `is`, `gt`, "
    "`gte`, `lt`, `lte`, `startsWith`, `endsWith`, `like`, `ilike`. `field[is]:NULL` / "
    "`field[is]:NOT_NULL` test for null; soft-deleted records are included when the filter "
    "mentions `deletedAt`."
)


def parameters(default_limit: int, max_limit: int) -> Schema:
    def query(name: str, description: str, schema: Schema, **extra: Any) -> Schema:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
            **extra,
        }

    boolean = {"type": "boolean", "default": False}
    return {
        "idPath": {
            "name": "id",
            "in": "path",
            "required": True,
            "description": "The record's id",
            "schema": {"type": "string", "format": "uuid"},
        },
        "filter": query(
            "filter",
            FILTER_DESCRIPTION,
            {"type": "string"},
            examples={
                "simple": {"value": 'createdAt[gte]:"2023-01-01"', "summary": "A simple filter"},
                "complex": {
                    "value": 'or(createdAt[gte]:"2024-01-01",createdAt[lte]:"2023-01-01",not(id[is]:NULL))',
                    "summary": "A more complex filter",
                },
            },
        ),
        "orderBy": query(
            "order_by",
            "Sorts the records: `field_1,field_2[DIRECTION],…` with directions `AscNullsFirst` (default), "
            "`AscNullsLast`, `DescNullsFirst`, `DescNullsLast`; composite sub-fields as `name.lastName`. "
            "Also accepted as `orderBy`.",
            {"type": "string"},
            examples={
                "simple": {"value": "createdAt", "summary": "A simple order_by"},
                "complex": {"value": "id[AscNullsFirst],createdAt[DescNullsLast]", "summary": "Two keys"},
            },
        ),
        "limit": query(
            "limit",
            f"Number of records per page (default {default_limit}; values above {max_limit} are clamped to it, "
            "so they are accepted).",
            {"type": "integer", "minimum": 0, "default": default_limit},
        ),
        "depth": query(
            "depth",
            "Relations to embed: 0 = none, 1 = the related records, 2 = their relations too.",
            {"type": "integer", "enum": [0, 1, 2], "default": 0},
        ),
        "startingAfter": query(
            "starting_after",
            "Returns the records after this one (a record id, as in `pageInfo.endCursor`). Also accepted as "
            "`startingAfter`; Twenty's base64 cursors are accepted too.",
            {"type": "string"},
        ),
        "endingBefore": query(
            "ending_before",
            "Returns the records before this one (a record id, as in `pageInfo.startCursor`). Also accepted "
            "as `endingBefore`.",
            {"type": "string"},
        ),
        "upsert": query(
            "upsert",
            "Update the existing record (matched by id or by a unique field) instead of failing.",
            boolean,
        ),
        "softDelete": query(
            "soft_delete",
            "`true`: set `deletedAt` (restorable); otherwise the record is destroyed. Also accepted as "
            "`softDelete`.",
            boolean,
        ),
        "groupBy": {
            "name": "group_by",
            "in": "query",
            "required": True,
            "description": 'Grouping dimensions, a JSON array: `[{"stage": true}]`, '
            '`[{"name": {"lastName": true}}]`, `[{"createdAt": {"granularity": "MONTH"}}]`.',
            "schema": {"type": "string"},
            "example": '[{"createdAt": {"granularity": "MONTH"}}]',
        },
        "aggregate": query(
            "aggregate",
            'Aggregates per group, a JSON array of names, e.g. `["countNotEmptyId", "sumAmountAmountMicros"]`.',
            {"type": "string"},
        ),
        "orderByGroupBy": query(
            "order_by",
            'Group order, a JSON array: `[{"stage": "AscNullsFirst"}]`, '
            '`[{"aggregate": {"totalCount": "DescNullsLast"}}]`.',
            {"type": "string"},
        ),
        "limitGroupBy": query(
            "limit",
            "Number of groups (default 50, at most 200).",
            {"type": "integer", "minimum": 0, "maximum": 200, "default": 50},
        ),
        "viewId": query(
            "view_id",
            "Twenty applies the saved filters of this view; this server has no views and refuses any "
            "non-empty value (400): pass the filters in `filter`. Also accepted as `viewId`.",
            {"type": "string", "format": "uuid"},
        ),
        "includeRecordsSample": query(
            "include_records_sample", "Add a sample of each group's records.", boolean
        ),
        "orderByForRecords": query(
            "order_by_for_records",
            "Order of the sampled records (the `order_by` grammar).",
            {"type": "string"},
        ),
        "idempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Makes a write safe to retry: the same key and body within 24 h returns the first "
            "response; the same key with another body is a 409.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        },
        "ifMatch": {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": "Only change the record if its current `ETag` is one of these (else 412).",
            "schema": {"type": "string"},
        },
        "ifNoneMatch": {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "Answer 304 (no body) if the record's current `ETag` is one of these.",
            "schema": {"type": "string"},
        },
    }


def headers() -> Schema:
    return {
        "ETag": {
            "description": "The record version's entity tag, for `If-Match` / `If-None-Match`",
            "schema": {"type": "string"},
        }
    }


def operation(tags: list[str], op_id: str, summary: str, params: list[Schema], responses: Schema, **extra: Any) -> Schema:
    """One operation object of a path item."""
    return {
        "tags": tags,
        "summary": summary,
        "operationId": op_id,
        "parameters": params,
        "responses": responses,
        **extra,
    }
