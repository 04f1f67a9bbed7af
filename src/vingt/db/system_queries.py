"""Statements on the system tables (``db.system``), each built and run by one function.

Workspaces, API keys, the settings table and the metadata rows of a workspace's objects
and fields. The callers decide the transaction (a ``Connection``) or read outside one (a
``Database``). The ``idempotencyKey`` table has its own module, ``db.idempotency``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from vingt.auth.access import FULL, Access
from vingt.db import system
from vingt.db.database import Connection, Database
from vingt.db.statements import compiled_once, execute, execute_rows, fetch
from vingt.sql.dialect import Dialect

_ws, _ak, _kv = system.workspace, system.api_key, system.key_value
_om, _fm = system.object_metadata, system.field_metadata
METADATA_ROWS_PER_INSERT = 200

# ---- workspaces ---------------------------------------------------------------------------


async def insert_workspace(
    conn: Connection, dialect: Dialect, workspace_id: str, name: str, schema: str, now: str
) -> None:
    await execute(
        conn,
        dialect,
        sa.insert(_ws).values(
            id=workspace_id, displayName=name, databaseSchema=schema, metadataVersion=1,
            activationStatus="ACTIVE", createdAt=now, updatedAt=now,
        ),
    )


async def workspace_exists(db: Database | Connection, dialect: Dialect, workspace_id: str) -> bool:
    return bool(await fetch(db, dialect, sa.select(_ws.c.id).where(_ws.c.id == workspace_id)))


async def load_workspace(db: Database | Connection, dialect: Dialect, workspace_id: str) -> dict[str, Any] | None:
    """The workspace's row as ``currentWorkspace`` answers it (its schema name left out)."""
    rows = await fetch(
        db, dialect,
        sa.select(_ws.c.id, _ws.c.displayName, _ws.c.activationStatus, _ws.c.metadataVersion, _ws.c.createdAt,
                  _ws.c.updatedAt, _ws.c.deletedAt).where(_ws.c.id == workspace_id),
    )
    if not rows:
        return None
    r = rows[0]
    return {"id": r[0], "displayName": r[1], "activationStatus": r[2], "metadataVersion": int(r[3]),
            "createdAt": r[4], "updatedAt": r[5], "deletedAt": r[6]}


async def first_workspace_id(db: Database | Connection, dialect: Dialect) -> str | None:
    rows = await fetch(db, dialect, sa.select(_ws.c.id).order_by(_ws.c.createdAt).limit(1))
    return str(rows[0][0]) if rows else None


async def workspace_schema(
    db: Database | Connection, dialect: Dialect, workspace_id: str, *, lock: bool = False
) -> tuple[str, int] | None:
    """The workspace's (schema, metadata version); ``lock`` holds its row until the
    transaction ends (PostgreSQL; SQLite serializes writers anyway).

    The lock is ``FOR NO KEY UPDATE``: it serializes metadata changes, but not the foreign-key
    checks (``FOR KEY SHARE``) of record writes inserting rows that point at the workspace
    (their events). A ``FOR UPDATE`` here deadlocks with them: the write holds the record
    table and waits for the workspace row, the metadata change holds the row and waits for
    the table."""
    stmt = sa.select(_ws.c.databaseSchema, _ws.c.metadataVersion).where(_ws.c.id == workspace_id)
    if lock and dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    rows = await fetch(db, dialect, stmt)
    return (str(rows[0][0]), int(rows[0][1])) if rows else None


async def set_metadata_version(conn: Connection, dialect: Dialect, workspace_id: str, version: int, now: str) -> None:
    await execute(
        conn, dialect, sa.update(_ws).where(_ws.c.id == workspace_id).values(metadataVersion=version, updatedAt=now)
    )


# ---- API keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiKeyLookup:
    """A live workspace's schema and metadata version, and its API key if it has that key."""

    schema: str
    version: int
    key_name: str | None  # None: no such key in this workspace
    revoked: bool


async def load_api_key(db: Database, dialect: Dialect, workspace_id: str, key_id: str) -> ApiKeyLookup | None:
    """None when the workspace does not exist or is deleted."""
    rows = await fetch(
        db, dialect, sa.select(_ws.c.databaseSchema, _ws.c.metadataVersion, _ws.c.deletedAt).where(_ws.c.id == workspace_id)
    )
    if not rows or rows[0][2] is not None:
        return None
    schema, version = str(rows[0][0]), int(rows[0][1])
    keys = await fetch(
        db, dialect, sa.select(_ak.c.name, _ak.c.revokedAt).where(_ak.c.id == key_id, _ak.c.workspaceId == workspace_id)
    )
    if not keys:
        return ApiKeyLookup(schema, version, None, True)
    return ApiKeyLookup(schema, version, str(keys[0][0]), keys[0][1] is not None)


async def insert_api_key(
    conn: Connection,
    dialect: Dialect,
    key_id: str,
    workspace_id: str,
    name: str,
    expires_at: str,
    now: str,
    access: Access = FULL,
) -> None:
    objects = None if access.objects is None else orjson.dumps(sorted(access.objects)).decode()
    await execute(
        conn,
        dialect,
        sa.insert(_ak).values(
            id=key_id, workspaceId=workspace_id, name=name, expiresAt=expires_at,
            revokedAt=None, createdAt=now, updatedAt=now, scope=access.scope, objects=objects,
        ),
    )


