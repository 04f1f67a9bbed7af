"""The columns of an import or export file and the text of their cells.

A header names a field as the API does (``jobTitle``, ``name.firstName``, ``amount.amountMicros``,
``companyId``), a relation by a unique field of its target (``company.domainName``,
``company.id``), or by the labels Twenty's own CSV export writes (``Job Title``,
``Name / First Name``, ``Amount / Amount`` — an amount in currency units, not micros —
``Company Id``). Cells are text: numbers as the database renders them, ``true`` / ``false``,
ISO dates, lists and JSON values as JSON text, empty for null.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

import orjson

from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, Storage

# Twenty's labels of composite sub-fields in its CSV export (twenty-shared COMPOSITE_FIELD_SUB_FIELD_LABELS)
SUB_FIELD_LABELS: dict[FieldType, dict[str, str]] = {
    FieldType.CURRENCY: {"amountMicros": "Amount", "currencyCode": "Currency"},
    FieldType.EMAILS: {"primaryEmail": "Primary Email", "additionalEmails": "Additional Emails"},
    FieldType.LINKS: {"primaryLinkLabel": "Link Label", "primaryLinkUrl": "Link URL", "secondaryLinks": "Secondary Links"},
    FieldType.PHONES: {
        "primaryPhoneNumber": "Primary Phone Number",
        "primaryPhoneCountryCode": "Primary Phone Country Code",
        "primaryPhoneCallingCode": "Primary Phone Calling Code",
        "additionalPhones": "Additional Phones",
    },
    FieldType.FULL_NAME: {"firstName": "First Name", "lastName": "Last Name"},
    FieldType.ADDRESS: {
        "addressStreet1": "Address 1",
        "addressStreet2": "Address 2",
        "addressCity": "City",
        "addressState": "State",
        "addressCountry": "Country",
        "addressPostcode": "Post Code",
        "addressLat": "Latitude",
        "addressLng": "Longitude",
    },
    FieldType.ACTOR: {"source": "Source", "name": "Name", "workspaceMemberId": "Workspace Member", "context": "Context"},
    FieldType.RICH_TEXT_V2: {"blocknote": "BlockNote", "markdown": "Markdown"},
}

# Twenty prefixes text cells that a spreadsheet would run as a formula with a zero-width joiner
ZWJ = "\u200d"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", ZWJ)
# written by the server, never by an import: their columns are read and left aside
SERVER_FIELDS = ("updatedAt", "deletedAt", "updatedBy", "searchVector")
MICROS = decimal.Decimal(1_000_000)
TRUE = ("true", "yes", "1")
FALSE = ("false", "no", "0")


class CellError(Exception):
    """A cell that cannot be read: the field it is for and why."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


class HeaderError(Exception):
    """A header that names nothing writable of the object."""


@dataclass(frozen=True)
class Column:
    """What one column of a file writes. ``kind``: ``value`` (``field``, or its sub-field
    ``sub``), ``join`` (a many-to-one relation's target id), ``lookup`` (the target found by
    its unique field ``target_path``) or ``ignored``; ``units``: a currency amount in units."""

    header: str
    kind: str
    field: FieldMeta | None = None
    sub: str | None = None
    storage: Storage | None = None
    units: bool = False
    target: ObjectMeta | None = None
    target_path: str | None = None

    @property
    def path(self) -> str:
        """The field the column is reported under (``name.firstName``, ``company.domainName``)."""
        if self.field is None:
            return self.header
        if self.kind == "join":
            return self.field.join_column
        if self.kind == "lookup":
            return f"{self.field.name}.{self.target_path}"
        return f"{self.field.name}.{self.sub}" if self.sub else self.field.name


