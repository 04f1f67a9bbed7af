"""Timeline activities (AUTH_WEBHOOKS.md §7), written in the transaction of the change.

From a write's events (``engine.events``), for the objects the ``timelineActivity`` object
targets (a ``target<Object>`` relation: people, companies, opportunities, notes, tasks, custom
objects…), every ``created`` / ``updated`` / ``deleted`` / ``restored`` event (never ``destroyed``)
gives an entry on its record:

    name "<object>.<action>", properties {} for a creation, {"diff": {field: {before, after}}}
    otherwise, linkedRecordCachedName "", workspaceMemberId null (API keys write)

Notes and tasks also show on the records they are attached to: a ``noteTarget`` / ``taskTarget``
event gives ``linked-note.<action>`` / ``linked-task.<action>`` on its target record (the note's id
and title as ``linkedRecordId`` / ``linkedRecordCachedName``, the note object's id as
``linkedObjectMetadataId``, properties {}); a note or task event — an update only when it changes
the title — gives the same entry, with the event's diff, on every record it is attached to.

Twenty merges an entry into the newest one of the last 10 minutes with the same record, name and
workspace member; entries with no member (every API-key write) never merge, so neither do these.
Writes on ``timelineActivity`` itself have no events and no entries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from vingt.db.database import Connection
from vingt.db.statements import execute_rows, fetch
from vingt.engine import compile as sqlc
from vingt.engine.values import adapt_row, column_adapters
from vingt.metadata.model import Catalog, ObjectMeta
from vingt.metadata.types import capitalize
from vingt.sql.dialect import Dialect
from vingt.sql.tables import tables

TIMELINE = "timelineActivity"
ACTIONS = frozenset({"created", "updated", "deleted", "restored"})
# junction objects whose events show on their targets, and the object they link
JUNCTIONS = {"noteTarget": "note", "taskTarget": "task"}
LINKED = frozenset(JUNCTIONS.values())

# the columns of an outbox row (``system_queries.EVENT_COLUMNS``) read here
_RECORD, _ACTION, _BEFORE, _AFTER, _FIELDS = 4, 5, 6, 7, 8


def target_column(catalog: Catalog, object_name: str) -> str | None:
    """The column of ``timelineActivity`` that points at a record of ``object_name``
    (``targetPersonId``), or None when the object has no timeline."""
    key = ("timeline target", object_name)
    if key in catalog.derived:
        return catalog.derived[key]  # type: ignore[no-any-return]
    found = None
    timeline = catalog.by_singular.get(TIMELINE)
    if timeline is not None and object_name != TIMELINE:
        field = timeline.field(f"target{capitalize(object_name)}")
        if field is not None and field.is_active and field.is_many_to_one:
            found = field.join_column
    catalog.derived[key] = found
    return found


def needs_reads(obj: ObjectMeta) -> bool:
    """Whether the entries of ``obj``'s events need other records (a note's title, its targets)."""
    return obj.name_singular in JUNCTIONS or obj.name_singular in LINKED


def writes_apart(obj: ObjectMeta) -> bool:
    """Whether ``obj``'s writes stay off the one-statement path (``engine.compile_events``): notes
    and tasks (their entries need other records), and ``timelineActivity`` (it has no events)."""
    return needs_reads(obj) or obj.name_singular == TIMELINE


def has_timeline(catalog: Catalog, obj: ObjectMeta) -> bool:
    return target_column(catalog, obj.name_singular) is not None or needs_reads(obj)


def diff(before: dict[str, Any], after: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {"diff": {k: {"before": before.get(k), "after": after.get(k)} for k in fields}}


def _entry(name: str, target: str, target_id: str, properties: dict[str, Any], **linked: Any) -> dict[str, Any]:
    """One entry on the record ``target_id`` (``target``: its column); ``linked``: the note or
    task it shows (``record_id``, ``cached_name``, ``object_id``)."""
    return {
        "name": name, "properties": properties, "linkedRecordCachedName": linked.get("cached_name", ""),
        "linkedRecordId": linked.get("record_id"), "linkedObjectMetadataId": linked.get("object_id"),
        target: target_id,
    }


async def record(
    conn: Connection, dialect: Dialect, catalog: Catalog, obj: ObjectMeta, events: list[Sequence[Any]],
    now: dt.datetime,
) -> None:
    """Write the timeline entries of a write's outbox rows ``events`` (one statement, plus one
    read for notes and tasks)."""
    if TIMELINE not in catalog.by_singular:
        return
    entries: list[dict[str, Any]] = []
    own = target_column(catalog, obj.name_singular)
    # the records are read only where the entry needs them: not for an object's own "created"
    linked = obj.name_singular in JUNCTIONS or obj.name_singular in LINKED
    parsed: list[tuple[Any, Any, dict[str, Any], dict[str, Any], list[Any]]] = []
    for ev in events:
        action = ev[_ACTION]
        if action not in ACTIONS:
            continue
        if action == "created" and not linked:
            parsed.append((ev[_RECORD], action, {}, {}, []))
            continue
        before = orjson.loads(ev[_BEFORE]) if ev[_BEFORE] is not None else {}
        after = orjson.loads(ev[_AFTER]) if ev[_AFTER] is not None else {}
        fields = orjson.loads(ev[_FIELDS]) if ev[_FIELDS] is not None else []
        parsed.append((ev[_RECORD], action, before, after, fields))
    if own is not None:
        for record_id, action, before, after, fields in parsed:
            props = {} if action == "created" else diff(before, after, fields)
            entries.append(_entry(f"{obj.name_singular}.{action}", own, record_id, props))
    if obj.name_singular in JUNCTIONS and parsed:
        entries += await _junction_entries(conn, dialect, catalog, obj, parsed)
    if obj.name_singular in LINKED and parsed:
        entries += await _linked_entries(conn, dialect, catalog, obj, parsed)
    if entries:
        await insert(conn, dialect, catalog, entries, now)


async def _junction_entries(
    conn: Connection, dialect: Dialect, catalog: Catalog, obj: ObjectMeta, parsed: list[Any]
) -> list[dict[str, Any]]:
    """``linked-note.<action>`` on the record a noteTarget points at."""
    linked = catalog.by_singular.get(JUNCTIONS[obj.name_singular])
    if linked is None:
        return []
    link_column = f"{linked.name_singular}Id"
    targets = [f for f in obj.fields if f.is_many_to_one and f.relation and f.relation.target_object != linked.name_singular]
    rows = [(action, after or before) for _rid, action, before, after, _f in parsed]
    titles = await _titles(conn, dialect, catalog, linked, {r.get(link_column) for _a, r in rows} - {None})
    out = []
    for action, rec in rows:
        linked_id = rec.get(link_column)
        for f in targets:
            target_id = rec.get(f.join_column)
            column = target_column(catalog, f.relation.target_object) if f.relation else None
            if target_id is None or column is None or linked_id is None:
                continue
            out.append(_entry(
                f"linked-{linked.name_singular}.{action}", column, target_id, {},
                cached_name=titles.get(linked_id) or "", record_id=linked_id, object_id=linked.id,
            ))
    return out


async def _linked_entries(
    conn: Connection, dialect: Dialect, catalog: Catalog, obj: ObjectMeta, parsed: list[Any]
) -> list[dict[str, Any]]:
    """A note's (task's) own change on every record it is attached to: an update only when it
    changes the title."""
    junction_name = next(j for j, linked in JUNCTIONS.items() if linked == obj.name_singular)
    junction = catalog.by_singular.get(junction_name)
    if junction is None:
        return []
    wanted = [p for p in parsed if p[1] != "updated" or "title" in p[4]]
    if not wanted:
        return []
    table = tables(catalog, dialect)[junction_name]
    link = table.c[f"{obj.name_singular}Id"]
    targets = [f for f in junction.fields if f.is_many_to_one and f.relation and f.relation.target_object != obj.name_singular]
    columns = [table.c[f.join_column] for f in targets if f.join_column in table.c]
    stmt = sa.select(link, *columns).where(link.in_([p[0] for p in wanted]), table.c.deletedAt.is_(None))
    attached: dict[str, list[tuple[str, str]]] = {}
    for row in await fetch(conn, dialect, stmt):
        for f, value in zip(targets, row[1:], strict=False):
            column = target_column(catalog, f.relation.target_object) if f.relation else None
            if value is not None and column is not None:
                attached.setdefault(str(row[0]), []).append((column, str(value)))
    out = []
    for record_id, action, before, after, fields in wanted:
        props = diff(before, after, fields) if action == "updated" else {}
        title = (after or before).get("title") or ""
        for column, target_id in attached.get(record_id, []):
            out.append(_entry(f"linked-{obj.name_singular}.{action}", column, target_id, props,
                              cached_name=title, record_id=record_id, object_id=obj.id))
    return out


async def _titles(
    conn: Connection, dialect: Dialect, catalog: Catalog, linked: ObjectMeta, ids: set[str]
) -> dict[str, str]:
    if not ids or linked.field("title") is None:
        return {}
    table = tables(catalog, dialect)[linked.name_singular]
    rows = await fetch(conn, dialect, sa.select(table.c.id, table.c.title).where(table.c.id.in_(sorted(ids))))
    return {str(r[0]): r[1] for r in rows}


def row_values(catalog: Catalog, dialect: Dialect, entry: dict[str, Any], now: dt.datetime,
               names: tuple[str, ...]) -> list[Any]:
    """The values of one entry's insert, in ``names`` order, as the driver takes them."""
    row = {"id": str(uuid.uuid4()), "happensAt": now, "createdAt": now, "updatedAt": now, "deletedAt": None,
           "position": None, **entry}
    return adapt_row(column_adapters(catalog, dialect, catalog.object(TIMELINE), names), row)


async def insert(conn: Connection, dialect: Dialect, catalog: Catalog, entries: list[dict[str, Any]],
                 now: dt.datetime) -> None:
    compiled, names = sqlc.compile_insert(catalog, dialect, TIMELINE)
    await execute_rows(conn, compiled.sql, [compiled.params(row_values(catalog, dialect, e, now, names)) for e in entries])
