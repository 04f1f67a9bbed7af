"""Request bodies: bounded in size, parsed as JSON, every failure a clear 4xx."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from vingt.errors import ApiError


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
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError("INVALID_JSON", f"Request body is not valid JSON: {exc}", {"position": exc.pos}) from None
