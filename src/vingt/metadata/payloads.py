"""Objects and fields as the metadata APIs show them (REST.md §13.3, GRAPHQL.md §16.2–16.3)."""

from __future__ import annotations

from typing import Any

from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta


def _ref(obj: ObjectMeta) -> dict[str, Any]:
    return {"id": obj.id, "nameSingular": obj.name_singular, "namePlural": obj.name_plural}


def relation_payload(catalog: Catalog, f: FieldMeta) -> dict[str, Any] | None:
    if f.relation is None:
        return None
    source = catalog.by_singular[f.object_name]
    target = catalog.by_singular.get(f.relation.target_object)
    inverse = target.field(f.relation.target_field) if target is not None else None
    return {
        "type": f.relation.type,
        "sourceObjectMetadata": _ref(source),
        "targetObjectMetadata": _ref(target) if target is not None else None,
        "sourceFieldMetadata": {"id": f.id, "name": f.name},
        "targetFieldMetadata": {"id": inverse.id, "name": inverse.name} if inverse is not None else None,
    }


def field_payload(catalog: Catalog, f: FieldMeta) -> dict[str, Any]:
    obj = catalog.by_singular.get(f.object_name)
    return {
        "id": f.id,
        "objectMetadataId": obj.id if obj is not None else None,
        "type": str(f.type),
        "name": f.name,
        "label": f.label,
        "description": f.description,
        "icon": f.icon,
        "isCustom": f.is_custom,
        "isActive": f.is_active,
        "isSystem": f.is_system,
        "isNullable": f.is_nullable,
        "isUnique": f.is_unique,
        "isUIReadOnly": f.is_ui_read_only,
        "isLabelSyncedWithName": f.is_label_synced_with_name,
        "defaultValue": f.default_value,
        "options": list(f.options) if f.options is not None else None,
        "settings": f.settings,
        "morphId": f.morph_id,
        "relation": relation_payload(catalog, f),
        "standardOverrides": None,
        "createdAt": f.created_at,
        "updatedAt": f.updated_at,
    }


def object_payload(catalog: Catalog, obj: ObjectMeta, *, with_fields: bool = True) -> dict[str, Any]:
    by_name = {f.name: f.id for f in obj.fields}
    out: dict[str, Any] = {
        "id": obj.id,
        "nameSingular": obj.name_singular,
        "namePlural": obj.name_plural,
        "labelSingular": obj.label_singular,
        "labelPlural": obj.label_plural,
        "description": obj.description,
        "icon": obj.icon,
        "color": None,
        "shortcut": obj.shortcut,
        "isCustom": obj.is_custom,
        "isActive": obj.is_active,
        "isSystem": obj.is_system,
        "isRemote": obj.is_remote,
        "isSearchable": obj.is_searchable,
        "isUIReadOnly": obj.is_ui_read_only,
        "isLabelSyncedWithName": obj.is_label_synced_with_name,
        "labelIdentifierFieldMetadataId": by_name.get(obj.label_identifier_field or ""),
        "imageIdentifierFieldMetadataId": by_name.get(obj.image_identifier_field or ""),
        "duplicateCriteria": [list(g) for g in obj.duplicate_criteria],
        "standardOverrides": None,
        "workspaceId": catalog.workspace_id,
        "createdAt": obj.created_at,
        "updatedAt": obj.updated_at,
    }
    if with_fields:
        out["fields"] = [field_payload(catalog, f) for f in obj.fields]
    return out


def relation_payloads(catalog: Catalog) -> list[dict[str, Any]]:
    """The relations as Twenty's releases before 1.0 listed them (``relationMetadata``): one per
    ONE_TO_MANY field and the MANY_TO_ONE field on the other side, from the "one" object to the
    "many" one. A relation has no row of its own here: its id is that of its ONE_TO_MANY field."""
    out = []
    for obj in catalog.objects:
        for f in obj.fields:
            if not f.is_one_to_many or f.relation is None:
                continue
            target = catalog.by_singular.get(f.relation.target_object)
            inverse = target.field(f.relation.target_field) if target is not None else None
            if target is None or inverse is None:
                continue
            out.append({
                "id": f.id,
                "relationType": "ONE_TO_MANY",
                "fromObjectMetadataId": obj.id,
                "toObjectMetadataId": target.id,
                "fromFieldMetadataId": f.id,
                "toFieldMetadataId": inverse.id,
                "onDeleteAction": inverse.relation.on_delete if inverse.relation is not None else None,
                "createdAt": f.created_at,
                "updatedAt": f.updated_at,
            })
    return out
