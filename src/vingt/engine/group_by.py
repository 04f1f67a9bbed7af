"""Group-by (REST.md §3.11, GRAPHQL.md §5.4 and §12): groups, aggregates and a records sample,
all computed by the database in one statement.

A request names grouping dimensions, aggregates, a filter, a group ordering, a group limit and,
optionally, a sample of records per group. ``plan_group_by`` resolves the names against the
catalog into a hashable ``GroupByPlan`` (values travel in ``Bindings``), ``compile_group_by``
turns the plan into SQL (cached per plan shape) and ``run_group_by`` executes it and renders the
groups as JSON text.

The statement
-------------
Without a sample::

    SELECT <dims>, <aggregates> FROM t [LEFT JOIN target …] WHERE <filter, live rows>
    GROUP BY <dims> ORDER BY <group order>, <every dimension> LIMIT :n

With ``include_records_sample=true`` the same statement (plus ``row_number() OVER (ORDER BY
<group order>) AS gn``) becomes a subquery ``groups``; a second subquery ranks every filtered
row inside its group (``row_number() OVER (PARTITION BY <dims> ORDER BY <records order>) AS
rn``) and keeps ``rn <= 10``; ``groups`` is joined to the ranked rows and to the table again by
id, so only the sampled rows are rendered to JSON. Both subqueries expose a NULL-safe text key
per dimension (``'N'`` for NULL, ``'V' || value``), so the join is a plain equality of columns
(a hash join on PostgreSQL, an automatic index on SQLite). The statement's size depends on the
request's shape only, never on the number of groups. The server only attaches each sampled
record to its group (the rows arrive ordered by ``gn, rn``).

Choices, and the Twenty source they follow (``twentyhq/twenty``, ``packages/twenty-server/src``)
----------------------------------------------------------------------------------------------
* Dimension values are strings, in ``group_by`` order; NULL groups are ``null``. Date buckets
  follow ``engine/api/graphql/graphql-query-runner/group-by/resolvers/utils/
  get-group-by-expression.util.ts``: ``DAY``, ``WEEK``, ``MONTH``, ``QUARTER`` and ``YEAR``
  render the first day of the bucket as ``YYYY-MM-DD`` (``TO_CHAR(DATE_TRUNC(…), 'YYYY-MM-DD')``,
  so a month is ``2024-03-01``, not ``2024-03``); ``WEEK`` starts on Monday unless the group
  asks for ``weekStartDay`` ``SUNDAY`` or ``SATURDAY``; ``DAY_OF_THE_WEEK`` renders English day
  names (``Monday``), ``MONTH_OF_THE_YEAR`` month names (``January``), ``QUARTER_OF_THE_YEAR``
  ``Q1``…``Q4`` (``TO_CHAR(…, '"Q"Q')``); ``NONE`` (or ``true`` on a date field) groups by the
  raw value, rendered as the record API renders it (``2024-03-01T12:00:00.000Z``). Buckets are
  computed in UTC: a ``timeZone`` other than UTC is refused (SQLite has no time-zone database).
  Booleans render as ``"true"`` / ``"false"``, numbers as their JSON text (``"10"``, ``"2.5"``).
* Ordering follows ``…/graphql-query-order/graphql-query-order-group-by.parser.ts`` and
  ``…/group-by/resolvers/utils/get-group-by-order-expression.util.ts``: a group can be ordered
  by one of its dimensions (the field, a composite sub-field, a relation's target field, or a
  date field with the granularity it is grouped by) or by an aggregate (selected or not);
  ordering by anything else is an error. Day and month names order by their place in the
  week (from its start day) and the year; SELECT values order by their text. Twenty leaves
  the remaining order to the database; Vingt appends every dimension not ordered yet,
  ascending with NULLs last, so the order is total and ``limit`` is deterministic. Without
  ``order_by`` that is the whole ordering.
* Aggregates follow ``…/workspace-schema-builder/utils/get-available-aggregations-from-object-
  fields.util.ts`` and ``…/graphql-query-runner/helpers/process-aggregate.helper.ts``:
  ``totalCount`` is ``COUNT(*)``; ``countEmpty`` / ``countNotEmpty`` / ``countUniqueValues`` /
  ``percentageEmpty`` / ``percentageNotEmpty`` look at the field's value, and for a composite
  field at the sub-fields Twenty uses (``twenty-orm/utils/get-subfields-for-aggregate-operation.
  util.ts``: a value is empty when every one of them is NULL or ``''``); percentages are ratios
  between 0 and 1 (``COUNT(x) / COUNT(*)``), rendered as floats; ``countTrue`` / ``countFalse``
  for BOOLEAN; ``min`` / ``max`` / ``avg`` / ``sum`` for NUMBER (and NUMERIC) fields and for
  currency amounts (``sumAmountAmountMicros``); ``min`` / ``max`` for DATE and DATE_TIME
  (ISO strings). Vingt extensions: any composite sub-field can be aggregated as
  ``<agg><Field><SubField>`` (numeric aggregates only on numeric sub-fields, e.g.
  ``avgAddressAddressLat``), and a many-to-one relation's join column as ``<agg><Relation>`` or
  ``<agg><Relation>Id`` (count aggregates only). Numeric results are JSON numbers, integers when
  whole (DECISIONS.md §2), never strings.
* The records sample holds at most ``RECORDS_PER_GROUP`` (10) depth-0 records per group
  (``…/group-by/services/group-by-with-records.constants.ts``), ordered by
  ``order_by_for_records`` (§6 grammar), then by id.
* ``limit``: default 50 groups, at most 200 (larger values are clamped; ``0`` returns no group).
* Grouping by a many-to-one relation: ``{"companyId": true}`` and ``{"company": true}`` group by
  the join column; ``{"company": {"name": true}}`` (also a composite sub-field or a date
  granularity of the target) joins the target (soft-deleted targets count as no target).
  JSON and list-valued columns (RAW_JSON, FILES, ARRAY, MULTI_SELECT, list parts of composites)
  cannot be grouped. An empty ``group_by`` array is refused, and so are more than
  ``MAX_DIMENSIONS`` (10) dimensions.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from vingt.engine import compile as sqlc
from vingt.engine.ir import DIRECTIONS, Filter, OrderItem
from vingt.engine.planner import include_deleted, plan_filter, plan_order, plan_selection, readable_fields
from vingt.engine.plans import Bindings, Selection, Sort, Where
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, Storage, capitalize
from vingt.sql.dialect import Dialect, iso_ms
from vingt.sql.tables import tables

if TYPE_CHECKING:
    from vingt.engine.records import Engine

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
RECORDS_PER_GROUP = 10
MAX_DIMENSIONS = 10

GRANULARITIES = (
    "NONE", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "DAY_OF_THE_WEEK", "MONTH_OF_THE_YEAR", "QUARTER_OF_THE_YEAR",
)
WEEK_START_DAYS = ("MONDAY", "SUNDAY", "SATURDAY")
UTC_NAMES = ("UTC", "ETC/UTC", "GMT", "ETC/GMT", "UNIVERSAL", "ZULU", "Z", "+00:00", "00:00")

# Twenty's messages (engine/api/rest/input-request-parsers/*)
GROUP_BY_MESSAGE = (
    "Invalid group_by query parameter - should be a valid array of objects - ex: "
    '[{"firstField": true}, {"secondField": {"subField": true}}, {"dateField": {"granularity": \'DAY\'}}]'
)
AGGREGATE_MESSAGE = (
    "Invalid aggregate query parameter - should be a valid array of string - ex: "
    '["countNotEmptyId", "countEmptyField"]'
)
ORDER_BY_MESSAGE = (
    "Invalid order_by query parameter - should be a valid array of objects - ex: "
    '[{"firstField": "AscNullsFirst"}, {"secondField": {"subField": "DescNullsLast"}}, '
    '{"aggregate": {"aggregateField": "DescNullsLast"}}, {dateField: {"orderBy": "AscNullsFirst", "granularity": "DAY"}}]'
)

_NUMERIC = (Storage.FLOAT, Storage.INTEGER, Storage.BIGINT, Storage.NUMERIC)
_DATES = (Storage.TIMESTAMP, Storage.DATE)
_UNGROUPABLE = (Storage.JSON, Storage.TEXT_ARRAY)

# the sub-fields a whole composite field is judged by in count aggregates (Twenty's list)
_AGGREGATE_SUBFIELDS: dict[FieldType, tuple[str, ...]] = {
    FieldType.CURRENCY: ("amountMicros", "currencyCode"),
    FieldType.FULL_NAME: ("firstName", "lastName"),
    FieldType.ADDRESS: (
        "addressStreet1", "addressStreet2", "addressCity", "addressPostcode", "addressState", "addressCountry",
        "addressLat", "addressLng",
    ),
    FieldType.LINKS: ("primaryLinkUrl",),
    FieldType.ACTOR: ("workspaceMemberId", "source"),
    FieldType.EMAILS: ("primaryEmail",),
    FieldType.PHONES: ("primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode"),
}

# aggregate name prefix → operation
_PREFIXES = (
    ("countUniqueValues", "count_unique"),
    ("countNotEmpty", "count_not_empty"),
    ("countEmpty", "count_empty"),
    ("percentageNotEmpty", "percentage_not_empty"),
    ("percentageEmpty", "percentage_empty"),
    ("countTrue", "count_true"),
    ("countFalse", "count_false"),
    ("min", "min"),
    ("max", "max"),
    ("avg", "avg"),
    ("sum", "sum"),
)
_COUNTS = ("count_unique", "count_not_empty", "count_empty", "percentage_not_empty", "percentage_empty")

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


# ---- request and plan -----------------------------------------------------------------------


@dataclass
class GroupByQuery:
    """What a front end understood: the JSON of ``group_by`` / ``order_by`` as sent, aggregate
    names, a parsed filter and the records order (§6 grammar)."""

    group_by: list[Any]
    aggregates: list[str] = field(default_factory=list)
    filter: Filter | None = None
    order_by: list[Any] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    include_records: bool = False
    order_for_records: tuple[OrderItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Dimension:
    """One grouping dimension. ``path`` is how the request named it (``("name", "firstName")``,
    ``("company", "name")``); ``relation`` is the join column of the relation whose target holds
    ``column`` (None: the object's own column); ``granularity`` a date bucket (None: the raw
    value)."""

    path: tuple[str, ...]
    column: str
    storage: Storage
    relation: str | None = None
    target: str | None = None
    granularity: str | None = None
    week_start: str = "MONDAY"


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``op`` over ``columns`` (column, storage); ``output``: int, ratio, number, timestamp, date."""

    name: str
    op: str
    columns: tuple[tuple[str, Storage], ...]
    output: str


