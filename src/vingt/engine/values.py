"""Write payloads → column values: validation, normalisation and defaults per field type.

Strict about types (the official client sends exact JSON types), lenient where Twenty's
clients differ in spelling (join-column aliases, ``connect`` / ``disconnect``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from vingt.engine.planner import parse_date, parse_timestamp
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, Storage, sub_column
from vingt.sql.dialect import Dialect

READ_ONLY = ("updatedAt", "deletedAt")
MAX_TEXT = 1_000_000
# numbers beyond this lose their meaning in a double (and SQLite's text rendering of them)
MAX_FLOAT = 1e300


def invalid(field: str, message: str, **details: Any) -> ApiError:
    return ApiError("VALIDATION_ERROR", message, {"field": field, **details})


def parse_uuid(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise invalid(field, f"'{field}' must be a UUID string", value=value)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError("INVALID_UUID", f"'{value}' is not a valid UUID", {"field": field, "value": value}) from None


def alias_map(obj: ObjectMeta) -> dict[str, str]:
    """Input keys accepted for a join column besides ``<field>Id`` (DECISIONS.md §2):
    ``personId`` for ``targetPersonId``."""
    out: dict[str, str] = {}
    for f in obj.fields:
        if f.is_many_to_one and f.name.startswith("target") and len(f.name) > 6:
            short = f.name[6].lower() + f.name[7:] + "Id"
            if obj.field(short[:-2]) is None and obj.field(short) is None:
                out[short] = f.join_column
    return out


class RecordInput:
    """One validated payload: ``columns`` maps column name → value (driver-neutral)."""

    def __init__(self) -> None:
        self.columns: dict[str, Any] = {}
        self.position_hint: str | None = None  # "first" | "last" | None
        # ``connect`` by unique fields other than ``id``: (relation field, its ``where``),
        # resolved to the join column by the engine before the write
        self.connects: list[tuple[FieldMeta, dict[str, Any]]] = []


def coerce_record(obj: ObjectMeta, payload: Any, *, creating: bool, index: int | None = None) -> RecordInput:
    where = f"[{index}]" if index is not None else ""
    if not isinstance(payload, dict):
        raise ApiError("INVALID_BODY", f"record{where} must be a JSON object", {"index": index} if index is not None else {})
    out = RecordInput()
    aliases = alias_map(obj)
    for key, value in payload.items():
        try:
            _coerce_key(obj, key, value, out, creating, aliases)
        except ApiError as exc:
            if index is not None:
                exc.details.setdefault("index", index)
            raise
    return out


def _coerce_key(obj: ObjectMeta, key: str, value: Any, out: RecordInput, creating: bool, aliases: dict[str, str]) -> None:
    field = obj.field(key)
    if field is None or not field.is_active:
        join = aliases.get(key)
        if join is None and key.endswith("Id"):
            rel = obj.field(key[:-2])
            if rel is not None and rel.is_active and rel.is_many_to_one:
                join = key
        if join is not None:
            out.columns[join] = None if value is None else parse_uuid(value, key)
            return
        raise ApiError(
            "UNKNOWN_FIELD",
            f"Object {obj.name_singular} doesn't have any \"{key}\" field.",
            {"field": key, "object": obj.name_singular},
        )
    name = field.name
    if name == "id":
        if not creating:
            raise ApiError("READ_ONLY_FIELD", "'id' cannot be changed", {"field": "id"})
        out.columns["id"] = parse_uuid(value, "id")
        return
    if name in READ_ONLY or (name == "createdAt" and not creating):
        raise ApiError("READ_ONLY_FIELD", f"'{name}' is set by the server and cannot be written", {"field": name})
    if field.type == FieldType.TS_VECTOR:
        raise ApiError("READ_ONLY_FIELD", f"'{name}' cannot be written", {"field": name})
    if field.is_relation:
        _coerce_relation(field, value, out)
        return
    if field.is_composite:
        _coerce_composite(field, value, out, creating)
        return
    if field.type == FieldType.POSITION and value in ("first", "last"):
        out.position_hint = value
        return
    (col,) = field.columns()
    out.columns[col.name] = coerce_value(field, col.storage, value)


def _coerce_relation(field: FieldMeta, value: Any, out: RecordInput) -> None:
    name = field.name
    if field.is_one_to_many:
        raise ApiError(
            "READ_ONLY_FIELD",
            f"One-to-many relation {name} field does not support write operations.",
            {"field": name},
        )
    if value is None or isinstance(value, str):
        # the official client's form for morph branches: "targetPerson": "<uuid>"
        out.columns[field.join_column] = None if value is None else parse_uuid(value, name)
        return
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if v is not None}  # GraphQL clients may send nulls
        if value.get("disconnect") is True and len(value) == 1:
            out.columns[field.join_column] = None
            return
        connect = value.get("connect")
        if len(value) == 1 and isinstance(connect, dict) and isinstance(connect.get("where"), dict):
            where = {k: v for k, v in connect["where"].items() if v is not None}
            if list(where) == ["id"]:
                out.columns[field.join_column] = parse_uuid(where["id"], name)
                return
            if where:
                out.connects.append((field, where))
                return
            raise invalid(name, f"'{name}.connect.where' names no unique field")
    raise invalid(
        name,
        f"relation '{name}' takes '{field.join_column}', or {{\"connect\": {{\"where\": {{<unique field>: …}}}}}} "
        "or {\"disconnect\": true}",
    )


def _coerce_composite(field: FieldMeta, value: Any, out: RecordInput, creating: bool) -> None:
    name = field.name
    subs = _subfields(field)
    if value is None:
        for s in field.subfields:
            if s.writable:
                out.columns[sub_column(name, s.name)] = None
        return
    if not isinstance(value, dict):
        raise invalid(name, f"'{name}' must be an object with {sorted(subs)}", accepted=sorted(subs))
    for key, sub_value in value.items():
        sub = subs.get(key)
        if sub is None:
            raise invalid(f"{name}.{key}", f"'{key}' is not a sub-field of '{name}'", accepted=sorted(subs))
        if not sub.writable:
            continue  # server-filled (actor name / workspaceMemberId): ignored on input
        path = f"{name}.{key}"
        if sub.choices is not None:
            if sub_value not in sub.choices:
                raise invalid(path, f"'{path}' must be one of {list(sub.choices)}", accepted=list(sub.choices), value=sub_value)
            v: Any = sub_value
        elif sub.storage == Storage.JSON:
            v = _coerce_json_sub(field, key, sub_value, path)
        else:
            v = coerce_value(field, sub.storage, sub_value, path=path)
        out.columns[sub_column(name, key)] = v
    _normalize_composite(field, out)


def _subfields(field: FieldMeta) -> dict[str, Any]:
    """Sub-field name → sub-field of a composite field, made once per field."""
    found = _SUBFIELDS.get(id(field))
    if found is None or found[0] is not field:
        found = _SUBFIELDS[id(field)] = (field, {s.name: s for s in field.subfields})
        if len(_SUBFIELDS) > 10_000:
            _SUBFIELDS.clear()
    return found[1]


_SUBFIELDS: dict[int, tuple[FieldMeta, dict[str, Any]]] = {}


def _coerce_json_sub(field: FieldMeta, key: str, value: Any, path: str) -> Any:
    if value is None:
        return None
    if field.type == FieldType.ACTOR:
        if not isinstance(value, dict):
            raise invalid(path, f"'{path}' must be an object")
        return value
    if not isinstance(value, list):
        raise invalid(path, f"'{path}' must be a list")
    if field.type == FieldType.EMAILS:
        if not all(isinstance(v, str) for v in value):
            raise invalid(path, f"'{path}' must be a list of strings")
        cleaned = [v.strip().lower() for v in value if v.strip()]
        return cleaned or None
    if field.type == FieldType.LINKS:
        links = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("url", ""), str):
                raise invalid(path, f"'{path}' must be a list of {{url, label}} objects")
            url = normalize_url(item.get("url") or "")
            if url:
                links.append({"url": url, "label": item.get("label") or ""})
        return links or None
    if field.type == FieldType.PHONES:
        phones = []
        for item in value:
            if not isinstance(item, dict):
                raise invalid(path, f"'{path}' must be a list of {{number, countryCode, callingCode}} objects")
            phones.append({k: item.get(k) for k in ("number", "countryCode", "callingCode")})
        return phones or None
    return value


def _normalize_composite(field: FieldMeta, out: RecordInput) -> None:
    if field.type == FieldType.EMAILS:
        col = sub_column(field.name, "primaryEmail")
        if isinstance(out.columns.get(col), str):
            out.columns[col] = out.columns[col].strip().lower() or None
    elif field.type == FieldType.LINKS:
        col = sub_column(field.name, "primaryLinkUrl")
        if isinstance(out.columns.get(col), str):
            out.columns[col] = normalize_url(out.columns[col]) or None


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop a trailing slash."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))
    return url[:-1] if url.endswith("/") else url


def coerce_value(field: FieldMeta, storage: Storage, value: Any, *, path: str | None = None) -> Any:
    """One JSON value → the neutral Python value of a column (None stays None)."""
    name = path or field.name
    if value is None:
        return None
    t = field.type
    if storage == Storage.TEXT:
        if not isinstance(value, str):
            raise invalid(name, f"'{name}' must be a string", value=value)
        if len(value) > MAX_TEXT:
            raise invalid(name, f"'{name}' is longer than {MAX_TEXT} characters", limit=MAX_TEXT)
        if "\x00" in value:
            raise invalid(name, f"'{name}' contains a NUL character")
        if path is None and t in (FieldType.SELECT, FieldType.RATING):
            if value not in field.option_values:
                raise invalid(
                    name,
                    f"'{value}' is not a valid option of '{name}'. Valid options: {list(field.option_values)}",
                    accepted=list(field.option_values),
                    value=value,
                )
            return value
        return value if value != "" else None
    if storage == Storage.UUID:
        return parse_uuid(value, name)
    if storage in (Storage.FLOAT, Storage.INTEGER, Storage.BIGINT):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid(name, f"'{name}' must be a number", value=value)
        if value != value or value in (float("inf"), float("-inf")):
            raise invalid(name, f"'{name}' must be a finite number", value=value)
        if abs(value) > MAX_FLOAT:
            raise invalid(name, f"'{name}' is out of range (±{MAX_FLOAT:g})", value=value, limit=MAX_FLOAT)
        if storage != Storage.FLOAT:
            if isinstance(value, float) and not value.is_integer():
                raise invalid(name, f"'{name}' must be an integer", value=value)
            value = int(value)
            bound = 2**31 if storage == Storage.INTEGER else 2**63
            if not -bound <= value < bound:
                raise invalid(name, f"'{name}' is out of range", value=value)
        return value
    if storage == Storage.NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise invalid(name, f"'{name}' must be a number", value=value)
        try:
            num = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            raise invalid(name, f"'{name}' must be a number", value=value) from None
        if not num.is_finite():
            raise invalid(name, f"'{name}' must be a finite number", value=value)
        if abs(num) > MAX_FLOAT:
            raise invalid(name, f"'{name}' is out of range (±{MAX_FLOAT:g})", value=value, limit=MAX_FLOAT)
        if num == num.to_integral_value():
            return num.to_integral_value()
        return num.normalize()
    if storage == Storage.BOOLEAN:
        if not isinstance(value, bool):
            raise invalid(name, f"'{name}' must be true or false", value=value)
        return value
    if storage == Storage.TIMESTAMP:
        parsed = parse_timestamp(value) if isinstance(value, str) else None
        if parsed is None:
            raise invalid(name, f"'{name}' must be an ISO-8601 date-time", value=value)
        return parsed
    if storage == Storage.DATE:
        day = parse_date(value) if isinstance(value, str) else None
        return day if day is not None else _bad_date(name, value)
    if storage == Storage.TEXT_ARRAY:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(name, f"'{name}' must be a list of strings", value=value)
        if t == FieldType.MULTI_SELECT:
            bad = [v for v in value if v not in field.option_values]
            if bad:
                raise invalid(
                    name,
                    f"{bad} not valid options of '{name}'. Valid options: {list(field.option_values)}",
                    accepted=list(field.option_values),
                    value=bad,
                )
        return list(dict.fromkeys(value)) or None
    if storage == Storage.JSON:
        if t == FieldType.FILES:
            return _coerce_files(name, value)
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                return value
        return value
    raise invalid(name, f"'{name}' cannot be written")


def _bad_date(name: str, value: Any) -> Any:
    raise invalid(name, f"'{name}' must be a date (YYYY-MM-DD)", value=value)


def _coerce_files(name: str, value: Any) -> Any:
    if not isinstance(value, list):
        raise invalid(name, f"'{name}' must be a list of {{fileId, label}} objects")
    files = []
    for item in value:
        if not isinstance(item, dict) or "fileId" not in item:
            raise invalid(name, f"'{name}' items need 'fileId' and 'label'")
        label = item.get("label") or ""
        if not isinstance(label, str):
            raise invalid(name, f"'{name}' labels must be strings")
        ext = label.rsplit(".", 1)[1].lower() if "." in label else ""
        files.append({"fileId": parse_uuid(item["fileId"], name), "label": label, "extension": ext, "url": None})
    return files or None


# ---- defaults -------------------------------------------------------------------------------


def decode_default(field: FieldMeta, storage: Storage, encoded: Any, now: dt.datetime) -> Any:
    """Metadata default encoding (DATA_MODEL.md §6) → a column value."""
    if encoded is None:
        return None
    if encoded == "uuid" and storage == Storage.UUID:
        return str(uuid.uuid4())
    if encoded == "now" and storage in (Storage.TIMESTAMP, Storage.DATE):
        return now if storage == Storage.TIMESTAMP else now.date()
    if isinstance(encoded, str) and len(encoded) >= 2 and encoded[0] == "'" and encoded[-1] == "'":
        text = encoded[1:-1]
        if storage == Storage.NUMERIC:
            return decimal.Decimal(text) if text else None
        if storage == Storage.TIMESTAMP:
            return parse_timestamp(text)
        if storage == Storage.DATE:
            return dt.date.fromisoformat(text)
        return text if text != "" else None
    if isinstance(encoded, list) and storage == Storage.TEXT_ARRAY:
        return [v[1:-1] if isinstance(v, str) and v.startswith("'") else v for v in encoded] or None
    if storage == Storage.NUMERIC and isinstance(encoded, str):
        try:
            return decimal.Decimal(encoded)
        except decimal.InvalidOperation:
            return None
    return encoded


def field_defaults(field: FieldMeta, now: dt.datetime) -> dict[str, Any]:
    """Column → default value for a field absent from a create payload."""
    if field.is_relation:
        return {field.join_column: None} if field.is_many_to_one else {}
    out: dict[str, Any] = {}
    encoded = field.default_value
    for col in field.columns():
        if col.sub is not None:
            sub_encoded = encoded.get(col.sub.name) if isinstance(encoded, dict) else None
            out[col.name] = decode_default(field, col.storage, sub_encoded, now)
        else:
            out[col.name] = decode_default(field, col.storage, encoded, now)
    return out


def column_storages(catalog: Catalog, obj: ObjectMeta) -> dict[str, Storage]:
    """Column name → storage of ``obj``'s table, computed once per catalog."""
    key = ("storages", obj.name_singular)
    cached = catalog.derived.get(key)
    if cached is None:
        cached = catalog.derived[key] = {c.name: c.storage for f in obj.fields for c in f.columns()}
    return cached  # type: ignore[no-any-return]


