"""The change feed's reads of the ``event`` table (``GET /rest/events``, ``rest/events.py``).

Only dispatched events are in the feed, in ``feedSeq`` order: numbers given by one fan-out at a
time, each committed before the next begins, so what a reader sees is always a prefix of the feed
and nothing appears later behind a cursor (``db/deliveries.py``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from vingt.db import system
from vingt.db.database import Database
from vingt.db.statements import fetch
from vingt.sql.dialect import Dialect

E = system.event
FEED_COLUMNS = ("id", "objectMetadataId", "objectName", "recordId", "action", "before", "after", "updatedFields",
                "createdAt", "feedSeq")


async def position(db: Database, dialect: Dialect, workspace_id: str, event_id: str) -> int | None:
    """The feed place of a workspace's event, or None (unknown, not in the feed yet, or pruned)."""
    stmt = sa.select(E.c.feedSeq).where(E.c.workspaceId == workspace_id, E.c.id == event_id)
    rows = await fetch(db, dialect, stmt)
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


async def page(
    db: Database, dialect: Dialect, workspace_id: str, after: int, limit: int, object_name: str | None,
    action: str | None, objects: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """Up to ``limit`` + 1 record events after feed place ``after``, oldest first (metadata
    events are for webhooks); ``objects``: only these objects' events."""
    stmt = sa.select(*[E.c[c] for c in FEED_COLUMNS]).where(
        E.c.workspaceId == workspace_id, E.c.feedSeq > after, E.c.objectName.not_like("metadata.%")
    )
    if object_name is not None:
        stmt = stmt.where(E.c.objectName == object_name)
    if action is not None:
        stmt = stmt.where(E.c.action == action)
    if objects is not None:
        stmt = stmt.where(E.c.objectName.in_(sorted(objects)))
    stmt = stmt.order_by(E.c.feedSeq).limit(limit + 1)
    return [dict(zip(FEED_COLUMNS, r, strict=True)) for r in await fetch(db, dialect, stmt)]