@dataclass(frozen=True, slots=True)
class GroupSort:
    direction: str
    dimension: int | None = None
    aggregate: Aggregate | None = None


@dataclass(frozen=True, slots=True)
class GroupByPlan:
    object_name: str
    where: Where | None
    include_deleted: bool
    dimensions: tuple[Dimension, ...]
    aggregates: tuple[Aggregate, ...]
    order: tuple[GroupSort, ...]
    limit_slot: int
    sample: Selection | None = None
    sample_order: tuple[Sort, ...] = ()


# ---- planning -------------------------------------------------------------------------------


def plan_group_by(catalog: Catalog, obj: ObjectMeta, query: GroupByQuery) -> tuple[GroupByPlan, Bindings]:
    dimensions = plan_dimensions(catalog, obj, query.group_by)
    aggregates = tuple(dict.fromkeys(resolve_aggregate(obj, name, "INVALID_AGGREGATE") for name in query.aggregates))
    order = plan_group_order(obj, query.order_by, dimensions)
    b = Bindings()
    where = plan_filter(catalog, obj, query.filter, b) if query.filter is not None else None
    limit_slot = b.add(max(0, min(query.limit, MAX_LIMIT)))
    # the records order is checked even when no sample is asked for
    sample_order: tuple[Sort, ...] = plan_order(obj, query.order_for_records)
    sample = None
    if query.include_records:
        sample = plan_selection(catalog, obj, 0)
    else:
        sample_order = ()
    plan = GroupByPlan(
        obj.name_singular, where, include_deleted(query.filter), dimensions, aggregates, order, limit_slot,
        sample, sample_order,
    )
    return plan, b


