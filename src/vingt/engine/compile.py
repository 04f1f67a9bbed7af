"""Plans → SQL text, compiled once per plan shape and catalog version.

A page read is one statement: the filtered, ordered, keyset-sought rows, each rendered to
JSON by the database, with relations embedded through correlated subqueries (one per
relation field, whatever the page size), and the total count as a scalar subquery.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement, Grouping

from vingt.engine.planner import readable_fields
from vingt.engine.plans import BoolPred, CountPlan, Exists, Pred, ReadPlan, Selection, Sort, Where
from vingt.engine.query import Composite, Constant, Layout, Record, Rows, ToMany, ToOne, Value
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import Storage
from vingt.sql.dialect import Dialect
from vingt.sql.tables import tables


@dataclass(frozen=True)
class Compiled:
    sql: str
    slots: tuple[int, ...]  # the slot of each positional parameter

    def params(self, values: list[Any]) -> list[Any]:
        return [values[s] for s in self.slots]


def _slot(n: int) -> Any:
    return sa.bindparam(f"s{n}")


def finish(dialect: Dialect, stmt: Any) -> Compiled:
    sql, names = dialect.compile(stmt)
    if any(not n.startswith("s") for n in names):
        raise AssertionError(f"unexpected bound literal in {names}")
    return Compiled(sql, tuple(int(n[1:]) for n in names))


def cached(catalog: Catalog, dialect: Dialect, key: Any, build: Any) -> Compiled:
    """The statement compiled for ``key``: a bounded, least-recently-used cache per catalog
    and dialect (``statement_cache_size``)."""
    cache = catalog.lru(("sql", dialect.name), catalog.statement_cache_size)
    hit = cache.get(key)
    if hit is None:
        hit = cache.put(key, finish(dialect, build()))
    return hit  # type: ignore[no-any-return]


class Aliases:
    def __init__(self) -> None:
        self.counter = itertools.count()

    def next(self, table: sa.Table) -> Any:
        return table.alias(f"t{next(self.counter)}")


# ---- where ----------------------------------------------------------------------------------


# terms of one AND / OR rendered side by side; more are split into groups of this size,
# combined as a balanced tree of parenthesised pairs, so that the expression's depth grows
# with the logarithm of the number of terms (SQLite refuses expressions deeper than 1000, and
# a flat chain of OR is as deep as it is long)
GROUP_TERMS = 16


def where_sql(catalog: Catalog, dialect: Dialect, t: Any, where: Where) -> ColumnElement[bool]:
    if isinstance(where, BoolPred):
        parts = [where_sql(catalog, dialect, t, item) for item in where.items]
        if where.op == "and":
            return _balanced(sa.and_, "AND", parts)
        if where.op == "or":
            return _balanced(sa.or_, "OR", parts)
        return sa.not_(parts[0])
    if isinstance(where, Exists):
        return _exists(catalog, dialect, t, where)
    return _pred(dialect, t.c[where.column], where)


def _exists(catalog: Catalog, dialect: Dialect, t: Any, e: Exists) -> ColumnElement[bool]:
    """A relation filter: some (live) related row matches, correlated to ``t``. The alias is
    named after the outer one, so relation filters inside relation filters get their own."""
    r = tables(catalog, dialect)[e.object_name].alias(f"{t.name}_x")
    conds = [r.c[e.remote] == t.c[e.local], *live_rows(catalog, r, e.where, e.include_deleted, dialect)]
    return sa.exists(sa.select(sa.literal_column("1")).select_from(r).where(*conds))


def _balanced(op: Any, word: str, parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    if len(parts) <= GROUP_TERMS:
        return op(*parts)  # type: ignore[no-any-return]
    groups = [op(*parts[i : i + GROUP_TERMS]) for i in range(0, len(parts), GROUP_TERMS)]

    def pair(items: list[Any]) -> Any:
        # a custom operator binding tighter than AND / OR keeps each side in parentheses
        if len(items) == 1:
            return items[0]
        mid = len(items) // 2
        return pair(items[:mid]).op(word, precedence=100, is_comparison=True)(pair(items[mid:]))

    return Grouping(pair(groups))  # type: ignore[return-value]


def _pred(dialect: Dialect, col: Any, p: Pred) -> ColumnElement[bool]:
    k = p.kind
    if k == "is_null":
        if p.storage == Storage.TEXT_ARRAY:
            return sa.or_(col.is_(None), dialect.array_is_empty(col))
        return col.is_(None)  # type: ignore[no-any-return]
    if k == "not_null":
        if p.storage == Storage.TEXT_ARRAY:
            return sa.and_(col.is_not(None), sa.not_(dialect.array_is_empty(col)))
        return col.is_not(None)  # type: ignore[no-any-return]
    assert p.slot is not None
    param = _slot(p.slot)
    if k == "eq":
        return col == param  # type: ignore[no-any-return]
    if k == "neq":
        return col != param  # type: ignore[no-any-return]
    if k == "gt":
        return col > param  # type: ignore[no-any-return]
    if k == "gte":
        return col >= param  # type: ignore[no-any-return]
    if k == "lt":
        return col < param  # type: ignore[no-any-return]
    if k == "lte":
        return col <= param  # type: ignore[no-any-return]
    if k == "in":
        return dialect.in_list(col, param)
    if k == "overlaps":
        return dialect.overlaps(col, param)
    if k == "like":
        return col.like(param, escape="\\")  # type: ignore[no-any-return]
    if k == "ilike":
        return dialect.ilike(col, param)
    if k == "contains_all":
        return dialect.contains_all(col, param)
    if k == "not_contains_all":
        return sa.or_(col.is_(None), sa.not_(dialect.contains_all(col, param)))
    if k == "same_set":
        return sa.and_(dialect.contains_all(col, param), dialect.contained_by(col, param))
    if k == "element_ilike":
        return dialect.element_ilike(col, param)
    if k == "json_like":
        return dialect.json_like(col, param)
    if k == "json_contains":
        return dialect.json_contains(col, param)
    if k in ("regex", "iregex"):
        return dialect.regex(col, param, k == "iregex")
    raise ValueError(f"unknown predicate {k}")


def live_rows(
    catalog: Catalog, t: Any, where: Where | None, include_deleted: bool, dialect: Dialect
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if where is not None:
        conds.append(where_sql(catalog, dialect, t, where))
    if not include_deleted:
        conds.append(t.c.deletedAt.is_(None))
    return conds


# ---- order and seek -------------------------------------------------------------------------


def sort_key(t: Any, s: Sort) -> Any:
    """The expression a sort orders by: the column, or an option's rank for SELECT fields."""
    col = t.c[s.column]
    if not s.ranks:
        return col
    # option values are validated identifiers (UPPER_SNAKE_CASE), safe to inline
    return sa.case(
        *[(col == sa.literal_column(f"'{v}'"), sa.literal_column(str(i))) for i, v in enumerate(s.ranks)],
        else_=sa.null(),
    )


