"""Errors: one exception type, one body shape, one catalogue of codes.

Every error a client sees is an ``ApiError``. Its body (DECISIONS.md §1) carries the
overview's ``error`` object and Twenty's ``statusCode`` / ``messages``::

    {"error": {"message": "...", "code": "INVALID_FILTER", "details": {...}},
     "statusCode": 400, "messages": ["..."]}

Codes are stable; a retired code is never reused for something else.
"""

from __future__ import annotations

from typing import Any

import orjson

from vingt.requestlog import REQUEST_ID

# code → HTTP status. The catalogue of every code the server emits.
CODES: dict[str, int] = {
    # request parsing
    "INVALID_REQUEST": 400,
    "URL_TOO_LONG": 400,
    "TOO_MANY_PARAMETERS": 400,
    "INVALID_JSON": 400,
    "INVALID_BODY": 400,
    "INVALID_PATH": 400,
    "INVALID_UUID": 400,
    "INVALID_FILTER": 400,
    "FILTER_TOO_COMPLEX": 400,
    "QUERY_TOO_COMPLEX": 400,
    "INVALID_ORDER_BY": 400,
    "INVALID_LIMIT": 400,
    "INVALID_DEPTH": 400,
    "INVALID_CURSOR": 400,
    "INVALID_FIELDS": 400,
    "INVALID_PARAMETER": 400,
    "UNKNOWN_PARAMETER": 400,
    "MISSING_FILTER": 400,
    "JSON_TOO_DEEP": 400,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    # resolving against the workspace's metadata
    "OBJECT_NOT_FOUND": 400,
    "UNKNOWN_FIELD": 400,
    "VALIDATION_ERROR": 400,
    "READ_ONLY_FIELD": 400,
    "BATCH_TOO_LARGE": 400,
    "TOO_MANY_RECORDS_AFFECTED": 400,
    # records
    "RECORD_NOT_FOUND": 404,
    "WEBHOOK_NOT_FOUND": 404,
    "DELIVERY_NOT_FOUND": 404,
    "DELIVERY_EXPIRED": 410,
    "CURSOR_EXPIRED": 410,
    "RECORD_ALREADY_EXISTS": 400,
    "UNIQUE_VIOLATION": 409,
    "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT": 409,
    "RELATION_TARGET_NOT_FOUND": 400,
    "RESTRICTED_BY_RELATION": 409,
    "PRECONDITION_FAILED": 412,
    "IDEMPOTENCY_KEY_REUSED": 409,
    "IDEMPOTENCY_KEY_IN_PROGRESS": 409,
    "INVALID_GROUP_BY": 400,
    "INVALID_AGGREGATE": 400,
    "INVALID_TARGET_URL": 400,
    "INVALID_WEBHOOK_INPUT": 400,
    "NO_DUPLICATE_CRITERIA": 400,
    "INVALID_MERGE": 400,
    # metadata
    "OBJECT_METADATA_NOT_FOUND": 404,
    "FIELD_METADATA_NOT_FOUND": 404,
    "RELATION_METADATA_NOT_FOUND": 404,
    "INVALID_METADATA_INPUT": 400,
    "METADATA_NAME_CONFLICT": 409,
    "METADATA_MUTATION_NOT_ALLOWED": 403,
    "OPTION_IN_USE": 409,
    # auth
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "RATE_LIMITED": 429,
    # routing
    "ROUTE_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "INTERNAL_ERROR": 500,
    "SCHEMA_CHANGING": 503,
    "TRANSACTION_CONFLICT": 503,
    "SHUTTING_DOWN": 503,
}

class ApiError(Exception):
    """An error with a status, a stable code, a message and machine-readable details."""

    def __init__(
        self,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status if status is not None else CODES[code]
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        details = safe_details(self.details)
        request_id = REQUEST_ID.get()
        if request_id is not None:
            details["requestId"] = request_id  # the X-Request-Id of the answer, and of its log line
        return {
            "error": {"message": _text(self.message), "code": self.code, "details": details},
            "statusCode": self.status,
            "messages": [_text(self.message)],
        }

    def render(self) -> bytes:
        return orjson.dumps(self.body())

    def __repr__(self) -> str:
        return f"ApiError({self.code!r}, {self.message!r}, {self.details!r})"


MAX_DETAIL_DEPTH = 8
MAX_DETAIL_TEXT = 1000
MAX_DETAIL_ITEMS = 100
_INT64 = (-(2**63), 2**64 - 1)


def _text(value: str) -> str:
    return value if len(value) <= MAX_DETAIL_TEXT else value[:MAX_DETAIL_TEXT] + "…"


def safe_details(details: dict[str, Any]) -> dict[str, Any]:
    """``details`` as something orjson always serialises, of bounded size: nesting cut at
    ``MAX_DETAIL_DEPTH``, long strings and collections truncated, integers past 64 bits and
    unknown types as (truncated) strings. An echoed client value can never break the body."""
    out = _safe(details, 0)
    return out if isinstance(out, dict) else {}


def _safe(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        if _INT64[0] <= value <= _INT64[1]:
            return value
        return _text(str(value)) if value.bit_length() < 10_000 else "(integer too large)"
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        if depth >= MAX_DETAIL_DEPTH:
            return "{…}"
        return {_text(str(k)): _safe(v, depth + 1) for k, v in list(value.items())[:MAX_DETAIL_ITEMS]}
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DETAIL_DEPTH:
            return "[…]"
        return [_safe(v, depth + 1) for v in value[:MAX_DETAIL_ITEMS]]
    return _text(str(value))


def url_too_long(limit: int) -> ApiError:
    return ApiError("URL_TOO_LONG", f"The request URL is longer than {limit} bytes", {"limit": limit})