def _group_by_error(message: str, **details: Any) -> ApiError:
    return ApiError("INVALID_GROUP_BY", message, details)


def plan_dimensions(catalog: Catalog, obj: ObjectMeta, items: Any) -> tuple[Dimension, ...]:
    if not isinstance(items, list) or not items:
        raise _group_by_error(GROUP_BY_MESSAGE, parameter="group_by")
    if len(items) > MAX_DIMENSIONS:
        raise _group_by_error(
            f"Too many group_by dimensions: {len(items)} (at most {MAX_DIMENSIONS})",
            parameter="group_by", limit=MAX_DIMENSIONS, received=len(items),
        )
    dims = []
    for index, item in enumerate(items):
        path, spec = _walk_group_item(item, index)
        dims.append(_resolve_dimension(catalog, obj, path, spec, index))
    return tuple(dims)


def _walk_group_item(item: Any, index: int) -> tuple[tuple[str, ...], dict[str, Any] | None]:
    """``{"a": {"b": true}}`` → (("a", "b"), None); ``{"d": {"granularity": "DAY"}}`` →
    (("d",), {...})."""
    if not isinstance(item, dict) or not item:
        raise _group_by_error(GROUP_BY_MESSAGE, parameter="group_by", index=index)
    path: list[str] = []
    node: Any = item
    while True:
        if not isinstance(node, dict) or len(node) != 1:
            raise _group_by_error(
                "You cannot provide multiple fields in one GroupByInput, split them into multiple GroupByInput"
                if isinstance(node, dict) and node
                else GROUP_BY_MESSAGE,
                parameter="group_by",
                index=index,
            )
        ((key, value),) = node.items()
        path.append(key)
        if value is True:
            return tuple(path), None
        if isinstance(value, dict) and "granularity" in value:
            return tuple(path), value
        if not isinstance(value, dict) or len(path) >= 3:
            raise _group_by_error(
                f"Invalid group_by entry for '{'.'.join(path)}': expected true, "
                '{"<subField>": true} or {"granularity": "<GRANULARITY>"}',
                parameter="group_by",
                index=index,
                field=".".join(path),
            )
        node = value


def _accepted_fields(obj: ObjectMeta) -> list[str]:
    names = []
    for f in readable_fields(obj):
        if f.is_one_to_many:
            continue
        names.append(f.name)
        if f.is_many_to_one:
            names.append(f.join_column)
    return sorted(names)


