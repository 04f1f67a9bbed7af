"""Request bodies: bounded in size, parsed as JSON, every failure a clear 4xx."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from vingt.errors import ApiError

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a body may have: deeper values are refused before
they reach the columns (RAW_JSON), the error body or the SQL drivers, which all bound it."""


def too_large(max_bytes: int) -> ApiError:
    return ApiError("PAYLOAD_TOO_LARGE", f"Request body exceeds {max_bytes} bytes", {"limit": max_bytes})


async def read_bytes(request: Request, max_bytes: int) -> bytes:
    """The whole body, refused past ``max_bytes`` (declared or streamed). It is kept on the
    request, so a later reader (the handler after the idempotency check) gets it again."""
    cached = getattr(request, "_body", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise too_large(max_bytes)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    raw = b"".join(chunks)
    request._body = raw
    return raw


async def read_json(request: Request, max_bytes: int, expected: str = "a JSON value") -> Any:
    raw = await read_bytes(request, max_bytes)
    if not raw.strip():
        raise ApiError("INVALID_BODY", f"Request body is empty: {expected} is expected", {})
    return parse_json(raw)


def parse_json(raw: bytes | str) -> Any:
    """``raw`` as JSON, nested at most ``MAX_JSON_DEPTH`` levels; any failure a 400."""
    data = raw.encode() if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH and _bracket_depth(data) > MAX_JSON_DEPTH:
        raise too_deep()
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ApiError("INVALID_JSON", f"Request body is not valid JSON: {exc}", {"position": exc.pos}) from None
    return value


def too_deep() -> ApiError:
    return ApiError(
        "JSON_TOO_DEEP",
        f"Request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep",
        {"limit": MAX_JSON_DEPTH},
    )


def _bracket_depth(data: bytes) -> int:
    """The deepest bracket nesting of ``data``, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest
