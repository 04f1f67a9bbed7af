"""Record writes: create and upsert, update, soft delete, destroy and restore, each in one
unit of work (``Database.unit``) that writes the records, their events (``engine.events``) and
reads the result back; a write that fails leaves neither records nor events."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from vingt.db.database import Connection, DataError, IntegrityViolation
from vingt.engine import compile as sqlc
from vingt.engine import events, timeline
from vingt.engine.changes import Change, changes
from vingt.engine.compile_events import (
    MANY_ACTIONS,
    compile_insert_evented,
    compile_pick,
    compile_touch_rendered,
    compile_update_evented,
    compile_write_many_evented,
    timeline_slots,
)
from vingt.engine.ir import Filter
from vingt.engine.planner import include_deleted, parse_date, parse_timestamp, plan_filter, plan_selection
from vingt.engine.plans import Bindings, BoolPred, Pred, Selection
from vingt.engine.preconditions import Preconditions, Tagged, _not_found, _tagged, etag, stamp_text
from vingt.engine.reads import Reads
from vingt.engine.values import (
    RecordInput,
    adapt_row,
    coerce_record,
    column_adapters,
    column_storages,
    insert_template,
    parse_uuid,
)
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, ObjectMeta
from vingt.metadata.types import FieldType, Storage, sub_column
from vingt.sql.tables import fk_name, unique_columns

MAX_BATCH = 200


class Writes(Reads, Preconditions):
    """The write operations of one workspace snapshot."""

    actor: Any
    max_affected: int = 100  # the most records one write by filter may touch

    async def create(
        self,
        obj: ObjectMeta,
        payloads: list[Any],
        *,
        upsert: bool,
        depth: int,
        fields: tuple[str, ...] | None,
        match: str | None = None,
    ) -> list[str]:
        """Insert (or, with ``upsert``, update the matching records); ``match`` names the one
        unique field (or ``id``) that finds the existing record."""
        self.authorize(obj, write=True)
        selection = self.selection(obj, depth, fields)
        _ids, records = await self._create(obj, payloads, upsert, match, selection)
        return records

    async def create_one_tagged(
        self,
        obj: ObjectMeta,
        payload: Any,
        *,
        upsert: bool,
        depth: int,
        fields: tuple[str, ...] | None,
        match: str | None = None,
    ) -> Tagged:
        """Create (or upsert) one record, with its ETag."""
        self.authorize(obj, write=True)
        if not upsert and match is None:
            # insert (rendering the record in the same statement at depth 0), then its event
            selection = self.selection(obj, depth, fields)
            inp = coerce_record(obj, payload, creating=True)
            await self._connect([inp])
            if self.dialect.name == "postgresql" and selection.whole and not timeline.writes_apart(obj):
                return await self._insert_evented(obj, inp, selection)
            async with self.db.unit() as conn:
                if not selection.relations:
                    record_id, rows = await self._write_one(conn, obj, inp, selection)
                    tagged: Tagged | None = Tagged(rows[0][1], etag(record_id, rows[0][2]))
                else:
                    record_id, _rows = await self._write_one(conn, obj, inp, None)
                    tagged = await self._read_one_tagged(obj, record_id, selection)
                assert tagged is not None
                after = tagged.record if selection.whole else None
                await self._record(conn, obj, await self._created(conn, obj, [record_id], after))
            return tagged
        selection, strip = self._tagged_selection(obj, depth, fields)
        ids, records = await self._create(obj, [payload], upsert, match, selection)
        return _tagged(ids[0], records[0], strip)

    async def _connect(self, inputs: list[RecordInput]) -> None:
        """``connect: {where: {<unique field>: …}}`` of each input → its join column: the one
        live target record whose unique fields hold those values (one read per connect; the
        key must reach the target). No such record → 400 ``RELATION_TARGET_NOT_FOUND``."""
        for inp in inputs:
            for field, where in inp.connects:
                assert field.relation is not None
                target = self.catalog.object(field.relation.target_object)
                self.authorize(target)
                inp.columns[field.join_column] = await self._unique_target(field.name, target, where)
            inp.connects = []

    async def _unique_target(self, name: str, target: ObjectMeta, where: dict[str, Any]) -> str:
        unique = {c for f in target.fields if f.is_active and (f.is_unique or f.name == "id") for c in unique_columns(f)}
        accepted = sorted(f.name for f in target.fields if f.is_active and (f.is_unique or f.name == "id"))
        try:
            # the values as a write stores them (e-mails lower-cased, URLs normalised …)
            given = coerce_record(target, {k: v for k, v in where.items() if k != "id"}, creating=False).columns
            if "id" in where:
                given["id"] = parse_uuid(where["id"], f"{name}.connect.where.id")
        except ApiError as exc:
            raise ApiError(
                "VALIDATION_ERROR", f"'{name}.connect.where': {exc.message}", {"field": name, "accepted": accepted},
            ) from None
        if not given or any(c not in unique for c in given) or any(v is None for v in given.values()):
            raise ApiError(
                "VALIDATION_ERROR",
                f"'{name}.connect.where' must name values of unique fields of {target.name_singular}: {accepted}",
                {"field": name, "accepted": accepted},
            )
        b = Bindings()
        storages = self._storages(target)
        where_plan = BoolPred("and", tuple(
            Pred(column, storages[column], "eq", b.add(value, storages[column])) for column, value in sorted(given.items())
        ))
        limit_slot = b.add(2)
        compiled = sqlc.compile_ids(self.catalog, self.dialect, target.name_singular, where_plan, False, False, limit_slot)
        found = [str(r[0]) for r in await self.db.fetch(compiled.sql, self._params(compiled, b))]
        if len(found) != 1:
            raise ApiError(
                "RELATION_TARGET_NOT_FOUND",
                f"No {target.name_singular} record matches '{name}.connect.where'" if not found
                else f"Several {target.name_singular} records match '{name}.connect.where'",
                {"field": name, "object": target.name_singular, "where": where},
            )
        return found[0]

    async def _insert_evented(self, obj: ObjectMeta, inp: RecordInput, whole: Selection) -> Tagged:
        """Insert one record, render it and write its event, in one statement (PostgreSQL)."""
        position = self._position(obj, inp)
        now = _now()
        row = self._insert_row(obj, inp, now)
        _plain, names = sqlc.compile_insert(self.catalog, self.dialect, obj.name_singular, position)
        compiled = compile_insert_evented(self.catalog, self.dialect, obj.name_singular, names, position, whole)
        values = self._column_values(obj, names, row)
        values += events.event_constants(self.catalog, obj, "created", self.actor, now)
        values += self._timeline_constants(obj, "created", now)
        try:
            rows = await self.db.write(compiled.sql, compiled.params(values))
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc) from exc
        except DataError as exc:
            raise ApiError("VALIDATION_ERROR", f"invalid value: {exc}", {}) from exc
        return Tagged(rows[0][1], etag(str(row["id"]), rows[0][2]))

    def _timeline_constants(self, obj: ObjectMeta, action: str, now: dt.datetime) -> list[Any]:
        """The values of the one-statement write's timeline entry (``timeline_slots``)."""
        slots = timeline_slots(self.catalog, self.dialect, obj.name_singular)
        if not slots:
            return []
        entry = {"name": f"{obj.name_singular}.{action}", "linkedRecordCachedName": ""}
        return timeline.row_values(self.catalog, self.dialect, entry, now, slots)

    def _position(self, obj: ObjectMeta, inp: RecordInput) -> str | None:
        """Where an insert computes the record's position: ``first`` / ``last``, or ``None``
        (given, or the object has none)."""
        pos = obj.field("position")
        if pos is not None and pos.type == FieldType.POSITION and "position" not in inp.columns:
            return "last" if inp.position_hint == "last" else "first"
        return None

    async def _record(self, conn: Connection, obj: ObjectMeta, done: list[Change]) -> None:
        """Write the events of ``done`` in the write's transaction."""
        await events.record(conn, self.dialect, self.catalog, obj, done, self.actor, _now())

    async def _created(
        self, conn: Connection, obj: ObjectMeta, ids: list[str], after: str | None = None
    ) -> list[Change]:
        """The changes of records just inserted; ``after``: the one record's JSON when the
        write already rendered it whole."""
        if after is not None and len(ids) == 1:
            return [Change("created", ids[0], None, after)]
        return changes("created", ids, {}, await self._snapshot(conn, obj, ids))

    async def _write_one(
        self, conn: Connection, obj: ObjectMeta, inp: RecordInput, returning: Selection | None
    ) -> tuple[str, list[Any]]:
        position = self._position(obj, inp)
        row = self._insert_row(obj, inp, _now())
        compiled, names = sqlc.compile_insert(self.catalog, self.dialect, obj.name_singular, position, returning)
        try:
            rows = await conn.fetch(compiled.sql, self._row_params(obj, compiled, names, row))
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc) from exc
        except DataError as exc:
            raise ApiError("VALIDATION_ERROR", f"invalid value: {exc}", {}) from exc
        return str(row["id"]), list(rows)

    async def _create(
        self, obj: ObjectMeta, payloads: list[Any], upsert: bool, match: str | None, selection: Selection
    ) -> tuple[list[str], list[str]]:
        match_columns = None
        if match is not None:
            if not upsert:
                raise ApiError(
                    "INVALID_PARAMETER", "'match' requires 'upsert=true'", {"parameter": "match", "requires": "upsert"}
                )
            match_columns = match_keys(obj, match)
        if len(payloads) > MAX_BATCH:
            raise ApiError(
                "BATCH_TOO_LARGE",
                f"Maximum number of records to upsert is {MAX_BATCH}.",
                {"limit": MAX_BATCH, "received": len(payloads)},
            )
        inputs = [coerce_record(obj, p, creating=True, index=i if len(payloads) > 1 else None) for i, p in enumerate(payloads)]
        await self._connect(inputs)
        now = _now()
        async with self.db.unit() as conn:
            try:
                ids, done = await self._insert_or_upsert(conn, obj, inputs, upsert, now, match_columns)
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc) from exc
            except DataError as exc:
                raise ApiError("VALIDATION_ERROR", f"invalid value: {exc}", {}) from exc
            await self._record(conn, obj, done)
            return ids, await self._read_ids(conn, obj, ids, selection)

    async def _insert_or_upsert(
        self, conn: Connection, obj: ObjectMeta, inputs: list[RecordInput], upsert: bool, now: dt.datetime,
        match_columns: list[str] | None = None,
    ) -> tuple[list[str], list[Change]]:
        """Insert the inputs (with ``upsert``, update those matching a record): the ids in
        input order, and the changes (created or updated) in input order."""
        ids: list[str | None] = [i.columns.get("id") for i in inputs]
        seen: set[str] = set()
        for rid in ids:
            if rid is not None:
                if rid in seen:
                    raise ApiError("RECORD_ALREADY_EXISTS", f"Record {rid} appears twice in the batch", {"id": rid})
                seen.add(rid)
        to_insert = list(range(len(inputs)))
        updated: dict[str, Change] = {}
        if upsert:
            matches = await self._match_existing(conn, obj, inputs, match_columns)
            to_insert = [i for i in range(len(inputs)) if matches[i] is None]
            updates: list[tuple[str, RecordInput]] = []
            for i, existing in enumerate(matches):
                if existing is not None:
                    updates.append((existing, inputs[i]))
                    ids[i] = existing
            updated = {c.record_id: c for c in await self._update_rows(conn, obj, updates, now, restore=True)}
        created: dict[str, Change] = {}
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
            inserted = [str(ids[i]) for i in to_insert]
            created = {c.record_id: c for c in await self._created(conn, obj, inserted)}
        out = [i for i in ids if i is not None]
        done = [c for rid in out if (c := created.get(rid) or updated.get(rid)) is not None]
        return out, done

    def _row_params(self, obj: ObjectMeta, compiled: sqlc.Compiled, names: tuple[str, ...], row: dict[str, Any]) -> list[Any]:
        return compiled.params(self._column_values(obj, names, row))

    def _column_values(self, obj: ObjectMeta, names: tuple[str, ...], row: dict[str, Any]) -> list[Any]:
        """The values of ``row``'s columns ``names``, as the driver takes them."""
        return adapt_row(column_adapters(self.catalog, self.dialect, obj, names), row)

    def _storages(self, obj: ObjectMeta) -> dict[str, Storage]:
        return column_storages(self.catalog, obj)

    def _insert_row(self, obj: ObjectMeta, inp: RecordInput, now: dt.datetime) -> dict[str, Any]:
        key = ("insert template", obj.name_singular)
        template = self.catalog.derived.get(key)
        if template is None:
            template = self.catalog.derived[key] = insert_template(obj)
        constant, computed = template
        row: dict[str, Any] = dict(constant)
        for column, kind in computed:
            row[column] = now if kind == "now" else now.date() if kind == "today" else str(uuid.uuid4())
        row.update(inp.columns)
        row["id"] = inp.columns.get("id") or str(uuid.uuid4())
        row["createdAt"] = inp.columns.get("createdAt") or now
        row["updatedAt"] = now
        row["deletedAt"] = None
        for source_col, name_col, member_col, ctx_col in self._actor_columns(obj):
            row[source_col] = inp.columns.get(source_col) or self.actor.source
            row[name_col] = self.actor.name
            row[member_col] = self.actor.workspace_member_id
            row[ctx_col] = inp.columns.get(ctx_col) or {}
        self._check_required(obj, row)
        return row

    def _actor_columns(self, obj: ObjectMeta) -> list[tuple[str, str, str, str]]:
        """The columns (source, name, workspace member, context) of ``obj``'s ``createdBy`` and
        ``updatedBy`` actor fields."""
        key = ("actor columns", obj.name_singular)
        found = self.catalog.derived.get(key)
        if found is None:
            found = self.catalog.derived[key] = [
                tuple(sub_column(name, sub) for sub in ("source", "name", "workspaceMemberId", "context"))
                for name in ("createdBy", "updatedBy")
                if (f := obj.field(name)) is not None and f.type == FieldType.ACTOR
            ]
        return found  # type: ignore[no-any-return]

    def _check_required(self, obj: ObjectMeta, row: dict[str, Any]) -> None:
        key = ("required columns", obj.name_singular)
        required = self.catalog.derived.get(key)
        if required is None:
            required = self.catalog.derived[key] = [
                (f, f.columns()) for f in obj.fields
                if not (f.is_nullable or not f.is_active or f.is_relation or f.is_composite) and f.columns()
            ]
        for f, cols in required:
            if all(row.get(c.name) is None for c in cols):
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

    async def _match_existing(
        self, conn: Connection, obj: ObjectMeta, inputs: list[RecordInput], match_columns: list[str] | None = None
    ) -> list[str | None]:
        """For each input, the one existing record (soft-deleted included) with its id or
        the value of one of its unique fields (only ``match_columns`` when given). Several
        records matching one input (a live one and soft-deleted ones may share a unique
        value) → 409."""
        if match_columns is not None:
            keys = list(match_columns)
        else:
            keys = ["id"] + [
                c for f in obj.fields if f.is_unique and f.is_active and f.name != "id" for c in unique_columns(f)
            ]
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
        index: dict[tuple[str, str], set[str]] = {}
        for r in rows:
            rid = str(r[0])
            index.setdefault(("id", rid), set()).add(rid)
            for n, k in enumerate(other):
                value = r[n + 1]
                if value is not None:
                    index.setdefault((k, _match_key(storages[k], value)), set()).add(rid)
        out: list[str | None] = []
        for i, inp in enumerate(inputs):
            found: set[str] = set()
            for k in keys:
                if inp.columns.get(k) is not None:
                    found |= index.get((k, _match_key(storages[k], inp.columns[k])), set())
            if len(found) > 1:
                raise ApiError(
                    "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT",
                    "Multiple records match this input: cannot decide which one to update",
                    {"index": i, "ids": sorted(found)},
                )
            out.append(found.pop() if found else None)
        return out

    def _update_values(self, obj: ObjectMeta, inp: RecordInput, restore: bool) -> dict[str, Any]:
        """The columns an update of ``inp`` writes (its position excepted), the updater's
        actor included."""
        cols = {
            k: v for k, v in inp.columns.items()
            if k not in ("id", "createdAt", "updatedAt") and not k.startswith("createdBy")
        }
        self._check_not_null(obj, cols)
        if restore:
            cols["deletedAt"] = None
        f = obj.field("updatedBy")
        if f is not None and f.type == FieldType.ACTOR:
            cols[sub_column("updatedBy", "source")] = self.actor.source
            cols[sub_column("updatedBy", "name")] = self.actor.name
            cols[sub_column("updatedBy", "workspaceMemberId")] = self.actor.workspace_member_id
        return cols

    async def _update_columns(
        self, conn: Connection, obj: ObjectMeta, record_id: str, inp: RecordInput, now: dt.datetime, *, restore: bool = False,
        live_only: bool = False, expected: Any = None,
    ) -> list[Change]:
        """Write ``inp`` to one record; ``updatedAt`` moves to the next stamp (``compile._next_stamp``).
        ``expected``: the ``updatedAt`` the record must still have (``If-Match``). The change
        (none when no record was written), its ``after`` left for the caller to fill when it
        reads the record back anyway (``None`` here)."""
        cols = self._update_values(obj, inp, restore)
        if inp.position_hint is not None:
            await self._assign_positions(conn, obj, [inp])
            cols["position"] = inp.columns["position"]
        names = tuple(sorted(cols))
        storages = self._storages(obj)
        values = [self.dialect.adapt(storages[n], cols[n]) for n in names]
        before = await self._snapshot(conn, obj, [record_id])
        rows = await self._touch(conn, obj, record_id, names, values, now, live_only=live_only, expected=expected)
        return [Change("updated", record_id, before.get(record_id), None) for _row in rows[:1]]

    async def _touch(
        self, conn: Connection, obj: ObjectMeta, record_id: str, names: tuple[str, ...], values: list[Any],
        now: dt.datetime, *, live_only: bool = False, deleted_only: bool = False, soft_delete: bool = False,
        expected: Any = None,
    ) -> list[Any]:
        """One versioned ``UPDATE`` of a record; the ``(id, updatedAt)`` rows it changed."""
        compiled = sqlc.compile_touch(
            self.catalog, self.dialect, obj.name_singular, names,
            live_only=live_only, deleted_only=deleted_only, soft_delete=soft_delete, expect=expected is not None,
        )
        stamp = self.dialect.adapt(Storage.TIMESTAMP, now)
        return await conn.fetch(compiled.sql, compiled.params([*values, stamp, record_id, expected]))

    async def _update_ids(
        self, conn: Connection, obj: ObjectMeta, ids: list[str], inp: RecordInput, now: dt.datetime,
        *, read_after: bool = True,
    ) -> list[Change]:
        """Write the same ``inp`` to the records ``ids`` in one statement (each ``updatedAt``
        to its next stamp); a position hint gives each record its own position. Without
        ``read_after`` the changes' ``after`` is left ``None`` for the caller to fill."""
        if not ids:
            return []
        if inp.position_hint is not None:
            return await self._update_rows(conn, obj, [(rid, _copy_input(inp)) for rid in ids], now)
        cols = self._update_values(obj, inp, False)
        names = tuple(sorted(cols))
        storages = self._storages(obj)
        values = [self.dialect.adapt(storages[n], cols[n]) for n in names]
        before = await self._snapshot(conn, obj, ids)
        compiled = sqlc.compile_touch(
            self.catalog, self.dialect, obj.name_singular, names,
            live_only=False, deleted_only=False, soft_delete=False, expect=False, many=True,
        )
        stamp = self.dialect.adapt(Storage.TIMESTAMP, now)
        id_list = self.dialect.adapt_list(Storage.UUID, ids)
        rows = await conn.fetch(compiled.sql, compiled.params([*values, stamp, id_list, None]))
        done = {str(r[0]) for r in rows}
        touched = [rid for rid in ids if rid in done]
        return changes("updated", touched, before, await self._snapshot(conn, obj, touched) if read_after else {})

    async def _update_rows(
        self, conn: Connection, obj: ObjectMeta, updates: list[tuple[str, RecordInput]], now: dt.datetime,
        *, restore: bool = False,
    ) -> list[Change]:
        """Write each input to its record, all in one statement whatever their number; a
        column only some inputs set is left as it is in the others."""
        if not updates:
            return []
        rows_cols = [self._update_values(obj, inp, restore) for _rid, inp in updates]
        hinted = [inp for _rid, inp in updates if inp.position_hint is not None]
        if hinted:
            await self._assign_positions(conn, obj, hinted)
            for (_rid, inp), cols in zip(updates, rows_cols, strict=True):
                if inp.position_hint is not None:
                    cols["position"] = inp.columns["position"]
        names = tuple(sorted(set().union(*rows_cols)))
        partial = tuple(n for n in names if any(n not in cols for cols in rows_cols))
        storages = self._storages(obj)
        ids = [rid for rid, _inp in updates]
        table: list[list[Any]] = []
        for rid, cols in zip(ids, rows_cols, strict=True):
            row = [self.dialect.adapt(Storage.UUID, rid)]
            row += [self.dialect.adapt(storages[n], cols.get(n)) for n in names]
            row += [n in cols for n in partial]
            table.append(row)
        before = await self._snapshot(conn, obj, ids)
        compiled = sqlc.compile_update_rows(self.catalog, self.dialect, obj.name_singular, names, partial, len(table))
        stamp = self.dialect.adapt(Storage.TIMESTAMP, now)
        if self.dialect.name == "postgresql":
            params = compiled.params([stamp, *[v for row in table for v in row]])
        else:
            params = compiled.params([orjson.dumps(table).decode(), stamp])
        rows = await conn.fetch(compiled.sql, params)
        done = {str(r[0]) for r in rows}
        touched = [rid for rid in ids if rid in done]
        return changes("updated", touched, before, await self._snapshot(conn, obj, touched))

    async def _snapshot(self, conn: Connection, obj: ObjectMeta, ids: list[str]) -> dict[str, str]:
        """Record id → its JSON (depth 0, every field, soft-deleted included), in one read."""
        selection = plan_selection(self.catalog, obj, 0, None)
        return await self._records_by_id(conn, obj, ids, selection, include_deleted=True)

    def _check_not_null(self, obj: ObjectMeta, cols: dict[str, Any]) -> None:
        for f in obj.fields:
            if f.is_nullable or f.is_relation or f.is_composite:
                continue
            for c in f.columns():
                if c.name in cols and cols[c.name] is None:
                    raise ApiError("VALIDATION_ERROR", f"Field {f.name} is not nullable.", {"field": f.name})

    # ---- update, delete, restore -------------------------------------------------------------

    async def update_one_tagged(
        self, obj: ObjectMeta, record_id: str, payload: Any, depth: int, fields: tuple[str, ...] | None,
        *, if_match: tuple[str, ...] | None = None,
    ) -> Tagged:
        """``update_one`` with the new ETag; ``if_match``: the ETags the record must have."""
        self.authorize(obj, write=True)
        selection, strip = self._tagged_selection(obj, depth, fields)
        return await self._update_one(obj, record_id, payload, selection, if_match, strip)

    async def _update_one(
        self, obj: ObjectMeta, record_id: str, payload: Any, selection: Selection, if_match: tuple[str, ...] | None,
        strip: bool = False,
    ) -> Tagged:
        inp = coerce_record(obj, payload, creating=False)
        await self._connect([inp])
        if (
            self.dialect.name == "postgresql" and selection.whole and if_match is None and inp.position_hint is None
            and not timeline.writes_apart(obj)
        ):
            return await self._update_evented(obj, record_id, inp, selection)
        async with self.db.unit() as conn:
            expected = await self._expect(conn, obj, record_id, if_match, live_only=True)
            try:
                done = await self._update_columns(
                    conn, obj, record_id, inp, _now(), live_only=True, expected=expected
                )
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc) from exc
            if not done:
                if expected is not None:
                    raise await self._lost_race(conn, obj, record_id, True)
                raise _not_found(obj, record_id)
            record = (await self._read_ids(conn, obj, [record_id], selection))[0]
            await self._record(conn, obj, await self._completed(conn, obj, done, record if selection.whole else None))
        return _tagged(record_id, record, strip)

    async def _update_evented(self, obj: ObjectMeta, record_id: str, inp: RecordInput, whole: Selection) -> Tagged:
        """Update one live record, render it and write its event (before and after), in one
        statement (PostgreSQL)."""
        cols = self._update_values(obj, inp, False)
        names = tuple(sorted(cols))
        storages = self._storages(obj)
        now = _now()
        compiled = compile_update_evented(self.catalog, self.dialect, obj.name_singular, names, whole)
        values = [self.dialect.adapt(storages[n], cols[n]) for n in names]
        values += [self.dialect.adapt(Storage.TIMESTAMP, now), record_id]
        values += events.event_constants(self.catalog, obj, "updated", self.actor, now)
        values += self._timeline_constants(obj, "updated", now)
        try:
            rows = await self.db.write(compiled.sql, compiled.params(values))
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc) from exc
        if not rows:
            raise _not_found(obj, record_id)
        return Tagged(rows[0][1], etag(record_id, rows[0][2]))

    async def _completed(
        self, conn: Connection, obj: ObjectMeta, done: list[Change], after: str | None
    ) -> list[Change]:
        """``done`` with each record's JSON after the write: ``after`` (one record, already
        read back whole), else read now."""
        if after is not None and len(done) == 1:
            return [Change(done[0].action, done[0].record_id, done[0].before, after)]
        now = await self._snapshot(conn, obj, [c.record_id for c in done])
        return [Change(c.action, c.record_id, c.before, now.get(c.record_id)) for c in done]

    async def update_many(
        self, obj: ObjectMeta, filter_: Filter | None, payload: Any, depth: int, fields: tuple[str, ...] | None
    ) -> list[str]:
        self.authorize(obj, write=True)
        inp = coerce_record(obj, payload, creating=False)
        await self._connect([inp])
        selection = self.selection(obj, depth, fields)
        if selection.whole and inp.position_hint is None:
            cols = self._update_values(obj, inp, False)
            rows = await self._write_many(obj, "update", filter_, cols, selection)
            return [record for _id, record in rows]
        now = _now()
        async with self.db.unit() as conn:
            # a projection, relations or position hints: the records are read back apart
            ids = await self._ids(conn, obj, filter_)
            try:
                done = await self._update_ids(conn, obj, ids, inp, now)
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc) from exc
            by_id = await self._records_by_id(conn, obj, ids, selection, include_deleted(filter_))
            await self._record(conn, obj, done)
            return [by_id[i] for i in ids if i in by_id]

    async def _ids(self, conn: Connection, obj: ObjectMeta, filter_: Filter | None, only_deleted: bool = False) -> list[str]:
        """The ids a write by filter touches: at most ``max_affected``, else 400 and nothing
        is written."""
        self.authorize_filter(obj, filter_)
        b = Bindings()
        where = plan_filter(self.catalog, obj, filter_, b) if filter_ is not None else None
        limit_slot = b.add(self.max_affected + 1)
        compiled = sqlc.compile_ids(
            self.catalog, self.dialect, obj.name_singular, where, include_deleted(filter_), only_deleted, limit_slot,
            lock=True,
        )
        ids = [str(r[0]) for r in await conn.fetch(compiled.sql, self._params(compiled, b))]
        if len(ids) > self.max_affected:
            raise self._too_many()
        return ids

    def _too_many(self) -> ApiError:
        return ApiError(
            "TOO_MANY_RECORDS_AFFECTED",
            f"The filter matches more than {self.max_affected} records; at most {self.max_affected} records "
            "can be affected by one mutation. Narrow the filter or split the operation.",
            {"limit": self.max_affected},
        )

    def _writes_many_at_once(self, obj: ObjectMeta) -> bool:
        """Whether ``obj``'s writes by filter are one statement, events and timeline entries
        included (``compile_write_many_evented``): on PostgreSQL, but for the objects whose
        entries need other records."""
        return self.dialect.name == "postgresql" and not timeline.writes_apart(obj)

    async def _write_many(
        self, obj: ObjectMeta, kind: str, filter_: Filter | None, cols: dict[str, Any], whole: Selection,
    ) -> list[Any]:
        """Write (``kind``: update, delete, restore, destroy) the records ``filter_`` selects,
        with their events and timeline entries: the ``(id, record)`` of each record written
        (``record`` rendered by ``whole``; ``None`` once destroyed), in id order. More than
        ``max_affected`` is 400 and nothing is written."""
        if self._writes_many_at_once(obj):
            return await self._write_many_evented(obj, kind, filter_, cols, whole)
        self.authorize_filter(obj, filter_)
        b = Bindings()
        where = plan_filter(self.catalog, obj, filter_, b) if filter_ is not None else None
        pick = compile_pick(
            self.catalog, self.dialect, obj.name_singular, where, include_deleted=include_deleted(filter_),
            only_deleted=kind == "restore", whole=whole, limit=self.max_affected + 1,
        )
        async with self.db.unit() as conn:
            picked = [(str(r[0]), r[1]) for r in await conn.fetch(pick.sql, self._params(pick, b))]
            if len(picked) > self.max_affected:
                raise self._too_many()
            if not picked:
                return []
            id_list = self.dialect.adapt_list(Storage.UUID, [rid for rid, _before in picked])
            try:
                if kind == "destroy":
                    compiled = sqlc.compile_destroy(self.catalog, self.dialect, obj.name_singular, False, many=True)
                    rows = await conn.fetch(compiled.sql, compiled.params([id_list, None]))
                    after: dict[str, str | None] = {str(r[0]): None for r in rows}
                else:
                    names = tuple(sorted(cols))
                    storages = self._storages(obj)
                    values = [self.dialect.adapt(storages[n], cols[n]) for n in names]
                    values += [self.dialect.adapt(Storage.TIMESTAMP, _now()), id_list]
                    compiled = compile_touch_rendered(self.catalog, self.dialect, obj.name_singular, kind, names, whole)
                    rows = await conn.fetch(compiled.sql, compiled.params(values))
                    after = {str(r[0]): r[1] for r in rows}
            except IntegrityViolation as exc:
                raise self._integrity_error(obj, exc, destroying=kind == "destroy") from exc
            done = [Change(MANY_ACTIONS[kind], rid, before, after[rid]) for rid, before in picked if rid in after]
            await self._record(conn, obj, done)
        return [(c.record_id, c.after) for c in done]

    async def _write_many_evented(
        self, obj: ObjectMeta, kind: str, filter_: Filter | None, cols: dict[str, Any], whole: Selection,
    ) -> list[Any]:
        """Write (``kind``: update, delete, restore, destroy) the records ``filter_`` selects,
        their events and timeline entries, in one statement: the ``(id, record)`` of each
        record written, in id order; more than ``max_affected`` is 400 and nothing is written."""
        self.authorize_filter(obj, filter_)
        b = Bindings()
        where = plan_filter(self.catalog, obj, filter_, b) if filter_ is not None else None
        first = len(b.values)
        storages = self._storages(obj)
        names = tuple(sorted(cols))
        for name in names:
            b.add(cols[name], storages[name])
        now = _now()
        b.add(now, Storage.TIMESTAMP)
        action = MANY_ACTIONS[kind]
        for value in events.event_constants(self.catalog, obj, action, self.actor, now):
            b.add(value)
        for value in self._timeline_constants(obj, action, now) if kind != "destroy" else []:
            b.add(value)
        compiled = compile_write_many_evented(
            self.catalog, self.dialect, obj.name_singular, kind, where, names,
            include_deleted=include_deleted(filter_), only_deleted=kind == "restore", whole=whole, first=first,
            limit=self.max_affected + 1,
        )
        try:
            rows = await self.db.write(compiled.sql, self._params(compiled, b))
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc, destroying=kind == "destroy") from exc
        if rows[0][0] > self.max_affected:
            raise self._too_many()
        return [(str(r[1]), r[2]) for r in rows if r[1] is not None]

    async def delete_one_tagged(
        self, obj: ObjectMeta, record_id: str, soft: bool, *, if_match: tuple[str, ...] | None = None
    ) -> tuple[str, str | None]:
        """Soft-delete or destroy one record: its id, and the ETag of the soft-deleted
        version (``None`` once destroyed)."""
        self.authorize(obj, write=True)
        async with self.db.unit() as conn:
            expected = await self._expect(conn, obj, record_id, if_match, live_only=soft)
            tag = None
            if soft:
                done = await self._soft_delete(conn, obj, [record_id], expected)
                if done:
                    tag = etag(record_id, orjson.loads(done[0].after or "{}")["updatedAt"])
            else:
                done = await self._destroy(conn, obj, [record_id], expected)
            if not done:
                if expected is not None:
                    raise await self._lost_race(conn, obj, record_id, soft)
                raise _not_found(obj, record_id)
            await self._record(conn, obj, done)
        return record_id, tag

    async def delete_many(self, obj: ObjectMeta, filter_: Filter | None, soft: bool) -> list[str]:
        self.authorize(obj, write=True)
        if filter_ is None:
            kind = "bulk delete" if soft else "bulk destroy"
            raise ApiError(
                "MISSING_FILTER",
                f"Filters are mandatory for {kind} operations. Please provide at least one filter to prevent "
                "accidental deletion of all records.",
                {"parameter": "filter"},
            )
        whole = plan_selection(self.catalog, obj, 0, None)
        rows = await self._write_many(obj, "delete" if soft else "destroy", filter_, {}, whole)
        return [rid for rid, _record in rows]

    async def _soft_delete(
        self, conn: Connection, obj: ObjectMeta, ids: list[str], expected: Any = None
    ) -> list[Change]:
        """Soft-delete live records in one statement; their changes."""
        if not ids:
            return []
        before = await self._snapshot(conn, obj, ids)
        stamps = await self._soft_delete_stamps(conn, obj, ids, expected)
        touched = [rid for rid in ids if rid in stamps]
        return changes("deleted", touched, before, await self._snapshot(conn, obj, touched))

    async def _soft_delete_stamps(
        self, conn: Connection, obj: ObjectMeta, ids: list[str], expected: Any = None
    ) -> dict[str, str]:
        """Soft-delete live records: ``deletedAt`` and ``updatedAt`` both take the next stamp.
        Record id → its new ``updatedAt`` text, for the records deleted (one statement)."""
        if not ids:
            return {}
        rows = await self._touch_many(conn, obj, ids, (), [], _now(), live_only=True, soft_delete=True, expected=expected)
        return {str(row[0]): stamp_text(row[1]) for row in rows}

    async def _touch_many(
        self, conn: Connection, obj: ObjectMeta, ids: list[str], names: tuple[str, ...], values: list[Any],
        now: dt.datetime, *, live_only: bool = False, deleted_only: bool = False, soft_delete: bool = False,
        expected: Any = None,
    ) -> list[Any]:
        """``_touch`` of the records ``ids`` in one statement."""
        compiled = sqlc.compile_touch(
            self.catalog, self.dialect, obj.name_singular, names,
            live_only=live_only, deleted_only=deleted_only, soft_delete=soft_delete, expect=expected is not None,
            many=True,
        )
        stamp = self.dialect.adapt(Storage.TIMESTAMP, now)
        id_list = self.dialect.adapt_list(Storage.UUID, ids)
        return await conn.fetch(compiled.sql, compiled.params([*values, stamp, id_list, expected]))

    async def _destroy(self, conn: Connection, obj: ObjectMeta, ids: list[str], expected: Any = None) -> list[Change]:
        """Delete records for good in one statement, read (for their changes) just before."""
        if not ids:
            return []
        before = await self._snapshot(conn, obj, ids)
        compiled = sqlc.compile_destroy(self.catalog, self.dialect, obj.name_singular, expected is not None, many=True)
        try:
            rows = await conn.fetch(compiled.sql, compiled.params([self.dialect.adapt_list(Storage.UUID, ids), expected]))
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc, destroying=True) from exc
        done = {str(r[0]) for r in rows}
        return changes("destroyed", [rid for rid in ids if rid in done], before, {})

    async def restore_one_tagged(
        self, obj: ObjectMeta, record_id: str, depth: int, fields: tuple[str, ...] | None,
        *, if_match: tuple[str, ...] | None = None,
    ) -> Tagged:
        """``restore_one`` with the ETag of the restored record; ``if_match`` is checked
        against the soft-deleted record's ETag."""
        self.authorize(obj, write=True)
        selection, strip = self._tagged_selection(obj, depth, fields)
        return await self._restore_one(obj, record_id, selection, if_match, strip)

    async def _restore_one(
        self, obj: ObjectMeta, record_id: str, selection: Selection, if_match: tuple[str, ...] | None, strip: bool = False
    ) -> Tagged:
        async with self.db.unit() as conn:
            expected = await self._expect(conn, obj, record_id, if_match, live_only=False)
            restored = await self._restore(conn, obj, [record_id], expected)
            await self._record(conn, obj, restored)
            if not restored and expected is not None:
                # a live record is restored as it is, unless it changed since the check
                current = await self._current(conn, obj, record_id, False)
                if current is None or stamp_text(current) != stamp_text(expected):
                    raise await self._lost_race(conn, obj, record_id, False)
            records = await self._read_ids(conn, obj, [record_id], selection)
        if not records:
            raise _not_found(obj, record_id)
        return _tagged(record_id, records[0], strip)

    async def restore_many(
        self, obj: ObjectMeta, filter_: Filter | None, depth: int, fields: tuple[str, ...] | None
    ) -> list[str]:
        self.authorize(obj, write=True)
        selection = self.selection(obj, depth, fields)
        if selection.whole:
            rows = await self._write_many(obj, "restore", filter_, {"deletedAt": None}, selection)
            return [record for _id, record in rows]
        async with self.db.unit() as conn:
            ids = await self._ids(conn, obj, filter_, only_deleted=True)
            await self._record(conn, obj, await self._restore(conn, obj, ids))
            return await self._read_ids(conn, obj, ids, selection)

    async def _restore(self, conn: Connection, obj: ObjectMeta, ids: list[str], expected: Any = None) -> list[Change]:
        """Clear ``deletedAt`` of soft-deleted records (``updatedAt`` takes the next stamp) in
        one statement; the changes of the records restored."""
        if not ids:
            return []
        before = await self._snapshot(conn, obj, ids)
        try:
            rows = await self._touch_many(
                conn, obj, ids, ("deletedAt",), [None], _now(), deleted_only=True, expected=expected
            )
        except IntegrityViolation as exc:
            raise self._integrity_error(obj, exc) from exc
        done = {str(r[0]) for r in rows}
        touched = [rid for rid in ids if rid in done]
        return changes("restored", touched, before, await self._snapshot(conn, obj, touched))

    # ---- errors ---------------------------------------------------------------------------

    def _integrity_error(self, obj: ObjectMeta, exc: IntegrityViolation, destroying: bool = False) -> ApiError:
        if exc.kind == "unique":
            if exc.column in (None, "id") and (exc.constraint or "").endswith("pkey") or exc.column == "id":
                return ApiError("RECORD_ALREADY_EXISTS", "Record already exists", {"object": obj.name_singular})
            path = _column_path(obj, exc.column)
            return ApiError(
                "UNIQUE_VIOLATION",
                f"A record with this {path or 'value'} already exists",
                {"object": obj.name_singular, "field": path},
            )
        if exc.kind == "foreign_key" and destroying:
            return restricted(self.catalog, obj, exc.constraint)
        if exc.kind == "foreign_key":
            return ApiError(
                "RELATION_TARGET_NOT_FOUND",
                "A relation points to a record that does not exist (or another record still points here)",
                {"object": obj.name_singular},
            )
        if exc.kind == "not_null":
            return ApiError("VALIDATION_ERROR", f"Field {exc.column} is not nullable.", {"field": exc.column})
        return ApiError("VALIDATION_ERROR", "The values break a constraint of the object", {"object": obj.name_singular})