def order_sql(t: Any, order: tuple[Sort, ...], reverse: bool = False) -> list[Any]:
    out = []
    for s in order:
        direction = _flip(s.direction) if reverse else s.direction
        col = sort_key(t, s)
        expr = col.asc() if direction.startswith("Asc") else col.desc()
        out.append(expr.nulls_first() if direction.endswith("NullsFirst") else expr.nulls_last())
    return out


def _flip(direction: str) -> str:
    return {
        "AscNullsFirst": "DescNullsLast",
        "AscNullsLast": "DescNullsFirst",
        "DescNullsFirst": "AscNullsLast",
        "DescNullsLast": "AscNullsFirst",
    }[direction]


def seek_sql(
    t: Any, table: sa.Table, order: tuple[Sort, ...], cursor_slot: int, reverse: bool, name: str = "cursor"
) -> ColumnElement[bool]:
    """Rows strictly after the cursor record in the (possibly reversed) order, NULL-aware:
    ``k1 after v1 OR (k1 = v1 AND (k2 after v2 OR (…)))``; ``name``: the cursor row's alias."""
    cur = table.alias(name)

    def value(s: Sort) -> Any:
        return sa.select(sort_key(cur, s)).where(cur.c.id == _slot(cursor_slot)).scalar_subquery()

    expr: ColumnElement[bool] | None = None
    for s in reversed(order):
        direction = _flip(s.direction) if reverse else s.direction
        col, v = sort_key(t, s), value(s)
        strictly = col > v if direction.startswith("Asc") else col < v
        if direction.endswith("NullsFirst"):
            after = sa.or_(sa.and_(v.is_(None), col.is_not(None)), strictly)
        else:
            after = sa.or_(sa.and_(v.is_not(None), col.is_(None)), strictly)
        expr = after if expr is None else sa.or_(after, sa.and_(col.is_not_distinct_from(v), expr))
    assert expr is not None
    # a cursor whose record is gone selects nothing (and is then reported as invalid)
    gone = table.alias(f"{name}_row")
    return sa.and_(sa.exists(sa.select(gone.c.id).where(gone.c.id == _slot(cursor_slot))), expr)


