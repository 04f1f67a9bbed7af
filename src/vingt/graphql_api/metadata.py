"""The metadata GraphQL API at ``/metadata`` (GRAPHQL.md §16): objects and fields, read and
changed through the same ``MetadataService`` as REST; webhooks through ``WebhookService``.

Parsed and validated documents are cached by their text. Errors follow Twenty: HTTP 200 with
``errors[].extensions.code`` (``NOT_FOUND``, ``BAD_USER_INPUT``, ``FORBIDDEN``, ``CONFLICT``,
``UNAUTHENTICATED``) and Vingt's stable code in ``extensions.vingtCode``. ``currentWorkspace``
answers the key's workspace; ``currentUser`` is ``FORBIDDEN`` for an API key, as in Twenty.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    execute,
)
from starlette.requests import Request
from starlette.responses import Response

from vingt.db.database import Contended, StaleSchema
from vingt.db.system_queries import load_workspace
from vingt.engine.records import Actor, Engine
from vingt.errors import ApiError, safe_details
from vingt.graphql_api import search
from vingt.graphql_api.common import METADATA_BOUNDS, document, read_request, root_field_count
from vingt.metadata.model import Catalog, FieldMeta, LruCache, ObjectMeta
from vingt.metadata.payloads import field_payload, object_payload
from vingt.metadata.service import MetadataService
from vingt.metadata.types import FieldType
from vingt.ratelimit import spend_rate, with_rate_headers
from vingt.registry import Principal
from vingt.retry import retrying_as
from vingt.webhooks.service import WebhookService

SDL = """
scalar UUID
scalar JSON
scalar DateTime
scalar ConnectionCursor

enum FieldMetadataType { __FIELD_TYPES__ }
enum RelationType { MANY_TO_ONE ONE_TO_MANY }

type PageInfo {
  hasNextPage: Boolean
  hasPreviousPage: Boolean
  startCursor: ConnectionCursor
  endCursor: ConnectionCursor
}

input CursorPaging { first: Int last: Int after: ConnectionCursor before: ConnectionCursor }
input BooleanFieldComparison { is: Boolean isNot: Boolean }
input UUIDFilterComparison { eq: UUID neq: UUID in: [UUID!] notIn: [UUID!] is: Boolean isNot: Boolean }

input ObjectFilter {
  and: [ObjectFilter!]
  or: [ObjectFilter!]
  id: UUIDFilterComparison
  isActive: BooleanFieldComparison
  isCustom: BooleanFieldComparison
  isRemote: BooleanFieldComparison
  isSearchable: BooleanFieldComparison
  isSystem: BooleanFieldComparison
  isUIReadOnly: BooleanFieldComparison
}

input FieldFilter {
  and: [FieldFilter!]
  or: [FieldFilter!]
  id: UUIDFilterComparison
  isActive: BooleanFieldComparison
  isCustom: BooleanFieldComparison
  isSystem: BooleanFieldComparison
  isUIReadOnly: BooleanFieldComparison
}

type Object {
  id: UUID!
  nameSingular: String!
  namePlural: String!
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
  color: String
  shortcut: String
  isCustom: Boolean!
  isRemote: Boolean!
  isActive: Boolean!
  isSystem: Boolean!
  isUIReadOnly: Boolean!
  isSearchable: Boolean!
  isLabelSyncedWithName: Boolean!
  labelIdentifierFieldMetadataId: UUID
  imageIdentifierFieldMetadataId: UUID
  duplicateCriteria: [[String!]!]
  standardOverrides: JSON
  workspaceId: UUID
  createdAt: DateTime!
  updatedAt: DateTime!
  fields(filter: FieldFilter = {}, paging: CursorPaging = {first: 10}): ObjectFieldsConnection!
  fieldsList: [Field!]!
}

