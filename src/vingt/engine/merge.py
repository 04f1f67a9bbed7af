"""Merging records (REST.md §3.10, GRAPHQL.md §11), following Twenty's merge-many runner.

Sources followed (twentyhq/twenty, packages/twenty-server/src/engine/api/…):
``common/common-query-runners/common-merge-many-query-runner.service.ts`` (validation, order of
the writes, dry run), ``graphql/graphql-query-runner/utils/merge-field-values.util.ts`` and its
helpers ``has-record-field-value``, ``default-merge-field-value``, ``merge-array-field-values``,
``merge-emails-field-values``, ``merge-phones-field-values``, ``merge-links-field-values``,
``merge-relation-field-values-for-dry-run-record``.

The records are taken in the order of ``ids``; the **priority record** is
``ids[conflictPriorityIndex]``: it survives, keeps its id and wins conflicts.

Field rules (system fields — ``id``, ``position``, ``avatarUrl``, … — are never merged):

* A value "is present" as in Twenty's ``hasRecordFieldValue``: not null; a string that is not
  blank; any boolean (``false`` counts); any number but NaN; a non-empty list; an object with
  at least one present sub-value (so a composite is present when any of its parts is).
* No record has the value: the field is left alone. Exactly one record has it: that value.
* Several records have it:

  - ARRAY, MULTI_SELECT: the union of all items, in ``ids`` order, without repeats; null when
    empty.
  - EMAILS: the primary e-mail is the priority record's, or else the first record's that has
    one; ``additionalEmails`` is every other distinct address of every record (their primaries
    and their additional ones), in ``ids`` order.
  - PHONES: the priority record's primary number (with its country and calling code), or else
    the first record's; ``additionalPhones`` is every other phone of every record, distinct by
    number.
  - LINKS: the priority record's primary URL and label, or else the first record's;
    ``secondaryLinks`` is every other link of every record, distinct by URL.
  - everything else — scalars, other composites taken whole (FULL_NAME, ADDRESS, CURRENCY,
    RICH_TEXT_V2, …), MANY_TO_ONE join columns (``companyId``): the priority record's value,
    or else the first record's in ``ids`` order (``defaultMergeFieldValue``).

  Where Twenty's helpers produce ``""`` for a missing primary, null is used (storage treats
  them alike, and the API renders null).

Writes (all in one transaction; ``dryRun`` does none of them):

1. on PostgreSQL, the records are locked (``SELECT … FOR UPDATE``), then read;
2. every MANY_TO_ONE join column of every object of the catalog whose relation targets this
   object (plain relations and morph branches alike: ``opportunity.pointOfContactId``,
   ``noteTarget.targetPersonId``, ``favorite.personId``, …; soft-deleted rows included, so
   nothing is lost to ``ON DELETE CASCADE``) is re-pointed from the merged-away records to the
   priority record — one ``UPDATE`` per join column;
3. the other records are **destroyed** (hard delete), as Twenty does (``runMutation`` kind
   ``delete`` — the destroy path, not the soft-delete one);
4. the priority record is updated with the merged values (``updatedAt`` / ``updatedBy`` set
   as on any update). Because the others are already gone, a unique value taken from one of
   them (``emails.primaryEmail``) cannot collide mid-transaction;
5. the priority record is read back at the requested depth.

``dryRun``: nothing is written. The preview is the priority record overlaid with the merged
values, with a fresh random ``id`` and ``deletedAt`` set to now, as Twenty's
``createDryRunResponse``. With ``depth`` ≥ 1 the records are read with their relations and,
as in Twenty's dry run, one-to-many relations are the union (by id) of every record's related
records, and many-to-one relations follow the rule for join columns.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from typing import Any

import orjson
import sqlalchemy as sa

from vingt.db.database import Connection, DataError, IntegrityViolation
from vingt.engine import compile as sqlc
from vingt.engine.changes import Change, changes
from vingt.engine.duplicates import require_criteria
from vingt.engine.planner import parse_timestamp, plan_selection, readable_fields
from vingt.engine.records import Engine
from vingt.engine.values import RecordInput
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, Storage, sub_column
from vingt.sql.dialect import Dialect, iso_ms
from vingt.sql.tables import tables

MIN_MERGE = 2
MAX_MERGE = 9  # Twenty's MUTATION_MAX_MERGE_RECORDS

# server-managed: never written by a merge (the preview shows the priority record's)
_NOT_WRITTEN = ("id", "createdAt", "updatedAt", "deletedAt")

Valued = list[tuple[Any, str]]  # (value, record id) of the records where the value is present


def validate(obj: ObjectMeta, ids: list[str], priority: int) -> None:
    """Twenty's checks, in its order."""
    require_criteria(obj, "merge")
    if len(ids) < MIN_MERGE:
        raise ApiError("INVALID_MERGE", "At least 2 record IDs are required for merge", {"ids": len(ids)})
    if len(ids) > MAX_MERGE:
        raise ApiError(
            "INVALID_MERGE",
            f"Maximum {MAX_MERGE} records can be merged at once",
            {"ids": len(ids), "limit": MAX_MERGE},
        )
    if priority < 0 or priority >= len(ids):
        raise ApiError(
            "INVALID_MERGE",
            f"Invalid conflict priority '{priority}'. Valid options for {len(ids)} records: 0-{len(ids) - 1}",
            {"conflictPriorityIndex": priority, "accepted": [0, len(ids) - 1]},
        )
    seen: set[str] = set()
    for rid in ids:
        if rid in seen:
            raise ApiError(
                "INVALID_MERGE",
                f"Record '{rid}' appears more than once in 'ids': each record can be merged only once",
                {"id": rid},
            )
        seen.add(rid)


