"""Record operations: the one engine behind REST (and GraphQL).

Each operation takes IR from a front end, plans it against the workspace catalog, runs
compiled SQL, and returns records as JSON text rendered by the database. Every write runs
in one transaction and reads its result back inside it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from vingt.db.database import Connection, Database, DataError, IntegrityViolation
from vingt.engine import compile as sqlc
from vingt.engine.ir import Filter, OrderItem
from vingt.engine.planner import (
    include_deleted,
    plan_filter,
    plan_order,
    plan_selection,
)
from vingt.engine.plans import Bindings, Pred, ReadPlan, Seek, Selection, Sort
from vingt.engine.values import RecordInput, coerce_record, field_defaults
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, ObjectMeta
from vingt.metadata.types import FieldType, Storage, sub_column
from vingt.sql.dialect import Dialect
from vingt.sql.tables import unique_columns

MAX_BATCH = 200


@dataclass(frozen=True)
class Actor:
    source: str = "API"
    name: str = ""
    workspace_member_id: str | None = None


@dataclass
class Page:
    records: list[str]
    ids: list[str]
    has_next: bool
    has_previous: bool
    total: int

    @property
    def start_cursor(self) -> str | None:
        return self.ids[0] if self.ids else None

    @property
    def end_cursor(self) -> str | None:
        return self.ids[-1] if self.ids else None


@dataclass
class Written:
    records: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def decode_cursor(raw: str) -> str:
    """A record id, or Twenty's base64 JSON cursor (``{"id": …}``)."""
    text = raw.strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        pass
    try:
        padded = text.replace(" ", "+")
        padded += "=" * (-len(padded) % 4)
        decoded = orjson.loads(base64.b64decode(padded, validate=False))
        return str(uuid.UUID(str(decoded["id"])))
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise ApiError("INVALID_CURSOR", f"Invalid cursor: {raw}", {"cursor": raw}) from None