def resolve_headers(catalog: Catalog, obj: ObjectMeta, headers: list[str]) -> list[Column]:
    """The columns of a file's header row; ``HeaderError`` naming every header that is not a
    field (or label) of the object, or that appears twice."""
    labels = _labels(obj)
    columns: list[Column] = []
    unknown: list[str] = []
    for raw in headers:
        header = raw.strip().lstrip("\ufeff").removeprefix(ZWJ).strip()
        column = _by_name(catalog, obj, header) or labels.get(header.casefold())
        if column is None:
            unknown.append(raw)
        else:
            columns.append(Column(raw, column.kind, column.field, column.sub, column.storage, column.units,
                                  column.target, column.target_path))
    if unknown:
        raise HeaderError(
            f"{obj.name_singular} has no field for the column(s) {', '.join(repr(u) for u in unknown)}"
        )
    seen: set[str] = set()
    for c in columns:
        if c.kind != "ignored" and c.path in seen:
            raise HeaderError(f"two columns write {c.path}")
        seen.add(c.path)
    return columns


def _by_name(catalog: Catalog, obj: ObjectMeta, header: str) -> Column | None:
    name, _, rest = header.partition(".")
    f = obj.field(name)
    if f is None or not f.is_active:
        if not rest and name.endswith("Id"):
            rel = obj.field(name[:-2])
            if rel is not None and rel.is_active and rel.is_many_to_one:
                return Column(header, "join", rel, storage=Storage.UUID)
        return None
    if f.name in SERVER_FIELDS:
        return Column(header, "ignored", f)
    if f.is_relation:
        if not f.is_many_to_one or f.relation is None:
            return Column(header, "ignored", f) if not rest else None
        if not rest or rest == "id":
            return Column(header, "join", f, storage=Storage.UUID)
        target = catalog.by_singular.get(f.relation.target_object)
        if target is None or not _unique_path(target, rest):
            return None
        return Column(header, "lookup", f, target=target, target_path=rest)
    if f.is_composite:
        subs = {s.name: s for s in f.subfields}
        sub = subs.get(rest)
        if sub is None:
            return None
        if not sub.writable:
            return Column(header, "ignored", f, rest)
        return Column(header, "value", f, rest, sub.storage)
    if rest or f.type == FieldType.TS_VECTOR:
        return None
    return Column(header, "value", f, storage=f.scalar_storage)


def _unique_path(target: ObjectMeta, path: str) -> bool:
    """``domainName`` (a unique composite, by the sub-field carrying its uniqueness),
    ``emails.primaryEmail`` or a unique scalar field of ``target``."""
    name, _, sub = path.partition(".")
    f = target.field(name)
    if f is None or not f.is_active or not f.is_unique or f.is_relation:
        return False
    if f.is_composite:
        keys = [s.name for s in f.subfields if s.unique_key]
        return (sub or (keys[0] if keys else "")) in keys
    return not sub


def lookup_sub(target: ObjectMeta, path: str) -> tuple[str, str | None]:
    """A lookup path → (field, sub-field or ``None``), the composite's unique sub-field when
    the path names only the field."""
    name, _, sub = path.partition(".")
    f = target.field(name)
    assert f is not None
    if f.is_composite:
        return name, sub or next(s.name for s in f.subfields if s.unique_key)
    return name, None


def _labels(obj: ObjectMeta) -> dict[str, Column]:
    """Twenty's export headers (case-folded) → columns."""
    out: dict[str, Column] = {"id": Column("Id", "value", obj.field("id"), storage=Storage.UUID)}
    for f in obj.fields:
        if not f.is_active or f.name == "id":
            continue
        label = f.label
        if f.name in SERVER_FIELDS:
            out.setdefault(label.casefold(), Column(label, "ignored", f))
            for sub_label in SUB_FIELD_LABELS.get(f.type, {}).values():
                out.setdefault(f"{label} / {sub_label}".casefold(), Column(label, "ignored", f))
            continue
        if f.is_relation:
            if f.is_many_to_one:
                out.setdefault(f"{label} Id".casefold(), Column(label, "join", f, storage=Storage.UUID))
            continue
        if f.is_composite:
            subs = {s.name: s for s in f.subfields}
            for sub_name, sub_label in SUB_FIELD_LABELS.get(f.type, {}).items():
                sub = subs.get(sub_name)
                if sub is None:
                    continue
                kind = "value" if sub.writable else "ignored"
                units = f.type == FieldType.CURRENCY and sub_name == "amountMicros"
                out.setdefault(
                    f"{label} / {sub_label}".casefold(), Column(label, kind, f, sub_name, sub.storage, units)
                )
            continue
        if f.type != FieldType.TS_VECTOR:
            out.setdefault(label.casefold(), Column(label, "value", f, storage=f.scalar_storage))
    return out


