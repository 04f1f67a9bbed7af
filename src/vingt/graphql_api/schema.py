"""Catalog → the core GraphQL schema of one workspace (GRAPHQL.md §2–§9, §0, DECISIONS.md §4).

Types are built with thunks (fields as callables), so objects that point at each other
resolve lazily; the schema is built once per catalog snapshot (``core_schema``), so a custom
object or field made through the metadata API appears on the next request.

The schema is only a contract: no resolver is attached. Documents are validated against it,
then translated into the engine's read and write requests (``graphql_api.translate``).
Filter operators are those the engine's planner applies; see docs/graphql.md for those of
Twenty's that are not offered yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
)

from vingt.engine.duplicates import criteria
from vingt.engine.group_by import GRANULARITIES, WEEK_START_DAYS, resolve_aggregate
from vingt.engine.ir import DIRECTIONS
from vingt.engine.planner import readable_fields
from vingt.errors import ApiError
from vingt.graphql_api import naming, scalars
from vingt.metadata.model import Catalog, FieldMeta, LruCache, ObjectMeta
from vingt.metadata.types import ACTOR_SOURCES, FieldType, Storage, SubField, capitalize

# ---- shared types ---------------------------------------------------------------------------

FILTER_IS = GraphQLEnumType("FilterIs", {"NULL": GraphQLEnumValue("NULL"), "NOT_NULL": GraphQLEnumValue("NOT_NULL")})
ORDER_BY_DIRECTION = GraphQLEnumType("OrderByDirection", {d: GraphQLEnumValue(d) for d in DIRECTIONS})
ACTOR_SOURCE = GraphQLEnumType("ActorSourceEnum", {s: GraphQLEnumValue(s) for s in ACTOR_SOURCES})
DATE_GRANULARITY = GraphQLEnumType("DateGranularityEnum", {g: GraphQLEnumValue(g) for g in GRANULARITIES})
FIRST_DAY_OF_THE_WEEK = GraphQLEnumType("FirstDayOfTheWeek", {d: GraphQLEnumValue(d) for d in WEEK_START_DAYS})

PAGE_INFO = GraphQLObjectType(
    "PageInfo",
    {
        "hasNextPage": GraphQLField(GraphQLNonNull(GraphQLBoolean)),
        "hasPreviousPage": GraphQLField(GraphQLNonNull(GraphQLBoolean)),
        "startCursor": GraphQLField(scalars.CONNECTION_CURSOR),
        "endCursor": GraphQLField(scalars.CONNECTION_CURSOR),
    },
)


def _comparisons(name: str, value: GraphQLInputType, ops: tuple[str, ...], *, listed: bool = True) -> GraphQLInputObjectType:
    fields: dict[str, GraphQLInputField] = {op: GraphQLInputField(value) for op in ops}
    if listed:
        fields["in"] = GraphQLInputField(GraphQLList(GraphQLNonNull(value)))
    fields["is"] = GraphQLInputField(FILTER_IS)
    return GraphQLInputObjectType(name, fields)


_ORDERED = ("eq", "neq", "gt", "gte", "lt", "lte")
UUID_FILTER = _comparisons("UUIDFilter", scalars.UUID, _ORDERED)
STRING_FILTER = _comparisons(
    "StringFilter", GraphQLString, (*_ORDERED, "startsWith", "endsWith", "like", "ilike", "regex", "iregex")
)
FLOAT_FILTER = _comparisons("FloatFilter", GraphQLFloat, _ORDERED)
INT_FILTER = _comparisons("IntFilter", GraphQLInt, _ORDERED)
BIG_INT_FILTER = _comparisons("BigIntFilter", scalars.BIG_INT, _ORDERED)
BIG_FLOAT_FILTER = _comparisons("BigFloatFilter", scalars.BIG_FLOAT, _ORDERED)
BOOLEAN_FILTER = _comparisons("BooleanFilter", GraphQLBoolean, ("eq",), listed=False)
DATE_TIME_FILTER = _comparisons("DateTimeFilter", scalars.DATE_TIME, _ORDERED)
DATE_FILTER = _comparisons("DateFilter", scalars.DATE, _ORDERED)
SELECT_FILTER = _comparisons("SelectFilter", GraphQLString, ("eq", "neq"))
RAW_JSON_FILTER = GraphQLInputObjectType("RawJsonFilter", {
    "is": GraphQLInputField(FILTER_IS),
    "like": GraphQLInputField(GraphQLString),
    "containsJsonb": GraphQLInputField(scalars.JSON),
})
_STRINGS = GraphQLList(GraphQLNonNull(GraphQLString))
# containsIlike is a list (GRAPHQL.md §7.2); GraphQL's input coercion also takes one pattern
ARRAY_FILTER = GraphQLInputObjectType("ArrayFilter", {
    "containsAny": GraphQLInputField(_STRINGS),
    "containsIlike": GraphQLInputField(_STRINGS),
    "contains": GraphQLInputField(_STRINGS),
    "not_contains": GraphQLInputField(_STRINGS),
    "is": GraphQLInputField(FILTER_IS),
    "isEmptyArray": GraphQLInputField(GraphQLBoolean),
})
GROUP_BY_DATE = GraphQLInputObjectType(
    "GroupByDateGranularityInput",
    {
        "granularity": GraphQLInputField(DATE_GRANULARITY),
        "weekStartDay": GraphQLInputField(FIRST_DAY_OF_THE_WEEK),
        "timeZone": GraphQLInputField(GraphQLString),
    },
)
ORDER_BY_DATE_GRANULARITY = GraphQLInputObjectType(
    "OrderByDateGranularityInput",
    {"orderBy": GraphQLInputField(ORDER_BY_DIRECTION), "granularity": GraphQLInputField(DATE_GRANULARITY)},
)

_STORAGE_OUTPUT: dict[Storage, GraphQLOutputType] = {
    Storage.UUID: scalars.UUID,
    Storage.TEXT: GraphQLString,
    Storage.FLOAT: GraphQLFloat,
    Storage.INTEGER: GraphQLInt,
    Storage.BIGINT: scalars.BIG_INT,
    Storage.NUMERIC: scalars.BIG_FLOAT,
    Storage.BOOLEAN: GraphQLBoolean,
    Storage.TIMESTAMP: scalars.DATE_TIME,
    Storage.DATE: scalars.DATE,
    Storage.JSON: scalars.JSON,
}
_STORAGE_FILTER: dict[Storage, GraphQLInputObjectType] = {
    Storage.UUID: UUID_FILTER,
    Storage.TEXT: STRING_FILTER,
    Storage.FLOAT: FLOAT_FILTER,
    Storage.INTEGER: INT_FILTER,
    Storage.BIGINT: BIG_INT_FILTER,
    Storage.NUMERIC: BIG_FLOAT_FILTER,
    Storage.BOOLEAN: BOOLEAN_FILTER,
    Storage.TIMESTAMP: DATE_TIME_FILTER,
    Storage.DATE: DATE_FILTER,
    Storage.JSON: RAW_JSON_FILTER,
    Storage.TEXT_ARRAY: ARRAY_FILTER,
}
ORDERABLE = {
    Storage.UUID, Storage.TEXT, Storage.FLOAT, Storage.INTEGER, Storage.BIGINT, Storage.NUMERIC,
    Storage.BOOLEAN, Storage.TIMESTAMP, Storage.DATE,
}
_AGGREGATE_OUTPUT: dict[str, GraphQLOutputType] = {
    "int": GraphQLInt, "ratio": GraphQLFloat, "number": GraphQLFloat, "timestamp": scalars.DATE_TIME,
    "date": scalars.DATE,
}
_AGGREGATE_COUNTS = ("countUniqueValues", "countEmpty", "countNotEmpty", "percentageEmpty", "percentageNotEmpty")


def _sub_output(f: FieldMeta, sub: SubField) -> GraphQLOutputType:
    if f.type == FieldType.ACTOR and sub.name == "source":
        return ACTOR_SOURCE
    return _STORAGE_OUTPUT[sub.storage]


def _composite_types() -> dict[FieldType, dict[str, Any]]:
    """Per composite type: its output type and its filter, order-by, create, update and
    group-by inputs, shared by every object (``FullName``, ``FullNameFilterInput`` …)."""
    out: dict[FieldType, dict[str, Any]] = {}
    for ftype, name in naming.COMPOSITE_NAMES.items():
        probe = FieldMeta("", "x", ftype, "", "")
        subs = probe.subfields
        writable = tuple(s for s in subs if s.writable)
        sub_filter = {
            s.name: GraphQLInputField(
                SELECT_FILTER if ftype == FieldType.ACTOR and s.name == "source" else _STORAGE_FILTER[s.storage]
            )
            for s in subs
        }
        sub_input: dict[str, GraphQLInputType] = {
            s.name: ACTOR_SOURCE if ftype == FieldType.ACTOR and s.name == "source" else _STORAGE_OUTPUT[s.storage]  # type: ignore[misc]
            for s in writable
        }
        out[ftype] = {
            "output": GraphQLObjectType(name, {s.name: GraphQLField(_sub_output(probe, s)) for s in subs}),
            "filter": GraphQLInputObjectType(name + "FilterInput", sub_filter),
            "order": GraphQLInputObjectType(
                name + "OrderByInput",
                {s.name: GraphQLInputField(ORDER_BY_DIRECTION) for s in subs if s.storage in ORDERABLE},
            ),
            "create": GraphQLInputObjectType(
                name + "CreateInput", {k: GraphQLInputField(v) for k, v in sub_input.items()}
            ),
            "update": GraphQLInputObjectType(
                name + "UpdateInput", {k: GraphQLInputField(v) for k, v in sub_input.items()}
            ),
            "groupBy": GraphQLInputObjectType(
                name + "GroupByInput",
                {s.name: GraphQLInputField(GraphQLBoolean) for s in subs if s.storage != Storage.JSON},
            ),
        }
    return out


COMPOSITES = _composite_types()


PLAN_CACHE_SIZE = 256


# ---- per workspace --------------------------------------------------------------------------


@dataclass
class CoreSchema:
    """The schema and what the translator needs beside it: each root field's operation and
    object, and each generated object type's object."""

    schema: GraphQLSchema
    roots: dict[str, tuple[str, ObjectMeta | None]] = field(default_factory=dict)  # search: no object
    objects: dict[str, ObjectMeta] = field(default_factory=dict)
    plans: LruCache = field(default_factory=lambda: LruCache(PLAN_CACHE_SIZE))  # (text, operation) → plan