type Field {
  id: UUID!
  type: FieldMetadataType!
  name: String!
  label: String!
  description: String
  icon: String
  isCustom: Boolean
  isActive: Boolean
  isSystem: Boolean
  isNullable: Boolean
  isUnique: Boolean
  isUIReadOnly: Boolean
  isLabelSyncedWithName: Boolean
  defaultValue: JSON
  options: JSON
  settings: JSON
  morphId: UUID
  objectMetadataId: UUID
  relation: Relation
  object: Object
  standardOverrides: JSON
  createdAt: DateTime!
  updatedAt: DateTime!
}

type Relation {
  type: RelationType!
  sourceObjectMetadata: Object!
  targetObjectMetadata: Object!
  sourceFieldMetadata: Field!
  targetFieldMetadata: Field!
}

type ObjectEdge { node: Object! cursor: ConnectionCursor! }
type ObjectConnection { edges: [ObjectEdge!]! pageInfo: PageInfo! totalCount: Int! }
type FieldEdge { node: Field! cursor: ConnectionCursor! }
type FieldConnection { edges: [FieldEdge!]! pageInfo: PageInfo! totalCount: Int! }
type ObjectFieldsConnection { edges: [FieldEdge!]! pageInfo: PageInfo! totalCount: Int! }

type Query {
  objects(filter: ObjectFilter = {}, paging: CursorPaging = {first: 10}): ObjectConnection!
  object(id: UUID!): Object!
  fields(filter: FieldFilter = {}, paging: CursorPaging = {first: 10}): FieldConnection!
  field(id: UUID!): Field!
  webhooks: [Webhook!]!
  webhook(id: UUID, input: WebhookIdInput): Webhook!
  currentWorkspace: Workspace!
  currentUser: User!
}

enum WorkspaceActivationStatus { ONGOING_CREATION PENDING_CREATION CREATED ACTIVE INACTIVE SUSPENDED }
type Workspace {
  id: UUID!
  displayName: String
  logo: String
  activationStatus: WorkspaceActivationStatus!
  metadataVersion: Float!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}
type User {
  id: UUID!
  firstName: String!
  lastName: String!
  email: String!
  defaultAvatarUrl: String
  isEmailVerified: Boolean!
  disabled: Boolean
  canImpersonate: Boolean!
  canAccessFullAdminPanel: Boolean!
  locale: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
  currentWorkspace: Workspace
}

type Webhook {
  id: UUID!
  workspaceId: UUID!
  targetUrl: String!
  operations: [String!]!
  description: String
  secret: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}
input WebhookIdInput { id: UUID! }
input CreateWebhookInput { id: UUID targetUrl: String! operations: [String!] description: String secret: String }
input WebhookUpdate { targetUrl: String operations: [String!] description: String secret: String }
input UpdateWebhookInput {
  id: UUID!
  update: WebhookUpdate
  targetUrl: String
  operations: [String!]
  description: String
  secret: String
}

input CreateObjectInput {
  nameSingular: String
  namePlural: String
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
  shortcut: String
  isLabelSyncedWithName: Boolean
  isSearchable: Boolean
  isRemote: Boolean
  primaryKeyColumnType: String
  primaryKeyFieldMetadataSettings: JSON
}
input CreateOneObjectInput { object: CreateObjectInput! }
input UpdateObjectPayload {
  nameSingular: String
  namePlural: String
  labelSingular: String
  labelPlural: String
  description: String
  icon: String
  shortcut: String
  isActive: Boolean
  isSearchable: Boolean
  isLabelSyncedWithName: Boolean
  labelIdentifierFieldMetadataId: UUID
  imageIdentifierFieldMetadataId: UUID
}
input UpdateOneObjectInput { id: UUID! update: UpdateObjectPayload! }
input DeleteOneObjectInput { id: UUID! }