def restricted(catalog: Catalog, obj: ObjectMeta, constraint: str | None) -> ApiError:
    """409 ``RESTRICTED_BY_RELATION``: records of ``obj`` cannot be destroyed while records
    point at them through a relation whose ``onDelete`` is ``RESTRICT`` (or ``NO_ACTION``).
    Names the relation (PostgreSQL names the constraint; on SQLite, every such relation)."""
    blocking = [
        (o, f) for o in catalog.objects for f in o.fields
        if f.is_many_to_one and f.relation is not None and f.relation.target_object == obj.name_singular
        and (f.relation.on_delete or "SET_NULL") in ("RESTRICT", "NO_ACTION")
    ]
    named = [(o, f) for o, f in blocking if constraint is not None and constraint == fk_name(f)]
    relations = [{"object": o.name_singular, "field": f.name} for o, f in (named or blocking)]
    which = ", ".join(f"{r['object']}.{r['field']}" for r in relations) or "a relation"
    return ApiError(
        "RESTRICTED_BY_RELATION",
        f"Records still point at this {obj.name_singular} through {which} (onDelete RESTRICT): "
        "destroy them or point them elsewhere first",
        {"object": obj.name_singular, "relations": relations},
    )


def _column_path(obj: ObjectMeta, column: str | None) -> str | None:
    if column is None:
        return None
    for f in obj.fields:
        for c in f.columns():
            if c.name == column:
                return f"{f.name}.{c.sub.name}" if c.sub is not None else f.name
    return column