def _resolve_dimension(
    catalog: Catalog, obj: ObjectMeta, path: tuple[str, ...], spec: dict[str, Any] | None, index: int
) -> Dimension:
    head = path[0]
    f = obj.field(head)
    if f is None or not f.is_active or f.type == FieldType.TS_VECTOR:
        rel = obj.field(head[:-2]) if head.endswith("Id") else None
        if rel is not None and rel.is_active and rel.is_many_to_one and len(path) == 1 and spec is None:
            return Dimension(path, rel.join_column, Storage.UUID)
        raise _group_by_error(
            f"Unidentified field in groupBy: '{head}' is not a field of '{obj.name_singular}'",
            parameter="group_by", index=index, field=head, object=obj.name_singular, accepted=_accepted_fields(obj),
        )
    if f.is_relation:
        if not f.is_many_to_one or f.relation is None:
            raise _group_by_error(
                f"Cannot group by '{head}': only many-to-one relations can be grouped",
                parameter="group_by", index=index, field=head,
            )
        if len(path) == 1 or path[1:] == ("id",):
            if spec is not None:
                raise _group_by_error(
                    f"'{'.'.join(path)}' is not a date field: granularity does not apply",
                    parameter="group_by", index=index, field=".".join(path),
                )
            return Dimension(path, f.join_column, Storage.UUID)
        target = catalog.by_singular.get(f.relation.target_object)
        if target is None or not target.is_active:
            raise _group_by_error(f"Cannot group by '{head}': its target object is not available", field=head)
        column, storage, granularity, week_start = _resolve_column(target, path[1:], spec, index, prefix=head + ".")
        return Dimension(path, column, storage, f.join_column, target.name_singular, granularity, week_start)
    column, storage, granularity, week_start = _resolve_column(obj, path, spec, index, prefix="")
    return Dimension(path, column, storage, None, None, granularity, week_start)


def _resolve_column(
    obj: ObjectMeta, path: tuple[str, ...], spec: dict[str, Any] | None, index: int, prefix: str
) -> tuple[str, Storage, str | None, str]:
    head = path[0]
    label = prefix + ".".join(path)
    f = obj.field(head)
    if f is None or not f.is_active or f.type == FieldType.TS_VECTOR:
        raise _group_by_error(
            f"Unidentified field in groupBy: '{prefix}{head}' is not a field of '{obj.name_singular}'",
            parameter="group_by", index=index, field=prefix + head, object=obj.name_singular,
            accepted=_accepted_fields(obj),
        )
    if f.is_relation:
        raise _group_by_error(
            f"Cannot group by '{label}': a relation of a relation cannot be grouped",
            parameter="group_by", index=index, field=label,
        )
    if f.is_composite:
        groupable = [c for c in f.columns() if c.sub is not None and c.storage not in _UNGROUPABLE]
        accepted = [f"{prefix}{head}.{c.sub.name}" for c in groupable if c.sub is not None]
        if len(path) != 2:
            raise _group_by_error(
                f"Composite field '{prefix}{head}' requires a subfield to be specified, e.g. "
                f'{{"{head}": {{"{groupable[0].sub.name if groupable and groupable[0].sub else "subField"}": true}}}}',
                parameter="group_by", index=index, field=prefix + head, accepted=accepted,
            )
        col = next((c for c in f.columns() if c.sub is not None and c.sub.name == path[1]), None)
        if col is None:
            raise _group_by_error(
                f"Unidentified sub-field in groupBy: '{path[1]}' is not a sub-field of '{prefix}{head}'",
                parameter="group_by", index=index, field=label, accepted=accepted,
            )
        if col.storage in _UNGROUPABLE:
            raise _group_by_error(
                f"Cannot group by '{label}': list values cannot be grouped",
                parameter="group_by", index=index, field=label, accepted=accepted,
            )
        column, storage = col.name, col.storage
    else:
        if len(path) != 1:
            raise _group_by_error(
                f"Unidentified sub-field in groupBy: field '{prefix}{head}' has no sub-field '{path[1]}'",
                parameter="group_by", index=index, field=label,
            )
        (col,) = f.columns()
        if col.storage in _UNGROUPABLE:
            raise _group_by_error(
                f"Cannot group by '{label}': JSON and list values cannot be grouped",
                parameter="group_by", index=index, field=label,
            )
        column, storage = col.name, col.storage
    if spec is None:
        return column, storage, None, "MONDAY"
    if f.type not in (FieldType.DATE, FieldType.DATE_TIME):
        raise _group_by_error(
            f"'{label}' is not a date field: granularity does not apply",
            parameter="group_by", index=index, field=label,
        )
    granularity, week_start = _granularity(spec, index, label)
    return column, storage, granularity, week_start


def _granularity(spec: dict[str, Any], index: int, label: str) -> tuple[str | None, str]:
    unknown = sorted(set(spec) - {"granularity", "weekStartDay", "timeZone"})
    if unknown:
        raise _group_by_error(
            f"Unknown key(s) {', '.join(unknown)} in the date grouping of '{label}'",
            parameter="group_by", index=index, field=label, accepted=["granularity", "weekStartDay", "timeZone"],
        )
    granularity = spec.get("granularity")
    if granularity not in GRANULARITIES:
        raise _group_by_error(
            f"Invalid date granularity {granularity!r} for '{label}'. Allowed values are {', '.join(GRANULARITIES)}",
            parameter="group_by", index=index, field=label, accepted=list(GRANULARITIES),
        )
    week_start = spec.get("weekStartDay") or "MONDAY"
    if week_start not in WEEK_START_DAYS:
        raise _group_by_error(
            f"Invalid weekStartDay {week_start!r} for '{label}'. Allowed values are {', '.join(WEEK_START_DAYS)}",
            parameter="group_by", index=index, field=label, accepted=list(WEEK_START_DAYS),
        )
    zone = spec.get("timeZone")
    if zone is not None and (not isinstance(zone, str) or zone.strip().upper() not in UTC_NAMES):
        raise _group_by_error(
            f"Time zone {zone!r} is not supported for '{label}': date groups are computed in UTC",
            parameter="group_by", index=index, field=label, accepted=["UTC"],
        )
    if granularity == "NONE":
        return None, "MONDAY"
    return granularity, week_start