# ---- record JSON ----------------------------------------------------------------------------


def record_json(
    catalog: Catalog, dialect: Dialect, aliases: Aliases, t: Any, sel: Selection
) -> ColumnElement[Any]:
    obj = catalog.object(sel.object_name)
    wanted = None if sel.fields is None else set(sel.fields)
    embedded = dict(sel.relations)
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for f in readable_fields(obj):
        if f.is_relation:
            if f.is_many_to_one and (wanted is None or f.name in wanted or f.join_column in wanted):
                pairs.append((f.join_column, t.c[f.join_column]))
            if f.name in embedded:
                pairs.append((f.name, _relation_json(catalog, dialect, aliases, t, obj, f, embedded[f.name])))
            continue
        if wanted is not None and f.name not in wanted:
            continue
        pairs.append((f.name, _field_json(dialect, t, f)))
    return dialect.json_build(pairs)


def _field_json(dialect: Dialect, t: Any, f: FieldMeta) -> ColumnElement[Any]:
    cols = f.columns()
    if f.is_composite:
        return dialect.json_build(
            [(c.sub.name, dialect.json_value(t.c[c.name], c.storage)) for c in cols if c.sub is not None]
        )
    (c,) = cols
    return dialect.json_value(t.c[c.name], c.storage)


def _relation_json(
    catalog: Catalog, dialect: Dialect, aliases: Aliases, parent: Any, obj: ObjectMeta, f: FieldMeta, sel: Selection
) -> ColumnElement[Any]:
    assert f.relation is not None
    if f.is_many_to_one:
        return _one_json(catalog, dialect, aliases, parent, f, sel, partial(record_json, catalog, dialect, aliases))
    records, name = _rows_json(catalog, dialect, aliases, parent, f, sel, partial(record_json, catalog, dialect, aliases))
    if not sel.with_total and not sel.aggregates:
        return records
    target_table = tables(catalog, dialect)[f.relation.target_object]
    pairs: list[tuple[str, ColumnElement[Any]]] = [("records", records)]
    if sel.with_total:
        pairs.append(("totalCount", _count_json(catalog, dialect, name, parent, f, sel)))
    if sel.aggregates:
        from vingt.engine.group_by import aggregates_json  # group_by compiles with this module

        a = target_table.alias(f"{name}_agg")
        pairs.append(("aggregates", (
            sa.select(aggregates_json(dialect, a, sel.aggregates))
            .select_from(a)
            .where(a.c[_inverse(catalog, f)] == parent.c.id, *live_rows(catalog, a, sel.where, sel.include_deleted, dialect))
            .correlate(parent)
            .scalar_subquery()
        )))
    return dialect.json_build(pairs)


Render = Callable[[Any, Selection], ColumnElement[Any]]  # (row alias, selection) → its JSON


