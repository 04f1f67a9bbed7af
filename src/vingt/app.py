"""The ASGI application: routes, error handling, and the lifespan that opens the database."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from vingt import metrics, requestlog
from vingt.db.changes import ChangeFeed
from vingt.db.database import DataError, open_database
from vingt.db.url import parse_database_url
from vingt.errors import ApiError, url_too_long
from vingt.graphql_api import core as core_graphql
from vingt.graphql_api import graphiql
from vingt.graphql_api import metadata as metadata_graphql
from vingt.home import home
from vingt.openapi.routes import routes as openapi_routes
from vingt.ratelimit import RateLimiter, spend_rate, with_rate_headers
from vingt.readiness import readyz
from vingt.registry import Registry
from vingt.rest import events, idempotency, metadata, records, webhooks
from vingt.retry import retrying
from vingt.settings import Settings
from vingt.sql.dialect import dialect_for
from vingt.webhooks import wake
from vingt.webhooks.dispatcher import Dispatcher
from vingt.workspaces import app_secret

log = logging.getLogger("vingt")

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
# allocations (less deallocations) between two young-generation collections; Python's default is 700
GC_THRESHOLD = 20_000


def error_response(exc: ApiError) -> Response:
    return Response(exc.render(), status_code=exc.status, media_type="application/json", headers=exc.headers)


async def rest_endpoint(request: Request) -> Response:
    return with_rate_headers(request, await _rest_answer(request))


async def _rest_answer(request: Request) -> Response:
    try:
        # a stale catalog or a deadlock: the request runs again (the body is kept by the request)
        return await retrying(request, lambda: _rest_once(request))
    except ApiError as exc:
        return error_response(exc)
    except DataError as exc:
        return error_response(ApiError("VALIDATION_ERROR", f"The database refused a value: {exc}", {}))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(ApiError("INTERNAL_ERROR", "Internal server error"))


# paths under /rest served by their own GET-only routes (the OpenAPI documents, the reference
# page): another method reaches the catch-all, and is answered as what it is, a 405
GET_ONLY_PREFIXES = ("open-api/", "docs/")
GET_ONLY_PATHS = ("docs",)


async def _rest_once(request: Request) -> Response:
    path = request.path_params["path"]
    get_only = path in GET_ONLY_PATHS or path.startswith(GET_ONLY_PREFIXES)
    if get_only and request.method != "GET":
        raise ApiError(
            "METHOD_NOT_ALLOWED", f"Cannot {request.method} {request.url.path}",
            {"method": request.method, "allowed": ["GET"]}, headers={"Allow": "GET"},
        )
    principal = await request.app.state.registry.authenticate(request.headers.get("authorization"))
    request.state.workspace_id = principal.workspace_id  # for the request log
    await spend_rate(request, principal.workspace_id, 1)
    handler = records.handle
    ddl = path == "metadata" or path.startswith("metadata/")
    if ddl:
        handler = metadata.handle
        path = path[len("metadata/") :]
    if not ddl and (path == "events" or path.startswith("events/")):
        handler, path = events.handle, path[len("events") :]
    if path == "webhooks" or path.startswith("webhooks/"):
        # /rest/webhooks is Twenty's older spelling of /rest/metadata/webhooks
        handler, ddl = webhooks.handle, False
        path = path[len("webhooks") :]
    if request.method == "GET" or (handler is webhooks.handle and webhooks.sends(path)):
        # a redelivery makes an HTTP call, which no transaction may wait on (nor does an
        # Idempotency-Key mean anything for "send it again")
        return await handler(request, principal, path)  # type: ignore[no-any-return]
    response = await idempotency.guarded(request, principal, lambda: handler(request, principal, path), ddl=ddl)
    request.app.state.dispatcher.wake()  # the write has committed: its events can go out
    return response


async def not_found(request: Request, exc: Exception) -> Response:
    return error_response(
        ApiError("ROUTE_NOT_FOUND", f"Cannot {request.method} {request.url.path}", {"path": request.url.path})
    )


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    headers = dict(getattr(exc, "headers", None) or {})
    return error_response(
        ApiError(
            "METHOD_NOT_ALLOWED",
            f"Cannot {request.method} {request.url.path}",
            {"method": request.method, "allowed": [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]},
            headers={"Allow": headers["Allow"]} if "Allow" in headers else None,
        )
    )


class RequestBounds:
    """ASGI middleware: a request target longer than ``max_url_bytes`` (400 ``URL_TOO_LONG``) or
    with more than ``max_query_parameters`` parameters (400 ``TOO_MANY_PARAMETERS``) is refused
    before routing. ``vingt serve`` refuses the longest URLs before the app already
    (``vingt.protocol``); this holds for any server."""

    def __init__(self, app: ASGIApp, max_url_bytes: int, max_query_parameters: int):
        self.app = app
        self.max_url_bytes = max_url_bytes
        self.max_query_parameters = max_query_parameters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope)
            if refusal is not None:
                await error_response(refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> ApiError | None:
        query: bytes = scope.get("query_string", b"")
        path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        if len(path) + (len(query) + 1 if query else 0) > self.max_url_bytes:
            return url_too_long(self.max_url_bytes)
        if query.count(b"&") >= self.max_query_parameters:  # cheap first: at most that many pieces
            count = sum(1 for piece in query.split(b"&") if piece)
            if count > self.max_query_parameters:
                return ApiError(
                    "TOO_MANY_PARAMETERS",
                    f"The request has {count} query parameters; at most {self.max_query_parameters} are accepted",
                    {"limit": self.max_query_parameters, "count": count},
                )
        return None


async def health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: open, or for ``Authorization: Bearer <VINGT_METRICS_TOKEN>`` when it is set;
    not rate-limited (it belongs to no workspace)."""
    token = request.app.state.settings.metrics_token
    if token and not metrics.authorized(request.headers.get("authorization"), token):
        return error_response(ApiError(
            "UNAUTHENTICATED", "The metrics need the metrics token: Authorization: Bearer <VINGT_METRICS_TOKEN>",
            {"reason": "METRICS_TOKEN"}, headers={"WWW-Authenticate": "Bearer"},
        ))
    body = await metrics.exposition(request.app.state.db, request.app.state.dialect)
    return Response(body, media_type=metrics.CONTENT_TYPE)


