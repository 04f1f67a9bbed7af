"""Workspaces and their API keys: creation, the signing secret, revocation."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from vingt.auth.tokens import mint_api_key_token
from vingt.db import system
from vingt.db.changes import announce
from vingt.db.database import Database
from vingt.db.statements import compile_with_params, execute, fetch
from vingt.metadata.blueprint import materialize
from vingt.metadata.model import Catalog
from vingt.metadata.standard import STANDARD_OBJECTS
from vingt.sql.dialect import dialect_for, iso_ms
from vingt.sql.tables import create_statements

SECRET_KEY = "appSecret"


def now_iso() -> str:
    return iso_ms(dt.datetime.now(dt.UTC))


def schema_name(workspace_id: str) -> str:
    """``workspace_`` + base-36 of the UUID's 128-bit integer (Twenty's naming)."""
    n = int(workspace_id.replace("-", ""), 16)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return "workspace_" + (out or "0")


async def app_secret(db: Database) -> str:
    """``VINGT_SECRET``, else a random secret generated once and kept in the database
    (a development default: anyone who can read the database can mint keys)."""
    env = os.environ.get("VINGT_SECRET")
    if env:
        return env
    dialect = dialect_for(db.kind)
    kv = system.key_value
    rows = await fetch(db, dialect, sa.select(kv.c.value).where(kv.c.key == SECRET_KEY))
    if rows:
        return str(rows[0][0])
    async with db.transaction() as conn:
        rows = await fetch(conn, dialect, sa.select(kv.c.value).where(kv.c.key == SECRET_KEY))
        if rows:
            return str(rows[0][0])
        value = secrets.token_hex(32)
        await execute(conn, dialect, sa.insert(kv).values(key=SECRET_KEY, value=value))
        return value


@dataclass(frozen=True)
class CreatedKey:
    id: str
    token: str


async def create_workspace(db: Database, name: str) -> tuple[str, CreatedKey]:
    """A workspace with its standard objects, their tables, and one API key."""
    dialect = dialect_for(db.kind)
    workspace_id = str(uuid.uuid4())
    schema = schema_name(workspace_id)
    now = now_iso()
    objects = materialize(STANDARD_OBJECTS, now)
    catalog = Catalog(workspace_id, schema, 1, objects)
    async with db.transaction() as conn:
        await execute(
            conn,
            dialect,
            sa.insert(system.workspace).values(
                id=workspace_id, displayName=name, databaseSchema=schema, metadataVersion=1,
                activationStatus="ACTIVE", createdAt=now, updatedAt=now,
            ),
        )
        from vingt.metadata.store import insert_objects

        await insert_objects(conn, dialect, workspace_id, objects, [])
        if dialect.name == "postgresql":
            await conn.execute(f'CREATE SCHEMA "{schema}"')
        for ddl in create_statements(catalog, objects, dialect):
            sql, params = compile_with_params(dialect, ddl)
            await conn.execute(sql, params)
    key = await create_api_key(db, workspace_id, "Default key")
    return workspace_id, key


async def create_api_key(db: Database, workspace_id: str, name: str, expires_at: str | None = None) -> CreatedKey:
    dialect = dialect_for(db.kind)
    ws = await fetch(db, dialect, sa.select(system.workspace.c.id).where(system.workspace.c.id == workspace_id))
    if not ws:
        raise LookupError(f"workspace {workspace_id} not found")
    now = dt.datetime.now(dt.UTC)
    expiry = dt.datetime.fromisoformat(expires_at.replace("Z", "+00:00")) if expires_at else None
    if expiry is not None and expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=dt.UTC)
    if expiry is not None and expiry <= now:
        raise ValueError("expiresAt must be in the future")
    stored_expiry = expiry or now + dt.timedelta(days=365 * 100)
    key_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        await execute(
            conn,
            dialect,
            sa.insert(system.api_key).values(
                id=key_id, workspaceId=workspace_id, name=name, expiresAt=iso_ms(stored_expiry),
                revokedAt=None, createdAt=iso_ms(now), updatedAt=iso_ms(now),
            ),
        )
    token = mint_api_key_token(
        await app_secret(db), workspace_id, key_id, expiry.timestamp() if expiry else None, now.timestamp()
    )
    return CreatedKey(key_id, token)


async def revoke_api_key(db: Database, key_id: str) -> bool:
    dialect = dialect_for(db.kind)
    now = now_iso()
    async with db.transaction() as conn:
        count = await execute(
            conn,
            dialect,
            sa.update(system.api_key)
            .where(system.api_key.c.id == key_id, system.api_key.c.revokedAt.is_(None))
            .values(revokedAt=now, updatedAt=now),
        )
        await announce(conn, "apiKey", key_id)
    return count > 0


async def first_workspace(db: Database) -> str | None:
    rows = await fetch(db, dialect_for(db.kind), sa.select(system.workspace.c.id).order_by(system.workspace.c.createdAt).limit(1))
    return str(rows[0][0]) if rows else None