def _inverse(catalog: Catalog, f: FieldMeta) -> str:
    """The join column of a one-to-many relation's records."""
    assert f.relation is not None
    inverse = catalog.object(f.relation.target_object).field(f.relation.target_field)
    assert inverse is not None
    return inverse.join_column


def _one_json(
    catalog: Catalog, dialect: Dialect, aliases: Aliases, parent: Any, f: FieldMeta, sel: Selection, render: Render
) -> ColumnElement[Any]:
    """A many-to-one relation's live record, rendered by ``render``, or NULL."""
    assert f.relation is not None
    r = aliases.next(tables(catalog, dialect)[f.relation.target_object])
    return (
        sa.select(render(r, sel)).where(r.c.id == parent.c[f.join_column], r.c.deletedAt.is_(None)).scalar_subquery()
    )


def _rows_json(
    catalog: Catalog, dialect: Dialect, aliases: Aliases, parent: Any, f: FieldMeta, sel: Selection, render: Render
) -> tuple[ColumnElement[Any], str]:
    """A one-to-many relation's records of ``parent`` (``sel``'s filter, cursor, order, then
    id, and bound), each rendered by ``render``, as a JSON array; and the rows' alias."""
    assert f.relation is not None
    target_table = tables(catalog, dialect)[f.relation.target_object]
    r = aliases.next(target_table)
    body = render(r, sel)
    # the rows of this parent: the relation's own filter, cursor, order (then id) and bound;
    # ``reverse``: the last rows of the order, picked in the flipped order
    mine = r.c[_inverse(catalog, f)] == parent.c.id
    rows = [mine, *live_rows(catalog, r, sel.where, sel.include_deleted, dialect)]
    base = sel.order or (Sort("id", "AscNullsFirst"),)
    if sel.seek is not None:
        rows.append(seek_sql(r, target_table, base, sel.seek.slot, sel.reverse, name=f"{r.name}_cursor"))
    # the key the records are aggregated in order of: the id, or their rank in the order
    key = sa.func.row_number().over(order_by=order_sql(r, base)) if sel.order else r.c.id
    picked = (
        sa.select(body.label("j"), key.label("k"))
        .where(*rows)
        .order_by(*order_sql(r, base, sel.reverse))
        .correlate(parent)
    )
    inner = _limit(picked, sa.literal_column(str(sel.limit)), dialect, sel.offset).subquery(f"{r.name}_rows")
    agg: ColumnElement[Any]
    if dialect.name == "postgresql":
        agg = sa.func.coalesce(
            sa.func.json_agg(aggregate_order_by(inner.c.j, inner.c.k)), sa.literal_column("'[]'::json")
        )
    else:
        if sel.reverse:  # SQLite aggregates rows in the order its subquery gives them
            inner = sa.select(inner.c.j).order_by(inner.c.k).subquery(f"{r.name}_ordered")
        agg = dialect.json_agg(inner.c.j)
    return sa.select(agg).select_from(inner).scalar_subquery(), r.name


def _count_json(
    catalog: Catalog, dialect: Dialect, name: str, parent: Any, f: FieldMeta, sel: Selection
) -> ColumnElement[Any]:
    """The number of ``parent``'s records of a one-to-many relation that ``sel``'s filter
    matches; ``name``: the alias's prefix."""
    assert f.relation is not None
    c = tables(catalog, dialect)[f.relation.target_object].alias(f"{name}_all")
    return (
        sa.select(sa.func.count())
        .select_from(c)
        .where(c.c[_inverse(catalog, f)] == parent.c.id, *live_rows(catalog, c, sel.where, sel.include_deleted, dialect))
        .correlate(parent)
        .scalar_subquery()
    )


# ---- laid-out JSON --------------------------------------------------------------------------


