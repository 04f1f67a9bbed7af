"""Reading and writing object and field metadata rows, and building catalogs from them."""

from __future__ import annotations

from typing import Any

import orjson

from vingt.db import system_queries
from vingt.db.database import Connection, Database
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta, RelationMeta
from vingt.metadata.types import FieldType
from vingt.sql.dialect import Dialect


def _dump(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _load(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def object_row(workspace_id: str, obj: ObjectMeta) -> dict[str, Any]:
    by_name = {f.name: f.id for f in obj.fields}
    return {
        "id": obj.id,
        "workspaceId": workspace_id,
        "nameSingular": obj.name_singular,
        "namePlural": obj.name_plural,
        "labelSingular": obj.label_singular,
        "labelPlural": obj.label_plural,
        "description": obj.description,
        "icon": obj.icon,
        "shortcut": obj.shortcut,
        "isCustom": obj.is_custom,
        "isActive": obj.is_active,
        "isSystem": obj.is_system,
        "isSearchable": obj.is_searchable,
        "isRemote": obj.is_remote,
        "isUIReadOnly": obj.is_ui_read_only,
        "isLabelSyncedWithName": obj.is_label_synced_with_name,
        "labelIdentifierFieldMetadataId": by_name.get(obj.label_identifier_field or ""),
        "imageIdentifierFieldMetadataId": by_name.get(obj.image_identifier_field or ""),
        "duplicateCriteria": _dump([list(g) for g in obj.duplicate_criteria]),
        "createdAt": obj.created_at,
        "updatedAt": obj.updated_at,
    }


def field_row(workspace_id: str, f: FieldMeta, position: int, objects: dict[str, ObjectMeta]) -> dict[str, Any]:
    target_object_id = target_field_id = None
    if f.relation is not None:
        target = objects[f.relation.target_object]
        target_object_id = target.id
        inverse = target.field(f.relation.target_field)
        target_field_id = inverse.id if inverse is not None else None
    return {
        "id": f.id,
        "workspaceId": workspace_id,
        "objectMetadataId": objects[f.object_name].id,
        "name": f.name,
        "type": str(f.type),
        "label": f.label,
        "description": f.description,
        "icon": f.icon,
        "position": position,
        "isNullable": f.is_nullable,
        "isUnique": f.is_unique,
        "isSystem": f.is_system,
        "isCustom": f.is_custom,
        "isActive": f.is_active,
        "isUIReadOnly": f.is_ui_read_only,
        "isLabelSyncedWithName": f.is_label_synced_with_name,
        "defaultValue": _dump(f.default_value),
        "options": _dump(list(f.options)) if f.options is not None else None,
        "settings": _dump(f.settings),
        "relationTargetObjectMetadataId": target_object_id,
        "relationTargetFieldMetadataId": target_field_id,
        "morphId": f.morph_id,
        "createdAt": f.created_at,
        "updatedAt": f.updated_at,
    }


async def insert_objects(
    conn: Connection, dialect: Dialect, workspace_id: str, objects: list[ObjectMeta], known: list[ObjectMeta]
) -> None:
    by_name = {o.name_singular: o for o in known + objects}
    await system_queries.insert_metadata_rows(
        conn, dialect,
        [object_row(workspace_id, o) for o in objects],
        [field_row(workspace_id, f, i, by_name) for o in objects for i, f in enumerate(o.fields)],
    )


async def load_catalog(
    db: Database | Connection, dialect: Dialect, workspace_id: str, schema: str, version: int
) -> Catalog:
    objs, flds = await system_queries.load_metadata_rows(db, dialect, workspace_id)
    obj_name = {o["id"]: o["nameSingular"] for o in objs}
    field_name = {f["id"]: f["name"] for f in flds}
    fields_of: dict[str, list[FieldMeta]] = {o["id"]: [] for o in objs}
    for f in flds:
        settings = _load(f["settings"])
        relation = None
        if f["relationTargetObjectMetadataId"]:
            relation = RelationMeta(
                type=(settings or {}).get("relationType", "MANY_TO_ONE"),
                target_object=obj_name[f["relationTargetObjectMetadataId"]],
                target_field=field_name.get(f["relationTargetFieldMetadataId"] or "", ""),
                on_delete=(settings or {}).get("onDelete"),
            )
        options = _load(f["options"])
        fields_of[f["objectMetadataId"]].append(
            FieldMeta(
                id=f["id"],
                name=f["name"],
                type=FieldType(f["type"]),
                label=f["label"],
                object_name=obj_name[f["objectMetadataId"]],
                description=f["description"],
                icon=f["icon"],
                is_nullable=bool(f["isNullable"]),
                is_unique=bool(f["isUnique"]),
                is_system=bool(f["isSystem"]),
                is_custom=bool(f["isCustom"]),
                is_active=bool(f["isActive"]),
                is_ui_read_only=bool(f["isUIReadOnly"]),
                is_label_synced_with_name=bool(f["isLabelSyncedWithName"]),
                default_value=_load(f["defaultValue"]),
                options=tuple(options) if options is not None else None,
                settings=settings,
                relation=relation,
                morph_id=f["morphId"],
                created_at=f["createdAt"],
                updated_at=f["updatedAt"],
            )
        )
    objects = []
    for o in objs:
        fields = tuple(fields_of[o["id"]])
        names = {f.id: f.name for f in fields}
        objects.append(
            ObjectMeta(
                id=o["id"],
                name_singular=o["nameSingular"],
                name_plural=o["namePlural"],
                label_singular=o["labelSingular"],
                label_plural=o["labelPlural"],
                description=o["description"],
                icon=o["icon"],
                shortcut=o["shortcut"],
                is_custom=bool(o["isCustom"]),
                is_active=bool(o["isActive"]),
                is_system=bool(o["isSystem"]),
                is_searchable=bool(o["isSearchable"]),
                is_remote=bool(o["isRemote"]),
                is_ui_read_only=bool(o["isUIReadOnly"]),
                is_label_synced_with_name=bool(o["isLabelSyncedWithName"]),
                label_identifier_field=names.get(o["labelIdentifierFieldMetadataId"] or ""),
                image_identifier_field=names.get(o["imageIdentifierFieldMetadataId"] or ""),
                duplicate_criteria=tuple(tuple(g) for g in (_load(o["duplicateCriteria"]) or [])),
                created_at=o["createdAt"],
                updated_at=o["updatedAt"],
                fields=fields,
            )
        )
    return Catalog(workspace_id, schema, version, objects)
