"""The record engine of one workspace for commands that run outside a request (``vingt seed``,
``vingt import``, ``vingt export``).

Writes go through the same ``Engine`` as the APIs' (coercion, uniqueness, events and timeline
entries in each write's transaction); the events they leave are delivered to webhooks by the
serving processes, which look for other processes' events every ``webhook_poll_seconds``."""

from __future__ import annotations

from vingt.db.database import Database
from vingt.db.system_queries import workspace_schema
from vingt.engine.records import Actor, Engine
from vingt.metadata.store import load_catalog
from vingt.settings import Settings
from vingt.sql.dialect import dialect_for


async def workspace_engine(
    db: Database, workspace_id: str, *, source: str = "IMPORT", name: str = "", settings: Settings | None = None
) -> Engine:
    """The engine over the workspace's current metadata; ``source`` and ``name`` are the
    ``createdBy`` of the records it creates. ``LookupError`` for an unknown workspace."""
    dialect = dialect_for(db.kind)
    found = await workspace_schema(db, dialect, workspace_id)
    if found is None:
        raise LookupError(f"no workspace {workspace_id}")
    schema, version = found
    catalog = await load_catalog(db, dialect, workspace_id, schema, version)
    max_affected = (settings or Settings.from_env()).mutation_maximum_affected_records
    return Engine(db, dialect, catalog, Actor(source, name), max_affected)