def core_schema(catalog: Catalog) -> CoreSchema:
    """The catalog's schema, built on first use and kept on the snapshot."""
    cached = catalog.derived.get("graphql core schema")
    if cached is None:
        cached = catalog.derived["graphql core schema"] = _Builder(catalog).build()
    return cached  # type: ignore[no-any-return]


def aggregate_fields(obj: ObjectMeta) -> dict[str, str]:
    """Aggregate field name → its output kind (int, ratio, number, timestamp, date): every
    name of GRAPHQL.md §5.4 and §0 that the engine computes for this object."""
    names: list[str] = []
    for f in readable_fields(obj):
        if f.is_one_to_many or f.type in (FieldType.RELATION, FieldType.MORPH_RELATION) and not f.is_many_to_one:
            continue
        if f.is_many_to_one:
            continue
        suffix = capitalize(f.name)
        names += [p + suffix for p in _AGGREGATE_COUNTS]
        if f.type == FieldType.BOOLEAN:
            names += ["countTrue" + suffix, "countFalse" + suffix]
        if f.type in (FieldType.DATE, FieldType.DATE_TIME):
            names += ["min" + suffix, "max" + suffix]
        if f.type == FieldType.NUMBER:
            names += [p + suffix for p in ("min", "max", "avg", "sum")]
        if f.type == FieldType.CURRENCY:
            names += [p + suffix + "AmountMicros" for p in ("min", "max", "avg", "sum")]
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = resolve_aggregate(obj, name, "INVALID_AGGREGATE").output
        except ApiError:
            continue
    return out


