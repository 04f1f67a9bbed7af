"""One field of the metadata → its JSON Schema, as the server writes it and as it reads it.

Response schemas follow what ``engine.compile.record_json`` emits and what the dialects
render (``sql.dialect``): every composite sub-field can be ``null``, empty text and empty
lists are stored as ``null``, and a scalar is non-null only where the metadata says the
field is not nullable (the engine refuses to store ``null`` there). Request schemas follow
``engine.values``: what a create or an update accepts, with ``additionalProperties: false``
where unknown keys are refused.
"""

from __future__ import annotations

from typing import Any

from vingt.metadata.model import FieldMeta
from vingt.metadata.types import ACTOR_SOURCES, RATING_VALUES, FieldType, Storage

Schema = dict[str, Any]

UUID: Schema = {"type": "string", "format": "uuid"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}

# fields the server sets itself (engine.values.READ_ONLY) or fills from the caller
SERVER_SET = ("updatedAt", "deletedAt")
CREATE_ONLY = ("id", "createdAt")
ACTOR_FIELDS = ("createdBy", "updatedBy")  # attributed by the server on every write

INT_BOUNDS = {Storage.INTEGER: 2**31, Storage.BIGINT: 2**63}


def nullable(schema: Schema) -> Schema:
    """``schema`` or ``null`` (OpenAPI 3.1: ``type: [..., "null"]``)."""
    out = dict(schema)
    t = out.get("type")
    if t is None:
        return out  # any JSON value already includes null
    types = t if isinstance(t, list) else [t]
    if "null" not in types:
        out["type"] = [*types, "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def maybe_null(schema: Schema, allow: bool) -> Schema:
    return nullable(schema) if allow else schema


def option_values(field: FieldMeta) -> list[str]:
    values = list(field.option_values)
    if not values and field.type == FieldType.RATING:
        values = list(RATING_VALUES)
    return values


def _number(field: FieldMeta) -> Schema:
    storage = field.scalar_storage
    if storage in INT_BOUNDS:
        bound = INT_BOUNDS[storage]
        return {"type": "integer", "minimum": -bound, "maximum": bound - 1}
    return {"type": "number"}


# ---- responses --------------------------------------------------------------------------


def _link_item() -> Schema:
    return {
        "type": "object",
        "properties": {"url": {"type": "string"}, "label": {"type": "string"}},
        "required": ["url", "label"],
    }


def _phone_item() -> Schema:
    # the server keeps these three keys of each item as they were sent
    return {
        "type": "object",
        "properties": {"number": {}, "countryCode": {}, "callingCode": {}},
        "required": ["number", "countryCode", "callingCode"],
    }


_SUB_RESPONSE: dict[tuple[FieldType, str], Schema] = {
    (FieldType.LINKS, "secondaryLinks"): {"type": "array", "items": _link_item()},
    (FieldType.EMAILS, "additionalEmails"): {"type": "array", "items": {"type": "string"}},
    (FieldType.PHONES, "additionalPhones"): {"type": "array", "items": _phone_item()},
    (FieldType.ACTOR, "source"): {"type": "string", "enum": list(ACTOR_SOURCES)},
    (FieldType.ACTOR, "context"): {"type": "object"},
}

_STORAGE_RESPONSE: dict[Storage, Schema] = {
    Storage.UUID: UUID,
    Storage.TEXT: {"type": "string"},
    Storage.FLOAT: {"type": "number"},
    Storage.INTEGER: {"type": "integer"},
    Storage.BIGINT: {"type": "integer"},
    Storage.NUMERIC: {"type": "number"},
    Storage.BOOLEAN: {"type": "boolean"},
    Storage.TIMESTAMP: DATE_TIME,
    Storage.DATE: DATE,
    Storage.JSON: {},
    Storage.TEXT_ARRAY: {"type": "array", "items": {"type": "string"}},
}


def composite_response(field: FieldMeta) -> Schema:
    props: Schema = {}
    for sub in field.subfields:
        schema = _SUB_RESPONSE.get((field.type, sub.name), _STORAGE_RESPONSE[sub.storage])
        props[sub.name] = nullable(schema)
    return {"type": "object", "properties": props, "required": list(props)}


def scalar_response(field: FieldMeta) -> Schema:
    t = field.type
    if t in (FieldType.SELECT, FieldType.RATING):
        schema: Schema = {"type": "string", "enum": option_values(field)}
    elif t == FieldType.MULTI_SELECT:
        schema = {"type": "array", "items": {"type": "string", "enum": option_values(field)}}
    elif t == FieldType.NUMBER:
        schema = {"type": "integer"} if field.scalar_storage in INT_BOUNDS else {"type": "number"}
    elif t == FieldType.FILES:
        schema = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "fileId": UUID,
                    "label": {"type": "string"},
                    "extension": {"type": "string"},
                    "url": {"type": ["string", "null"]},
                },
                "required": ["fileId", "label", "extension", "url"],
            },
        }
    elif t == FieldType.RAW_JSON:
        return _described({"description": "Any JSON value"}, field)
    else:
        schema = dict(_STORAGE_RESPONSE[field.scalar_storage])
    return _described(maybe_null(schema, field.is_nullable), field)


def field_response(field: FieldMeta) -> Schema:
    if field.is_composite:
        return _described(composite_response(field), field)
    return scalar_response(field)


def _described(schema: Schema, field: FieldMeta) -> Schema:
    if field.description:
        schema = {**schema, "description": field.description}
    return schema


# ---- requests ---------------------------------------------------------------------------