def layout_json(
    catalog: Catalog, dialect: Dialect, aliases: Aliases, t: Any, sel: Selection, layout: Layout
) -> ColumnElement[Any]:
    """A record of ``sel`` rendered by ``layout`` (``engine.query.Layout``): its entries' keys
    in order, values rendered as ``record_json`` renders them."""
    obj = catalog.object(sel.object_name)
    embedded = dict(sel.relations)
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for e in layout.entries:
        if isinstance(e, Value):
            f = obj.field(e.name)
            pairs.append((e.key, t.c[e.name] if f is None else _field_json(dialect, t, f)))
        elif isinstance(e, Constant):
            pairs.append((e.key, _constant(e.value)))
        elif isinstance(e, Composite):
            f = obj.field(e.name)
            assert f is not None
            subs = {c.sub.name: c for c in f.columns() if c.sub is not None}
            items: list[tuple[str, ColumnElement[Any]]] = []
            for sub in e.subs:
                if isinstance(sub, Constant):
                    items.append((sub.key, _constant(sub.value)))
                elif sub.name in subs:
                    col = subs[sub.name]
                    items.append((sub.key, dialect.json_value(t.c[col.name], col.storage)))
                else:
                    items.append((sub.key, sa.null()))
            pairs.append((e.key, dialect.json_build(items)))
        elif isinstance(e, Record):
            pairs.append((e.key, layout_json(catalog, dialect, aliases, t, sel, e.layout)))
        elif isinstance(e, ToOne):
            f = obj.field(e.relation)
            inner = embedded.get(e.relation)
            if f is None or inner is None:
                pairs.append((e.key, sa.null()))
                continue
            render = partial(layout_json, catalog, dialect, aliases, layout=e.layout)
            pairs.append((e.key, _one_json(catalog, dialect, aliases, t, f, inner, render)))
        else:
            pairs.append((e.key, _many_layout(catalog, dialect, aliases, t, obj, embedded.get(e.relation), e)))
    return dialect.json_build(pairs)


def _many_layout(
    catalog: Catalog, dialect: Dialect, aliases: Aliases, t: Any, obj: ObjectMeta, sel: Selection | None, e: ToMany
) -> ColumnElement[Any]:
    f = obj.field(e.relation)
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for item in e.entries:
        if isinstance(item, Constant):
            pairs.append((item.key, _constant(item.value)))
        elif f is None or sel is None:  # a relation the planner left out: as a record without it
            pairs.append((item.key, _empty_array(dialect) if isinstance(item, Rows) else sa.null()))
        elif isinstance(item, Rows):
            render = partial(layout_json, catalog, dialect, aliases, layout=item.layout)
            rows, _name = _rows_json(catalog, dialect, aliases, t, f, sel, render)
            pairs.append((item.key, rows))
        else:
            pairs.append((item.key, _count_json(catalog, dialect, f"t{next(aliases.counter)}", t, f, sel)))
    return dialect.json_build(pairs)


def _empty_array(dialect: Dialect) -> ColumnElement[Any]:
    if dialect.name == "postgresql":
        return sa.literal_column("'[]'::json")
    return sa.func.json(sa.literal_column("'[]'"))


def _constant(value: str) -> ColumnElement[Any]:
    """A string constant inlined in the statement (an identifier: ``query_planner.check_layout``)."""
    assert value.isidentifier() and value.isascii()
    return sa.cast(sa.literal_column(f"'{value}'"), sa.Text)


def _limit(stmt: Any, limit: Any, dialect: Dialect, offset: int = 0) -> Any:
    stmt = stmt.limit(limit)
    if offset or dialect.name == "sqlite":
        # SQLite's compiler pairs LIMIT with a bound OFFSET; pin it to a literal
        stmt = stmt.offset(sa.literal_column(str(int(offset))))
    return stmt


# ---- statements -----------------------------------------------------------------------------


