"""The ``webhookDelivery``, ``webhookAttempt`` and ``webhookLease`` tables, and the outbox rows
they are made from.

On PostgreSQL the deliveries a fan-out sends at once are written once, with their first attempt
(``record_first_outcomes``); until then one ``webhookLease`` row per batch stands for them, and
a lease that expires (its process died) gives them back as due deliveries (``recover_leases``, in
every claim of due deliveries). SQLite writes them at fan-out and updates them after the attempt.

Claiming is exclusive between processes. Events are fanned out by one process at a time (on
PostgreSQL a transaction-scoped advisory lock, tried, not waited for; on SQLite the write
transaction itself, ``BEGIN IMMEDIATE``), which gives each its place in the change feed in the
order they became visible. Deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` (a row another
process holds is passed over, not waited for) on PostgreSQL, by the single writer on SQLite.
Statements whose shape never changes are compiled once per dialect; the others take lists of
ids, compiled per call (once per batch, not per row).

The statements of the delivery path are one per batch, whatever its size: on PostgreSQL a batch
of rows is sent as one JSON parameter and read as a relation by one ``INSERT`` / ``UPDATE`` (not
one execution per row); on SQLite, where a statement is a function call in the process, rows are
``executemany``-ed in one transaction. A fan-out is one transaction of four statements (the turn
and the claim in one, the live webhooks, the deliveries, the events marked); the outcome of a
batch of attempts is one statement on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from vingt.db import system
from vingt.db.database import Connection, Database
from vingt.db.statements import compiled_once, execute, execute_rows, fetch
from vingt.sql.dialect import Dialect

E = system.event
W = system.webhook
D = system.webhook_delivery
A = system.webhook_attempt
L = system.webhook_lease

DELIVERY_COLUMNS = ("id", "workspaceId", "webhookId", "eventId", "eventName", "status", "attempts", "nextAttemptAt",
                    "eventDate", "createdAt", "updatedAt")
ATTEMPT_COLUMNS = ("id", "deliveryId", "attemptedAt", "durationMs", "statusCode", "error", "response")
OUTCOME_PARAMS = ("status", "nextAttemptAt", "updatedAt", "id")
# a delivery written once with its first attempt: the delivery's columns, then the attempt's
FIRST_COLUMNS = DELIVERY_COLUMNS + ("attemptId", "attemptedAt", "durationMs", "statusCode", "error", "response")
# what a lease keeps of each of its deliveries (``webhookLease.deliveries``)
LEASED_COLUMNS = ("id", "workspaceId", "webhookId", "eventId", "eventName", "createdAt")


@dataclass(frozen=True)
class PendingEvent:
    seq: int
    id: str
    workspace_id: str
    name: str
    data: tuple[Any, ...]  # what an attempt needs of it (``Due.event``)


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
    # of a leased delivery not written yet (``record_first_outcomes`` writes it)
    workspace_id: str = ""
    event_name: str = ""


# ---- fan-out: undispatched events → deliveries ---------------------------------------------------


FAN_OUT_LOCK = 0x76696E67_74657631  # the advisory lock of the fan-out (PostgreSQL)

EVENT_DATA = (E.c.workspaceId, E.c.objectMetadataId, E.c.objectName, E.c.action, E.c.before, E.c.after,
              E.c.updatedFields, E.c.recordId, E.c.apiKeyId)


async def index_scans_only(conn: Connection, dialect: Dialect) -> None:
    """For the rest of this transaction, PostgreSQL reads the claims' indexes in order, stopping
    at the limit, rather than collecting every matching entry first (a bitmap scan). The entries
    of rows updated since the last vacuum stay in the index, dead; an ordered scan marks the
    dead ones it meets so that the next claims skip them, where a bitmap scan visits every one,
    every time — a claim would cost more with each event written (measured: 19 ms for 30 events
    behind 35,000 dead entries, then 0.3 ms)."""
    if dialect.name == "postgresql":
        await conn.execute("SET LOCAL enable_bitmapscan TO off")


def _claim_events_sql(dialect: Dialect) -> str:
    def build() -> Any:
        stmt = (
            sa.select(E.c.seq, E.c.id, *EVENT_DATA)
            .where(E.c.dispatchedAt.is_(None))
            # seq order, spelled as the index's order (every dispatchedAt here is NULL), so that
            # the index gives the order and the scan stops at the limit
            .order_by(E.c.dispatchedAt, E.c.seq)
            .limit(sa.bindparam("limit"))
            .offset(sa.literal_column("0"))  # (SQLite would make it a parameter of its own)
        )
        if dialect.name == "postgresql":
            # the turn: a transaction-scoped advisory lock, tried once for the statement (an
            # uncorrelated subquery); without it the claim finds nothing
            stmt = stmt.where(sa.select(sa.func.pg_try_advisory_xact_lock(sa.bindparam("lock"))).scalar_subquery())
        return stmt

    names = ("lock", "limit") if dialect.name == "postgresql" else ("limit",)
    return compiled_once(dialect, "claim_events", build, names)


async def claim_events(conn: Connection, dialect: Dialect, limit: int) -> list[PendingEvent]:
    """The oldest events not dispatched yet, with their data, if this transaction takes the
    fan-out turn (it holds it until it ends); none when another process holds it. SQLite: the
    write transaction already excludes every other writer."""
    await index_scans_only(conn, dialect)
    params = [FAN_OUT_LOCK, limit] if dialect.name == "postgresql" else [limit]
    rows = await conn.fetch(_claim_events_sql(dialect), params)
    return [PendingEvent(int(r[0]), r[1], r[2], f"{r[4]}.{r[5]}", tuple(r[2:])) for r in rows]


@dataclass(frozen=True)
class LiveWebhook:
    id: str
    workspace_id: str
    operations: str  # JSON
    target_url: str
    secret: str


async def live_webhooks(conn: Connection, dialect: Dialect, workspace_ids: list[str]) -> list[LiveWebhook]:
    """The webhooks of these workspaces that are not deleted."""
    sql = compiled_once(dialect, "live_webhooks", lambda: sa.select(
        W.c.id, W.c.workspaceId, W.c.operations, W.c.targetUrl, W.c.secret
    ).where(W.c.deletedAt.is_(None), dialect.in_list(W.c.workspaceId, sa.bindparam("workspaces"))), ("workspaces",))
    return [LiveWebhook(*r) for r in await conn.fetch(sql, [list_param(dialect, workspace_ids)])]


# the integer columns of a batch (the others are text)
PG_INTEGERS = frozenset({"attempts", "durationMs", "statusCode"})


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _pg_rows(columns: Sequence[str]) -> str:
    """The rows of a batch sent as one JSON array of arrays (``$1``), as a relation with these
    columns. Measured against one array parameter per column (``unnest``), a quarter of the
    client's CPU and three quarters of the server's per row: asyncpg encodes arrays element by
    element, orjson the whole batch at once."""
    fields = ", ".join(
        f"(r->>{i})::int AS \"{c}\"" if c in PG_INTEGERS else f"r->>{i} AS \"{c}\"" for i, c in enumerate(columns)
    )
    return f"SELECT {fields} FROM json_array_elements($1::json) AS r"


def _pg_insert(table: str, columns: Sequence[str]) -> str:
    return f'INSERT INTO "{table}" ({_quoted(columns)}) {_pg_rows(columns)}'


def list_param(dialect: Dialect, values: list[Any]) -> Any:
    """A list as the parameter of ``Dialect.in_list``: an array on PostgreSQL, JSON on SQLite."""
    return values if dialect.name == "postgresql" else orjson.dumps(values).decode()


async def insert_deliveries(conn: Connection, dialect: Dialect, rows: list[Sequence[Any]]) -> None:
    """New deliveries (values in ``DELIVERY_COLUMNS`` order), one statement."""
    if not rows:
        return
    if dialect.name == "postgresql":
        await conn.execute(_pg_insert(D.name, DELIVERY_COLUMNS), [rows])  # the json codec writes it
        return
    sql = compiled_once(
        dialect, "insert_delivery", lambda: sa.insert(D).values({c: sa.bindparam(c) for c in DELIVERY_COLUMNS}),
        DELIVERY_COLUMNS,
    )
    await execute_rows(conn, sql, rows)


async def insert_leases(conn: Connection, rows: list[Sequence[Any]]) -> None:
    """Leases of deliveries not written yet (PostgreSQL): ``(id, leasedUntil, [deliveries in
    LEASED_COLUMNS order])``, one statement."""
    if rows:
        await conn.execute(_pg_insert(L.name, ("id", "leasedUntil", "deliveries")), [rows])


# the deliveries of expired leases (their process died before recording their first attempt)
# written pending and due, but for those it did record; the leases deleted (a lease another
# process is recovering is waited for, then found gone)
_PG_RECOVER = f"""
WITH gone AS (DELETE FROM "{L.name}" WHERE "leasedUntil" <= $1 RETURNING "deliveries")
INSERT INTO "{D.name}" ({_quoted(DELIVERY_COLUMNS)})
SELECT r->>0, r->>1, r->>2, r->>3, r->>4, 'pending', 0, $1, r->>5, r->>5, $1
FROM gone, json_array_elements(gone."deliveries"::json) AS r
ON CONFLICT ("id") DO NOTHING
"""


async def recover_leases(conn: Connection, dialect: Dialect, now: str) -> None:
    """Leases expired at ``now`` give their unrecorded deliveries back as due (PostgreSQL)."""
    if dialect.name == "postgresql":
        await conn.execute(_PG_RECOVER, [now])


def _mark_dispatched_sql(dialect: Dialect) -> str:
    def build() -> Any:
        zero: Any = sa.literal_column("0")
        one: Any = sa.literal_column("1")
        last = sa.select(sa.func.coalesce(sa.func.max(E.c.feedSeq), zero)).scalar_subquery()
        return sa.update(E).where(dialect.in_list(E.c.seq, sa.bindparam("seqs"))).values(
            dispatchedAt=sa.bindparam("now"), feedSeq=E.c.seq - sa.bindparam("first") + one + last,
        )

    return compiled_once(dialect, "mark_dispatched", build, ("now", "first", "seqs"))


async def mark_dispatched(conn: Connection, dialect: Dialect, events: list[PendingEvent], now: str) -> None:
    """The events dispatched, numbered in the change feed after every event before them, in
    ``seq`` order (one statement: ``feedSeq = seq - first + 1 + the last feedSeq``; the numbers
    need not be consecutive, only increasing)."""
    seqs = [e.seq for e in events]
    await conn.execute(_mark_dispatched_sql(dialect), [now, min(seqs), list_param(dialect, seqs)])


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
    await index_scans_only(conn, dialect)
    await recover_leases(conn, dialect, now)
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


# one batch of outcomes on PostgreSQL: the attempts appended and their deliveries' state set by
# one statement (a data-modifying WITH)
_PG_OUTCOMES = f"""
WITH v AS (
    {_pg_rows(ATTEMPT_COLUMNS + ("newStatus", "nextAttemptAt", "updatedAt"))}
), attempted AS (
    INSERT INTO "{A.name}" ({_quoted(ATTEMPT_COLUMNS)}) SELECT {_quoted(ATTEMPT_COLUMNS)} FROM v
)
UPDATE "{D.name}" AS d SET
    "status" = CASE WHEN d."status" = 'succeeded' THEN d."status" ELSE v."newStatus" END,
    "nextAttemptAt" = CASE WHEN d."status" = 'succeeded' THEN NULL ELSE v."nextAttemptAt" END,
    "updatedAt" = v."updatedAt",
    "attempts" = d."attempts" + 1