async def merge(
    engine: Engine,
    obj: ObjectMeta,
    ids: list[str],
    priority: int,
    *,
    dry_run: bool,
    depth: int,
    fields: tuple[str, ...] | None,
) -> str:
    """The merged record (or its preview) as JSON text."""
    engine.authorize(obj, write=True)
    validate(obj, ids, priority)
    catalog = engine.catalog
    selection = engine.selection(obj, depth, fields)
    priority_id = ids[priority]
    if dry_run:
        records = _loaded(obj, ids, await engine._read_ids(engine.db, obj, ids, selection))
        merged = merge_values(obj, records, priority_id, dry_run=True)
        preview = {**records[priority], **merged, "id": str(uuid.uuid4()), "deletedAt": iso_ms(_now())}
        return orjson.dumps(preview).decode()
    losers = [i for i in ids if i != priority_id]
    now = _now()
    async with engine.db.unit() as conn:
        if engine.dialect.name == "postgresql":
            await _lock(engine, conn, obj, ids)
        full = plan_selection(catalog, obj, 0, None)
        raw = await engine._read_ids(conn, obj, ids, full)
        records = _loaded(obj, ids, raw)
        inp = RecordInput()
        inp.columns = to_columns(obj, merge_values(obj, records, priority_id, dry_run=False))
        for col in _self_join_columns(obj):
            # a relation of this object to itself must not keep pointing at a record that goes
            if inp.columns.get(col) in losers:
                inp.columns[col] = priority_id
        try:
            repointed = await _repoint(engine, conn, obj, losers, priority_id)
            destroyed = await _destroy(engine, conn, obj, losers)
            if destroyed != len(losers):
                raise ApiError(
                    "RECORD_NOT_FOUND", "Record not found", {"object": obj.name_singular, "ids": losers}
                )
            updated = await engine._update_columns(conn, obj, priority_id, inp, now, live_only=True)
        except IntegrityViolation as exc:
            raise engine._integrity_error(obj, exc) from exc
        except DataError as exc:
            raise ApiError("VALIDATION_ERROR", f"The database refused a merged value: {exc}", {}) from exc
        if not updated:
            raise ApiError(
                "RECORD_NOT_FOUND", "Record not found", {"object": obj.name_singular, "id": priority_id}
            )
        result = (await engine._read_ids(conn, obj, [priority_id], selection))[0]
        before = dict(zip(ids, raw, strict=True))
        done = [Change("destroyed", rid, before[rid], None) for rid in losers]
        done += await engine._completed(conn, obj, updated, result if selection.whole else None)
        for target, changed in repointed:
            if target is obj:
                changed = [c for c in changed if c.record_id not in losers]  # destroyed anyway
            await engine._record(conn, target, changed)
        await engine._record(conn, obj, done)
        return result


