"""A validated document → a plan of its root fields; a plan + variables → the engine's
requests; the engine's JSON → the selection's shape.

No graphql-core resolver runs per record. ``plan_operation`` walks the operation once (fragments
expanded, fields merged by response key, each field resolved against the catalog) into
``Obj`` / ``Conn`` shape trees; the plan is cached per (document text, operation name). A
request then binds its variables: the arguments of each root field and nested connection become
a ``Query`` (filter tree, order, page, selection), the engine runs it in one statement, and
``shape_*`` copy the rendered records into the selected keys (aliases, ``__typename``, edges,
cursors, page info, totals, aggregates). A root connection's edges are instead rendered in that
shape by the database where it can (``edge_layout``: an output layout of the ``Query``), and
``rendered_conn`` joins their texts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

from vingt.engine.group_by import Aggregate, aggregate_value, resolve_aggregate
from vingt.engine.ir import BoolOp, Condition, Filter, OrderItem, Related
from vingt.engine.query import (
    Composite,
    Constant,
    Count,
    Layout,
    LayoutEntry,
    Page,
    Record,
    Relation,
    Rows,
    Select,
    ToMany,
    ToOne,
    Value,
)
from vingt.errors import ApiError
from vingt.graphql_api import shaping
from vingt.graphql_api.arguments import ArgumentCache
from vingt.graphql_api.schema import CoreSchema
from vingt.metadata.model import Catalog, ObjectMeta

NESTED_MAX = 60  # records per parent in a nested one-to-many connection (Twenty's bound)
MAX_RELATION_LEVELS = 3  # nesting of relations below a root field (DECISIONS.md §4)


# ---- shapes ---------------------------------------------------------------------------------


@dataclass
class Obj:
    """What to render of one record: ``(key, kind, arg)`` entries. Kinds: ``value`` (arg: the
    record key), ``typename`` (arg: the name), ``composite`` (arg: field name and its
    ``(key, sub-field or None, type name)`` items), ``one`` (arg: relation name and ``Obj``),
    ``many`` (arg: relation name, ``Conn``, the field definition and nodes for arguments)."""

    obj: ObjectMeta
    entries: list[tuple[str, str, Any]] = field(default_factory=list)
    shaper: shaping.Shaper | None = field(default=None, init=False, repr=False, compare=False)
    # the record as the database renders it is this selection's answer (same keys, same order):
    # None until a rendered record was compared
    verbatim: bool | None = field(default=None, init=False, repr=False, compare=False)
    _plain: bool | None = field(default=None, init=False, repr=False, compare=False)
    _top: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def plain(self) -> bool:
        """Only the record's own fields, unaliased, composites whole: its rendered record may
        be the answer as it is (``verbatim``)."""
        if self._plain is None:
            self._plain = self._only_fields()
        return self._plain

    def _only_fields(self) -> bool:
        for key, kind, arg in self.entries:
            if kind == "value":
                if key != arg:
                    return False
            elif kind == "composite":
                name, subs = arg
                if key != name or tuple(sk for sk, _s, _t in subs) != _rendered(self.obj, name) \
                        or any(sk != sub for sk, sub, _t in subs):
                    return False
            else:
                return False
        return True


@dataclass
class Conn:
    """What to render of a connection: entries of kind ``edges`` (arg: ``Edge``), ``pageInfo``
    (arg: ``(key, name)`` items, ``__typename`` among them), ``totalCount``, ``aggregate`` (arg:
    its name), ``typename``, ``dimensions`` (group-by)."""

    obj: ObjectMeta
    entries: list[tuple[str, str, Any]] = field(default_factory=list)
    shaper: shaping.ConnShaper | None = field(default=None, init=False, repr=False, compare=False)
    # the layout of its edges (``edge_layout``; ``False``: not made yet)
    layout: Layout | None | bool = field(default=False, init=False, repr=False, compare=False)
    # its nodes' bound selection and nested pages (``bound_select``), by ``Binder.rendered``
    bound: dict[bool, tuple[Select, dict[int, NestedPage]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def nodes(self) -> list[Obj]:
        return [node for _k, kind, edge in self.entries if kind == "edges" for _ek, ekind, node in edge if ekind == "node"]

    def wants(self, kind: str) -> bool:
        return any(k == kind for _key, k, _arg in self.entries)

    def aggregates(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(arg for _key, kind, arg in self.entries if kind == "aggregate"))


@dataclass
class Static:
    """What to render of a value of a type that is the same in every workspace (the global
    search's connection): ``(key, field name, Static or None)`` entries; a ``__typename``
    entry is rendered as ``type_name``."""

    type_name: str
    entries: list[tuple[str, str, Static | None]] = field(default_factory=list)


@dataclass
class RootField:
    key: str  # the response key (alias or name)
    name: str
    kind: str  # findMany, createOne, … (naming.ROOT_QUERIES / ROOT_MUTATIONS), "search", or "typename"
    obj: ObjectMeta | None
    field_def: GraphQLField | None
    nodes: list[FieldNode]
    shape: Obj | Conn | Static | None  # the record, the connection, search's answer, or None (__typename)
    error: ApiError | None = None  # the field's selection is refused (too deep)


@dataclass
class Plan:
    operation: OperationDefinitionNode
    mutation: bool
    introspection: bool
    roots: list[RootField]
    # the fields' arguments coerced once, when the plan is kept for later requests
    arguments: ArgumentCache | None = field(default=None, repr=False, compare=False)


def _named(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


class _Collector:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: VariableValues | None):
        self.fragments = fragments
        self.variables = variables

    def included(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def collect(self, sets: list[SelectionSetNode]) -> dict[str, list[FieldNode]]:
        out: dict[str, list[FieldNode]] = {}
        seen: set[str] = set()

        def walk(selections: Any) -> None:
            for sel in selections:
                if not self.included(sel):
                    continue
                if isinstance(sel, FieldNode):
                    key = sel.alias.value if sel.alias else sel.name.value
                    out.setdefault(key, []).append(sel)
                elif isinstance(sel, InlineFragmentNode):
                    walk(sel.selection_set.selections)
                elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                    seen.add(sel.name.value)
                    frag = self.fragments.get(sel.name.value)
                    if frag is not None:
                        walk(frag.selection_set.selections)

        for s in sets:
            walk(s.selections)
        return out

    @staticmethod
    def subsets(nodes: list[FieldNode]) -> list[SelectionSetNode]:
        return [n.selection_set for n in nodes if n.selection_set is not None]


def plan_operation(
    core: CoreSchema, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues | None,
) -> Plan:
    mutation = operation.operation.value == "mutation"
    root_type = core.schema.mutation_type if mutation else core.schema.query_type
    assert root_type is not None
    c = _Collector(fragments, variables)
    roots: list[RootField] = []
    introspection = False
    for key, nodes in c.collect([operation.selection_set]).items():
        name = nodes[0].name.value
        if name == "__typename":
            roots.append(RootField(key, name, "typename", None, None, nodes, None))
            continue
        if name in ("__schema", "__type"):
            introspection = True
            roots.append(RootField(key, name, "introspection", None, None, nodes, None))
            continue
        kind, obj = core.roots[name]
        field_def = root_type.fields[name]
        target = _named(field_def.type)
        if obj is None:  # the global search: one static type
            roots.append(RootField(key, name, kind, None, field_def, nodes, static_shape(c, target, c.subsets(nodes))))
            continue
        try:
            if kind in ("findMany", "findDuplicates", "groupBy"):
                shape: Obj | Conn = _conn(core, c, obj, target, c.subsets(nodes), 0)
            else:
                shape = _obj(core, c, obj, target, c.subsets(nodes), 0)
        except ApiError as exc:
            roots.append(RootField(key, name, kind, obj, field_def, nodes, None, exc))
            continue
        roots.append(RootField(key, name, kind, obj, field_def, nodes, shape))
    return Plan(operation, mutation, introspection, roots)


def static_shape(c: _Collector, gtype: GraphQLObjectType, sets: list[SelectionSetNode]) -> Static:
    out = Static(gtype.name)
    for key, nodes in c.collect(sets).items():
        name = nodes[0].name.value
        if name == "__typename":
            out.entries.append((key, name, None))
            continue
        sub = _named(gtype.fields[name].type)
        out.entries.append((key, name, static_shape(c, sub, c.subsets(nodes)) if isinstance(sub, GraphQLObjectType) else None))
    return out


def _too_deep() -> ApiError:
    return ApiError(
        "QUERY_TOO_COMPLEX", f"Relations nest at most {MAX_RELATION_LEVELS} levels below a root field",
        {"bound": "relationDepth", "limit": MAX_RELATION_LEVELS},
    )


def _obj(core: CoreSchema, c: _Collector, obj: ObjectMeta, gtype: GraphQLObjectType, sets: list[SelectionSetNode],
         level: int) -> Obj:
    out = Obj(obj)
    for key, nodes in c.collect(sets).items():
        name = nodes[0].name.value
        if name == "__typename":
            out.entries.append((key, "typename", gtype.name))
            continue
        f = obj.field(name)
        fdef = gtype.fields[name]
        if f is None or not f.is_relation:
            if f is not None and f.is_composite:
                subtype = _named(fdef.type)
                items = []
                for sk, snodes in c.collect(c.subsets(nodes)).items():
                    sname = snodes[0].name.value
                    items.append((sk, None if sname == "__typename" else sname, subtype.name))
                out.entries.append((key, "composite", (name, items)))
            else:
                out.entries.append((key, "value", name))
            continue
        if level + 1 > MAX_RELATION_LEVELS:
            raise _too_deep()
        assert f.relation is not None
        target = core.objects[_named(fdef.type).name] if f.is_many_to_one else None
        if f.is_many_to_one:
            assert target is not None
            out.entries.append((key, "one", (name, _obj(core, c, target, _named(fdef.type), c.subsets(nodes), level + 1))))
        else:
            conn_type = _named(fdef.type)
            target = core.objects[conn_type.name[: -len("Connection")]]
            conn = _conn(core, c, target, conn_type, c.subsets(nodes), level + 1)
            out.entries.append((key, "many", (name, conn, fdef, nodes)))
    return out


def _conn(core: CoreSchema, c: _Collector, obj: ObjectMeta, gtype: GraphQLObjectType, sets: list[SelectionSetNode],
          level: int) -> Conn:
    out = Conn(obj)
    for key, nodes in c.collect(sets).items():
        name = nodes[0].name.value
        if name == "__typename":
            out.entries.append((key, "typename", gtype.name))
        elif name == "edges":
            edge_type = _named(gtype.fields["edges"].type)
            edge: list[tuple[str, str, Any]] = []
            for ek, enodes in c.collect(c.subsets(nodes)).items():
                ename = enodes[0].name.value
                if ename == "node":
                    edge.append((ek, "node", _obj(core, c, obj, _named(edge_type.fields["node"].type),
                                                  c.subsets(enodes), level)))
                elif ename == "cursor":
                    edge.append((ek, "cursor", None))
                else:
                    edge.append((ek, "typename", edge_type.name))
            out.entries.append((key, "edges", edge))
        elif name == "pageInfo":
            items = [(pk, pnodes[0].name.value) for pk, pnodes in c.collect(c.subsets(nodes)).items()]
            out.entries.append((key, "pageInfo", items))
        elif name == "totalCount":
            out.entries.append((key, "totalCount", None))
        elif name == "groupByDimensionValues":
            out.entries.append((key, "dimensions", None))
        else:
            out.entries.append((key, "aggregate", name))
    return out


# ---- binding: arguments → the engine's values ------------------------------------------------


def arguments(fdef: GraphQLField, node: FieldNode, variables: VariableValues | None,
              cache: ArgumentCache | None = None) -> dict[str, Any]:
    if cache is not None:
        return cache.values(fdef, node, variables)
    return get_argument_values(fdef, node, variables)


def to_filter(
    catalog: Catalog, obj: ObjectMeta | None, value: dict[str, Any] | None, where: str = "filter"
) -> Filter | None:
    """A ``<O>FilterInput`` value → the filter tree (several keys are ANDed, as are several
    operators of one field); a relation's entry (``company: {…}``, ``people: {…}``) is a
    ``Related`` filter on its target. ``obj`` None: a filter over several objects, whose keys
    are fields every object has (the global search's)."""
    if not value:
        return None
    items: list[Filter] = []
    for key, cond in value.items():
        if cond is None:
            continue
        if key in ("and", "or"):
            parts = [p for p in (to_filter(catalog, obj, v, where) for v in cond) if p is not None]
            if parts:
                items.append(BoolOp(key, tuple(parts)) if len(parts) > 1 else parts[0])
            continue
        if key == "not":
            inner = to_filter(catalog, obj, cond, where)
            if inner is not None:
                items.append(BoolOp("not", (inner,)))
            continue
        f = obj.field(key) if obj is not None else None
        if f is not None and f.is_relation and f.relation is not None:
            target = catalog.by_singular.get(f.relation.target_object)
            nested = to_filter(catalog, target, cond, where) if target is not None else None
            if nested is None:
                raise _empty(key, where)
            items.append(Related(key, nested))
        elif f is not None and f.is_composite:
            subs = [(sub, ops) for sub, ops in cond.items() if ops is not None]
            if not subs:
                raise _empty(key, where)
            for sub, ops in subs:
                items += field_conditions((key, sub), ops, where)
        else:
            items += field_conditions((key,), cond, where)
    if not items:
        return None
    return items[0] if len(items) == 1 else BoolOp("and", tuple(items))


def _empty(path: str, where: str) -> ApiError:
    return ApiError(
        "INVALID_FILTER", f"'{where}' on '{path}' has no operator", {"field": path, "parameter": where}
    )


def field_conditions(path: tuple[str, ...], ops: dict[str, Any], where: str) -> list[Filter]:
    """A field's operators (``{gte: …, lt: …}``) as conditions on ``path``; ``where``: the
    argument, for errors."""
    out: list[Filter] = []
    for op, value in ops.items():
        if value is None:
            continue
        if op == "containsJsonb":  # any JSON value: the engine takes it as JSON text
            out.append(Condition(path, op, orjson.dumps(value).decode()))
            continue
        if isinstance(value, list):
            if not value:
                raise ApiError(
                    "INVALID_FILTER", f"'{op}' on '{'.'.join(path)}' needs a non-empty list",
                    {"field": ".".join(path), "comparator": op, "parameter": where},
                )
            value = tuple(value)
        out.append(Condition(path, op, value))
    if not out:
        raise _empty(".".join(path), where)
    return out


def to_order(value: list[Any] | None) -> tuple[OrderItem, ...]:
    items: list[OrderItem] = []
    for entry in value or ():
        for key, direction in (entry or {}).items():
            if direction is None:
                continue
            if isinstance(direction, dict):
                items += [OrderItem((key, sub), d) for sub, d in direction.items() if d is not None]
            else:
                items.append(OrderItem((key,), direction))
    return tuple(items)


def to_page(args: dict[str, Any], default: int, maximum: int) -> Page:
    """``first`` / ``after``, ``last`` / ``before``, ``offset`` (and the older ``limit``) as a
    page: ``default`` records when no size is given, at most ``maximum``."""
    first, last = args.get("first"), args.get("last")
    if first is None and args.get("limit") is not None:
        first = args["limit"]
    before, after = args.get("before"), args.get("after")
    for a, b in (("first", "last"), ("before", "after"), ("first", "before"), ("last", "after")):
        if {"first": first, "last": last, "before": before, "after": after}[a] is not None and \
                {"first": first, "last": last, "before": before, "after": after}[b] is not None:
            raise ApiError(
                "INVALID_PARAMETER", f"'{a}' and '{b}' cannot be used together", {"parameter": b, "conflicts": a}
            )
    for name, n in (("first", first), ("last", last), ("offset", args.get("offset"))):
        if n is not None and n < 0:
            raise ApiError("INVALID_PARAMETER", f"'{name}' must not be negative", {"parameter": name, "value": n})
    offset = args.get("offset") or 0
    if last is not None or before is not None:
        return Page(last=min(default if last is None else last, maximum), before=before, offset=offset)
    return Page(first=min(default if first is None else first, maximum), after=after, offset=offset)


@dataclass(frozen=True)
class NestedPage:
    """How a nested connection was asked for, for shaping: its page size, whether it holds the
    last records (``last`` / ``before``), and its aggregates."""

    size: int
    backwards: bool = False
    aggregates: tuple[Aggregate, ...] = ()


class Binder:
    """Builds the engine's selection for a shape with this request's variables, and
    remembers each nested connection's page (``NestedPage``, by the ``Conn``'s id) for shaping."""

    def __init__(self, catalog: Catalog, variables: VariableValues | None, rendered: bool = False,
                 cache: ArgumentCache | None = None):
        self.catalog = catalog
        self.variables = variables
        self.cache = cache
        self.firsts: dict[int, NestedPage] = {}
        # the database lays the records out (``edge_layout``): a nested connection reads its
        # page only (no page info is asked for), not the one record more that tells whether
        # more exist
        self.rendered = rendered

    def select(self, shape: Obj, extra: tuple[Obj, ...] = ()) -> Select:
        fields: set[str] = set()
        ones: dict[str, list[Obj]] = {}
        manys: dict[str, list[tuple[Conn, Any, list[FieldNode]]]] = {}
        for o in (shape, *extra):
            for _key, kind, arg in o.entries:
                if kind == "value":
                    fields.add(arg)
                elif kind == "composite":
                    fields.add(arg[0])
                elif kind == "one":
                    ones.setdefault(arg[0], []).append(arg[1])
                elif kind == "many":
                    manys.setdefault(arg[0], []).append((arg[1], arg[2], arg[3]))
        relations: list[tuple[str, Relation]] = []
        for name, objs in ones.items():
            relations.append((name, Relation(self.select(objs[0], tuple(objs[1:])))))
        for name, conns in manys.items():
            relations.append((name, self._relation(shape.obj, name, conns)))
        return Select(tuple(sorted(fields)), tuple(sorted(relations, key=lambda r: r[0])))

    def _relation(self, obj: ObjectMeta, name: str, conns: list[tuple[Conn, Any, list[FieldNode]]]) -> Relation:
        bound = None
        for _conn, fdef, nodes in conns:
            args = arguments(fdef, nodes[0], self.variables, self.cache)
            if bound is not None and args != bound:
                raise ApiError(
                    "QUERY_TOO_COMPLEX", f"'{name}' is selected twice with different arguments",
                    {"field": name, "object": obj.name_singular},
                )
            bound = args
        assert bound is not None
        # first / after, last / before and offset as on a root connection, at most 60 records
        page = to_page(bound, NESTED_MAX, NESTED_MAX)
        backwards = page.last is not None
        size = page.last if page.last is not None else page.first
        assert size is not None
        target = conns[0][0].obj
        names = tuple(dict.fromkeys(a for conn, _f, _n in conns for a in conn.aggregates()))
        aggregates = tuple(resolve_aggregate(target, a, "INVALID_AGGREGATE") for a in names)
        shapes = [n for conn, _f, _n in conns for n in conn.nodes()]
        for conn, _f, _n in conns:
            self.firsts[id(conn)] = NestedPage(size, backwards, aggregates)
        select = self.select(shapes[0], tuple(shapes[1:])) if shapes else Select(())
        more = 0 if self.rendered else 1
        return Relation(
            select, to_filter(self.catalog, target, bound.get("filter")), to_order(bound.get("orderBy")),
            size + more, page.offset, any(conn.wants("totalCount") for conn, _f, _n in conns),
            last=size + more if backwards else None, after=page.after, before=page.before, aggregates=names,
        )


def bound_select(
    c: Conn, catalog: Catalog, variables: VariableValues | None, rendered: bool, cache: ArgumentCache | None = None
) -> tuple[Select, dict[int, NestedPage]]:
    """The engine's selection of ``c``'s nodes and its nested connections' pages (``Binder``);
    kept with ``c`` (a cached plan's) when no argument of a nested connection reads a variable."""
    found = c.bound.get(rendered)
    if found is not None:
        return found
    binder = Binder(catalog, variables, rendered, cache)
    nodes = c.nodes()
    found = (binder.select(nodes[0], tuple(nodes[1:])) if nodes else Select(()), binder.firsts)
    if not any(_reads_variables(n) for n in nodes):
        c.bound[rendered] = found
    return found


def _reads_variables(o: Obj) -> bool:
    for _key, kind, arg in o.entries:
        if kind == "one" and _reads_variables(arg[1]):
            return True
        if kind == "many":
            if any(_has_variable(a.value) for node in arg[3] for a in node.arguments or ()):
                return True
            if any(_reads_variables(n) for n in arg[1].nodes()):
                return True
    return False


def _has_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(f.value) for f in value.fields)
    return False


# ---- layouts: the selection rendered by the database ------------------------------------------


def edge_layout(c: Conn) -> Layout | None:
    """The layout that renders each record of a root connection as its edge (``node``,
    ``cursor``, ``__typename``), made once per ``Conn``; ``None`` when the database cannot
    render the selection: several ``edges`` entries, or a nested connection asking for its
    ``pageInfo`` or aggregates (those are shaped in Python, ``shape_conn``)."""
    found = c.layout
    if found is False:
        edges = [arg for _key, kind, arg in c.entries if kind == "edges"]
        found = c.layout = _edge_layout(edges[0]) if len(edges) == 1 and not c.wants("dimensions") else None
    assert found is not True
    return found


def _edge_layout(edge: list[tuple[str, str, Any]]) -> Layout | None:
    entries: list[LayoutEntry] = []
    for key, kind, arg in edge:
        if kind == "node":
            node = _obj_layout(arg)
            if node is None:
                return None
            entries.append(Record(key, node))
        elif kind == "cursor":
            entries.append(Value(key, "id"))  # the cursor the shaper gives an edge: the record's id
        else:
            entries.append(Constant(key, arg))
    return Layout(tuple(entries))


def _obj_layout(o: Obj) -> Layout | None:
    entries: list[LayoutEntry] = []
    for key, kind, arg in o.entries:
        if kind == "value":
            entries.append(Value(key, arg))
        elif kind == "typename":
            entries.append(Constant(key, arg))
        elif kind == "composite":
            name, subs = arg
            entries.append(Composite(key, name, tuple(
                Value(sk, sub) if sub is not None else Constant(sk, tname) for sk, sub, tname in subs
            )))
        elif kind == "one":
            inner = _obj_layout(arg[1])
            if inner is None:
                return None
            entries.append(ToOne(key, arg[0], inner))
        else:
            many = _many_layout(key, arg[0], arg[1])
            if many is None:
                return None
            entries.append(many)
    return Layout(tuple(entries))


def _many_layout(key: str, relation: str, c: Conn) -> ToMany | None:
    items: list[Rows | Count | Constant] = []
    for ckey, kind, arg in c.entries:
        if kind == "edges":
            edge = _edge_layout(arg)
            if edge is None:
                return None
            items.append(Rows(ckey, edge))
        elif kind == "totalCount":
            items.append(Count(ckey))
        elif kind == "typename":
            items.append(Constant(ckey, arg))
        else:  # pageInfo (hasNextPage needs the record after the page), aggregates
            return None
    return ToMany(key, relation, tuple(items))


def rendered_conn(
    c: Conn, edges: list[str], ids: list[str], has_next: bool, has_previous: bool, total: int | None,
    aggregates: dict[str, Any] | None,
) -> dict[str, Any]:
    """A root connection whose ``edges`` the database rendered (``edge_layout``, one text per
    record): the edges joined into one array, the rest as ``shape_conn`` gives it."""
    out: dict[str, Any] = {}
    for key, kind, arg in c.entries:
        if kind == "edges":
            out[key] = orjson.Fragment("[" + ",".join(edges) + "]")
        elif kind == "pageInfo":
            out[key] = {pk: has_next if name == "hasNextPage" else has_previous if name == "hasPreviousPage" else
                        (ids[0] if ids else None) if name == "startCursor" else
                        (ids[-1] if ids else None) if name == "endCursor" else "PageInfo" for pk, name in arg}
        elif kind == "totalCount":
            out[key] = total
        elif kind == "aggregate":
            out[key] = (aggregates or {}).get(arg)
        else:
            out[key] = arg
    return out


# ---- shaping: rendered records → the selection ------------------------------------------------


def shape_obj(o: Obj, rec: dict[str, Any], firsts: dict[int, NestedPage]) -> dict[str, Any]:
    return _shaper(o)(rec, firsts)


def _shaper(o: Obj) -> shaping.Shaper:
    """``o``'s generated shaper, made on first use and kept with it (its document is cached)."""
    found = o.shaper
    if found is None:
        found = o.shaper = shaping.compile_obj(o.entries, _shaper, _many_shaper, lambda name: _rendered(o.obj, name))
    return found


def _rendered(obj: ObjectMeta, name: str) -> tuple[str, ...]:
    """The keys of a composite field as the database renders it (``engine.compile``)."""
    f = obj.field(name)
    return () if f is None else tuple(c.sub.name for c in f.columns() if c.sub is not None)


def _many_shaper(conn: Conn) -> Callable[[Any, dict[int, NestedPage]], dict[str, Any]]:
    return partial(_shape_many, conn)


def _shape_many(conn: Conn, value: Any, firsts: dict[int, NestedPage]) -> dict[str, Any]:
    """A one-to-many relation's rendered value (its records, or ``{records, totalCount,
    aggregates}``) as the connection ``conn``."""
    aggregates = None
    if isinstance(value, dict):
        records, total = value.get("records") or [], value.get("totalCount")
        aggregates = value.get("aggregates")
    else:
        records = value or []
        total = None
    page = firsts.get(id(conn))
    if page is None:  # a write's answer: the records as rendered
        return shape_conn(conn, records, firsts, False, False, len(records), aggregates)
    # one record more than the page was read: it tells whether more exist (before the page
    # when it holds the last records)
    more = len(records) > page.size
    if more:
        records = records[len(records) - page.size:] if page.backwards else records[: page.size]
    if aggregates is not None:
        aggregates = {a.name: aggregate_value(aggregates.get(a.name), a) for a in page.aggregates}
    return shape_conn(conn, records, firsts, more and not page.backwards, more and page.backwards, total, aggregates)


def shape_conn(
    c: Conn, records: list[dict[str, Any]], firsts: dict[int, NestedPage], has_next: bool, has_previous: bool,
    total: int | None, aggregates: dict[str, Any] | None = None, dimensions: Any = None,
) -> dict[str, Any]:
    found = c.shaper
    if found is None:
        found = c.shaper = shaping.compile_conn(c.entries, lambda edge: shaping.compile_edges(edge, _shaper))
    return found(records, firsts, has_next, has_previous, total, aggregates, dimensions)


def shape_static(s: Static, value: Any) -> Any:
    """A plain value (dicts by field name, lists) copied into the selection's keys."""
    if value is None:
        return None
    if isinstance(value, list):
        return [shape_static(s, v) for v in value]
    return {
        key: s.type_name if name == "__typename" else
        shape_static(sub, value.get(name)) if sub is not None else value.get(name)
        for key, name, sub in s.entries
    }


def depth_of(o: Obj) -> int:
    """The relation depth a write's answer needs (REST's ``depth``, at most 2)."""
    deepest = 0
    for _key, kind, arg in o.entries:
        if kind == "one":
            deepest = max(deepest, 1 + depth_of(arg[1]))
        elif kind == "many":
            deepest = max(deepest, 1 + max((depth_of(n) for n in arg[1].nodes()), default=0))
    return min(deepest, 2)


def top_fields(o: Obj) -> tuple[str, ...]:
    """The record fields a write's answer needs (REST's ``fields``)."""
    if o._top is None:
        names = {arg if kind == "value" else arg[0] for _key, kind, arg in o.entries if kind != "typename"}
        o._top = tuple(sorted(names | {"id"}))
    return o._top

