"""The ``webhookDelivery`` and ``webhookAttempt`` tables, and the outbox rows they are made from.

Claiming is exclusive between processes. Events are fanned out by one process at a time (on
PostgreSQL a transaction-scoped advisory lock, tried, not waited for; on SQLite the write
transaction itself, ``BEGIN IMMEDIATE``), which gives each its place in the change feed in the
order they became visible. Deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` (a row another
process holds is passed over, not waited for) on PostgreSQL, by the single writer on SQLite.
Statements whose shape never changes are compiled once per dialect; the others take lists of
ids, compiled per call (once per batch, not per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from vingt.db import system
from vingt.db.database import Connection, Database
from vingt.db.statements import compiled_once, execute, execute_rows, fetch
from vingt.sql.dialect import Dialect

E = system.event
W = system.webhook
D = system.webhook_delivery
A = system.webhook_attempt

DELIVERY_COLUMNS = ("id", "workspaceId", "webhookId", "eventId", "eventName", "status", "attempts", "nextAttemptAt",
                    "eventDate", "createdAt", "updatedAt")
ATTEMPT_COLUMNS = ("id", "deliveryId", "attemptedAt", "durationMs", "statusCode", "error", "response")
OUTCOME_PARAMS = ("status", "nextAttemptAt", "updatedAt", "id")


@dataclass(frozen=True)
class PendingEvent:
    seq: int
    id: str
    workspace_id: str
    name: str


@dataclass(frozen=True)
class Due:
    """A claimed delivery with what its attempt needs (the webhook as it is now, the event)."""

    id: str
    webhook_id: str
    event_id: str
    status: str
    attempts: int
    created_at: str
    event_date: str
    target_url: str
    secret: str
    webhook_deleted: bool
    # workspaceId, objectMetadataId, objectName, action, before, after, updatedFields, recordId, apiKeyId
    event: tuple[Any, ...] | None


# ---- fan-out: undispatched events → deliveries ---------------------------------------------------


FAN_OUT_LOCK = 0x76696E67_74657631  # the advisory lock of the fan-out (PostgreSQL)


async def fan_out_turn(conn: Connection, dialect: Dialect) -> bool:
    """Whether this transaction is the one fanning out now (it holds the turn until it ends)."""
    if dialect.name != "postgresql":
        return True  # SQLite: the write transaction already excludes every other writer
    rows = await conn.fetch("SELECT pg_try_advisory_xact_lock($1)", [FAN_OUT_LOCK])
    return bool(rows[0][0])


async def claim_events(conn: Connection, dialect: Dialect, limit: int) -> list[PendingEvent]:
    """The oldest events not dispatched yet (the caller holds the fan-out turn)."""
    stmt = (
        sa.select(E.c.seq, E.c.id, E.c.workspaceId, E.c.objectName, E.c.action)
        .where(E.c.dispatchedAt.is_(None))
        .order_by(E.c.seq)
        .limit(limit)
    )
    return [PendingEvent(int(r[0]), r[1], r[2], f"{r[3]}.{r[4]}") for r in await fetch(conn, dialect, stmt)]


async def last_feed_seq(conn: Connection, dialect: Dialect) -> int:
    rows = await fetch(conn, dialect, sa.select(sa.func.max(E.c.feedSeq)))
    return int(rows[0][0] or 0)


@dataclass(frozen=True)
class LiveWebhook:
    id: str
    workspace_id: str
    operations: str  # JSON
    target_url: str
    secret: str


async def live_webhooks(conn: Connection, dialect: Dialect, workspace_ids: list[str]) -> list[LiveWebhook]:
    """The webhooks of these workspaces that are not deleted."""
    stmt = sa.select(W.c.id, W.c.workspaceId, W.c.operations, W.c.targetUrl, W.c.secret).where(
        W.c.deletedAt.is_(None), W.c.workspaceId.in_(workspace_ids)
    )
    return [LiveWebhook(*r) for r in await fetch(conn, dialect, stmt)]


EVENT_DATA = (E.c.workspaceId, E.c.objectMetadataId, E.c.objectName, E.c.action, E.c.before, E.c.after,
              E.c.updatedFields, E.c.recordId, E.c.apiKeyId)


async def event_data(conn: Connection, dialect: Dialect, event_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """What attempts need of these events (``Due.event``), by event id."""
    stmt = sa.select(E.c.id, *EVENT_DATA).where(E.c.id.in_(event_ids))
    return {r[0]: tuple(r[1:]) for r in await fetch(conn, dialect, stmt)}


async def insert_deliveries(conn: Connection, dialect: Dialect, rows: list[Sequence[Any]]) -> None:
    """New deliveries (values in ``DELIVERY_COLUMNS`` order)."""
    sql = compiled_once(
        dialect, "insert_delivery", lambda: sa.insert(D).values({c: sa.bindparam(c) for c in DELIVERY_COLUMNS}),
        DELIVERY_COLUMNS,
    )
    await execute_rows(conn, sql, rows)


async def mark_dispatched(conn: Connection, dialect: Dialect, events: list[PendingEvent], now: str) -> None:
    """The events dispatched, numbered in the change feed after every event before them, in
    ``seq`` order (one statement: ``feedSeq = seq + offset``; the numbers need not be consecutive,
    only increasing)."""
    offset = await last_feed_seq(conn, dialect) + 1 - min(e.seq for e in events)
    await execute(conn, dialect, sa.update(E).where(E.c.seq.in_([e.seq for e in events])).values(
        dispatchedAt=now, feedSeq=E.c.seq + offset,
    ))


# ---- attempts ---------------------------------------------------------------------------------------

_DUE_COLUMNS = (
    D.c.id, D.c.webhookId, D.c.eventId, D.c.status, D.c.attempts, D.c.createdAt, D.c.eventDate,
    W.c.targetUrl, W.c.secret, W.c.deletedAt, *EVENT_DATA,
)


def _due(r: Sequence[Any]) -> Due:
    return Due(
        r[0], r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7], r[8], r[9] is not None,
        tuple(r[10:19]) if r[10] is not None else None,
    )


def _joined() -> Any:
    return D.join(W, W.c.id == D.c.webhookId).outerjoin(E, E.c.id == D.c.eventId)


async def claim_due(conn: Connection, dialect: Dialect, now: str, lease_until: str, limit: int) -> list[Due]:
    """The pending deliveries due at ``now``, oldest due first, leased until ``lease_until``
    (a process that dies holding them leaves them due again then)."""
    stmt = (
        sa.select(*_DUE_COLUMNS)
        .select_from(_joined())
        .where(D.c.status == "pending", D.c.nextAttemptAt <= now)
        .order_by(D.c.nextAttemptAt)
        .limit(limit)
        .with_for_update(skip_locked=True, of=D)
    )
    due = [_due(r) for r in await fetch(conn, dialect, stmt)]
    if due:
        await execute(
            conn, dialect, sa.update(D).where(D.c.id.in_([d.id for d in due])).values(nextAttemptAt=lease_until)
        )
    return due


async def load_due(db: Database | Connection, dialect: Dialect, webhook_id: str, delivery_id: str) -> Due | None:
    """One delivery of a webhook with what an attempt needs (for a redelivery)."""
    stmt = sa.select(*_DUE_COLUMNS).select_from(_joined()).where(D.c.id == delivery_id, D.c.webhookId == webhook_id)
    rows = await fetch(db, dialect, stmt)
    return _due(rows[0]) if rows else None


async def record_outcomes(
    conn: Connection, dialect: Dialect, attempts: list[Sequence[Any]], outcomes: list[Sequence[Any]],
) -> None:
    """Append attempts (``ATTEMPT_COLUMNS`` order) and set their deliveries' state (``OUTCOME_PARAMS``
    order). A delivery that has succeeded stays succeeded whatever a concurrent attempt found."""
    await execute_rows(conn, compiled_once(
        dialect, "insert_attempt", lambda: sa.insert(A).values({c: sa.bindparam(c) for c in ATTEMPT_COLUMNS}),
        ATTEMPT_COLUMNS,
    ), attempts)
    done = D.c.status == sa.literal_column("'succeeded'")
    await execute_rows(conn, compiled_once(
        dialect, "outcome",
        lambda: sa.update(D).where(D.c.id == sa.bindparam("id")).values(
            status=sa.case((done, D.c.status), else_=sa.bindparam("status")),
            nextAttemptAt=sa.case((done, sa.null()), else_=sa.bindparam("nextAttemptAt")),
            updatedAt=sa.bindparam("updatedAt"),
            attempts=D.c.attempts + sa.literal_column("1"),
        ),
        OUTCOME_PARAMS,
    ), outcomes)


async def fail_pending(conn: Connection, dialect: Dialect, now: str, *, webhook_id: str | None = None,
                       ids: list[str] | None = None) -> None:
    """Pending deliveries that can never be made (their webhook deleted, their event gone) end as
    ``failed``: those of a webhook, or those named."""
    where = D.c.webhookId == webhook_id if webhook_id is not None else D.c.id.in_(ids or [])
    await execute(conn, dialect, sa.update(D).where(where, D.c.status == "pending").values(
        status="failed", nextAttemptAt=None, updatedAt=now,
    ))


# ---- retention ---------------------------------------------------------------------------------------

PRUNE_BATCH = 5000


async def prune(conn: Connection, dialect: Dialect, before: str) -> int:
    """Delete up to ``PRUNE_BATCH`` finished deliveries (with their attempts) and as many dispatched
    events made before ``before``; an event a pending delivery still needs is kept. The number of
    rows deleted."""
    finished = (
        sa.select(D.c.id).where(D.c.createdAt < before, D.c.status != sa.literal_column("'pending'"))
        .limit(PRUNE_BATCH).scalar_subquery()
    )
    gone = await execute(conn, dialect, sa.delete(D).where(D.c.id.in_(finished)))
    needed = sa.exists().where(D.c.eventId == E.c.id, D.c.status == sa.literal_column("'pending'"))
    old = (
        sa.select(E.c.seq).where(E.c.createdAt < before, E.c.dispatchedAt.is_not(None), ~needed)
        .limit(PRUNE_BATCH).scalar_subquery()
    )
    return gone + await execute(conn, dialect, sa.delete(E).where(E.c.seq.in_(old)))


# ---- metrics ---------------------------------------------------------------------------------------


async def unfinished_counts(db: Database, dialect: Dialect) -> dict[str, int]:
    """How many deliveries are ``pending`` and ``failed`` (those kept: finished ones go with the
    retention), counted on the ``(status, nextAttemptAt)`` index."""
    stmt = (
        sa.select(D.c.status, sa.func.count())
        .where(D.c.status.in_([sa.literal_column("'pending'"), sa.literal_column("'failed'")]))
        .group_by(D.c.status)
    )
    counts = {"pending": 0, "failed": 0}
    counts.update({r[0]: int(r[1]) for r in await fetch(db, dialect, stmt)})
    return counts


# ---- the delivery log ---------------------------------------------------------------------------------


async def delivery_position(db: Database, dialect: Dialect, webhook_id: str, delivery_id: str) -> str | None:
    """The ``createdAt`` of a webhook's delivery (a cursor's place), or None."""
    rows = await fetch(db, dialect, sa.select(D.c.createdAt).where(D.c.id == delivery_id, D.c.webhookId == webhook_id))
    return rows[0][0] if rows else None


async def list_deliveries(
    db: Database, dialect: Dialect, webhook_id: str, status: str | None, limit: int, after: tuple[str, str] | None,
) -> list[dict[str, Any]]:
    """A page of a webhook's deliveries, newest first (``limit`` + 1 rows tell whether more follow),
    each with its attempts in the order they were made."""
    stmt = sa.select(*[D.c[c] for c in DELIVERY_COLUMNS]).where(D.c.webhookId == webhook_id)
    if status is not None:
        stmt = stmt.where(D.c.status == status)
    if after is not None:
        stmt = stmt.where(sa.tuple_(D.c.createdAt, D.c.id) < sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
    stmt = stmt.order_by(D.c.createdAt.desc(), D.c.id.desc()).limit(limit + 1)
    rows = [dict(zip(DELIVERY_COLUMNS, r, strict=True)) for r in await fetch(db, dialect, stmt)]
    return await _with_attempts(db, dialect, rows)


async def get_delivery(db: Database | Connection, dialect: Dialect, webhook_id: str, delivery_id: str) -> dict[str, Any] | None:
    stmt = sa.select(*[D.c[c] for c in DELIVERY_COLUMNS]).where(D.c.id == delivery_id, D.c.webhookId == webhook_id)
    rows = [dict(zip(DELIVERY_COLUMNS, r, strict=True)) for r in await fetch(db, dialect, stmt)]
    return (await _with_attempts(db, dialect, rows))[0] if rows else None


async def _with_attempts(db: Database | Connection, dialect: Dialect, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return rows
    stmt = (
        sa.select(*[A.c[c] for c in ATTEMPT_COLUMNS])
        .where(A.c.deliveryId.in_([r["id"] for r in rows]))
        .order_by(A.c.attemptedAt, A.c.id)
    )
    by_delivery: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    for a in await fetch(db, dialect, stmt):
        attempt = dict(zip(ATTEMPT_COLUMNS, a, strict=True))
        by_delivery[attempt.pop("deliveryId")].append(attempt)
    for r in rows:
        r["attempts"], r["attemptCount"] = by_delivery[r["id"]], r["attempts"]
    return rows