input CreateFieldInput {
  objectMetadataId: UUID!
  type: FieldMetadataType!
  name: String
  label: String!
  description: String
  icon: String
  isActive: Boolean
  isCustom: Boolean
  isSystem: Boolean
  isNullable: Boolean
  isUnique: Boolean
  isUIReadOnly: Boolean
  isLabelSyncedWithName: Boolean
  defaultValue: JSON
  options: JSON
  settings: JSON
  isRemoteCreation: Boolean
  relationCreationPayload: JSON
  morphRelationsCreationPayload: [JSON!]
}
input CreateOneFieldMetadataInput { field: CreateFieldInput! }
input UpdateFieldInput {
  name: String
  label: String
  description: String
  icon: String
  isActive: Boolean
  isNullable: Boolean
  isUnique: Boolean
  isSystem: Boolean
  isUIReadOnly: Boolean
  isLabelSyncedWithName: Boolean
  defaultValue: JSON
  options: JSON
  settings: JSON
  morphRelationsUpdatePayload: [JSON!]
}
input UpdateOneFieldMetadataInput { id: UUID! update: UpdateFieldInput! }
input DeleteOneFieldInput { id: UUID! }

type Mutation {
  createOneObject(input: CreateOneObjectInput!): Object!
  updateOneObject(input: UpdateOneObjectInput!): Object!
  deleteOneObject(input: DeleteOneObjectInput!): Object!
  createOneField(input: CreateOneFieldMetadataInput!): Field!
  updateOneField(input: UpdateOneFieldMetadataInput!): Field!
  deleteOneField(input: DeleteOneFieldInput!): Field!
  createWebhook(input: CreateWebhookInput!): Webhook!
  updateWebhook(input: UpdateWebhookInput!): Webhook!
  deleteWebhook(id: UUID, input: WebhookIdInput): Webhook!
}
""".replace("__FIELD_TYPES__", " ".join(t.value for t in FieldType)) + search.metadata_sdl()

MAX_PAGE = 1000
GRAPHQL_CODES = {
    "OBJECT_METADATA_NOT_FOUND": "NOT_FOUND",
    "WEBHOOK_NOT_FOUND": "NOT_FOUND",
    "FIELD_METADATA_NOT_FOUND": "NOT_FOUND",
    "METADATA_MUTATION_NOT_ALLOWED": "FORBIDDEN",
    "METADATA_NAME_CONFLICT": "CONFLICT",
    "OPTION_IN_USE": "CONFLICT",
    "UNIQUE_VIOLATION": "CONFLICT",
    "UNAUTHENTICATED": "UNAUTHENTICATED",
    "FORBIDDEN": "FORBIDDEN",
    "INTERNAL_ERROR": "INTERNAL_SERVER_ERROR",
}
_DOCUMENTS = LruCache(256)


def _schema() -> GraphQLSchema:
    schema = build_schema(SDL)
    # JSON scalars pass any value through; UUID / DateTime / cursors are strings
    json_type = schema.type_map["JSON"]
    json_type.parse_literal = _parse_json_literal  # type: ignore[attr-defined]
    return schema


def _parse_json_literal(node: Any, variables: Any = None) -> Any:
    from graphql import value_from_ast_untyped

    return value_from_ast_untyped(node, variables)


SCHEMA = _schema()


class Context:
    def __init__(self, request: Request, principal: Principal):
        self.request = request
        self.principal = principal
        self.catalog: Catalog = principal.catalog
        app = request.app
        self.service = MetadataService(app.state.db, app.state.dialect, principal.workspace_id,
                                       (principal.key_id, principal.key_name), principal.access)
        self.webhooks = WebhookService(
            app.state.db, app.state.dialect, principal.workspace_id, app.state.settings.webhook_allow_private_targets,
            principal.access,
        )

    async def refresh(self) -> None:
        self.request.app.state.registry.forget()
        fresh = await self.request.app.state.registry.authenticate(self.request.headers.get("authorization"))
        self.catalog = fresh.catalog


# ---- values handed to graphql-core: payload dicts that know their catalog entry ------------


def _obj(ctx: Context, obj: ObjectMeta, catalog: Catalog | None = None) -> dict[str, Any]:
    cat = catalog or ctx.catalog
    out = object_payload(cat, obj, with_fields=False)
    out["_meta"] = obj
    out["_catalog"] = cat
    out["fields"] = lambda info, **args: _connection(
        [_field(ctx, f, cat) for f in obj.fields], args.get("filter"), args.get("paging")
    )
    out["fieldsList"] = lambda info: [_field(ctx, f, cat) for f in obj.fields]
    return out


def _field(ctx: Context, f: FieldMeta, catalog: Catalog | None = None) -> dict[str, Any]:
    cat = catalog or ctx.catalog
    out = field_payload(cat, f)
    owner = cat.by_singular.get(f.object_name)
    out["object"] = (lambda info: _obj(ctx, owner, cat)) if owner is not None else None
    if f.relation is not None and owner is not None:
        target = cat.by_singular.get(f.relation.target_object)
        inverse = target.field(f.relation.target_field) if target is not None else None
        out["relation"] = {
            "type": f.relation.type,
            "sourceObjectMetadata": lambda info: _obj(ctx, owner, cat),
            "targetObjectMetadata": (lambda info: _obj(ctx, target, cat)) if target is not None else None,
            "sourceFieldMetadata": lambda info: _field(ctx, f, cat),
            "targetFieldMetadata": (lambda info: _field(ctx, inverse, cat)) if inverse is not None else None,
        }
    return out


def _cursor(item_id: str) -> str:
    return item_id


def _matches(item: dict[str, Any], flt: dict[str, Any] | None) -> bool:
    if not flt:
        return True
    for key, cond in flt.items():
        if key == "and":
            if not all(_matches(item, c) for c in cond):
                return False
        elif key == "or":
            if not any(_matches(item, c) for c in cond):
                return False
        elif key == "id":
            if not all(_uuid_check(item["id"], op, operand) for op, operand in (cond or {}).items()):
                return False
        else:
            value = item.get(key)
            for op, operand in (cond or {}).items():
                if operand is None:
                    continue
                if op == "is" and value != operand:
                    return False
                if op == "isNot" and value == operand:
                    return False
    return True


def _uuid_check(value: str, op: str, operand: Any) -> bool:
    if op == "eq":
        return value == operand
    if op == "neq":
        return value != operand
    if op == "in":
        return value in operand
    if op == "notIn":
        return value not in operand
    if op == "is":
        return operand is None or operand is True
    if op == "isNot":
        return operand is not True
    return True


def _connection(items: list[dict[str, Any]], flt: dict[str, Any] | None, paging: dict[str, Any] | None) -> dict[str, Any]:
    selected = sorted((i for i in items if _matches(i, flt)), key=lambda i: i["id"])
    paging = paging or {}
    first, last = paging.get("first"), paging.get("last")
    for n, name in ((first, "first"), (last, "last")):
        if n is not None and not 0 <= n <= MAX_PAGE:
            raise ApiError("INVALID_LIMIT", f"paging.{name} must be between 0 and {MAX_PAGE}", {"parameter": name})
    after, before = paging.get("after"), paging.get("before")
    window = selected
    if after:
        window = [i for i in window if i["id"] > _decode_cursor(after)]
    if before:
        window = [i for i in window if i["id"] < _decode_cursor(before)]
    has_next = has_prev = False
    if first is not None:
        has_next = len(window) > first
        window = window[:first]
    elif last is not None:
        has_prev = len(window) > last
        window = window[-last:] if last else []
    else:
        has_next = len(window) > MAX_PAGE
        window = window[:MAX_PAGE]
    return {
        "edges": [{"node": i, "cursor": _cursor(i["id"])} for i in window],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": _cursor(window[0]["id"]) if window else None,
            "endCursor": _cursor(window[-1]["id"]) if window else None,
        },
        "totalCount": len(selected),
    }


def _decode_cursor(cursor: str) -> str:
    """Ids, or nestjs-query style base64 cursors wrapping one: the canonical id (lower-case,
    hyphenated), so that it compares with the listed ids; anything else is INVALID_CURSOR."""
    text = cursor
    try:
        uuid.UUID(cursor)
    except ValueError:
        try:
            text = base64.b64decode(cursor + "=" * (-len(cursor) % 4), validate=True).decode().rsplit(":", 1)[-1]
        except (ValueError, UnicodeDecodeError):
            raise ApiError("INVALID_CURSOR", f"Invalid cursor: {cursor}", {"cursor": cursor}) from None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ApiError("INVALID_CURSOR", f"Invalid cursor: {cursor}", {"cursor": cursor}) from None


def _valid_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError("INVALID_UUID", f"'{value}' is not a valid UUID", {"value": value}) from None


def _find_field(catalog: Catalog, field_id: str) -> FieldMeta:
    field_id = _valid_id(field_id)
    for o in catalog.objects:
        for f in o.fields:
            if f.id == field_id:
                return f
    raise ApiError("FIELD_METADATA_NOT_FOUND", f"Field {field_id} not found", {"id": field_id})


def _object(catalog: Catalog, object_id: str) -> ObjectMeta:
    obj = catalog.by_id.get(_valid_id(object_id))
    if obj is None:
        raise ApiError("OBJECT_METADATA_NOT_FOUND", f"Object {object_id} not found", {"id": object_id})
    return obj


# ---- root resolvers -------------------------------------------------------------------------


class Root:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def objects(self, info: Any, filter: dict[str, Any] | None = None, paging: dict[str, Any] | None = None) -> Any:
        ctx = self.ctx
        return _connection([_obj(ctx, o) for o in ctx.catalog.objects], filter, paging)

    def object(self, info: Any, id: str) -> Any:
        return _obj(self.ctx, _object(self.ctx.catalog, id))

    def fields(self, info: Any, filter: dict[str, Any] | None = None, paging: dict[str, Any] | None = None) -> Any:
        ctx = self.ctx
        return _connection([_field(ctx, f) for o in ctx.catalog.objects for f in o.fields], filter, paging)

    def field(self, info: Any, id: str) -> Any:
        return _field(self.ctx, _find_field(self.ctx.catalog, id))

    async def createOneObject(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        created = await self.ctx.service.create_object(_without_nulls(input["object"]))
        await self.ctx.refresh()
        return _obj(self.ctx, _object(self.ctx.catalog, created.id))

    async def updateOneObject(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        updated = await self.ctx.service.update_object(input["id"], input["update"])
        await self.ctx.refresh()
        return _obj(self.ctx, _object(self.ctx.catalog, updated.id))

    async def deleteOneObject(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        before = self.ctx.catalog
        deleted = await self.ctx.service.delete_object(input["id"])
        await self.ctx.refresh()
        return _obj(self.ctx, deleted, before)

    async def createOneField(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        created = await self.ctx.service.create_field(_without_nulls(input["field"]))
        await self.ctx.refresh()
        return _field(self.ctx, _find_field(self.ctx.catalog, created.id))

    async def updateOneField(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        updated = await self.ctx.service.update_field(input["id"], input["update"])
        await self.ctx.refresh()
        return _field(self.ctx, _find_field(self.ctx.catalog, updated.id))

    async def deleteOneField(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        before = self.ctx.catalog
        deleted = await self.ctx.service.delete_field(input["id"])
        await self.ctx.refresh()
        return _field(self.ctx, deleted, before)


    # the global search, as on /graphql (GRAPHQL.md §13 allows either endpoint)

    async def search(self, info: Any, **args: Any) -> Any:
        state, principal = self.ctx.request.app.state, self.ctx.principal
        engine = Engine(state.db, state.dialect, self.ctx.catalog, Actor(
            "API", principal.key_name, api_key_id=principal.key_id, access=principal.access))
        return await search.answer(engine, args)

    # webhooks: both generations of Twenty's inputs (AUTH_WEBHOOKS.md §6.7) are accepted

    async def webhooks(self, info: Any) -> Any:
        return await self.ctx.webhooks.list()

    async def webhook(self, info: Any, id: str | None = None, input: dict[str, Any] | None = None) -> Any:
        return await self.ctx.webhooks.get(_webhook_id(id, input))

    async def createWebhook(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        return await self.ctx.webhooks.create(_without_nulls(input))

    async def updateWebhook(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        changes = {k: v for k, v in input.items() if k not in ("id", "update")}
        changes.update(input.get("update") or {})
        return await self.ctx.webhooks.update(input["id"], changes)

    async def deleteWebhook(  # noqa: N802
        self, info: Any, id: str | None = None, input: dict[str, Any] | None = None
    ) -> Any:
        return await self.ctx.webhooks.delete(_webhook_id(id, input))


    # the calling workspace; Twenty's currentUser refuses API keys (they act for no user)

    async def currentWorkspace(self, info: Any) -> Any:  # noqa: N802
        state = self.ctx.request.app.state
        found = await load_workspace(state.db, state.dialect, self.ctx.principal.workspace_id)
        if found is None:
            raise ApiError("UNAUTHENTICATED", "The API key's workspace no longer exists")
        return found

    def currentUser(self, info: Any) -> Any:  # noqa: N802
        raise ApiError("FORBIDDEN", "currentUser needs a user session: an API key acts for no user",
                       {"field": "currentUser"})


def _webhook_id(given: str | None, input: dict[str, Any] | None) -> str:
    """The webhook named by ``id`` (later era) or ``input: {id}`` (v1.x)."""
    found = given if given is not None else (input or {}).get("id")
    if found is None:
        raise ApiError("INVALID_WEBHOOK_INPUT", "A webhook id is required (id, or input: {id})", {"field": "id"})
    return str(found)


def _without_nulls(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


def _resolve(source: Any, info: Any, **args: Any) -> Any:
    """Default resolver: dict keys and attributes; callables take the arguments."""
    value = source.get(info.field_name) if isinstance(source, dict) else getattr(source, info.field_name, None)
    if callable(value):
        return value(info, **args)
    return value


# ---- the endpoint ---------------------------------------------------------------------------


def _document(query: str) -> DocumentNode | list[GraphQLError]:
    return document(query, SCHEMA, _DOCUMENTS, METADATA_BOUNDS)


def _error(message: str, code: str, vingt_code: str | None = None, details: dict[str, Any] | None = None,
           path: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message, "extensions": {"code": code}}
    if vingt_code:
        out["extensions"]["vingtCode"] = vingt_code
    if details:
        out["extensions"]["details"] = details
    if path is not None:
        out["path"] = path
    return out


def format_error(err: GraphQLError) -> dict[str, Any]:
    original = err.original_error
    if isinstance(original, ApiError):
        code = GRAPHQL_CODES.get(original.code, "BAD_USER_INPUT" if original.status < 500 else "INTERNAL_SERVER_ERROR")
        return _error(original.message, code, original.code, safe_details(original.details), err.path)
    if original is not None:
        import logging

        logging.getLogger("vingt").error("metadata GraphQL error", exc_info=original)
        return _error("Internal server error", "INTERNAL_SERVER_ERROR", "INTERNAL_ERROR", path=err.path)
    return _error(err.message, "GRAPHQL_VALIDATION_FAILED")


def _json(payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json", headers=headers)


async def endpoint(request: Request) -> Response:
    """``/metadata``; every answer to a document that spent rate budget says where it stands."""
    return with_rate_headers(request, await _answer(request))


async def _answer(request: Request) -> Response:
    try:
        principal = await request.app.state.registry.authenticate(request.headers.get("authorization"))
    except ApiError as exc:
        code = "UNAUTHENTICATED" if exc.status == 401 else "FORBIDDEN"
        return _json({"errors": [_error(exc.message, code, exc.code)]})
    try:
        body: Any = await read_request(request)
    except ApiError as exc:
        what = "Variables are" if request.method == "GET" else "Request body is"
        message = exc.message if exc.code != "INVALID_JSON" else f"{what} not valid JSON"
        return Response(
            orjson.dumps({"errors": [_error(message, "BAD_REQUEST", exc.code, safe_details(exc.details))]}),
            status_code=exc.status,
            media_type="application/json",
        )
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return Response(
            orjson.dumps({"errors": [_error("Expected a JSON object with a 'query' string", "BAD_REQUEST")]}),
            status_code=400,
            media_type="application/json",
        )
    doc = _document(body["query"])
    if isinstance(doc, list):
        return Response(
            orjson.dumps({"errors": [format_error(e) for e in doc]}), status_code=400, media_type="application/json"
        )
    if request.method == "GET" and any(
        getattr(getattr(d, "operation", None), "value", None) == "mutation" for d in doc.definitions
    ):
        return Response(
            orjson.dumps({"errors": [_error("Mutations must be sent with POST", "BAD_REQUEST")]}),
            status_code=405,
            media_type="application/json",
            headers={"Allow": "POST"},
        )
    request.state.workspace_id = principal.workspace_id  # for the request log
    try:
        await spend_rate(request, principal.workspace_id, root_field_count(doc, body.get("operationName")))
    except ApiError as exc:
        return _json({"errors": [_error(exc.message, "RATE_LIMITED", exc.code, exc.details)]}, exc.headers)
    try:
        # as REST: a stale catalog or a deadlock runs it again
        return await retrying_as(request, principal, lambda current: _execute(request, current, doc, body))
    except ApiError as exc:  # the database kept refusing, or the key changed in between
        return _json({"errors": [format_error(GraphQLError(exc.message, original_error=exc))]}, exc.headers)


async def _execute(request: Request, principal: Principal, doc: DocumentNode, body: dict[str, Any]) -> Response:
    """The document run once; ``StaleSchema`` / ``Contended`` raised when one of its root fields
    met them and running the whole document again writes nothing twice."""
    ctx = Context(request, principal)
    variables = body.get("variables")
    result = execute(
        SCHEMA,
        doc,
        root_value=Root(ctx),
        context_value=ctx,
        variable_values=variables if isinstance(variables, dict) else None,
        operation_name=body.get("operationName"),
        field_resolver=_resolve,
    )
    if hasattr(result, "__await__"):
        result = await result  # type: ignore[misc]
    errors = result.errors or []  # type: ignore[union-attr]
    retry = next((e.original_error for e in errors if isinstance(e.original_error, StaleSchema | Contended)), None)
    if retry is not None and _nothing_written(doc, body.get("operationName"), errors):
        raise retry
    if request.method == "POST":
        request.app.state.dispatcher.wake()  # a metadata or webhook change may have left events
    payload: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
    if errors:
        payload["errors"] = [format_error(e) for e in errors]
    return _json(payload)


def _nothing_written(doc: DocumentNode, operation_name: Any, errors: list[GraphQLError]) -> bool:
    """Whether the operation wrote nothing: a query, or a mutation each of whose root fields
    failed (a root field selected through a fragment counts as one that may have written)."""
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    op = next((d for d in ops if d.name is not None and d.name.value == operation_name), ops[0] if ops else None)
    if op is None or op.operation != OperationType.MUTATION:
        return True
    failed = {e.path[0] for e in errors if e.path}
    selections = op.selection_set.selections
    return all(
        isinstance(sel, FieldNode) and (sel.alias or sel.name).value in failed for sel in selections
    )
