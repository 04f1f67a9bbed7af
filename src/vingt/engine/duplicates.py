"""Finding duplicates (REST.md §3.9, GRAPHQL.md §11, DATA_MODEL.md §4.1).

An object's ``duplicate_criteria`` is a list of column groups, e.g. for person
``(nameFirstName, nameLastName)``, ``(linkedinLinkPrimaryLinkUrl,)``, ``(emailsPrimaryEmail,)``.
A record duplicates a candidate when, for **any** group, every column of the group is equal
to the candidate's value (Twenty's ``buildDuplicateConditions``). As in Twenty:

* a group is only used when every one of its values in the candidate is a string of at least
  ``MIN_LENGTH`` (3) characters (``settings.minLengthOfStringForDuplicateCheck``); a candidate
  with no usable group has no duplicates;
* candidates given as data go through the write path's normalisation first
  (``coerce_record``: e-mails lower-cased, link URLs with lower-cased scheme and host and no
  trailing slash, empty strings as null), so they compare with stored values;
* matching is plain equality on the stored columns; soft-deleted records never match; the
  candidate itself (its ``id``, for ``ids`` or for data carrying an id) is excluded;
* at most ``MAX_DUPLICATES`` (200) records per candidate, ordered by id; ``totalCount`` is
  exact.

All candidates are matched in **one** statement whatever their number: they travel as one
JSON array parameter (``[{"k": index, "s": own id, "g0_0": value, …}, …]``), unnested by the
database (``jsonb_array_elements`` / ``json_each``); each criteria group is an equality join
between the candidates and the table (so PostgreSQL can hash-join it), the groups are
``UNION``-ed, ranked per candidate with window functions, and the winners are rendered to
JSON in the same statement. The statement's shape depends only on the object, its criteria
and the selection, so it is compiled once. ``ids`` input costs one more statement, reading
the candidates' own values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from vingt.db.database import Connection, Database
from vingt.engine import compile as sqlc
from vingt.engine.plans import Selection
from vingt.engine.values import coerce_record
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, ObjectMeta
from vingt.metadata.types import Storage
from vingt.sql.dialect import Dialect
from vingt.sql.tables import tables

if TYPE_CHECKING:
    from vingt.engine.records import Engine

MIN_LENGTH = 3
MAX_DUPLICATES = 200
MAX_CANDIDATES = 200


@dataclass
class DuplicateSet:
    """The duplicates of one candidate: rendered records and their ids, and the exact count."""

    records: list[str]
    ids: list[str]
    total: int


def criteria(obj: ObjectMeta) -> tuple[tuple[str, ...], ...]:
    """The object's duplicate criteria, keeping groups whose columns all exist."""
    columns = {c.name for f in obj.fields for c in f.columns()}
    return tuple(g for g in obj.duplicate_criteria if g and all(c in columns for c in g))


def require_criteria(obj: ObjectMeta, action: str) -> tuple[tuple[str, ...], ...]:
    groups = criteria(obj)
    if not groups:
        if action == "merge":
            message = (
                "Merge is only available for objects with duplicate criteria. "
                f"Object '{obj.name_singular}' does not have duplicate criteria defined."
            )
        else:
            message = (
                "Finding duplicates is only available for objects with duplicate criteria. "
                f"Object '{obj.name_singular}' does not have duplicate criteria defined."
            )
        raise ApiError("NO_DUPLICATE_CRITERIA", message, {"object": obj.name_singular})
    return groups


def usable(value: Any) -> bool:
    """Twenty's test: a string of at least ``MIN_LENGTH`` characters."""
    return isinstance(value, str) and len(value) >= MIN_LENGTH


def candidate(
    groups: tuple[tuple[str, ...], ...], index: int, own_id: str | None, values: dict[str, Any]
) -> dict[str, Any]:
    """One element of the candidates parameter: a group whose values are not all usable
    gets nulls, which never compare equal."""
    out: dict[str, Any] = {"k": index, "s": own_id}
    for gi, group in enumerate(groups):
        ok = all(usable(values.get(col)) for col in group)
        for j, col in enumerate(group):
            out[f"g{gi}_{j}"] = values[col] if ok else None
    return out


def candidates_from_data(
    obj: ObjectMeta, groups: tuple[tuple[str, ...], ...], data: list[Any]
) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(data):
        inp = coerce_record(obj, item, creating=True, index=i)
        out.append(candidate(groups, i, inp.columns.get("id"), inp.columns))
    return out


async def candidates_from_ids(
    catalog: Catalog,
    dialect: Dialect,
    target: Database | Connection,
    obj: ObjectMeta,
    groups: tuple[tuple[str, ...], ...],
    ids: list[str],
) -> list[dict[str, Any]]:
    """The live records' own criteria values; an unknown (or soft-deleted) id is a 404."""
    columns = tuple(dict.fromkeys(c for g in groups for c in g))

    def build() -> Any:
        t = tables(catalog, dialect)[obj.name_singular]
        return sa.select(t.c.id, *[t.c[c] for c in columns]).where(
            dialect.in_list(t.c.id, sa.bindparam("s0")), t.c.deletedAt.is_(None)
        )

    compiled = sqlc.cached(catalog, dialect, ("duplicate_sources", obj.name_singular, columns), build)
    rows = await target.fetch(
        compiled.sql, compiled.params([dialect.adapt_list(Storage.UUID, list(dict.fromkeys(ids)))])
    )
    found = {str(r[0]): dict(zip(columns, r[1:], strict=True)) for r in rows}
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        raise ApiError("RECORD_NOT_FOUND", "Record not found", {"object": obj.name_singular, "ids": missing})
    return [candidate(groups, k, rid, found[rid]) for k, rid in enumerate(ids)]