FROM v WHERE d."id" = v."deliveryId"
"""


async def record_outcomes(db: Database, dialect: Dialect, attempts: list[Sequence[Any]],
                          outcomes: list[Sequence[Any]]) -> None:
    """Append attempts (``ATTEMPT_COLUMNS`` order) and set their deliveries' state (``OUTCOME_PARAMS``
    order, the i-th outcome that of the i-th attempt's delivery), atomically: one statement on
    PostgreSQL, one transaction on SQLite. A delivery that has succeeded stays succeeded whatever a
    concurrent attempt found.

    On PostgreSQL the commit does not wait for the write-ahead log to reach the disk
    (``synchronous_commit`` off for this transaction: it spares the server a flush per batch, about
    a quarter of the statement's cost). What a database crash can lose of it is only the record of
    attempts made: their deliveries are still pending under their lease, and are attempted again
    when it expires — at least once, as after a crash of the process."""
    if not attempts:
        return
    if dialect.name == "postgresql":
        rows = [(*a, *o[:3]) for a, o in zip(attempts, outcomes, strict=True)]
        async with db.transaction() as conn:
            await conn.execute("SET LOCAL synchronous_commit TO OFF")
            await conn.execute(_PG_OUTCOMES, [rows])
        return
    done = D.c.status == sa.literal_column("'succeeded'")
    async with db.transaction() as conn:
        await execute_rows(conn, compiled_once(
            dialect, "insert_attempt", lambda: sa.insert(A).values({c: sa.bindparam(c) for c in ATTEMPT_COLUMNS}),
            ATTEMPT_COLUMNS,
        ), attempts)
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


_PG_FIRST_OUTCOMES = f"""
WITH v AS (
    {_pg_rows(FIRST_COLUMNS)}
), made AS (
    INSERT INTO "{D.name}" ({_quoted(DELIVERY_COLUMNS)}) SELECT {_quoted(DELIVERY_COLUMNS)} FROM v
), attempted AS (
    INSERT INTO "{A.name}" ({_quoted(ATTEMPT_COLUMNS)})
    SELECT "attemptId", "id", "attemptedAt", "durationMs", "statusCode", "error", "response" FROM v
)
DELETE FROM "{L.name}" WHERE "id" = $2
"""


async def record_first_outcomes(db: Database, lease_id: str, rows: list[Sequence[Any]]) -> None:
    """The deliveries of a lease written once each, in their state after their first attempt,
    with that attempt (``FIRST_COLUMNS`` order), and the lease deleted: one statement
    (PostgreSQL), committed without waiting for the WAL flush as ``record_outcomes``. Were it
    lost, the lease would still be there: its deliveries are written due when it expires."""
    async with db.transaction() as conn:
        await conn.execute("SET LOCAL synchronous_commit TO OFF")
        await conn.execute(_PG_FIRST_OUTCOMES, [rows, lease_id])


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
