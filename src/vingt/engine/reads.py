"""Record reads: pages (filtered, ordered, keyset-sought) and single records, rendered to
JSON text by the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vingt.auth.access import FULL, Access
from vingt.db.database import Connection, Database
from vingt.engine import compile as sqlc
from vingt.engine.group_by import AggregatePlan, aggregate_values, compile_aggregates
from vingt.engine.ir import BoolOp, Filter, Related
from vingt.engine.planner import include_deleted, plan_filter, plan_selection
from vingt.engine.plans import Bindings, Pred, ReadPlan, Selection, Sort
from vingt.engine.preconditions import Tagged, _not_found, etag
from vingt.engine.query import Query, Select
from vingt.engine.query_planner import plan_query
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, ObjectMeta
from vingt.metadata.types import Storage
from vingt.sql.dialect import Dialect


@dataclass
class Page:
    """A page of records as JSON text, with their ids; ``total`` (``None`` unless asked for)
    and ``aggregates`` (aggregate name → JSON value) over every record the filter matches."""

    records: list[str]
    ids: list[str]
    has_next: bool
    has_previous: bool
    total: int | None
    aggregates: dict[str, Any] = field(default_factory=dict)

    @property
    def start_cursor(self) -> str | None:
        return self.ids[0] if self.ids else None

    @property
    def end_cursor(self) -> str | None:
        return self.ids[-1] if self.ids else None


class Reads:
    """The read operations of one workspace snapshot."""

    db: Database
    dialect: Dialect
    catalog: Catalog
    access: Access = FULL

    def authorize(self, obj: ObjectMeta, *, write: bool = False) -> None:
        """Refuse an operation on ``obj``'s records that the API key's scope does not allow
        (403 ``FORBIDDEN``)."""
        self.access.require_object(obj.name_singular, write=write)

    def selection(self, obj: ObjectMeta, depth: int, fields: tuple[str, ...] | None) -> Selection:
        """``depth`` and ``fields`` as a selection, relations limited to the key's objects."""
        return plan_selection(self.catalog, obj, depth, fields, self.access.objects)

    def _authorize_select(self, obj: ObjectMeta, select: Select) -> None:
        """Every object an explicit selection embeds must be the key's too."""
        for name, rel in select.relations:
            f = obj.field(name)
            target = self.catalog.by_singular.get(f.relation.target_object) if f and f.relation else None
            if target is not None:
                self.authorize(target)
                self._authorize_select(target, rel.select)
                self.authorize_filter(target, rel.filter)

    def authorize_filter(self, obj: ObjectMeta, filter_: Filter | None) -> None:
        """Every object a filter reaches through relations must be the key's too."""
        if self.access.whole or filter_ is None:
            return
        if isinstance(filter_, BoolOp):
            for item in filter_.items:
                self.authorize_filter(obj, item)
        elif isinstance(filter_, Related):
            f = obj.field(filter_.field)
            target = self.catalog.by_singular.get(f.relation.target_object) if f and f.relation else None
            if target is not None:
                self.authorize(target)
                self.authorize_filter(target, filter_.filter)

    async def run(self, q: Query) -> Page:
        """Run a ``Query``: the page in one statement (its total in it when asked for), plus
        one statement for the aggregates when any is asked for."""
        if not self.access.whole:
            obj = self.catalog.by_singular.get(q.object)
            if obj is not None:
                self.authorize(obj)
                self._authorize_select(obj, q.select)
                self.authorize_filter(obj, q.filter)
        qp = plan_query(self.catalog, q)
        obj = self.catalog.object(qp.read.object_name)
        compiled = sqlc.compile_read(self.catalog, self.dialect, qp.read)
        rows = await self.db.fetch(compiled.sql, self._params(compiled, qp.bindings))
        if not rows and qp.cursor_id is not None:
            await self._check_cursor(obj, qp.cursor_id)
        total: int | None = None
        aggregates: dict[str, Any] = {}
        if qp.aggregates:
            plan = AggregatePlan(obj.name_singular, qp.read.where, qp.read.include_deleted, qp.aggregates)
            agg = compile_aggregates(self.catalog, self.dialect, plan)
            counted, aggregates = aggregate_values(
                (await self.db.fetch(agg.sql, self._params(agg, qp.bindings)))[0], qp.aggregates
            )
            total = counted if qp.total else None
        elif qp.total:
            if rows:
                total = int(rows[0][2])
            else:
                counting = sqlc.CountPlan(obj.name_singular, qp.read.where, qp.read.include_deleted)
                count = sqlc.compile_count(self.catalog, self.dialect, counting)
                total = int((await self.db.fetch(count.sql, self._params(count, qp.bindings)))[0][0])
        more = len(rows) > qp.size
        rows = rows[: qp.size]
        records = [r[1] for r in rows]
        ids = [str(r[0]) for r in rows]
        if qp.reversed:
            records.reverse()
            ids.reverse()
            return Page(records, ids, has_next=False, has_previous=more, total=total, aggregates=aggregates)
        return Page(records, ids, has_next=more, has_previous=False, total=total, aggregates=aggregates)

    async def _check_cursor(self, obj: ObjectMeta, cursor_id: str) -> None:
        compiled = sqlc.compile_exists(self.catalog, self.dialect, obj.name_singular)
        if not await self.db.fetch(compiled.sql, self._params(compiled, Bindings([cursor_id], [(None, False)]))):
            raise ApiError(
                "INVALID_CURSOR", f"Invalid cursor: no record {cursor_id} to page from", {"cursor": cursor_id}
            )

    async def _count(self, target: Database | Connection, obj: ObjectMeta, filter_: Filter | None) -> int:
        self.authorize_filter(obj, filter_)
        b = Bindings()
        where = plan_filter(self.catalog, obj, filter_, b) if filter_ is not None else None
        compiled = sqlc.compile_count(
            self.catalog, self.dialect, sqlc.CountPlan(obj.name_singular, where, include_deleted(filter_))
        )
        rows = await target.fetch(compiled.sql, self._params(compiled, b))
        return int(rows[0][0])

    async def find_one_tagged(
        self, obj: ObjectMeta, record_id: str, depth: int, fields: tuple[str, ...] | None
    ) -> Tagged:
        """``find_one`` with the record's ETag."""
        self.authorize(obj)
        tagged = await self._read_one_tagged(obj, record_id, self.selection(obj, depth, fields))
        if tagged is None:
            raise _not_found(obj, record_id)
        return tagged

    async def _read_one_tagged(self, obj: ObjectMeta, record_id: str, selection: Selection) -> Tagged | None:
        """One live record and its ETag, whose ``updatedAt`` is read as a column of the same
        row (the body need not be parsed)."""
        b = Bindings()
        where = Pred("id", Storage.UUID, "eq", b.add(record_id, Storage.UUID))
        plan = ReadPlan(obj.name_singular, where, False, (), selection, with_stamp=True)
        compiled = sqlc.compile_read(self.catalog, self.dialect, plan)
        rows = await self.db.fetch(compiled.sql, self._params(compiled, b))
        return Tagged(rows[0][1], etag(record_id, rows[0][-1])) if rows else None

    def _tagged_selection(self, obj: ObjectMeta, depth: int, fields: tuple[str, ...] | None) -> tuple[Selection, bool]:
        """The selection of a single-record response, with ``updatedAt`` (the ETag is read
        from the same row as the body); ``True`` when a projection lacks it, so that it is
        removed from the record again."""
        if fields is None or "updatedAt" in fields or obj.field("updatedAt") is None:
            return self.selection(obj, depth, fields), False
        return self.selection(obj, depth, (*fields, "updatedAt")), True

    async def _read_ids(
        self,
        target: Database | Connection,
        obj: ObjectMeta,
        ids: list[str],
        selection: Selection,
        include_deleted: bool = False,
    ) -> list[str]:
        """Records by id, in the order of ``ids``."""
        by_id = await self._records_by_id(target, obj, ids, selection, include_deleted)
        return [by_id[i] for i in ids if i in by_id]

    async def _records_by_id(
        self,
        target: Database | Connection,
        obj: ObjectMeta,
        ids: list[str],
        selection: Selection,
        include_deleted: bool = False,
    ) -> dict[str, str]:
        """Record id → its JSON, for those of ``ids`` that exist, in one read."""
        if not ids:
            return {}
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
        return {str(r[0]): r[1] for r in rows}

    async def _records_pointing(
        self, target: Connection, obj: ObjectMeta, column: str, ids: list[str], selection: Selection
    ) -> dict[str, str]:
        """Record id → its JSON, for the records (soft-deleted included) whose join column
        ``column`` holds one of ``ids``, in one read."""
        b = Bindings()
        where = Pred(column, Storage.UUID, "in", b.add(ids, Storage.UUID, many=True))
        plan = ReadPlan(obj.name_singular, where, True, (Sort("id", "AscNullsFirst"),), selection)
        compiled = sqlc.compile_read(self.catalog, self.dialect, plan)
        rows = await target.fetch(compiled.sql, self._params(compiled, b))
        return {str(r[0]): r[1] for r in rows}

    def _params(self, compiled: sqlc.Compiled, b: Bindings) -> list[Any]:
        return compiled.params(b.adapted(self.dialect))