def _link_input() -> Schema:
    return {
        "type": "object",
        "properties": {"url": {"type": "string"}, "label": {"type": "string"}},
        "additionalProperties": False,
    }


def _phone_input() -> Schema:
    return {
        "type": "object",
        "properties": {
            "number": {"type": "string"},
            "countryCode": {"type": "string"},
            "callingCode": {"type": "string"},
        },
        "additionalProperties": False,
    }


_SUB_INPUT: dict[tuple[FieldType, str], Schema] = {
    (FieldType.LINKS, "secondaryLinks"): nullable({"type": "array", "items": _link_input()}),
    (FieldType.EMAILS, "additionalEmails"): nullable({"type": "array", "items": {"type": "string"}}),
    (FieldType.PHONES, "additionalPhones"): nullable({"type": "array", "items": _phone_input()}),
    (FieldType.ACTOR, "source"): {"type": "string", "enum": list(ACTOR_SOURCES)},
    (FieldType.ACTOR, "context"): nullable({"type": "object"}),
}


def composite_input(field: FieldMeta) -> Schema:
    props: Schema = {}
    for sub in field.subfields:
        if not sub.writable:
            continue
        schema = _SUB_INPUT.get((field.type, sub.name))
        if schema is None:
            schema = nullable(_STORAGE_RESPONSE[sub.storage])
        props[sub.name] = schema
    return nullable({"type": "object", "properties": props, "additionalProperties": False})


def scalar_input(field: FieldMeta) -> Schema:
    t = field.type
    can_null = field.is_nullable
    if t in (FieldType.SELECT, FieldType.RATING):
        schema: Schema = {"type": "string", "enum": option_values(field)}
    elif t == FieldType.MULTI_SELECT:
        schema = {"type": "array", "items": {"type": "string", "enum": option_values(field)}}
        if not can_null:
            schema["minItems"] = 1  # an empty list is stored as null
    elif t == FieldType.ARRAY:
        schema = {"type": "array", "items": {"type": "string"}}
        if not can_null:
            schema["minItems"] = 1
    elif t == FieldType.NUMBER:
        schema = _number(field)
    elif t == FieldType.POSITION:
        schema = {
            "anyOf": [{"type": "number"}, {"type": "string", "enum": ["first", "last"]}],
            "description": "A number, or `first` / `last` to place the record before / after all others",
        }
        return (
            {"anyOf": [*schema["anyOf"], {"type": "null"}], "description": schema["description"]}
            if can_null
            else schema
        )
    elif t == FieldType.FILES:
        schema = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"fileId": UUID, "label": {"type": "string"}},
                "required": ["fileId"],
            },
        }
    elif t == FieldType.RAW_JSON:
        return _described({"description": "Any JSON value"}, field)
    elif t in (FieldType.TEXT, FieldType.RICH_TEXT):
        schema = {"type": "string"}
        if not can_null:
            schema["minLength"] = 1  # an empty string is stored as null
    else:
        schema = dict(_STORAGE_RESPONSE[field.scalar_storage])
    return _described(maybe_null(schema, can_null), field)


def field_input(field: FieldMeta) -> Schema:
    if field.is_composite:
        return _described(composite_input(field), field)
    return scalar_input(field)


def relation_input(field: FieldMeta) -> Schema:
    """The relation field itself on input (the join column ``<name>Id`` is the usual way)."""
    return {
        "description": f"Alternative to `{field.join_column}`: the related record's id, "
        '`{"connect": {"where": {"id": …}}}`, `{"disconnect": true}` or `null`',
        "anyOf": [
            UUID,
            {"type": "null"},
            {
                "type": "object",
                "properties": {
                    "connect": {
                        "type": "object",
                        "properties": {
                            "where": {
                                "type": "object",
                                "properties": {"id": UUID},
                                "required": ["id"],
                                "additionalProperties": False,
                            }
                        },
                        "required": ["where"],
                        "additionalProperties": False,
                    }
                },
                "required": ["connect"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"disconnect": {"const": True}},
                "required": ["disconnect"],
                "additionalProperties": False,
            },
        ],
    }


# ---- examples ---------------------------------------------------------------------------

_EXAMPLE_TEXT = {"name": "Acme", "title": "First contact", "jobTitle": "CTO", "city": "Paris"}


def example_value(field: FieldMeta, object_label: str) -> Any:
    """A plausible value for a field in a create example (None: leave it out)."""
    t = field.type
    if t == FieldType.FULL_NAME:
        return {"firstName": "Ada", "lastName": "Lovelace"}
    if t == FieldType.TEXT:
        return _EXAMPLE_TEXT.get(field.name, f"{object_label} {field.label}".strip())
    if t in (FieldType.SELECT, FieldType.RATING):
        values = option_values(field)
        return values[0] if values else None
    if t == FieldType.MULTI_SELECT:
        values = option_values(field)
        return values[:1] or None
    if t == FieldType.BOOLEAN:
        return False
    if t == FieldType.NUMBER:
        return 1
    if t in (FieldType.NUMERIC, FieldType.POSITION):
        return 1
    if t == FieldType.DATE_TIME:
        return "2024-05-01T09:30:00.000Z"
    if t == FieldType.DATE:
        return "2024-05-01"
    if t == FieldType.UUID:
        return "20202020-0000-4000-8000-000000000001"
    if t == FieldType.CURRENCY:
        return {"amountMicros": 1500000000, "currencyCode": "EUR"}
    if t == FieldType.RAW_JSON:
        return {}
    if t == FieldType.ARRAY:
        return ["value"]
    if t == FieldType.RICH_TEXT_V2:
        return {"markdown": "Hello"}
    return None