class App(Starlette):
    """Starlette, whose hot routes — the REST catch-all (``/rest/{path}``, the records' routes)
    and ``/graphql`` — are reached without its routing: a request one of them serves (every
    method it takes; for the catch-all, under ``/rest/`` and on no path another route serves)
    goes through the same request log and URL bounds as the others (``RequestBounds.refusal``,
    before the route is known), then to its endpoint: without Starlette's exception middleware
    (nothing leaves these endpoints as an exception it would handle), its router's walk of every
    route, or ``request_response``'s wrappers. The server error middleware stays outermost, as
    for the others. Any other request (other paths and methods, a ``root_path``) takes the
    middleware stack."""

    def __init__(self, *, bounds: tuple[int, int], **kwargs: Any):
        super().__init__(**kwargs)
        self.rest_route: Route | None = None
        self.graphql_route = next(
            (r for r in self.router.routes if isinstance(r, Route) and r.endpoint is core_graphql.endpoint), None
        )
        # the exact paths, and the prefixes of the mounts, of the routes before the catch-all
        claimed: set[str] = set()
        mounted: list[str] = []
        for route in self.router.routes:
            if isinstance(route, Route) and route.endpoint is rest_endpoint:
                self.rest_route = route
                break
            if isinstance(route, Route) and not route.param_convertors:
                claimed.add(route.path)
            elif isinstance(route, Mount):
                mounted.append(route.path)
            else:
                break  # a route of another shape before it: every request takes the stack
        self.claimed = frozenset(claimed)
        self.mounted = tuple(mounted)
        self.rest_methods = frozenset(self.rest_route.methods or ()) if self.rest_route else frozenset()
        self.graphql_methods = frozenset(self.graphql_route.methods or ()) if self.graphql_route else frozenset()
        self.bounds = RequestBounds(self._direct, *bounds)
        self.direct_stack = ServerErrorMiddleware(requestlog.RequestLog(self._direct), debug=self.debug)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            path, method = scope["path"], scope["method"]
            if path == "/graphql" and method in self.graphql_methods:
                scope["app"] = self
                scope["direct"] = (self.graphql_route, {})
                await self.direct_stack(scope, receive, send)
                return
            if (
                self.rest_route is not None
                and method in self.rest_methods
                and path.startswith("/rest/")
                and path not in self.claimed
                and not path.startswith(self.mounted)
            ):
                match = self.rest_route.path_regex.match(get_route_path(scope))
                if match is not None:
                    scope["app"] = self
                    scope["direct"] = (self.rest_route, {"path": match.group("path")})
                    await self.direct_stack(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    async def _direct(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What ``RequestBounds``, the router, the route and ``request_response`` did for a hot
        route's endpoint."""
        refusal = self.bounds.refusal(scope)
        if refusal is not None:
            await error_response(refusal)(scope, receive, send)
            return
        route, params = scope.pop("direct")
        scope.setdefault("router", self.router)
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = params
        response = await route.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


def serve_app() -> Starlette:
    """The application of a ``vingt serve`` process (uvicorn's factory): ``create_app`` whose
    start freezes what start-up made out of the garbage collector's reach (see ``quiet_gc``)."""
    return create_app(freeze_gc=True)


def quiet_gc() -> None:
    """Collect less often, and never look at what the process made to start (modules, SQLAlchemy,
    graphql-core, the pool): requests allocate many short-lived objects, and with Python's
    default thresholds a full collection walked that whole heap every few hundred requests
    (8 % of a create's CPU, and the pauses in the p99 latency). Catalogs are loaded later, by
    requests, so a superseded one is still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)


def create_app(settings: Settings | None = None, *, freeze_gc: bool = False) -> Starlette:
    settings = settings or Settings.from_env()
    url = parse_database_url(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = open_database(url)
        await db.start()
        changes = ChangeFeed(db)
        await changes.start()
        dialect = dialect_for(db.kind)
        app.state.settings = settings
        app.state.db = db
        app.state.dialect = dialect
        app.state.registry = Registry(
            db,
            dialect,
            await app_secret(db, settings.secret),
            changes,
            statement_cache_size=settings.statement_cache_size,
            selection_cache_size=settings.selection_cache_size,
        )
        app.state.limiter = RateLimiter(
            settings.rate_limit_per_second, settings.rate_limit_per_minute, settings.redis_url
        )
        # beside a delivery process (``vingt serve`` on PostgreSQL: webhooks/process.py) writes wake
        # it; otherwise this process delivers
        elsewhere = wake.socket_path()
        app.state.dispatcher = Dispatcher(db, dialect, settings, wake.Waker(elsewhere) if elsewhere else None)
        if settings.webhook_delivery and elsewhere is None:
            app.state.dispatcher.start()
        sampler = metrics.Sampler(db)
        sampler.start()
        if freeze_gc:
            quiet_gc()
        try:
            yield
        finally:
            await sampler.stop()
            await app.state.dispatcher.stop()
            await changes.close()
            await db.close()

    if settings.log_requests:
        requestlog.configure(settings.log_format)
    return App(
        bounds=(settings.max_url_bytes, settings.max_query_parameters),
        middleware=[
            Middleware(requestlog.RequestLog),
            Middleware(RequestBounds, settings.max_url_bytes, settings.max_query_parameters),
        ],
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/metadata", metadata_graphql.endpoint, methods=["GET", "POST"]),
            Route("/graphql", core_graphql.endpoint, methods=["GET", "POST"]),
            *graphiql.routes(),
            *openapi_routes(),
            Route("/rest/{path:path}", rest_endpoint, methods=METHODS),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
        lifespan=lifespan,
    )