class Engine:
    """Record operations for one workspace snapshot."""

    def __init__(self, db: Database, dialect: Dialect, catalog: Catalog, actor: Actor):
        self.db = db
        self.dialect = dialect
        self.catalog = catalog
        self.actor = actor

    # ---- reads ----------------------------------------------------------------------------

    async def find_many(
        self,
        obj: ObjectMeta,
        *,
        filter_: Filter | None,
        order: tuple[OrderItem, ...],
        limit: int,
        after: str | None,
        before: str | None,
        depth: int,
        fields: tuple[str, ...] | None,
    ) -> Page:
        b = Bindings()
        where = plan_filter(obj, filter_, b) if filter_ is not None else None
        sorts = plan_order(obj, order)
        selection = plan_selection(self.catalog, obj, depth, fields)
        seek = None
        cursor_id = None
        if after is not None or before is not None:
            cursor_id = decode_cursor(after if after is not None else before)  # type: ignore[arg-type]
            seek = Seek("after" if after is not None else "before", b.add(cursor_id))
        limit_slot = b.add(limit + 1)
        plan = ReadPlan(obj.name_singular, where, include_deleted(filter_), sorts, selection, limit_slot, seek, True)
        compiled = sqlc.compile_read(self.catalog, self.dialect, plan)
        rows = await self.db.fetch(compiled.sql, self._params(compiled, b))
        if rows:
            total = int(rows[0][2])
        else:
            if cursor_id is not None:
                await self._check_cursor(obj, cursor_id)
            total = await self._count(self.db, obj, filter_)
        more = len(rows) > limit
        rows = rows[:limit]
        records = [r[1] for r in rows]
        ids = [str(r[0]) for r in rows]
        if before is not None:
            records.reverse()
            ids.reverse()
            return Page(records, ids, has_next=False, has_previous=more, total=total)
        return Page(records, ids, has_next=more, has_previous=False, total=total)

    async def _check_cursor(self, obj: ObjectMeta, cursor_id: str) -> None:
        compiled = sqlc.compile_exists(self.catalog, self.dialect, obj.name_singular)
        if not await self.db.fetch(compiled.sql, self._params(compiled, Bindings([cursor_id], [(None, False)]))):
            raise ApiError(
                "INVALID_CURSOR", f"Invalid cursor: no record {cursor_id} to page from", {"cursor": cursor_id}
            )

    async def _count(self, target: Database | Connection, obj: ObjectMeta, filter_: Filter | None) -> int:
        b = Bindings()
        where = plan_filter(obj, filter_, b) if filter_ is not None else None
        compiled = sqlc.compile_count(
            self.catalog, self.dialect, sqlc.CountPlan(obj.name_singular, where, include_deleted(filter_))
        )
        rows = await target.fetch(compiled.sql, self._params(compiled, b))
        return int(rows[0][0])

    async def find_one(self, obj: ObjectMeta, record_id: str, depth: int, fields: tuple[str, ...] | None) -> str:
        selection = plan_selection(self.catalog, obj, depth, fields)
        records = await self._read_ids(self.db, obj, [record_id], selection)
        if not records:
            raise ApiError("RECORD_NOT_FOUND", "Record not found", {"id": record_id, "object": obj.name_singular})
        return records[0]

    async def _read_ids(
        self,
        target: Database | Connection,
        obj: ObjectMeta,
        ids: list[str],
        selection: Selection,
        include_deleted: bool = False,
    ) -> list[str]:
        """Records by id, in the order of ``ids``."""
        if not ids:
            return []
        b = Bindings()
        if len(ids) == 1:
            where = Pred("id", Storage.UUID, "eq", b.add(ids[0], Storage.UUID))
            order: tuple[Sort, ...] = ()
        else:
            where = Pred("id", Storage.UUID, "in", b.add(ids, Storage.UUID, many=True))
            order = (Sort("id", "AscNullsFirst"),)
        plan = ReadPlan(obj.name_singular, where, include_deleted, order, selection)
        compiled = sqlc.compile_read(self.catalog, self.dialect, plan)
        rows = await target.fetch(compiled.sql, self._params(compiled, b))
        by_id = {str(r[0]): r[1] for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def _params(self, compiled: sqlc.Compiled, b: Bindings) -> list[Any]:
        return compiled.params(b.adapted(self.dialect))

    # ---- writes ---------------------------------------------------------------------------

    async def create(
        self,
        obj: ObjectMeta,
        payloads: list[Any],
        *,
        upsert: bool,
        depth: int,
        fields: tuple[str, ...] | None,
    ) -> list[str]:
        if len(payloads) > MAX_BATCH:
            raise ApiError(
                "BATCH_TOO_LARGE",
                f"Maximum number of records to upsert is {MAX_BATCH}.",
                {"limit": MAX_BATCH, "received": len(payloads)},
            )
        inputs = [coerce_record(obj, p, creating=True, index=i if len(payloads) > 1 else None) for i, p in enumerate(payloads)]
        selection = plan_selection(self.catalog, obj, depth, fields)
        now = _now()
        async with self.db.transaction() as conn:
            try:
                ids = await self._insert_or_upsert(conn, obj, inputs, upsert, now)
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc) from exc
            except DataError as exc:
                raise ApiError("VALIDATION_ERROR", f"invalid value: {exc}", {}) from exc
            return await self._read_ids(conn, obj, ids, selection)

    async def _insert_or_upsert(
        self, conn: Connection, obj: ObjectMeta, inputs: list[RecordInput], upsert: bool, now: dt.datetime
    ) -> list[str]:
        ids: list[str | None] = [i.columns.get("id") for i in inputs]
        seen: set[str] = set()
        for rid in ids:
            if rid is not None:
                if rid in seen:
                    raise ApiError("RECORD_ALREADY_EXISTS", f"Record {rid} appears twice in the batch", {"id": rid})
                seen.add(rid)
        to_insert = list(range(len(inputs)))
        if upsert:
            matches = await self._match_existing(conn, obj, inputs)
            to_insert = [i for i in range(len(inputs)) if matches[i] is None]
            for i, existing in enumerate(matches):
                if existing is not None:
                    await self._update_columns(conn, obj, existing, inputs[i], now, restore=True)
                    ids[i] = existing
        if to_insert:
            await self._assign_positions(conn, obj, [inputs[i] for i in to_insert])
            compiled, names = sqlc.compile_insert(self.catalog, self.dialect, obj.name_singular)
            rows: list[Sequence[Any]] = []
            for i in to_insert:
                row = self._insert_row(obj, inputs[i], now)
                ids[i] = row["id"]
                rows.append(self._row_params(obj, compiled, names, row))
            if len(rows) == 1:
                await conn.execute(compiled.sql, rows[0])
            else:
                await conn.executemany(compiled.sql, rows)
        return [i for i in ids if i is not None]

    def _row_params(self, obj: ObjectMeta, compiled: sqlc.Compiled, names: tuple[str, ...], row: dict[str, Any]) -> list[Any]:
        storages = self._storages(obj)
        values = [self.dialect.adapt(storages[n], row.get(n)) for n in names]
        return compiled.params(values)

    def _storages(self, obj: ObjectMeta) -> dict[str, Storage]:
        key = ("storages", obj.name_singular)
        cached = self.catalog.derived.get(key)
        if cached is None:
            cached = {c.name: c.storage for f in obj.fields for c in f.columns()}
            self.catalog.derived[key] = cached
        return cached  # type: ignore[no-any-return]

    def _insert_row(self, obj: ObjectMeta, inp: RecordInput, now: dt.datetime) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for f in obj.fields:
            if f.is_active:
                row.update(field_defaults(f, now))
        row.update(inp.columns)
        row["id"] = inp.columns.get("id") or str(uuid.uuid4())
        row["createdAt"] = inp.columns.get("createdAt") or now
        row["updatedAt"] = now
        row["deletedAt"] = None
        for actor_field in ("createdBy", "updatedBy"):
            actor = obj.field(actor_field)
            if actor is not None and actor.type == FieldType.ACTOR:
                source_col = sub_column(actor_field, "source")
                row[source_col] = inp.columns.get(source_col) or self.actor.source
                row[sub_column(actor_field, "name")] = self.actor.name
                row[sub_column(actor_field, "workspaceMemberId")] = self.actor.workspace_member_id
                ctx_col = sub_column(actor_field, "context")
                row[ctx_col] = inp.columns.get(ctx_col) or {}
        self._check_required(obj, row)
        return row

    def _check_required(self, obj: ObjectMeta, row: dict[str, Any]) -> None:
        for f in obj.fields:
            if f.is_nullable or not f.is_active or f.is_relation or f.is_composite:
                continue
            cols = f.columns()
            if cols and all(row.get(c.name) is None for c in cols):
                raise ApiError(
                    "VALIDATION_ERROR",
                    f"Field {f.name} is not nullable and has no default value.",
                    {"field": f.name},
                )

    async def _assign_positions(self, conn: Connection, obj: ObjectMeta, inputs: list[RecordInput]) -> None:
        pos = obj.field("position")
        if pos is None or pos.type != FieldType.POSITION:
            return
        first = [i for i in inputs if "position" not in i.columns and i.position_hint != "last"]
        last = [i for i in inputs if "position" not in i.columns and i.position_hint == "last"]
        if first:
            compiled = sqlc.compile_min_position(self.catalog, self.dialect, obj.name_singular, "min")
            low = (await conn.fetch(compiled.sql, []))[0][0]
            start = float(low) if low is not None else 0.0
            for n, inp in enumerate(first, 1):
                inp.columns["position"] = start - n
        if last:
            compiled = sqlc.compile_min_position(self.catalog, self.dialect, obj.name_singular, "max")
            high = (await conn.fetch(compiled.sql, []))[0][0]
            start = float(high) if high is not None else 0.0
            for n, inp in enumerate(last, 1):
                inp.columns["position"] = start + n

    async def _match_existing(self, conn: Connection, obj: ObjectMeta, inputs: list[RecordInput]) -> list[str | None]:
        """For each input, the one existing record (soft-deleted included) with its id or
        the value of one of its unique fields."""
        keys = ["id"] + [c for f in obj.fields if f.is_unique and f.is_active and f.name != "id" for c in unique_columns(f)]
        wanted: dict[str, list[Any]] = {k: [] for k in keys}
        for inp in inputs:
            for k in keys:
                if inp.columns.get(k) is not None:
                    wanted[k].append(inp.columns[k])
        keys = [k for k in keys if wanted[k]]
        if not keys:
            return [None] * len(inputs)
        storages = self._storages(obj)
        compiled = sqlc.compile_match(self.catalog, self.dialect, obj.name_singular, tuple(keys))
        values = [self.dialect.adapt_list(storages[k], wanted[k]) for k in keys]
        rows = await conn.fetch(compiled.sql, compiled.params(values))
        other = [k for k in keys if k != "id"]
        index: dict[tuple[str, Any], str] = {}
        for r in rows:
            rid = str(r[0])
            index[("id", rid)] = rid
            for n, k in enumerate(other):
                value = r[n + 1] if "id" in keys else r[n + 1]
                if value is not None:
                    index[(k, str(value))] = rid
        out: list[str | None] = []
        for i, inp in enumerate(inputs):
            found = {index[(k, str(inp.columns[k]))] for k in keys if inp.columns.get(k) is not None and (k, str(inp.columns[k])) in index}
            if len(found) > 1:
                raise ApiError(
                    "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT",
                    "Multiple records match this input: cannot decide which one to update",
                    {"index": i, "ids": sorted(found)},
                )
            out.append(found.pop() if found else None)
        return out

    async def _update_columns(
        self, conn: Connection, obj: ObjectMeta, record_id: str, inp: RecordInput, now: dt.datetime, *, restore: bool = False,
        live_only: bool = False,
    ) -> int:
        cols = {k: v for k, v in inp.columns.items() if k not in ("id", "createdAt") and not k.startswith("createdBy")}
        self._check_not_null(obj, cols)
        if inp.position_hint is not None:
            await self._assign_positions(conn, obj, [inp])
            cols["position"] = inp.columns["position"]
        cols["updatedAt"] = now
        if restore:
            cols["deletedAt"] = None
        f = obj.field("updatedBy")
        if f is not None and f.type == FieldType.ACTOR:
            cols[sub_column("updatedBy", "source")] = self.actor.source
            cols[sub_column("updatedBy", "name")] = self.actor.name
            cols[sub_column("updatedBy", "workspaceMemberId")] = self.actor.workspace_member_id
        names = tuple(sorted(cols))
        storages = self._storages(obj)
        compiled = sqlc.compile_update(self.catalog, self.dialect, obj.name_singular, names, live_only)
        values = [self.dialect.adapt(storages[n], cols[n]) for n in names] + [record_id]
        return await conn.execute(compiled.sql, compiled.params(values))

    def _check_not_null(self, obj: ObjectMeta, cols: dict[str, Any]) -> None:
        for f in obj.fields:
            if f.is_nullable or f.is_relation or f.is_composite:
                continue
            for c in f.columns():
                if c.name in cols and cols[c.name] is None:
                    raise ApiError("VALIDATION_ERROR", f"Field {f.name} is not nullable.", {"field": f.name})

    async def update_one(
        self, obj: ObjectMeta, record_id: str, payload: Any, depth: int, fields: tuple[str, ...] | None
    ) -> str:
        inp = coerce_record(obj, payload, creating=False)
        selection = plan_selection(self.catalog, obj, depth, fields)
        async with self.db.transaction() as conn:
            try:
                count = await self._update_columns(conn, obj, record_id, inp, _now(), live_only=True)
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc) from exc
            if count == 0:
                raise ApiError("RECORD_NOT_FOUND", "Record not found", {"id": record_id, "object": obj.name_singular})
            return (await self._read_ids(conn, obj, [record_id], selection))[0]

    async def update_many(
        self, obj: ObjectMeta, filter_: Filter | None, payload: Any, depth: int, fields: tuple[str, ...] | None
    ) -> list[str]:
        inp = coerce_record(obj, payload, creating=False)
        selection = plan_selection(self.catalog, obj, depth, fields)
        now = _now()
        async with self.db.transaction() as conn:
            ids = await self._ids(conn, obj, filter_)
            try:
                for rid in ids:
                    await self._update_columns(conn, obj, rid, inp, now)
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc) from exc
            return await self._read_ids(conn, obj, ids, selection, include_deleted=include_deleted(filter_))

    async def _ids(self, conn: Connection, obj: ObjectMeta, filter_: Filter | None, only_deleted: bool = False) -> list[str]:
        b = Bindings()
        where = plan_filter(obj, filter_, b) if filter_ is not None else None
        compiled = sqlc.compile_ids(self.catalog, self.dialect, obj.name_singular, where, include_deleted(filter_), only_deleted)
        return [str(r[0]) for r in await conn.fetch(compiled.sql, self._params(compiled, b))]

    async def delete_one(self, obj: ObjectMeta, record_id: str, soft: bool) -> str:
        async with self.db.transaction() as conn:
            if soft:
                done = await self._soft_delete(conn, obj, [record_id])
            else:
                done = await self._destroy(conn, obj, [record_id])
        if not done:
            raise ApiError("RECORD_NOT_FOUND", "Record not found", {"id": record_id, "object": obj.name_singular})
        return record_id

    async def delete_many(self, obj: ObjectMeta, filter_: Filter | None, soft: bool) -> list[str]:
        if filter_ is None:
            kind = "bulk delete" if soft else "bulk destroy"
            raise ApiError(
                "MISSING_FILTER",
                f"Filters are mandatory for {kind} operations. Please provide at least one filter to prevent "
                "accidental deletion of all records.",
                {"parameter": "filter"},
            )
        async with self.db.transaction() as conn:
            ids = await self._ids(conn, obj, filter_)
            if soft:
                return await self._soft_delete(conn, obj, ids)
            return await self._destroy(conn, obj, ids)

    async def _soft_delete(self, conn: Connection, obj: ObjectMeta, ids: list[str]) -> list[str]:
        now = _now()
        compiled = sqlc.compile_update(self.catalog, self.dialect, obj.name_singular, ("deletedAt",), True)
        done = []
        stamp = self.dialect.adapt(Storage.TIMESTAMP, now)
        for rid in ids:
            if await conn.execute(compiled.sql, compiled.params([stamp, rid])):
                done.append(rid)
        return done

    async def _destroy(self, conn: Connection, obj: ObjectMeta, ids: list[str]) -> list[str]:
        compiled = sqlc.compile_delete(self.catalog, self.dialect, obj.name_singular)
        done = []
        try:
            for rid in ids:
                if await conn.execute(compiled.sql, compiled.params([rid])):
                    done.append(rid)
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc) from exc
        return done

    async def restore_one(self, obj: ObjectMeta, record_id: str, depth: int, fields: tuple[str, ...] | None) -> str:
        selection = plan_selection(self.catalog, obj, depth, fields)
        async with self.db.transaction() as conn:
            await self._restore(conn, obj, [record_id])
            records = await self._read_ids(conn, obj, [record_id], selection)
        if not records:
            raise ApiError("RECORD_NOT_FOUND", "Record not found", {"id": record_id, "object": obj.name_singular})
        return records[0]

    async def restore_many(
        self, obj: ObjectMeta, filter_: Filter | None, depth: int, fields: tuple[str, ...] | None
    ) -> list[str]:
        selection = plan_selection(self.catalog, obj, depth, fields)
        async with self.db.transaction() as conn:
            ids = await self._ids(conn, obj, filter_, only_deleted=True)
            try:
                await self._restore(conn, obj, ids)
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc) from exc
            return await self._read_ids(conn, obj, ids, selection)

    async def _restore(self, conn: Connection, obj: ObjectMeta, ids: list[str]) -> None:
        compiled = sqlc.compile_update(self.catalog, self.dialect, obj.name_singular, ("deletedAt",), False)
        try:
            for rid in ids:
                await conn.execute(compiled.sql, compiled.params([None, rid]))
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc) from exc

    # ---- errors ---------------------------------------------------------------------------

    def _integrity_error(self, obj: ObjectMeta, exc: IntegrityViolation) -> ApiError:
        if exc.kind == "unique":
            if exc.column in (None, "id") and (exc.constraint or "").endswith("pkey") or exc.column == "id":
                return ApiError("RECORD_ALREADY_EXISTS", "Record already exists", {"object": obj.name_singular})
            path = _column_path(obj, exc.column)
            return ApiError(
                "UNIQUE_VIOLATION",
                f"A record with this {path or 'value'} already exists",
                {"object": obj.name_singular, "field": path},
            )
        if exc.kind == "foreign_key":
            return ApiError(
                "RELATION_TARGET_NOT_FOUND",
                "A relation points to a record that does not exist (or another record still points here)",
                {"object": obj.name_singular},
            )
        if exc.kind == "not_null":
            return ApiError("VALIDATION_ERROR", f"Field {exc.column} is not nullable.", {"field": exc.column})
        return ApiError("VALIDATION_ERROR", "The values break a constraint of the object", {"object": obj.name_singular})


def _column_path(obj: ObjectMeta, column: str | None) -> str | None:
    if column is None:
        return None
    for f in obj.fields:
        for c in f.columns():
            if c.name == column:
                return f"{f.name}.{c.sub.name}" if c.sub is not None else f.name
    return column


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
