"""``Idempotency-Key`` on writes (DECISIONS.md §3, docs/write-contract.md).

A POST, PATCH, PUT or DELETE under ``/rest`` that carries ``Idempotency-Key`` runs at most
once per (workspace, key) within 24 hours:

1. **claim**: insert ``idempotencyKey(workspaceId, key, requestHash, claimId, createdAt)`` in
   its own short transaction (``ON CONFLICT DO NOTHING``). The primary key on
   (workspaceId, key) lets exactly one request win, across processes.
2. a request that loses the claim reads the row: another request hash → 409
   ``IDEMPOTENCY_KEY_REUSED``; completed → the stored response is replayed with
   ``Idempotent-Replayed: true``; still in progress → wait (polling) up to ``WAIT_SECONDS``
   for it to complete and replay it, then 409 ``IDEMPOTENCY_KEY_IN_PROGRESS``. A claim older
   than ``STALE_SECONDS`` (its process died) is taken over; a row older than ``TTL`` is
   ignored (deleted and claimed afresh).
3. the winner runs the write in a unit of work (``Database.unit``) and stores status, body
   and headers **in the write's transaction**: the write and its completed key commit
   together or not at all, so a crash at any point cannot let a retry write twice (a
   crash before the commit leaves the bare claim, which a retry takes over once stale). A
   refused write (a 4xx) rolls back, and its response is then stored on its own, to be
   replayed like a success; on a 5xx, 408, 429 or an exception the claim is released so
   that a retry runs the write again.

The request hash covers the method, the path, the raw query string and the body bytes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vingt.db.database import DataError
from vingt.db.idempotency import Claim, IdempotencyStore
from vingt.errors import ApiError
from vingt.registry import Principal
from vingt.rest.body import read_bytes
from vingt.sql.dialect import iso_ms

log = logging.getLogger("vingt.idempotency")

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
MAX_KEY_LENGTH = 255
TTL = dt.timedelta(hours=24)
# how long a request waits for a concurrent one holding the same key
WAIT_SECONDS = 5.0
# a claim older than this is presumed dead (its process crashed) and may be taken over
STALE_SECONDS = 60.0
# expired rows are deleted at most this often per process
CLEANUP_EVERY = 300.0
# responses not stored: the claim is released so that a retry runs the write again
TRANSIENT = frozenset({408, 429})
# response headers not stored (recomputed, or about this delivery rather than the result)
UNSTORED_HEADERS = frozenset({"content-length", "date", "server", "set-cookie", "connection", "transfer-encoding"})

_last_cleanup = 0.0


def validate_key(values: list[str]) -> str:
    if len(values) != 1:
        raise _bad_key("Idempotency-Key must be given once", len(values))
    key = values[0]
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise _bad_key(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long", len(key))
    if any(not 0x20 <= ord(ch) <= 0x7E for ch in key):
        raise _bad_key("Idempotency-Key must consist of printable ASCII characters", len(key))
    return key


def _bad_key(message: str, length: int) -> ApiError:
    return ApiError(
        "INVALID_PARAMETER", message, {"header": HEADER, "length": length, "maxLength": MAX_KEY_LENGTH}
    )


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


async def guarded(
    request: Request, principal: Principal, call: Callable[[], Awaitable[Response]], *, ddl: bool = False
) -> Response:
    """Run a write once per (workspace, key, request); replay the stored response otherwise.
    ``ddl``: the write changes tables (a metadata change), see ``Database.transaction``."""
    if request.method not in METHODS:
        return await call()
    values = request.headers.getlist(HEADER)
    if not values:
        return await call()
    key = validate_key(values)
    body = await read_bytes(request, request.app.state.settings.max_body_bytes)
    digest = request_hash(request.method, request.url.path, request.scope.get("query_string", b""), body)
    db = request.app.state.db
    store = IdempotencyStore(db, request.app.state.dialect)
    outcome = await _claim(store, principal.workspace_id, key, digest)
    if isinstance(outcome, Response):
        return outcome
    claim = outcome
    stored = False
    try:
        async with db.unit(ddl=ddl):
            try:
                response = await call()
            except DataError as exc:  # as app.rest_endpoint renders it
                raise ApiError("VALIDATION_ERROR", f"The database refused a value: {exc}", {}) from exc
            stored = await _store(store, claim, response)  # joins the write's transaction
    except ApiError as exc:
        # the write rolled back: nothing to protect but the answer
        if exc.status >= 500 or exc.status in TRANSIENT:
            await _release(store, claim)
            raise
        response = Response(exc.render(), status_code=exc.status, media_type="application/json", headers=exc.headers)
        if not await _store_alone(store, claim, response):
            await _release(store, claim)
    except BaseException:
        await _release(store, claim)
        raise
    else:
        if not stored:
            await _release(store, claim)
    await _cleanup(store)
    return response




# ---- the claim ----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _claim(store: IdempotencyStore, workspace_id: str, key: str, digest: str) -> Claim | Response:
    deadline = time.monotonic() + WAIT_SECONDS
    pause = 0.01
    while True:
        now = _now()
        claim = Claim(workspace_id, key, str(uuid.uuid4()))
        if await store.claim(claim, digest, iso_ms(now)):
            return claim
        stored = await store.read(workspace_id, key)
        if stored is None:
            continue  # released meanwhile: claim it
        if stored.created_at < iso_ms(now - TTL):
            # expired: forget it and claim afresh
            await store.forget(workspace_id, key, stored.claim_id)
            continue
        if stored.request_hash != digest:
            raise ApiError(
                "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was already used with a different request (method, path, query or body)",
                {"header": HEADER, "key": key},
            )
        if stored.completed_at is not None:
            return _replay(int(stored.status or 200), str(stored.body), str(stored.headers))
        if stored.created_at < iso_ms(now - dt.timedelta(seconds=STALE_SECONDS)):
            # the owner is presumed dead: take the claim over
            if await store.take_over(claim, stored.claim_id, iso_ms(now)):
                log.warning("idempotency key %r of workspace %s: stale claim taken over", key, workspace_id)
                return claim
            continue
        if time.monotonic() >= deadline:
            raise ApiError(
                "IDEMPOTENCY_KEY_IN_PROGRESS",
                "A request with this Idempotency-Key is still in progress; retry later",
                {"header": HEADER, "key": key},
                headers={"Retry-After": "1"},
            )
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, 0.2)


def _replay(status: int, body: str, headers: str) -> Response:
    response = Response(body.encode(), status_code=status)
    for name, value in orjson.loads(headers):
        response.headers.append(name, value)
    response.headers[REPLAYED] = "true"
    return response


def _storable(response: Response) -> tuple[str, str] | None:
    """The body and headers to store of a response that is replayed to a retry, else
    ``None`` (a 5xx, 408 or 429, a streamed or non-text body)."""
    body = getattr(response, "body", None)
    if response.status_code >= 500 or response.status_code in TRANSIENT or not isinstance(body, bytes):
        return None
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return None
    headers = [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in response.raw_headers
        if k.decode("latin-1").lower() not in UNSTORED_HEADERS and not k.lower().startswith(b"x-ratelimit-")
    ]
    return text, orjson.dumps(headers).decode()


async def _store(store: IdempotencyStore, claim: Claim, response: Response) -> bool:
    """Complete the claim with ``response`` (in the transaction of the write, when called in
    its unit of work): True when stored."""
    storable = _storable(response)
    if storable is None:
        return False
    await store.complete(claim, response.status_code, storable[0], storable[1], iso_ms(_now()))
    return True


async def _store_alone(store: IdempotencyStore, claim: Claim, response: Response) -> bool:
    """``_store`` in a transaction of its own, for a refused write; a failure is logged."""
    try:
        return await _store(store, claim, response)
    except Exception:
        log.exception("could not store the response of idempotency key %r", claim.key)
        return False


async def _release(store: IdempotencyStore, claim: Claim) -> None:
    try:
        await store.release(claim)
    except Exception:
        log.exception("could not release idempotency key %r", claim.key)


async def _cleanup(store: IdempotencyStore) -> None:
    """Delete expired rows, at most every ``CLEANUP_EVERY`` seconds per process."""
    global _last_cleanup
    if time.monotonic() - _last_cleanup < CLEANUP_EVERY:
        return
    _last_cleanup = time.monotonic()
    try:
        await store.delete_older_than(iso_ms(_now() - TTL))
    except Exception:
        log.exception("could not delete expired idempotency keys")
