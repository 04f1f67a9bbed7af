"""The core GraphQL API at ``/graphql`` (GRAPHQL.md, DECISIONS.md §4): records of every object of
the workspace, read and written through the same engine as REST.

A request: authenticate; the document, parsed and validated once per catalog and text
(``common.document``); its operation planned once per text and name (``translate``); the
variables bound; each root field run as one engine call (one statement for a read, relations,
total and page included, one more for aggregates) and its records shaped into the selection — a
root connection's edges rendered so by the database where it can (``translate.edge_layout``).
Errors are GraphQL errors with HTTP 200 (``extensions.code`` of GRAPHQL.md §14, the REST code as
``subCode``); a root field that fails is ``null`` beside the others. Documents that select
``__schema`` / ``__type`` are executed by graphql-core, the records' root fields read from the
engine's answers.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    execute,
)
from graphql.execution.values import VariableValues
from starlette.requests import Request
from starlette.responses import Response

from vingt.db.database import Contended, DataError, StaleSchema
from vingt.engine import duplicates as dup
from vingt.engine import merge as merging
from vingt.engine.group_by import DEFAULT_LIMIT, GroupByQuery, run_group_by
from vingt.engine.ir import BoolOp, Condition, Filter
from vingt.engine.query import Page, Query
from vingt.engine.records import Actor, Engine
from vingt.errors import ApiError, safe_details
from vingt.graphql_api import graphiql, search
from vingt.graphql_api.arguments import ArgumentCache
from vingt.graphql_api.common import Bounds, ParseFailed, document, read_request
from vingt.graphql_api.prepared import Prepared, coerce_variables, prepare
from vingt.graphql_api.schema import CoreSchema, core_schema
from vingt.graphql_api.translate import (
    Binder,
    Conn,
    Obj,
    Plan,
    RootField,
    Static,
    arguments,
    bound_select,
    depth_of,
    edge_layout,
    plan_operation,
    rendered_conn,
    shape_conn,
    shape_obj,
    shape_static,
    to_filter,
    to_order,
    to_page,
    top_fields,
)
from vingt.ratelimit import spend_rate, with_rate_headers
from vingt.registry import Principal
from vingt.rest import idempotency
from vingt.retry import retrying_as

log = logging.getLogger("vingt")

# a root connection's edges are rendered by the database when it can (``translate.edge_layout``);
# off: every answer is shaped in Python (the tests compare the two)
RENDER_IN_DATABASE = True
DEFAULT_PAGE = 200  # records of a connection without first / last (Twenty's QUERY_MAX_RECORDS)
DOCUMENT_CACHE_SIZE = 256
USER_FRIENDLY = "An error occurred."

# REST codes whose GraphQL code is not the one their HTTP status gives: Twenty answers a record's
# unique violation (a taken id included) with BAD_USER_INPUT ("A duplicate entry was detected",
# GRAPHQL.md §0), and an upsert that matches several records too (§14)
_CODES = {"UNIQUE_VIOLATION": "BAD_USER_INPUT", "RECORD_ALREADY_EXISTS": "BAD_USER_INPUT",
          "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT": "BAD_USER_INPUT"}
_BY_STATUS = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 429: "RATE_LIMITED"}


def graphql_code(exc: ApiError) -> str:
    if exc.code in _CODES:
        return _CODES[exc.code]
    if exc.status >= 500:
        return "INTERNAL_SERVER_ERROR"
    return _BY_STATUS.get(exc.status, "BAD_USER_INPUT")


def api_error(exc: ApiError, path: list[Any] | None = None) -> dict[str, Any]:
    """An ``ApiError`` as a GraphQL error: Twenty's code, the REST code as ``subCode``."""
    out: dict[str, Any] = {"message": exc.message}
    if path is not None:
        out["path"] = path
    out["extensions"] = {
        "code": graphql_code(exc), "subCode": exc.code, "userFriendlyMessage": USER_FRIENDLY,
        "details": safe_details(exc.details),
    }
    return out


def request_error(err: GraphQLError, code: str) -> dict[str, Any]:
    if isinstance(err.original_error, ApiError):
        return api_error(err.original_error)
    out = err.formatted
    out.pop("extensions", None)
    out["extensions"] = {"code": code, "userFriendlyMessage": USER_FRIENDLY}
    return dict(out)


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json", headers=headers)