# ---- aggregates -----------------------------------------------------------------------------


def resolve_aggregate(obj: ObjectMeta, name: Any, code: str) -> Aggregate:
    """``sumAmountAmountMicros`` → Aggregate. ``code`` is the error code to raise."""
    if not isinstance(name, str):
        raise ApiError(code, AGGREGATE_MESSAGE, {"aggregate": name})
    if name == "totalCount":
        return Aggregate(name, "count_all", (), "int")
    matched_prefix = False
    for prefix, op in _PREFIXES:
        if not name.startswith(prefix) or len(name) == len(prefix):
            continue
        matched_prefix = True
        target = _aggregate_target(obj, name[len(prefix):])
        if target is None:
            continue
        label, f, columns = target
        return _check_aggregate(name, op, label, f, columns, code)
    raise ApiError(
        code,
        f"Unknown aggregate '{name}' on '{obj.name_singular}'"
        + ("" if matched_prefix else ": expected totalCount or <operation><Field>, e.g. countNotEmptyId"),
        {"aggregate": name, "object": obj.name_singular,
         "operations": ["totalCount"] + [p for p, _ in _PREFIXES]},
    )


def _aggregate_target(
    obj: ObjectMeta, suffix: str
) -> tuple[str, FieldMeta, tuple[tuple[str, Storage], ...]] | None:
    """``AmountAmountMicros`` → ("amount.amountMicros", field, (("amountAmountMicros", NUMERIC),))."""
    fields = [f for f in readable_fields(obj) if not f.is_one_to_many]
    for f in fields:
        if f.is_many_to_one:
            if suffix in (capitalize(f.name), capitalize(f.join_column)):
                return f.join_column, f, ((f.join_column, Storage.UUID),)
            continue
        if f.is_relation or suffix != capitalize(f.name):
            continue
        if f.is_composite:
            wanted = _AGGREGATE_SUBFIELDS.get(f.type)
            cols = [
                c for c in f.columns()
                if c.sub is not None and (c.sub.name in wanted if wanted else c.storage != Storage.JSON)
            ]
            return f.name, f, tuple((c.name, c.storage) for c in cols)
        (col,) = f.columns()
        return f.name, f, ((col.name, col.storage),)
    for f in fields:
        if not f.is_composite or not suffix.startswith(capitalize(f.name)):
            continue
        for c in f.columns():
            if c.sub is not None and capitalize(f.name) + capitalize(c.sub.name) == suffix:
                return f"{f.name}.{c.sub.name}", f, ((c.name, c.storage),)
    return None


def _check_aggregate(
    name: str, op: str, label: str, f: FieldMeta, columns: tuple[tuple[str, Storage], ...], code: str
) -> Aggregate:
    def refuse(why: str) -> ApiError:
        return ApiError(
            code, f"Aggregate '{name}' does not apply to '{label}' ({f.type.value}): {why}",
            {"aggregate": name, "field": label, "type": f.type.value},
        )

    if op in _COUNTS:
        if not columns:
            raise refuse("the field has no stored value")
        return Aggregate(name, op, columns, "ratio" if op.startswith("percentage") else "int")
    whole_composite = f.is_composite and label == f.name
    if op in ("count_true", "count_false"):
        if whole_composite or f.is_relation or columns[0][1] != Storage.BOOLEAN:
            raise refuse("countTrue / countFalse apply to boolean fields")
        return Aggregate(name, op, columns, "int")
    # min, max, avg, sum
    if whole_composite:
        hint = f" (use {name}AmountMicros)" if f.type == FieldType.CURRENCY else ""
        raise refuse(f"numeric aggregates apply to a numeric sub-field{hint}")
    if f.is_relation or f.type == FieldType.POSITION:
        raise refuse("numeric aggregates apply to number fields")
    storage = columns[0][1]
    if storage in _NUMERIC:
        return Aggregate(name, op, columns, "number")
    if storage in _DATES and op in ("min", "max"):
        return Aggregate(name, op, columns, "timestamp" if storage == Storage.TIMESTAMP else "date")
    if storage in _DATES:
        raise refuse("dates support min and max only")
    raise refuse("min, max, avg and sum apply to number fields (min and max also to dates)")


# ---- group ordering -------------------------------------------------------------------------


def _order_error(message: str, **details: Any) -> ApiError:
    return ApiError("INVALID_ORDER_BY", message, {"parameter": "order_by", **details})


def _direction(value: Any, label: str) -> str:
    if value not in DIRECTIONS:
        raise _order_error(
            f"'order_by' direction {value!r} for '{label}' invalid. Allowed values are "
            "'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'",
            field=label, accepted=list(DIRECTIONS),
        )
    return str(value)


