"""IR + catalog → plans: resolve field names, check comparators, coerce filter values.

This is the only place where names from a request meet the workspace's metadata; errors
here name the field and the accepted alternatives.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from typing import Any

import orjson

from vingt.engine.ir import BoolOp, Condition, Filter, OrderItem, Related, mentions
from vingt.engine.plans import Bindings, BoolPred, Exists, Pred, Selection, Sort, Where
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, Storage

ONE_TO_MANY_LIMIT = 60

_ORDERABLE = {
    Storage.UUID, Storage.TEXT, Storage.FLOAT, Storage.INTEGER, Storage.BIGINT, Storage.NUMERIC,
    Storage.BOOLEAN, Storage.TIMESTAMP, Storage.DATE,
}
_COMPARABLE = _ORDERABLE
_TEXTUAL = {Storage.TEXT}
_MS = dt.timedelta(milliseconds=1)


def object_by_plural(catalog: Catalog, plural: str) -> ObjectMeta:
    obj = catalog.by_plural.get(plural)
    if obj is not None and obj.is_active:
        return obj
    singular = catalog.by_singular.get(plural)
    if singular is not None and singular.is_active:
        raise ApiError(
            "OBJECT_NOT_FOUND",
            f"object '{plural}' not found. Did you mean '{singular.name_plural}'?",
            {"object": plural, "suggestion": singular.name_plural},
        )
    raise ApiError(
        "OBJECT_NOT_FOUND",
        f"object '{plural}' not found. eg: companies",
        {"object": plural, "accepted": sorted(o.name_plural for o in catalog.objects if o.is_active)},
    )


def readable_fields(obj: ObjectMeta) -> list[FieldMeta]:
    return [f for f in obj.fields if f.is_active and f.type != FieldType.TS_VECTOR]


def resolve_column(obj: ObjectMeta, path: tuple[str, ...], *, purpose: str) -> tuple[FieldMeta, str, Storage]:
    """``("name", "firstName")`` → (field, ``nameFirstName``, storage). ``purpose`` is
    ``filter`` or ``order_by`` and picks the error code."""
    code = "INVALID_FILTER" if purpose == "filter" else "INVALID_ORDER_BY"
    head = path[0]
    field = obj.field(head)
    if field is None or not field.is_active:
        # a join column addressed by its own name (companyId)
        if head.endswith("Id") and len(path) == 1:
            rel = obj.field(head[:-2])
            if rel is not None and rel.is_active and rel.is_many_to_one:
                return rel, rel.join_column, Storage.UUID
        raise ApiError(
            code,
            f"field '{head}' does not exist in '{obj.name_singular}' object",
            {"field": head, "object": obj.name_singular,
             "accepted": sorted(f.name for f in readable_fields(obj) if not f.is_one_to_many)},
        )
    if field.is_relation:
        if field.is_many_to_one and len(path) == 1:
            raise ApiError(
                code,
                f"'{head}' is a relation: use its id field '{field.join_column}'",
                {"field": head, "suggestion": field.join_column},
            )
        raise ApiError(code, f"relation field '{head}' cannot be used in {purpose}", {"field": head})
    if field.type == FieldType.TS_VECTOR:
        raise ApiError(code, f"field '{head}' cannot be used in {purpose}", {"field": head})
    if field.is_composite:
        if len(path) != 2:
            raise ApiError(
                code,
                f"composite field '{head}' needs a sub-field, e.g. '{head}.{field.subfields[0].name}'",
                {"field": head, "accepted": [f"{head}.{s.name}" for s in field.subfields]},
            )
        for col in field.columns():
            if col.sub is not None and col.sub.name == path[1]:
                return field, col.name, col.storage
        raise ApiError(
            code,
            f"'{path[1]}' is not a sub-field of '{head}'",
            {"field": head, "accepted": [f"{head}.{s.name}" for s in field.subfields]},
        )
    if len(path) != 1:
        raise ApiError(code, f"field '{head}' has no sub-fields", {"field": head})
    (col,) = field.columns()
    return field, col.name, col.storage


# ---- filter ---------------------------------------------------------------------------------


# the most conditions one filter may hold (a named 400 beyond): bounds the statement's size
MAX_FILTER_CONDITIONS = 1000
# relations one filter may go through, one inside another (company: {people: {…}})
MAX_FILTER_RELATIONS = 3


def plan_filter(catalog: Catalog, obj: ObjectMeta, f: Filter, b: Bindings) -> Where:
    count = _conditions(f)
    if count > MAX_FILTER_CONDITIONS:
        raise ApiError(
            "FILTER_TOO_COMPLEX",
            f"The filter has {count} conditions; at most {MAX_FILTER_CONDITIONS} are allowed",
            {"limit": MAX_FILTER_CONDITIONS, "received": count},
        )
    return _plan_filter(catalog, obj, f, b, 0)


def _conditions(f: Filter) -> int:
    if isinstance(f, BoolOp):
        return sum(_conditions(item) for item in f.items)
    if isinstance(f, Related):
        return _conditions(f.filter)
    return 1


def _plan_filter(catalog: Catalog, obj: ObjectMeta, f: Filter, b: Bindings, level: int) -> Where:
    if isinstance(f, BoolOp):
        return BoolPred(f.op, tuple(_plan_filter(catalog, obj, item, b, level) for item in f.items))
    if isinstance(f, Related):
        return _plan_related(catalog, obj, f, b, level)
    return _plan_condition(obj, f, b)


def related_target(catalog: Catalog, obj: ObjectMeta, f: Related) -> tuple[FieldMeta, ObjectMeta]:
    """The relation field a ``Related`` filter goes through and the object it reaches:
    a many-to-one relation, or a one-to-many relation that is not a morph relation."""
    field = obj.field(f.field)
    target = None
    if field is not None and field.is_active and field.relation is not None:
        target = catalog.by_singular.get(field.relation.target_object)
    usable = field is not None and (field.is_many_to_one or (field.is_one_to_many and field.type != FieldType.MORPH_RELATION))
    if field is None or target is None or not target.is_active or not usable:
        accepted = sorted(
            x.name for x in readable_fields(obj)
            if x.is_many_to_one or (x.is_one_to_many and x.type != FieldType.MORPH_RELATION)
        )
        raise ApiError(
            "INVALID_FILTER",
            f"'{f.field}' is not a relation of '{obj.name_singular}' that records can be filtered through",
            {"field": f.field, "object": obj.name_singular, "accepted": accepted, "position": f.position},
        )
    return field, target


def _plan_related(catalog: Catalog, obj: ObjectMeta, f: Related, b: Bindings, level: int) -> Where:
    field, target = related_target(catalog, obj, f)
    if level >= MAX_FILTER_RELATIONS:
        raise ApiError(
            "FILTER_TOO_COMPLEX",
            f"A filter goes through at most {MAX_FILTER_RELATIONS} relations, one inside another",
            {"limit": MAX_FILTER_RELATIONS, "field": f.field},
        )
    where = _plan_filter(catalog, target, f.filter, b, level + 1)
    if field.is_many_to_one:
        local, remote = field.join_column, "id"
    else:
        assert field.relation is not None
        inverse = target.field(field.relation.target_field)
        assert inverse is not None and inverse.is_many_to_one
        local, remote = "id", inverse.join_column
    return Exists(target.name_singular, local, remote, where, include_deleted(f.filter))


def include_deleted(f: Filter | None) -> bool:
    return mentions(f, "deletedAt")


def _bad_value(c: Condition, expected: str) -> ApiError:
    return ApiError(
        "INVALID_FILTER",
        f"'filter' invalid for '{'.'.join(c.path)}[{c.op}]': {c.value!r} is not a valid {expected}",
        {"field": ".".join(c.path), "comparator": c.op, "value": c.value, "expected": expected, "position": c.position},
    )


def _textual(c: Condition) -> Condition:
    """A condition whose value is typed (a number, a boolean, ``None``, a list of them, as a
    GraphQL front end passes them) with the value as the filter grammar spells it; ``eq`` /
    ``neq`` ``None`` are ``is NULL`` / ``is NOT_NULL``."""
    value: Any = c.value
    if isinstance(value, str) or (isinstance(value, tuple) and all(isinstance(v, str) for v in value)):
        return c
    if value is None and c.op in ("eq", "neq"):
        return Condition(c.path, "is", "NULL" if c.op == "eq" else "NOT_NULL", c.position)

    def text(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float | decimal.Decimal | str):
            return str(v)
        raise _bad_value(c, "string, number or boolean")

    if isinstance(value, tuple | list):
        return Condition(c.path, c.op, tuple(text(v) for v in value), c.position)
    return Condition(c.path, c.op, text(value), c.position)


def _plan_condition(obj: ObjectMeta, c: Condition, b: Bindings) -> Where:
    field, column, storage = resolve_column(obj, c.path, purpose="filter")
    c = _textual(c)
    if any("\x00" in v for v in ((c.value,) if isinstance(c.value, str) else c.value)):
        raise _bad_value(c, "value (NUL characters are not allowed)")
    op = c.op
    details = {"field": ".".join(c.path), "comparator": op, "position": c.position}
    if op == "is":
        return Pred(column, storage, "is_null" if c.value == "NULL" else "not_null")
    if storage == Storage.JSON:
        return _json_condition(c, column, storage, details, b)
    if storage == Storage.TEXT_ARRAY:
        return _array_condition(field, c, column, storage, details, b)
    if op == "containsAny":
        raise ApiError("INVALID_FILTER", f"'containsAny' only applies to list fields, not '{'.'.join(c.path)}'", details)
    if op in ("like", "ilike", "startsWith", "endsWith", "regex", "iregex"):
        if storage not in _TEXTUAL:
            raise ApiError("INVALID_FILTER", f"'{op}' only applies to text fields, not '{'.'.join(c.path)}'", details)
        assert isinstance(c.value, str)
        value = c.value
        if op == "startsWith":
            return Pred(column, storage, "like", b.add(_escape_like(value) + "%", storage))
        if op == "endsWith":
            return Pred(column, storage, "like", b.add("%" + _escape_like(value), storage))
        return Pred(column, storage, op, b.add(value, storage))
    if op == "in":
        assert isinstance(c.value, tuple)
        values = [_coerce_scalar(field, storage, v, c) for v in c.value]
        if storage == Storage.TIMESTAMP:
            return BoolPred("or", tuple(_timestamp_pred(column, storage, "eq", v, b) for v in values))
        return Pred(column, storage, "in", b.add(values, storage, many=True))
    if op in ("gt", "gte", "lt", "lte") and storage not in _COMPARABLE:
        raise ApiError("INVALID_FILTER", f"'{op}' cannot compare '{'.'.join(c.path)}'", details)
    assert isinstance(c.value, str)
    if op in ("gt", "gte", "lt", "lte") and field.type in (FieldType.SELECT, FieldType.RATING):
        return _option_range(field, column, storage, op, _coerce_scalar(field, storage, c.value, c), b)
    if c.value == "" and storage in _TEXTUAL and op in ("eq", "neq"):
        # null-equivalence: the empty string is stored as NULL
        return Pred(column, storage, "is_null" if op == "eq" else "not_null")
    value = _coerce_scalar(field, storage, c.value, c)
    if storage == Storage.TIMESTAMP:
        return _timestamp_pred(column, storage, op, value, b)
    return Pred(column, storage, op, b.add(value, storage))


_ARRAY_OPS = ("containsAny", "contains", "not_contains", "containsExactly", "containsIlike", "isEmptyArray", "is")
_ARRAY_KINDS = {"containsAny": "overlaps", "contains": "contains_all", "not_contains": "not_contains_all",
                "containsExactly": "same_set"}


def _array_condition(
    field: FieldMeta, c: Condition, column: str, storage: Storage, details: dict[str, Any], b: Bindings
) -> Where:
    """Lists (ARRAY, MULTI_SELECT): some of the values (``containsAny``), all of them
    (``contains``, negated by ``not_contains``, which NULL lists match), exactly them as a set
    (``containsExactly``), some value ILIKE a pattern (``containsIlike``, the caller's ``%``),
    and ``isEmptyArray`` (an empty list is stored as NULL or ``[]``: both are empty)."""
    op = c.op
    if op not in _ARRAY_OPS:
        raise ApiError(
            "INVALID_FILTER",
            f"'{'.'.join(c.path)}' is a list: use {', '.join(_ARRAY_OPS[:-1])} or is",
            {**details, "accepted": list(_ARRAY_OPS)},
        )
    if op == "isEmptyArray":
        if c.value not in ("true", "false"):
            raise _bad_value(c, "boolean (true or false)")
        return Pred(column, storage, "is_null" if c.value == "true" else "not_null")
    raw = (c.value,) if isinstance(c.value, str) else c.value
    if op == "containsIlike":
        return Pred(column, storage, "element_ilike", b.add(list(raw), Storage.TEXT, many=True))
    values = [_coerce_scalar(field, Storage.TEXT, v, c) for v in raw]
    return Pred(column, storage, _ARRAY_KINDS[op], b.add(values, Storage.TEXT, many=True))


def _json_condition(c: Condition, column: str, storage: Storage, details: dict[str, Any], b: Bindings) -> Where:
    """JSON values: ``like`` on their text, ``containsJsonb`` (the value, JSON text, is
    contained as jsonb's ``@>`` has it)."""
    if c.op == "like" and isinstance(c.value, str):
        return Pred(column, storage, "json_like", b.add(c.value, Storage.TEXT))
    if c.op == "containsJsonb" and isinstance(c.value, str):
        try:
            value = orjson.loads(c.value)
        except orjson.JSONDecodeError:
            raise _bad_value(c, "JSON text") from None
        return Pred(column, storage, "json_contains", b.add(value, Storage.JSON))
    raise ApiError(
        "INVALID_FILTER", f"'{'.'.join(c.path)}' can only be filtered with is, like or containsJsonb",
        {**details, "accepted": ["is", "like", "containsJsonb"]},
    )


def _option_range(field: FieldMeta, column: str, storage: Storage, op: str, value: str, b: Bindings) -> Where:
    """``gt`` / ``gte`` / ``lt`` / ``lte`` on a SELECT (or RATING) field compare option
    positions, as Twenty's enum columns do: the options on that side of ``value``."""
    options = list(field.option_values)
    at = options.index(value)
    chosen = {
        "gt": options[at + 1 :], "gte": options[at:], "lt": options[:at], "lte": options[: at + 1],
    }[op]
    return Pred(column, storage, "in", b.add(chosen, storage, many=True))


def _timestamp_pred(column: str, storage: Storage, op: str, value: dt.datetime, b: Bindings) -> Where:
    """Millisecond precision: ``eq v`` is ``[v, v+1ms)``."""
    nxt = value + _MS
    if op == "eq":
        return BoolPred("and", (Pred(column, storage, "gte", b.add(value, storage)), Pred(column, storage, "lt", b.add(nxt, storage))))
    if op == "neq":
        return BoolPred("or", (Pred(column, storage, "lt", b.add(value, storage)), Pred(column, storage, "gte", b.add(nxt, storage))))
    if op == "gt":
        return Pred(column, storage, "gte", b.add(nxt, storage))
    if op == "lte":
        return Pred(column, storage, "lt", b.add(nxt, storage))
    return Pred(column, storage, op, b.add(value, storage))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _coerce_scalar(field: FieldMeta, storage: Storage, raw: str, c: Condition) -> Any:
    if storage == Storage.UUID:
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise _bad_value(c, "UUID") from None
    if storage == Storage.TEXT:
        if field.type in (FieldType.SELECT, FieldType.RATING) and raw not in field.option_values:
            raise ApiError(
                "INVALID_FILTER",
                f"'filter' enum value '{raw}' not available in '{field.name}' enum. "
                f"Available enum values are {list(field.option_values)}",
                {"field": field.name, "value": raw, "accepted": list(field.option_values), "position": c.position},
            )
        if field.type == FieldType.MULTI_SELECT and raw not in field.option_values:
            raise _bad_value(c, f"option of {field.name}: {list(field.option_values)}")
        return raw
    if storage in (Storage.INTEGER, Storage.BIGINT):
        try:
            return int(raw)
        except ValueError:
            raise _bad_value(c, "integer") from None
    if storage == Storage.FLOAT:
        try:
            value = float(raw)
        except ValueError:
            raise _bad_value(c, "number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise _bad_value(c, "number")
        return value
    if storage == Storage.NUMERIC:
        try:
            num = decimal.Decimal(raw)
        except decimal.InvalidOperation:
            raise _bad_value(c, "number") from None
        if not num.is_finite():
            raise _bad_value(c, "number")
        return num
    if storage == Storage.BOOLEAN:
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise _bad_value(c, "boolean (true or false)")
    if storage == Storage.TIMESTAMP:
        parsed = parse_timestamp(raw)
        if parsed is None:
            raise _bad_value(c, "ISO-8601 date or date-time")
        return parsed
    if storage == Storage.DATE:
        day = parse_date(raw)
        if day is None:
            raise _bad_value(c, "date (YYYY-MM-DD)")
        return day
    raise _bad_value(c, "value")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(raw: str) -> dt.date | None:
    """Exactly ``YYYY-MM-DD`` (as writes take it) → the date; anything else → None."""
    if not _DATE.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def parse_timestamp(raw: str) -> dt.datetime | None:
    """ISO-8601 date or date-time → aware UTC datetime truncated to milliseconds."""
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:  # an offset that pushes it past year 1 or 9999
        return None
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


# ---- order ----------------------------------------------------------------------------------


def plan_order(obj: ObjectMeta, items: tuple[OrderItem, ...]) -> tuple[Sort, ...]:
    sorts: list[Sort] = []
    seen = set()
    for item in items:
        field, column, storage = resolve_column(obj, item.path, purpose="order_by")
        if storage not in _ORDERABLE:
            raise ApiError(
                "INVALID_ORDER_BY",
                f"field '{'.'.join(item.path)}' cannot be used to order records",
                {"field": ".".join(item.path)},
            )
        if column in seen:
            continue
        seen.add(column)
        ranks = field.option_values if field.type in (FieldType.SELECT, FieldType.RATING) else None
        sorts.append(Sort(column, item.direction, ranks or None))
    if "id" not in seen:
        sorts.append(Sort("id", "AscNullsFirst"))
    return tuple(sorts)


# ---- selection ------------------------------------------------------------------------------


def plan_selection(
    catalog: Catalog,
    obj: ObjectMeta,
    depth: int,
    fields: tuple[str, ...] | None = None,
    objects: frozenset[str] | None = None,
) -> Selection:
    """All readable fields (or the projection), and at depth ≥ 1 every relation; one
    instance per (object, depth, set of fields) and catalog, in a bounded least-recently-used
    cache (``selection_cache_size``). Records render their fields in metadata order, so the
    projection's order and repeats do not matter: it is kept sorted and deduplicated.
    ``objects``: the only objects relations may reach (an API key's); others are left out."""
    cache = catalog.lru("selections", catalog.selection_cache_size)
    key = (obj.name_singular, depth, None if fields is None else tuple(sorted(set(fields))), objects)
    cached = cache.get(key)
    if cached is None:
        cached = cache.put(key, _selection(catalog, obj, depth, fields, objects))
    return cached  # type: ignore[no-any-return]


def _selection(
    catalog: Catalog, obj: ObjectMeta, depth: int, fields: tuple[str, ...] | None, objects: frozenset[str] | None
) -> Selection:
    if fields is not None:
        unknown = [n for n in fields if not readable_name(obj, n)]
        if unknown:
            raise ApiError(
                "INVALID_FIELDS",
                f"'fields' parameter invalid. Unknown or unreadable fields on '{obj.name_singular}': {', '.join(unknown)}",
                {"fields": unknown, "object": obj.name_singular},
            )
        fields = tuple(sorted({"id", *fields}))
    relations: list[tuple[str, Selection]] = []
    if depth > 0:
        for f in readable_fields(obj):
            if not f.is_relation or f.relation is None:
                continue
            if fields is not None and f.name not in fields:
                continue
            target = catalog.by_singular.get(f.relation.target_object)
            if target is None or not target.is_active or (objects is not None and target.name_singular not in objects):
                continue
            relations.append((f.name, plan_selection(catalog, target, depth - 1, None, objects)))
    return Selection(obj.name_singular, fields, tuple(relations))


def readable_name(obj: ObjectMeta, name: str) -> bool:
    f = obj.field(name)
    if f is not None:
        return f.is_active and f.type != FieldType.TS_VECTOR
    if name.endswith("Id"):
        rel = obj.field(name[:-2])
        return rel is not None and rel.is_active and rel.is_many_to_one
    return False
