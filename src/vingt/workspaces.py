"""Workspaces and their API keys: creation, the signing secret, revocation."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from vingt.auth.access import SCOPES, Access
from vingt.auth.tokens import mint_api_key_token
from vingt.db import system_queries
from vingt.db.changes import announce
from vingt.db.database import Database
from vingt.db.statements import compile_with_params
from vingt.metadata.blueprint import materialize
from vingt.metadata.model import Catalog
from vingt.metadata.standard import STANDARD_OBJECTS
from vingt.metadata.store import load_catalog
from vingt.settings import env_value
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


async def app_secret(db: Database, configured: str = "") -> str:
    """``configured``, else the ``secret`` setting of the environment (``VINGT_SECRET``), else a
    random secret generated once and kept in the database (a development default: anyone who can
    read the database can mint keys)."""
    configured = configured or env_value("secret")
    if configured:
        return configured
    dialect = dialect_for(db.kind)
    stored = await system_queries.read_setting(db, dialect, SECRET_KEY)
    if stored is not None:
        return stored
    async with db.transaction() as conn:
        stored = await system_queries.read_setting(conn, dialect, SECRET_KEY)
        if stored is not None:
            return stored
        value = secrets.token_hex(32)
        await system_queries.insert_setting(conn, dialect, SECRET_KEY, value)
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
        await system_queries.insert_workspace(conn, dialect, workspace_id, name, schema, now)
        from vingt.metadata.store import insert_objects

        await insert_objects(conn, dialect, workspace_id, objects, [])
        if dialect.name == "postgresql":
            await conn.execute(f'CREATE SCHEMA "{schema}"')
        for ddl in create_statements(catalog, objects, dialect):
            sql, params = compile_with_params(dialect, ddl)
            await conn.execute(sql, params)
    key = await create_api_key(db, workspace_id, "Default key")
    return workspace_id, key


async def create_api_key(
    db: Database,
    workspace_id: str,
    name: str,
    expires_at: str | None = None,
    scope: str = "write",
    objects: list[str] | None = None,
) -> CreatedKey:
    """A new key; ``scope`` ``read`` or ``write``, ``objects`` the object names (singular or
    plural) it reaches (``None``: every object). ``LookupError`` for an unknown workspace,
    ``ValueError`` for a bad expiry, scope or object."""
    dialect = dialect_for(db.kind)
    if not await system_queries.workspace_exists(db, dialect, workspace_id):
        raise LookupError(f"workspace {workspace_id} not found")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not '{scope}'")
    access = Access(scope, None if objects is None else frozenset(await _object_names(db, workspace_id, objects)))
    now = dt.datetime.now(dt.UTC)
    expiry = dt.datetime.fromisoformat(expires_at.replace("Z", "+00:00")) if expires_at else None
    if expiry is not None and expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=dt.UTC)
    if expiry is not None and expiry <= now:
        raise ValueError("expiresAt must be in the future")
    stored_expiry = expiry or now + dt.timedelta(days=365 * 100)
    key_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        await system_queries.insert_api_key(
            conn, dialect, key_id, workspace_id, name, iso_ms(stored_expiry), iso_ms(now), access
        )
    token = mint_api_key_token(
        await app_secret(db), workspace_id, key_id, expiry.timestamp() if expiry else None, now.timestamp(), access
    )
    return CreatedKey(key_id, token)


async def _object_names(db: Database, workspace_id: str, names: list[str]) -> list[str]:
    """The singular names of the workspace's objects named (singular or plural)."""
    dialect = dialect_for(db.kind)
    found = await system_queries.workspace_schema(db, dialect, workspace_id)
    assert found is not None
    catalog = await load_catalog(db, dialect, workspace_id, *found)
    out = []
    for name in names:
        obj = catalog.by_singular.get(name) or catalog.by_plural.get(name)
        if obj is None:
            raise ValueError(f"no object '{name}' in workspace {workspace_id}")
        out.append(obj.name_singular)
    if not out:
        raise ValueError("objects must name at least one object")
    return out


async def revoke_api_key(db: Database, key_id: str) -> bool:
    dialect = dialect_for(db.kind)
    now = now_iso()
    async with db.transaction() as conn:
        revoked = await system_queries.revoke_api_key(conn, dialect, key_id, now)
        await announce(conn, "apiKey", key_id)
    return revoked


async def first_workspace(db: Database) -> str | None:
    return await system_queries.first_workspace_id(db, dialect_for(db.kind))
