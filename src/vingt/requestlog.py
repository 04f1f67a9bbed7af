"""Request ids and the request log: one line per request on stderr.

Every request gets an id — the client's ``X-Request-Id`` when it sends a usable one (1 to 128
visible ASCII characters), else a new one — echoed on the response and put in the ``details`` of
every error body (``errors.ApiError``), so that a client's report and the server's log line meet.
The line says the method, the route template (``/rest/{object}/{id}``: the path with its names and
ids abstracted, so that lines group), the status, the duration, the workspace and the request id;
as text by default, as one JSON object with ``--log-format json`` (``VINGT_LOG_FORMAT``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vingt import metrics

log = logging.getLogger("vingt.request")

REQUEST_ID: ContextVar[str | None] = ContextVar("vingt_request_id", default=None)
HEADER = "x-request-id"
_USABLE = re.compile(r"[\x21-\x7e]{1,128}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
# the words under /rest that name a route, not an object
_REST_WORDS = frozenset({"batch", "restore", "metadata", "webhooks", "events", "open-api", "docs", "duplicates",
                         "merge", "groupBy", "objects", "fields", "relations", "deliveries", "redeliver", "core"})


def route_template(path: str) -> str:
    """``/rest/people/7f3c…`` → ``/rest/{object}/{id}``: names of objects and ids abstracted."""
    parts = path.split("/")
    if len(parts) < 3 or parts[1] != "rest":
        return path
    out = parts[:2]
    for part in parts[2:]:
        if _UUID.fullmatch(part):
            out.append("{id}")
        elif part in _REST_WORDS or not part:
            out.append(part)
        else:
            out.append("{object}")
    return "/".join(out)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = getattr(record, "request", None)
        if line is None:
            return super().format(record)
        return (f"{line['method']} {line['route']} {line['status']} {line['durationMs']:.1f}ms "
                f"workspace={line['workspaceId'] or '-'} request={line['requestId']}")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = getattr(record, "request", None)
        if line is None:
            line = {"level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        return orjson.dumps(line).decode()


def configure(log_format: str) -> None:
    """The request log's handler on stderr, in ``text`` or ``json``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    # no record of this process says its pid, thread or process name: each costs a call (getpid
    # a system call) per line
    logging.logProcesses = logging.logThreads = logging.logMultiprocessing = False


class RequestLog:
    """ASGI middleware: the request id (``REQUEST_ID``, the response header), the request's
    metrics (``metrics.observe_request``) and the log line."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = given if given is not None and _USABLE.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        started_response = False
        counted = False
        template: str | None = None

        def count() -> float:
            # counted under the template of the route that served it; a path no route serves
            # under one name, so that what clients send cannot multiply the series
            nonlocal counted, template
            seconds = time.perf_counter() - started
            if not counted:
                counted = True
                if scope.get("route") is not None:
                    template = route_template(scope["path"])
                    route = template
                else:
                    route = metrics.UNMATCHED
                metrics.observe_request(route, scope["method"], status, seconds)
            return seconds

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode("latin-1"))]
            elif not message.get("more_body", False):
                count()  # before the client can have the whole answer (and scrape the metrics)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            # the server's shutdown bound (VINGT_SHUTDOWN_TIMEOUT_SECONDS) cut the request: its
            # transaction is rolled back; say so in the error body rather than a bare 500
            if started_response:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            await _send_error(send_with_id, "SHUTTING_DOWN",
                              "The server shut down before this request finished; nothing it wrote was kept. "
                              "Send it again.")
        finally:
            REQUEST_ID.reset(token)
            seconds = count()
            if log.isEnabledFor(logging.INFO):
                state: dict[str, Any] = scope.get("state") or {}
                # the record made as ``log.info`` makes it, less the look up the stack for the
                # caller's file and line, which no formatter of this log shows
                log.handle(log.makeRecord(log.name, logging.INFO, "(unknown file)", 0, "request", (), None, extra={
                    "request": {
                        "method": scope["method"], "route": template or route_template(scope["path"]),
                        "status": status, "durationMs": round(seconds * 1000, 1),
                        "workspaceId": state.get("workspace_id"), "requestId": request_id,
                    },
                }))


async def _send_error(send: Send, code: str, message: str) -> None:
    from vingt.errors import ApiError  # errors reads REQUEST_ID from here

    error = ApiError(code, message, headers={"Retry-After": "1"})
    headers = [(b"content-type", b"application/json"), (b"retry-after", b"1"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": error.render()})