def _match_key(storage: Storage, value: Any) -> Any:
    """A value as upsert matching compares it: by what it means, not how a driver spells it
    (``10`` and ``10.0``, a timestamp as a datetime or as ISO text, a UUID in any case)."""
    if storage in (Storage.NUMERIC, Storage.FLOAT, Storage.INTEGER, Storage.BIGINT) and not isinstance(value, bool):
        try:
            return decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return str(value)
    if storage == Storage.TIMESTAMP:
        parsed = parse_timestamp(value) if isinstance(value, str) else value
        if isinstance(parsed, dt.datetime):
            parsed = parsed.astimezone(dt.UTC)
            return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
        return str(value)
    if storage == Storage.DATE and isinstance(value, str):
        return parse_date(value[:10]) or value
    if storage == Storage.UUID:
        return str(value).lower()
    return value if isinstance(value, str | bool | dt.date) else str(value)


def _copy_input(inp: RecordInput) -> RecordInput:
    out = RecordInput()
    out.columns = dict(inp.columns)
    out.position_hint = inp.position_hint
    return out


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def match_keys(obj: ObjectMeta, match: str) -> list[str]:
    """The columns of ``match`` (``id``, a unique field, or the sub-field of a unique
    composite that carries its uniqueness: ``emails.primaryEmail``)."""
    name, _, sub = match.partition(".")
    f = obj.field(name)
    if not match or f is None or not f.is_active:
        raise ApiError(
            "UNKNOWN_FIELD",
            f"'match': object {obj.name_singular} has no field '{match}'",
            {"parameter": "match", "field": match, "object": obj.name_singular},
        )
    if sub:
        subs = {s.name: s for s in f.subfields}
        if sub not in subs:
            raise ApiError(
                "UNKNOWN_FIELD",
                f"'match': field {name} has no sub-field '{sub}'",
                {"parameter": "match", "field": match, "object": obj.name_singular},
            )
    columns = ["id"] if f.name == "id" else unique_columns(f) if f.is_unique else []
    if sub:
        columns = [c for c in columns if c == sub_column(name, sub)]
    if not columns or f.is_relation:
        raise ApiError(
            "VALIDATION_ERROR",
            f"'match': field '{match}' is not unique; upsert can only match on id or a unique field",
            {"parameter": "match", "field": match, "object": obj.name_singular},
        )
    return columns