# ---- export columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportColumn:
    header: str  # the import's first form: field, field.sub, <relation>Id
    key: str  # the record's key
    sub: str | None
    storage: Storage
    text: bool  # a text cell (formula-protected)


def export_columns(obj: ObjectMeta) -> list[ExportColumn]:
    """The columns ``vingt export`` writes: ``id``, then every field an import writes, in
    metadata order — composites one column per writable sub-field, many-to-one relations
    their join column. Left out: what the server sets (``updatedAt``, ``deletedAt``,
    ``updatedBy``, the actor's name) and one-to-many relations."""
    out = [ExportColumn("id", "id", None, Storage.UUID, False)]
    for f in obj.fields:
        if not f.is_active or f.name == "id" or f.name in SERVER_FIELDS or f.type == FieldType.TS_VECTOR:
            continue
        if f.is_relation:
            if f.is_many_to_one:
                out.append(ExportColumn(f.join_column, f.join_column, None, Storage.UUID, False))
            continue
        if f.is_composite:
            for s in f.subfields:
                if s.writable and not (f.type == FieldType.ACTOR and s.name != "source"):
                    out.append(ExportColumn(f"{f.name}.{s.name}", f.name, s.name, s.storage, s.storage == Storage.TEXT))
            continue
        out.append(ExportColumn(f.name, f.name, None, f.scalar_storage, f.scalar_storage == Storage.TEXT))
    return out


def format_cell(column: ExportColumn, value: Any) -> str:
    """A record's value as the text of its cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        if column.text and value.startswith(FORMULA_START):
            return ZWJ + value
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return orjson.dumps(plain_json(value)).decode()


def plain_json(value: Any) -> Any:
    """A JSON value read with ``Decimal`` numbers, with floats again (inside lists and objects)."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    return value


# ---- reading cells ---------------------------------------------------------------------------


def parse_cell(column: Column, text: str) -> Any:
    """The text of a cell → the JSON value the engine takes for it (``None`` when empty);
    ``CellError`` when it cannot mean a value of the column's kind."""
    if column.kind in ("join", "lookup"):
        text = text.strip()
        return text or None
    storage = column.storage
    if storage == Storage.TEXT:
        text = text.removeprefix(ZWJ)
        return text if text != "" else None
    stripped = text.strip()
    if stripped == "":
        return None
    path = column.path
    if storage in (Storage.FLOAT, Storage.INTEGER, Storage.BIGINT):
        try:
            return int(stripped)
        except ValueError:
            pass
        try:
            return float(stripped)
        except ValueError:
            raise CellError(path, f"'{stripped}' is not a number") from None
    if storage == Storage.NUMERIC:
        try:
            number = decimal.Decimal(stripped)
        except decimal.InvalidOperation:
            raise CellError(path, f"'{stripped}' is not a number") from None
        return str(number * MICROS) if column.units else stripped
    if storage == Storage.BOOLEAN:
        word = stripped.lower()
        if word in TRUE:
            return True
        if word in FALSE:
            return False
        raise CellError(path, f"'{stripped}' is not true or false")
    if storage == Storage.TEXT_ARRAY:
        if stripped.startswith("["):
            try:
                return orjson.loads(stripped)
            except orjson.JSONDecodeError:
                raise CellError(path, "not a JSON list of strings") from None
        return [part.strip() for part in stripped.split(",") if part.strip()]
    if storage == Storage.JSON:
        try:
            return orjson.loads(stripped)
        except orjson.JSONDecodeError:
            raise CellError(path, "not JSON") from None
    return stripped  # uuid, timestamp, date: the engine reads the text