def compile_read(catalog: Catalog, dialect: Dialect, plan: ReadPlan) -> Compiled:
    """``SELECT id, <record json>[, total] FROM t WHERE … ORDER BY … LIMIT n``."""

    def build() -> Any:
        table = tables(catalog, dialect)[plan.object_name]
        aliases = Aliases()
        t = table.alias("r")
        reverse = plan.reverse or (plan.seek is not None and plan.seek.direction == "before")
        body = (record_json(catalog, dialect, aliases, t, plan.selection) if plan.layout is None
                else layout_json(catalog, dialect, aliases, t, plan.selection, plan.layout))
        cols: list[Any] = [t.c.id, dialect.as_text(body).label("j")]
        if plan.with_total:
            c = table.alias("c")
            total = sa.select(sa.func.count()).select_from(c).where(*live_rows(catalog, c, plan.where, plan.include_deleted, dialect))
            cols.append(total.scalar_subquery().label("total"))
        if plan.with_stamp:
            cols.append(dialect.as_text(dialect.json_value(t.c.updatedAt, Storage.TIMESTAMP)).label("stamp"))
        conds = live_rows(catalog, t, plan.where, plan.include_deleted, dialect)
        if plan.seek is not None:
            conds.append(seek_sql(t, table, plan.order, plan.seek.slot, reverse))
        stmt = sa.select(*cols).where(*conds).order_by(*order_sql(t, plan.order, reverse))
        if plan.limit_slot is not None:
            stmt = _limit(stmt, _slot(plan.limit_slot), dialect)
        if plan.offset_slot is not None:
            stmt = stmt.offset(_slot(plan.offset_slot))
        return stmt

    return cached(catalog, dialect, plan, build)


def compile_count(catalog: Catalog, dialect: Dialect, plan: CountPlan) -> Compiled:
    def build() -> Any:
        t = tables(catalog, dialect)[plan.object_name].alias("c")
        return sa.select(sa.func.count()).select_from(t).where(*live_rows(catalog, t, plan.where, plan.include_deleted, dialect))

    return cached(catalog, dialect, plan, build)


def compile_exists(catalog: Catalog, dialect: Dialect, object_name: str) -> Compiled:
    """``SELECT id, deletedAt IS NOT NULL FROM t WHERE id = ?`` (slot 0)."""

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        return sa.select(t.c.id, t.c.deletedAt.is_not(None)).where(t.c.id == _slot(0))

    return cached(catalog, dialect, ("exists", object_name), build)


def compile_ids(catalog: Catalog, dialect: Dialect, object_name: str, where: Where | None, include_deleted: bool,
                only_deleted: bool = False, limit_slot: int | None = None, lock: bool = False) -> Compiled:
    """The ids of the rows a filter selects (for mutations by filter); ``limit_slot``: at
    most that many; ``lock``: the rows locked for the write that follows (PostgreSQL: ``FOR
    UPDATE``, in id order — which also keeps the scan out of parallel workers, whose start-up
    cost more than the scan under concurrent requests)."""

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        conds = live_rows(catalog, t, where, include_deleted or only_deleted, dialect)
        if only_deleted:
            conds.append(t.c.deletedAt.is_not(None))
        stmt = sa.select(t.c.id).where(*conds).order_by(t.c.id)
        if limit_slot is not None:
            stmt = _limit(stmt, _slot(limit_slot), dialect)
        if lock:
            stmt = stmt.with_for_update(of=t)
        return stmt

    key = ("ids", object_name, where, include_deleted, only_deleted, limit_slot, lock)
    return cached(catalog, dialect, key, build)