async def migration_revision(db: Database) -> str | None:
    """The Alembic revision the system tables are at (``None`` before the first)."""
    rows = await db.fetch("SELECT version_num FROM alembic_version")
    return str(rows[0][0]) if rows else None


async def list_workspaces(db: Database, dialect: Dialect) -> list[dict[str, Any]]:
    """Every workspace (deleted ones included, marked), oldest first."""
    rows = await fetch(
        db, dialect,
        sa.select(_ws.c.id, _ws.c.displayName, _ws.c.activationStatus, _ws.c.createdAt, _ws.c.deletedAt)
        .order_by(_ws.c.createdAt, _ws.c.id),
    )
    return [
        {"id": r[0], "displayName": r[1], "activationStatus": r[2], "createdAt": r[3], "deletedAt": r[4]}
        for r in rows
    ]


async def list_api_keys(db: Database, dialect: Dialect, workspace_id: str) -> list[dict[str, Any]]:
    """A workspace's API keys (never their tokens, which are not stored), oldest first."""
    rows = await fetch(
        db, dialect,
        sa.select(_ak.c.id, _ak.c.name, _ak.c.expiresAt, _ak.c.revokedAt, _ak.c.createdAt, _ak.c.scope, _ak.c.objects)
        .where(_ak.c.workspaceId == workspace_id)
        .order_by(_ak.c.createdAt, _ak.c.id),
    )
    return [
        {"id": r[0], "workspaceId": workspace_id, "name": r[1], "expiresAt": r[2], "revokedAt": r[3], "createdAt": r[4],
         "scope": r[5], "objects": orjson.loads(r[6]) if r[6] is not None else None}
        for r in rows
    ]


async def revoke_api_key(conn: Connection, dialect: Dialect, key_id: str, now: str) -> bool:
    """Mark the key revoked: False when it is unknown or already revoked."""
    count = await execute(
        conn,
        dialect,
        sa.update(_ak).where(_ak.c.id == key_id, _ak.c.revokedAt.is_(None)).values(revokedAt=now, updatedAt=now),
    )
    return count > 0


# ---- settings (keyValue) ------------------------------------------------------------------


async def read_setting(db: Database | Connection, dialect: Dialect, key: str) -> str | None:
    rows = await fetch(db, dialect, sa.select(_kv.c.value).where(_kv.c.key == key))
    return str(rows[0][0]) if rows else None


async def insert_setting(conn: Connection, dialect: Dialect, key: str, value: str) -> None:
    await execute(conn, dialect, sa.insert(_kv).values(key=key, value=value))


# ---- object and field metadata ------------------------------------------------------------


async def insert_metadata_rows(
    conn: Connection, dialect: Dialect, object_rows: list[dict[str, Any]], field_rows: list[dict[str, Any]]
) -> None:
    await execute(conn, dialect, sa.insert(_om).values(object_rows))
    for start in range(0, len(field_rows), METADATA_ROWS_PER_INSERT):
        await execute(conn, dialect, sa.insert(_fm).values(field_rows[start : start + METADATA_ROWS_PER_INSERT]))


async def delete_metadata_rows(conn: Connection, dialect: Dialect, object_ids: list[str]) -> None:
    """The objects' rows and those of their fields."""
    await execute(conn, dialect, sa.delete(_fm).where(_fm.c.objectMetadataId.in_(object_ids)))
    await execute(conn, dialect, sa.delete(_om).where(_om.c.id.in_(object_ids)))


async def load_metadata_rows(
    db: Database | Connection, dialect: Dialect, workspace_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The workspace's object rows (by creation, then name) and field rows (by object,
    then position), as column → value dictionaries."""
    obj_rows = await fetch(
        db, dialect, sa.select(_om).where(_om.c.workspaceId == workspace_id).order_by(_om.c.createdAt, _om.c.nameSingular)
    )
    field_rows = await fetch(
        db, dialect, sa.select(_fm).where(_fm.c.workspaceId == workspace_id).order_by(_fm.c.objectMetadataId, _fm.c.position)
    )
    ocols = [c.name for c in _om.columns]
    fcols = [c.name for c in _fm.columns]
    return (
        [dict(zip(ocols, r, strict=True)) for r in obj_rows],
        [dict(zip(fcols, r, strict=True)) for r in field_rows],
    )


# ---- the event outbox -------------------------------------------------------------------------

EVENT_COLUMNS = (
    "id", "workspaceId", "objectMetadataId", "objectName", "recordId", "action",
    "before", "after", "updatedFields", "apiKeyId", "actor", "createdAt",
)
async def insert_events(conn: Connection, dialect: Dialect, rows: list[Sequence[Any]]) -> None:
    """Append event rows (values in ``EVENT_COLUMNS`` order), all in one statement."""
    sql = compiled_once(
        dialect, "insert_event", lambda: sa.insert(system.event).values({c: sa.bindparam(c) for c in EVENT_COLUMNS}),
        EVENT_COLUMNS,
    )
    await execute_rows(conn, sql, rows)


async def load_events(db: Database | Connection, dialect: Dialect, workspace_id: str) -> list[dict[str, Any]]:
    """A workspace's events in the order they were written (``seq``)."""
    ev = system.event
    rows = await fetch(
        db, dialect, sa.select(*[ev.c[c] for c in EVENT_COLUMNS]).where(ev.c.workspaceId == workspace_id).order_by(ev.c.seq)
    )
    return [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in rows]
