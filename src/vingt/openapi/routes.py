"""``GET /rest/open-api/core``, ``GET /rest/open-api/metadata`` and ``GET /rest/docs``.

Without a valid token (``Authorization`` header or ``?token=``) the documents are the
skeleton of REST.md §12, never an error. With one, the core document is generated from
the caller's catalog the first time and cached on that catalog snapshot
(``catalog.derived``), so it lives exactly as long as the workspace's metadata version.
``GET /rest/docs/standard/core`` (and ``…/metadata``) are the documents of a workspace with
only the standard objects, built without one: what the reference page shows before a key is
entered. Cached documents are JSON bytes with a placeholder for the server URL, filled in per
request from the request's base URL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from vingt.errors import ApiError
from vingt.metadata.blueprint import materialize
from vingt.metadata.model import Catalog
from vingt.metadata.standard import STANDARD_OBJECTS
from vingt.openapi import docs
from vingt.openapi.common import SERVER_URL, base_document
from vingt.openapi.core import core_document
from vingt.openapi.metadata import METADATA_LIMIT, metadata_document
from vingt.registry import Principal
from vingt.workspaces import now_iso

PLACEHOLDER = SERVER_URL.encode()


@dataclass(frozen=True)
class Cached:
    body: bytes  # with PLACEHOLDER for the server URL
    digest: str


def _cached(body: bytes) -> Cached:
    return Cached(body, hashlib.sha256(body).hexdigest()[:32])


_process_cache: dict[tuple[str, ...], Cached] = {}


async def _principal(request: Request) -> Principal | None:
    """The caller, if the header or the ``token`` query value authenticates; else None."""
    registry = request.app.state.registry
    candidates = []
    header = request.headers.get("authorization")
    if header:
        candidates.append(header)
    token = request.query_params.get("token")
    if token:
        candidates.append("Bearer " + token)
    for authorization in candidates:
        try:
            return await registry.authenticate(authorization)  # type: ignore[no-any-return]
        except ApiError:
            continue
    return None


def _limits(request: Request) -> tuple[int, int]:
    settings = request.app.state.settings
    return int(settings.default_page_size), int(settings.max_page_size)


def document(request: Request, kind: str, principal: Principal | None) -> Cached:
    """The cached document for this caller (built on first use)."""
    default_limit, max_limit = _limits(request)
    if principal is None:
        key = ("skeleton", kind, str(default_limit), str(max_limit))
        hit = _process_cache.get(key)
        if hit is None:
            limits = (default_limit, max_limit) if kind == "core" else (METADATA_LIMIT, METADATA_LIMIT)
            hit = _process_cache[key] = _cached(orjson.dumps(base_document(kind, *limits)))
        return hit
    if kind == "metadata":
        return _metadata()
    catalog = principal.catalog
    cache_key = ("openapi", "core", default_limit, max_limit)
    cached = catalog.derived.get(cache_key)
    if cached is None:
        cached = catalog.derived[cache_key] = _cached(
            orjson.dumps(core_document(catalog, default_limit, max_limit))
        )
    return cached  # type: ignore[no-any-return]


def server_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def serve_document(request: Request, kind: str) -> Response:
    principal = await _principal(request)
    return _answer(request, document(request, kind, principal))


def standard_document(request: Request, kind: str) -> Cached:
    """The document of a workspace that has only the standard objects (``metadata``: the metadata
    document, the same for every workspace): what the reference page shows before a key is
    entered. Built from the standard objects' definitions, without a workspace."""
    if kind == "metadata":
        return _metadata()
    default_limit, max_limit = _limits(request)
    key = ("standard", kind, str(default_limit), str(max_limit))
    hit = _process_cache.get(key)
    if hit is None:
        catalog = Catalog("standard", "standard", 0, materialize(STANDARD_OBJECTS, now_iso()))
        hit = _process_cache[key] = _cached(orjson.dumps(core_document(catalog, default_limit, max_limit)))
    return hit


def _metadata() -> Cached:
    hit = _process_cache.get(("metadata",))
    if hit is None:
        hit = _process_cache[("metadata",)] = _cached(orjson.dumps(metadata_document()))
    return hit


def _answer(request: Request, cached: Cached) -> Response:
    base = server_url(request)
    etag = '"' + hashlib.sha256(f"{cached.digest}|{base}".encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if etag in (t.strip() for t in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers=headers)
    body = cached.body.replace(PLACEHOLDER, orjson.dumps(base)[1:-1])
    return Response(body, media_type="application/json", headers=headers)


async def standard_core(request: Request) -> Response:
    return _answer(request, standard_document(request, "core"))


async def standard_metadata(request: Request) -> Response:
    return _answer(request, standard_document(request, "metadata"))


async def open_api_core(request: Request) -> Response:
    return await serve_document(request, "core")


async def open_api_metadata(request: Request) -> Response:
    return await serve_document(request, "metadata")


async def docs_page(request: Request) -> Response:
    page = docs.PAGE if docs.assets_directory() is not None else docs.MISSING
    return HTMLResponse(page)


async def docs_slash(request: Request) -> Response:
    return RedirectResponse(str(request.url.replace(path=request.url.path.rstrip("/"))), status_code=308)


def routes() -> list[BaseRoute]:
    """Routes mounted before the catch-all ``/rest/{path}``."""
    out: list[BaseRoute] = [
        Route("/rest/open-api/core", open_api_core, methods=["GET"]),
        Route("/open-api/core", open_api_core, methods=["GET"]),
        Route("/rest/open-api/metadata", open_api_metadata, methods=["GET"]),
        Route("/open-api/metadata", open_api_metadata, methods=["GET"]),
        Route("/rest/docs", docs_page, methods=["GET"]),
        Route("/rest/docs/", docs_slash, methods=["GET"]),
        Route("/rest/docs/standard/core", standard_core, methods=["GET"]),
        Route("/rest/docs/standard/metadata", standard_metadata, methods=["GET"]),
    ]
    assets = docs.assets_directory()
    if assets is not None:
        out.append(Mount("/rest/docs/assets", app=StaticFiles(directory=assets), name="docs-assets"))
    return out