def _loaded(obj: ObjectMeta, ids: list[str], raw: list[str]) -> list[dict[str, Any]]:
    records = [orjson.loads(r) for r in raw]
    if len(records) != len(ids):
        found = {r["id"] for r in records}
        raise ApiError(
            "RECORD_NOT_FOUND",
            "Record not found",
            {"object": obj.name_singular, "ids": [i for i in ids if i not in found]},
        )
    return records


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# ---- merging values -------------------------------------------------------------------------


def has_value(value: Any) -> bool:
    """Twenty's ``hasRecordFieldValue``."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, list):
        return len(value) > 0
    if isinstance(value, dict):
        return any(has_value(v) for v in value.values())
    return True


def merge_values(
    obj: ObjectMeta, records: list[dict[str, Any]], priority_id: str, *, dry_run: bool
) -> dict[str, Any]:
    """Record key → merged value, for the keys where some record has a value."""
    out: dict[str, Any] = {}
    for f in readable_fields(obj):
        if f.is_system:
            continue
        if f.is_relation:
            if f.is_many_to_one:
                _merge_key(out, records, f.join_column, priority_id, _default)
                if dry_run:
                    _merge_key(out, records, f.name, priority_id, _default)
            elif dry_run:
                _merge_key(out, records, f.name, priority_id, lambda v, _p: _union_by_id(v))
            continue
        _merge_key(out, records, f.name, priority_id, _MERGERS.get(f.type, _default))
    return out


def _merge_key(
    out: dict[str, Any], records: list[dict[str, Any]], key: str, priority_id: str, rule: Any
) -> None:
    if key not in records[0]:
        return  # not selected (``fields`` projection)
    valued: Valued = [(r[key], r["id"]) for r in records if has_value(r.get(key))]
    if not valued:
        return
    out[key] = valued[0][0] if len(valued) == 1 else rule(valued, priority_id)


def _default(valued: Valued, priority_id: str) -> Any:
    for value, rid in valued:
        if rid == priority_id:
            return value
    return valued[0][0]


def _distinct(items: list[Any], key: Any = None) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        k = key(item) if key is not None else item
        if not isinstance(k, str | int | float | bool | type(None)):
            k = orjson.dumps(k, option=orjson.OPT_SORT_KEYS)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return []
        return parsed if isinstance(parsed, list) else []
    return []


def _merge_arrays(valued: Valued, _priority_id: str) -> list[Any] | None:
    items = [item for value, _ in valued for item in _as_list(value) if has_value(item)]
    return _distinct(items) or None


def _primary_source(valued: Valued, priority_id: str, key: str) -> dict[str, Any] | None:
    """The priority record's composite if its ``key`` part is present, else the first one's."""
    for value, rid in valued:
        if rid == priority_id and has_value(value.get(key)):
            return value  # type: ignore[no-any-return]
    for value, _ in valued:
        if has_value(value.get(key)):
            return value  # type: ignore[no-any-return]
    return None


def _merge_emails(valued: Valued, priority_id: str) -> dict[str, Any]:
    source = _primary_source(valued, priority_id, "primaryEmail")
    primary = source["primaryEmail"] if source is not None else None
    emails: list[Any] = []
    for value, _ in valued:
        if has_value(value.get("primaryEmail")):
            emails.append(value["primaryEmail"])
        emails.extend(e for e in _as_list(value.get("additionalEmails")) if has_value(e))
    others = [e for e in _distinct(emails) if e != primary]
    return {"primaryEmail": primary, "additionalEmails": others or None}


def _merge_phones(valued: Valued, priority_id: str) -> dict[str, Any]:
    source = _primary_source(valued, priority_id, "primaryPhoneNumber")
    number = source["primaryPhoneNumber"] if source is not None else None
    phones: list[dict[str, Any]] = []
    for value, _ in valued:
        if has_value(value.get("primaryPhoneNumber")):
            phones.append(
                {
                    "number": value["primaryPhoneNumber"],
                    "countryCode": value.get("primaryPhoneCountryCode"),
                    "callingCode": value.get("primaryPhoneCallingCode"),
                }
            )
        phones.extend(
            p
            for p in _as_list(value.get("additionalPhones"))
            if isinstance(p, dict) and has_value(p.get("number"))
        )
    others = [p for p in _distinct(phones, key=lambda p: p.get("number")) if p.get("number") != number]
    return {
        "primaryPhoneNumber": number,
        "primaryPhoneCountryCode": source.get("primaryPhoneCountryCode") if source is not None else None,
        "primaryPhoneCallingCode": source.get("primaryPhoneCallingCode") if source is not None else None,
        "additionalPhones": others or None,
    }


def _merge_links(valued: Valued, priority_id: str) -> dict[str, Any]:
    source = _primary_source(valued, priority_id, "primaryLinkUrl")
    url = source["primaryLinkUrl"] if source is not None else None
    links: list[dict[str, Any]] = []
    for value, _ in valued:
        if has_value(value.get("primaryLinkUrl")):
            links.append({"url": value["primaryLinkUrl"], "label": value.get("primaryLinkLabel")})
        links.extend(
            link
            for link in _as_list(value.get("secondaryLinks"))
            if isinstance(link, dict) and has_value(link.get("url"))
        )
    others = [link for link in _distinct(links, key=lambda link: link.get("url")) if link.get("url") != url]
    return {
        "primaryLinkUrl": url,
        "primaryLinkLabel": source.get("primaryLinkLabel") if source is not None else None,
        "secondaryLinks": others or None,
    }


def _union_by_id(valued: Valued) -> list[Any]:
    """Dry run, one-to-many relation: every record's related records, distinct by id."""
    out: list[Any] = []
    seen: set[Any] = set()
    for value, _ in valued:
        for related in _as_list(value):
            if (
                isinstance(related, dict)
                and related.get("id")
                and has_value(related)
                and related["id"] not in seen
            ):
                seen.add(related["id"])
                out.append(related)
    return out


