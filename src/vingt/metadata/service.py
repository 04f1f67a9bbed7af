"""Changing a workspace's data model at run time: objects and fields, created, updated and
deleted, with their tables and columns, in one transaction each.

Both the REST (``/rest/metadata``) and the GraphQL (``/metadata``) front ends call this
service; every rule lives here. A change:

1. locks the workspace row and reloads its catalog inside the transaction,
2. computes the new catalog (pure: ``ObjectMeta`` / ``FieldMeta`` values) and the DDL,
3. rewrites the metadata rows of the touched objects, runs the DDL and any data fixes,
4. bumps the workspace's metadata version and announces it to other processes,
5. writes its events (``metadata.events``: ``metadata.objectMetadata.created`` …) to the outbox.

A failure anywhere rolls everything back: no half-made table or column remains.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from vingt.auth.access import FULL, Access
from vingt.db import system_queries
from vingt.db.changes import announce
from vingt.db.database import Connection, Database, DataError, IntegrityViolation
from vingt.engine import field_changes
from vingt.errors import ApiError
from vingt.metadata import events as metadata_events
from vingt.metadata import validate as v
from vingt.metadata.blueprint import ObjectSpec, materialize
from vingt.metadata.model import MANY_TO_ONE, ONE_TO_MANY, Catalog, FieldMeta, ObjectMeta, RelationMeta
from vingt.metadata.store import insert_objects, load_catalog
from vingt.metadata.types import FieldType, capitalize
from vingt.sql import ddl
from vingt.sql.dialect import Dialect, iso_ms

ON_DELETE = ("SET_NULL", "CASCADE", "RESTRICT", "NO_ACTION")
LABEL_IDENTIFIER_TYPES = (FieldType.TEXT, FieldType.FULL_NAME, FieldType.UUID, FieldType.NUMBER)
# standard objects a new custom object is linked to, as (object, field name pattern, inverse name)
SYSTEM_LINKS = (
    ("noteTarget", "target{Name}", "noteTargets", "Notes", False),
    ("taskTarget", "target{Name}", "taskTargets", "Tasks", False),
    ("activityTarget", "target{Name}", "activityTargets", "Activities", False),
    ("attachment", "target{Name}", "attachments", "Attachments", True),
    ("timelineActivity", "target{Name}", "timelineActivities", "Timeline Activities", True),
    ("favorite", "{name}", "favorites", "Favorites", True),
)
OBJECT_CREATE_KEYS = {
    "nameSingular", "namePlural", "labelSingular", "labelPlural", "description", "icon", "shortcut",
    "isLabelSyncedWithName", "isRemote", "primaryKeyColumnType", "primaryKeyFieldMetadataSettings", "isSearchable",
}
OBJECT_UPDATE_KEYS = {
    "nameSingular", "namePlural", "labelSingular", "labelPlural", "description", "icon", "shortcut", "isActive",
    "isLabelSyncedWithName", "labelIdentifierFieldMetadataId", "imageIdentifierFieldMetadataId", "isSearchable",
}
FIELD_CREATE_KEYS = {
    "objectMetadataId", "type", "name", "label", "description", "icon", "isActive", "isCustom", "isSystem",
    "isNullable", "isUnique", "isLabelSyncedWithName", "defaultValue", "options", "settings", "isRemoteCreation",
    "relationCreationPayload", "morphRelationsCreationPayload", "isUIReadOnly",
}
FIELD_UPDATE_KEYS = {
    "name", "label", "description", "icon", "isActive", "isNullable", "isUnique", "isSystem", "isUIReadOnly",
    "isLabelSyncedWithName", "defaultValue", "options", "settings", "morphRelationsUpdatePayload",
}


def _now() -> str:
    return iso_ms(dt.datetime.now(dt.UTC))


@dataclass
class Change:
    """The outcome of one metadata mutation, before it is written."""

    objects: list[ObjectMeta]  # the whole new catalog
    touched: set[str] = field(default_factory=set)  # ids of objects whose rows are rewritten
    removed: set[str] = field(default_factory=set)  # ids of objects deleted
    ddl: list[Callable[[Catalog, Catalog], list[str]]] = field(default_factory=list)
    data: list[Callable[[Catalog], list[tuple[str, list[Any]]]]] = field(default_factory=list)
    result: Callable[[Catalog], Any] = lambda c: None
    checks: list[Callable[[Connection, Catalog], Any]] = field(default_factory=list)


def _not_found(kind: str, ident: Any) -> ApiError:
    code = "OBJECT_METADATA_NOT_FOUND" if kind == "object" else "FIELD_METADATA_NOT_FOUND"
    return ApiError(code, f"{capitalize(kind)} {ident} not found", {"id": str(ident)})


def _forbidden(message: str, **details: Any) -> ApiError:
    return ApiError("METADATA_MUTATION_NOT_ALLOWED", message, details)


def _check_keys(payload: Any, allowed: set[str], what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise v.invalid(f"{what} must be a JSON object")
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise v.invalid(f"unknown {what} keys: {', '.join(unknown)}", keys=unknown, accepted=sorted(allowed))
    return payload


def _bool(payload: dict[str, Any], key: str, default: bool) -> bool:
    value = payload.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise v.invalid(f"'{key}' must be true or false", field=key)
    return value


def _opt_str(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise v.invalid(f"'{key}' must be a string", field=key)
    return value  # type: ignore[no-any-return]


def _uuid(value: Any, key: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ApiError("INVALID_UUID", f"'{value}' is not a valid UUID", {"field": key, "value": value}) from None


def _replace_object(objects: list[ObjectMeta], new: ObjectMeta) -> list[ObjectMeta]:
    return [new if o.id == new.id else o for o in objects]


def _with_fields(obj: ObjectMeta, fields: list[FieldMeta] | tuple[FieldMeta, ...], **changes: Any) -> ObjectMeta:
    return replace(obj, fields=tuple(fields), **changes)


class MetadataService:
    def __init__(
        self,
        db: Database,
        dialect: Dialect,
        workspace_id: str,
        actor: tuple[str, str] | None = None,
        access: Access = FULL,
    ):
        """``actor``: the id and name of the API key making the changes (for their events);
        ``access``: what that key may do (changes take a ``write`` key of every object)."""
        self.db = db
        self.dialect = dialect
        self.workspace_id = workspace_id
        self.actor = actor or (None, None)
        self.access = access

    # ---- running a change -----------------------------------------------------------------

    async def _apply(self, plan: Callable[[Catalog], Change]) -> Any:
        self.access.require_workspace("metadata", write=True)
        async with self.db.transaction(ddl=True) as conn:
            found = await system_queries.workspace_schema(conn, self.dialect, self.workspace_id, lock=True)
            if found is None:
                raise ApiError("UNAUTHENTICATED", "Workspace not found")
            schema, version = found
            old = await load_catalog(conn, self.dialect, self.workspace_id, schema, version)
            change = plan(old)
            new = Catalog(self.workspace_id, schema, version + 1, change.objects)
            for check in change.checks:
                await check(conn, old)
            await self._write_rows(conn, old, new, change)
            await system_queries.insert_events(conn, self.dialect, metadata_events.event_rows(
                old, new, change.touched | change.removed, self.actor[0], self.actor[1], dt.datetime.now(dt.UTC)
            ))
            try:
                for step in change.ddl:
                    for sql in step(old, new):
                        await conn.execute(sql, [])
                for fix in change.data:
                    for sql, params in fix(new):
                        await conn.execute(sql, params)
            except IntegrityViolation as exc:
                raise ApiError(
                    "METADATA_NAME_CONFLICT" if exc.kind != "unique" else "UNIQUE_VIOLATION",
                    "Existing records break this change: " + str(exc).splitlines()[0],
                    {"reason": exc.kind},
                ) from exc
            except DataError as exc:
                raise v.invalid(f"Existing records cannot take this change: {exc}") from exc
            await system_queries.set_metadata_version(conn, self.dialect, self.workspace_id, version + 1, _now())
            await announce(conn, "metadata", self.workspace_id)
            return change.result(new)

    async def _write_rows(self, conn: Connection, old: Catalog, new: Catalog, change: Change) -> None:
        ids = sorted(change.touched | change.removed)
        if ids:
            await system_queries.delete_metadata_rows(conn, self.dialect, ids)
        rewritten = [o for o in new.objects if o.id in change.touched]
        if rewritten:
            await insert_objects(conn, self.dialect, self.workspace_id, rewritten, new.objects)

    async def catalog(self) -> Catalog:
        found = await system_queries.workspace_schema(self.db, self.dialect, self.workspace_id)
        assert found is not None
        schema, version = found
        return await load_catalog(self.db, self.dialect, self.workspace_id, schema, version)

    # ---- objects --------------------------------------------------------------------------

    async def create_object(self, payload: Any) -> ObjectMeta:
        data = _check_keys(payload, OBJECT_CREATE_KEYS, "object")
        if data.get("isRemote"):
            raise v.invalid("remote objects are not supported", field="isRemote")

        def plan(old: Catalog) -> Change:
            singular = data.get("nameSingular")
            plural = data.get("namePlural")
            label_s = v.check_label(data.get("labelSingular"), "labelSingular")
            label_p = v.check_label(data.get("labelPlural"), "labelPlural")
            if data.get("isLabelSyncedWithName") and singular is None:
                singular, plural = v.name_from_label(label_s), v.name_from_label(label_p)
            v.check_object_names(old, singular, plural)  # type: ignore[arg-type]
            assert isinstance(singular, str) and isinstance(plural, str)
            now = _now()
            spec = ObjectSpec(
                singular, plural, label_s, label_p,
                fields=[],
                description=_opt_str(data, "description"),
                icon=_opt_str(data, "icon"),
                shortcut=_opt_str(data, "shortcut"),
                searchable=_bool(data, "isSearchable", True),
            )
            from vingt.metadata.blueprint import text

            spec.fields.append(text("name", "Name"))
            (obj,) = materialize([spec], now, custom=True)
            obj = replace(obj, is_label_synced_with_name=_bool(data, "isLabelSyncedWithName", False))
            objects = [*old.objects, obj]
            touched = {obj.id}
            added: list[FieldMeta] = []
            name_cap = capitalize(singular)
            for target_name, pattern, inverse_name, label, system_link in SYSTEM_LINKS:
                target = old.by_singular.get(target_name)
                if target is None:
                    continue
                link_name = pattern.format(Name=name_cap, name=singular)
                v.check_field_name(target, link_name, FieldType.RELATION)
                many, one = relation_pair(
                    source=target_name, name=link_name, label=label_s, target=singular, inverse=inverse_name,
                    inverse_label=label, on_delete="CASCADE", now=now, custom=True,
                    type_=FieldType.MORPH_RELATION if pattern.startswith("target") else FieldType.RELATION,
                    inverse_system=system_link,
                )
                if many.type == FieldType.MORPH_RELATION:
                    morph = next((f.morph_id for f in target.fields if f.type == FieldType.MORPH_RELATION), None)
                    many = replace(many, morph_id=morph or str(uuid.uuid4()))
                obj = _with_fields(obj, [*obj.fields, one])
                objects = _replace_object(objects, obj)
                target_obj = next(o for o in objects if o.id == target.id)
                objects = _replace_object(objects, _with_fields(target_obj, [*target_obj.fields, many]))
                touched.add(target.id)
                added.append(many)
            new_id = obj.id

            def create(old_c: Catalog, new_c: Catalog) -> list[str]:
                out = ddl.create_objects(new_c, [new_c.by_id[new_id]], self.dialect)
                for f in added:
                    out += ddl.add_field(new_c, new_c.object(f.object_name).field(f.name), self.dialect)  # type: ignore[arg-type]
                return out

            return Change(objects, touched=touched, ddl=[create], result=lambda c: c.by_id[new_id])

        return await self._apply(plan)  # type: ignore[no-any-return]

    async def update_object(self, object_id: str, payload: Any) -> ObjectMeta:
        object_id = _uuid(object_id, "id")
        data = _check_keys(payload, OBJECT_UPDATE_KEYS, "object update")

        def plan(old: Catalog) -> Change:
            obj = old.by_id.get(object_id)
            if obj is None:
                raise _not_found("object", object_id)
            changes: dict[str, Any] = {}
            for key, attr in (("labelSingular", "label_singular"), ("labelPlural", "label_plural")):
                if key in data:
                    changes[attr] = v.check_label(data[key], key)
            for key, attr in (("description", "description"), ("icon", "icon"), ("shortcut", "shortcut")):
                if key in data:
                    changes[attr] = _opt_str(data, key)
            if "isLabelSyncedWithName" in data:
                changes["is_label_synced_with_name"] = _bool(data, "isLabelSyncedWithName", False)
            if "isSearchable" in data:
                changes["is_searchable"] = _bool(data, "isSearchable", True)
            if "isActive" in data:
                active = _bool(data, "isActive", True)
                if not active and obj.is_system:
                    raise _forbidden(f"system object '{obj.name_singular}' cannot be deactivated")
                changes["is_active"] = active
            for key, attr in (
                ("labelIdentifierFieldMetadataId", "label_identifier_field"),
                ("imageIdentifierFieldMetadataId", "image_identifier_field"),
            ):
                if key in data:
                    if data[key] is None:
                        if key.startswith("label"):
                            raise v.invalid("an object needs a label identifier field", field=key)
                        changes[attr] = None
                        continue
                    fid = _uuid(data[key], key)
                    target = next((f for f in obj.fields if f.id == fid), None)
                    if target is None:
                        raise v.invalid(f"{key} must be a field of '{obj.name_singular}'", field=key, value=fid)
                    if key.startswith("label") and target.type not in LABEL_IDENTIFIER_TYPES:
                        raise v.invalid(
                            f"a label identifier must be of type {', '.join(LABEL_IDENTIFIER_TYPES)}",
                            field=key, value=fid,
                        )
                    changes[attr] = target.name
            singular = data.get("nameSingular", obj.name_singular)
            plural = data.get("namePlural", obj.name_plural)
            steps: list[Callable[[Catalog, Catalog], list[str]]] = []
            objects = list(old.objects)
            touched = {obj.id}
            if singular != obj.name_singular or plural != obj.name_plural:
                if not obj.is_custom:
                    raise _forbidden(f"standard object '{obj.name_singular}' cannot be renamed")
                v.check_object_names(old, singular, plural, ignore=obj)
                changes["name_singular"], changes["name_plural"] = singular, plural
            if singular != obj.name_singular:
                objects, renamed = _rename_object_references(objects, obj, singular)
                touched |= {o.id for o in renamed}
                old_name = obj.name_singular

                def rename(old_c: Catalog, new_c: Catalog) -> list[str]:
                    out = ddl.rename_table(old_c, new_c, old_name, singular, self.dialect)
                    for before, after in _renamed_links(old_c, new_c, old_name, singular):
                        out += ddl.rename_field(old_c, new_c, before, after, self.dialect)
                    return out

                steps.append(rename)
            current = next(o for o in objects if o.id == obj.id)
            objects = _replace_object(objects, replace(current, updated_at=_now(), **changes))
            return Change(objects, touched=touched, ddl=steps, result=lambda c: c.by_id[object_id])

        return await self._apply(plan)  # type: ignore[no-any-return]

    async def delete_object(self, object_id: str) -> ObjectMeta:
        object_id = _uuid(object_id, "id")

        def plan(old: Catalog) -> Change:
            obj = old.by_id.get(object_id)
            if obj is None:
                raise _not_found("object", object_id)
            if not obj.is_custom:
                raise _forbidden(f"standard object '{obj.name_singular}' cannot be deleted")
            if obj.is_active:
                raise _forbidden(
                    f"object '{obj.name_singular}' must be deactivated (isActive: false) before it is deleted"
                )
            objects: list[ObjectMeta] = []
            touched: set[str] = set()
            dropped: list[FieldMeta] = []
            for o in old.objects:
                if o.id == obj.id:
                    continue
                keep = [f for f in o.fields if not (f.relation and f.relation.target_object == obj.name_singular)]
                if len(keep) != len(o.fields):
                    touched.add(o.id)
                    dropped += [f for f in o.fields if f.is_many_to_one and f.relation
                                and f.relation.target_object == obj.name_singular]
                    o = _with_fields(o, keep)
                objects.append(o)

            def drop(old_c: Catalog, new_c: Catalog) -> list[str]:
                out: list[str] = []
                for f in dropped:
                    out += ddl.drop_field(old_c, new_c, f, self.dialect)
                return out + ddl.drop_table(old_c, obj, self.dialect)

            return Change(objects, touched=touched, removed={obj.id}, ddl=[drop], result=lambda c: obj)

        return await self._apply(plan)  # type: ignore[no-any-return]

    # ---- fields ---------------------------------------------------------------------------

    async def create_field(self, payload: Any) -> FieldMeta:
        data = _check_keys(payload, FIELD_CREATE_KEYS, "field")

        def plan(old: Catalog) -> Change:
            object_id = _uuid(data.get("objectMetadataId"), "objectMetadataId")
            obj = old.by_id.get(object_id)
            if obj is None:
                raise _not_found("object", object_id)
            type_ = v.check_type(data.get("type"))
            label = v.check_label(data.get("label"), "label")
            name = data.get("name")
            if name is None and data.get("isLabelSyncedWithName"):
                name = v.name_from_label(label)
            name = v.check_field_name(obj, name, type_)
            now = _now()
            if type_ == FieldType.MORPH_RELATION or data.get("morphRelationsCreationPayload"):
                raise v.invalid("morph relations cannot be created through the API yet; use RELATION", field="type")
            if type_ == FieldType.RELATION:
                return self._plan_relation(old, obj, name, label, data, now)
            options = v.check_options(type_, data.get("options"), required=True)
            default = v.check_default(type_, data.get("defaultValue"), options)
            settings = data.get("settings")
            if settings is not None and not isinstance(settings, dict):
                raise v.invalid("settings must be an object", field="settings")
            if type_ == FieldType.NUMBER and (settings or {}).get("dataType") not in (None, "float", "int", "bigint"):
                raise v.invalid("settings.dataType must be float, int or bigint", field="settings")
            nullable = _bool(data, "isNullable", True)
            if not nullable and default is None and type_ not in (FieldType.BOOLEAN,):
                raise v.invalid("a field that is not nullable needs a defaultValue", field="defaultValue")
            if type_ == FieldType.BOOLEAN and not nullable and default is None:
                default = False
            fm = FieldMeta(
                id=str(uuid.uuid4()), name=name, type=type_, label=label, object_name=obj.name_singular,
                description=_opt_str(data, "description"), icon=_opt_str(data, "icon"),
                is_nullable=nullable, is_unique=_bool(data, "isUnique", False), is_custom=True,
                is_active=_bool(data, "isActive", True), is_ui_read_only=_bool(data, "isUIReadOnly", False),
                is_label_synced_with_name=_bool(data, "isLabelSyncedWithName", False),
                default_value=default, options=tuple(options) if options is not None else None,
                settings=settings, created_at=now, updated_at=now,
            )
            if fm.is_unique and type_ not in _UNIQUE_TYPES:
                raise v.invalid(f"{type_} fields cannot be unique", field="isUnique")
            objects = _replace_object(old.objects, _with_fields(obj, [*obj.fields, fm]))
            return Change(
                objects, touched={obj.id},
                ddl=[lambda o, n: ddl.add_field(n, n.object(fm.object_name).field(fm.name), self.dialect)],  # type: ignore[arg-type]
                data=[lambda n: field_changes.fill_default(n, self.dialect, fm)],
                result=lambda c: c.object(fm.object_name).field(fm.name),
            )

        return await self._apply(plan)  # type: ignore[no-any-return]

    def _plan_relation(self, old: Catalog, obj: ObjectMeta, name: str, label: str, data: dict[str, Any],
                       now: str) -> Change:
        payload = data.get("relationCreationPayload")
        if not isinstance(payload, dict):
            raise v.invalid(
                "RELATION fields need relationCreationPayload {type, targetObjectMetadataId, targetFieldLabel}",
                field="relationCreationPayload",
            )
        rel_type = payload.get("type")
        if rel_type not in (MANY_TO_ONE, ONE_TO_MANY):
            raise v.invalid("relationCreationPayload.type must be MANY_TO_ONE or ONE_TO_MANY",
                            field="relationCreationPayload.type", accepted=[MANY_TO_ONE, ONE_TO_MANY])
        target = old.by_id.get(_uuid(payload.get("targetObjectMetadataId"), "targetObjectMetadataId"))
        if target is None:
            raise _not_found("object", payload.get("targetObjectMetadataId"))
        target_label = v.check_label(payload.get("targetFieldLabel"), "targetFieldLabel")
        inverse_name = payload.get("targetFieldName") or v.name_from_label(target_label)
        settings = data.get("settings") or {}
        on_delete = settings.get("onDelete", "SET_NULL") if isinstance(settings, dict) else "SET_NULL"
        if on_delete not in ON_DELETE:
            raise v.invalid(f"onDelete must be one of {list(ON_DELETE)}", field="settings.onDelete")
        if target.id == obj.id:
            if inverse_name == name:
                raise v.invalid("a relation to the same object needs distinct names on both sides")
            v.check_field_name(_with_fields(obj, [*obj.fields, _placeholder(name, obj)]), inverse_name,
                               FieldType.RELATION)
        else:
            v.check_field_name(target, inverse_name, FieldType.RELATION)
        if rel_type == MANY_TO_ONE:
            many, one = relation_pair(source=obj.name_singular, name=name, label=label, target=target.name_singular,
                                      inverse=inverse_name, inverse_label=target_label, on_delete=on_delete, now=now,
                                      custom=True, icon=_opt_str(data, "icon"),
                                      inverse_icon=payload.get("targetFieldIcon"))
            this, other = many, one
        else:
            many, one = relation_pair(source=target.name_singular, name=inverse_name, label=target_label,
                                      target=obj.name_singular, inverse=name, inverse_label=label,
                                      on_delete=on_delete, now=now, custom=True,
                                      icon=payload.get("targetFieldIcon"), inverse_icon=_opt_str(data, "icon"))
            this, other = one, many
        this = replace(this, description=_opt_str(data, "description"))
        objects = list(old.objects)
        for f in (this, other):
            owner = next(o for o in objects if o.name_singular == f.object_name)
            objects = _replace_object(objects, _with_fields(owner, [*owner.fields, f]))
        return Change(
            objects, touched={obj.id, target.id},
            ddl=[lambda o, n: ddl.add_field(n, n.object(many.object_name).field(many.name), self.dialect)],  # type: ignore[arg-type]
            result=lambda c: c.object(this.object_name).field(this.name),
        )

    async def update_field(self, field_id: str, payload: Any) -> FieldMeta:
        field_id = _uuid(field_id, "id")
        data = _check_keys(payload, FIELD_UPDATE_KEYS | {"type", "objectMetadataId"}, "field update")
        for key in ("type", "objectMetadataId"):
            if key in data:
                raise v.invalid(f"'{key}' cannot be changed", field=key)

        def plan(old: Catalog) -> Change:
            f, obj = _find_field(old, field_id)
            standard = not f.is_custom
            changes: dict[str, Any] = {}
            steps: list[Callable[[Catalog, Catalog], list[str]]] = []
            checks: list[Callable[[Connection, Catalog], Any]] = []
            data_fixes: list[Callable[[Catalog], list[tuple[str, list[Any]]]]] = []
            if "label" in data:
                changes["label"] = v.check_label(data["label"], "label")
            for key in ("description", "icon"):
                if key in data:
                    changes[key] = _opt_str(data, key)
            if "isLabelSyncedWithName" in data:
                changes["is_label_synced_with_name"] = _bool(data, "isLabelSyncedWithName", False)
            if "isUIReadOnly" in data:
                changes["is_ui_read_only"] = _bool(data, "isUIReadOnly", False)
            if "isSystem" in data and _bool(data, "isSystem", f.is_system) != f.is_system:
                raise _forbidden("isSystem cannot be changed", field=f.name)
            if "isActive" in data:
                active = _bool(data, "isActive", True)
                if not active and (f.is_system or f.name in _SERVER_FIELDS):
                    raise _forbidden(f"field '{f.name}' cannot be deactivated", field=f.name)
                if not active and f.name == obj.label_identifier_field:
                    raise _forbidden(f"'{f.name}' is the label identifier of '{obj.name_singular}'", field=f.name)
                changes["is_active"] = active
            if "name" in data and data["name"] != f.name:
                if standard:
                    raise _forbidden(f"standard field '{f.name}' cannot be renamed", field=f.name)
                if _is_managed(old, f):
                    raise _forbidden(f"'{f.name}' is managed by the server and cannot be renamed", field=f.name)
                v.check_field_name(obj, data["name"], f.type, ignore=f)
                changes["name"] = data["name"]
            if "settings" in data:
                settings = data["settings"]
                if settings is not None and not isinstance(settings, dict):
                    raise v.invalid("settings must be an object", field="settings")
                if f.is_relation:
                    wanted = (settings or {}).get("onDelete", (f.settings or {}).get("onDelete"))
                    if wanted != (f.settings or {}).get("onDelete"):
                        raise _forbidden("onDelete of an existing relation cannot be changed", field=f.name)
                    settings = {**(f.settings or {}), **(settings or {})}
                changes["settings"] = settings
            options = list(f.options) if f.options is not None else None
            if "options" in data:
                if f.type not in (FieldType.SELECT, FieldType.MULTI_SELECT):
                    raise v.invalid(f"options cannot be set on a {f.type} field", field="options")
                options = v.check_options(f.type, data["options"], required=True)
                assert options is not None
                removed = sorted(set(f.option_values) - {o["value"] for o in options})
                if removed:

                    async def unused(conn: Connection, cat: Catalog, removed: list[str] = removed) -> None:
                        await self._check_options_unused(conn, cat, f, removed)

                    checks.append(unused)
                changes["options"] = tuple(options)
            if "defaultValue" in data or "options" in data:
                default = data.get("defaultValue", f.default_value)
                changes["default_value"] = v.check_default(f.type, default, options) if f.type not in (
                    FieldType.ACTOR, FieldType.POSITION) and f.name not in _SERVER_FIELDS else f.default_value
                if "defaultValue" in data and standard and f.type not in (FieldType.SELECT, FieldType.MULTI_SELECT):
                    raise _forbidden(f"the default of standard field '{f.name}' cannot be changed", field=f.name)
            if "isNullable" in data:
                nullable = _bool(data, "isNullable", True)
                if standard and nullable != f.is_nullable:
                    raise _forbidden(f"standard field '{f.name}' cannot change isNullable", field=f.name)
                if not nullable and f.is_nullable:
                    checks.append(lambda conn, cat: self._check_no_nulls(conn, cat, f))
                changes["is_nullable"] = nullable
            if "isUnique" in data:
                unique = _bool(data, "isUnique", False)
                if unique != f.is_unique:
                    if standard:
                        raise _forbidden(f"standard field '{f.name}' cannot change isUnique", field=f.name)
                    if unique and f.type not in _UNIQUE_TYPES:
                        raise v.invalid(f"{f.type} fields cannot be unique", field="isUnique")
                    changes["is_unique"] = unique
            updated = replace(f, updated_at=_now(), **changes)
            if updated.name != f.name:
                if f.is_many_to_one:
                    updated = replace(updated, settings={**(f.settings or {}), "joinColumnName": updated.name + "Id"})
                # renaming drops and recreates the field's indexes, unique one included
                steps.append(lambda o, n: ddl.rename_field(o, n, f, _find_field(n, field_id)[0], self.dialect))
            elif updated.is_unique != f.is_unique:
                steps.append(lambda o, n: ddl.set_unique(
                    n, _find_field(n, field_id)[0] if updated.is_unique else f, self.dialect, unique=updated.is_unique))
            fields = [updated if x.id == f.id else x for x in obj.fields]
            objects = _replace_object(old.objects, _with_fields(obj, fields))
            touched = {obj.id}
            if "is_active" in changes and f.relation is not None:
                # a relation is active on both sides or on neither
                other_obj = next(o for o in objects if o.name_singular == f.relation.target_object)
                inverse = other_obj.field(f.relation.target_field)
                if inverse is not None:
                    objects = _replace_object(objects, _with_fields(other_obj, [
                        replace(x, is_active=changes["is_active"]) if x.id == inverse.id else x
                        for x in other_obj.fields]))
                    touched.add(other_obj.id)
            if updated.name != f.name and f.relation is not None:
                # the inverse side names this field
                other_obj = next(o for o in objects if o.name_singular == f.relation.target_object)
                objects = _replace_object(objects, _with_fields(other_obj, [
                    replace(x, relation=replace(x.relation, target_field=updated.name))
                    if x.relation is not None and x.relation.target_object == obj.name_singular
                    and x.relation.target_field == f.name else x
                    for x in other_obj.fields]))
                touched.add(other_obj.id)
            return Change(objects, touched=touched, ddl=steps, data=data_fixes, checks=checks,
                          result=lambda c: _find_field(c, field_id)[0])

        return await self._apply(plan)  # type: ignore[no-any-return]

    async def _check_options_unused(self, conn: Connection, catalog: Catalog, f: FieldMeta, removed: list[str]) -> None:
        count = await field_changes.count_option_uses(conn, catalog, self.dialect, f, removed)
        if count:
            raise ApiError(
                "OPTION_IN_USE",
                f"Option(s) {', '.join(removed)} of '{f.name}' are used by {count} record(s); "
                "change those records first",
                {"field": f.name, "options": removed, "records": count},
            )

    async def _check_no_nulls(self, conn: Connection, catalog: Catalog, f: FieldMeta) -> None:
        count = await field_changes.count_missing(conn, catalog, self.dialect, f)
        if count:
            raise ApiError(
                "VALIDATION_ERROR",
                f"{count} record(s) have no value for '{f.name}': it cannot become non-nullable",
                {"field": f.name, "records": count},
            )

    async def delete_field(self, field_id: str) -> FieldMeta:
        field_id = _uuid(field_id, "id")

        def plan(old: Catalog) -> Change:
            f, obj = _find_field(old, field_id)
            if not f.is_custom:
                raise _forbidden(f"standard field '{f.name}' cannot be deleted", field=f.name)
            if _is_managed(old, f):
                raise _forbidden(f"'{f.name}' is managed by the server and cannot be deleted", field=f.name)
            if f.name == obj.label_identifier_field:
                raise _forbidden(f"'{f.name}' is the label identifier of '{obj.name_singular}'", field=f.name)
            doomed = {f.id}
            touched = {obj.id}
            many = f if f.is_many_to_one else None
            if f.relation is not None:
                other = old.by_singular[f.relation.target_object]
                inverse = other.field(f.relation.target_field)
                if inverse is not None:
                    doomed.add(inverse.id)
                    touched.add(other.id)
                    if inverse.is_many_to_one:
                        many = inverse
            objects = [
                _with_fields(o, [x for x in o.fields if x.id not in doomed]) if o.id in touched else o
                for o in old.objects
            ]
            steps: list[Callable[[Catalog, Catalog], list[str]]] = []
            if many is not None:
                steps.append(lambda o, n: ddl.drop_field(o, n, many, self.dialect))  # type: ignore[arg-type]
            elif f.columns():
                steps.append(lambda o, n: ddl.drop_field(o, n, f, self.dialect))
            return Change(objects, touched=touched, ddl=steps, result=lambda c: f)

        return await self._apply(plan)  # type: ignore[no-any-return]


_UNIQUE_TYPES = (
    FieldType.TEXT, FieldType.NUMBER, FieldType.NUMERIC, FieldType.UUID, FieldType.DATE, FieldType.DATE_TIME,
    FieldType.EMAILS, FieldType.LINKS, FieldType.PHONES, FieldType.SELECT, FieldType.RATING, FieldType.BOOLEAN,
)
_SERVER_FIELDS = ("id", "createdAt", "updatedAt", "deletedAt", "createdBy", "updatedBy", "position", "searchVector")


def _is_managed(catalog: Catalog, f: FieldMeta) -> bool:
    """Server-managed fields and the system links of custom objects (both sides)."""
    if f.name in _SERVER_FIELDS:
        return True
    if f.relation is None:
        return False
    if f.is_many_to_one:
        return _system_link_name(f.object_name, f.name, f.relation.target_object) is not None
    return _system_link_name(f.relation.target_object, f.relation.target_field, f.object_name) is not None


def _placeholder(name: str, obj: ObjectMeta) -> FieldMeta:
    return FieldMeta(id="", name=name, type=FieldType.RELATION, label=name, object_name=obj.name_singular)


def _find_field(catalog: Catalog, field_id: str) -> tuple[FieldMeta, ObjectMeta]:
    for o in catalog.objects:
        for f in o.fields:
            if f.id == field_id:
                return f, o
    raise _not_found("field", field_id)


def relation_pair(
    *, source: str, name: str, label: str, target: str, inverse: str, inverse_label: str, on_delete: str,
    now: str, custom: bool, type_: FieldType = FieldType.RELATION, inverse_system: bool = False,
    icon: str | None = None, inverse_icon: str | None = None,
) -> tuple[FieldMeta, FieldMeta]:
    """A MANY_TO_ONE field on ``source`` (join column ``<name>Id``) and its ONE_TO_MANY
    inverse on ``target``."""
    many = FieldMeta(
        id=str(uuid.uuid4()), name=name, type=type_, label=label, object_name=source, icon=icon,
        is_custom=custom, created_at=now, updated_at=now,
        settings={"relationType": MANY_TO_ONE, "onDelete": on_delete, "joinColumnName": name + "Id"},
        relation=RelationMeta(MANY_TO_ONE, target, inverse, on_delete),
    )
    one = FieldMeta(
        id=str(uuid.uuid4()), name=inverse, type=FieldType.RELATION, label=inverse_label, object_name=target,
        icon=inverse_icon, is_custom=custom, is_system=inverse_system, created_at=now, updated_at=now,
        settings={"relationType": ONE_TO_MANY}, relation=RelationMeta(ONE_TO_MANY, source, name),
    )
    return many, one


def _system_link_name(owner: str, field_name: str, object_name: str) -> str | None:
    """The pattern a system link follows, if ``owner.field_name`` is the link to ``object_name``."""
    for link_owner, pattern, _inverse, _label, _system in SYSTEM_LINKS:
        if link_owner == owner and field_name == pattern.format(Name=capitalize(object_name), name=object_name):
            return pattern
    return None


def _rename_object_references(
    objects: list[ObjectMeta], obj: ObjectMeta, new_name: str
) -> tuple[list[ObjectMeta], list[ObjectMeta]]:
    """After renaming ``obj``: relations elsewhere name it as their target, and the system
    links (``noteTarget.targetInvoice``, ``favorite.invoice``) are renamed with it; the
    object's own relations follow the renamed links."""
    old_name = obj.name_singular
    link_renames: dict[tuple[str, str], str] = {}
    out, renamed = [], []
    for o in objects:
        if o.id == obj.id:
            out.append(o)
            continue
        fields = []
        changed = False
        for f in o.fields:
            if f.relation is not None and f.relation.target_object == old_name:
                new_field_name = f.name
                settings = f.settings
                pattern = _system_link_name(o.name_singular, f.name, old_name) if f.is_many_to_one else None
                if pattern is not None:
                    new_field_name = pattern.format(Name=capitalize(new_name), name=new_name)
                    settings = {**(f.settings or {}), "joinColumnName": new_field_name + "Id"}
                    link_renames[(o.name_singular, f.name)] = new_field_name
                f = replace(f, name=new_field_name, settings=settings,
                            relation=replace(f.relation, target_object=new_name))
                changed = True
            fields.append(f)
        if changed:
            o = _with_fields(o, fields)
            renamed.append(o)
        out.append(o)
    own = []
    for f in obj.fields:
        if f.relation is not None:
            target_field = link_renames.get((f.relation.target_object, f.relation.target_field), f.relation.target_field)
            target_object = new_name if f.relation.target_object == old_name else f.relation.target_object
            f = replace(f, relation=replace(f.relation, target_field=target_field, target_object=target_object))
        own.append(replace(f, object_name=new_name))
    out = [_with_fields(o, own) if o.id == obj.id else o for o in out]
    return out, renamed


def _renamed_links(old: Catalog, new: Catalog, old_name: str, new_name: str) -> list[tuple[FieldMeta, FieldMeta]]:
    pairs = []
    for o in old.objects:
        if o.name_singular == old_name:
            continue
        for f in o.fields:
            if f.is_many_to_one and f.relation is not None and f.relation.target_object == old_name:
                after = next((x for x in new.object(o.name_singular).fields if x.id == f.id), None)
                if after is not None and after.name != f.name:
                    pairs.append((f, after))
    return pairs