def compile_insert(
    catalog: Catalog,
    dialect: Dialect,
    object_name: str,
    position: str | None = None,
    returning: Selection | None = None,
) -> tuple[Compiled, tuple[str, ...]]:
    """An INSERT of every column, and the column order its parameters follow. ``position``
    ``"first"`` / ``"last"``: the position is computed in the statement (before the lowest,
    after the highest). ``returning``: a depth-0 selection the statement returns as
    ``(id, record JSON, updatedAt)``, so that one record is created in one round trip."""
    table = tables(catalog, dialect)[object_name]
    names_key = ("insert columns", dialect.name, object_name, position is None)
    names = catalog.derived.get(names_key)
    if names is None:
        names = catalog.derived[names_key] = tuple(
            c.key for c in table.columns if position is None or c.key != "position"
        )

    def build() -> Any:
        values: dict[str, Any] = {n: _slot(i) for i, n in enumerate(names)}
        if position is not None:
            t = table.alias("existing")
            if position == "first":
                values["position"] = (
                    sa.select(sa.func.coalesce(sa.func.min(t.c.position), sa.literal_column("0")) - sa.literal_column("1"))
                    .scalar_subquery()
                )
            else:
                values["position"] = (
                    sa.select(sa.func.coalesce(sa.func.max(t.c.position), sa.literal_column("0")) + sa.literal_column("1"))
                    .scalar_subquery()
                )
        stmt = sa.insert(table).values(values)
        if returning is not None:
            assert not returning.relations, "RETURNING renders depth 0 only"
            stmt = stmt.returning(
                table.c.id,
                dialect.as_text(record_json(catalog, dialect, Aliases(), table, returning)).label("j"),
                dialect.as_text(dialect.json_value(table.c.updatedAt, Storage.TIMESTAMP)).label("stamp"),
            )
        return stmt

    return cached(catalog, dialect, ("insert", object_name, position, returning), build), names


def _next_stamp(dialect: Dialect, t: Any, now: Any) -> Any:
    """``max(now, updatedAt + 1 ms)``: a record's ``updatedAt`` strictly increases on every
    write, even two writes within one millisecond, so its ETag always changes."""
    if dialect.name == "postgresql":
        return sa.func.greatest(now, t.c.updatedAt.op("+")(sa.literal_column("interval '1 millisecond'")))
    bumped = sa.func.strftime(
        sa.literal_column("'%Y-%m-%dT%H:%M:%f'"), t.c.updatedAt, sa.literal_column("'+0.001 seconds'")
    ).op("||")(sa.literal_column("'Z'"))
    return sa.func.max(now, sa.func.coalesce(bumped, now))


def compile_touch(
    catalog: Catalog, dialect: Dialect, object_name: str, columns: tuple[str, ...], *, live_only: bool,
    deleted_only: bool, soft_delete: bool, expect: bool, many: bool = False,
) -> Compiled:
    """``UPDATE t SET c_i = s_i, "updatedAt" = <next stamp>[, "deletedAt" = <next stamp>]
    WHERE id = s_n+1 [AND "deletedAt" IS [NOT] NULL] [AND "updatedAt" = s_n+2]
    RETURNING id, "updatedAt"`` (slot n: now). ``many``: slot n+1 is a list of ids
    (``WHERE id IN (…)``), so one statement writes any number of records."""
    n = len(columns)

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        conds = [dialect.in_list(t.c.id, _slot(n + 1)) if many else t.c.id == _slot(n + 1)]
        if live_only:
            conds.append(t.c.deletedAt.is_(None))
        if deleted_only:
            conds.append(t.c.deletedAt.is_not(None))
        if expect:
            conds.append(t.c.updatedAt == _slot(n + 2))
        stamp = _next_stamp(dialect, t, _slot(n))
        values: dict[str, Any] = {c: _slot(i) for i, c in enumerate(columns)}
        values["updatedAt"] = stamp
        if soft_delete:
            values["deletedAt"] = stamp
        return sa.update(t).where(*conds).values(values).returning(t.c.id, t.c.updatedAt)

    key = ("touch", object_name, columns, live_only, deleted_only, soft_delete, expect, many)
    return cached(catalog, dialect, key, build)


def compile_destroy(catalog: Catalog, dialect: Dialect, object_name: str, expect: bool, many: bool = False) -> Compiled:
    """``DELETE FROM t WHERE id = s0 [AND "updatedAt" = s1] RETURNING id``; ``many``: s0 is
    a list of ids (``WHERE id IN (…)``)."""

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        conds = [dialect.in_list(t.c.id, _slot(0)) if many else t.c.id == _slot(0)]
        if expect:
            conds.append(t.c.updatedAt == _slot(1))
        return sa.delete(t).where(*conds).returning(t.c.id)

    return cached(catalog, dialect, ("destroy", object_name, expect, many), build)


