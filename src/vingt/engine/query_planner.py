"""``Query`` (engine/query.py) + catalog → a read plan, its bindings and what to compute beside.

The only place where a front end's read meets the workspace's metadata: objects, fields,
relations and aggregates are resolved here, values coerced, bounds checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vingt.engine.group_by import Aggregate, resolve_aggregate
from vingt.engine.planner import (
    include_deleted,
    plan_filter,
    plan_order,
    plan_selection,
    readable_fields,
    readable_name,
)
from vingt.engine.plans import Bindings, ReadPlan, Seek, Selection
from vingt.engine.query import (
    DEFAULT_RELATION_LIMIT,
    Composite,
    Constant,
    Count,
    Layout,
    Page,
    Query,
    Record,
    Relation,
    Rows,
    Select,
    ToOne,
    Value,
    decode_cursor,
)
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, ObjectMeta

MAX_RELATION_LIMIT = 200  # records one embedded one-to-many relation may ask for
MAX_SELECT_DEPTH = 5  # nesting of relations in one selection


@dataclass(frozen=True)
class QueryPlan:
    """What ``Reads.run`` executes: the read, its bindings, the cursor to check when the page
    is empty, whether the rows come in reverse (``last``), the page size, and the aggregates
    (with the total, in their own statement when any is asked for)."""

    read: ReadPlan
    bindings: Bindings
    cursor_id: str | None
    reversed: bool
    size: int
    total: bool
    aggregates: tuple[Aggregate, ...]


def query_object(catalog: Catalog, name: str) -> ObjectMeta:
    obj = catalog.by_singular.get(name)
    if obj is None or not obj.is_active:
        raise ApiError(
            "OBJECT_NOT_FOUND", f"object '{name}' not found",
            {"object": name, "accepted": sorted(o.name_singular for o in catalog.objects if o.is_active)},
        )
    return obj


def plan_query(catalog: Catalog, q: Query) -> QueryPlan:
    obj = query_object(catalog, q.object)
    b = Bindings()
    where = plan_filter(catalog, obj, q.filter, b) if q.filter is not None else None
    sorts = plan_order(obj, q.order)
    selection = plan_select(catalog, obj, q.select, b)
    page = q.page
    _check_page(page)
    backwards = page.last is not None
    size = page.last if backwards else page.first
    assert size is not None
    seek = None
    cursor_id = None
    cursor = page.before if backwards else page.after
    if (page.before if not backwards else page.after) is not None:
        raise ApiError(
            "INVALID_PARAMETER", "'after' goes with 'first', 'before' with 'last'",
            {"parameter": "before" if not backwards else "after"},
        )
    if cursor is not None:
        cursor_id = decode_cursor(cursor)
        seek = Seek("before" if backwards else "after", b.add(cursor_id))
    limit_slot = b.add(size + 1)
    offset_slot = b.add(page.offset) if page.offset else None
    aggregates = tuple(resolve_aggregate(obj, name, "INVALID_AGGREGATE") for name in q.aggregates)
    if q.layout is not None:
        check_layout(catalog, obj, selection, q.layout)
    plan = ReadPlan(
        obj.name_singular, where, include_deleted(q.filter), sorts, selection, limit_slot, seek,
        with_total=q.total and not aggregates, reverse=backwards and seek is None, offset_slot=offset_slot,
        layout=q.layout,
    )
    return QueryPlan(plan, b, cursor_id, backwards, size, q.total, aggregates)


_CONSTANT = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")  # type names: the compiler inlines them


def check_layout(catalog: Catalog, obj: ObjectMeta, sel: Selection, layout: Layout) -> None:
    """A layout renders only what the selection selects: its values are fields of the
    selection, its relations relations of it (of the right kind), its constants identifiers.
    Checked once per catalog, selection and layout."""
    cache = catalog.lru("layouts", catalog.selection_cache_size)
    key = (sel, layout)
    if cache.get(key) is None:
        _check_layout(catalog, obj, sel, layout)
        cache.put(key, True)


def _bad_layout(obj: ObjectMeta, name: str) -> ApiError:
    return ApiError(
        "INVALID_FIELDS", f"the layout names '{name}', which the selection of '{obj.name_singular}' does not select",
        {"field": name, "object": obj.name_singular},
    )


def _check_layout(catalog: Catalog, obj: ObjectMeta, sel: Selection, layout: Layout) -> None:
    embedded = dict(sel.relations)
    for e in layout.entries:
        if isinstance(e, Constant):
            _check_constant(obj, e)
        elif isinstance(e, Value | Composite):
            f = obj.field(e.name)
            selected = sel.fields is None or e.name in sel.fields
            if not selected or not readable_name(obj, e.name) or (f is not None and f.is_relation):
                raise _bad_layout(obj, e.name)
            if isinstance(e, Composite):
                if f is None or not f.is_composite:
                    raise _bad_layout(obj, e.name)
                for sub in e.subs:
                    if isinstance(sub, Constant):
                        _check_constant(obj, sub)
        elif isinstance(e, Record):
            _check_layout(catalog, obj, sel, e.layout)
        else:
            f = obj.field(e.relation)
            inner = embedded.get(e.relation)
            if f is None or f.relation is None or (f.is_many_to_one != isinstance(e, ToOne)):
                raise _bad_layout(obj, e.relation)
            if inner is None:  # a relation the planner left out (its object is not active)
                continue
            target = catalog.object(inner.object_name)
            if isinstance(e, ToOne):
                _check_layout(catalog, target, inner, e.layout)
                continue
            for item in e.entries:
                if isinstance(item, Rows):
                    _check_layout(catalog, target, inner, item.layout)
                elif isinstance(item, Constant):
                    _check_constant(obj, item)
                else:
                    assert isinstance(item, Count)


def _check_constant(obj: ObjectMeta, c: Constant) -> None:
    if not _CONSTANT.fullmatch(c.value):
        raise ApiError("INVALID_FIELDS", f"the layout's constant '{c.value}' is not a name",
                       {"value": c.value, "object": obj.name_singular})


def _check_page(page: Page) -> None:
    if (page.first is None) == (page.last is None):
        raise ApiError("INVALID_PARAMETER", "a page takes either 'first' or 'last'", {"parameter": "first"})
    for name, value in (("first", page.first), ("last", page.last), ("offset", page.offset)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ApiError(
                "INVALID_PARAMETER", f"'{name}' must be a non-negative integer", {"parameter": name, "value": value}
            )


def plan_select(catalog: Catalog, obj: ObjectMeta, select: Select, b: Bindings, level: int = 0) -> Selection:
    """The plan of a selection tree. A tree without relations is the cached selection of its
    fields (``plan_selection``), so that REST's shapes and GraphQL's share instances; a tree
    that binds no value (no relation filter) is planned once per catalog and shape."""
    if not select.relations:
        return plan_selection(catalog, obj, 0, select.fields)
    cache = catalog.lru("select plans", catalog.selection_cache_size)
    key = (obj.name_singular, select)
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    bound = len(b.values)
    planned = _plan_select(catalog, obj, select, b, level)
    if len(b.values) == bound:
        cache.put(key, planned)
    return planned


def _plan_select(catalog: Catalog, obj: ObjectMeta, select: Select, b: Bindings, level: int) -> Selection:
    if level >= MAX_SELECT_DEPTH:
        raise ApiError(
            "INVALID_DEPTH", f"Relations nest at most {MAX_SELECT_DEPTH} levels deep",
            {"limit": MAX_SELECT_DEPTH},
        )
    base = plan_selection(catalog, obj, 0, select.fields)
    relations: list[tuple[str, Selection]] = []
    seen: set[str] = set()
    for name, rel in select.relations:
        f = obj.field(name)
        if f is None or not f.is_active or not f.is_relation or f.relation is None:
            raise ApiError(
                "INVALID_FIELDS", f"'{name}' is not a relation of '{obj.name_singular}'",
                {"field": name, "object": obj.name_singular,
                 "accepted": sorted(x.name for x in readable_fields(obj) if x.is_relation)},
            )
        if name in seen:
            continue
        seen.add(name)
        target = catalog.by_singular.get(f.relation.target_object)
        if target is None or not target.is_active:
            continue
        relations.append((name, _relation(catalog, obj, name, f.is_one_to_many, target, rel, b, level)))
    return Selection(obj.name_singular, base.fields, tuple(relations))


def _relation(
    catalog: Catalog, obj: ObjectMeta, name: str, to_many: bool, target: ObjectMeta, rel: Relation, b: Bindings,
    level: int,
) -> Selection:
    inner = plan_select(catalog, target, rel.select, b, level + 1)
    if not to_many:
        paged = rel.offset or rel.first != DEFAULT_RELATION_LIMIT or rel.last is not None or rel.after or rel.before
        if rel.filter is not None or rel.order or rel.total or rel.aggregates or paged:
            raise ApiError(
                "INVALID_PARAMETER",
                f"'{name}' is a many-to-one relation: it takes no filter, order, page, total or aggregates",
                {"field": name, "object": obj.name_singular},
            )
        return inner
    backwards = rel.last is not None
    size = rel.last if rel.last is not None else rel.first
    if not 0 <= size <= MAX_RELATION_LIMIT or rel.offset < 0:
        raise ApiError(
            "INVALID_PARAMETER",
            f"'{name}': a relation embeds 0 to {MAX_RELATION_LIMIT} records (after a non-negative offset)",
            {"field": name, "limit": MAX_RELATION_LIMIT, "first": size, "offset": rel.offset},
        )
    if (rel.before if not backwards else rel.after) is not None:
        raise ApiError(
            "INVALID_PARAMETER", f"'{name}': 'after' goes with 'first', 'before' with 'last'",
            {"field": name, "parameter": "before" if not backwards else "after"},
        )
    where = plan_filter(catalog, target, rel.filter, b) if rel.filter is not None else None
    order = plan_order(target, rel.order) if rel.order else ()
    cursor = rel.before if backwards else rel.after
    seek = Seek("before" if backwards else "after", b.add(decode_cursor(cursor))) if cursor is not None else None
    aggregates = tuple(
        resolve_aggregate(target, a, "INVALID_AGGREGATE") for a in dict.fromkeys(rel.aggregates) if a != "totalCount"
    )
    return Selection(
        target.name_singular, inner.fields, inner.relations, where, include_deleted(rel.filter), order,
        size, rel.offset, rel.total or "totalCount" in rel.aggregates, backwards, seek, aggregates,
    )


def depth_select(
    catalog: Catalog,
    obj: ObjectMeta,
    depth: int,
    fields: tuple[str, ...] | None = None,
    objects: frozenset[str] | None = None,
) -> Select:
    """REST's ``depth`` and ``fields`` as a selection tree: every relation, to ``depth``
    levels (one-to-many relations with their default bound), that reaches one of ``objects``
    (an API key's; ``None``: any); one per catalog and shape."""
    cache = catalog.lru("depth selects", catalog.selection_cache_size)
    key = (obj.name_singular, depth, None if fields is None else tuple(sorted(set(fields))), objects)
    cached = cache.get(key)
    if cached is None:
        cached = cache.put(key, _depth_select(catalog, obj, depth, fields, objects))
    return cached  # type: ignore[no-any-return]


def _depth_select(
    catalog: Catalog, obj: ObjectMeta, depth: int, fields: tuple[str, ...] | None, objects: frozenset[str] | None
) -> Select:
    relations: list[tuple[str, Relation]] = []
    if depth > 0:
        for f in readable_fields(obj):
            if not f.is_relation or f.relation is None or (fields is not None and f.name not in fields):
                continue
            target = catalog.by_singular.get(f.relation.target_object)
            if target is None or not target.is_active or (objects is not None and target.name_singular not in objects):
                continue
            relations.append((f.name, Relation(depth_select(catalog, target, depth - 1, None, objects))))
    return Select(fields, tuple(relations))