def plan_group_order(obj: ObjectMeta, items: Any, dims: tuple[Dimension, ...]) -> tuple[GroupSort, ...]:
    if not isinstance(items, list):
        raise _order_error(ORDER_BY_MESSAGE)
    out: list[GroupSort] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item:
            raise _order_error(ORDER_BY_MESSAGE, index=index)
        if len(item) > 1:
            raise _order_error("Please provide orderBy field criteria one by one in orderBy array", index=index)
        ((key, value),) = item.items()
        if key == "aggregate" and obj.field("aggregate") is None:
            if not isinstance(value, dict) or len(value) != 1:
                raise _order_error("Please provide aggregate criteria one by one in orderBy array", index=index)
            ((name, direction),) = value.items()
            agg = resolve_aggregate(obj, name, "INVALID_ORDER_BY")
            out.append(GroupSort(_direction(direction, name), aggregate=agg))
            continue
        path = [key]
        node = value
        granularity: str | None = None
        while isinstance(node, dict):
            if "orderBy" in node:
                if set(node) - {"orderBy", "granularity"}:
                    raise _order_error(f"Invalid date ordering for '{'.'.join(path)}'", index=index)
                granularity = node.get("granularity")
                if granularity is None or granularity not in GRANULARITIES:
                    raise _order_error(
                        f"Missing or invalid date granularity for field {'.'.join(path)}",
                        index=index, accepted=list(GRANULARITIES),
                    )
                node = node["orderBy"]
                break
            if len(node) != 1 or len(path) >= 3:
                raise _order_error("Subfields must be provided one by one in orderBy array", index=index)
            ((sub, node),) = node.items()
            path.append(sub)
        label = ".".join(path)
        direction = _direction(node, label)
        out.append(GroupSort(direction, dimension=_match_dimension(tuple(path), granularity, dims, index)))
    return tuple(out)


def _match_dimension(path: tuple[str, ...], granularity: str | None, dims: tuple[Dimension, ...], index: int) -> int:
    label = ".".join(path)
    if granularity is not None:
        wanted = None if granularity == "NONE" else granularity
        for i, d in enumerate(dims):
            if d.path == path and d.granularity == wanted:
                return i
        raise _order_error(
            f"Cannot order by a date granularity that is not in groupBy criteria: {granularity} ({label})",
            index=index, field=label,
        )
    for i, d in enumerate(dims):
        if d.path == path:
            return i
    raise _order_error(
        f"Cannot order by a field that is not an aggregate nor in groupBy criteria: {label}",
        index=index, field=label, accepted=[".".join(d.path) for d in dims],
    )


# ---- SQL ------------------------------------------------------------------------------------


def _lit(text: str) -> Any:
    return sa.literal_column(text)


def _source(catalog: Catalog, dialect: Dialect, plan: GroupByPlan, name: str) -> tuple[Any, Any, dict[str, Any]]:
    """The object's table (aliased ``name``) left-joined to the targets of relation dimensions."""
    tbls = tables(catalog, dialect)
    t = tbls[plan.object_name].alias(name)
    src: Any = t
    joined: dict[str, Any] = {}
    for d in plan.dimensions:
        if d.relation is None or d.relation in joined:
            continue
        assert d.target is not None
        target = tbls[d.target].alias(f"{name}_{len(joined)}")
        src = src.outerjoin(target, sa.and_(target.c.id == t.c[d.relation], target.c.deletedAt.is_(None)))
        joined[d.relation] = target
    return t, src, joined


def _dimension_sql(dialect: Dialect, t: Any, joined: dict[str, Any], d: Dimension) -> ColumnElement[Any]:
    col = (joined[d.relation] if d.relation is not None else t).c[d.column]
    if d.granularity is None:
        return col  # type: ignore[no-any-return]
    return dialect.date_bucket(col, d.storage, d.granularity, d.week_start)


def _dimension_order(expr: ColumnElement[Any], d: Dimension) -> ColumnElement[Any]:
    """Day and month names order by their place in the week / year."""
    if d.granularity == "DAY_OF_THE_WEEK":
        start = {"MONDAY": 0, "SUNDAY": 6, "SATURDAY": 5}[d.week_start]
        days = _DAYS[start:] + _DAYS[:start]
        return sa.case({_lit(f"'{day}'"): _lit(str(i)) for i, day in enumerate(days, 1)}, value=expr)
    if d.granularity == "MONTH_OF_THE_YEAR":
        return sa.case({_lit(f"'{month}'"): _lit(str(i)) for i, month in enumerate(_MONTHS, 1)}, value=expr)
    return expr


def _empty(dialect: Dialect, col: Any, storage: Storage) -> ColumnElement[bool]:
    if storage == Storage.TEXT:
        return sa.or_(col.is_(None), col == _lit("''"))
    if storage == Storage.TEXT_ARRAY:
        return sa.or_(col.is_(None), dialect.array_is_empty(col))
    return col.is_(None)  # type: ignore[no-any-return]