_MERGERS: dict[FieldType, Any] = {
    FieldType.ARRAY: _merge_arrays,
    FieldType.MULTI_SELECT: _merge_arrays,
    FieldType.EMAILS: _merge_emails,
    FieldType.PHONES: _merge_phones,
    FieldType.LINKS: _merge_links,
}


# ---- merged values → columns ----------------------------------------------------------------


def to_columns(obj: ObjectMeta, merged: dict[str, Any]) -> dict[str, Any]:
    """Merged record values (as rendered JSON) → column values for an update."""
    cols: dict[str, Any] = {}
    joins = {f.join_column: f for f in obj.fields if f.is_many_to_one}
    for key, value in merged.items():
        if key in joins:
            cols[key] = None if value is None else str(value)
            continue
        f = obj.field(key)
        if f is None or f.is_relation or f.name in _NOT_WRITTEN or not _writable(f):
            continue
        if f.is_composite:
            if not isinstance(value, dict):
                continue
            for sub in f.subfields:
                if sub.name in value and sub.writable:
                    cols[sub_column(f.name, sub.name)] = _column_value(sub.storage, value[sub.name])
        else:
            (col,) = f.columns()
            cols[col.name] = _column_value(col.storage, value)
    return cols


def _writable(f: FieldMeta) -> bool:
    return f.type not in (FieldType.ACTOR, FieldType.TS_VECTOR) and bool(f.columns())