def compile_update_rows(
    catalog: Catalog, dialect: Dialect, object_name: str, columns: tuple[str, ...], partial: tuple[str, ...], rows: int,
) -> Compiled:
    """One ``UPDATE`` writing different values to each of several records, ``updatedAt``
    taking each record's next stamp; ``RETURNING id, "updatedAt"``. A row of values is
    ``(id, columns…, flags…)``: a column of ``partial`` is only written where its flag is
    true (the records do not all set it), the others keep their value.

    PostgreSQL: ``UPDATE t SET … FROM (VALUES (…), …) AS v WHERE t.id = v.id``, slot 0 the
    stamp, then the rows' values in order (the statement is built per row count).
    SQLite: ``UPDATE t SET … FROM json_each(s0) AS v WHERE t.id = v.value ->> 0``, slot 0 a
    JSON array of the rows, slot 1 the stamp (one statement text whatever the count)."""
    width = 1 + len(columns) + len(partial)

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        value: dict[str, Any]
        flag: dict[str, Any]
        source: Any
        if dialect.name == "postgresql":
            now = _slot(0)
            names = ["id", *columns, *[f"flag_{c}" for c in partial]]
            types = [t.c.id.type, *[t.c[c].type for c in columns], *[sa.Boolean() for _ in partial]]
            source = sa.values(*[sa.column(n, ty) for n, ty in zip(names, types, strict=True)], name="v").data(
                [
                    tuple(sa.cast(_slot(1 + r * width + k), types[k]) for k in range(width))
                    for r in range(rows)
                ]
            )
            key = source.c.id
            value = {c: source.c[c] for c in columns}
            flag = {c: source.c[f"flag_{c}"] for c in partial}
        else:
            now = _slot(1)
            source = sa.func.json_each(_slot(0)).table_valued("value").alias("v")

            def cell(k: int) -> Any:
                return sa.func.json_extract(source.c.value, sa.literal_column(f"'$[{k}]'"))

            key = cell(0)
            value = {c: cell(1 + i) for i, c in enumerate(columns)}
            flag = {c: cell(1 + len(columns) + i) == sa.literal_column("1") for i, c in enumerate(partial)}
        values: dict[str, Any] = {
            c: sa.case((flag[c], value[c]), else_=t.c[c]) if c in flag else value[c] for c in columns
        }
        values["updatedAt"] = _next_stamp(dialect, t, now)
        return sa.update(t).where(t.c.id == key).values(values).returning(t.c.id, t.c.updatedAt)

    count = rows if dialect.name == "postgresql" else 0
    return cached(catalog, dialect, ("update rows", object_name, columns, partial, count), build)


def compile_stamp(catalog: Catalog, dialect: Dialect, object_name: str) -> Compiled:
    """``SELECT "updatedAt", "deletedAt" IS NOT NULL FROM t WHERE id = s0``."""

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        return sa.select(t.c.updatedAt, t.c.deletedAt.is_not(None)).where(t.c.id == _slot(0))

    return cached(catalog, dialect, ("stamp", object_name), build)


def compile_min_position(catalog: Catalog, dialect: Dialect, object_name: str, fn: str) -> Compiled:
    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        return sa.select(getattr(sa.func, fn)(t.c.position))

    return cached(catalog, dialect, ("position", object_name, fn), build)


def compile_match(catalog: Catalog, dialect: Dialect, object_name: str, columns: tuple[str, ...]) -> Compiled:
    """Rows (soft-deleted included) whose id or a unique column is in the given lists, for
    upserts: slot i holds the list of values for ``columns[i]``."""

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        conds = [dialect.in_list(t.c[c], _slot(i)) for i, c in enumerate(columns)]
        return sa.select(t.c.id, *[t.c[c] for c in columns if c != "id"]).where(sa.or_(*conds))

    return cached(catalog, dialect, ("match", object_name, columns), build)