def _aggregate_sql(dialect: Dialect, t: Any, a: Aggregate) -> ColumnElement[Any]:
    total = sa.func.count()
    if a.op == "count_all":
        return total
    cols = [(t.c[c], s) for c, s in a.columns]
    if a.op in _COUNTS:
        not_empty = sa.not_(sa.and_(*[_empty(dialect, c, s) for c, s in cols]))
        filled = sa.func.count(sa.case((not_empty, _lit("1"))))
        if a.op == "count_not_empty":
            return filled
        if a.op == "count_empty":
            return total.op("-")(filled)
        # a share of no records is null (PostgreSQL refuses to divide by zero)
        if a.op == "percentage_not_empty":
            return sa.cast(filled, sa.Float).op("/")(sa.func.nullif(total, _lit("0")))
        if a.op == "percentage_empty":
            return sa.cast(total.op("-")(filled), sa.Float).op("/")(sa.func.nullif(total, _lit("0")))
        # count_unique: distinct non-empty values (a composite's parts joined by U+001F)
        if len(cols) == 1:
            value: Any = cols[0][0]
        else:
            parts = [sa.func.coalesce(sa.cast(c, sa.Text), _lit("''")) for c, _ in cols]
            value = parts[0]
            for p in parts[1:]:
                value = value.op("||")(_lit("'\x1f'")).op("||")(p)
        return sa.func.count(sa.distinct(sa.case((not_empty, value))))
    col = cols[0][0]
    if a.op == "count_true":
        return sa.func.count(sa.case((col.is_(sa.true()), _lit("1"))))
    if a.op == "count_false":
        return sa.func.count(sa.case((col.is_(sa.false()), _lit("1"))))
    return getattr(sa.func, a.op)(col)  # type: ignore[no-any-return]


def aggregates_json(dialect: Dialect, t: Any, aggregates: tuple[Aggregate, ...]) -> ColumnElement[Any]:
    """The aggregates over the rows of ``t`` as one JSON object (name → value), dates and
    times rendered as records render them; numbers as the database gives them
    (``aggregate_value`` makes them the API's)."""
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for a in aggregates:
        expr = _aggregate_sql(dialect, t, a)
        if a.output in ("timestamp", "date"):
            expr = dialect.json_value(expr, Storage.TIMESTAMP if a.output == "timestamp" else Storage.DATE)
        elif a.output in ("ratio", "number") and dialect.name == "sqlite":
            # SQLite's JSON keeps 15 digits of a real: pass it as text with all of them
            expr = sa.case(
                (sa.func.typeof(expr) == _lit("'real'"), sa.func.printf(_lit("'%!.17g'"), expr)), else_=expr
            )
        pairs.append((a.name, expr))
    return dialect.json_build(pairs)


def _directed(expr: Any, direction: str) -> Any:
    e = expr.asc() if direction.startswith("Asc") else expr.desc()
    return e.nulls_first() if direction.endswith("NullsFirst") else e.nulls_last()


def _limit(stmt: Any, limit: Any, dialect: Dialect) -> Any:
    stmt = stmt.limit(limit)
    if dialect.name == "sqlite":
        # SQLite's compiler pairs LIMIT with a bound OFFSET; pin it to a literal
        stmt = stmt.offset(_lit("0"))
    return stmt


def _key(expr: Any) -> Any:
    """A NULL-safe text key of a dimension value, for a hashable equality join."""
    return sa.case((expr.is_(None), _lit("'N'")), else_=_lit("'V'").op("||")(sa.cast(expr, sa.Text)))


@dataclass(frozen=True, slots=True)
class AggregatePlan:
    """Aggregates over the records a filter matches (no grouping): the total first."""

    object_name: str
    where: Where | None
    include_deleted: bool
    aggregates: tuple[Aggregate, ...]


def compile_aggregates(catalog: Catalog, dialect: Dialect, plan: AggregatePlan) -> sqlc.Compiled:
    """``SELECT count(*), <aggregate>… FROM t WHERE …``."""

    def build() -> Any:
        t = tables(catalog, dialect)[plan.object_name].alias("c")
        cols = [sa.func.count(), *[_aggregate_sql(dialect, t, a) for a in plan.aggregates]]
        return sa.select(*cols).select_from(t).where(*sqlc.live_rows(catalog, t, plan.where, plan.include_deleted, dialect))

    return sqlc.cached(catalog, dialect, plan, build)


def aggregate_values(row: Any, aggregates: tuple[Aggregate, ...]) -> tuple[int, dict[str, Any]]:
    """The total and each aggregate's JSON value, from a row of ``compile_aggregates``."""
    return int(row[0]), {a.name: aggregate_value(row[n + 1], a) for n, a in enumerate(aggregates)}