def _column_value(storage: Storage, value: Any) -> Any:
    """A rendered JSON value → the neutral Python value of a column."""
    if value is None:
        return None
    if storage == Storage.TEXT:
        return value if value != "" else None
    if storage == Storage.UUID:
        return str(value)
    if storage == Storage.NUMERIC:
        return decimal.Decimal(str(value))
    if storage in (Storage.INTEGER, Storage.BIGINT):
        return int(value)
    if storage == Storage.FLOAT:
        return float(value)
    if storage == Storage.BOOLEAN:
        return bool(value)
    if storage == Storage.TIMESTAMP:
        return parse_timestamp(value) if isinstance(value, str) else value
    if storage == Storage.DATE:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    if storage == Storage.TEXT_ARRAY:
        return list(value) or None
    return value  # JSON


def _self_join_columns(obj: ObjectMeta) -> list[str]:
    return [
        f.join_column
        for f in obj.fields
        if f.is_many_to_one and f.relation is not None and f.relation.target_object == obj.name_singular
    ]


# ---- writes ---------------------------------------------------------------------------------


def pointing_columns(catalog: Catalog, obj: ObjectMeta) -> list[tuple[str, str]]:
    """(object, join column) of every MANY_TO_ONE relation — plain or morph branch, on any
    object, active or not (its column and foreign key exist either way) — targeting ``obj``."""
    return [
        (o.name_singular, f.join_column)
        for o in catalog.objects
        for f in o.fields
        if f.is_many_to_one and f.relation is not None and f.relation.target_object == obj.name_singular
    ]


def _compile_repoint(catalog: Catalog, dialect: Dialect, object_name: str, column: str) -> sqlc.Compiled:
    """``UPDATE t SET col = s0 WHERE col IN s1``."""

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        return (
            sa.update(t)
            .where(dialect.in_list(t.c[column], sa.bindparam("s1")))
            .values({column: sa.bindparam("s0")})
        )

    return sqlc.cached(catalog, dialect, ("merge_repoint", object_name, column), build)


def _compile_ids(catalog: Catalog, dialect: Dialect, object_name: str, kind: str) -> sqlc.Compiled:
    """``DELETE FROM t WHERE id IN s0`` or ``SELECT id … FOR UPDATE``."""

    def build() -> Any:
        t = tables(catalog, dialect)[object_name]
        where = dialect.in_list(t.c.id, sa.bindparam("s0"))
        if kind == "delete":
            return sa.delete(t).where(where)
        return sa.select(t.c.id).where(where).with_for_update()

    return sqlc.cached(catalog, dialect, ("merge_" + kind, object_name), build)


async def _lock(engine: Engine, conn: Connection, obj: ObjectMeta, ids: list[str]) -> None:
    compiled = _compile_ids(engine.catalog, engine.dialect, obj.name_singular, "lock")
    await conn.fetch(compiled.sql, compiled.params([engine.dialect.adapt_list(Storage.UUID, ids)]))


async def _repoint(
    engine: Engine, conn: Connection, obj: ObjectMeta, losers: list[str], survivor: str
) -> list[tuple[ObjectMeta, list[Change]]]:
    """Point every record that points at a loser to the survivor; the changes, by object.
    Per join column: one read of the records pointing at a loser, and only when there are
    some, the update and a read of them after it."""
    dialect = engine.dialect
    from_ids = dialect.adapt_list(Storage.UUID, losers)
    to_id = dialect.adapt(Storage.UUID, survivor)
    out: list[tuple[ObjectMeta, list[Change]]] = []
    for object_name, column in pointing_columns(engine.catalog, obj):
        target = engine.catalog.object(object_name)
        whole = plan_selection(engine.catalog, target, 0, None)
        before = await engine._records_pointing(conn, target, column, losers, whole)
        if not before:
            continue
        compiled = _compile_repoint(engine.catalog, dialect, object_name, column)
        await conn.execute(compiled.sql, compiled.params([to_id, from_ids]))
        ids = list(before)
        out.append((target, changes("updated", ids, before, await engine._snapshot(conn, target, ids))))
    return out


async def _destroy(engine: Engine, conn: Connection, obj: ObjectMeta, losers: list[str]) -> int:
    compiled = _compile_ids(engine.catalog, engine.dialect, obj.name_singular, "delete")
    return await conn.execute(
        compiled.sql, compiled.params([engine.dialect.adapt_list(Storage.UUID, losers)])
    )