def _candidate_rows(dialect: Dialect) -> tuple[Any, Any]:
    """The candidates parameter (slot 0) as a table, and a getter for one key as text."""
    param: Any = sa.bindparam("s0")
    if dialect.name == "postgresql":
        rows = sa.func.jsonb_array_elements(sa.cast(param, JSONB)).table_valued("value").alias("cand")

        def get(key: str) -> Any:
            return rows.c.value.op("->>", return_type=sa.Text)(sa.literal_column(f"'{key}'"))

    else:
        rows = sa.func.json_each(param).table_valued("value").alias("cand")

        def get(key: str) -> Any:
            return sa.func.json_extract(rows.c.value, sa.literal_column(f"'$.{key}'"), type_=sa.Text)

    return rows, get


def compile_duplicates(
    catalog: Catalog,
    dialect: Dialect,
    obj: ObjectMeta,
    groups: tuple[tuple[str, ...], ...],
    selection: Selection,
) -> sqlc.Compiled:
    """``SELECT k, id, <record json>, total`` for every (candidate, duplicate) pair, at most
    ``MAX_DUPLICATES`` per candidate, ordered by candidate then id."""

    def build() -> Any:
        table = tables(catalog, dialect)[obj.name_singular]
        uuid_type = dialect.column_type(Storage.UUID)
        branches = []
        for gi, group in enumerate(groups):
            cand, get = _candidate_rows(dialect)
            m = table.alias(f"m{gi}")
            own = get("s")
            conds = [m.c[col] == get(f"g{gi}_{j}") for j, col in enumerate(group)]
            conds.append(m.c.deletedAt.is_(None))
            conds.append(sa.or_(own.is_(None), m.c.id != sa.cast(own, uuid_type)))
            branches.append(
                sa.select(sa.cast(get("k"), sa.Integer).label("k"), m.c.id.label("id"))
                .select_from(cand)
                .where(*conds)
            )
        matches = (sa.union(*branches) if len(branches) > 1 else branches[0]).subquery("matches")
        ranked = sa.select(
            matches.c.k,
            matches.c.id,
            sa.func.count().over(partition_by=matches.c.k).label("total"),
            sa.func.row_number().over(partition_by=matches.c.k, order_by=matches.c.id).label("rn"),
        ).subquery("ranked")
        r = table.alias("r")
        body = dialect.as_text(sqlc.record_json(catalog, dialect, sqlc.Aliases(), r, selection))
        return (
            sa.select(ranked.c.k, r.c.id, body.label("j"), ranked.c.total)
            .select_from(ranked.join(r, r.c.id == ranked.c.id))
            .where(ranked.c.rn <= sa.literal_column(str(MAX_DUPLICATES)))
            .order_by(ranked.c.k, ranked.c.rn)
        )

    return sqlc.cached(catalog, dialect, ("duplicates", obj.name_singular, groups, selection), build)


async def find_duplicates(
    engine: Engine,
    obj: ObjectMeta,
    depth: int,
    fields: tuple[str, ...] | None,
    *,
    data: list[Any] | None = None,
    ids: list[str] | None = None,
) -> list[DuplicateSet]:
    """One ``DuplicateSet`` per input (data item or id), in input order, rendered at
    ``depth`` / ``fields``."""
    engine.authorize(obj)
    groups = require_criteria(obj, "duplicates")
    catalog, dialect, db = engine.catalog, engine.dialect, engine.db
    selection = engine.selection(obj, depth, fields)
    items = data if data is not None else ids or []
    if len(items) > MAX_CANDIDATES:
        raise ApiError(
            "BATCH_TOO_LARGE",
            f"At most {MAX_CANDIDATES} records can be checked for duplicates at once.",
            {"limit": MAX_CANDIDATES, "received": len(items)},
        )
    if not items:
        return []
    if data is not None:
        cands = candidates_from_data(obj, groups, data)
    else:
        cands = await candidates_from_ids(catalog, dialect, db, obj, groups, ids or [])
    out = [DuplicateSet([], [], 0) for _ in cands]
    if not any(v is not None for c in cands for k, v in c.items() if k.startswith("g")):
        return out  # no candidate has a usable criterion: nothing can match
    compiled = compile_duplicates(catalog, dialect, obj, groups, selection)
    rows = await db.fetch(compiled.sql, compiled.params([dialect.adapt(Storage.JSON, cands)]))
    for k, rid, record, total in rows:
        entry = out[int(k)]
        entry.records.append(record)
        entry.ids.append(str(rid))
        entry.total = int(total)
    return out