def _errors(*errors: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return _json({"errors": list(errors)}, status, headers)


async def endpoint(request: Request) -> Response:
    """``/graphql``; every answer to a document that spent rate budget says where it stands. A
    browser's GET (HTML, no ``query``) gets the GraphiQL page."""
    if graphiql.wants_page(request):
        return graphiql.page(request)
    return with_rate_headers(request, await _answer(request))


class _RolledBack(Exception):
    """A mutation under an ``Idempotency-Key`` that failed somewhere: its unit of work rolls back
    (nothing of it is kept, nor the key) and this answer is returned."""

    def __init__(self, response: Response):
        self.response = response


async def _answer(request: Request) -> Response:
    registry = request.app.state.registry
    authorization = request.headers.get("authorization")
    try:
        principal = await registry.authenticate(authorization)
    except ApiError as exc:
        # a missing, invalid, expired or revoked key: UNAUTHENTICATED (DECISIONS.md §4)
        error = api_error(exc)
        error["extensions"]["code"] = "UNAUTHENTICATED"
        return _errors(error)
    body = await _body(request)
    if isinstance(body, Response):
        return body
    try:
        # as REST: a stale catalog or a deadlock runs it again
        return await retrying_as(request, principal, lambda current: _once(request, current, body))
    except _RolledBack as rolled:
        return rolled.response
    except ApiError as exc:  # the database kept refusing, or the key changed in between
        return _errors(api_error(exc), headers=exc.headers)


async def _body(request: Request) -> dict[str, Any] | Response:
    try:
        body: Any = await read_request(request)
    except ApiError as exc:
        error = api_error(exc)
        error["extensions"]["code"] = "BAD_REQUEST"
        return _errors(error, status=exc.status)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return _errors(api_error(ApiError("INVALID_BODY", "Expected a JSON object with a 'query' string", {})) | {
            "extensions": {"code": "BAD_REQUEST", "subCode": "INVALID_BODY", "userFriendlyMessage": USER_FRIENDLY}
        }, status=400)
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return _errors(request_error(GraphQLError("'variables' must be a JSON object"), "BAD_USER_INPUT"))
    return body


def _bounds(request: Request) -> Bounds:
    settings = request.app.state.settings
    return _bounds_of(settings.graphql_max_fields, settings.graphql_max_document_bytes)


@functools.lru_cache(maxsize=8)
def _bounds_of(selected_fields: int, document_bytes: int) -> Bounds:
    return Bounds(root_fields=20, selected_fields=selected_fields, depth=16, document_bytes=document_bytes)


def _operation(doc: DocumentNode, name: Any) -> OperationDefinitionNode | GraphQLError:
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        for op in ops:
            if op.name is not None and op.name.value == name:
                return op
        return GraphQLError(f"Unknown operation named '{name}'.")
    if len(ops) != 1:
        return GraphQLError("Must provide operation name if query contains multiple operations.")
    return ops[0]


async def _once(request: Request, principal: Principal, body: dict[str, Any]) -> Response:
    catalog = principal.catalog
    core = core_schema(catalog)
    query: str = body["query"]
    doc = document(query, core.schema, catalog.lru("graphql documents", DOCUMENT_CACHE_SIZE), _bounds(request))
    if isinstance(doc, list):
        return _errors(*(
            request_error(e, "GRAPHQL_PARSE_FAILED" if isinstance(e, ParseFailed) else "GRAPHQL_VALIDATION_FAILED")
            for e in doc
        ))
    op_name = body.get("operationName")
    key = (query, op_name)
    prepared: Prepared | None = core.plans.get(key)
    if prepared is None:
        operation = _operation(doc, op_name)
        if isinstance(operation, GraphQLError):
            return _errors(request_error(operation, "BAD_USER_INPUT"))
        prepared = core.plans.put(key, prepare(core.schema, query, doc, op_name, operation))
        assert prepared is not None
    mutation = prepared.mutation
    if request.method == "GET" and mutation:
        return _errors(request_error(GraphQLError("Mutations must be sent with POST"), "BAD_REQUEST"),
                       status=405, headers={"Allow": "POST"})
    coerced = coerce_variables(core.schema, prepared, body.get("variables") or {})
    if isinstance(coerced, list):
        return _errors(*(request_error(e, "BAD_USER_INPUT") for e in coerced))
    request.state.workspace_id = principal.workspace_id  # for the request log
    try:
        await spend_rate(request, principal.workspace_id, prepared.root_fields)
    except ApiError as exc:
        return _errors(api_error(exc), headers=exc.headers)
    plan = _plan(core, prepared, coerced)
    run = _Run(request, principal, core, coerced)
    if not mutation:
        return Response(await run.body(plan, doc), media_type="application/json")
    if not request.headers.getlist(idempotency.HEADER):
        payload = await run.payload(plan, doc)
        request.app.state.dispatcher.wake()
        return _json(payload)

    async def call() -> Response:
        payload = await run.payload(plan, doc)
        if payload.get("errors"):
            raise _RolledBack(_json(payload))
        return _json(payload)

    try:
        response = await idempotency.guarded(request, principal, call)
    except ApiError as exc:  # the key was used with another request, or is still in flight
        return _errors(api_error(exc), headers=exc.headers)
    request.app.state.dispatcher.wake()
    return response


def _plan(core: CoreSchema, prepared: Prepared, variables: VariableValues) -> Plan:
    """The operation's plan, kept with ``prepared`` unless directives (which read variables)
    may change it."""
    if prepared.directives:
        return plan_operation(core, prepared.operation, prepared.fragments, variables)
    if prepared.plan is None:
        prepared.plan = plan_operation(core, prepared.operation, prepared.fragments, variables)
        prepared.plan.arguments = ArgumentCache()
    return prepared.plan


class _Run:
    """The root fields of one request, each run on the engine."""

    def __init__(self, request: Request, principal: Principal, core: CoreSchema, variables: VariableValues):
        app = request.app
        self.settings = app.state.settings
        self.variables = variables
        self.core = core
        self.cache: ArgumentCache | None = None  # the plan's
        self.catalog = principal.catalog
        self.engine = Engine(
            app.state.db, app.state.dialect, principal.catalog,
            Actor("API", principal.key_name, api_key_id=principal.key_id, access=principal.access),
            self.settings.mutation_maximum_affected_records,
        )
        self.plain = False  # answers must be plain values (graphql-core executes the document)

    async def body(self, plan: Plan, doc: DocumentNode) -> bytes:
        """A query's answer as JSON: a lone record read as the database renders it, when that is
        the answer (``Obj.verbatim``), is put in it as it is."""
        out = await self.payload(plan, doc, keep=True)
        data = out["data"]
        if len(out) == 1 and len(data) == 1:
            ((key, value),) = data.items()
            if isinstance(value, _Verbatim):
                return b'{"data":{' + orjson.dumps(key) + b":" + value.text.encode() + b"}}"
        _settle(data)
        return orjson.dumps(out)

    async def payload(self, plan: Plan, doc: DocumentNode, keep: bool = False) -> dict[str, Any]:
        """The answer; ``keep``: records read as rendered (``_Verbatim``) are left so."""
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        ran = False  # a root field has run: a mutation's may have written
        self.plain = plan.introspection
        self.cache = plan.arguments
        for root in plan.roots:
            if root.kind == "typename":
                data[root.key] = "Mutation" if plan.mutation else "Query"
                continue
            if root.kind == "introspection":
                data[root.key] = None
                continue
            rerun, ran = not ran, True
            try:
                if root.error is not None:
                    raise root.error
                data[root.key] = await self.root(root)
            except ApiError as exc:
                data[root.key] = None
                errors.append(api_error(exc, [root.key]))
            except DataError as exc:
                data[root.key] = None
                errors.append(api_error(ApiError("VALIDATION_ERROR", f"The database refused a value: {exc}", {}),
                                        [root.key]))
            except (StaleSchema, Contended) as exc:
                if not plan.mutation or rerun:
                    raise  # nothing of the document is written yet: it runs again whole
                data[root.key] = None
                errors.append(api_error(ApiError(
                    "SCHEMA_CHANGING", "The workspace's metadata is changing; retry the request.", {},
                ) if isinstance(exc, StaleSchema) else ApiError(
                    "TRANSACTION_CONFLICT", "A concurrent write of the same records conflicted; retry the request.", {},
                ), [root.key]))
            except Exception:
                log.exception("unhandled error in GraphQL root field %s", root.name)
                data[root.key] = None
                errors.append(api_error(ApiError("INTERNAL_ERROR", "Internal server error"), [root.key]))
        if not keep or plan.introspection:
            _settle(data)
        if plan.introspection:
            return self._introspect(plan, doc, data, errors)
        out: dict[str, Any] = {"data": data}
        if errors:
            out["errors"] = errors
        return out

    def _introspect(
        self, plan: Plan, doc: DocumentNode, data: dict[str, Any], errors: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """graphql-core executes the operation: introspection by its own resolvers, the
        records' root fields from ``data`` (already shaped under their response keys)."""

        def resolve(source: Any, info: Any, **_args: Any) -> Any:
            if isinstance(source, dict):
                return source.get(info.path.key)
            return None

        name = plan.operation.name.value if plan.operation.name else None
        result = execute(self.core.schema, doc, root_value=data, operation_name=name,
                         variable_values=self.variables.coerced, field_resolver=resolve)
        assert not hasattr(result, "__await__")
        out: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        found = errors + [e.formatted for e in result.errors or ()  # type: ignore[union-attr]
                          if not any(x.get("path") == e.path for x in errors)]
        if found:
            out["errors"] = found
        return out

    # ---- the root fields ----

    def _args(self, root: RootField) -> dict[str, Any]:
        assert root.field_def is not None
        return arguments(root.field_def, root.nodes[0], self.variables, self.cache)

    async def root(self, root: RootField) -> Any:
        args = self._args(root)
        kind = root.kind
        if kind == "search":
            assert isinstance(root.shape, Static)
            return shape_static(root.shape, await search.answer(self.engine, args))
        obj = root.obj
        assert obj is not None
        handler = getattr(self, "_" + kind)
        return await handler(root, obj, args)

    async def _read(self, obj: Any, shape: Obj, flt: Filter | None, page: Page) -> tuple[list[dict[str, Any]], Binder]:
        binder = Binder(self.catalog, self.variables, cache=self.cache)
        q = Query(obj.name_singular, flt, (), page, binder.select(shape))
        result = await self.engine.run(q)
        return _records(result.records), binder

    async def _findMany(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        conn = root.shape
        assert isinstance(conn, Conn)
        layout = edge_layout(conn) if RENDER_IN_DATABASE and not self.plain else None
        select, firsts = bound_select(conn, self.catalog, self.variables, layout is not None, self.cache)
        q = Query(
            obj.name_singular, to_filter(self.catalog, obj, args.get("filter")), to_order(args.get("orderBy")),
            to_page(args, DEFAULT_PAGE, self.settings.graphql_max_page_size), select,
            total=conn.wants("totalCount"), aggregates=conn.aggregates(), layout=layout,
        )
        page = await self.engine.run(q)
        if layout is not None:
            return rendered_conn(conn, page.records, page.ids, page.has_next, page.has_previous, page.total,
                                 page.aggregates)
        return shape_conn(conn, _records(page.records), firsts, page.has_next, page.has_previous, page.total,
                          page.aggregates)

    async def _findOne(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape = root.shape
        assert isinstance(shape, Obj)
        record_id = _only_id(args.get("filter"))
        if record_id is not None and shape.plain():
            # one live record by its id, read as REST reads it
            try:
                tagged = await self.engine.find_one_tagged(obj, record_id, 0, top_fields(shape))
            except ApiError as exc:
                if exc.code != "RECORD_NOT_FOUND":
                    raise
                raise ApiError("RECORD_NOT_FOUND", "Record not found", {"object": obj.name_singular}) from None
            return _verbatim(shape, tagged.record)
        flt = to_filter(self.catalog, obj, args.get("filter"))
        if flt is None:
            raise ApiError("MISSING_FILTER", "Missing filter argument", {"parameter": "filter"})
        records, binder = await self._read(obj, shape, flt, Page(first=1))
        if not records:
            raise ApiError("RECORD_NOT_FOUND", "Record not found", {"object": obj.name_singular})
        return shape_obj(shape, records[0], binder.firsts)

    def _write_shape(self, root: RootField) -> tuple[Obj, int, tuple[str, ...]]:
        shape = root.shape
        assert isinstance(shape, Obj)
        return shape, depth_of(shape), top_fields(shape)

    async def _createOne(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, depth, fields = self._write_shape(root)
        tagged = await self.engine.create_one_tagged(
            obj, args["data"], upsert=bool(args.get("upsert")), depth=depth, fields=fields
        )
        return shape_obj(shape, orjson.loads(tagged.record), {})

    async def _createMany(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, depth, fields = self._write_shape(root)
        if not args["data"]:
            return []
        records = await self.engine.create(obj, args["data"], upsert=bool(args.get("upsert")), depth=depth,
                                           fields=fields)
        return [shape_obj(shape, r, {}) for r in _records(records)]

    async def _updateOne(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, depth, fields = self._write_shape(root)
        tagged = await self.engine.update_one_tagged(obj, args["id"], args["data"], depth, fields)
        return shape_obj(shape, orjson.loads(tagged.record), {})

    def _bulk_filter(self, obj: Any, args: dict[str, Any]) -> Filter:
        flt = to_filter(self.catalog, obj, args.get("filter"))
        if flt is None:
            raise ApiError(
                "MISSING_FILTER", "A non-empty filter is required for a bulk mutation", {"parameter": "filter"}
            )
        return flt

    async def _updateMany(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, depth, fields = self._write_shape(root)
        records = await self.engine.update_many(obj, self._bulk_filter(obj, args), args["data"], depth, fields)
        return [shape_obj(shape, r, {}) for r in _records(records)]

    async def _by_ids(self, obj: Any, shape: Obj, ids: list[str]) -> list[dict[str, Any]]:
        """The records ``ids`` (soft-deleted ones too), in the order of ``ids``."""
        if not ids:
            return []
        flt = BoolOp("and", (
            Condition(("id",), "in", tuple(ids)),
            BoolOp("or", (Condition(("deletedAt",), "is", "NULL"), Condition(("deletedAt",), "is", "NOT_NULL"))),
        ))
        records, binder = await self._read(obj, shape, flt, Page(first=len(ids)))
        by_id = {r["id"]: shape_obj(shape, r, binder.firsts) for r in records}
        return [by_id[i] for i in ids if i in by_id]

    async def _deleteOne(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, _depth, _fields = self._write_shape(root)
        deleted, _etag = await self.engine.delete_one_tagged(obj, args["id"], True)
        found = await self._by_ids(obj, shape, [deleted])
        return found[0] if found else None

    async def _deleteMany(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, _depth, _fields = self._write_shape(root)
        ids = await self.engine.delete_many(obj, self._bulk_filter(obj, args), True)
        return await self._by_ids(obj, shape, ids)

    async def _destroyOne(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, _depth, _fields = self._write_shape(root)
        before = await self._by_ids(obj, shape, [args["id"]])
        await self.engine.delete_one_tagged(obj, args["id"], False)
        return before[0] if before else None

    async def _destroyMany(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, _depth, _fields = self._write_shape(root)
        flt = self._bulk_filter(obj, args)
        limit = self.settings.mutation_maximum_affected_records + 1
        records, binder = await self._read(obj, shape, flt, Page(first=limit))
        ids = await self.engine.delete_many(obj, flt, False)
        by_id = {r["id"]: shape_obj(shape, r, binder.firsts) for r in records}
        return [by_id[i] for i in ids if i in by_id]

    async def _restoreOne(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, depth, fields = self._write_shape(root)
        tagged = await self.engine.restore_one_tagged(obj, args["id"], depth, fields)
        return shape_obj(shape, orjson.loads(tagged.record), {})

    async def _restoreMany(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, depth, fields = self._write_shape(root)
        records = await self.engine.restore_many(obj, self._bulk_filter(obj, args), depth, fields)
        return [shape_obj(shape, r, {}) for r in _records(records)]

    async def _mergeMany(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        shape, depth, fields = self._write_shape(root)
        record = await merging.merge(
            self.engine, obj, args["ids"], args["conflictPriorityIndex"], dry_run=bool(args.get("dryRun")),
            depth=depth, fields=fields,
        )
        return shape_obj(shape, orjson.loads(record), {})

    async def _findDuplicates(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        conn = root.shape
        assert isinstance(conn, Conn)
        data, ids = args.get("data"), args.get("ids")
        if (data is None) == (ids is None):
            raise ApiError(
                "INVALID_BODY",
                'You have to provide either "data" or "ids" argument' if data is None
                else 'You cannot provide both "data" and "ids" arguments',
                {"accepted": ["data", "ids"]},
            )
        if data is not None and not data:
            raise ApiError(
                "INVALID_BODY", 'The "data" condition can not be empty when "ids" input not provided',
                {"parameter": "data"},
            )
        nodes = conn.nodes()
        depth = max((depth_of(n) for n in nodes), default=0)
        fields = tuple(sorted({f for n in nodes for f in top_fields(n)})) or ("id",)
        sets = await dup.find_duplicates(self.engine, obj, depth, fields, data=data,
                                         ids=[i for i in ids if i is not None] if ids is not None else None)
        return [shape_conn(conn, _records(s.records), {}, False, False, s.total) for s in sets]

    async def _groupBy(self, root: RootField, obj: Any, args: dict[str, Any]) -> Any:  # noqa: N802
        conn = root.shape
        assert isinstance(conn, Conn)
        if args.get("viewId") is not None:
            raise ApiError(
                "INVALID_PARAMETER",
                "Views are not supported by this server: 'viewId' cannot be used (pass the view's filters in 'filter')",
                {"parameter": "viewId"},
            )
        if args.get("offsetForRecords"):  # the engine samples each group's first records only
            raise ApiError(
                "INVALID_PARAMETER",
                "'offsetForRecords' is not supported by this server: read a group's records with a root query "
                "filtered on its values",
                {"parameter": "offsetForRecords", "value": args["offsetForRecords"]},
            )
        aggregates = list(conn.aggregates())
        if conn.wants("totalCount"):
            aggregates.insert(0, "totalCount")
        query = GroupByQuery(
            group_by=_no_nulls(args["groupBy"]), aggregates=aggregates, filter=to_filter(self.catalog, obj, args.get("filter")),
            order_by=_no_nulls(args.get("orderBy") or []),
            limit=DEFAULT_LIMIT if args.get("limit") is None else args["limit"],
            include_records=conn.wants("edges"), order_for_records=to_order(args.get("orderByForRecords")),
        )
        groups = await run_group_by(self.engine, obj, query)
        out = []
        for g in groups:
            values = dict(g.aggregates)
            out.append(shape_conn(conn, _records(g.records or []), {}, False, False, values.get("totalCount"),
                                  values, g.dimensions))
        return out


class _Verbatim:
    """A record as the database rendered it, which is its selection's answer as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _verbatim(shape: Obj, text: str) -> Any:
    """The answer to ``shape`` for a rendered record: the text itself once a first record showed
    that it has the selection's keys in its order (``Obj.verbatim``), else the shaped record."""
    if shape.verbatim:
        return _Verbatim(text)
    record = orjson.loads(text)
    if shape.verbatim is None:
        shape.verbatim = list(record) == [key for key, _kind, _arg in shape.entries]
    return shape_obj(shape, record, {})


def _settle(data: dict[str, Any]) -> None:
    """``_Verbatim`` records in ``data`` parsed."""
    for key, value in data.items():
        if isinstance(value, _Verbatim):
            data[key] = orjson.loads(value.text)


def _only_id(value: Any) -> str | None:
    """The id of a filter that is ``{id: {eq: <id>}}`` and nothing else."""
    if isinstance(value, dict) and len(value) == 1:
        cond = value.get("id")
        if isinstance(cond, dict) and len(cond) == 1:
            found = cond.get("eq")
            if isinstance(found, str):
                return found
    return None


def _no_nulls(value: Any) -> Any:
    """Input objects as sent: keys given ``null`` left out (a GraphQL client may send them)."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value if v is not None]
    return value


def _records(texts: list[str]) -> list[dict[str, Any]]:
    """Records rendered by the database, parsed in one call."""
    if not texts:
        return []
    return orjson.loads("[" + ",".join(texts) + "]")  # type: ignore[no-any-return]
