"""One-statement writes of one record with their event (PostgreSQL).

The commonest writes — create one record, update one record by id, at depth 0 with every
field — cost one round trip on PostgreSQL, event included: the write is a data-modifying CTE
whose ``RETURNING`` renders the record after it (and, for an update, the record before it,
read and locked in the same statement), and a second CTE appends the outbox row from it::

    WITH w AS (UPDATE person SET … FROM (SELECT id, <json> … FOR UPDATE) b WHERE …
               RETURNING id, <json after> a, b.j b, <stamp>),
         c AS MATERIALIZED (SELECT w.id, w.a, w.b, w.b::jsonb bj FROM w),
         d AS MATERIALIZED (SELECT c.id, c.a, c.b, x.changed, x.diff
                            FROM c, LATERAL (<changed keys, diff> FROM json_each(c.a) …) x),
         e AS (INSERT INTO event (…) SELECT s_k, …, d.id, 'updated', d.b, d.a, d.changed, … FROM d
               WHERE d.changed <> '[]')
    SELECT w.id, w.a, w.stamp FROM w

``updatedFields`` is computed in SQL as ``engine.events.updated_fields`` does in Python: the
keys of the record after the write, in order, whose value differs from before (``updatedAt``
and ``searchVector`` left out); an update that changed nothing else appends no row. SQLite has no data-modifying CTEs; there the same writes run
as a few statements in one transaction (``engine.writes``), which costs no round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from vingt.db import system
from vingt.db.system_queries import EVENT_COLUMNS
from vingt.engine import timeline
from vingt.engine.changes import Action
from vingt.engine.compile import (
    Aliases,
    Compiled,
    _limit,
    _next_stamp,
    _slot,
    cached,
    compile_insert,
    live_rows,
    record_json,
)
from vingt.engine.events import SKIPPED
from vingt.engine.plans import Selection, Where
from vingt.metadata.model import Catalog
from vingt.metadata.types import Storage
from vingt.sql.dialect import Dialect
from vingt.sql.tables import tables

# the event's own values, bound after the write's slots, in this order
EVENT_SLOTS = ("id", "workspaceId", "objectMetadataId", "objectName", "action", "apiKeyId", "actor", "createdAt")

# the keys k of the record after the write (c.a), each value cast to jsonb once, that differ
# from before (c.bj, the record before as jsonb, cast once); both what changed and the diff
# are aggregated from them in one pass (a lateral subquery: two correlated subqueries, one
# per aggregate, cost about twice as much PostgreSQL CPU)
_CHANGED_KEYS = (
    "(SELECT k.key, k.n, k.value::jsonb AS v FROM json_each(c.a::json) WITH ORDINALITY AS k(key, value, n)) k"
)
_DIFFERS = (
    "k.key NOT IN (" + ", ".join(f"'{name}'" for name in sorted(SKIPPED)) + ") AND k.v IS DISTINCT FROM (c.bj -> k.key)"
)
_CHANGED = "coalesce(json_agg(k.key ORDER BY k.n), '[]'::json)::text"
# the diff of an update, as engine.timeline.diff writes it in Python
_DIFF = (
    "jsonb_build_object('diff', coalesce(jsonb_object_agg(k.key, jsonb_build_object("
    "'before', c.bj -> k.key, 'after', k.v)), '{}'::jsonb))"
)


def timeline_slots(catalog: Catalog, dialect: Dialect, object_name: str) -> tuple[str, ...]:
    """The columns of an object's own timeline entry bound as slots (after ``EVENT_SLOTS``), or ()
    when it has no timeline: every column but the target (the record) and the properties."""
    key = ("timeline slots", dialect.name, object_name)
    found = catalog.derived.get(key)
    if found is None:
        column = timeline.target_column(catalog, object_name)
        if column is None:
            found = ()
        else:
            _compiled, names = compile_insert(catalog, dialect, timeline.TIMELINE)
            found = tuple(n for n in names if n not in (column, "properties"))
        catalog.derived[key] = found
    return found  # type: ignore[no-any-return]


def _with_event(
    catalog: Catalog, dialect: Dialect, object_name: str, write: Any, first: int, changed: bool,
    *, many: bool = False, entries: bool = True, final: Callable[[Any], Any] | None = None,
) -> Any:
    """``write`` (returning ``id``, ``a``, ``b``, ``stamp``) as a CTE, its event appended (and
    its timeline entry, when the object has a timeline and ``entries``). ``many``: the write
    returns any number of records, each event and entry takes its own new id, in record id
    order. ``final``: the statement's result from the write's CTE (default: its id, record
    and stamp)."""
    w = write.cte("w")
    source: Any = w
    if changed:
        # the record before is cast to jsonb once (c), and what changed is worked out once (d)
        # for the event and the timeline entry alike
        c = sa.select(w.c.id, w.c.a, w.c.b, sa.literal_column("w.b::jsonb").label("bj")).cte("c")
        c = c.prefix_with("MATERIALIZED")
        keys: Any = sa.select(sa.literal_column(_CHANGED).label("changed"), sa.literal_column(_DIFF).label("diff"))
        x = keys.select_from(sa.text(_CHANGED_KEYS)).where(sa.text(_DIFFERS)).lateral("x")
        source = sa.select(c.c.id, c.c.a, c.c.b, x.c.changed, x.c.diff).select_from(c.join(x, sa.true()))
        source = source.cte("d").prefix_with("MATERIALIZED")
    slot = {name: _slot(first + i) for i, name in enumerate(EVENT_SLOTS)}
    if many:
        slot["id"] = sa.cast(sa.func.gen_random_uuid(), sa.Text)
    values = {
        **slot,
        "recordId": source.c.id,
        "before": source.c.b,
        "after": source.c.a,
        "updatedFields": source.c.changed if changed else sa.null(),
    }
    event = system.event
    rows = sa.select(*[values[col] for col in EVENT_COLUMNS]).select_from(source)
    if changed:
        # an update that changed nothing but updatedAt is no event
        rows = rows.where(source.c.changed != sa.literal_column("'[]'"))
    if many:
        rows = rows.order_by(source.c.id)
    append = sa.insert(event).from_select(list(EVENT_COLUMNS), rows).cte("e")
    out: Any = sa.select(w.c.id, w.c.a, w.c.stamp) if final is None else final(w)
    out = out.add_cte(append)
    slots = timeline_slots(catalog, dialect, object_name) if entries else ()
    if slots:
        table = tables(catalog, dialect)[timeline.TIMELINE]
        column = timeline.target_column(catalog, object_name)
        _compiled, names = compile_insert(catalog, dialect, timeline.TIMELINE)
        start = first + len(EVENT_SLOTS)
        entry: dict[str, Any] = {n: sa.cast(_slot(start + i), table.c[n].type) for i, n in enumerate(slots)}
        if many:
            entry["id"] = sa.cast(sa.func.gen_random_uuid(), table.c.id.type)
        entry[str(column)] = source.c.id
        entry["properties"] = source.c.diff if changed else sa.literal_column("'{}'::jsonb")
        made = sa.select(*[entry[n] for n in names]).select_from(source)
        if changed:
            made = made.where(source.c.changed != sa.literal_column("'[]'"))
        if many:
            made = made.order_by(source.c.id)
        out = out.add_cte(sa.insert(table).from_select(list(names), made).cte("t"))
    return out


def compile_insert_evented(
    catalog: Catalog, dialect: Dialect, object_name: str, names: tuple[str, ...], position: str | None,
    whole: Selection,
) -> Compiled:
    """``compile_insert`` of one record with ``RETURNING`` its whole JSON, and its ``created``
    event (and timeline entry); slots: the columns ``names``, then ``EVENT_SLOTS``, then
    ``timeline_slots``."""
    table = tables(catalog, dialect)[object_name]

    def build() -> Any:
        values: dict[str, Any] = {n: _slot(i) for i, n in enumerate(names)}
        if position is not None:
            t = table.alias("existing")
            bound = sa.func.min(t.c.position) if position == "first" else sa.func.max(t.c.position)
            step: Any = sa.literal_column("1")
            edge = sa.func.coalesce(bound, sa.literal_column("0"))
            values["position"] = sa.select(edge - step if position == "first" else edge + step).scalar_subquery()
        write = sa.insert(table).values(values).returning(
            table.c.id.label("id"),
            dialect.as_text(record_json(catalog, dialect, Aliases(), table, whole)).label("a"),
            sa.cast(sa.null(), sa.Text).label("b"),
            dialect.as_text(dialect.json_value(table.c.updatedAt, Storage.TIMESTAMP)).label("stamp"),
        )
        return _with_event(catalog, dialect, object_name, write, len(names), changed=False)

    return cached(catalog, dialect, ("insert evented", object_name, names, position, whole), build)


def compile_update_evented(
    catalog: Catalog, dialect: Dialect, object_name: str, columns: tuple[str, ...], whole: Selection
) -> Compiled:
    """One live record's update by id, locking and rendering it before and after, with its
    ``updated`` event (and timeline entry). Slots: the ``columns``' values, now, the id, then
    ``EVENT_SLOTS``, then ``timeline_slots``."""
    n = len(columns)

    def build() -> Any:
        table = tables(catalog, dialect)[object_name]
        old = table.alias("old")
        before = (
            sa.select(
                old.c.id.label("bid"),
                dialect.as_text(record_json(catalog, dialect, Aliases(), old, whole)).label("j"),
            )
            .where(old.c.id == _slot(n + 1), old.c.deletedAt.is_(None))
            .with_for_update()
            .subquery("b")
        )
        values: dict[str, Any] = {c: _slot(i) for i, c in enumerate(columns)}
        values["updatedAt"] = _next_stamp(dialect, table, _slot(n))
        write = (
            sa.update(table)
            .where(table.c.id == before.c.bid, table.c.deletedAt.is_(None))
            .values(values)
            .returning(
                table.c.id.label("id"),
                dialect.as_text(record_json(catalog, dialect, Aliases(), table, whole)).label("a"),
                before.c.j.label("b"),
                dialect.as_text(dialect.json_value(table.c.updatedAt, Storage.TIMESTAMP)).label("stamp"),
            )
        )
        return _with_event(catalog, dialect, object_name, write, n + 2, changed=True)

    return cached(catalog, dialect, ("update evented", object_name, columns, whole), build)


def _picked(
    catalog: Catalog, dialect: Dialect, object_name: str, where: Where | None, include_deleted: bool,
    only_deleted: bool, whole: Selection, limit: int,
) -> Any:
    """``SELECT id bid, <json> j FROM t WHERE <filter> ORDER BY id LIMIT <limit> FOR UPDATE``:
    the records a write by filter touches, locked in id order, rendered as the lock found them
    (at most ``limit``, written in the statement: a LIMIT bound as a parameter is, in
    PostgreSQL's generic plan, a small share of the rows, for which it walks the whole primary
    key in id order rather than sorting the few rows the filter keeps)."""
    old = tables(catalog, dialect)[object_name].alias("old")
    conds = live_rows(catalog, old, where, include_deleted or only_deleted, dialect)
    if only_deleted:
        conds.append(old.c.deletedAt.is_not(None))
    picked = sa.select(
        old.c.id.label("bid"), dialect.as_text(record_json(catalog, dialect, Aliases(), old, whole)).label("j"),
    ).where(*conds).order_by(old.c.id)
    return _limit(picked, sa.literal_column(str(int(limit))), dialect).with_for_update(of=old)


def compile_pick(
    catalog: Catalog, dialect: Dialect, object_name: str, where: Where | None, *, include_deleted: bool,
    only_deleted: bool, whole: Selection, limit: int,
) -> Compiled:
    """The ``(id, JSON)`` of the records a write by filter touches (``_picked``), where the
    write, its events and timeline entries are not one statement (SQLite; notes and tasks)."""
    key = ("pick", object_name, where, include_deleted, only_deleted, whole, limit)
    return cached(
        catalog, dialect, key,
        lambda: _picked(catalog, dialect, object_name, where, include_deleted, only_deleted, whole, limit),
    )


def compile_touch_rendered(
    catalog: Catalog, dialect: Dialect, object_name: str, kind: str, columns: tuple[str, ...], whole: Selection
) -> Compiled:
    """``UPDATE t SET c_i = s_i, "updatedAt" = <next stamp>[, "deletedAt" = <next stamp>] WHERE
    id IN (s_n+1) [AND "deletedAt" IS [NOT] NULL] RETURNING id, <json>`` (slot n: now), for an
    update, soft delete (``kind`` delete) or restore of the records picked by
    ``compile_pick``."""
    n = len(columns)

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        conds = [dialect.in_list(t.c.id, _slot(n + 1))]
        stamp = _next_stamp(dialect, t, _slot(n))
        values: dict[str, Any] = {c: _slot(i) for i, c in enumerate(columns)}
        values["updatedAt"] = stamp
        if kind == "delete":
            values["deletedAt"] = stamp
            conds.append(t.c.deletedAt.is_(None))
        elif kind == "restore":
            conds.append(t.c.deletedAt.is_not(None))
        return sa.update(t).where(*conds).values(values).returning(
            t.c.id, dialect.as_text(record_json(catalog, dialect, Aliases(), t, whole)).label("j"),
        )

    return cached(catalog, dialect, ("touch rendered", object_name, kind, columns, whole), build)


# the writes by filter of ``compile_write_many_evented``: the action of their events
MANY_ACTIONS: dict[str, Action] = {"update": "updated", "delete": "deleted", "restore": "restored", "destroy": "destroyed"}


def compile_write_many_evented(
    catalog: Catalog, dialect: Dialect, object_name: str, kind: str, where: Where | None, columns: tuple[str, ...],
    *, include_deleted: bool, only_deleted: bool, whole: Selection, first: int, limit: int,
) -> Compiled:
    """A write by filter (``kind``: update, soft delete, restore, destroy of the records the
    filter ``where`` selects) with its events and timeline entries, in one statement
    (PostgreSQL)::

        WITH p AS MATERIALIZED (SELECT id, <json before> FROM t WHERE <filter> ORDER BY id
                                LIMIT <limit> FOR UPDATE),
             n AS (SELECT count(*) FROM p),
             w AS (UPDATE t SET … FROM p WHERE t.id = p.id AND (SELECT n FROM n) < <limit>
                   RETURNING id, <json after>, <json before>, <stamp>),
             <the events and timeline entries of w, as compile_update_evented>
        SELECT n, w.id, w.a FROM n LEFT JOIN w ON true ORDER BY w.id

    ``limit``: one more than the most records one write may touch; as many write nothing, the
    one row returned gives their number. The records are locked in id order, and rendered
    before the write as the lock found them. Slots: the filter's, then from ``first``: the
    ``columns``' values, now, then ``EVENT_SLOTS``, then ``timeline_slots`` (a destroy has no
    timeline entry)."""
    n = len(columns)

    def build() -> Any:
        table = tables(catalog, dialect)[object_name]
        p = _picked(catalog, dialect, object_name, where, include_deleted, only_deleted, whole, limit)
        p = p.cte("p").prefix_with("MATERIALIZED")
        count = sa.select(sa.func.count().label("n")).select_from(p).cte("n")
        allowed = sa.select(count.c.n).scalar_subquery() < sa.literal_column(str(int(limit)))
        write: Any
        if kind == "destroy":
            write = sa.delete(table).where(table.c.id == p.c.bid, allowed).returning(
                table.c.id.label("id"), sa.cast(sa.null(), sa.Text).label("a"), p.c.j.label("b"),
                sa.cast(sa.null(), sa.Text).label("stamp"),
            )
        else:
            stamp = _next_stamp(dialect, table, _slot(first + n))
            values: dict[str, Any] = {c: _slot(first + i) for i, c in enumerate(columns)}
            values["updatedAt"] = stamp
            conds = [table.c.id == p.c.bid, allowed]
            if kind == "delete":
                values["deletedAt"] = stamp
                conds.append(table.c.deletedAt.is_(None))
            elif kind == "restore":
                conds.append(table.c.deletedAt.is_not(None))
            write = sa.update(table).where(*conds).values(values).returning(
                table.c.id.label("id"),
                dialect.as_text(record_json(catalog, dialect, Aliases(), table, whole)).label("a"),
                p.c.j.label("b"),
                dialect.as_text(dialect.json_value(table.c.updatedAt, Storage.TIMESTAMP)).label("stamp"),
            )

        def final(w: Any) -> Any:
            return sa.select(count.c.n, w.c.id, w.c.a).select_from(count.outerjoin(w, sa.true())).order_by(w.c.id)

        return _with_event(
            catalog, dialect, object_name, write, first + n + 1, changed=kind != "destroy", many=True,
            entries=kind != "destroy", final=final,
        )

    key = ("write many evented", object_name, kind, where, columns, include_deleted, only_deleted, whole, first, limit)
    return cached(catalog, dialect, key, build)