class _Builder:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.objects = [o for o in catalog.objects if o.is_active]
        self.by_name = {o.name_singular: o for o in self.objects}
        self.out: dict[str, GraphQLObjectType] = {}
        self.connection: dict[str, GraphQLObjectType] = {}
        self.group_connection: dict[str, GraphQLObjectType] = {}
        self.filter: dict[str, GraphQLInputObjectType] = {}
        self.order: dict[str, GraphQLInputObjectType] = {}
        self.create: dict[str, GraphQLInputObjectType] = {}
        self.update: dict[str, GraphQLInputObjectType] = {}
        self.group_by: dict[str, GraphQLInputObjectType] = {}
        self.group_order: dict[str, GraphQLInputObjectType] = {}
        self.enums: dict[tuple[str, str], GraphQLEnumType | None] = {}
        self.enum_filters: dict[str, GraphQLInputObjectType] = {}
        self.relation_inputs: dict[str, GraphQLInputObjectType] = {}
        self.result = CoreSchema(GraphQLSchema())

    def build(self) -> CoreSchema:
        for o in self.objects:
            self._declare(o)
        from vingt.graphql_api.search import SEARCH_FIELD  # built on this module's filter types

        # the global search first: an object whose plural is "search" does not hide it
        query: dict[str, GraphQLField] = {"search": SEARCH_FIELD}
        self.result.roots["search"] = ("search", None)
        mutation: dict[str, GraphQLField] = {}
        for o in self.objects:
            self._roots(o, query, mutation)
        self.result.schema = GraphQLSchema(
            GraphQLObjectType("Query", query),
            GraphQLObjectType("Mutation", mutation) if mutation else None,
        )
        return self.result

    def _target(self, f: FieldMeta) -> ObjectMeta | None:
        if f.relation is None:
            return None
        return self.by_name.get(f.relation.target_object)

    def _enum(self, obj: ObjectMeta, f: FieldMeta) -> GraphQLEnumType | None:
        key = (obj.name_singular, f.name)
        if key not in self.enums:
            values = naming.enum_values(f)
            self.enums[key] = (
                GraphQLEnumType(naming.enum_name(obj, f), {v: GraphQLEnumValue(v) for v in values})
                if values is not None else None
            )
        return self.enums[key]

    def _enum_filter(self, obj: ObjectMeta, f: FieldMeta) -> GraphQLInputObjectType:
        enum = self._enum(obj, f)
        if enum is None:
            return ARRAY_FILTER if f.type == FieldType.MULTI_SELECT else STRING_FILTER
        name = enum.name + "Filter"
        if name not in self.enum_filters:
            if f.type == FieldType.MULTI_SELECT:
                fields = {
                    "containsAny": GraphQLInputField(GraphQLList(GraphQLNonNull(enum))),
                    "containsExactly": GraphQLInputField(GraphQLList(GraphQLNonNull(enum))),
                    "is": GraphQLInputField(FILTER_IS),
                    "isEmptyArray": GraphQLInputField(GraphQLBoolean),
                }
                self.enum_filters[name] = GraphQLInputObjectType(name, fields)
            else:
                self.enum_filters[name] = _comparisons(name, enum, _ORDERED)
        return self.enum_filters[name]

    def _scalar(self, obj: ObjectMeta, f: FieldMeta) -> GraphQLOutputType:
        """A non-composite, non-relation field's GraphQL type (nullable)."""
        t = f.type
        if f.name == "id":
            return scalars.UUID
        if t in (FieldType.SELECT, FieldType.RATING):
            return self._enum(obj, f) or GraphQLString
        if t == FieldType.MULTI_SELECT:
            return GraphQLList(GraphQLNonNull(self._enum(obj, f) or GraphQLString))
        if t == FieldType.ARRAY:
            return GraphQLList(GraphQLNonNull(GraphQLString))
        if t == FieldType.POSITION:
            return scalars.POSITION
        if t == FieldType.FILES:
            return scalars.JSON
        return _STORAGE_OUTPUT[f.scalar_storage]

    def _declare(self, o: ObjectMeta) -> None:
        name = o.name_singular
        self.result.objects[naming.type_name(o)] = o
        self.out[name] = GraphQLObjectType(naming.type_name(o), lambda: self._output_fields(o))
        aggregates = aggregate_fields(o)

        def connection_fields(group: bool) -> dict[str, GraphQLField]:
            out = {
                "edges": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(edge)))),
                "pageInfo": GraphQLField(GraphQLNonNull(PAGE_INFO)),
                "totalCount": GraphQLField(GraphQLInt),
            }
            out.update({a: GraphQLField(_AGGREGATE_OUTPUT[kind]) for a, kind in aggregates.items()})
            if group:
                out["groupByDimensionValues"] = GraphQLField(GraphQLNonNull(scalars.JSON))
            return out

        edge = GraphQLObjectType(
            naming.type_name(o, "Edge"),
            lambda: {
                "node": GraphQLField(GraphQLNonNull(self.out[name])),
                "cursor": GraphQLField(GraphQLNonNull(scalars.CURSOR)),
            },
        )
        self.connection[name] = GraphQLObjectType(naming.type_name(o, "Connection"), lambda: connection_fields(False))
        self.group_connection[name] = GraphQLObjectType(
            naming.type_name(o, "GroupByConnection"), lambda: connection_fields(True)
        )
        self.filter[name] = GraphQLInputObjectType(naming.type_name(o, "FilterInput"), lambda: self._filter_fields(o))
        self.order[name] = GraphQLInputObjectType(naming.type_name(o, "OrderByInput"), lambda: self._order_fields(o))
        self.create[name] = GraphQLInputObjectType(
            naming.type_name(o, "CreateInput"), lambda: self._write_fields(o, creating=True)
        )
        self.update[name] = GraphQLInputObjectType(
            naming.type_name(o, "UpdateInput"), lambda: self._write_fields(o, creating=False)
        )
        self.group_by[name] = GraphQLInputObjectType(
            naming.type_name(o, "GroupByInput"), lambda: self._group_by_fields(o)
        )
        aggregate_order = GraphQLInputObjectType(
            naming.type_name(o, "AggregateOrderByInput"),
            lambda: {"totalCount": GraphQLInputField(ORDER_BY_DIRECTION),
                     **{a: GraphQLInputField(ORDER_BY_DIRECTION) for a in aggregates}},
        )
        self.group_order[name] = GraphQLInputObjectType(
            naming.type_name(o, "OrderByWithGroupByInput"), lambda: self._group_order_fields(o, aggregate_order)
        )

    def connection_args(self, target: ObjectMeta) -> dict[str, GraphQLArgument]:
        name = target.name_singular
        return {
            "filter": GraphQLArgument(self.filter[name]),
            "orderBy": GraphQLArgument(GraphQLList(self.order[name])),
            "first": GraphQLArgument(GraphQLInt),
            "last": GraphQLArgument(GraphQLInt),
            "offset": GraphQLArgument(GraphQLInt),
            "before": GraphQLArgument(GraphQLString),
            "after": GraphQLArgument(GraphQLString),
        }

    def _output_fields(self, o: ObjectMeta) -> dict[str, GraphQLField]:
        out: dict[str, GraphQLField] = {}
        for f in readable_fields(o):
            if f.is_relation:
                target = self._target(f)
                if target is None:
                    continue
                if f.is_one_to_many:
                    out[f.name] = GraphQLField(
                        self.connection[target.name_singular], args=self.connection_args(target)
                    )
                elif f.is_many_to_one:
                    out[f.name] = GraphQLField(self.out[target.name_singular])
                    out.setdefault(f.join_column, GraphQLField(GraphQLID))
                continue
            t: Any = COMPOSITES[f.type]["output"] if f.is_composite else self._scalar(o, f)
            out[f.name] = GraphQLField(t if f.is_nullable and f.name != "id" else GraphQLNonNull(t))
        return out

    def _filter_fields(self, o: ObjectMeta) -> dict[str, GraphQLInputField]:
        own = self.filter[o.name_singular]
        out: dict[str, GraphQLInputField] = {
            "and": GraphQLInputField(GraphQLList(GraphQLNonNull(own))),
            "or": GraphQLInputField(GraphQLList(GraphQLNonNull(own))),
            "not": GraphQLInputField(own),
        }
        for f in readable_fields(o):
            if f.is_relation:
                if f.is_many_to_one:
                    out.setdefault(f.join_column, GraphQLInputField(UUID_FILTER))
                target = self._target(f)
                # to-one: the related record matches; to-many (not morph): some related record does
                if target is not None and (f.is_many_to_one or f.type != FieldType.MORPH_RELATION):
                    out[f.name] = GraphQLInputField(self.filter[target.name_singular])
                continue
            if f.is_composite:
                out[f.name] = GraphQLInputField(COMPOSITES[f.type]["filter"])
            elif f.type in (FieldType.SELECT, FieldType.RATING, FieldType.MULTI_SELECT):
                out[f.name] = GraphQLInputField(self._enum_filter(o, f))
            elif f.type == FieldType.POSITION:
                out[f.name] = GraphQLInputField(FLOAT_FILTER)
            else:
                out[f.name] = GraphQLInputField(_STORAGE_FILTER[f.scalar_storage])
        return out

    def _order_fields(self, o: ObjectMeta) -> dict[str, GraphQLInputField]:
        out: dict[str, GraphQLInputField] = {}
        for f in readable_fields(o):
            if f.is_relation:
                if f.is_many_to_one:
                    out.setdefault(f.join_column, GraphQLInputField(ORDER_BY_DIRECTION))
                continue
            if f.is_composite:
                out[f.name] = GraphQLInputField(COMPOSITES[f.type]["order"])
            elif f.scalar_storage in ORDERABLE:
                out[f.name] = GraphQLInputField(ORDER_BY_DIRECTION)
        return out

    def _write_fields(self, o: ObjectMeta, *, creating: bool) -> dict[str, GraphQLInputField]:
        out: dict[str, GraphQLInputField] = {}
        for f in readable_fields(o):
            if f.name in ("updatedAt", "deletedAt") or (f.name in ("id", "createdAt") and not creating):
                continue
            if f.is_relation:
                if f.is_many_to_one:
                    out.setdefault(f.join_column, GraphQLInputField(GraphQLID))
                    target = self._target(f)
                    if target is not None:
                        out[f.name] = GraphQLInputField(self._relation_input(target))
                continue
            if f.name == "id":
                out["id"] = GraphQLInputField(GraphQLID)
                continue
            if f.is_composite:
                t: Any = COMPOSITES[f.type]["create" if creating else "update"]
            else:
                t = self._scalar(o, f)
            required = creating and not f.is_nullable and f.default_value is None and not f.is_system
            out[f.name] = GraphQLInputField(GraphQLNonNull(t) if required else t)
        return out

    def _relation_input(self, target: ObjectMeta) -> GraphQLInputObjectType:
        """``<Target>RelationInput { connect: {where: <Target>WhereUniqueInput!}, disconnect }``
        (GRAPHQL.md §9.3): ``where`` holds ``id`` and each unique field, a composite one by its
        unique sub-fields (``domainName: {primaryLinkUrl}``)."""
        name = target.name_singular
        if name not in self.relation_inputs:
            def where_fields() -> dict[str, GraphQLInputField]:
                out: dict[str, GraphQLInputField] = {"id": GraphQLInputField(scalars.UUID)}
                for f in readable_fields(target):
                    if not f.is_unique or f.name == "id" or f.is_relation:
                        continue
                    if f.is_composite:
                        subs = {s.name: GraphQLInputField(_STORAGE_OUTPUT[s.storage])  # type: ignore[arg-type]
                                for s in f.subfields if s.unique_key}
                        out[f.name] = GraphQLInputField(GraphQLInputObjectType(
                            naming.type_name(target, capitalize(f.name) + "WhereInput"), subs))
                    else:
                        out[f.name] = GraphQLInputField(self._scalar(target, f))  # type: ignore[arg-type]
                return out

            where = GraphQLInputObjectType(naming.type_name(target, "WhereUniqueInput"), where_fields)
            connect = GraphQLInputObjectType(
                naming.type_name(target, "ConnectInput"), {"where": GraphQLInputField(GraphQLNonNull(where))}
            )
            self.relation_inputs[name] = GraphQLInputObjectType(naming.type_name(target, "RelationInput"), {
                "connect": GraphQLInputField(connect), "disconnect": GraphQLInputField(GraphQLBoolean),
            })
        return self.relation_inputs[name]

    def _group_by_fields(self, o: ObjectMeta) -> dict[str, GraphQLInputField]:
        out: dict[str, GraphQLInputField] = {}
        for f in readable_fields(o):
            if f.is_relation:
                if f.is_many_to_one:
                    out.setdefault(f.join_column, GraphQLInputField(GraphQLBoolean))
                    target = self._target(f)
                    if target is not None:
                        out[f.name] = GraphQLInputField(self.group_by[target.name_singular])
                continue
            if f.is_composite:
                out[f.name] = GraphQLInputField(COMPOSITES[f.type]["groupBy"])
            elif f.type in (FieldType.DATE, FieldType.DATE_TIME):
                out[f.name] = GraphQLInputField(GROUP_BY_DATE)
            elif f.scalar_storage != Storage.JSON:
                out[f.name] = GraphQLInputField(GraphQLBoolean)
        return out

    def _group_order_fields(self, o: ObjectMeta, aggregate: GraphQLInputObjectType) -> dict[str, GraphQLInputField]:
        out: dict[str, GraphQLInputField] = {"aggregate": GraphQLInputField(aggregate)}
        for f in readable_fields(o):
            if f.is_relation:
                if f.is_many_to_one:
                    out.setdefault(f.join_column, GraphQLInputField(ORDER_BY_DIRECTION))
                continue
            if f.is_composite:
                out[f.name] = GraphQLInputField(COMPOSITES[f.type]["order"])
            elif f.type in (FieldType.DATE, FieldType.DATE_TIME):
                out[f.name] = GraphQLInputField(ORDER_BY_DATE_GRANULARITY)
            elif f.scalar_storage in ORDERABLE:
                out[f.name] = GraphQLInputField(ORDER_BY_DIRECTION)
        return out

    def _roots(self, o: ObjectMeta, query: dict[str, GraphQLField], mutation: dict[str, GraphQLField]) -> None:
        name = o.name_singular
        out, conn = self.out[name], self.connection[name]
        flt, create, update = self.filter[name], self.create[name], self.update[name]
        by_id = {"id": GraphQLArgument(GraphQLNonNull(scalars.UUID))}
        by_filter = {"filter": GraphQLArgument(GraphQLNonNull(flt))}
        many = GraphQLList(out)
        upsert = GraphQLArgument(GraphQLBoolean)
        fields: list[tuple[str, str, GraphQLField]] = [
            ("query", "findMany", GraphQLField(conn, args={**self.connection_args(o), "limit": GraphQLArgument(GraphQLInt)})),
            ("query", "findOne", GraphQLField(out, args={"filter": GraphQLArgument(GraphQLNonNull(flt))})),
            ("query", "groupBy", GraphQLField(
                GraphQLList(self.group_connection[name]),
                args={
                    "groupBy": GraphQLArgument(GraphQLNonNull(GraphQLList(GraphQLNonNull(self.group_by[name])))),
                    "filter": GraphQLArgument(flt),
                    "orderBy": GraphQLArgument(GraphQLList(self.group_order[name])),
                    "orderByForRecords": GraphQLArgument(GraphQLList(self.order[name])),
                    "viewId": GraphQLArgument(scalars.UUID),
                    "limit": GraphQLArgument(GraphQLInt),
                    "offsetForRecords": GraphQLArgument(GraphQLInt),
                },
            )),
            ("mutation", "createOne", GraphQLField(
                out, args={"data": GraphQLArgument(GraphQLNonNull(create)), "upsert": upsert})),
            ("mutation", "createMany", GraphQLField(
                many, args={"data": GraphQLArgument(GraphQLNonNull(GraphQLList(GraphQLNonNull(create)))),
                            "upsert": upsert})),
            ("mutation", "updateOne", GraphQLField(
                out, args={**by_id, "data": GraphQLArgument(GraphQLNonNull(update))})),
            ("mutation", "updateMany", GraphQLField(
                many, args={**by_filter, "data": GraphQLArgument(GraphQLNonNull(update))})),
            ("mutation", "deleteOne", GraphQLField(out, args=by_id)),
            ("mutation", "deleteMany", GraphQLField(many, args=by_filter)),
            ("mutation", "destroyOne", GraphQLField(out, args=by_id)),
            ("mutation", "destroyMany", GraphQLField(many, args=by_filter)),
            ("mutation", "restoreOne", GraphQLField(out, args=by_id)),
            ("mutation", "restoreMany", GraphQLField(many, args=by_filter)),
        ]
        if criteria(o):
            fields.append(("query", "findDuplicates", GraphQLField(
                GraphQLList(conn),
                args={"ids": GraphQLArgument(GraphQLList(scalars.UUID)), "data": GraphQLArgument(GraphQLList(create))},
            )))
            fields.append(("mutation", "mergeMany", GraphQLField(out, args={
                "ids": GraphQLArgument(GraphQLNonNull(GraphQLList(GraphQLNonNull(scalars.UUID)))),
                "conflictPriorityIndex": GraphQLArgument(GraphQLNonNull(GraphQLInt)),
                "dryRun": GraphQLArgument(GraphQLBoolean),
            })))
        updatable = bool(self._write_fields(o, creating=False))
        for kind_of_root, kind, gql_field in fields:
            if kind in ("updateOne", "updateMany") and not updatable:
                continue  # nothing of the object can be written: no update input, no update
            root = naming.root_name(kind, o)
            target = query if kind_of_root == "query" else mutation
            if root in target:
                continue  # a name two objects would share: the first one keeps it
            target[root] = gql_field
            self.result.roots[root] = (kind, o)
