"""Record-table statements a field change runs: the back-fill of a new field's default,
and the counts of records an option removal or a non-nullable field would break.

The metadata service decides when they run and what their results mean; the DDL of a
change lives in ``sql.ddl``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from vingt.db.database import Connection
from vingt.db.statements import compile_with_params
from vingt.engine.values import field_defaults
from vingt.metadata.model import Catalog, FieldMeta
from vingt.metadata.types import FieldType, Storage
from vingt.sql.dialect import Dialect
from vingt.sql.tables import tables


def fill_default(catalog: Catalog, dialect: Dialect, fm: FieldMeta) -> list[tuple[str, list[Any]]]:
    """The statements (SQL, parameters) that give existing records the new field's default."""
    values = field_defaults(fm, dt.datetime.now(dt.UTC))
    values = {k: val for k, val in values.items() if val is not None}
    if not values:
        return []
    table = tables(catalog, dialect)[fm.object_name]
    storages = {c.name: c.storage for c in fm.columns()}
    stmt = sa.update(table).values({k: dialect.adapt(storages[k], val) for k, val in values.items()})
    return [compile_with_params(dialect, stmt)]


async def count_option_uses(
    conn: Connection, catalog: Catalog, dialect: Dialect, f: FieldMeta, options: list[str]
) -> int:
    """How many records of a SELECT / MULTI_SELECT field hold one of ``options``."""
    table = tables(catalog, dialect)[f.object_name]
    (col,) = f.columns()
    param: Any = sa.bindparam("s0")
    if f.type == FieldType.MULTI_SELECT:
        cond = dialect.overlaps(table.c[col.name], param)
    else:
        cond = dialect.in_list(table.c[col.name], param)
    value = dialect.adapt_list(Storage.TEXT, options)
    sql, _ = dialect.compile(sa.select(sa.func.count()).select_from(table).where(cond))
    return int((await conn.fetch(sql, [value]))[0][0])


async def count_missing(conn: Connection, catalog: Catalog, dialect: Dialect, f: FieldMeta) -> int:
    """How many records have no value for ``f`` (every column of it null)."""
    table = tables(catalog, dialect)[f.object_name]
    cols = [table.c[c.name] for c in f.columns()]
    sql, _ = dialect.compile(sa.select(sa.func.count()).select_from(table).where(sa.and_(*[c.is_(None) for c in cols])))
    return int((await conn.fetch(sql, []))[0][0])
