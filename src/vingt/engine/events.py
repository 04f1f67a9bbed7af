"""Events: the outbox rows of a write's record changes, written in the write's transaction.

One row per record changed (``engine.changes.Change``): a stable event id, the workspace, the
object, the record, the action (``created``, ``updated``, ``deleted``, ``destroyed``,
``restored``; an upsert is resolved to ``created`` or ``updated``), the record's JSON before
and after, the fields whose value changed, and who wrote. ``updatedFields`` follows Twenty's
``objectRecordChangedValues``: every key whose value differs, except ``updatedAt`` and the
relation fields (which have their own join-column key). An update, soft delete or restore
that changed nothing else leaves no event, as Twenty suppresses empty diffs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from vingt.db.database import Connection
from vingt.db.system_queries import insert_events
from vingt.engine import timeline
from vingt.engine.changes import Change
from vingt.metadata.model import Catalog, ObjectMeta
from vingt.sql.dialect import Dialect, iso_ms

SKIPPED = frozenset({"updatedAt", "searchVector"})


def updated_fields(skipped: frozenset[str], before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The keys whose value differs between two renderings of a record, ``skipped`` aside."""
    return [k for k, v in after.items() if k not in skipped and before.get(k) != v]


def actor_json(actor: Any) -> str:
    return orjson.dumps({"source": actor.source, "apiKeyId": actor.api_key_id, "name": actor.name}).decode()


def event_constants(catalog: Catalog, obj: ObjectMeta, action: str, actor: Any, now: dt.datetime) -> list[Any]:
    """The values of one event that do not come from the record, in
    ``compile_events.EVENT_SLOTS`` order (a new event id first)."""
    return [
        str(uuid.uuid4()), catalog.workspace_id, obj.id, obj.name_singular, action, actor.api_key_id,
        actor_json(actor), iso_ms(now),
    ]


def event_rows(
    catalog: Catalog, obj: ObjectMeta, changes: list[Change], actor: Any, now: dt.datetime
) -> list[Sequence[Any]]:
    """The outbox rows of ``changes`` (values in ``system_queries.EVENT_COLUMNS`` order); none
    for ``timelineActivity`` itself, as in Twenty."""
    if obj.name_singular == timeline.TIMELINE:
        return []
    stamp = iso_ms(now)
    who = actor_json(actor)
    skipped = SKIPPED | {f.name for f in obj.fields if f.is_relation}
    rows: list[Sequence[Any]] = []
    for c in changes:
        fields = None
        if c.before is not None and c.after is not None:
            changed = updated_fields(skipped, orjson.loads(c.before), orjson.loads(c.after))
            if not changed:
                continue  # a write that changed nothing but updatedAt is no event (as in Twenty)
            fields = orjson.dumps(changed).decode()
        rows.append((
            str(uuid.uuid4()), catalog.workspace_id, obj.id, obj.name_singular, c.record_id, c.action,
            c.before, c.after, fields, actor.api_key_id, who, stamp,
        ))
    return rows


async def record(
    conn: Connection, dialect: Dialect, catalog: Catalog, obj: ObjectMeta, changes: list[Change], actor: Any,
    now: dt.datetime,
) -> None:
    """Write the events of ``changes`` on the write's connection (one statement), and their
    timeline entries (``engine.timeline``)."""
    rows = event_rows(catalog, obj, changes, actor, now)
    await insert_events(conn, dialect, rows)
    if rows and timeline.has_timeline(catalog, obj):
        await timeline.record(conn, dialect, catalog, obj, rows, now)