def column_adapters(
    catalog: Catalog, dialect: Dialect, obj: ObjectMeta, names: tuple[str, ...]
) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each of the columns ``names`` of ``obj`` with the dialect's adapter of its storage
    (``None``: its values go to the driver as they are), computed once per catalog."""
    key = ("adapters", dialect.name, obj.name_singular, names)
    cached = catalog.derived.get(key)
    if cached is None:
        storages = column_storages(catalog, obj)
        cached = catalog.derived[key] = tuple((n, dialect.adapter(storages[n])) for n in names)
    return cached  # type: ignore[no-any-return]


def adapt_row(adapters: tuple[tuple[str, Callable[[Any], Any] | None], ...], row: dict[str, Any]) -> list[Any]:
    """``row``'s values in the order of ``adapters`` (``column_adapters``), as the driver takes them."""
    return [v if (v := row.get(n)) is None or a is None else a(v) for n, a in adapters]


def insert_template(obj: ObjectMeta) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """The defaults of a new record of ``obj``: the constant ones, and the columns whose
    default is computed per record (``now``, ``uuid``) with their kind."""
    constant: dict[str, Any] = {}
    computed: list[tuple[str, str]] = []
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for f in obj.fields:
        if not f.is_active:
            continue
        encoded = f.default_value
        for col in f.columns():
            value = encoded.get(col.sub.name) if col.sub is not None and isinstance(encoded, dict) else (
                None if col.sub is not None else encoded
            )
            if f.is_relation:
                constant[col.name] = None
            elif value == "now" and col.storage in (Storage.TIMESTAMP, Storage.DATE):
                computed.append((col.name, "now" if col.storage == Storage.TIMESTAMP else "today"))
            elif value == "uuid" and col.storage == Storage.UUID:
                computed.append((col.name, "uuid"))
            else:
                constant[col.name] = decode_default(f, col.storage, value, epoch)
    return constant, tuple(computed)