def compile_group_by(catalog: Catalog, dialect: Dialect, plan: GroupByPlan) -> sqlc.Compiled:
    def build() -> Any:
        t, src, joined = _source(catalog, dialect, plan, "g")
        dims = [_dimension_sql(dialect, t, joined, d) for d in plan.dimensions]
        order = []
        ordered = set()
        for s in plan.order:
            if s.dimension is not None:
                ordered.add(s.dimension)
                expr = _dimension_order(dims[s.dimension], plan.dimensions[s.dimension])
            else:
                assert s.aggregate is not None
                expr = _aggregate_sql(dialect, t, s.aggregate)
            order.append(_directed(expr, s.direction))
        for i, d in enumerate(plan.dimensions):
            if i not in ordered:
                order.append(_directed(_dimension_order(dims[i], d), "AscNullsLast"))
        cols = [e.label(f"d{i}") for i, e in enumerate(dims)]
        cols += [_aggregate_sql(dialect, t, a).label(f"a{i}") for i, a in enumerate(plan.aggregates)]
        if plan.sample is not None:
            cols.append(sa.func.row_number().over(order_by=order).label("gn"))
            cols += [_key(e).label(f"k{i}") for i, e in enumerate(dims)]
        conds = sqlc.live_rows(catalog, t, plan.where, plan.include_deleted, dialect)
        groups = sa.select(*cols).select_from(src).where(*conds).group_by(*dims).order_by(*order)
        groups = _limit(groups, sa.bindparam(f"s{plan.limit_slot}"), dialect)
        if plan.sample is None:
            return groups
        g = groups.subquery("groups")
        r, rsrc, rjoined = _source(catalog, dialect, plan, "r")
        rdims = [_dimension_sql(dialect, r, rjoined, d) for d in plan.dimensions]
        rank = sa.func.row_number().over(partition_by=rdims, order_by=sqlc.order_sql(r, plan.sample_order))
        every = (
            sa.select(r.c.id.label("rid"), *[_key(e).label(f"k{i}") for i, e in enumerate(rdims)], rank.label("rn"))
            .select_from(rsrc)
            .where(*sqlc.live_rows(catalog, r, plan.where, plan.include_deleted, dialect))
            .subquery("ranked_all")
        )
        ranked = sa.select(every).where(every.c.rn <= _lit(str(RECORDS_PER_GROUP))).subquery("ranked")
        rec = tables(catalog, dialect)[plan.object_name].alias("rec")
        body = dialect.as_text(sqlc.record_json(catalog, dialect, sqlc.Aliases(), rec, plan.sample)).label("j")
        match = [g.c[f"k{i}"] == ranked.c[f"k{i}"] for i in range(len(dims))]
        return (
            sa.select(
                g.c.gn, *[g.c[f"d{i}"] for i in range(len(dims))],
                *[g.c[f"a{i}"] for i in range(len(plan.aggregates))], body,
            )
            .select_from(g.join(ranked, sa.and_(*match)).join(rec, rec.c.id == ranked.c.rid))
            .order_by(g.c.gn, ranked.c.rn)
        )

    return sqlc.cached(catalog, dialect, ("groupBy", plan), build)


# ---- running and rendering ------------------------------------------------------------------


@dataclass
class Group:
    dimensions: list[str | None]
    aggregates: list[tuple[str, Any]]
    records: list[str] | None = None


async def run_group_by(engine: Engine, obj: ObjectMeta, query: GroupByQuery) -> list[Group]:
    """Plan, compile and run one group-by: one statement, sample included."""
    engine.authorize(obj)
    engine.authorize_filter(obj, query.filter)
    plan, b = plan_group_by(engine.catalog, obj, query)
    for d in plan.dimensions:
        if d.target is not None:
            engine.authorize(engine.catalog.object(d.target))
    compiled = compile_group_by(engine.catalog, engine.dialect, plan)
    rows = await engine.db.fetch(compiled.sql, compiled.params(b.adapted(engine.dialect)))
    nd, na = len(plan.dimensions), len(plan.aggregates)

    def group(row: Any, offset: int) -> Group:
        dims = [_dimension_text(row[offset + i], d) for i, d in enumerate(plan.dimensions)]
        aggs = [(a.name, aggregate_value(row[offset + nd + i], a)) for i, a in enumerate(plan.aggregates)]
        return Group(dims, aggs)

    if plan.sample is None:
        return [group(row, 0) for row in rows]
    groups: list[Group] = []
    current = None
    for row in rows:
        if row[0] != current:
            current = row[0]
            groups.append(group(row, 1))
            groups[-1].records = []
        records = groups[-1].records
        assert records is not None
        records.append(row[1 + nd + na])
    return groups


def render_groups(groups: list[Group]) -> str:
    """``[{"groupByDimensionValues": [...], "<aggregate>": v, …, "records": [...]}, …]``."""
    parts = []
    for g in groups:
        text = '{"groupByDimensionValues":' + orjson.dumps(g.dimensions).decode()
        for name, value in g.aggregates:
            text += "," + orjson.dumps(name).decode() + ":" + orjson.dumps(value).decode()
        if g.records is not None:
            text += ',"records":[' + ",".join(g.records) + "]"
        parts.append(text + "}")
    return "[" + ",".join(parts) + "]"


def _number(value: Any) -> int | float | None:
    """A database number as JSON wants it: an integer when whole."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        value = decimal.Decimal(value)
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    number = float(value)
    if number.is_integer() and abs(number) < 2**63:
        return int(number)
    return number


def aggregate_value(value: Any, a: Aggregate) -> Any:
    """An aggregate's value as the database gives it (a column, or read back from the JSON of
    ``aggregates_json``) as the API answers it: counts as integers, shares as floats, numbers
    as integers when whole."""
    if value is None:
        return None
    if a.output == "int":
        return int(value)
    if a.output == "ratio":
        return float(value)
    if a.output == "number":
        return _number(value)
    if isinstance(value, dt.datetime):
        return iso_ms(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _dimension_text(value: Any, d: Dimension) -> str | None:
    if value is None:
        return None
    if d.granularity is not None:
        return str(value)
    if d.storage == Storage.BOOLEAN:
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return iso_ms(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if d.storage in _NUMERIC:
        return orjson.dumps(_number(value)).decode()
    return str(value)
